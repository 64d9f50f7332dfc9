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
import { datasetId } from "../src/data/idx.js";
import { readTar } from "../src/data/tar.js";
import { IdxError } from "../src/errors.js";
import { rng } from "./support/synthetic.js";

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
