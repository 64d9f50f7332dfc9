// A sweep on this machine: every task in turn (one worker pool per dataset, shared by its tasks),
// then the cells read back from the cache, aggregated and hashed. The same functions run one
// task per process on a cluster (runTask) and the finish step there (collect + finishSweep).
import { Core } from "../../bindings/index.js";
import { detMath } from "../math.js";
import { datasetRef } from "../bank/config.js";
import type { LoadedDataset } from "../data/datasets.js";
import { MoeBankError } from "../errors.js";
import { aggregate, sweepSha256, type SweepResults } from "./aggregate.js";
import { cellLabel, planTasks, type SweepTask } from "./plan.js";
import { sweepFigures } from "./report.js";
import { collect, runTask, taskWork, TaskContext, type SweepHooks } from "./task.js";
import type { SweepSpec } from "./spec.js";

/** Where a sweep stands: banks and cells done of all, the current task's label, and an ETA from
 *  the rate of the work computed so far (null until there is one). */
export interface SweepProgress {
  banksDone: number;
  banks: number;
  cellsDone: number;
  cells: number;
  label: string;
  etaSeconds: number | null;
}

/** Aggregates the cells the cache holds: every one must be there and verified, else one
 *  MoeBankError names the first missing or corrupt cell and its file. */
export async function finishSweep(spec: SweepSpec, cache: string, data: LoadedDataset[], core?: Core, coreSha256?: string): Promise<{ results: SweepResults; sha: string; figures: Record<string, string> }> {
  const got = await collect(spec, cache, { data, ...(coreSha256 !== undefined ? { coreSha256 } : {}) });
  if (got.corrupt.length) {
    const c = got.corrupt[0]!;
    throw new MoeBankError(`cell ${cellLabel(spec, c.cell)}: ${c.path} is corrupt (${c.problem})${got.corrupt.length > 1 ? `, and ${got.corrupt.length - 1} more` : ""}`);
  }
  if (got.missing.length) {
    const c = got.missing[0]!;
    throw new MoeBankError(`cell ${cellLabel(spec, c.cell)}: ${c.path} is missing${got.missing.length > 1 ? `, and ${got.missing.length - 1} more` : ""}`);
  }
  const math = detMath(core ?? (await Core.load()));
  const results = aggregate(spec, got.cells, math, data.map(datasetRef));
  return { results, sha: await sweepSha256(results), figures: sweepFigures(results, math) };
}

/**
 * Runs every task of the spec here, in plan order (or `order`, a permutation of the task indices:
 * the results do not depend on it), then finishSweep. Cells already in the cache are not
 * recomputed, so a sweep killed at any point resumes.
 */
export async function runSweep(spec: SweepSpec, opts: {
  cache: string;
  data: LoadedDataset[];
  workers?: number;
  order?: number[];
  onProgress?: (p: SweepProgress) => void;
  warn?: (s: string) => void;
  signal?: AbortSignal;
}): Promise<{ results: SweepResults; sha: string; figures: Record<string, string>; computed: number; reused: number }> {
  const tasks = planTasks(spec);
  const order = opts.order ?? tasks.map((t) => t.index);
  if (order.length !== tasks.length || new Set(order).size !== tasks.length || order.some((i) => !(i >= 0 && i < tasks.length))) {
    throw new MoeBankError(`a task order must be a permutation of 0..${tasks.length - 1}`);
  }
  const ctx = await TaskContext.create(opts.data, opts.workers);
  const work = (t: SweepTask) => taskWork(spec, t, opts.data[t.bank.dataset]!.train.count);
  const totalWork = tasks.reduce((s, t) => s + work(t), 0);
  const cells = tasks.reduce((s, t) => s + t.ms.length, 0);
  let doneWork = 0, computedWork = 0, banksDone = 0, cellsDone = 0, computed = 0, reused = 0;
  let computeMs = 0;
  try {
    for (let k = 0; k < order.length; k++) {
      const t = tasks[order[k]!]!;
      const label = cellLabel(spec, t.bank);
      const tStart = Date.now();
      const hooks: SweepHooks = {
        progress: (done, _total, l) => {
          const rate = computedWork + done > 0 && computeMs + (Date.now() - tStart) > 2000 ? (computedWork + done) / (computeMs + (Date.now() - tStart)) : 0;
          const left = totalWork - doneWork - done;
          opts.onProgress?.({ banksDone, banks: tasks.length, cellsDone, cells, label: l ?? label, etaSeconds: rate > 0 ? left / rate / 1000 : null });
        },
        ...(opts.signal ? { signal: opts.signal } : {}),
      };
      const r = await runTask(spec, t, { cache: opts.cache, ctx, hooks, ...(opts.warn ? { warn: opts.warn } : {}) });
      if (r.computed > 0) {
        computeMs += Date.now() - tStart;
        computedWork += work(t);
      }
      doneWork += work(t);
      banksDone++;
      cellsDone += t.ms.length;
      computed += r.computed;
      reused += r.reused;
      // a pool holds a copy of its dataset per worker: end it when no later task needs it
      if (!order.slice(k + 1).some((i) => tasks[i]!.bank.dataset === t.bank.dataset)) await ctx.release(t.bank.dataset);
      opts.onProgress?.({ banksDone, banks: tasks.length, cellsDone, cells, label: `${label}: done`, etaSeconds: computedWork > 0 ? ((totalWork - doneWork) * computeMs) / computedWork / 1000 : null });
    }
  } finally {
    await ctx.close();
  }
  // the cells are read back under the core hash the tasks keyed them with
  const fin = await finishSweep(spec, opts.cache, opts.data, ctx.core, ctx.coreSha256);
  return { ...fin, computed, reused };
}
