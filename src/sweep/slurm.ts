// A planned sweep as Slurm batch scripts, and Slurm's job records read back: pure functions
// (text in, text out), so the scripts are checked without a cluster and the same code decides
// whether a submitted sweep is running, done or can never finish.
//
// The shape: one job array per stage of the plan, one array task per task index, so tasks of
// one array never wait on each other; a later stage's array waits for the whole earlier one
// (afterok), and the finish job waits for the last array. Every task is a fresh process of the
// same node and the same CLI, called by absolute path; it reads its index from
// SLURM_ARRAY_TASK_ID and writes only content-addressed cache entries, so requeueing it (on node
// failure, preemption or by hand) is safe.
import { UsageError } from "../errors.js";

/** Cluster options, each written into the scripts only when given. */
export interface SlurmOptions {
  /** The array throttle: at most this many tasks of one array run at once (`--array=0-K%N`). */
  maxParallel?: number;
  partition?: string;
  account?: string;
  /** Per task, as sbatch reads it (minutes, MM:SS, HH:MM:SS, D-HH, ...). */
  time?: string;
  /** Per task, as sbatch reads it (e.g. 4G). */
  mem?: string;
  cpusPerTask?: number;
  /** Anything else, one `#SBATCH` line each, verbatim (e.g. `--qos=long`). */
  sbatchArgs?: string[];
}

export interface SlurmStage {
  name: string;
  /** Number of tasks: the array is 0 .. tasks-1. */
  tasks: number;
}

export interface SlurmScriptInput {
  /** Absolute path of the plan folder (what `sweep-task --plan` and `sweep-finish --plan` read). */
  planDir: string;
  /** Absolute paths of the node binary and of the CLI's entry script. */
  node: string;
  cli: string;
  /** Where the task logs go (absolute). */
  logDir: string;
  stages: SlurmStage[];
  options: SlurmOptions;
  /** Extra CLI arguments for every task (e.g. ["--workers", "4"]). */
  taskArgs?: string[];
}

export interface SlurmScript {
  /** File name inside the plan folder. */
  file: string;
  text: string;
}

/** A submission step: the script and the earlier steps whose jobs it waits for (afterok). */
export interface SlurmSubmitStep {
  script: string;
  stage: string | null;
  after: number[];
}

export interface SlurmScripts {
  scripts: SlurmScript[];
  /** In submission order; `submit.sh` (also among `scripts`) runs exactly these. */
  steps: SlurmSubmitStep[];
}

export const SUBMIT_SCRIPT = "submit.sh";
export const FINISH_SCRIPT = "finish.sbatch";
export const stageScript = (stage: string) => `stage-${stage}.sbatch`;
/** The log of array task `index` of `stage` (sbatch's %A is the array's job id). */
export const taskLog = (logDir: string, stage: string, jobId: string | number, index: number) => `${logDir}/${stage}_${jobId}_${index}.log`;

const NAME = /^[a-z][a-z0-9-]*$/;

/** Refuses what cannot be written safely into a `#SBATCH` line or a shell word. */
function checkPath(what: string, p: string): void {
  if (!p.startsWith("/")) throw new UsageError(`${what} must be an absolute path, got ${JSON.stringify(p)}`);
  // sbatch splits #SBATCH lines at blanks and expands % in file names
  if (/[\s"'\\%$`]/.test(p)) throw new UsageError(`${what} ${JSON.stringify(p)} contains a blank, quote, backslash, % or $, which Slurm's script lines cannot carry`);
}

function checkValue(flag: string, v: string): void {
  if (v === "" || /[\s"'\\`$]/.test(v)) throw new UsageError(`--${flag} ${JSON.stringify(v)}: expected one word without blanks or quotes`);
}

/** Validates the options (exit 2, one line) before anything is written or submitted. */
export function validateSlurmOptions(o: SlurmOptions): void {
  if (o.maxParallel !== undefined && !(Number.isInteger(o.maxParallel) && o.maxParallel >= 1)) throw new UsageError(`--max-parallel must be a positive integer, got ${o.maxParallel}`);
  if (o.cpusPerTask !== undefined && !(Number.isInteger(o.cpusPerTask) && o.cpusPerTask >= 1)) throw new UsageError(`--cpus-per-task must be a positive integer, got ${o.cpusPerTask}`);
  if (o.partition !== undefined) checkValue("partition", o.partition);
  if (o.account !== undefined) checkValue("account", o.account);
  if (o.time !== undefined) checkValue("time", o.time);
  if (o.mem !== undefined) checkValue("mem", o.mem);
  for (const a of o.sbatchArgs ?? []) {
    if (!/^--?[A-Za-z]/.test(a) || /[\n\r]/.test(a)) throw new UsageError(`--sbatch-arg ${JSON.stringify(a)}: expected one sbatch option such as --qos=long`);
    if (/^--?(array|dependency|output|error|open-mode|parsable|wrap)\b/.test(a)) throw new UsageError(`--sbatch-arg ${JSON.stringify(a)}: moe-bank writes this option itself`);
  }
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function header(jobName: string, o: SlurmOptions, output: string, extra: string[]): string[] {
  const lines = ["#!/bin/bash", `#SBATCH --job-name=${jobName}`, ...extra, `#SBATCH --output=${output}`, "#SBATCH --open-mode=append"];
  if (o.partition !== undefined) lines.push(`#SBATCH --partition=${o.partition}`);
  if (o.account !== undefined) lines.push(`#SBATCH --account=${o.account}`);
  if (o.time !== undefined) lines.push(`#SBATCH --time=${o.time}`);
  if (o.mem !== undefined) lines.push(`#SBATCH --mem=${o.mem}`);
  if (o.cpusPerTask !== undefined) lines.push(`#SBATCH --cpus-per-task=${o.cpusPerTask}`);
  for (const a of o.sbatchArgs ?? []) lines.push(`#SBATCH ${a}`);
  return lines;
}

/** The batch scripts of a planned sweep: one array per stage, the finish job, and submit.sh
 *  that submits them in order with their dependencies (for submitting by hand). */
export function slurmScripts(input: SlurmScriptInput): SlurmScripts {
  const { planDir, node, cli, logDir, stages, options: o } = input;
  validateSlurmOptions(o);
  checkPath("the plan folder", planDir);
  checkPath("node", node);
  checkPath("the CLI", cli);
  checkPath("the log folder", logDir);
  if (stages.length === 0) throw new UsageError("the plan has no stages to submit");
  const taskArgs = (input.taskArgs ?? []).map(q).join(" ");
  const scripts: SlurmScript[] = [];
  const steps: SlurmSubmitStep[] = [];
  for (const [i, s] of stages.entries()) {
    if (!NAME.test(s.name)) throw new UsageError(`stage name ${JSON.stringify(s.name)}: expected lower-case letters, digits and dashes`);
    if (!(Number.isInteger(s.tasks) && s.tasks >= 1)) throw new UsageError(`stage ${s.name} has ${s.tasks} tasks; expected at least 1`);
    const throttle = o.maxParallel !== undefined ? `%${o.maxParallel}` : "";
    const text = [
      ...header(`moe-bank-${s.name}`, o, `${logDir}/${s.name}_%A_%a.log`, [`#SBATCH --array=0-${s.tasks - 1}${throttle}`, "#SBATCH --requeue"]),
      `# one task of stage ${s.name}: its index is SLURM_ARRAY_TASK_ID; it writes only content-addressed`,
      "# entries into the sweep's cache, so a requeued or repeated task resumes and changes nothing",
      "set -eu",
      `exec ${q(node)} ${q(cli)} sweep-task --plan ${q(planDir)} --stage ${s.name} --progress${taskArgs ? " " + taskArgs : ""}`,
      "",
    ].join("\n");
    scripts.push({ file: stageScript(s.name), text });
    steps.push({ script: stageScript(s.name), stage: s.name, after: i === 0 ? [] : [i - 1] });
  }
  scripts.push({
    file: FINISH_SCRIPT,
    text: [
      ...header("moe-bank-finish", o, `${logDir}/finish_%j.log`, ["#SBATCH --requeue"]),
      "# verifies every task's output and aggregates exactly as a local sweep does",
      "set -eu",
      `exec ${q(node)} ${q(cli)} sweep-finish --plan ${q(planDir)}`,
      "",
    ].join("\n"),
  });
  steps.push({ script: FINISH_SCRIPT, stage: null, after: [stages.length - 1] });
  const submit = ["#!/bin/bash", "# submits the sweep: each stage's array after the previous one succeeded, then the finish job", "set -euo pipefail", `cd ${q(planDir)}`];
  for (const [i, st] of steps.entries()) {
    const dep = st.after.length ? ` --dependency=afterok:${st.after.map((a) => `"$j${a}"`).join(":")}` : "";
    submit.push(`j${i}=$(sbatch --parsable${dep} ${st.script} | cut -d';' -f1)`);
  }
  submit.push(`echo ${steps.map((_, i) => `"$j${i}"`).join(" ")}`, "");
  scripts.push({ file: SUBMIT_SCRIPT, text: submit.join("\n") });
  return { scripts, steps };
}

/** One record of `scontrol show job -o`: an array task, a pending range of tasks, or a job. */
export interface JobRecord {
  jobId: string;
  arrayJobId: string | null;
  /** The task index, a pending range ("2-5%2"), or null for a job that is not an array. */
  arrayTaskId: string | null;
  state: string;
  reason: string;
  exitCode: string;
  restarts: number;
  stdout: string | null;
}

/** Parses `scontrol show job -o` output (one record per line). */
export function parseJobRecords(text: string): JobRecord[] {
  const out: JobRecord[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("JobId=")) continue;
    const f = (k: string) => new RegExp(`(?:^| )${k}=(\\S*)`).exec(line)?.[1] ?? null;
    out.push({
      jobId: f("JobId")!,
      arrayJobId: f("ArrayJobId"),
      arrayTaskId: f("ArrayTaskId"),
      state: f("JobState") ?? "UNKNOWN",
      reason: f("Reason") ?? "None",
      exitCode: f("ExitCode") ?? "",
      restarts: Number(f("Restarts") ?? 0),
      stdout: f("StdOut"),
    });
  }
  return out;
}

/** States a job or task does not leave by itself: it failed for good. */
const FAILED = new Set(["FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "PREEMPTED", "SPECIAL_EXIT"]);

export interface SubmittedStep {
  stage: string | null;
  jobId: string;
  records: JobRecord[];
}

export interface SweepJobsVerdict {
  status: "running" | "done" | "failed";
  /** For "failed": one line naming the task (stage, index, job id, state, exit code, log). */
  line?: string;
  /** Tasks done / total over the arrays, for progress. */
  done: number;
  total: number;
  running: number;
}

function taskCount(r: JobRecord): number {
  const m = /^(\d+)-(\d+)/.exec(r.arrayTaskId ?? "");
  if (m) return Number(m[2]) - Number(m[1]) + 1;
  const list = (r.arrayTaskId ?? "").split("%")[0]!;
  return list.includes(",") ? list.split(",").length : 1;
}

/** Where a submitted sweep stands, from its jobs' records: done when the finish job completed;
 *  failed when a task or the finish job ended badly or the finish job's dependency can never be
 *  met; else running. The last step is the finish job. */
export function sweepJobsVerdict(steps: SubmittedStep[], totals: number[]): SweepJobsVerdict {
  let done = 0;
  let running = 0;
  let failure: string | undefined;
  const total = totals.reduce((a, b) => a + b, 0);
  for (const st of steps) {
    for (const r of st.records) {
      if (r.state === "COMPLETED") done += st.stage !== null ? taskCount(r) : 0;
      if (r.state === "RUNNING") running += 1;
      if (failure === undefined && FAILED.has(r.state)) {
        const what = st.stage === null ? `the finish job ${r.jobId}` : `task ${st.stage} ${r.arrayTaskId} (job ${r.arrayJobId}_${r.arrayTaskId})`;
        failure = `${what} ended ${r.state}${r.exitCode ? ` (exit ${r.exitCode})` : ""}${r.stdout ? `; see ${r.stdout}` : ""}`;
      }
    }
  }
  const finish = steps[steps.length - 1]?.records[0];
  if (finish?.state === "COMPLETED") return { status: "done", done, total, running };
  if (failure !== undefined) return { status: "failed", line: failure, done, total, running };
  if (finish && finish.state === "PENDING" && finish.reason === "DependencyNeverSatisfied") {
    return { status: "failed", line: `the finish job ${finish.jobId} can never start (DependencyNeverSatisfied): a task it waits for failed or was cancelled`, done, total, running };
  }
  return { status: "running", done, total, running };
}
