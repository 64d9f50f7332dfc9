// The bank on a small dataset (the first 4,500 MNIST training and 300 test images, so the
// training split is evaluated in three blocks of at most 2,000) and a small bank (R = 3, n = 400),
// through the CLI as a user runs it: 1 vs 2 workers, two merged shards vs one run, a run killed
// with SIGKILL and started again (train and eval), a flipped byte in the bank or in a cache entry,
// the .npy and safetensors files read by an independent reader (numpy, test/read_formats.py),
// and the same bank trained and evaluated in Node and in Chromium (module Web Workers).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { defaultMnistPaths, loadSplit } from "../src/data/files.js";
import { encodeIdx } from "../src/data/idx.js";
import { decodeNpy } from "../src/formats/npy.js";
import { decodeSafetensors } from "../src/formats/safetensors.js";
import type { Manifest } from "../src/bank/store.js";
import { bankProbe, BANK_PROBE, type BankProbeResult } from "./support/bank-probe.js";
import { openBrowser } from "./support/browser.js";
import { readFormats } from "./support/python.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(ROOT, "dist/src/cli.js");
/** Under dist/ so that the static server of the browser test serves the same files. */
const DATA = join(ROOT, BANK_PROBE.dataPath.slice(1));
const N_TRAIN = 4500, N_TEST = 300, R = BANK_PROBE.experts, N_SUB = BANK_PROBE.subsetSize;
const BANK_FILES = ["manifest.json", "experts.safetensors"];
const EVAL_FILES = ["losses-train.npy", "preds-train.npy", "losses-test.npy", "preds-test.npy", "eval.json"];

let tmp = "";
const labels = { train: new Uint8Array(0), test: new Uint8Array(0) };
const DS = (["train-images", "train-labels", "test-images", "test-labels"] as const).flatMap((f) => [`--${f}`, join(DATA, f)]);

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "moe-bank-bank-"));
  const paths = defaultMnistPaths();
  mkdirSync(DATA, { recursive: true });
  for (const [name, n] of [["train", N_TRAIN], ["test", N_TEST]] as const) {
    const s = await loadSplit(paths[name].images, paths[name].labels);
    const px = s.rows * s.cols;
    writeFileSync(join(DATA, `${name}-images`), encodeIdx([n, s.rows, s.cols], s.images.subarray(0, n * px)));
    writeFileSync(join(DATA, `${name}-labels`), encodeIdx([n], s.labels.subarray(0, n)));
    labels[name] = s.labels.slice(0, n);
  }
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// ---- helpers ---------------------------------------------------------------------------------

interface Run { code: number | null; stdout: string; stderr: string }

function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: Run): Run {
  assert.equal(r.code, 0, `exit code (stderr: ${r.stderr})`);
  return r;
}

function assertOneLineError(r: Run, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, "", "nothing on stdout");
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
}

let dirs = 0;
/** A fresh folder under the test's temp dir. */
function fresh(what: string): string {
  return join(tmp, `${what}-${dirs++}`);
}

function sha256(bytes: Uint8Array | ArrayBufferView): string {
  return createHash("sha256").update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)).digest("hex");
}

function assertSameFiles(a: string, b: string, names: string[]): void {
  for (const n of names) {
    const x = readFileSync(join(a, n)), y = readFileSync(join(b, n));
    assert.ok(x.equals(y), `${n} differs: ${a} (${x.length} bytes, ${sha256(x).slice(0, 16)}) vs ${b} (${y.length} bytes, ${sha256(y).slice(0, 16)})`);
  }
}

/** The cache entries (finished files, not temp files) in a folder: name -> inode. */
function entries(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) if (f.endsWith(".safetensors") && !f.startsWith(".")) out.set(f, statSync(join(dir, f)).ino);
  return out;
}

/** XORs one byte of a file. */
function flip(path: string, at: number): void {
  const b = readFileSync(path);
  b[at] = b[at]! ^ 0x5a;
  writeFileSync(path, b);
}

/** Where a safetensors file's data section starts. */
function dataStart(path: string): number {
  return 8 + Number(readFileSync(path).readBigUInt64LE(0));
}

function manifestOf(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
}

/** `bank train` of the small bank (R = 3, n = 400) unless extra names --count and --subset-size. */
function trainArgs(out: string, cache: string, ...extra: string[]): string[] {
  const size = extra.includes("--count") ? [] : ["--count", String(R), "--subset-size", String(N_SUB)];
  return ["bank", "train", ...DS, ...size, "--out", out, "--cache", cache, "--quiet", ...extra];
}

function evalArgs(bank: string, cache: string, ...extra: string[]): string[] {
  return ["bank", "eval", ...DS, "--bank", bank, "--cache", cache, "--quiet", ...extra];
}

/** Trains a bank and evaluates it, each with its own fresh cache (memoized by name). */
const banks = new Map<string, { dir: string; cache: string }>();
function bank(name: string, ...extra: string[]): { dir: string; cache: string } {
  let b = banks.get(name);
  if (!b) {
    b = { dir: fresh(name), cache: fresh(`cache-${name}`) };
    ok(cli(...trainArgs(b.dir, b.cache, ...extra)));
    ok(cli(...evalArgs(b.dir, b.cache, ...extra.filter((x, i, a) => x === "--workers" || a[i - 1] === "--workers"))));
    banks.set(name, b);
  }
  return b;
}

/** The reference: R = 3 on 1 worker, trained and evaluated. */
const reference = () => bank("reference", "--workers", "1");

/**
 * Starts the CLI, waits until `dir` holds at least one finished cache entry, kills the process
 * with SIGKILL and returns the entries left behind. Fails if the run ends on its own first.
 */
async function killAfterFirstEntry(args: string[], dir: string): Promise<Map<string, number>> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on("exit", (code, signal) => res({ code, signal })));
  const state: { ended?: { code: number | null } } = {};
  void exited.then((e) => (state.ended = e));
  const t0 = Date.now();
  while (entries(dir).size === 0) {
    if (state.ended) assert.fail(`the run ended (exit ${state.ended.code}) before anything could be killed: ${stderr}`);
    if (Date.now() - t0 > 60_000) {
      child.kill("SIGKILL");
      assert.fail(`no cache entry in ${dir} after 60 s: ${stderr}`);
    }
    await sleep(2);
  }
  child.kill("SIGKILL");
  const e = await exited;
  assert.equal(e.signal, "SIGKILL", `the run was killed, not finished (exit ${e.code}, stderr: ${stderr})`);
  return entries(dir);
}

// ---- 1. workers ------------------------------------------------------------------------------

test("1 worker and 2 workers give the same bank and loss-matrix bytes", () => {
  const one = reference();
  const two = bank("two-workers", "--workers", "2");
  assertSameFiles(one.dir, two.dir, [...BANK_FILES, ...EVAL_FILES]);
  // evaluation really ran in blocks: three of the training split; the test split's rows came
  // from the training tasks (each tests its expert), reused from the expert cache
  assert.equal(entries(join(two.cache, "eval")).size, 3);
  // without those cached rows the test split is evaluated in blocks: the same bytes
  const out = fresh("eval-no-expert-cache"), cache = fresh("cache-eval-only");
  ok(cli(...evalArgs(one.dir, cache, "--out", out, "--workers", "2")));
  assert.equal(entries(join(cache, "eval")).size, 4);
  assertSameFiles(one.dir, out, EVAL_FILES);
  assert.equal(entries(join(two.cache, "experts")).size, R);
  const m = manifestOf(one.dir);
  assert.deepEqual(m.experts, { start: 0, end: R });
  assert.deepEqual([m.dataset.trainCount, m.dataset.testCount, m.config.subsetSize, m.config.experts], [N_TRAIN, N_TEST, N_SUB, R]);
});

// ---- 2. shards -------------------------------------------------------------------------------

test("two shards merged give exactly a single run's bytes; bad shard sets are refused", () => {
  const single = reference();
  const a = fresh("shard-0-1"), b = fresh("shard-2-2");
  ok(cli(...trainArgs(a, fresh("cache"), "--experts", "0-1")));
  ok(cli(...trainArgs(b, fresh("cache"), "--experts", "2-2")));
  assert.deepEqual(manifestOf(b).experts, { start: 2, end: 3 });
  const merged = fresh("merged");
  ok(cli("bank", "merge", b, a, "--out", merged, "--quiet"));
  assertSameFiles(single.dir, merged, BANK_FILES);

  const refused = (pattern: RegExp, ...shards: string[]) => {
    const out = fresh("refused");
    assertOneLineError(cli("bank", "merge", ...shards, "--out", out), pattern);
    assert.ok(!existsSync(out), "nothing written");
  };
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // overlaps: a shard twice, a shard inside the whole bank
  refused(new RegExp(`^moe-bank: ${esc(a)}: starts at expert 0, expected 2 .*gaps or overlaps`), a, a, b);
  refused(/starts at expert 0, expected 3 .*gaps or overlaps/, single.dir, a);
  // gaps: the first expert missing, the last one missing
  refused(new RegExp(`^moe-bank: ${esc(b)}: starts at expert 2, expected 0 `), b);
  refused(/the shards cover experts 0-1, not 0-2/, a);
  // a shard of another bank: another seed
  const other = fresh("shard-seed-7");
  ok(cli(...trainArgs(other, fresh("cache"), "--experts", "2-2", "--seed", "7")));
  refused(new RegExp(`^moe-bank: ${esc(other)}: its config, dataset, core or tool version differs`), a, other);
});

// ---- 3. resume after SIGKILL -----------------------------------------------------------------

/** R = 4 with n = 800 (so that expert 0 finishes well before expert 3), uninterrupted. */
const R4 = ["--count", "4", "--subset-size", "800"];
const reference4 = () => bank("reference-4", ...R4, "--workers", "2");

test("bank train killed with SIGKILL and started again ends with an uninterrupted run's bytes", async (t) => {
  const ref = reference4();
  const out = fresh("killed-train"), cache = fresh("cache-killed");
  const args = trainArgs(out, cache, ...R4, "--workers", "1");
  const left = await killAfterFirstEntry(args, join(cache, "experts"));
  t.diagnostic(`killed with ${left.size} of 4 experts done`);
  assert.ok(left.size >= 1 && left.size < 4, `killed mid-way (${left.size} of 4 experts done)`);
  assert.ok(!existsSync(join(out, "manifest.json")), "no bank written by the killed run");
  ok(cli(...args));
  assertSameFiles(ref.dir, out, BANK_FILES);
  const now = entries(join(cache, "experts"));
  assert.equal(now.size, 4);
  for (const [f, ino] of left) assert.equal(now.get(f), ino, `the finished expert ${f} was reused, not recomputed`);
});

test("bank eval killed with SIGKILL and started again ends with an uninterrupted run's bytes", async (t) => {
  const ref = reference4();
  const dir = fresh("killed-eval"), cache = fresh("cache-killed-eval");
  mkdirSync(dir);
  for (const f of BANK_FILES) cpSync(join(ref.dir, f), join(dir, f));
  const args = evalArgs(dir, cache, "--workers", "1");
  const left = await killAfterFirstEntry(args, join(cache, "eval"));
  t.diagnostic(`killed with ${left.size} of 3 blocks done`);
  assert.ok(left.size >= 1 && left.size < 3, `killed mid-way (${left.size} of 3 blocks done)`);
  assert.ok(!existsSync(join(dir, "losses-train.npy")), "no loss matrix written by the killed run");
  ok(cli(...args));
  assertSameFiles(ref.dir, dir, EVAL_FILES);
  const now = entries(join(cache, "eval"));
  assert.equal(now.size, 4);
  for (const [f, ino] of left) assert.equal(now.get(f), ino, `the finished block ${f} was reused, not recomputed`);
});

// ---- 4. corruption ---------------------------------------------------------------------------

test("a flipped byte in experts.safetensors: bank info and bank eval refuse it in one line", () => {
  const ref = reference();
  const dir = fresh("flipped");
  mkdirSync(dir);
  for (const f of BANK_FILES) cpSync(join(ref.dir, f), join(dir, f));
  const file = join(dir, "experts.safetensors");
  flip(file, dataStart(file) + 12345);
  const esc = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const manifestEsc = join(dir, "manifest.json").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^moe-bank: ${esc}: sha-256 [0-9a-f]+… does not match ${manifestEsc}'s [0-9a-f]+…`);
  assertOneLineError(cli("bank", "info", "--bank", dir), pattern);
  assertOneLineError(cli(...evalArgs(dir, fresh("cache"))), pattern);
  assert.ok(!existsSync(join(dir, "losses-train.npy")), "nothing evaluated");
  // the untouched bank is fine
  const info = JSON.parse(ok(cli("bank", "info", "--bank", ref.dir, "--json")).stdout) as Manifest;
  assert.equal(info.perExpert.length, R);
});

test("corrupt cache entries are reported, recomputed and rewritten: the same final bytes", () => {
  const ref = reference();
  const cache = fresh("cache-corrupt");
  cpSync(ref.cache, cache, { recursive: true });
  // experts: a flipped byte in the parameters of one entry, a broken header in another
  const ex = [...entries(join(cache, "experts")).keys()];
  const [body, head] = [join(cache, "experts", ex[0]!), join(cache, "experts", ex[1]!)];
  flip(body, dataStart(body) + 4000);
  flip(head, 8);
  const out = fresh("recomputed");
  const r = ok(cli(...trainArgs(out, cache, "--workers", "1")));
  const warnings = r.stderr.trimEnd().split("\n").sort();
  assert.equal(warnings.length, 2, r.stderr);
  for (const [w, f, why] of [[warnings.find((w) => w.includes(ex[0]!)), body, /content hash mismatch/], [warnings.find((w) => w.includes(ex[1]!)), head, /.+/]] as const) {
    assert.ok(w, `a warning names ${f}: ${r.stderr}`);
    assert.match(w, /^moe-bank: warning: cache entry .* is unusable \((.+)\); recomputing it$/);
    assert.match(w, why);
    assert.ok(w.includes(f), w);
  }
  assertSameFiles(ref.dir, out, BANK_FILES);
  assertSameFiles(join(ref.cache, "experts"), join(cache, "experts"), ex);
  // an evaluation block
  const blocks = [...entries(join(cache, "eval")).keys()];
  const blk = join(cache, "eval", blocks[0]!);
  flip(blk, readFileSync(blk).length - 1);
  const e = ok(cli(...evalArgs(out, cache, "--workers", "1")));
  assert.match(e.stderr.trimEnd(), /^moe-bank: warning: cache entry .* is unusable \(content hash mismatch\); recomputing it$/);
  assert.ok(e.stderr.includes(blk));
  assertSameFiles(ref.dir, out, EVAL_FILES);
  assertSameFiles(join(ref.cache, "eval"), join(cache, "eval"), blocks);
});

// ---- 5. an independent reader ----------------------------------------------------------------


interface PyArray { name: string; dtype: string; shape: number[]; sha256: string; sum: number; first: number[] }

function reader<T>(...args: string[]): T[] {
  return readFormats<{ files: T[] }>(...args).files;
}

const SHAPES: Record<string, number[]> = {
  "conv1.weight": [16, 1, 3, 3], "conv1.bias": [16], "conv2.weight": [32, 16, 3, 3], "conv2.bias": [32],
  "fc1.weight": [64, 1568], "fc1.bias": [64], "fc2.weight": [10, 64], "fc2.bias": [10],
};

test("numpy reads the loss matrices and a hand-written Python parser reads the bank, with our values", () => {
  const ref = reference();
  const manifest = manifestOf(ref.dir);
  const npys = EVAL_FILES.filter((f) => f.endsWith(".npy")).map((f) => join(ref.dir, f));
  const st = join(ref.dir, "experts.safetensors");
  const files = reader<{ file: string; format: string; metadata?: Record<string, string>; tensors: PyArray[] }>("read", ...npys, st);
  assert.equal(files.length, 5);
  const mats: Record<string, Uint8Array> = {};
  for (const f of files.slice(0, 4)) {
    const name = f.file.slice(ref.dir.length + 1);
    const ours = decodeNpy(new Uint8Array(readFileSync(f.file)), f.file);
    const N = name.includes("train") ? N_TRAIN : N_TEST;
    const py = f.tensors[0]!;
    assert.equal(py.dtype, "|u1", `${name}: dtype`);
    assert.deepEqual(py.shape, [R, N], `${name}: shape`);
    assert.deepEqual(ours.shape, [R, N]);
    assert.equal(py.sha256, sha256(ours.data), `${name}: bytes`);
    assert.equal(py.sum, (ours.data as Uint8Array).reduce((s, x) => s + x, 0), `${name}: sum`);
    mats[name.replace(".npy", "")] = ours.data as Uint8Array;
  }
  // the values mean what they say: loss = (prediction != label), errors as in the manifest
  for (const split of ["train", "test"] as const) {
    const L = mats[`losses-${split}`]!, P = mats[`preds-${split}`]!, y = labels[split], N = y.length;
    for (let r = 0; r < R; r++) {
      let errors = 0;
      for (let i = 0; i < N; i++) {
        const l = L[r * N + i]!, p = P[r * N + i]!;
        assert.ok(p < 10 && l === (p !== y[i] ? 1 : 0), `${split} expert ${r} image ${i}: loss ${l}, prediction ${p}, label ${y[i]}`);
        errors += l;
      }
      if (split === "test") {
        assert.equal(errors, manifest.perExpert[r]!.testErrors);
        assert.equal(manifest.perExpert[r]!.testAccuracy, 1 - errors / N);
      }
    }
  }
  // the bank: names, shapes and dtypes as PyTorch has them, the same bytes as we decode
  const bank = files[4]!;
  assert.deepEqual(bank.metadata, { format: "moe-bank/bank", format_version: "1" });
  const ours = decodeSafetensors(new Uint8Array(readFileSync(st)), st).tensors;
  const want: string[] = [];
  for (let r = 0; r < R; r++) for (const t of Object.keys(SHAPES)) want.push(`expert.${r}.${t}`);
  assert.deepEqual(bank.tensors.map((t) => t.name).sort(), [...want].sort());
  for (const t of bank.tensors) {
    const o = ours.get(t.name)!;
    assert.equal(t.dtype, "<f4", t.name);
    assert.deepEqual(t.shape, SHAPES[t.name.split(".").slice(2).join(".")], t.name);
    assert.equal(t.sha256, sha256(o.data), `${t.name}: bytes`);
    const s = (o.data as Float32Array).reduce((a, x) => a + x, 0);
    assert.ok(Math.abs(t.sum - s) <= 1e-6 * Math.max(1, Math.abs(s)), `${t.name}: sum ${t.sum} vs ${s}`);
    assert.deepEqual(t.first, Array.from(o.data.subarray(0, 5)), `${t.name}: first elements`);
  }
  // Python's per-expert digest over the tensors in PyTorch's parameter order is the manifest's
  const [digests] = reader<{ experts: { r: number; sha256: string; parameters: number }[] }>("expert-digests", st);
  assert.deepEqual(digests!.experts.map((e) => e.r), [0, 1, 2]);
  assert.deepEqual(digests!.experts.map((e) => e.sha256), manifest.perExpert.map((e) => e.sha256));
  for (const e of digests!.experts) assert.equal(e.parameters, 105866);
});

// ---- 6. Node and Chromium ----------------------------------------------------------------------

test("the same bank and loss matrices in Node (worker_threads) and Chromium (Web Workers)", { timeout: 240_000 }, async (t) => {
  const ref = reference();
  const bytes = Object.fromEntries(BANK_PROBE.files.map((f) => [f, new Uint8Array(readFileSync(join(DATA, f)))])) as Parameters<typeof bankProbe>[0];
  const node = await bankProbe(bytes);
  // Node's pool gives the CLI's bank and matrices
  const manifest = manifestOf(ref.dir);
  assert.deepEqual(node.experts, manifest.perExpert.map((e) => e.sha256));
  assert.deepEqual(node.testErrors, manifest.perExpert.map((e) => e.testErrors));
  for (const [k, f] of [["lossesTrain", "losses-train"], ["predsTrain", "preds-train"], ["lossesTest", "losses-test"], ["predsTest", "preds-test"]] as const) {
    const p = join(ref.dir, `${f}.npy`);
    assert.equal(node[k], sha256(decodeNpy(new Uint8Array(readFileSync(p)), p).data), f);
  }
  assert.equal(node.trainTaskTestLosses, node.lossesTest, "test losses beside training = the evaluation's");
  const session = await openBrowser();
  try {
    const page = await session.page("/test/pages/bank.html");
    await page.waitForFunction(() => "bankResult" in window || "bankError" in window, null, { timeout: 200_000 });
    const error = await page.evaluate(() => (window as unknown as { bankError?: string }).bankError);
    assert.equal(error, undefined, `the bank probe failed in Chromium: ${error}`);
    const chromium = await page.evaluate(() => (window as unknown as { bankResult: BankProbeResult }).bankResult);
    t.diagnostic(`chromium ${session.browser.version()}: ${chromium.workers} Web Workers, ${chromium.experts.length} experts`);
    assert.deepEqual(chromium, node);
  } finally {
    await session.close();
  }
});

test("a missing, malformed or foreign manifest.json is one line naming the file, exit 1", async () => {
  const dir = mkdtempSync(join(tmpdir(), "moe-bank-manifest-"));
  try {
    const m = join(dir, "manifest.json");
    for (const [content, pattern] of [[null, /manifest\.json: no such file/], ["{", /manifest\.json: not valid JSON/], ["{}", /manifest\.json: not a moe-bank bank manifest/], ['{"format":"moe-bank/bank","formatVersion":1}', /manifest\.json: tool must be an object, got nothing$/m]] as const) {
      if (content !== null) writeFileSync(m, content);
      for (const cmd of [["bank", "info", "--bank", dir], ["bank", "eval", "--bank", dir]]) {
        const r = spawnSync(process.execPath, [CLI, ...cmd], { encoding: "utf8" });
        assert.equal(r.status, 1, r.stderr);
        assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
        assert.match(r.stderr, pattern);
        assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
