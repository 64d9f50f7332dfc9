// The sbatch scripts of a planned sweep, checked as text (the Slurm integration test in
// test/slurm/ submits them to a real cluster), and the reading of Slurm's job records.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { slurmScripts, parseJobRecords, sweepJobsVerdict, type SlurmScriptInput } from "../src/sweep/slurm.js";
import { UsageError } from "../src/errors.js";

const base: SlurmScriptInput = {
  planDir: "/shared/sweep/plan",
  node: "/opt/node/bin/node",
  cli: "/opt/moe-bank/dist/src/cli.js",
  logDir: "/shared/sweep/plan/logs",
  stages: [{ name: "bank", tasks: 10 }],
  options: {},
};

test("one array per stage with one task per index, the finish job after it, node and the CLI by absolute path", () => {
  const { scripts, steps } = slurmScripts({ ...base, options: { maxParallel: 4 } });
  assert.deepEqual(scripts.map((s) => s.file), ["stage-bank.sbatch", "finish.sbatch", "submit.sh"]);
  assert.equal(
    scripts[0]!.text,
    [
      "#!/bin/bash",
      "#SBATCH --job-name=moe-bank-bank",
      "#SBATCH --array=0-9%4",
      "#SBATCH --requeue",
      "#SBATCH --output=/shared/sweep/plan/logs/bank_%A_%a.log",
      "#SBATCH --open-mode=append",
      "# one task of stage bank: its index is SLURM_ARRAY_TASK_ID; it writes only content-addressed",
      "# entries into the sweep's cache, so a requeued or repeated task resumes and changes nothing",
      "set -eu",
      "exec '/opt/node/bin/node' '/opt/moe-bank/dist/src/cli.js' sweep-task --plan '/shared/sweep/plan' --stage bank --progress",
      "",
    ].join("\n"),
  );
  assert.match(scripts[1]!.text, /^#SBATCH --output=\/shared\/sweep\/plan\/logs\/finish_%j\.log$/m);
  assert.match(scripts[1]!.text, /^exec '\/opt\/node\/bin\/node' '\/opt\/moe-bank\/dist\/src\/cli\.js' sweep-finish --plan '\/shared\/sweep\/plan'$/m);
  assert.deepEqual(steps, [
    { script: "stage-bank.sbatch", stage: "bank", after: [] },
    { script: "finish.sbatch", stage: null, after: [0] },
  ]);
  assert.match(scripts[2]!.text, /^j1=\$\(sbatch --parsable --dependency=afterok:"\$j0" finish\.sbatch \| cut -d';' -f1\)$/m);
  // cluster options appear only when given
  for (const s of scripts) assert.doesNotMatch(s.text, /--(partition|account|time|mem|cpus-per-task)/);
  // every script is valid bash
  const dir = mkdtempSync(join(tmpdir(), "moe-bank-sbatch-"));
  try {
    for (const s of scripts) {
      writeFileSync(join(dir, s.file), s.text);
      const r = spawnSync("bash", ["-n", join(dir, s.file)], { encoding: "utf8" });
      assert.equal(r.status, 0, `${s.file}: ${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("cluster options and verbatim extras go into every script; later stages wait for earlier ones", () => {
  const { scripts, steps } = slurmScripts({
    ...base,
    stages: [{ name: "train", tasks: 3 }, { name: "measure", tasks: 1 }],
    options: { partition: "gpu", account: "lab42", time: "01:30:00", mem: "4G", cpusPerTask: 2, sbatchArgs: ["--qos=long", "--mail-type=FAIL"] },
    taskArgs: ["--workers", "2"],
  });
  for (const s of scripts.slice(0, 3)) {
    for (const l of ["#SBATCH --partition=gpu", "#SBATCH --account=lab42", "#SBATCH --time=01:30:00", "#SBATCH --mem=4G", "#SBATCH --cpus-per-task=2", "#SBATCH --qos=long", "#SBATCH --mail-type=FAIL"]) {
      assert.ok(s.text.split("\n").includes(l), `${s.file} lacks ${l}`);
    }
  }
  assert.match(scripts[0]!.text, /^#SBATCH --array=0-2$/m, "no throttle unless --max-parallel is given");
  assert.match(scripts[1]!.text, /^#SBATCH --array=0-0$/m);
  assert.match(scripts[0]!.text, /sweep-task --plan '\/shared\/sweep\/plan' --stage train --progress '--workers' '2'$/m);
  assert.deepEqual(steps.map((s) => s.after), [[], [0], [1]]);
});

test("options that cannot be written safely are refused in one line before anything is written", () => {
  const bad: [Partial<SlurmScriptInput>, RegExp][] = [
    [{ options: { maxParallel: 0 } }, /--max-parallel must be a positive integer/],
    [{ options: { cpusPerTask: 1.5 } }, /--cpus-per-task must be a positive integer/],
    [{ options: { partition: "a b" } }, /--partition "a b": expected one word/],
    [{ options: { time: "" } }, /--time "": expected one word/],
    [{ options: { sbatchArgs: ["qos=long"] } }, /--sbatch-arg "qos=long": expected one sbatch option/],
    [{ options: { sbatchArgs: ["--array=0-3"] } }, /moe-bank writes this option itself/],
    [{ options: { sbatchArgs: ["--qos=a\n#SBATCH --x"] } }, /expected one sbatch option/],
    [{ planDir: "relative/plan" }, /the plan folder must be an absolute path/],
    [{ planDir: "/my sweeps/plan" }, /the plan folder "\/my sweeps\/plan" contains a blank/],
    [{ logDir: "/logs/100%" }, /contains a blank, quote, backslash, %/],
    [{ stages: [{ name: "Bank", tasks: 2 }] }, /stage name "Bank"/],
    [{ stages: [{ name: "bank", tasks: 0 }] }, /stage bank has 0 tasks/],
  ];
  for (const [patch, msg] of bad) {
    assert.throws(() => slurmScripts({ ...base, ...patch }), (e: unknown) => e instanceof UsageError && msg.test(e.message) && !e.message.includes("\n"), JSON.stringify(patch));
  }
});

// records as `scontrol show job -o` prints them on Slurm 22.05 (trimmed to the fields read)
const rec = (id: number, task: string, state: string, reason = "None", exit = "0:0") =>
  `JobId=${id} ArrayJobId=7 ArrayTaskId=${task} ArrayTaskThrottle=2 JobName=moe-bank-bank UserId=root(0) JobState=${state} Reason=${reason} Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 ExitCode=${exit} StdOut=/p/logs/bank_7_${task}.log`;
const fin = (state: string, reason = "None") => `JobId=9 JobName=moe-bank-finish UserId=root(0) JobState=${state} Reason=${reason} Dependency=afterok:7_*(unfulfilled) Requeue=1 Restarts=0 ExitCode=0:0 StdOut=/p/logs/finish_9.log`;

test("Slurm's job records: running, done, a failed task named with its log, a dependency never met", () => {
  const recs = parseJobRecords([rec(7, "2-3%2", "PENDING", "JobArrayTaskLimit"), rec(8, "1", "RUNNING"), rec(10, "0", "COMPLETED")].join("\n") + "\n");
  assert.deepEqual(recs[0], { jobId: "7", arrayJobId: "7", arrayTaskId: "2-3%2", state: "PENDING", reason: "JobArrayTaskLimit", exitCode: "0:0", restarts: 0, stdout: "/p/logs/bank_7_2-3%2.log" });
  const v = (tasks: string[], finish: string) => sweepJobsVerdict([{ stage: "bank", jobId: "7", records: parseJobRecords(tasks.join("\n")) }, { stage: null, jobId: "9", records: parseJobRecords(finish) }], [4]);
  assert.deepEqual(v([rec(7, "2-3%2", "PENDING", "JobArrayTaskLimit"), rec(8, "1", "RUNNING"), rec(10, "0", "COMPLETED")], fin("PENDING", "Dependency")), { status: "running", done: 1, total: 4, running: 1 });
  // a requeued task is pending again, not failed
  assert.equal(v([rec(8, "1", "PENDING", "BeginTime"), rec(10, "0", "COMPLETED")], fin("PENDING", "Dependency")).status, "running");
  assert.deepEqual(v([rec(7, "3", "COMPLETED"), rec(8, "1", "COMPLETED"), rec(10, "0", "COMPLETED"), rec(11, "2", "COMPLETED")], fin("COMPLETED")), { status: "done", done: 4, total: 4, running: 0 });
  const failed = v([rec(8, "1", "FAILED", "NonZeroExitCode", "1:0"), rec(10, "0", "COMPLETED")], fin("PENDING", "DependencyNeverSatisfied"));
  assert.deepEqual(failed, { status: "failed", line: "task bank 1 (job 7_1) ended FAILED (exit 1:0); see /p/logs/bank_7_1.log", done: 1, total: 4, running: 0 });
  // with the tasks purged from the controller, the finish job's own state still says it
  assert.match(v([], fin("PENDING", "DependencyNeverSatisfied")).line!, /^the finish job 9 can never start \(DependencyNeverSatisfied\)/);
  assert.match(v([rec(10, "0", "COMPLETED")], fin("FAILED")).line!, /^the finish job 9 ended FAILED \(exit 0:0\); see \/p\/logs\/finish_9\.log$/);
});

test("--wait's polling: a controller that does not answer for a while is waited for; a finish job nobody knows any more stops it", async () => {
  const { waitForSteps } = await import("../src/commands/slurm.js");
  const dir = mkdtempSync(join(tmpdir(), "moe-bank-fake-slurm-"));
  const path = process.env.PATH;
  try {
    // a fake scontrol: down for its first 4 calls (two polls), then the finish job completed; a fake sacct that has no database
    writeFileSync(join(dir, "scontrol"), `#!/bin/bash\nn=$(cat ${dir}/n 2>/dev/null || echo 0); echo $((n+1)) > ${dir}/n\nif [ "$n" -lt 4 ]; then echo "slurm_load_jobs error: Unable to contact slurm controller (connect failure)" >&2; exit 1; fi\nif [ "$MODE" = gone ]; then echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1; fi\nif [ "$3" = 9 ]; then echo "${fin("COMPLETED").replace(/"/g, '\\"')}"; else echo "${rec(10, "0", "COMPLETED")}"; fi\n`, { mode: 0o755 });
    writeFileSync(join(dir, "sacct"), "#!/bin/bash\necho 'sacct: error: Slurm accounting storage is disabled' >&2\nexit 1\n", { mode: 0o755 });
    process.env.PATH = `${dir}:${path}`;
    const steps = [{ script: "stage-bank.sbatch", stage: "bank", after: [] }, { script: "finish.sbatch", stage: null, after: [0] }];
    const seen: string[] = [];
    const v = await waitForSteps(steps, ["7", "9"], [1], { pollMs: 10, progress: (x) => seen.push(x.status) });
    assert.deepEqual([v.status, v.done, v.total], ["done", 1, 1]);
    assert.deepEqual(seen, ["done"], "no verdict while the controller was down");
    writeFileSync(join(dir, "n"), "0");
    await assert.rejects(waitForSteps(steps, ["7", "9"], [1], { pollMs: 10, unreachableMs: 0 }), /^MoeBankError: the Slurm controller has not answered for 0 s \(slurm_load_jobs error: Unable to contact slurm controller \(connect failure\)\)/);
    writeFileSync(join(dir, "n"), "4");
    process.env.MODE = "gone";
    await assert.rejects(waitForSteps(steps, ["7", "9"], [1], { pollMs: 10 }), /the finish job 9 is unknown to Slurm \(neither scontrol nor sacct has it\)/);
  } finally {
    process.env.PATH = path;
    delete process.env.MODE;
    rmSync(dir, { recursive: true, force: true });
  }
});
