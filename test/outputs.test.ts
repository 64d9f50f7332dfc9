// Issue 17, points 3, 6, 7, 8, 9 and 12: output folders and the options that lead to them.
// Every refusal happens before any work and creates nothing (no --out folder, no cache entry);
// a bank folder is built under a temporary sibling name and renamed whole, so two runs into one
// --out always leave one whole run (made to interleave deterministically with the test-only
// MOE_BANK_TEST_PAUSE switch, bank/files.ts); stale temporary files of killed writers are removed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { defaultMnistPaths, loadSplit } from "../src/data/files.js";
import { encodeIdx } from "../src/data/idx.js";
import { Core } from "../bindings/index.js";
import { openBank } from "../src/bank/store.js";
import { maxWorkers } from "../src/commands/workers.js";

const CLI = fileURLToPath(new URL("../src/cli.js", import.meta.url));
let tmp = "";
let DS: string[] = [];
const TINY = () => [...DS, "--count", "2", "--subset-size", "32", "--workers", "1", "--quiet"];

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "moe-bank-outputs-"));
  chmodSync(tmp, 0o755); // the unprivileged-user test reads the data from here
  const paths = defaultMnistPaths();
  const data = join(tmp, "data");
  mkdirSync(data);
  for (const [name, n] of [["train", 300], ["test", 50]] as const) {
    const s = await loadSplit(paths[name].images, paths[name].labels);
    writeFileSync(join(data, `${name}-images`), encodeIdx([n, s.rows, s.cols], s.images.subarray(0, n * s.rows * s.cols)));
    writeFileSync(join(data, `${name}-labels`), encodeIdx([n], s.labels.subarray(0, n)));
  }
  DS = (["train-images", "train-labels", "test-images", "test-labels"] as const).flatMap((f) => [`--${f}`, join(data, f)]);
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Run { code: number | null; stdout: string; stderr: string }
function cli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; prefix?: string[] } = {}): Run {
  const cmd = opts.prefix ? opts.prefix[0]! : process.execPath;
  const argv = opts.prefix ? [...opts.prefix.slice(1), process.execPath, CLI, ...args] : [CLI, ...args];
  const r = spawnSync(cmd, argv, { encoding: "utf8", cwd: opts.cwd ?? tmp, env: { ...process.env, ...opts.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function fresh(name: string): string {
  const d = join(tmp, name);
  mkdirSync(d, { recursive: true });
  chmodSync(d, 0o755);
  return d;
}

test("point 8: --out '' and a bare --out are usage errors, and nothing is written to the current folder", () => {
  const cwd = fresh("cwd8");
  for (const args of [["--out", ""], ["--out"]]) {
    const r = cli(["bank", "train", ...TINY(), "--cache", join(cwd, "cache"), ...args], { cwd });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^moe-bank: --out must name a folder, got an empty value \(see --help\)\n$/);
    assert.deepEqual(readdirSync(cwd), []);
  }
  const r = cli(["bank", "train", ...TINY(), "--cache", join(cwd, "cache"), "--out", "."], { cwd: join(tmp, "data") });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--out holds files moe-bank did not write \(test-images, /);
});

test("point 7 and 3: --lr 1e309 and --workers 10000 are usage errors before any work", () => {
  const d = fresh("p7");
  const lr = cli(["bank", "train", ...TINY(), "--out", join(d, "b"), "--cache", join(d, "c"), "--lr", "1e309"]);
  assert.equal(lr.code, 2);
  assert.equal(lr.stderr, "moe-bank: --lr must be a finite number in (0, 10], got Infinity (see --help)\n");
  const max = maxWorkers();
  assert.ok(max >= 1 && max <= Math.floor(totalmem() / 2 / 2 ** 28), `${max}`);
  for (const cmd of [["bank", "train", ...TINY(), "--out", join(d, "b")], ["reproduce", "--out", join(d, "r")]]) {
    const w = cli([...cmd, "--cache", join(d, "c"), "--workers", "10000"]);
    assert.equal(w.code, 2, w.stderr);
    assert.match(w.stderr, new RegExp(`--workers must be an integer in \\[1, ${max}\\] \\(this machine's`));
  }
  assert.deepEqual(readdirSync(d), []);
});

test("point 9: an --out that is a file or a --cache that is a file is refused before training; nothing is created", () => {
  const d = fresh("p9");
  writeFileSync(join(d, "afile"), "x");
  const a = cli(["bank", "train", ...TINY(), "--out", join(d, "afile"), "--cache", join(d, "cache")]);
  assert.equal(a.code, 1);
  assert.equal(a.stderr, `moe-bank: ${join(d, "afile")}: --out exists and is not a folder\n`);
  const b = cli(["bank", "train", ...TINY(), "--out", join(d, "bank"), "--cache", join(d, "afile")]);
  assert.equal(b.code, 1);
  assert.equal(b.stderr, `moe-bank: ${join(d, "afile")}: --cache exists and is not a folder\n`);
  assert.deepEqual(readdirSync(d), ["afile"]);
});

/** Runs `args` where `dir` is read-only, as root: a read-only bind mount in a user namespace,
 *  else as an unprivileged uid (setpriv). Null when neither is possible here. */
function underReadOnly(dir: string, args: string[]): Run | null {
  const probe = spawnSync("unshare", ["-rm", "sh", "-c", `mount --bind -o ro "${dir}" "${dir}" && touch "${dir}/.probe"`], { encoding: "utf8" });
  if (probe.status !== null && probe.stderr.includes("Read-only file system")) {
    const r = spawnSync("unshare", ["-rm", "sh", "-c", `mount --bind -o ro "$0" "$0" && exec "$@"`, dir, process.execPath, CLI, ...args], { encoding: "utf8", cwd: tmp });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  chmodSync(dir, 0o555);
  const r = cli(args, { prefix: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] });
  return r.code === null || /setpriv: /.test(r.stderr) ? null : r;
}

test("point 9: a read-only or not-writable --out is refused before training, even as root; nothing is created", (t) => {
  const d = fresh("p9ro");
  const ro = fresh("p9ro/ro");
  const r = underReadOnly(ro, ["bank", "train", ...TINY(), "--out", join(ro, "bank"), "--cache", join(d, "cache")]);
  if (r === null) return t.skip("neither a user namespace with a bind mount nor setpriv to uid 65534 works here");
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, `moe-bank: ${join(ro, "bank")}: ${ro} is not writable\n`);
  assert.deepEqual(readdirSync(d), ["ro"]); // no cache folder: refused before any work
  assert.deepEqual(readdirSync(ro).filter((n) => n !== ".probe"), []);
});

test("point 9: a full disk is one line naming the folder, and no half-written folder is left", (t) => {
  const d = fresh("p9full");
  const mnt = fresh("p9full/small");
  const r = spawnSync("unshare", ["-rm", "sh", "-c", `mount -t tmpfs -o size=256k tmpfs "$0" && exec "$@"`, mnt, process.execPath, CLI, "bank", "train", ...TINY(), "--out", join(mnt, "bank"), "--cache", join(d, "cache")], { encoding: "utf8", cwd: tmp });
  if (r.status === 1 && r.stderr.includes("mount")) return t.skip(`cannot mount a small tmpfs here: ${r.stderr.trim()}`);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, `moe-bank: ${join(mnt, "bank")}: cannot write (no space left on the device)\n`);
});

test("point 12: temporary files and folders of killed writers are removed by the next run", () => {
  const d = fresh("p12");
  const out = join(d, "bank");
  mkdirSync(out);
  const deadPid = 999999; // above pid_max's default range: never a live process
  const stale = [join(out, `.experts.safetensors.${deadPid}.abcd1234.tmp`), join(d, `.bank.${deadPid}.0123abcd.tmpdir`)];
  writeFileSync(stale[0]!, Buffer.alloc(1700000));
  mkdirSync(stale[1]!);
  const r = cli(["bank", "train", ...TINY(), "--out", out, "--cache", join(d, "cache")]);
  assert.equal(r.code, 0, r.stderr);
  for (const f of stale) assert.ok(!existsSync(f), `${f} is still there`);
  assert.deepEqual(readdirSync(out).sort(), ["experts.safetensors", "manifest.json"]);
  assert.deepEqual(readdirSync(d).sort(), ["bank", "cache"]);
});

// ---- point 6: two runs into one --out ---------------------------------------------------------

function start(args: string[], env: NodeJS.ProcessEnv): { pid: number; done: Promise<Run> } {
  const p = spawn(process.execPath, [CLI, ...args], { cwd: tmp, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  p.stdout.on("data", (b) => (stdout += b));
  p.stderr.on("data", (b) => (stderr += b));
  return { pid: p.pid!, done: new Promise((ok) => p.on("close", (code) => ok({ code, stdout, stderr }))) };
}

async function waitFor(path: string, ms = 60000): Promise<void> {
  const t0 = Date.now();
  while (!existsSync(path)) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${path}`);
    await sleep(20);
  }
}

test("point 6: two bank train runs of different seeds into one --out, interleaved at the worst moments, always leave one whole run", async () => {
  const d = fresh("p6");
  const core = await Core.load();
  // the four orders in which the two writers can reach their two writes and their rename
  const orders: [string, (a: number, b: number, pause: string) => Promise<void>][] = [
    ["B writes and installs while A is between its writes, then A installs", async (a, b, pause) => {
      await waitFor(join(pause, `between-writes.${a}`));
      await waitFor(join(pause, `between-writes.${b}`));
      rmSync(join(pause, `between-writes.${b}`));
      await waitFor(join(pause, `before-rename.${b}`));
      rmSync(join(pause, `before-rename.${b}`));
      await sleep(300);
      rmSync(join(pause, `between-writes.${a}`));
      await waitFor(join(pause, `before-rename.${a}`));
      rmSync(join(pause, `before-rename.${a}`));
    }],
    ["both ready to rename, released together", async (a, b, pause) => {
      for (const p of [a, b]) { await waitFor(join(pause, `between-writes.${p}`)); rmSync(join(pause, `between-writes.${p}`)); }
      for (const p of [a, b]) await waitFor(join(pause, `before-rename.${p}`));
      rmSync(join(pause, `before-rename.${a}`));
      rmSync(join(pause, `before-rename.${b}`));
    }],
    ["A installs while B is between its writes", async (a, b, pause) => {
      await waitFor(join(pause, `between-writes.${b}`));
      await waitFor(join(pause, `between-writes.${a}`));
      rmSync(join(pause, `between-writes.${a}`));
      await waitFor(join(pause, `before-rename.${a}`));
      rmSync(join(pause, `before-rename.${a}`));
      await sleep(300);
      rmSync(join(pause, `between-writes.${b}`));
      await waitFor(join(pause, `before-rename.${b}`));
      rmSync(join(pause, `before-rename.${b}`));
    }],
  ];
  for (const [i, [what, drive]] of orders.entries()) {
    const out = join(d, `out${i}`), pause = fresh(`p6/pause${i}`);
    if (i === 0) { // before: a whole older bank is there
      assert.equal(cli(["bank", "train", ...TINY(), "--seed", "9", "--out", out, "--cache", join(d, "cache")]).code, 0);
    }
    const env = { MOE_BANK_TEST_PAUSE: pause };
    const A = start(["bank", "train", ...TINY(), "--seed", "1", "--out", out, "--cache", join(d, "cache")], env);
    const B = start(["bank", "train", ...TINY(), "--seed", "2", "--out", out, "--cache", join(d, "cache")], env);
    await drive(A.pid, B.pid, pause);
    const [ra, rb] = await Promise.all([A.done, B.done]);
    assert.equal(ra.code, 0, `${what}: A: ${ra.stderr}`);
    assert.equal(rb.code, 0, `${what}: B: ${rb.stderr}`);
    const bank = await openBank(core, out); // verifies the safetensors against this manifest
    assert.ok([1, 2].includes(bank.manifest.config.seed), what);
    assert.deepEqual(readdirSync(out).sort(), ["experts.safetensors", "manifest.json"], what);
    assert.deepEqual(readdirSync(d).filter((n) => n.startsWith(".")), [], `${what}: temporary folders left`);
  }
});
