// A sweep beyond one machine, on the command line: `sweep ... --plan DIR` (plan only),
// `sweep ... --slurm [--submit [--wait]]` (plan and sbatch scripts in --out, submitted, waited
// for), and the three commands a cluster runs: sweep-task (one task by index), sweep-finish
// (verify every task's output, aggregate, write the report as a local sweep does) and
// sweep-status (which tasks are done, missing or corrupt). The work is src/sweep/cluster.ts.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { chmod, mkdir, readdir, readFile, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { hostname } from "node:os";
import { MoeBankError, UsageError } from "../errors.js";
import { emit, progressEnabled, type GlobalOptions } from "../output.js";
import { checkOutDir, writeAtomic } from "../io/files.js";
import { coreSha } from "../bank/run.js";
import { VERSION } from "../version.js";
import { folderOption } from "./checks.js";
import { checkWorkers, workersOption } from "./workers.js";
import { emitSweep } from "./sweep.js";
import { submitSteps, waitForSteps } from "./slurm.js";
import { loadSpecData } from "../sweep/task.js";
import { finishSweep } from "../sweep/run.js";
import { SWEEP_FOLDER_FILE, sweepFiles, writeSweep, type SweepRunInfo } from "../sweep/report.js";
import type { SweepResults } from "../sweep/aggregate.js";
import type { BanksSweepResults } from "../sweep/banks-report.js";
import type { SweepSpec } from "../sweep/spec.js";
import { BANK_STAGE, PLAN_FILE, checkAllDone, loadPlanData, makePlan, planStatus, readPlan, runPlannedTask, selectTask, writePlan } from "../sweep/cluster.js";
import { SUBMIT_SCRIPT, slurmScripts, validateSlurmOptions, type SlurmOptions } from "../sweep/slurm.js";

/** The options of `sweep` that plan it for a cluster instead of running it here: the plan
 *  folder, --slurm with its submission, and the cluster's options (SlurmOptions; the extras as
 *  --sbatch-arg, repeatable). */
export interface ClusterArgs extends Omit<SlurmOptions, "sbatchArgs"> {
  plan?: string;
  slurm?: boolean;
  submit?: boolean;
  wait?: boolean;
  sbatchArg?: string[];
}

/** What a plan folder may hold: the plan, the scripts, the logs and (after sweep-finish with the
 *  plan in --out) the report. */
const PLAN_FOLDER_FILE = new RegExp(`^(plan\\.json|${SUBMIT_SCRIPT.replace(".", "\\.")}|[a-z0-9-]+\\.sbatch|logs)$|${SWEEP_FOLDER_FILE.source}`);

/** This CLI's entry script, by absolute path (what the batch scripts call). */
const CLI_PATH = fileURLToPath(new URL("../cli.js", import.meta.url));

const SLURM_ONLY = ["maxParallel", "partition", "account", "time", "mem", "cpusPerTask", "sbatchArg"] as const;
const FLAG: Record<(typeof SLURM_ONLY)[number], string> = { maxParallel: "--max-parallel", partition: "--partition", account: "--account", time: "--time", mem: "--mem", cpusPerTask: "--cpus-per-task", sbatchArg: "--sbatch-arg" };

function slurmOptions(a: ClusterArgs): SlurmOptions {
  const o: SlurmOptions = {};
  for (const k of SLURM_ONLY) if (a[k] !== undefined) Object.assign(o, { [k === "sbatchArg" ? "sbatchArgs" : k]: a[k] });
  return o;
}

/** Whether `sweep` plans instead of running, with the combinations checked (usage, exit 2). */
export function wantsPlan(a: ClusterArgs): boolean {
  if (a.plan !== undefined && a.slurm) throw new UsageError("--slurm writes the plan into --out; leave out --plan");
  if (a.submit && !a.slurm) throw new UsageError("--submit goes with --slurm");
  if (a.wait && !a.submit) throw new UsageError("--wait goes with --submit");
  if (!a.slurm) for (const k of SLURM_ONLY) if (a[k] !== undefined) throw new UsageError(`${FLAG[k]} goes with --slurm`);
  if (a.slurm) validateSlurmOptions(slurmOptions(a));
  return a.plan !== undefined || a.slurm === true;
}

/** `sweep ... --plan DIR` / `--slurm`: checks, loads the datasets (their ids go into the keys),
 *  writes plan.json (and the scripts), submits and waits when asked. No task runs here. */
export async function planSweep(a: ClusterArgs & GlobalOptions & { cache: string; out: string; workers?: number }, spec: SweepSpec): Promise<void> {
  const dir = a.slurm ? a.out : a.plan!;
  if (a.slurm) await checkOutDir(a.out, { whole: PLAN_FOLDER_FILE });
  else {
    await checkOutDir(a.plan!, { option: "--plan", whole: PLAN_FOLDER_FILE });
    await checkOutDir(a.out, { whole: SWEEP_FOLDER_FILE });
  }
  await checkOutDir(a.cache, { option: "--cache" });
  const data = await loadSpecData(spec);
  await mkdir(resolve(a.cache), { recursive: true });
  const plan = await makePlan(spec, data, a.cache, a.out);
  const path = await writePlan(dir, plan);
  const tasks = plan.stages[0]!.tasks.length;
  if (!a.slurm) {
    emit(a, { plan: path, stages: [{ name: BANK_STAGE, tasks }] }, () =>
      [
        `plan written to ${path}: stage ${BANK_STAGE}, ${tasks} tasks (one per bank), indices 0-${tasks - 1}`,
        `run each task anywhere that sees ${plan.cache}: moe-bank sweep-task --plan ${dir} --index I`,
        `then: moe-bank sweep-finish --plan ${dir}   (report into ${plan.out}); moe-bank sweep-status --plan ${dir} shows what is done`,
      ].join("\n"));
    return;
  }
  const planDir = resolve(dir), logDir = join(planDir, "logs");
  // a report of an earlier sweep in --out would pass for this one's until the finish job replaces it
  for (const old of await readdir(planDir)) if (SWEEP_FOLDER_FILE.test(old)) await unlink(join(planDir, old));
  const { scripts, steps } = slurmScripts({
    planDir, node: process.execPath, cli: CLI_PATH, logDir, stages: [{ name: BANK_STAGE, tasks }], options: slurmOptions(a),
    ...(a.workers !== undefined ? { taskArgs: ["--workers", String(a.workers)] } : {}),
  });
  await mkdir(logDir, { recursive: true });
  for (const s of scripts) {
    await writeAtomic(join(planDir, s.file), s.text);
    await chmod(join(planDir, s.file), 0o755);
  }
  const written = scripts.map((s) => s.file);
  if (!a.submit) {
    emit(a, { plan: path, scripts: written, tasks }, () => `plan and ${written.length} scripts written to ${planDir}: ${tasks} array tasks, then the finish job; submit them with: bash ${join(planDir, SUBMIT_SCRIPT)}`);
    return;
  }
  const ids = submitSteps(planDir, steps);
  const jobs = steps.map((st, i) => ({ stage: st.stage ?? "finish", jobId: ids[i]! }));
  if (!a.wait) {
    emit(a, { plan: path, jobs }, () => jobs.map((j) => `${j.stage}: job ${j.jobId}`).join("\n"));
    return;
  }
  const tty = process.stderr.isTTY === true;
  if (progressEnabled(a)) process.stderr.write(`submitted: ${jobs.map((j) => `${j.stage} job ${j.jobId}`).join(", ")}; waiting\n`);
  let last = "";
  await waitForSteps(steps, ids, [tasks], {
    progress: progressEnabled(a)
      ? (v) => {
          const line = `slurm: ${v.done}/${v.total} tasks done, ${v.running} running`;
          if (line !== last) process.stderr.write(tty ? `\r${line.padEnd(60)}` : line + "\n");
          last = line;
        }
      : undefined,
  });
  if (tty && last) process.stderr.write("\n");
  await emitReport(a, plan.out);
}

/** Prints a finished sweep's summary from its report.json, as the local sweep prints it. */
async function emitReport(a: GlobalOptions, out: string): Promise<void> {
  const path = join(out, "report.json");
  let r: { resultsSha256: string; results: SweepResults | BanksSweepResults; run: SweepRunInfo };
  try {
    r = JSON.parse(await readFile(path, "utf8"));
  } catch (e) {
    throw new MoeBankError(`${path}: the finish job ended but its report cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const files = (await readdir(out)).filter((n) => SWEEP_FOLDER_FILE.test(n)).sort((x, y) => (x === "report.json" ? -1 : y === "report.json" ? 1 : x < y ? -1 : 1));
  emitSweep(a, out, { results: r.results, sha: r.resultsSha256, run: r.run }, files);
}

/** Writes the report into `out`: whole (as a local sweep) when the folder is the report's alone;
 *  file by file (each atomic, report.json last) when it also holds the plan, the scripts and the
 *  logs the running jobs append to. */
async function writeReport(out: string, planDir: string, w: Parameters<typeof writeSweep>[1]): Promise<string[]> {
  if (resolve(out) !== resolve(planDir)) return writeSweep(out, w);
  const files = sweepFiles(w);
  for (const old of await readdir(out)) if (SWEEP_FOLDER_FILE.test(old) && !(old in files)) await unlink(join(out, old));
  const names = Object.keys(files).filter((n) => n !== "report.json").concat("report.json");
  for (const n of names) await writeAtomic(join(out, n), files[n]!);
  return Object.keys(files);
}

interface PlanArgs extends GlobalOptions {
  plan: string;
}

const planOption = folderOption("plan", "the plan folder (plan.json), as written by moe-bank sweep ... --plan DIR or --slurm", { demandOption: true as const });

async function sweepTask(a: ArgumentsCamelCase<PlanArgs & { stage?: string; index?: number; workers?: number }>): Promise<void> {
  checkWorkers(a.workers);
  const plan = await readPlan(a.plan);
  const { stage, task, of } = selectTask(plan, a.stage, a.index);
  const cpus = Number(process.env.SLURM_CPUS_PER_TASK);
  const workers = a.workers ?? (Number.isInteger(cpus) && cpus >= 1 ? cpus : undefined);
  const warn = (s: string) => process.stderr.write(`moe-bank: warning: ${s}\n`);
  const progress = taskReporter(a, `task ${stage} ${task.index} of ${of}`);
  const r = await runPlannedTask(plan, stage, task, { ...(workers !== undefined ? { workers } : {}), warn, progress });
  emit(a, { stage, index: task.index, label: task.label, computed: r.computed, reused: r.reused, seconds: r.seconds }, (x) =>
    `task ${stage} ${x.index} of ${of} (${x.label}): ${x.computed} cells computed, ${x.reused} found in the cache, ${x.seconds.toFixed(1)} s`);
}

/** A task's progress on stderr (a terminal, or --progress as the batch scripts pass it, so a
 *  task's log shows where it is): its start (host, and Slurm's restart count when requeued),
 *  then the work done every 30 s. */
function taskReporter(a: GlobalOptions, name: string): ((done: number, total: number, label?: string) => void) | undefined {
  if (!progressEnabled(a)) return undefined;
  const restarts = process.env.SLURM_RESTART_COUNT;
  process.stderr.write(`${name}: started on ${hostname()}${restarts && restarts !== "0" ? `, restart ${restarts}` : ""}\n`);
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return (done, total, label) => {
    const now = Date.now();
    if (done < total && now - last < (tty ? 250 : 30_000)) return;
    last = now;
    const line = `${name}: ${total > 0 ? Math.floor((100 * done) / total) : 100}%${label ? ` ${label}` : ""}`;
    process.stderr.write(tty ? `\r${line.slice(0, 118).padEnd(118)}${done >= total ? "\n" : ""}` : line + "\n");
  };
}

async function sweepFinish(a: ArgumentsCamelCase<PlanArgs>): Promise<void> {
  const t0 = performance.now();
  const plan = await readPlan(a.plan);
  await checkAllDone(plan, a.plan);
  const data = await loadPlanData(plan, plan.spec.datasets.map((_, i) => i));
  const fin = await finishSweep(plan.spec, plan.cache, data, undefined, plan.coreSha256);
  const cells = fin.results.cells.length;
  const run: SweepRunInfo = { tool: `moe-bank ${VERSION}`, node: process.version, coreSha256: await coreSha(), workers: 1, seconds: (performance.now() - t0) / 1000, computed: 0, reused: cells, cellKeys: fin.cellKeys };
  const files = await writeReport(plan.out, a.plan, { spec: plan.spec, results: fin.results, sha: fin.sha, figures: fin.figures, run });
  emitSweep(a, plan.out, { results: fin.results, sha: fin.sha, run }, files);
}

async function sweepStatus(a: ArgumentsCamelCase<PlanArgs>): Promise<void> {
  const plan = await readPlan(a.plan);
  const all = await planStatus(plan);
  const count = (s: string) => all.filter((x) => x.status.state === s).length;
  const tasks = all.map((x) => ({ stage: x.stage, index: x.task.index, label: x.task.label, ...x.status }));
  emit(a, { plan: resolve(a.plan, PLAN_FILE), done: count("done"), missing: count("missing"), corrupt: count("corrupt"), tasks }, (x) =>
    [
      `${x.done} of ${tasks.length} tasks done, ${x.missing} missing, ${x.corrupt} corrupt`,
      ...tasks.map((t) => `  ${t.stage} ${t.index}  ${t.state.padEnd(7)}  ${t.label}${t.state === "done" ? "" : `  ${t.file}${t.state === "corrupt" ? ` (${t.problem})` : ""}`}`),
    ].join("\n"));
}

/** The --plan / --slurm options of `sweep`. */
export function clusterOptions<T>(c: Argv<T>): Argv<T & ClusterArgs> {
  return c
    .option("plan", { ...folderOption("plan", "plan the sweep into this folder (plan.json) instead of running it: run its tasks with sweep-task, anywhere that sees the cache", {}), group: "Beyond one machine:" })
    .option("slurm", { type: "boolean", describe: "write the plan and Slurm batch scripts (one array task per bank, then the finish job) into --out", group: "Beyond one machine:" })
    .option("submit", { type: "boolean", describe: "with --slurm: submit them (sbatch) and print the job ids", group: "Beyond one machine:" })
    .option("wait", { type: "boolean", describe: "with --submit: wait until the finish job ends; one line and exit 1 if a task failed or the finish job can never run", group: "Beyond one machine:" })
    .option("max-parallel", { type: "number", describe: "at most this many array tasks at once (the array's %N throttle)", group: "Beyond one machine:" })
    .option("partition", { type: "string", describe: "sbatch --partition", group: "Beyond one machine:" })
    .option("account", { type: "string", describe: "sbatch --account", group: "Beyond one machine:" })
    .option("time", { type: "string", describe: "sbatch --time, per task (e.g. 00:30:00)", group: "Beyond one machine:" })
    .option("mem", { type: "string", describe: "sbatch --mem, per task (e.g. 4G)", group: "Beyond one machine:" })
    .option("cpus-per-task", { type: "number", describe: "sbatch --cpus-per-task; each task then uses that many workers", group: "Beyond one machine:" })
    .option("sbatch-arg", { type: "string", array: true, describe: "any other sbatch option, written verbatim (e.g. --sbatch-arg=--qos=long)", group: "Beyond one machine:" }) as unknown as Argv<T & ClusterArgs>;
}

export function sweepTaskCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command(
    "sweep-task",
    "run one task of a planned sweep (one bank: train, evaluate, measure), writing only content-addressed entries into its cache",
    (c) =>
      c
        .option("plan", planOption)
        .option("stage", { type: "string", describe: `the plan's stage (default: its first, "${BANK_STAGE}")` })
        .option("index", { type: "number", describe: "the task's index (default: SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX)" })
        .option("workers", workersOption)
        .example("$0 sweep-task --plan sweep --index 3", "the bank of task 3; run twice, it changes nothing"),
    (x) => sweepTask(x as unknown as ArgumentsCamelCase<PlanArgs & { stage?: string; index?: number; workers?: number }>),
  );
}

/** A command of the plan folder alone (--plan DIR). */
function planCommand(name: string, describe: string, run: (a: ArgumentsCamelCase<PlanArgs>) => Promise<void>) {
  return (y: Argv<GlobalOptions>): Argv<GlobalOptions> => y.command(name, describe, (c) => c.option("plan", planOption), (x) => run(x as unknown as ArgumentsCamelCase<PlanArgs>));
}

export const sweepFinishCommand = planCommand(
  "sweep-finish",
  "check every task's output of a planned sweep (present, hash verified) and write its report as a local sweep does (same resultsSha256)",
  sweepFinish,
);

export const sweepStatusCommand = planCommand("sweep-status", "which tasks of a planned sweep are done, missing or corrupt", sweepStatus);
