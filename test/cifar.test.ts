// CIFAR-10's binary format (issue 24) on files generated here in the exact format: records of
// one label byte and 3x32x32 channel-major pixels, written byte by byte by this test (not by the
// library's encoder), in folders and in tar.gz archives made by the system's tar. The reader's
// [N, H, W, C] images are checked value by value against the records, the dataset id against
// its definition, and every malformation is one line naming the file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CIFAR10_FILES, CIFAR10_RECORD, cifarSplit, checkCifarBatch, encodeCifarBatch } from "../src/data/cifar.js";
import { loadCifar10, CIFAR10_ARCHIVE_MD5 } from "../src/data/cifar-files.js";
import { loadNamedDataset } from "../src/data/datasets.js";
import { datasetId, encodeIdx } from "../src/data/idx.js";
import { readTar } from "../src/data/tar.js";
import { IdxError } from "../src/errors.js";
import { rng } from "./support/synthetic.js";
import { runCli, assertOneLineError } from "./support/cli.js";

let tmp = "";
before(() => {
  tmp = mkdtempSync(join(tmpdir(), "moe-bank-cifar-"));
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** `n` records in CIFAR-10's format, written directly: label, then for c, h, w a pixel byte. */
function records(n: number, seed: number, labelOf = (i: number) => (i * 3 + seed) % 10): Uint8Array {
  const u = rng(seed);
  const out = new Uint8Array(n * CIFAR10_RECORD);
  for (let i = 0; i < n; i++) {
    out[i * CIFAR10_RECORD] = labelOf(i);
    for (let k = 1; k < CIFAR10_RECORD; k++) out[i * CIFAR10_RECORD + k] = Math.floor(u() * 256);
  }
  return out;
}

/** A folder of the six batches with the given record counts (train 1-5, test). */
function folder(name: string, counts: number[], seed = 1): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  CIFAR10_FILES.forEach((f, k) => writeFileSync(join(dir, f), records(counts[k]!, seed + k)));
  return dir;
}

function tarGz(archive: string, cwd: string, ...members: string[]): void {
  const r = spawnSync("tar", ["-czf", archive, "-C", cwd, ...members], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

test("records -> [N, H, W, C]: byte (c, h, w) of record r lands at images[r*3072 + (h*32 + w)*3 + c]; the encoder inverts it", () => {
  const rec = records(5, 42);
  const s = cifarSplit([{ file: "a.bin", bytes: rec }]);
  assert.deepEqual([s.count, s.rows, s.cols, s.channels, s.classes], [5, 32, 32, 3, 10]);
  for (let r = 0; r < 5; r++) {
    assert.equal(s.labels[r], rec[r * CIFAR10_RECORD]);
    for (let c = 0; c < 3; c++) for (let h = 0; h < 32; h++) for (let w = 0; w < 32; w++) {
      const want = rec[r * CIFAR10_RECORD + 1 + c * 1024 + h * 32 + w];
      if (s.images[r * 3072 + (h * 32 + w) * 3 + c] !== want) assert.fail(`record ${r} c ${c} h ${h} w ${w}`);
    }
  }
  assert.deepEqual(encodeCifarBatch(s.images, s.labels), rec);
});

test("a folder of batches of any record count reads: counts, shapes, labels, the dataset id", async () => {
  const counts = [1, 7, 3, 10, 2, 4];
  const dir = folder("any-count", counts);
  const c = await loadCifar10(dir);
  assert.equal(c.source.kind, "folder");
  assert.equal(c.train.count, 23);
  assert.equal(c.test.count, 4);
  assert.equal(c.train.images.length, 23 * 3072);
  const trainRecs = CIFAR10_FILES.slice(0, 5).map((f) => new Uint8Array(readFileSync(join(dir, f))));
  const all = new Uint8Array(trainRecs.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const b of trainRecs) { all.set(b, at); at += b.length; }
  assert.deepEqual([...c.train.labels], Array.from({ length: 23 }, (_, i) => all[i * CIFAR10_RECORD]!));
  assert.equal(c.train.sha256.images, sha(all), "the train split's hash is its records' bytes, the files in order");
  assert.equal(c.train.sha256.labels, sha(c.train.labels));
  assert.equal(c.fileSha256["test_batch.bin"], sha(new Uint8Array(readFileSync(join(dir, "test_batch.bin")))));
  const d = await loadNamedDataset("cifar10", dir);
  assert.equal(d.id, await datasetId([c.train.sha256.images, c.train.sha256.labels, c.test.sha256.images, c.test.sha256.labels]));
  assert.equal(d.name, "cifar10");
  // the archive's folder inside --data-dir is found too, with the same id
  const parent = join(tmp, "parent");
  mkdirSync(join(parent, "cifar-10-batches-bin"), { recursive: true });
  for (const f of CIFAR10_FILES) writeFileSync(join(parent, "cifar-10-batches-bin", f), readFileSync(join(dir, f)));
  assert.equal((await loadNamedDataset("cifar10", parent)).id, d.id);
});

test("the archive (tar.gz by the system's tar): the same data and id; its md5 is checked against the official one", async () => {
  const dir = folder("for-archive", [2, 3, 1, 1, 4, 5], 9);
  const withFolder = join(tmp, "arch");
  mkdirSync(join(withFolder, "cifar-10-batches-bin"), { recursive: true });
  for (const f of CIFAR10_FILES) writeFileSync(join(withFolder, "cifar-10-batches-bin", f), readFileSync(join(dir, f)));
  writeFileSync(join(withFolder, "cifar-10-batches-bin", "batches.meta.txt"), "airplane\nautomobile\n");
  const archive = join(tmp, "cifar-10-binary.tar.gz");
  tarGz(archive, withFolder, "cifar-10-batches-bin");
  const md5 = createHash("md5").update(readFileSync(archive)).digest("hex");
  const fromArchive = await loadCifar10(archive, { archiveMd5: md5 });
  const fromFolder = await loadCifar10(dir);
  assert.deepEqual(fromArchive.source, { kind: "archive", path: archive, md5 });
  assert.deepEqual(fromArchive.train.images, fromFolder.train.images);
  assert.deepEqual(fromArchive.test.labels, fromFolder.test.labels);
  assert.deepEqual(fromArchive.fileSha256, fromFolder.fileSha256);
  assert.equal(fromArchive.files["data_batch_2.bin"], `${archive}:cifar-10-batches-bin/data_batch_2.bin`);
  // not the official archive: refused, naming the md5s and where the official one is published
  await assert.rejects(loadCifar10(archive), (e: Error) => e instanceof IdxError && e.message.startsWith(`${archive}: md5 ${md5} is not the official cifar-10-binary.tar.gz's ${CIFAR10_ARCHIVE_MD5} (published on the CIFAR-10 page, https://www.cs.toronto.edu/~kriz/cifar.html)`) && !e.message.includes("\n"));
  // a tar of the bare files (no folder) reads too
  const bare = join(tmp, "bare.tar.gz");
  tarGz(bare, dir, ...CIFAR10_FILES);
  assert.deepEqual((await loadCifar10(bare, { archiveMd5: null })).train.labels, fromFolder.train.labels);
  // a batch missing from the archive, and a damaged archive
  const partial = join(tmp, "partial.tar.gz");
  tarGz(partial, dir, ...CIFAR10_FILES.filter((f) => f !== "data_batch_5.bin"));
  await assert.rejects(loadCifar10(partial, { archiveMd5: null }), new RegExp(`^IdxError: ${partial}: no member cifar-10-batches-bin/data_batch_5\.bin: a batch is missing`));
  const damaged = new Uint8Array(readFileSync(archive));
  damaged[damaged.length >> 1] ^= 0xff;
  writeFileSync(join(tmp, "damaged.tar.gz"), damaged);
  await assert.rejects(loadCifar10(join(tmp, "damaged.tar.gz"), { archiveMd5: null }), (e: Error) => e instanceof IdxError && /damaged\.tar\.gz: corrupt gzip data/.test(e.message));
});

test("the tar reader: members, GNU long names, a bad checksum and a truncated member are one-line IdxErrors", () => {
  const src = join(tmp, "tarsrc");
  const long = "d".repeat(120) + ".bin";
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, "a.bin"), "hello");
  writeFileSync(join(src, long), new Uint8Array(1000).fill(7));
  const plain = join(tmp, "t.tar");
  assert.equal(spawnSync("tar", ["--format=gnu", "-cf", plain, "-C", src, "a.bin", long]).status, 0);
  const bytes = new Uint8Array(readFileSync(plain));
  const m = readTar(bytes, "t.tar");
  assert.deepEqual(m.map((x) => [x.name, x.data.length]), [["a.bin", 5], [long, 1000]]);
  assert.equal(new TextDecoder().decode(m[0]!.data), "hello");
  const pax = join(tmp, "p.tar");
  assert.equal(spawnSync("tar", ["--format=pax", "-cf", pax, "-C", src, "a.bin", long]).status, 0);
  assert.deepEqual(readTar(new Uint8Array(readFileSync(pax)), "p.tar").map((x) => [x.name, x.data.length]), [["a.bin", 5], [long, 1000]]);
  const bad = bytes.slice();
  bad[0] ^= 1;
  assert.throws(() => readTar(bad, "t.tar"), /^IdxError: t\.tar: tar header at byte 0: checksum \d+ does not match the header's \d+/);
  assert.throws(() => readTar(bytes.subarray(0, 512 + 3), "t.tar"), /t\.tar: truncated tar archive: member "a\.bin" declares 5 bytes, 3 remain/);
  assert.throws(() => readTar(new TextEncoder().encode("not a tar ".repeat(60)), "x.tar"), /x\.tar: tar header at byte 0: .* not a tar archive/);
});

test("malformed batches: truncated, label out of range, empty, CIFAR-100's records: one line naming the file", () => {
  const rec = records(4, 3);
  assert.equal(checkCifarBatch(rec, "ok.bin"), 4);
  const oneLine = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof IdxError && re.test(e.message) && !e.message.includes("\n"));
  oneLine(() => checkCifarBatch(rec.subarray(0, 3 * CIFAR10_RECORD + 100), "t.bin"), /^t\.bin: truncated: 9,319 bytes are 3 whole 3,073-byte records and 100 bytes of another/);
  oneLine(() => checkCifarBatch(records(4, 3, (i) => (i === 2 ? 10 : 1)), "l.bin"), /^l\.bin: record 2 \(byte 6,146\): label 10 is outside 0-9$/);
  oneLine(() => checkCifarBatch(new Uint8Array(0), "e.bin"), /^e\.bin: empty file/);
  const c100 = new Uint8Array(10 * 3074); // 10 CIFAR-100 records: coarse, fine, pixels
  oneLine(() => checkCifarBatch(c100, "train.bin"), /^train\.bin: 30,740 bytes are 10 records of 3,074 bytes: this is CIFAR-100's binary format \(3,074-byte records: a coarse and a fine label byte/);
});

test("folders: a missing batch, CIFAR-100's files, nothing there, no such folder: one line naming the place", async () => {
  const rejects = async (p: Promise<unknown>, re: RegExp) => assert.rejects(p, (e: Error) => e instanceof IdxError && re.test(e.message) && !e.message.includes("\n"));
  const dir = folder("missing", [1, 1, 1, 1, 1, 1]);
  rmSync(join(dir, "data_batch_4.bin"));
  await rejects(loadCifar10(dir), new RegExp(`^${dir}/data_batch_4\\.bin: no such file: a batch is missing`));
  const c100 = join(tmp, "c100");
  mkdirSync(c100, { recursive: true });
  writeFileSync(join(c100, "train.bin"), new Uint8Array(3 * 3074));
  writeFileSync(join(c100, "test.bin"), new Uint8Array(3074));
  await rejects(loadCifar10(c100), new RegExp(`^${c100}: holds train\\.bin and test\\.bin: this is CIFAR-100's binary format`));
  const empty = join(tmp, "empty");
  mkdirSync(empty, { recursive: true });
  await rejects(loadCifar10(empty), /no CIFAR-10 files: expected CIFAR-10's binary version: data_batch_1\.bin \.\.\. data_batch_5\.bin and test_batch\.bin.*https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar\.html/);
  await rejects(loadCifar10(join(tmp, "nope")), /nope: no such folder/);
  // a CIFAR-100-sized file under a CIFAR-10 name
  const mixed = folder("mixed", [1, 1, 1, 1, 1, 1]);
  writeFileSync(join(mixed, "data_batch_3.bin"), new Uint8Array(4 * 3074));
  await rejects(loadCifar10(mixed), new RegExp(`^${mixed}/data_batch_3\\.bin: 12,296 bytes are 4 records of 3,074 bytes: this is CIFAR-100's`));
});

// ---- through the CLI --------------------------------------------------------------------------

/** A CIFAR-10-format dataset of `perTrain` x 5 + `test` images whose classes can be learned: class
 *  k brightens channel k % 3 in quadrant floor(k / 3) of noise (so the colour channels matter). */
function learnable(name: string, perTrain: number, testCount: number): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const u = rng(77);
  CIFAR10_FILES.forEach((f, b) => {
    const n = b < 5 ? perTrain : testCount;
    writeFileSync(join(dir, f), records(n, 100 + b, (i) => (i * 7 + b) % 10));
    const rec = new Uint8Array(readFileSync(join(dir, f)));
    for (let i = 0; i < n; i++) {
      const at = i * CIFAR10_RECORD, k = rec[at]!, c = k % 3, q = Math.floor(k / 3);
      for (let h = 0; h < 32; h++) for (let w = 0; w < 32; w++) {
        const p = at + 1 + c * 1024 + h * 32 + w, inQuadrant = (h >> 4) * 2 + (w >> 4) === q;
        rec[p] = inQuadrant ? 160 + Math.floor(u() * 96) : Math.floor(u() * 128);
      }
    }
    writeFileSync(join(dir, f), rec);
  });
  return dir;
}

test("data info --dataset cifar10 --data-dir: counts, shapes [N, 32, 32, 3], histograms, hashes (JSON and text)", () => {
  const dir = folder("cli-info", [3, 1, 2, 5, 4, 6]);
  const r = runCli("data", "info", "--dataset", "cifar10", "--data-dir", dir, "--json");
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.dataset, "cifar10");
  assert.match(j.id, /^[0-9a-f]{64}$/);
  assert.deepEqual([j.splits.train.count, j.splits.train.rows, j.splits.train.cols, j.splits.train.channels, j.splits.train.classes], [15, 32, 32, 3, 10]);
  assert.deepEqual(j.splits.train.shape, [15, 32, 32, 3]);
  assert.deepEqual(j.splits.test.shape, [6, 32, 32, 3]);
  assert.equal(j.splits.train.labelHistogram.reduce((a: number, b: number) => a + b, 0), 15);
  assert.equal(j.splits.test.files["test_batch.bin"], join(dir, "test_batch.bin"));
  assert.equal(j.cifar.fileSha256["data_batch_5.bin"], sha(new Uint8Array(readFileSync(join(dir, "data_batch_5.bin")))));
  const text = runCli("data", "info", "--dataset", "cifar10", "--data-dir", dir);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`dataset cifar10  sha-256 ${j.id}`));
  assert.match(text.stdout, /train\s+15\s+32x32\s+3\s+10/);
  assert.match(text.stdout, /data_batch_1\.bin sha-256 [0-9a-f]{64}/);
});

test("bad CIFAR-10 input through the CLI: one line naming the file, exit 1 (truncated, label, missing batch, CIFAR-100, foreign archive)", () => {
  const info = (dir: string) => runCli("data", "info", "--dataset", "cifar10", "--data-dir", dir);
  const t = folder("cli-trunc", [2, 2, 2, 2, 2, 2]);
  writeFileSync(join(t, "data_batch_2.bin"), records(2, 5).subarray(0, 2 * CIFAR10_RECORD - 1));
  assertOneLineError(info(t), 1, new RegExp(`^moe-bank: ${t}/data_batch_2\\.bin: truncated: 6,145 bytes are 1 whole 3,073-byte records and 3,072 bytes of another`));
  const l = folder("cli-label", [2, 2, 2, 2, 2, 2]);
  writeFileSync(join(l, "test_batch.bin"), records(3, 5, (i) => (i === 1 ? 200 : 0)));
  assertOneLineError(info(l), 1, new RegExp(`^moe-bank: ${l}/test_batch\\.bin: record 1 \\(byte 3,073\\): label 200 is outside 0-9$`));
  const m = folder("cli-missing", [1, 1, 1, 1, 1, 1]);
  rmSync(join(m, "data_batch_1.bin"));
  assertOneLineError(info(m), 1, new RegExp(`^moe-bank: ${m}/data_batch_1\\.bin: no such file: a batch is missing`));
  const c = join(tmp, "cli-c100");
  mkdirSync(c, { recursive: true });
  writeFileSync(join(c, "train.bin"), new Uint8Array(5 * 3074));
  writeFileSync(join(c, "test.bin"), new Uint8Array(2 * 3074));
  assertOneLineError(info(c), 1, /this is CIFAR-100's binary format \(3,074-byte records: a coarse and a fine label byte/);
  const c2 = folder("cli-c100-records", [1, 1, 1, 1, 1, 1]);
  writeFileSync(join(c2, "data_batch_1.bin"), new Uint8Array(7 * 3074));
  assertOneLineError(info(c2), 1, new RegExp(`^moe-bank: ${c2}/data_batch_1\\.bin: 21,518 bytes are 7 records of 3,074 bytes: this is CIFAR-100's binary format`));
  // a generated archive is not the official one: refused by its md5
  const a = join(tmp, "cli-archive");
  mkdirSync(join(a, "cifar-10-batches-bin"), { recursive: true });
  const src = folder("cli-archive-src", [1, 1, 1, 1, 1, 1]);
  for (const f of CIFAR10_FILES) writeFileSync(join(a, "cifar-10-batches-bin", f), readFileSync(join(src, f)));
  const holder = join(tmp, "cli-archive-holder");
  mkdirSync(holder, { recursive: true });
  tarGz(join(holder, "cifar-10-binary.tar.gz"), a, "cifar-10-batches-bin");
  assertOneLineError(info(holder), 1, new RegExp(`^moe-bank: ${holder}/cifar-10-binary\\.tar\\.gz: md5 [0-9a-f]{32} is not the official cifar-10-binary\\.tar\\.gz's c32a1d4ab5d03f1284b67883e8d87530 \\(published on the CIFAR-10 page`));
  // no --data-dir: a usage error saying the user supplies the files
  assertOneLineError(runCli("data", "info", "--dataset", "cifar10"), 2, /--dataset cifar10 needs --data-dir DIR: files you supply: the binary version from https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar\.html .* no package moe-bank can install ships it/);
  assertOneLineError(runCli("bank", "train", "--dataset", "cifar10", "--data-dir", src, "--train-images", "a", "--train-labels", "b", "--test-images", "c", "--test-labels", "d", "--out", join(tmp, "x")), 2, /--data-dir .* give one or the other/);
  const help = runCli("data", "info", "--help");
  assert.match(help.stdout.replace(/\s+/g, " "), /cifar10: files you supply: the binary version from https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar\.html/);
  assert.match(help.stdout.replace(/\s+/g, " "), /which you download yourself/);
});

test("a quick bank (R = 5) trained and evaluated through the CLI on a generated CIFAR-10-format dataset of 2,000 images", { timeout: 300_000 }, (t) => {
  const dir = learnable("cli-bank-data", 320, 400); // 5 x 320 = 1,600 train + 400 test
  const out = join(tmp, "cifar-bank"), cache = join(tmp, "cifar-cache");
  const ds = ["--dataset", "cifar10", "--data-dir", dir];
  const r = runCli("bank", "train", ...ds, "--out", out, "--cache", cache, "--count", "5", "--subset-size", "400", "--epochs", "2", "--workers", "2", "--json");
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
  assert.deepEqual(m.config.spec, { channels: 3, height: 32, width: 32, conv1: 16, conv2: 32, hidden: 64, classes: 10, kernel: 3 });
  assert.deepEqual(m.dataset.geometry, { channels: 3, height: 32, width: 32, classes: 10 });
  assert.equal(m.dataset.name, "cifar10");
  assert.deepEqual([m.dataset.trainCount, m.dataset.testCount], [1600, 400]);
  const info = JSON.parse(runCli("data", "info", ...ds, "--json").stdout);
  assert.equal(m.dataset.id, info.id, "the manifest names the dataset by its id");
  // the bank's dataset is the manifest's: eval needs only --data-dir
  const e = runCli("bank", "eval", "--bank", out, "--data-dir", dir, "--cache", cache, "--workers", "2", "--json");
  assert.equal(e.code, 0, e.stderr);
  const ev = JSON.parse(e.stdout);
  assert.equal(ev.testAccuracy.length, 5);
  assert.deepEqual(Object.keys(ev.files).sort(), ["losses-test.npy", "losses-train.npy", "preds-test.npy", "preds-train.npy"]);
  const lt = new Uint8Array(readFileSync(join(out, "losses-test.npy")));
  assert.match(new TextDecoder().decode(lt.subarray(0, 128)), /'shape': \(5, 400\)/);
  assert.match(new TextDecoder().decode(new Uint8Array(readFileSync(join(out, "losses-train.npy"))).subarray(0, 128)), /'shape': \(5, 1600\)/);
  m.perExpert.forEach((p: { testAccuracy: number }, k: number) => assert.equal(ev.testAccuracy[k], p.testAccuracy, `expert ${k}: eval's accuracy is training's`));
  // the colour signal is learned: every expert is well above chance (0.1) on the held-out images
  for (const a of ev.testAccuracy) assert.ok(a > 0.3, `test accuracy ${a}`);
  t.diagnostic(`test accuracies ${ev.testAccuracy.map((a: number) => a.toFixed(4)).join(" ")}`);
  // and a bank of this geometry refuses MNIST-shaped data
  const idx = join(tmp, "idx28");
  mkdirSync(idx, { recursive: true });
  for (const [f, n] of [["train", 50], ["test", 20]] as const) {
    writeFileSync(join(idx, `${f}-images`), encodeIdx([n, 28, 28], new Uint8Array(n * 784)));
    writeFileSync(join(idx, `${f}-labels`), encodeIdx([n], new Uint8Array(n)));
  }
  const files = ["train-images", "train-labels", "test-images", "test-labels"].flatMap((f) => [`--${f}`, join(idx, f)]);
  assertOneLineError(runCli("bank", "eval", "--bank", out, ...files, "--out", join(tmp, "nowhere")), 1,
    new RegExp(`^moe-bank: ${out}: the bank's experts take 3x32x32 images \\(channels x height x width\\) in 10 classes, but dataset "idx" \\([0-9a-f]{16}…\\) has 1x28x28 images`));
});
