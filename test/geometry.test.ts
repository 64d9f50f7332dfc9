// The spec follows the data (issue 24): a bank's channels, height, width and classes come from the
// dataset it is trained on, and wherever a bank meets a dataset (training, evaluation, merge, a
// cached entry, the core itself) a mismatch is refused in one line naming both. Before this,
// `bank train` on 32x32 IDX images exited 0 with a 28x28 spec in the manifest.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeIdx } from "../src/data/idx.js";
import { loadDataset } from "../src/data/datasets.js";
import { decodeSafetensors } from "../src/formats/safetensors.js";
import { Cnn, CoreDataset, DEFAULT_SPEC, MNIST_GEOMETRY, paramCount, specFor } from "../src/model/cnn.js";
import { DEFAULT_BANK, checkGeometry, datasetRef, expertKey, type BankConfig } from "../src/bank/config.js";
import { trainBankDir, coreSha } from "../src/bank/run.js";
import { expertCache } from "../src/bank/cache.js";
import { runPipeline, pipelineConfig } from "../src/report/pipeline.js";
import { MoeBankError } from "../src/errors.js";
import type { Manifest } from "../src/bank/store.js";
import type { WorkerPool } from "../src/parallel/pool.js";
import { runCli, assertOneLineError } from "./support/cli.js";
import { rng } from "./support/synthetic.js";
import { loadCore } from "./support/core.js";

let tmp = "";
const files = (side: number) => ["train-images", "train-labels", "test-images", "test-labels"].flatMap((f) => [`--${f}`, join(tmp, `d${side}`, f)]);

/** Four IDX files of `side` x `side` random images (300 train, 100 test) with labels 0-9. */
function writeIdx(side: number): void {
  const u = rng(side);
  const dir = join(tmp, `d${side}`);
  mkdirSync(dir, { recursive: true });
  for (const [split, n] of [["train", 300], ["test", 100]] as const) {
    const px = Uint8Array.from({ length: n * side * side }, () => Math.floor(u() * 256));
    const lab = Uint8Array.from({ length: n }, (_, i) => (i * 7 + side) % 10);
    writeFileSync(join(dir, `${split}-images`), encodeIdx([n, side, side], px));
    writeFileSync(join(dir, `${split}-labels`), encodeIdx([n], lab));
  }
}

before(() => {
  tmp = mkdtempSync(join(tmpdir(), "moe-bank-geometry-"));
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const SMALL = ["--count", "2", "--subset-size", "100", "--workers", "1"];

function manifestOf(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
}

test("bank train on 32x32 IDX images: the manifest's spec is 1x32x32 (fc1 2048 -> 64), the dataset records its geometry", () => {
  writeIdx(32);
  const out = join(tmp, "bank32");
  const r = runCli("bank", "train", ...files(32), "--out", out, "--cache", join(tmp, "cache"), ...SMALL);
  assert.equal(r.code, 0, r.stderr);
  const m = manifestOf(out);
  assert.deepEqual(m.config.spec, { ...DEFAULT_SPEC, height: 32, width: 32 });
  assert.deepEqual(m.dataset.geometry, { channels: 1, height: 32, width: 32, classes: 10 });
  const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(join(out, "experts.safetensors"))), "experts");
  assert.deepEqual(tensors.get("expert.0.fc1.weight")!.shape, [64, 32 * 8 * 8]);
  assert.deepEqual(tensors.get("expert.1.conv1.weight")!.shape, [16, 1, 3, 3]);
  // and it evaluates on its own data
  const e = runCli("bank", "eval", "--bank", out, ...files(32), "--cache", join(tmp, "cache"), "--workers", "1");
  assert.equal(e.code, 0, e.stderr);
});

test("bank eval of a 32x32 bank on 28x28 data: one line naming the bank, the dataset and both geometries, exit 1", () => {
  writeIdx(28);
  const bank = join(tmp, "bank32");
  const r = runCli("bank", "eval", "--bank", bank, ...files(28), "--out", join(tmp, "nowhere"), "--cache", join(tmp, "cache"), "--workers", "1");
  assertOneLineError(r, 1, new RegExp(`^moe-bank: ${bank}: the bank's experts take 1x32x32 images \\(channels x height x width\\) in 10 classes, but dataset "idx" \\([0-9a-f]{16}…\\) has 1x28x28 images`));
});

test("bank merge: a shard whose manifest's spec is not its dataset's geometry is refused in one line", () => {
  const bank = join(tmp, "bank32"), edited = join(tmp, "edited");
  cpSync(bank, edited, { recursive: true });
  const m = manifestOf(edited);
  m.config.spec = DEFAULT_SPEC; // a 28x28 spec beside a dataset of 32x32 images
  writeFileSync(join(edited, "manifest.json"), JSON.stringify(m, null, 2) + "\n");
  const r = runCli("bank", "merge", edited, "--out", join(tmp, "merged"));
  assertOneLineError(r, 1, new RegExp(`^moe-bank: ${edited}/manifest.json: config.spec takes 1x28x28 images .* but its dataset "idx" \\([0-9a-f]{16}…\\) has 1x32x32 images`));
  // bank eval reads the manifest the same way
  const e = runCli("bank", "eval", "--bank", edited, ...files(32), "--out", join(tmp, "nowhere"), "--cache", join(tmp, "cache"), "--workers", "1");
  assertOneLineError(e, 1, /manifest\.json: config\.spec takes 1x28x28 images .* but its dataset "idx" .* has 1x32x32/);
});

test("the library refuses a config whose spec is not the data's: trainBankDir and runPipeline", async () => {
  const data = await loadDataset("idx", { train: { images: join(tmp, "d32", "train-images"), labels: join(tmp, "d32", "train-labels") }, test: { images: join(tmp, "d32", "test-images"), labels: join(tmp, "d32", "test-labels") } });
  const config: BankConfig = { ...DEFAULT_BANK, experts: 2, subsetSize: 100 }; // the 28x28 default spec
  await assert.rejects(trainBankDir({ data, config, range: { start: 0, end: 2 }, out: join(tmp, "lib"), cache: join(tmp, "cache"), workers: 1 }),
    (e: Error) => e instanceof MoeBankError && /lib: the bank's experts take 1x28x28 .* but dataset "idx" .* has 1x32x32/.test(e.message));
  const core = await loadCore();
  const noPool = null as unknown as WorkerPool; // refused before any work reaches a pool
  await assert.rejects(runPipeline({ core, pool: noPool, data, config: { ...pipelineConfig(true, 0), bank: { ...pipelineConfig(true, 0).bank, subsetSize: 100 } }, coreSha256: "x", caches: { experts: null as never, blocks: null as never } }),
    (e: Error) => e instanceof MoeBankError && /pipeline's bank: the bank's experts take 1x28x28/.test(e.message));
  assert.deepEqual(pipelineConfig(true, 0, { channels: 3, height: 32, width: 32, classes: 10 }).bank.spec, { ...DEFAULT_SPEC, channels: 3, height: 32, width: 32 });
  // specFor keeps DEFAULT_SPEC's bytes for MNIST's geometry; datasetRef records no geometry for it
  assert.equal(JSON.stringify(specFor(MNIST_GEOMETRY)), JSON.stringify(DEFAULT_SPEC));
  assert.equal(datasetRef(data).geometry?.height, 32);
  assert.throws(() => checkGeometry(DEFAULT_SPEC, { ...MNIST_GEOMETRY, classes: 7 }, "b", "d"), /b: the bank's experts take 1x28x28 images \(channels x height x width\) in 10 classes, but dataset d has 1x28x28 images \(channels x height x width\) in 7 classes/);
});

test("a cached expert that does not fit the spec is reported and recomputed: the same bytes as a clean run", async () => {
  const data = await loadDataset("idx", { train: { images: join(tmp, "d32", "train-images"), labels: join(tmp, "d32", "train-labels") }, test: { images: join(tmp, "d32", "test-images"), labels: join(tmp, "d32", "test-labels") } });
  const config: BankConfig = { ...DEFAULT_BANK, spec: specFor({ channels: 1, height: 32, width: 32, classes: 10 }), experts: 2, subsetSize: 100 };
  const cache = join(tmp, "cache-misfit");
  // an entry under expert 0's exact key holding a 28x28 expert's parameter count
  const key = await expertKey(config, 0, data.id, await coreSha());
  const P28 = paramCount(DEFAULT_SPEC);
  await expertCache(cache, () => {}).put(key, { params: new Float32Array(P28), testLosses: new Uint8Array(100), testPreds: new Uint8Array(100) });
  const out = join(tmp, "bank32-again");
  const r = runCli("bank", "train", ...files(32), "--out", out, "--cache", cache, ...SMALL);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`warning: cached expert 0 \\(entry ${key.slice(0, 16)}…\\) holds ${P28} parameters, the spec's experts have ${paramCount(config.spec)}; recomputing it`));
  for (const f of ["manifest.json", "experts.safetensors"]) assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(tmp, "bank32", f))), `${f}: a clean run's bytes`);
});

test("the core boundary: a network refuses data whose images are not its size", async () => {
  const core = await loadCore();
  const net = new Cnn(core, DEFAULT_SPEC);
  const data = new CoreDataset(core, new Uint8Array(4 * 32 * 32), new Uint8Array(4), 4);
  try {
    assert.throws(() => net.forward(data, [0, 1]), /the network takes 1x28x28 = 784 bytes per image, the data has 1024/);
    assert.throws(() => net.trainStep(data, [0, 1]), /784 bytes per image, the data has 1024/);
  } finally {
    net.free();
    data.free();
  }
  assert.throws(() => new CoreDataset(core, new Uint8Array(10), new Uint8Array(3), 3), /10 image bytes are not 3 whole images/);
});
