// The one-node Slurm harness itself: it starts, runs a small job array with a throttle, and
// leaves no process and no folder behind, also when the process that started it dies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSlurm, slurmSkip, markedPids } from "../support/slurm.js";

const skip = slurmSkip();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a one-node cluster runs a throttled job array and stops without a trace", { skip: skip ?? false, timeout: 120_000 }, async () => {
  const cluster = await startSlurm();
  const out = mkdtempSync(join(tmpdir(), "moe-bank-array-"));
  try {
    const script = join(out, "array.sh");
    writeFileSync(script, `#!/bin/bash\n#SBATCH --array=0-3%2\n#SBATCH --output=${out}/task_%A_%a.log\necho "task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_JOB_ID"\n`);
    const sub = cluster.run("sbatch", "--parsable", script);
    assert.equal(sub.code, 0, sub.stderr);
    const id = sub.stdout.trim();
    assert.match(id, /^\d+$/);
    for (let t = 0; t < 240 && cluster.run("squeue", "-h", "-j", id).stdout.trim() !== ""; t++) await sleep(250);
    const states = cluster.run("scontrol", "show", "job", id, "-o").stdout.match(/JobState=\w+/g);
    assert.deepEqual(states, ["JobState=COMPLETED", "JobState=COMPLETED", "JobState=COMPLETED", "JobState=COMPLETED"]);
    const logs = readdirSync(out).filter((f) => f.startsWith("task_")).sort();
    assert.deepEqual(logs, [0, 1, 2, 3].map((i) => `task_${id}_${i}.log`));
    for (const [i, f] of logs.entries()) assert.equal(readFileSync(join(out, f), "utf8"), `task ${i} of ${id}\n`);
  } finally {
    await cluster.stop();
    rmSync(out, { recursive: true, force: true });
  }
  assert.equal(existsSync(cluster.dir), false, "the cluster's folder is removed");
  assert.deepEqual(markedPids(`SLURM_CONF=${cluster.conf}`), [], "no daemon or job is left running");
});

test("a process that dies with a cluster up and a job running takes both with it", { skip: skip ?? false, timeout: 120_000 }, async () => {
  const harness = fileURLToPath(new URL("../support/slurm.js", import.meta.url));
  const child = `
    import { startSlurm } from ${JSON.stringify(harness)};
    const c = await startSlurm();
    const r = c.run("sbatch", "--parsable", "--output=/dev/null", "--wrap", "sleep 300");
    if (r.code !== 0) throw new Error(r.stderr);
    for (let t = 0; t < 100 && !c.run("squeue", "-h", "-o", "%t").stdout.includes("R"); t++) await new Promise((r) => setTimeout(r, 200));
    console.log(JSON.stringify({ dir: c.dir, conf: c.conf, state: c.run("squeue", "-h", "-o", "%t").stdout.trim() }));
    throw new Error("planted failure with the cluster up");
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", child], { encoding: "utf8", timeout: 100_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /planted failure/);
  const { dir, conf, state } = JSON.parse(r.stdout.trim().split("\n").pop()!) as { dir: string; conf: string; state: string };
  assert.equal(state, "R", "the job was running when the process died");
  assert.equal(existsSync(dir), false, "the cluster's folder is removed");
  assert.deepEqual(markedPids(`SLURM_CONF=${conf}`), [], "no daemon or job is left running");
});
