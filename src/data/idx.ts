// IDX files (the MNIST format), read and written in memory. Browser-safe: no Node imports; gzip
// goes through the global DecompressionStream and hashing through src/io/sha256.ts (WebCrypto), both
// present in Node 20+, Bun, Deno and browsers. Every problem with a file is an IdxError naming
// the file and saying, on one line, what is wrong with it.
//
// Layout: a 4-byte magic (0x00 0x00 <dtype> <ndim>), then ndim big-endian u32 dimensions, then
// the data, row-major, with exactly product(dims) elements. Only unsigned bytes (dtype 0x08) are
// supported: that is what MNIST and Fashion-MNIST images and labels are.

import { IdxError, MoeBankError } from "../errors.js";
import { sha256Hex } from "../io/sha256.js";

/** A parsed IDX file of unsigned bytes: `data.length` is the product of `dims`. */
export interface IdxArray {
  dtype: "u8";
  dims: number[];
  data: Uint8Array;
}

/** What a file must hold: images are [count, rows, cols], labels are [count]. */
export type IdxKind = "images" | "labels";

/** A dataset split: `count` images of rows x cols x channels bytes, one after another, and their
 *  labels. An image's bytes are in [rows, cols, channels] order (the core's [N, H, W, C] layout):
 *  pixel (h, w) channel c of image i is images[((i * rows + h) * cols + w) * channels + c]. IDX
 *  images have 1 channel; CIFAR-10's have 3 (./cifar.ts turns its channel-major records into
 *  this order). */
export interface Split {
  count: number;
  rows: number;
  cols: number;
  channels: number;
  /** count * rows * cols * channels bytes, image i at [i * px, (i + 1) * px), px = rows * cols * channels. */
  images: Uint8Array;
  /** count labels, each < classes. */
  labels: Uint8Array;
  classes: number;
}

/** The IDX dtype byte of unsigned-byte data. */
export const IDX_U8 = 0x08;

/** The largest number of data elements (and bytes) an IDX file may declare: 2^31. */
export const IDX_MAX_ELEMENTS = 2147483648;

const DTYPE_NAMES: Record<number, string> = {
  0x08: "u8",
  0x09: "i8",
  0x0b: "i16",
  0x0c: "i32",
  0x0d: "f32",
  0x0e: "f64",
};

const EXPECTED_NDIM: Record<IdxKind, number> = { images: 3, labels: 1 };

function hex2(b: number): string {
  return "0x" + b.toString(16).padStart(2, "0");
}

function u32be(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Parses raw (already decompressed) IDX bytes. `file` names the source in error messages;
 * `expect` additionally requires the shape of an images file ([count, rows, cols] with rows and
 * cols > 0) or a labels file ([count]). The returned `data` is a view into `bytes`, not a copy.
 * Throws an IdxError on any malformation: a short header, a wrong magic, a dtype other than
 * unsigned bytes, a wrong number of dimensions, a zero image side, more than 2^31 elements, or
 * a data section shorter or longer than the header declares.
 */
export function parseIdx(bytes: Uint8Array, file: string, expect?: IdxKind): IdxArray {
  if (bytes.length < 4) {
    throw new IdxError(file, `file shorter than the header: ${plural(bytes.length, "byte")}, an IDX file starts with a 4-byte magic`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const found = `${hex2(bytes[0]!)} ${hex2(bytes[1]!)}`;
    const hint = isGzip(bytes) ? " (gzip data: decompress it first)" : "";
    throw new IdxError(file, `not an IDX file: magic starts with ${found}, expected 0x00 0x00${hint}`);
  }
  const dtype = bytes[2]!;
  if (dtype !== IDX_U8) {
    const name = DTYPE_NAMES[dtype];
    const what = name === undefined ? `unknown dtype byte ${hex2(dtype)}` : `dtype ${hex2(dtype)} (${name})`;
    throw new IdxError(file, `${what}: only unsigned-byte data (dtype 0x08) is supported`);
  }
  const ndim = bytes[3]!;
  if (ndim === 0) throw new IdxError(file, "the header declares 0 dimensions");
  if (expect !== undefined && ndim !== EXPECTED_NDIM[expect]) {
    const want = expect === "images" ? "an images file needs 3 dimensions (count, rows, cols)" : "a labels file needs 1 dimension (count)";
    throw new IdxError(file, `has ${plural(ndim, "dimension")}, ${want}`);
  }
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new IdxError(file, `file shorter than the header: ${plural(bytes.length, "byte")}, a header with ${plural(ndim, "dimension")} needs ${headerBytes}`);
  }
  const dims: number[] = [];
  let elements = 1; // capped at IDX_MAX_ELEMENTS + 1 so it stays exact; a zero dim still makes it 0
  for (let d = 0; d < ndim; d++) {
    const n = u32be(bytes, 4 + 4 * d);
    dims.push(n);
    elements = Math.min(elements * n, IDX_MAX_ELEMENTS + 1);
  }
  if (elements > IDX_MAX_ELEMENTS) {
    const shown = dims.length <= 8 ? dims.join(" x ") : `${dims.slice(0, 8).join(" x ")} x ... (${ndim} dims)`;
    throw new IdxError(file, `the header's dimensions ${shown} declare more than 2^31 elements`);
  }
  if (expect === "images" && (dims[1] === 0 || dims[2] === 0)) {
    throw new IdxError(file, `images of ${dims[1]} x ${dims[2]} pixels: rows and cols must be at least 1`);
  }
  const have = bytes.length - headerBytes;
  if (have < elements) {
    throw new IdxError(file, `truncated: header declares ${elements} bytes of data, file has ${have}`);
  }
  if (have > elements) {
    throw new IdxError(file, `${have - elements} trailing bytes after the declared data (header declares ${elements}, file has ${have})`);
  }
  return { dtype: "u8", dims, data: bytes.subarray(headerBytes) };
}

/** True when `bytes` starts with the gzip magic 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/\s+/g, " ").trim() || "unknown error";
}

/**
 * Decompresses gzip `bytes` (one or more concatenated members) with the global
 * DecompressionStream. Fails with IdxError(file, "corrupt gzip data: ...") on a bad header, a
 * bad checksum, a truncated stream or trailing garbage, and with an IdxError when the output
 * would exceed `maxBytes` (default: the largest IDX file, 2^31 bytes of data plus a header).
 */
export async function gunzip(bytes: Uint8Array, file: string, maxBytes = IDX_MAX_ELEMENTS + 4 + 4 * 255): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const input = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
    const reader = input.pipeThrough(new DecompressionStream("gzip")).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new IdxError(file, `gzip data decompresses to more than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof IdxError) throw e;
    throw new IdxError(file, `corrupt gzip data: ${oneLine(e)}`);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The raw IDX bytes of a file's contents: gunzipped if they start with the gzip magic, else as is. */
export async function rawIdxBytes(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzip(bytes, file) : bytes;
}

/** Parses a file's contents, raw or gzipped, as an IDX file (see parseIdx and gunzip). */
export async function readIdxBytes(bytes: Uint8Array, file: string, expect?: IdxKind): Promise<IdxArray> {
  return parseIdx(await rawIdxBytes(bytes, file), file, expect);
}

/**
 * Pairs an images file ([count, rows, cols]) with a labels file ([count]) into a Split. Throws
 * an IdxError if either has the wrong shape, if the counts differ ("N images but M labels",
 * naming both files), or if a label is not below `classes` (naming the labels file, the first
 * bad index and its value). The split shares memory with the two arrays.
 */
export function makeDataset(images: IdxArray, labels: IdxArray, files: { images: string; labels: string }, classes = 10): Split {
  if (!Number.isInteger(classes) || classes < 1 || classes > 256) {
    throw new RangeError(`classes must be an integer in [1, 256], got ${classes}`);
  }
  if (images.dims.length !== 3) {
    throw new IdxError(files.images, `has ${plural(images.dims.length, "dimension")}, an images file needs 3 dimensions (count, rows, cols)`);
  }
  if (labels.dims.length !== 1) {
    throw new IdxError(files.labels, `has ${plural(labels.dims.length, "dimension")}, a labels file needs 1 dimension (count)`);
  }
  const [count, rows, cols] = images.dims as [number, number, number];
  if (rows === 0 || cols === 0) {
    throw new IdxError(files.images, `images of ${rows} x ${cols} pixels: rows and cols must be at least 1`);
  }
  if (images.data.length !== count * rows * cols) {
    throw new IdxError(files.images, `holds ${images.data.length} bytes of data, its dimensions need ${count * rows * cols}`);
  }
  const m = labels.dims[0]!;
  if (labels.data.length !== m) {
    throw new IdxError(files.labels, `holds ${labels.data.length} bytes of data, its dimensions need ${m}`);
  }
  if (count !== m) {
    throw new IdxError(files.images, `${count} images but ${m} labels in ${files.labels}`);
  }
  const lab = labels.data;
  for (let i = 0; i < m; i++) {
    if (lab[i]! >= classes) {
      throw new IdxError(files.labels, `label ${lab[i]} at index ${i} is outside 0-${classes - 1}`);
    }
  }
  return { count, rows, cols, channels: 1, images: images.data, labels: lab, classes };
}

/** How many times each class 0 .. classes-1 occurs in `labels`; a label >= classes is a RangeError. */
export function labelHistogram(labels: Uint8Array, classes: number): number[] {
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`classes must be a positive integer, got ${classes}`);
  const h = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v >= classes) throw new RangeError(`label ${v} at index ${i} is outside 0-${classes - 1}`);
    h[v]!++;
  }
  return h;
}

/**
 * Encodes an unsigned-byte IDX file: magic 0x00 0x00 0x08 <ndim>, the dims as big-endian u32,
 * then `data`. Throws a RangeError unless 1 <= dims.length <= 255, every dim is a u32 and
 * data.length is the product of dims (at most 2^31).
 */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  if (dims.length < 1 || dims.length > 255) throw new RangeError(`an IDX file has 1 to 255 dimensions, got ${dims.length}`);
  let elements = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new RangeError(`IDX dimension ${d} is not a u32`);
    elements = Math.min(elements * d, IDX_MAX_ELEMENTS + 1);
  }
  if (elements > IDX_MAX_ELEMENTS) throw new RangeError(`IDX dimensions ${dims.join(" x ")} exceed 2^31 elements`);
  if (data.length !== elements) throw new RangeError(`IDX dimensions ${dims.join(" x ")} need ${elements} bytes, got ${data.length}`);
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length);
  out[2] = IDX_U8;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, header);
  return out;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The identity of a dataset: every dataset is identified by its sha-256, namely the SHA-256
 * (lowercase hex) of the ASCII concatenation of the four lowercase-hex SHA-256 hashes of its
 * DECOMPRESSED IDX files, in the order train images, train labels, test images, test labels.
 * Gzipped and raw copies of the same files therefore have the same identity. Throws a
 * RangeError unless given exactly four 64-digit lowercase hex hashes.
 */
export async function datasetId(hashes: readonly string[]): Promise<string> {
  if (hashes.length !== 4) throw new RangeError(`datasetId needs 4 file hashes (train images, train labels, test images, test labels), got ${hashes.length}`);
  for (const h of hashes) {
    if (!HEX64.test(h)) throw new RangeError(`datasetId: ${JSON.stringify(h)} is not a lowercase hex SHA-256`);
  }
  return sha256Hex(hashes.join(""));
}

/** An IDX file to read: its name (in messages) and its bytes, raw or gzipped, fetched on demand. */
export interface IdxSource {
  name: string;
  bytes: () => Promise<Uint8Array>;
}

/** A split with the SHA-256 of each of its files' DECOMPRESSED bytes (its part of the dataset id). */
export interface HashedSplit extends Split {
  sha256: { images: string; labels: string };
}

/** Reads one IDX file (raw or gzipped, told by its magic): the parsed array and the SHA-256 of
 *  its decompressed bytes, so a .gz file and its raw form have the same identity. */
export async function readIdxSource(f: IdxSource, expect?: IdxKind): Promise<IdxArray & { sha256: string }> {
  const raw = await rawIdxBytes(await f.bytes(), f.name);
  const parsed = parseIdx(raw, f.name, expect);
  return { ...parsed, sha256: await sha256Hex(raw) };
}

/** A split from its images and labels files (see makeDataset), read and parsed in that order (when
 *  both are bad, the error names the images file). Node reads paths through this (data/files.ts
 *  loadSplit), the page its fetched or chosen files. */
export async function loadIdxSplit(images: IdxSource, labels: IdxSource, classes = 10): Promise<HashedSplit> {
  const im = await readIdxSource(images, "images");
  const lb = await readIdxSource(labels, "labels");
  const split = makeDataset(im, lb, { images: images.name, labels: labels.name }, classes);
  return { ...split, sha256: { images: im.sha256, labels: lb.sha256 } };
}

/** An IDX dataset from its two splits: the test images must have the train images' size
 *  (`testImages` names their file); its id is datasetId of the four files' hashes. */
export async function idxDataset<S extends HashedSplit>(name: string, train: S, test: S, testImages: string): Promise<{ name: string; id: string; train: S; test: S }> {
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new MoeBankError(`${testImages}: test images are ${test.rows}x${test.cols} but train images are ${train.rows}x${train.cols}`);
  }
  return { name, id: await datasetId([train.sha256.images, train.sha256.labels, test.sha256.images, test.sha256.labels]), train, test };
}
