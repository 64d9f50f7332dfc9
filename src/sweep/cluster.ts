// A sweep beyond one machine (Node-only): the plan written to a folder (plan.json), one task run
// by its index in any process on any host that sees the same cache, the status of every task, and
// the finish step that verifies every task's output and aggregates exactly as a local sweep does.
//
// The contract (README "Beyond one machine"): a task is named by (stage, index) in plan.json; it
// reads nothing but the plan, its dataset and the cache, and writes nothing but content-addressed
// entries into the cache (temporary name + rename, no locks: shared filesystems do not honour
// them reliably), so tasks run in any order and concurrently, a killed task resumes from what it
// cached, and a task run twice changes nothing. The plan pins the tool's version and the core's
// hash: a task of another build would compute other keys, so it refuses the plan instead.
import { join, resolve } from "node:path";
import { readFile, stat, access, constants } from "node:fs/promises";
import { existsSync, writeFileSync } from "node:fs";
import { canonicalJson } from "../bank/config.js";
import { writeAtomic } from "../io/files.js";
import { coreSha } from "../bank/run.js";
import { geometryOf } from "../model/cnn.js";
import { MoeBankError, UsageError } from "../errors.js";
import { VERSION } from "../version.js";
import type { LoadedDataset } from "../data/datasets.js";
import { cellKey, cellLabel, planTasks, type BankCoord } from "./plan.js";
import { specFromJson, type DatasetSource, type SweepSpec } from "./spec.js";
import { loadSource, readCell, runTask, TaskContext, type SweepHooks } from "./task.js";

export const PLAN_FILE = "plan.json";
/** The one stage of a sweep's plan: one task per bank (train, evaluate, measure every m). */
export const BANK_STAGE = "bank";

export interface PlannedCell {
  m: number;
  key: string;
  /** The entry's path relative to the cache folder. */
  file: string;
}

export interface PlannedTask {
  index: number;
  label: string;
  bank: BankCoord;
  cells: PlannedCell[];
}

export interface SweepPlan {
  format: "moe-bank/sweep-plan";
  formatVersion: 1;
  /** "moe-bank X.Y.Z": a task refuses a plan of another version */
  tool: string;
  /** the core's sha-256: the cells' keys depend on it */
  coreSha256: string;
  /** the spec, with its dataset paths made absolute */
  spec: SweepSpec;
  /** absolute folders: the shared cache and where sweep-finish writes the report */
  cache: string;
  out: string;
  /** each dataset's name and id (sha-256 of its files), checked by every task */
  datasets: { name: string; id: string }[];
  stages: { name: string; tasks: PlannedTask[] }[];
}

const planPath = (dir: string) => join(resolve(dir), PLAN_FILE);

/** The spec with every dataset path absolute (a task's working folder is the cluster's choice). */
export function absoluteSpec(spec: SweepSpec): SweepSpec {
  const abs = (s: DatasetSource): DatasetSource =>
    "files" in s
      ? { name: "idx", files: { trainImages: resolve(s.files.trainImages), trainLabels: resolve(s.files.trainLabels), testImages: resolve(s.files.testImages), testLabels: resolve(s.files.testLabels) } }
      : { name: s.name, ...(s.dataDir !== undefined ? { dataDir: resolve(s.dataDir) } : {}) };
  return { ...spec, datasets: spec.datasets.map(abs) };
}

/** The plan of a spec whose datasets are loaded (their ids go into the cells' keys). */
export async function makePlan(spec: SweepSpec, data: LoadedDataset[], cache: string, out: string): Promise<SweepPlan> {
  const csha = await coreSha();
  const tasks: PlannedTask[] = [];
  for (const t of planTasks(spec)) {
    const d = data[t.bank.dataset]!;
    const cells: PlannedCell[] = [];
    for (const m of t.ms) {
      const key = await cellKey(spec, { ...t.bank, m }, d.id, geometryOf(d.train), csha);
      cells.push({ m, key, file: `cells/${key}.json` });
    }
    tasks.push({ index: t.index, label: cellLabel(spec, t.bank), bank: t.bank, cells });
  }
  return {
    format: "moe-bank/sweep-plan", formatVersion: 1, tool: `moe-bank ${VERSION}`, coreSha256: csha,
    spec: absoluteSpec(spec), cache: resolve(cache), out: resolve(out),
    datasets: data.map((d) => ({ name: d.name, id: d.id })),
    stages: [{ name: BANK_STAGE, tasks }],
  };
}

export async function writePlan(dir: string, plan: SweepPlan): Promise<string> {
  const path = planPath(dir);
  await writeAtomic(path, JSON.stringify(plan, null, 1) + "\n");
  return path;
}

/**
 * Reads and checks a plan before any work: its format, its build (the tool's version and the
 * core's hash must be this one's), its spec (normalised again) and its tasks (exactly the spec's,
 * in order). Every problem is one line naming the file (exit 1).
 */
export async function readPlan(dir: string): Promise<SweepPlan> {
  const path = planPath(dir);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MoeBankError(code === "ENOENT" ? `${path}: no plan here (write one with moe-bank sweep ... --plan ${dir})` : `${path}: cannot read it (${code ?? (e as Error).message})`);
  }
  let p: SweepPlan;
  try {
    p = JSON.parse(text) as SweepPlan;
  } catch (e) {
    throw new MoeBankError(`${path}: not JSON (${(e as Error).message.split("\n")[0]})`);
  }
  if (p === null || typeof p !== "object" || p.format !== "moe-bank/sweep-plan" || p.formatVersion !== 1) throw new MoeBankError(`${path}: not a moe-bank sweep plan (format moe-bank/sweep-plan, version 1)`);
  if (p.tool !== `moe-bank ${VERSION}`) throw new MoeBankError(`${path}: written by ${String(p.tool)}, but this is moe-bank ${VERSION}; plan the sweep again with this version (its cells' keys differ)`);
  const csha = await coreSha();
  if (p.coreSha256 !== csha) throw new MoeBankError(`${path}: made with the core ${String(p.coreSha256).slice(0, 16)}…, but this build's core is ${csha.slice(0, 16)}…; plan the sweep again with this build (its cells' keys differ)`);
  let spec: SweepSpec;
  try {
    spec = specFromJson(JSON.stringify(p.spec), `${path} spec`);
  } catch (e) {
    throw new MoeBankError(e instanceof Error ? e.message : String(e));
  }
  if (typeof p.cache !== "string" || typeof p.out !== "string" || !p.cache.startsWith("/") || !p.out.startsWith("/")) throw new MoeBankError(`${path}: "cache" and "out" must be absolute paths`);
  const want = planTasks(spec);
  const tasks = Array.isArray(p.stages) && p.stages.length === 1 && p.stages[0]!.name === BANK_STAGE ? p.stages[0]!.tasks : null;
  if (!Array.isArray(tasks) || tasks.length !== want.length) throw new MoeBankError(`${path}: its stages are not the spec's (one stage "${BANK_STAGE}" of ${want.length} tasks)`);
  for (const [i, t] of tasks.entries()) {
    const w = want[i]!;
    const same = t && t.index === i && canonicalJson(t.bank) === canonicalJson(w.bank) && Array.isArray(t.cells) && canonicalJson(t.cells.map((c) => c.m)) === canonicalJson(w.ms) && t.cells.every((c) => typeof c.key === "string" && /^[0-9a-f]{64}$/.test(c.key) && c.file === `cells/${c.key}.json`);
    if (!same) throw new MoeBankError(`${path}: task ${i} is not the spec's task ${i} (${cellLabel(spec, w.bank)})`);
  }
  if (!Array.isArray(p.datasets) || p.datasets.length !== spec.datasets.length) throw new MoeBankError(`${path}: "datasets" must name each of the spec's ${spec.datasets.length} datasets`);
  return { ...p, spec };
}

/** The task of (stage, index), or a one-line usage error (exit 2) when either is out of range.
 *  Without an index: SLURM_ARRAY_TASK_ID (Slurm job arrays), else JOB_COMPLETION_INDEX
 *  (Kubernetes Indexed Jobs). */
export function selectTask(plan: SweepPlan, stage: string | undefined, index: number | undefined, env: NodeJS.ProcessEnv = process.env): { stage: string; task: PlannedTask; of: number } {
  const names = plan.stages.map((s) => s.name);
  const name = stage ?? names[0]!;
  const st = plan.stages.find((s) => s.name === name);
  if (!st) throw new UsageError(`--stage ${name} is not a stage of the plan (its stages: ${names.join(", ")})`);
  let i = index;
  let from = "--index";
  if (i === undefined) {
    const v = env.SLURM_ARRAY_TASK_ID ?? env.JOB_COMPLETION_INDEX;
    from = env.SLURM_ARRAY_TASK_ID !== undefined ? "SLURM_ARRAY_TASK_ID" : "JOB_COMPLETION_INDEX";
    if (v === undefined) throw new UsageError("which task? give --index I, or run it as an array task (SLURM_ARRAY_TASK_ID) or an Indexed Job (JOB_COMPLETION_INDEX)");
    if (!/^\d+$/.test(v)) throw new UsageError(`${from}=${JSON.stringify(v)} is not a task index`);
    i = Number(v);
  }
  if (!Number.isInteger(i) || i < 0 || i >= st.tasks.length) throw new UsageError(`${from} ${i} is out of range: stage ${name} has tasks 0-${st.tasks.length - 1}`);
  return { stage: name, task: st.tasks[i]!, of: st.tasks.length };
}

/** Loads the datasets a set of tasks needs (sparse: by the spec's dataset index) and checks each
 *  is the one the plan was made with (so also its pool sizes, which the plan checked): a task's
 *  inputs, ready or named in one line. */
export async function loadPlanData(plan: SweepPlan, which: number[]): Promise<LoadedDataset[]> {
  const data: LoadedDataset[] = [];
  for (const d of [...new Set(which)].sort((a, b) => a - b)) {
    const src = plan.spec.datasets[d]!;
    let loaded: LoadedDataset;
    try {
      loaded = await loadSource(src);
    } catch (e) {
      throw new MoeBankError(`input not ready: dataset ${src.name} (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`);
    }
    const want = plan.datasets[d]!;
    if (loaded.id !== want.id) throw new MoeBankError(`input not ready: dataset ${src.name} here (${Object.values(loaded.files.train)[0]}, ...) has id ${loaded.id.slice(0, 16)}…, the plan's has ${String(want.id).slice(0, 16)}… (other files on this host)`);
    data[d] = loaded;
  }
  return data;
}

/** The cache folder must exist here and be writable: on a cluster it is the shared filesystem. */
export async function checkCacheReady(plan: SweepPlan): Promise<void> {
  const st = await stat(plan.cache).catch(() => null);
  if (!st?.isDirectory()) throw new MoeBankError(`input not ready: the cache folder ${plan.cache} does not exist on this host (is the shared filesystem mounted here?)`);
  await access(plan.cache, constants.W_OK).catch(() => {
    throw new MoeBankError(`input not ready: the cache folder ${plan.cache} is not writable here`);
  });
}

export type TaskState = { state: "done" } | { state: "missing"; file: string } | { state: "corrupt"; file: string; problem: string };

/** A task's state from the cache: done when every cell's entry is present and verified, else
 *  its first missing or corrupt entry. */
export async function taskState(plan: SweepPlan, t: PlannedTask): Promise<TaskState> {
  for (const c of t.cells) {
    const e = await readCell(plan.cache, c.key);
    const file = join(plan.cache, c.file);
    if (e === null) return { state: "missing", file };
    if ("problem" in e) return { state: "corrupt", file, problem: e.problem };
  }
  return { state: "done" };
}

/** Every task's state, in plan order. */
export async function planStatus(plan: SweepPlan): Promise<{ stage: string; task: PlannedTask; status: TaskState }[]> {
  const out = [];
  for (const st of plan.stages) for (const t of st.tasks) out.push({ stage: st.name, task: t, status: await taskState(plan, t) });
  return out;
}

/** Before aggregating: every task's output present and verified, else one line naming the first
 *  task that is not and its file. */
export async function checkAllDone(plan: SweepPlan, dir: string): Promise<void> {
  for (const s of await planStatus(plan)) {
    if (s.status.state === "done") continue;
    const what = s.status.state === "missing" ? "is missing" : `is corrupt (${s.status.problem})`;
    throw new MoeBankError(`task ${s.stage} ${s.task.index} (${s.task.label}): ${s.status.file} ${what}; run moe-bank sweep-task --plan ${dir} --stage ${s.stage} --index ${s.task.index}`);
  }
}

/**
 * Test-only: with MOE_BANK_TEST_HOLD set to a folder and MOE_BANK_TEST_HOLD_TASK to
 * "STAGE:INDEX", that task stops once its bank is trained and evaluated (in the cache) and before
 * it measures, announces itself as the file hold.STAGE.INDEX.PID in the folder and waits until
 * that file is removed. Lets the Slurm test requeue a task while it runs, deterministically. The
 * wait blocks this thread (the measurements run on it), so a signal ends the process at once.
 */
function testHold(stage: string, index: number): (() => void) | null {
  const dir = process.env.MOE_BANK_TEST_HOLD;
  if (!dir || process.env.MOE_BANK_TEST_HOLD_TASK !== `${stage}:${index}`) return null;
  let held = false;
  return () => {
    if (held) return;
    held = true;
    const flag = join(dir, `hold.${stage}.${index}.${process.pid}`);
    writeFileSync(flag, "");
    const nap = new Int32Array(new SharedArrayBuffer(4));
    while (existsSync(flag)) Atomics.wait(nap, 0, 0, 50);
  };
}

/** Runs one task of the plan here (its inputs checked first), then checks its cells are in the
 *  cache. Returns what runTask did and the wall time. */
export async function runPlannedTask(plan: SweepPlan, stage: string, task: PlannedTask, opts: { workers?: number; warn?: (s: string) => void; signal?: AbortSignal; progress?: SweepHooks["progress"] } = {}): Promise<{ computed: number; reused: number; seconds: number }> {
  const t0 = performance.now();
  await checkCacheReady(plan);
  const data = await loadPlanData(plan, [task.bank.dataset]);
  const ctx = await TaskContext.create(data, opts.workers);
  const hold = testHold(stage, task.index);
  const hooks: SweepHooks = {
    progress: (done: number, total: number, label?: string) => {
      opts.progress?.(done, total, label);
      if (hold && label?.includes(": measuring")) hold();
    },
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  let r: { computed: number; reused: number };
  try {
    r = await runTask(plan.spec, { index: task.index, bank: task.bank, ms: task.cells.map((c) => c.m) }, { cache: plan.cache, ctx, hooks, ...(opts.warn ? { warn: opts.warn } : {}) });
  } finally {
    await ctx.close();
  }
  const s = await taskState(plan, task);
  if (s.state !== "done") throw new MoeBankError(`task ${stage} ${task.index} ran but ${s.file} is ${s.state === "missing" ? "missing" : `corrupt (${s.problem})`}: is the cache folder shared with another build?`);
  return { ...r, seconds: (performance.now() - t0) / 1000 };
}
