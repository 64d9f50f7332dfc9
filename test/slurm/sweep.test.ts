// A quick sweep of two seeds on a real one-node Slurm cluster (test/support/slurm.ts), through
// `sweep --slurm --submit --wait`: one array task is held part-way (after its bank is trained and
// cached), requeued with `scontrol requeue` while it runs, and let finish; the report's results
// hash equals the same sweep run locally, and the requeued task resumed from the cache (no cache
// entry rewritten). Then a task cancelled for good makes `--wait` fail in one line. The cluster is
// stopped and its folder removed at the end, also when a test fails.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, runCli, type CliRun } from "../support/cli.js";
import { startSlurm, slurmSkip, markedPids, type SlurmCluster } from "../support/slurm.js";

const skip = slurmSkip();
const TMP = mkdtempSync(join(tmpdir(), "moe-bank-slurm-sweep-"));
const QUICK = ["--quick", "--seeds", "0-1"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let cluster: SlurmCluster | null = null;

before(async () => {
  if (!skip) cluster = await startSlurm();
});
after(async () => {
  const c = cluster;
  cluster = null;
  await c?.stop();
  rmSync(TMP, { recursive: true, force: true });
  if (c) {
    assert.equal(existsSync(c.dir), false, "the cluster's folder is removed");
    assert.deepEqual(markedPids(`SLURM_CONF=${c.conf}`), [], "no daemon, job step or task is left running");
  }
});

/** Runs the CLI in the background with the cluster's environment (and `env`). */
function background(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...cluster!.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The hold files of a task (hold.STAGE.INDEX.PID), one per attempt that reached the hold. */
const holds = (dir: string) => readdirSync(dir).filter((f) => f.startsWith("hold."));

async function until<T>(what: string, ms: number, get: () => T | null | undefined | false, running?: { done: boolean; r?: CliRun }): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (running?.done) throw new Error(`the sweep ended while waiting for ${what}: ${running.r?.stderr}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** The array job id of the stage's tasks, from squeue. */
const arrayJob = () => cluster!.run("squeue", "-h", "-n", "moe-bank-bank", "-o", "%F").stdout.trim().split("\n")[0] || null;

/** Every cache entry (experts, evaluation blocks, cells) with its inode: a rewrite changes it. */
function entries(cache: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const kind of ["experts", "eval", "cells"]) {
    const d = join(cache, kind);
    if (existsSync(d)) for (const f of readdirSync(d)) if (!f.startsWith(".")) m.set(`${kind}/${f}`, statSync(join(d, f)).ino);
  }
  return m;
}

test("a quick sweep through --slurm --submit --wait, one task requeued while it runs, has the local sweep's results hash", { skip: skip ?? false, timeout: 900_000 }, async (t) => {
  const t0 = Date.now();
  const local = runCli("sweep", ...QUICK, "--cache", join(TMP, "cache-local"), "--out", join(TMP, "local"), "--json", "--quiet");
  assert.equal(local.code, 0, local.stderr);
  const localSha = JSON.parse(local.stdout).resultsSha256 as string;
  t.diagnostic(`local quick sweep: ${((Date.now() - t0) / 1000).toFixed(1)} s, resultsSha256 ${localSha}`);

  const hold = join(TMP, "hold");
  mkdirSync(hold);
  const cache = join(TMP, "cache"), out = join(TMP, "sweep");
  const t1 = Date.now();
  const state: { done: boolean; r?: CliRun } = { done: false };
  const sweep = background({ MOE_BANK_TEST_HOLD: hold, MOE_BANK_TEST_HOLD_TASK: "bank:1" }, "sweep", ...QUICK, "--cache", cache, "--out", out, "--slurm", "--max-parallel", "2", "--submit", "--wait", "--json").then((r) => {
    state.done = true;
    state.r = r;
    return r;
  });
  // task 1 holds once its bank is trained and evaluated (in the cache), before it measures
  const first = await until("task 1 to hold", 600_000, () => holds(hold)[0], state);
  const job = arrayJob();
  assert.ok(job, "the array is in the queue");
  const cached = entries(cache);
  assert.ok([...cached.keys()].some((k) => k.startsWith("experts/")), "the held task's experts are in the cache");
  const rq = cluster!.run("scontrol", "requeue", `${job}_1`);
  assert.equal(rq.code, 0, rq.stderr);
  t.diagnostic(`requeued ${job}_1 while it ran (${first})`);
  // the requeued task starts again (after Slurm's requeue delay), resumes from the cache and holds again
  const second = await until("the requeued task to hold again", 300_000, () => holds(hold).find((f) => f !== first), state);
  assert.notEqual(second.split(".").pop(), first.split(".").pop(), "a new process");
  rmSync(join(hold, second));
  const r = await sweep;
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.resultsSha256, localSha, "the cluster's report has the local sweep's results hash");
  const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
  const localReport = JSON.parse(readFileSync(join(TMP, "local", "report.json"), "utf8"));
  assert.equal(report.resultsSha256, localSha);
  assert.deepEqual(report.results, localReport.results);
  // resumed, not redone: every entry that existed when the task was requeued is the same file
  const now = entries(cache);
  for (const [k, ino] of cached) assert.equal(now.get(k), ino, `${k} was rewritten`);
  // Slurm's record of the requeue, and each task's wall time from its log
  assert.match(cluster!.run("scontrol", "show", "job", "-o", `${job}_1`).stdout, /Restarts=1 /);
  const logs = readdirSync(join(out, "logs")).sort();
  for (const f of logs) {
    const line = readFileSync(join(out, "logs", f), "utf8").trim().split("\n").filter((l) => / started on |cells computed|^sweep written/.test(l)).join(" | ");
    t.diagnostic(`${f}: ${line}`);
  }
  const task1 = readFileSync(join(out, "logs", `bank_${job}_1.log`), "utf8");
  assert.match(task1, /^task bank 1 of 2 \(mnist R=5 n=3000 distinct seed=1\): 1 cells computed, 0 found in the cache, [\d.]+ s$/m);
  assert.match(task1, /^task bank 1 of 2: started on \S+\n[^]*^task bank 1 of 2: started on \S+, restart 1$/m, "both attempts in the task's one log");
  t.diagnostic(`slurm quick sweep (submit to report, with the requeue): ${((Date.now() - t1) / 1000).toFixed(1)} s`);
});

test("a task cancelled for good makes --wait fail in one line", { skip: skip ?? false, timeout: 600_000 }, async () => {
  // the first test's cache holds the banks; another m gives new cells, so a task reaches its hold quickly
  const hold = join(TMP, "hold-cancel");
  mkdirSync(hold);
  const state: { done: boolean; r?: CliRun } = { done: false };
  const sweep = background({ MOE_BANK_TEST_HOLD: hold, MOE_BANK_TEST_HOLD_TASK: "bank:0" }, "sweep", ...QUICK, "-m", "128", "--cache", join(TMP, "cache"), "--out", join(TMP, "sweep-cancel"), "--slurm", "--submit", "--wait", "--json").then((r) => {
    state.done = true;
    state.r = r;
    return r;
  });
  await until("task 0 to hold", 300_000, () => holds(hold)[0], state);
  const job = arrayJob();
  assert.equal(cluster!.run("scancel", `${job}_0`).code, 0);
  const r = await sweep;
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, "");
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, new RegExp(`^moe-bank: task bank 0 \\(job ${job}_0\\) ended CANCELLED \\(exit [0-9:]+\\); see .*/logs/bank_${job}_0\\.log$`));
  // the finish job can never run: Slurm says so too
  assert.match(cluster!.run("squeue", "-h", "-n", "moe-bank-finish", "-o", "%r").stdout, /DependencyNeverSatisfied|Dependency/);
  cluster!.run("scancel", "--user", "root");
});
