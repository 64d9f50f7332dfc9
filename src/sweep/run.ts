// A sweep on this machine: every task in turn (one worker pool per dataset, shared by its tasks),
// then the cells read back from the cache, aggregated and hashed. The same functions run one
// task per process on a cluster (runTask) and the finish step there (collect + finishSweep).
import { Core } from "../../bindings/index.js";
import { detMath } from "../math.js";
import { canonicalJson, datasetLabel, datasetRef } from "../bank/config.js";
import { sha256Hex } from "../io/sha256.js";
import { banksAggregate, banksFigures, type BanksSweepResults } from "./banks-report.js";
import { banksMeasurement, checkSpecAgainstData, normalizeSpec, type DatasetSource } from "./spec.js";
import { banksSpecOf } from "./banks.js";
import type { LoadedDataset } from "../data/datasets.js";
import { MoeBankError } from "../errors.js";
import { aggregate, sweepSha256, type SweepResults } from "./aggregate.js";
import { cellLabel, planTasks, type CellCoord, type SweepTask } from "./plan.js";
import { sweepFigures } from "./report.js";
import { collect, runTask, taskWork, TaskContext, type BanksCellResults, type CellResult, type SweepHooks } from "./task.js";
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

/** The cache keys of `cells` (the results' cells, in their order), from the collected entries. */
function keysOf(got: readonly { cell: CellCoord; key: string }[], cells: readonly { cell: CellCoord }[]): string[] {
  const byCell = new Map(got.map((g) => [canonicalJson(g.cell), g.key]));
  return cells.map((c) => byCell.get(canonicalJson(c.cell))!);
}

/** Aggregates the cells the cache holds: every one must be there and verified, else one
 *  MoeBankError names the first missing or corrupt cell and its file. */
export async function finishSweep(spec: SweepSpec, cache: string, data: LoadedDataset[], core?: Core, coreSha256?: string): Promise<{ results: SweepResults | BanksSweepResults; sha: string; figures: Record<string, string>; cellKeys: string[] }> {
  const got = await collect(spec, cache, { data, ...(coreSha256 !== undefined ? { coreSha256 } : {}) });
  if (got.corrupt.length) {
    const c = got.corrupt[0]!;
    throw new MoeBankError(`cell ${cellLabel(spec, c.cell)}: ${c.path} is corrupt (${c.problem})${got.corrupt.length > 1 ? `, and ${got.corrupt.length - 1} more` : ""}`);
  }
  if (got.missing.length) {
    const c = got.missing[0]!;
    throw new MoeBankError(`cell ${cellLabel(spec, c.cell)}: ${c.path} is missing${got.missing.length > 1 ? `, and ${got.missing.length - 1} more` : ""}`);
  }
  const c = core ?? (await Core.load());
  const name = banksMeasurement(spec);
  if (name !== null) {
    const results = banksAggregate(spec, name, got.cells as CellResult<BanksCellResults>[], c, data.map(datasetRef));
    return { results, sha: await sha256Hex(canonicalJson(results)), figures: banksFigures(results, c), cellKeys: keysOf(got.cells, results.cells) };
  }
  const math = detMath(c);
  const results = aggregate(spec, got.cells as CellResult[], math, data.map(datasetRef));
  return { results, sha: await sweepSha256(results), figures: sweepFigures(results, math), cellKeys: keysOf(got.cells, results.cells) };
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
}): Promise<{ results: SweepResults | BanksSweepResults; sha: string; figures: Record<string, string>; cellKeys: string[]; computed: number; reused: number }> {
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

/**
 * A measurement over banks (grid, scaling) at its options, through this engine: the spec of those
 * options (src/sweep/banks.ts) at one bank seed on one loaded dataset (`source` names it in the
 * spec), run here, and the entry's result. The commands `grid` and `scaling` and reproduce's
 * --sensitivity and --companion are this call.
 */
export async function runBanksMeasurement(name: string, options: Record<string, unknown>, o: {
  seed: number;
  data: LoadedDataset;
  source: DatasetSource;
  bankDirs?: Record<string, string>;
  cache: string;
  workers?: number;
  onProgress?: (p: SweepProgress) => void;
  warn?: (s: string) => void;
  signal?: AbortSignal;
}): Promise<{ result: unknown; spec: SweepSpec; sha: string; computed: number; reused: number }> {
  const p = banksSpecOf(name, options);
  const spec = normalizeSpec({
    measurements: [name], seeds: [o.seed], datasets: [o.source], counts: p.counts, subsetSizes: p.subsetSizes, ms: p.ms, mcSeed: p.mcSeed, options: p.options,
    ...(p.runs !== undefined ? { runs: p.runs } : {}), ...(p.bootstrap !== undefined ? { bootstrap: p.bootstrap } : {}), ...(p.widths ? { widths: p.widths } : {}),
    ...(o.bankDirs && Object.keys(o.bankDirs).length ? { bankDirs: o.bankDirs } : {}),
  }, null);
  checkSpecAgainstData(spec, [o.data.train.count], [datasetLabel(o.data)]);
  const { source: _s, seed: _seed, bankDirs: _b, data, ...rest } = o;
  const r = await runSweep(spec, { ...rest, data: [data] });
  return { result: (r.results as BanksSweepResults).groups[0]!.result, spec, sha: r.sha, computed: r.computed, reused: r.reused };
}
