// Submitting a planned sweep's batch scripts to Slurm and waiting for it (Node-only: runs
// sbatch, scontrol, sacct and scancel from PATH, with the caller's environment, so SLURM_CONF
// and the cluster's defaults apply). What the records mean is decided in experiments/slurm.ts.
import { spawnSync } from "node:child_process";
import { MoeBankError } from "../errors.js";
import { parseJobRecords, sweepJobsVerdict, type JobRecord, type SlurmSubmitStep, type SweepJobsVerdict } from "../sweep/slurm.js";

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  missing: boolean;
}

function run(cmd: string, args: string[], cwd?: string): Ran {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 120_000 });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
  return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", missing };
}

const firstLine = (s: string) => s.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "";

/** Submits the steps in order, each after the jobs of the steps it waits for (afterok), and
 *  returns their job ids. If one sbatch fails, the jobs already submitted are cancelled. */
export function submitSteps(planDir: string, steps: SlurmSubmitStep[]): string[] {
  const ids: string[] = [];
  for (const st of steps) {
    const dep = st.after.length ? [`--dependency=afterok:${st.after.map((a) => ids[a]).join(":")}`] : [];
    const r = run("sbatch", ["--parsable", ...dep, st.script], planDir);
    const id = r.code === 0 ? firstLine(r.stdout).split(";")[0]! : "";
    if (!/^\d+$/.test(id)) {
      if (ids.length) run("scancel", ids);
      if (r.missing) throw new MoeBankError("sbatch is not on PATH: --submit runs on a Slurm login node (the scripts are written; submit them there with submit.sh)");
      throw new MoeBankError(`sbatch ${st.script} failed: ${firstLine(r.stderr) || firstLine(r.stdout) || `exit ${r.code}`}${ids.length ? ` (cancelled jobs ${ids.join(", ")})` : ""}`);
    }
    ids.push(id);
  }
  return ids;
}

/** A job's records: from the controller (scontrol), or from the accounting database (sacct)
 *  once the controller has purged it; "unknown" when neither knows the job; "unreachable" (with
 *  scontrol's message) when the controller does not answer. */
function jobRecords(id: string): JobRecord[] | "unknown" | { unreachable: string } {
  const r = run("scontrol", ["show", "job", "-o", id]);
  if (r.code === 0) return parseJobRecords(r.stdout);
  if (r.missing) throw new MoeBankError("scontrol is not on PATH: --wait runs on a Slurm login node");
  if (!/invalid job id/i.test(r.stderr)) return { unreachable: firstLine(r.stderr) || `scontrol exit ${r.code}` };
  const a = run("sacct", ["-n", "-P", "-X", "-j", id, "-o", "JobIDRaw,JobID,State,ExitCode"]);
  if (a.code !== 0) return "unknown";
  const out: JobRecord[] = [];
  for (const line of a.stdout.split("\n")) {
    const [raw, jobid, state, exit] = line.split("|");
    if (!raw || !jobid) continue;
    const m = /^(\d+)_(\S+)$/.exec(jobid);
    out.push({ jobId: raw, arrayJobId: m ? m[1]! : null, arrayTaskId: m ? m[2]!.replace(/^\[|\]$/g, "") : null, state: (state ?? "UNKNOWN").split(" ")[0]!, reason: "None", exitCode: exit ?? "", restarts: 0, stdout: null });
  }
  return out.length ? out : "unknown";
}

export interface WaitOptions {
  pollMs?: number;
  /** How long the controller may not answer before waiting stops (default 10 minutes). */
  unreachableMs?: number;
  /** Called after every poll with the counts so far. */
  progress?(v: SweepJobsVerdict): void;
  signal?: AbortSignal;
}

/** Polls the submitted jobs until the finish job completed (resolves with the verdict "done")
 *  or the sweep can never finish (throws one line: which task failed, or why the finish job
 *  cannot run). `totals` are the task counts of the array steps, in order. */
export async function waitForSteps(steps: SlurmSubmitStep[], ids: string[], totals: number[], o: WaitOptions = {}): Promise<SweepJobsVerdict> {
  const pollMs = o.pollMs ?? 5000;
  // a controller that restarts or fails over may not answer for a while; one that answers but
  // knows the finish job no more (nor does sacct) has lost it
  const patience = o.unreachableMs ?? 600_000;
  let unknown = 0;
  let unreachableSince: number | null = null;
  for (;;) {
    o.signal?.throwIfAborted();
    const got = steps.map((st, i) => ({ stage: st.stage, jobId: ids[i]!, records: jobRecords(ids[i]!) }));
    const down = got.find((g) => typeof g.records === "object" && !Array.isArray(g.records));
    if (down) {
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > patience) throw new MoeBankError(`the Slurm controller has not answered for ${Math.round(patience / 1000)} s (${(down.records as { unreachable: string }).unreachable}); the jobs may still run: check them with squeue`);
      await new Promise((r) => setTimeout(r, pollMs));
      continue;
    }
    unreachableSince = null;
    const submitted = got.map((g) => ({ ...g, records: Array.isArray(g.records) ? g.records : null }));
    const finish = submitted[submitted.length - 1]!;
    if (finish.records === null) {
      if (++unknown >= 3) throw new MoeBankError(`the finish job ${finish.jobId} is unknown to Slurm (neither scontrol nor sacct has it): it was purged or never ran`);
    } else unknown = 0;
    const v = sweepJobsVerdict(
      submitted.map((s) => ({ ...s, records: s.records ?? [] })),
      totals,
    );
    o.progress?.(v);
    if (v.status === "done") return v;
    if (v.status === "failed") throw new MoeBankError(v.line!);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
