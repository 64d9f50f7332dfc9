// A sweep planned and run task by task (as a cluster runs it) gives the local sweep's report:
// sweep --plan, sweep-task by --index / SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX, sweep-status,
// sweep-finish; a task run twice changes nothing; bad plans (another version or core, an index or
// stage out of range, a missing or corrupt task output, inputs not ready) are refused in one line
// before any work. On a tiny IDX dataset (300 / 50 MNIST images) with tiny banks.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, assertOneLineError, runCli, type CliRun } from "./support/cli.js";
import { writeTinyMnist } from "./support/tiny-data.js";

const TMP = mkdtempSync(join(tmpdir(), "moe-bank-sweep-cluster-"));
let DS: string[] = [];
const SPEC = ["--seeds", "0-1", "--count", "2", "--subset-size", "32", "--runs", "20", "--bootstrap", "20", "--bounds-runs", "200", "--workers", "1", "--quiet"];
const PLAN = join(TMP, "plan");

before(async () => {
  DS = await writeTinyMnist(join(TMP, "data"), 300, 50);
});
after(() => rmSync(TMP, { recursive: true, force: true }));

/** The CLI with extra environment variables (and without Slurm's or Kubernetes' index). */
function cliEnv(env: Record<string, string>, ...args: string[]): CliRun {
  const base = { ...process.env };
  delete base.SLURM_ARRAY_TASK_ID;
  delete base.JOB_COMPLETION_INDEX;
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...base, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const ok = (r: CliRun) => {
  assert.equal(r.code, 0, r.stderr);
  return r;
};
const json = (r: CliRun) => JSON.parse(ok(r).stdout);
const cellFiles = () => JSON.parse(readFileSync(join(PLAN, "plan.json"), "utf8")).stages[0].tasks.map((t: { cells: { file: string }[] }) => join(TMP, "cache-plan", t.cells[0]!.file)) as string[];

test("a planned sweep run task by task gives the local sweep's report (same resultsSha256); a task run twice changes nothing", { timeout: 120_000 }, () => {
  const local = json(runCli("sweep", ...SPEC, ...DS, "--cache", join(TMP, "cache-local"), "--out", join(TMP, "local"), "--json"));
  const planned = json(runCli("sweep", ...SPEC, ...DS, "--cache", join(TMP, "cache-plan"), "--out", join(TMP, "out"), "--plan", PLAN, "--json"));
  assert.deepEqual(planned.stages, [{ name: "bank", tasks: 2 }]);
  const plan = JSON.parse(readFileSync(join(PLAN, "plan.json"), "utf8"));
  assert.equal(plan.tool, "moe-bank 0.1.0");
  assert.match(plan.coreSha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(plan.stages[0].tasks.map((t: { index: number; bank: { seed: number } }) => [t.index, t.bank.seed]), [[0, 0], [1, 1]]);
  assert.ok(plan.spec.datasets[0].files.trainImages.startsWith("/"), "dataset paths are absolute in the plan");
  assert.deepEqual(json(runCli("sweep-status", "--plan", PLAN, "--json")).tasks.map((t: { state: string }) => t.state), ["missing", "missing"]);

  // the index from --index, from Slurm's array variable, from Kubernetes' Indexed Job variable
  assert.match(ok(cliEnv({}, "sweep-task", "--plan", PLAN, "--index", "0")).stdout, /^task bank 0 of 2 \(idx R=2 n=32 distinct seed=0\): 1 cells computed, 0 found in the cache, [\d.]+ s\n$/);
  assert.equal(json(cliEnv({ SLURM_ARRAY_TASK_ID: "1" }, "sweep-task", "--plan", PLAN, "--json")).computed, 1);
  const [f0, f1] = cellFiles();
  const before = [f0!, f1!].map((f) => ({ bytes: readFileSync(f), ino: statSync(f).ino, mtime: statSync(f).mtimeMs }));
  const again = json(cliEnv({ JOB_COMPLETION_INDEX: "1" }, "sweep-task", "--plan", PLAN, "--json"));
  assert.deepEqual([again.index, again.computed, again.reused], [1, 0, 1]);
  const after = [f0!, f1!].map((f) => ({ bytes: readFileSync(f), ino: statSync(f).ino, mtime: statSync(f).mtimeMs }));
  assert.deepEqual(after, before, "a task run twice rewrites nothing");
  assert.deepEqual(json(runCli("sweep-status", "--plan", PLAN, "--json")).tasks.map((t: { state: string }) => t.state), ["done", "done"]);

  const fin = json(runCli("sweep-finish", "--plan", PLAN, "--json"));
  assert.equal(fin.resultsSha256, local.resultsSha256);
  const a = JSON.parse(readFileSync(join(TMP, "local", "report.json"), "utf8"));
  const b = JSON.parse(readFileSync(join(TMP, "out", "report.json"), "utf8"));
  assert.deepEqual(b.results, a.results, "the same results, number by number");
  assert.equal(b.resultsSha256, a.resultsSha256);
  assert.equal(readFileSync(join(TMP, "out", "sweep-information.svg"), "utf8"), readFileSync(join(TMP, "local", "sweep-information.svg"), "utf8"));
});

test("bad plans are refused in one line before any work", { timeout: 60_000 }, () => {
  assert.ok(existsSync(join(PLAN, "plan.json")), "the first test wrote the plan");
  // out of range: usage (exit 2)
  assertOneLineError(cliEnv({}, "sweep-task", "--plan", PLAN, "--index", "2"), 2, /--index 2 is out of range: stage bank has tasks 0-1/);
  assertOneLineError(cliEnv({ SLURM_ARRAY_TASK_ID: "7" }, "sweep-task", "--plan", PLAN), 2, /SLURM_ARRAY_TASK_ID 7 is out of range: stage bank has tasks 0-1/);
  assertOneLineError(cliEnv({}, "sweep-task", "--plan", PLAN, "--stage", "train", "--index", "0"), 2, /--stage train is not a stage of the plan \(its stages: bank\)/);
  assertOneLineError(cliEnv({}, "sweep-task", "--plan", PLAN), 2, /which task\? give --index I/);
  assertOneLineError(cliEnv({ JOB_COMPLETION_INDEX: "x" }, "sweep-task", "--plan", PLAN), 2, /JOB_COMPLETION_INDEX="x" is not a task index/);
  assertOneLineError(runCli("sweep-task", "--plan", join(TMP, "nowhere"), "--index", "0"), 1, /plan\.json: no plan here/);
  // another build: exit 1, naming the file
  const text = readFileSync(join(PLAN, "plan.json"), "utf8");
  const planted = (edit: (p: Record<string, unknown>) => void) => {
    const p = JSON.parse(text);
    edit(p);
    writeFileSync(join(PLAN, "plan.json"), JSON.stringify(p));
  };
  try {
    planted((p) => (p.tool = "moe-bank 0.0.9"));
    assertOneLineError(runCli("sweep-task", "--plan", PLAN, "--index", "0"), 1, /plan\.json: written by moe-bank 0\.0\.9, but this is moe-bank 0\.1\.0; plan the sweep again/);
    assertOneLineError(runCli("sweep-finish", "--plan", PLAN), 1, /written by moe-bank 0\.0\.9/);
    planted((p) => (p.coreSha256 = "0".repeat(64)));
    assertOneLineError(runCli("sweep-task", "--plan", PLAN, "--index", "0"), 1, /plan\.json: made with the core 0000000000000000…, but this build's core is [0-9a-f]{16}…/);
    planted((p) => ((p.stages as { tasks: { bank: { seed: number } }[] }[])[0]!.tasks[1]!.bank.seed = 5));
    assertOneLineError(runCli("sweep-status", "--plan", PLAN), 1, /plan\.json: task 1 is not the spec's task 1 \(idx R=2 n=32 distinct seed=1\)/);
    writeFileSync(join(PLAN, "plan.json"), "{");
    assertOneLineError(runCli("sweep-finish", "--plan", PLAN), 1, /plan\.json: not JSON/);
  } finally {
    writeFileSync(join(PLAN, "plan.json"), text);
  }
  // a missing or corrupt task output at finish: which task, which file
  const [f0, f1] = cellFiles();
  renameSync(f1!, f1 + ".aside");
  try {
    assertOneLineError(runCli("sweep-finish", "--plan", PLAN), 1, new RegExp(`^moe-bank: task bank 1 \\(idx R=2 n=32 distinct seed=1\\): ${f1!.replace(/[.]/g, "\\.")} is missing; run moe-bank sweep-task --plan .* --stage bank --index 1$`));
  } finally {
    renameSync(f1 + ".aside", f1!);
  }
  const good = readFileSync(f0!);
  try {
    writeFileSync(f0!, good.toString("utf8").replace(/"testAccuracy":0\.\d/, (m) => m.slice(0, -1) + String((Number(m.slice(-1)) + 1) % 10)));
    assertOneLineError(runCli("sweep-finish", "--plan", PLAN), 1, new RegExp(`^moe-bank: task bank 0 \\(idx R=2 n=32 distinct seed=0\\): ${f0!.replace(/[.]/g, "\\.")} is corrupt \\(its results hash [0-9a-f]{16}… does not match`));
    const st = json(runCli("sweep-status", "--plan", PLAN, "--json"));
    assert.deepEqual([st.done, st.missing, st.corrupt], [1, 0, 1]);
  } finally {
    writeFileSync(f0!, good);
  }
  // inputs not ready: the shared cache is not there
  renameSync(join(TMP, "cache-plan"), join(TMP, "cache-away"));
  try {
    assertOneLineError(runCli("sweep-task", "--plan", PLAN, "--index", "0"), 1, /input not ready: the cache folder .*cache-plan does not exist on this host \(is the shared filesystem mounted here\?\)/);
  } finally {
    renameSync(join(TMP, "cache-away"), join(TMP, "cache-plan"));
  }
  // inputs not ready: this host's dataset files are not the plan's
  const labels = join(TMP, "data", "train-labels");
  const original = readFileSync(labels);
  try {
    const changed = Buffer.from(original);
    changed[changed.length - 1] = (changed[changed.length - 1]! + 1) % 10;
    writeFileSync(labels, changed);
    assertOneLineError(runCli("sweep-task", "--plan", PLAN, "--index", "0"), 1, /input not ready: dataset idx here \(.*train-images, \.\.\.\) has id [0-9a-f]{16}…, the plan's has [0-9a-f]{16}… \(other files on this host\)/);
  } finally {
    writeFileSync(labels, original);
  }
  assert.equal(json(runCli("sweep-status", "--plan", PLAN, "--json")).done, 2, "everything restored");
});

test("sweep --slurm writes the plan and the scripts into --out; cluster options are checked before any work", { timeout: 60_000 }, () => {
  const out = join(TMP, "slurm-out");
  const r = json(runCli("sweep", ...SPEC, ...DS, "--cache", join(TMP, "cache-plan"), "--out", out, "--slurm", "--max-parallel", "1", "--time", "00:10:00", "--json"));
  assert.deepEqual(r.scripts, ["stage-bank.sbatch", "finish.sbatch", "submit.sh"]);
  const stage = readFileSync(join(out, "stage-bank.sbatch"), "utf8");
  assert.match(stage, /^#SBATCH --array=0-1%1$/m);
  assert.match(stage, /^#SBATCH --time=00:10:00$/m);
  assert.ok(stage.includes(`exec '${process.execPath}' '${CLI}' sweep-task --plan '${out}' --stage bank --progress '--workers' '1'\n`), stage);
  assert.ok(existsSync(join(out, "plan.json")) && existsSync(join(out, "logs")));
  // the tasks are done already (the cache is the first test's): the finish step writes the report beside the plan
  const fin = json(runCli("sweep-finish", "--plan", out, "--json"));
  assert.ok(existsSync(join(out, "report.json")) && existsSync(join(out, "stage-bank.sbatch")), "the report lands beside the plan and the scripts");
  assert.equal(fin.resultsSha256, JSON.parse(readFileSync(join(TMP, "local", "report.json"), "utf8")).resultsSha256);
  const base = ["sweep", ...SPEC, ...DS, "--cache", join(TMP, "c"), "--out", join(TMP, "o")];
  assertOneLineError(runCli(...base, "--submit"), 2, /--submit goes with --slurm/);
  assertOneLineError(runCli(...base, "--slurm", "--wait"), 2, /--wait goes with --submit/);
  assertOneLineError(runCli(...base, "--partition", "debug"), 2, /--partition goes with --slurm/);
  assertOneLineError(runCli(...base, "--slurm", "--plan", join(TMP, "p")), 2, /--slurm writes the plan into --out; leave out --plan/);
  assertOneLineError(runCli(...base, "--slurm", "--max-parallel", "0"), 2, /--max-parallel must be a positive integer/);
  assertOneLineError(runCli(...base, "--slurm", "--sbatch-arg=--array=0-9"), 2, /moe-bank writes this option itself/);
  assert.equal(existsSync(join(TMP, "o")) || existsSync(join(TMP, "c")), false, "nothing written");
  // --submit where there is no Slurm: one line, after the scripts are written (they can be submitted by hand)
  const noSlurm = cliEnv({ PATH: "/nonexistent" }, ...base, "--slurm", "--submit");
  assertOneLineError(noSlurm, 1, /sbatch is not on PATH: --submit runs on a Slurm login node \(the scripts are written; submit them there with submit\.sh\)/);
  assert.ok(existsSync(join(TMP, "o", "submit.sh")));
});

test("two processes running the same task at once on one cache both succeed, and the sweep's hash is unchanged", { timeout: 120_000 }, async () => {
  const plan = join(TMP, "plan-twice");
  ok(runCli("sweep", ...SPEC, ...DS, "--cache", join(TMP, "cache-twice"), "--out", join(TMP, "out-twice"), "--plan", plan));
  const task = () =>
    new Promise<CliRun>((resolve) => {
      const child = spawn(process.execPath, [CLI, "sweep-task", "--plan", plan, "--index", "0", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "", stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  const both = await Promise.all([task(), task()]);
  for (const r of both) assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(both.map((r) => JSON.parse(r.stdout).computed + JSON.parse(r.stdout).reused), [1, 1]);
  ok(runCli("sweep-task", "--plan", plan, "--index", "1"));
  const fin = json(runCli("sweep-finish", "--plan", plan, "--json"));
  assert.equal(fin.resultsSha256, JSON.parse(readFileSync(join(TMP, "local", "report.json"), "utf8")).resultsSha256);
  assert.deepEqual(readdirSync(join(TMP, "cache-twice", "cells")).filter((f) => f.startsWith(".")), [], "no temporary file left");
});
