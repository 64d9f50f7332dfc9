// The bank stage (src/bank/stage.ts): its hashes against node:crypto over hand-written canonical
// JSON (the evaluation-block key is pinned: a changed key would orphan every cached block), and
// the evaluation blocks shared across commands: `reproduce --quick` and `bank eval` of the bank
// it wrote compute the same block keys (bank eval on an empty cache writes reproduce's blocks
// plus its test block) and reuse each other's blocks (bank eval on reproduce's cache writes and
// rewrites nothing), and all of them give the same .npy bytes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultMnistPaths, loadSplit } from "../src/data/files.js";
import { encodeIdx } from "../src/data/idx.js";
import { bankSha256, evalBlockKey, paramsSha256 } from "../src/bank/stage.js";

const CLI = fileURLToPath(new URL("../src/cli.js", import.meta.url));
const hex = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");
let tmp = "";

test("evalBlockKey, bankSha256 and paramsSha256 are sha-256 of the documented bytes", async () => {
  const bank = "a".repeat(64), ds = "b".repeat(64), core = "c".repeat(64);
  const key = await evalBlockKey({ bankSha: bank, datasetId: ds, split: "train", start: 2000, end: 4000, coreSha256: core });
  assert.equal(key, hex(`{"bankSha":"${bank}","csha":"${core}","datasetId":"${ds}","e":4000,"kind":"eval","s":2000,"split":"train"}`));
  assert.notEqual(key, await evalBlockKey({ bankSha: bank, datasetId: ds, split: "test", start: 2000, end: 4000, coreSha256: core }));
  assert.equal(await bankSha256(["x", "y"]), hex('["x","y"]'));
  const p = Float32Array.from([1, -2.5, 3e-9]);
  assert.equal(await paramsSha256(p.subarray(1)), hex(new Uint8Array(p.buffer, 4, 8)));
});

// A small dataset: the first 3,500 MNIST training images (two evaluation blocks) and 400 test
// images; --quick's bank (R = 5, n = 3,000) on it.
const DS: string[] = [];
before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "moe-bank-stage-"));
  const paths = defaultMnistPaths();
  mkdirSync(join(tmp, "data"));
  for (const [name, n] of [["train", 3500], ["test", 400]] as const) {
    const s = await loadSplit(paths[name].images, paths[name].labels);
    const px = s.rows * s.cols;
    writeFileSync(join(tmp, "data", `${name}-images`), encodeIdx([n, s.rows, s.cols], s.images.subarray(0, n * px)));
    writeFileSync(join(tmp, "data", `${name}-labels`), encodeIdx([n], s.labels.subarray(0, n)));
    DS.push(`--${name}-images`, join(tmp, "data", `${name}-images`), `--${name}-labels`, join(tmp, "data", `${name}-labels`));
  }
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function cli(...args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** The evaluation blocks in a cache folder: file name (the key) -> modification time. */
function blocks(cache: string): Map<string, number> {
  const dir = join(cache, "eval");
  return new Map(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs]));
}

const NPY = ["losses-train.npy", "preds-train.npy", "losses-test.npy", "preds-test.npy"];

test("reproduce and bank eval key the same blocks and reuse each other's", { timeout: 240_000 }, () => {
  const cache = join(tmp, "cache"), out = join(tmp, "repro");
  cli("reproduce", "--quick", ...DS, "--out", out, "--cache", cache, "--workers", "2", "--json");
  const fromReproduce = blocks(cache);
  assert.equal(fromReproduce.size, 2, "reproduce evaluates L_train in 2 blocks (L_test comes from training)");
  // bank eval of reproduce's bank on an empty cache: its train keys are reproduce's
  const fresh = join(tmp, "fresh");
  cli("bank", "eval", "--bank", join(out, "bank"), ...DS, "--out", join(tmp, "eval-fresh"), "--cache", fresh, "--json");
  const fromEval = blocks(fresh);
  for (const k of fromReproduce.keys()) assert.ok(fromEval.has(k), `bank eval computed reproduce's block ${k}`);
  assert.equal(fromEval.size, fromReproduce.size + 1, "and one test block (no expert cache to take L_test from)");
  // bank eval on reproduce's cache: every block is read, none is written or rewritten
  const out2 = join(tmp, "eval-reused");
  const report = JSON.parse(cli("bank", "eval", "--bank", join(out, "bank"), ...DS, "--out", out2, "--cache", cache, "--json"));
  assert.deepEqual([...blocks(cache)], [...fromReproduce], "the cache's blocks are unchanged: bank eval reused reproduce's");
  for (const f of NPY) {
    const want = readFileSync(join(out, "bank", f));
    assert.ok(want.equals(readFileSync(join(tmp, "eval-fresh", f))), `${f}: bank eval (fresh cache) = reproduce`);
    assert.ok(want.equals(readFileSync(join(out2, f))), `${f}: bank eval (reproduce's cache) = reproduce`);
    assert.equal(report.files[f], hex(want));
  }
  const results = JSON.parse(readFileSync(join(out, "report.json"), "utf8")).results;
  assert.deepEqual(results.bank.matrices, Object.fromEntries(NPY.map((f) => [f, report.files[f]])), "report.json's matrix hashes are bank eval's");
});
