// safetensors and .npy: round trips, the exact bytes we write, every validation error as a
// one-line MoeBankError naming the file, 2,000 random mutations of a valid file per format that
// never escape as anything else, an independent reader/writer (numpy, and safetensors parsed by
// hand in test/read_formats.py) in both directions, and the PyTorch fixture.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MoeBankError } from "../src/errors.js";
import { decodeSafetensors, encodeSafetensors, SAFETENSORS_MAX_HEADER } from "../src/formats/safetensors.js";
import type { SafetensorsInput } from "../src/formats/safetensors.js";
import { decodeNpy, encodeNpy } from "../src/formats/npy.js";
import type { NpyDtype } from "../src/formats/npy.js";
import { defaultMnistPaths, readIdxFile } from "../src/data/files.js";
import { loadTorchFixture, TORCH_FIXTURE_PATH, TORCH_PARAMS } from "./support/torch-fixture.js";
import { findPython, readFormats } from "./support/python.js";

const FILE = "some/file.bin";

// ---- helpers ---------------------------------------------------------------------------------

/** mulberry32: a small seeded generator, so the fuzz is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkError(e: unknown, file: string, problem: RegExp): true {
  assert.ok(e instanceof MoeBankError, `expected a MoeBankError, got ${String(e)}`);
  assert.ok(e.message.startsWith(`${file}: `), `message should name the file: ${e.message}`);
  assert.ok(!/[\r\n\u2028\u2029]/.test(e.message), `message should be one line: ${JSON.stringify(e.message)}`);
  assert.match(e.message.slice(file.length + 2), problem);
  return true;
}

function throwsFormat(fn: () => unknown, problem: RegExp, file = FILE): void {
  assert.throws(fn, (e: unknown) => checkError(e, file, problem));
}

const enc = new TextEncoder();

function u64le(n: number): Uint8Array {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, n % 0x100000000, true);
  dv.setUint32(4, Math.floor(n / 0x100000000), true);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A safetensors file with this header text (or bytes) and `dataLen` data bytes 0, 1, 2, ... */
function stFile(header: string | Uint8Array, dataLen: number, headerLen?: number): Uint8Array {
  const h = typeof header === "string" ? enc.encode(header) : header;
  const data = Uint8Array.from({ length: dataLen }, (_, i) => i & 0xff);
  return concat(u64le(headerLen ?? h.length), h, data);
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function sha256(a: ArrayBufferView): string {
  return createHash("sha256").update(bytesOf(a)).digest("hex");
}

function sampleTensors(): SafetensorsInput[] {
  return [
    { name: "a", dtype: "F32", shape: [2, 3], data: Float32Array.of(1.5, -2, 0, 3.25, 1e-30, -7) },
    { name: "bytes", dtype: "U8", shape: [5], data: Uint8Array.of(0, 1, 2, 254, 255) },
    { name: "wide", dtype: "F64", shape: [2], data: Float64Array.of(Math.PI, -1 / 3) },
    { name: "scalar", dtype: "I32", shape: [], data: Int32Array.of(-123456789) },
    { name: "empty", dtype: "F32", shape: [0, 4], data: new Float32Array(0) },
    { name: "ünï\u00e7ode \"quoted\" \\ name\n", dtype: "I32", shape: [1, 2], data: Int32Array.of(2147483647, -2147483648) },
  ];
}

// ---- safetensors -----------------------------------------------------------------------------

test("safetensors: round trip of every dtype, scalars, empty tensors, odd names and metadata", () => {
  const input = sampleTensors();
  const metadata = { zeta: "last", alpha: "first\nline two", ["__proto__"]: "harmless" };
  const bytes = encodeSafetensors(input, metadata);
  const { tensors, metadata: meta } = decodeSafetensors(bytes, FILE);
  assert.deepEqual([...tensors.keys()], input.map((t) => t.name));
  for (const t of input) {
    const got = tensors.get(t.name)!;
    assert.equal(got.dtype, t.dtype);
    assert.deepEqual(got.shape, [...t.shape]);
    assert.deepEqual(Array.from(got.data), Array.from(t.data));
    assert.equal(got.data.constructor, t.data.constructor);
    assert.equal(got.data.byteOffset % got.data.BYTES_PER_ELEMENT, 0, `${t.name} is aligned`);
  }
  assert.deepEqual(Object.keys(meta).sort(), ["__proto__", "alpha", "zeta"]);
  assert.equal(meta.alpha, "first\nline two");
  assert.equal(Object.getPrototypeOf(meta), Object.prototype, "a plain object; __proto__ is an own key");
  // F64 after 24 + 5 bytes is misaligned in the file: it comes back as an aligned copy.
  assert.equal(decodeSafetensors(bytes, FILE).tensors.get("wide")!.data.byteOffset % 8, 0);
  // An empty file with no tensors and no metadata.
  const none = encodeSafetensors([]);
  assert.equal(decodeSafetensors(none, FILE).tensors.size, 0);
  assert.deepEqual(decodeSafetensors(none, FILE).metadata, {});
});

test("safetensors: the writer is deterministic, __metadata__ first with sorted keys, header padded to 8 with spaces", () => {
  const a = encodeSafetensors(sampleTensors(), { b: "2", a: "1" });
  const b = encodeSafetensors(sampleTensors(), { a: "1", b: "2" });
  assert.deepEqual(a, b);
  const n = new DataView(a.buffer).getUint32(0, true);
  assert.equal(new DataView(a.buffer).getUint32(4, true), 0);
  assert.equal(n % 8, 0);
  const header = new TextDecoder().decode(a.subarray(8, 8 + n));
  assert.ok(header.startsWith('{"__metadata__":{"a":"1","b":"2"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},'), header);
  assert.match(header, /\} *$/);
  // Golden bytes of a small file.
  const small = encodeSafetensors([{ name: "x", dtype: "I32", shape: [2], data: Int32Array.of(1, -1) }], { k: "v" });
  const json = '{"__metadata__":{"k":"v"},"x":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}';
  assert.equal(json.length, 79);
  const expected = concat(u64le(80), enc.encode(json + " "), Uint8Array.of(1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff));
  assert.deepEqual(small, expected);
});

test("safetensors: reads files laid out by other writers (reference example, any order, whitespace, no padding)", () => {
  // The example in the reference implementation's documentation (safetensors/src/tensor.rs).
  const ref = stFile('{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}', 0);
  const refFile = concat(ref, new Uint8Array(16));
  assert.equal(new DataView(refFile.buffer).getUint32(0, true), 0x3c);
  const r = decodeSafetensors(refFile, FILE).tensors.get("test")!;
  assert.deepEqual([r.dtype, r.shape, Array.from(r.data)], ["I32", [2, 2], [0, 0, 0, 0]]);
  // Entries listed in another order than their data, fields reordered, whitespace, metadata last.
  const header = `{\n "b": {"shape": [1], "data_offsets": [4, 8], "dtype": "F32"},\n "a": {"data_offsets": [0, 4], "dtype": "U8", "shape": [2, 2]},\n "__metadata__": {"x": "y"}\n}\t\r\n`;
  const f = decodeSafetensors(stFile(header, 8), FILE);
  assert.deepEqual([...f.tensors.keys()], ["b", "a"]);
  assert.deepEqual(Array.from(f.tensors.get("a")!.data), [0, 1, 2, 3]);
  assert.deepEqual(bytesOf(f.tensors.get("b")!.data), Uint8Array.of(4, 5, 6, 7));
  assert.deepEqual(f.metadata, { x: "y" });
  // JSON escapes in names.
  const esc = decodeSafetensors(stFile('{"a\\u00e9\\n\\/":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}', 1), FILE);
  assert.deepEqual([...esc.tensors.keys()], ["a\u00e9\n/"]);
});

test("safetensors: the writer refuses programming errors with TypeError or RangeError", () => {
  const t = (over: Partial<SafetensorsInput>): SafetensorsInput[] => [{ name: "x", dtype: "F32", shape: [2], data: new Float32Array(2), ...over }];
  assert.throws(() => encodeSafetensors(t({ data: new Float64Array(2) })), TypeError);
  assert.throws(() => encodeSafetensors(t({ shape: [3] })), RangeError);
  assert.throws(() => encodeSafetensors(t({ shape: [-1, -2] })), RangeError);
  assert.throws(() => encodeSafetensors(t({ shape: [2.5] })), RangeError);
  assert.throws(() => encodeSafetensors(t({ name: "__metadata__" })), RangeError);
  assert.throws(() => encodeSafetensors(t({ name: "bad\ud800" })), RangeError);
  assert.throws(() => encodeSafetensors(t({ dtype: "F16" as "F32" })), RangeError);
  assert.throws(() => encodeSafetensors([...t({}), ...t({})]), RangeError);
  assert.throws(() => encodeSafetensors(t({}), { k: 3 as unknown as string }), TypeError);
});

test("safetensors: every malformation is a one-line MoeBankError naming the file", () => {
  const ok = (extra = "") => `{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}${extra}}`;
  const one = (info: string, dataLen = 8) => stFile(`{"x":${info}}`, dataLen);
  // Preamble and header.
  throwsFormat(() => decodeSafetensors(new Uint8Array(5), FILE), /^file shorter than the 8-byte header length: 5 bytes$/);
  throwsFormat(() => decodeSafetensors(stFile(ok(), 8, 200), FILE), /^header length 200 runs past the end of the file \(70 bytes\)$/);
  throwsFormat(() => decodeSafetensors(stFile(ok(), 8, SAFETENSORS_MAX_HEADER + 1), FILE), /^header length 100000001 is over the limit/);
  throwsFormat(() => decodeSafetensors(stFile(ok(), 8, 2 ** 40), FILE), /is over the limit of 100000000 bytes/);
  throwsFormat(() => decodeSafetensors(stFile("", 0), FILE), /header is empty/);
  throwsFormat(() => decodeSafetensors(stFile(Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d), 0), FILE), /^header is not valid UTF-8$/);
  throwsFormat(() => decodeSafetensors(stFile(" {}", 0), FILE), /^header does not start with '\{' \(found " "\)$/);
  throwsFormat(() => decodeSafetensors(stFile("[]", 0), FILE), /does not start with/);
  throwsFormat(() => decodeSafetensors(stFile('{"x":}', 0), FILE), /^header is not valid JSON: unexpected "\}" at character 5$/);
  throwsFormat(() => decodeSafetensors(stFile('{"x":1', 0), FILE), /not valid JSON: unexpected end/);
  throwsFormat(() => decodeSafetensors(stFile("{} x", 0), FILE), /not valid JSON: unexpected "x"/);
  throwsFormat(() => decodeSafetensors(stFile('{"a":"\u0001"}', 0), FILE), /not valid JSON: control character/);
  throwsFormat(() => decodeSafetensors(stFile('{"a":"\\q"}', 0), FILE), /not valid JSON: bad escape/);
  throwsFormat(() => decodeSafetensors(stFile('{"a":"\\u12"}', 0), FILE), /not valid JSON: bad \\u escape/);
  throwsFormat(() => decodeSafetensors(stFile('{"a":01}', 0), FILE), /not valid JSON/);
  throwsFormat(() => decodeSafetensors(stFile('{"a":' + "[".repeat(100), 0), FILE), /nesting deeper than 32/);
  throwsFormat(() => decodeSafetensors(stFile(ok(',"x":{}'), 8), FILE), /^header is not valid JSON: duplicate key "x" at character \d+$/);
  // __metadata__.
  throwsFormat(() => decodeSafetensors(stFile(ok(',"__metadata__":[]'), 8), FILE), /^"__metadata__" is an array, expected an object of strings$/);
  throwsFormat(() => decodeSafetensors(stFile(ok(',"__metadata__":{"k":1}'), 8), FILE), /^"__metadata__" entry "k" is the number 1, expected a string$/);
  // Tensor entries.
  throwsFormat(() => decodeSafetensors(one("[1]"), FILE), /^tensor "x" is an array, expected an object$/);
  throwsFormat(() => decodeSafetensors(one('{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}'), FILE), /^tensor "x" has an unknown field "extra"$/);
  throwsFormat(() => decodeSafetensors(one('{"shape":[2],"data_offsets":[0,8]}'), FILE), /^tensor "x" has no "dtype"$/);
  throwsFormat(() => decodeSafetensors(one('{"dtype":"F32","data_offsets":[0,8]}'), FILE), /^tensor "x" has no "shape"$/);
  throwsFormat(() => decodeSafetensors(one('{"dtype":"F32","shape":[2]}'), FILE), /^tensor "x" has no "data_offsets"$/);
  throwsFormat(() => decodeSafetensors(one('{"dtype":4,"shape":[2],"data_offsets":[0,8]}'), FILE), /dtype is the number 4, expected a string/);
  throwsFormat(() => decodeSafetensors(one('{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}'), FILE), /^tensor "x": unknown dtype "Q7" \(supported: F32, F64, I32, U8\)$/);
  throwsFormat(() => decodeSafetensors(one('{"dtype":"F16","shape":[4],"data_offsets":[0,8]}'), FILE), /^tensor "x": unsupported dtype "F16"/);
  throwsFormat(() => decodeSafetensors(one('{"dtype":"F32","shape":2,"data_offsets":[0,8]}'), FILE), /shape is the number 2, expected an array/);
  for (const d of ["-1", "1.5", "2e0", '"2"', "null", "9007199254740993"]) {
    throwsFormat(() => decodeSafetensors(one(`{"dtype":"F32","shape":[${d}],"data_offsets":[0,8]}`), FILE), /^tensor "x": shape holds .*, expected non-negative integers$/);
  }
  for (const o of ["[0]", "[0,8,9]", "[-1,8]", "[0,8.0]", '{"a":0}', "[0,null]"]) {
    throwsFormat(() => decodeSafetensors(one(`{"dtype":"F32","shape":[2],"data_offsets":${o}}`), FILE), /data_offsets must be \[begin, end\], two non-negative integers/);
  }
  // Offsets and sizes.
  throwsFormat(() => decodeSafetensors(one('{"dtype":"F32","shape":[0],"data_offsets":[8,0]}'), FILE), /^tensor "x": data_offsets \[8, 0\] end before they begin$/);
  throwsFormat(() => decodeSafetensors(one('{"dtype":"F32","shape":[4],"data_offsets":[0,16]}'), FILE), /^tensor "x": data_offsets \[0, 16\] run past the end of the data section \(8 bytes\)$/);
  throwsFormat(() => decodeSafetensors(one('{"dtype":"F32","shape":[3],"data_offsets":[0,8]}'), FILE), /^tensor "x": shape \[3\] of F32 needs 12 bytes, its data_offsets span 8$/);
  throwsFormat(() => decodeSafetensors(one('{"dtype":"F64","shape":[2],"data_offsets":[0,8]}'), FILE), /shape \[2\] of F64 needs 16 bytes/);
  throwsFormat(() => decodeSafetensors(one('{"dtype":"U8","shape":[1073741824,1073741824,1073741824],"data_offsets":[0,8]}'), FILE), /needs over 2\^53 bytes, its data_offsets span 8$/);
  throwsFormat(() => decodeSafetensors(one('{"dtype":"U8","shape":' + JSON.stringify(Array(20).fill(1)) + ',"data_offsets":[0,8]}'), FILE), /shape \[1, 1, 1, 1, \.\.\., 1, 1, 1\] of U8 needs 1 bytes/);
  const two = (a: string, b: string, dataLen: number) =>
    stFile(`{"a":{"dtype":"U8","shape":[4],"data_offsets":${a}},"b":{"dtype":"U8","shape":[4],"data_offsets":${b}}}`, dataLen);
  throwsFormat(() => decodeSafetensors(two("[0,4]", "[2,6]", 6), FILE), /^tensors "a" and "b" overlap in the data section$/);
  throwsFormat(() => decodeSafetensors(two("[0,4]", "[0,4]", 4), FILE), /overlap/);
  throwsFormat(() => decodeSafetensors(two("[0,4]", "[6,10]", 10), FILE), /^bytes 4-6 of the data section belong to no tensor$/);
  throwsFormat(() => decodeSafetensors(two("[4,8]", "[8,12]", 12), FILE), /^bytes 0-4 of the data section belong to no tensor$/);
  throwsFormat(() => decodeSafetensors(two("[0,4]", "[4,8]", 9), FILE), /^the data section has 9 bytes but the tensors cover 8$/);
  throwsFormat(() => decodeSafetensors(stFile("{}", 3), FILE), /the data section has 3 bytes but the tensors cover 0/);
  // Names in messages are escaped and shortened: still one line.
  const long = "line\nbreak\u2028" + "n".repeat(200);
  throwsFormat(() => decodeSafetensors(stFile(`{${JSON.stringify(long)}:{"dtype":"Q","shape":[],"data_offsets":[0,0]}}`, 0), FILE), /^tensor "line\\nbreak\\u2028n+\.\.\.": unknown dtype/);
});

/** Applies one random mutation to a copy of `bytes`, focused on the first `hot` bytes. */
function mutate(bytes: Uint8Array, hot: number, r: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(r() * n);
  const kind = pick(8);
  let out: Uint8Array = bytes.slice();
  switch (kind) {
    case 0: // flip bits of a byte in the header region
      out[pick(hot)]! ^= 1 << pick(8);
      break;
    case 1: // a random byte anywhere
      out[pick(out.length)] = pick(256);
      break;
    case 2: // truncate
      out = out.slice(0, pick(out.length));
      break;
    case 3: // append junk
      out = concat(out, Uint8Array.from({ length: 1 + pick(16) }, () => pick(256)));
      break;
    case 4: {
      // delete a run of bytes in the header region
      const at = pick(hot);
      out = concat(out.slice(0, at), out.slice(at + 1 + pick(4)));
      break;
    }
    case 5: {
      // insert printable characters in the header region
      const at = pick(hot);
      const ins = Uint8Array.from({ length: 1 + pick(3) }, () => " ,:{}[]\"0129-.eE\\aFUI"[pick(21)]!.charCodeAt(0));
      out = concat(out.slice(0, at), ins, out.slice(at));
      break;
    }
    case 6: // change a digit into another digit (offsets, shapes, lengths)
    {
      const digits: number[] = [];
      for (let i = 0; i < hot; i++) if (out[i]! >= 0x30 && out[i]! <= 0x39) digits.push(i);
      if (digits.length > 0) out[digits[pick(digits.length)]!] = 0x30 + pick(10);
      break;
    }
    default: // a random byte in the preamble (lengths, magic, versions)
      out[pick(Math.min(12, out.length))] = pick(256);
  }
  return out;
}

function fuzz(valid: Uint8Array, hot: number, decode: (b: Uint8Array, f: string) => unknown, seed: number): { rejected: number; accepted: number } {
  const r = rng(seed);
  let rejected = 0;
  let accepted = 0;
  for (let k = 0; k < 2000; k++) {
    const bytes = mutate(valid, hot, r);
    try {
      decode(bytes, "fuzz.bin");
      accepted++;
    } catch (e) {
      checkError(e, "fuzz.bin", /./);
      rejected++;
    }
  }
  return { rejected, accepted };
}

test("safetensors: 2,000 random mutations of a valid file never escape as anything but a MoeBankError", () => {
  const valid = encodeSafetensors(sampleTensors(), { a: "1" });
  const n = new DataView(valid.buffer).getUint32(0, true);
  const { rejected, accepted } = fuzz(valid, 8 + n, decodeSafetensors, 1234);
  assert.ok(rejected > 1000, `most mutations are caught (${rejected} rejected, ${accepted} accepted)`);
});

// ---- npy -------------------------------------------------------------------------------------

const NPY_CASES: { dtype: NpyDtype; shape: number[]; data: Uint8Array | Float32Array | Float64Array | Int32Array }[] = [
  { dtype: "u8", shape: [3, 4], data: Uint8Array.from({ length: 12 }, (_, i) => (i * 37) & 0xff) },
  { dtype: "bool", shape: [5], data: Uint8Array.of(1, 0, 0, 1, 1) },
  { dtype: "f32", shape: [2, 3, 2], data: Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5) },
  { dtype: "f64", shape: [], data: Float64Array.of(-1 / 3) },
  { dtype: "i32", shape: [2, 2], data: Int32Array.of(0, -1, 2147483647, -2147483648) },
  { dtype: "f32", shape: [0, 3], data: new Float32Array(0) },
  { dtype: "u8", shape: [1, 1, 1, 1, 2], data: Uint8Array.of(9, 8) },
];

test("npy: round trips of every dtype and shape, version 1.0, numpy's header text padded to 64 bytes", () => {
  for (const c of NPY_CASES) {
    const bytes = encodeNpy(c.dtype, c.shape, c.data);
    assert.deepEqual(Array.from(bytes.subarray(0, 8)), [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const hlen = new DataView(bytes.buffer).getUint16(8, true);
    assert.equal((10 + hlen) % 64, 0);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + hlen));
    const shape = c.shape.length === 1 ? `(${c.shape[0]},)` : `(${c.shape.join(", ")})`;
    const descr = { u8: "|u1", bool: "|b1", f32: "<f4", f64: "<f8", i32: "<i4" }[c.dtype];
    assert.match(header, new RegExp(`^\\{'descr': '${descr.replace("|", "\\|")}', 'fortran_order': False, 'shape': ${shape.replace(/[()]/g, "\\$&")}, \\} *\\n$`));
    const back = decodeNpy(bytes, FILE);
    assert.equal(back.dtype, c.dtype);
    assert.deepEqual(back.shape, c.shape);
    assert.deepEqual(Array.from(back.data), Array.from(c.data));
    assert.equal(back.data.constructor, c.data.constructor);
    assert.deepEqual(encodeNpy(c.dtype, c.shape, c.data), bytes, "deterministic");
  }
  // Golden bytes of a small file.
  const small = encodeNpy("u8", [2, 3], Uint8Array.of(1, 2, 3, 4, 5, 6));
  const dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }";
  const expected = concat(Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0), enc.encode(dict + " ".repeat(117 - dict.length) + "\n"), Uint8Array.of(1, 2, 3, 4, 5, 6));
  assert.deepEqual(small, expected);
  // A header too long for version 1.0 moves to 2.0.
  const many = Array(25000).fill(1);
  const big = encodeNpy("f64", many, Float64Array.of(2.5));
  assert.equal(big[6], 2);
  assert.equal((12 + new DataView(big.buffer).getUint32(8, true)) % 64, 0);
  assert.deepEqual(decodeNpy(big, FILE).shape.length, 25000);
  // Misaligned input data comes back aligned.
  const shifted = concat(Uint8Array.of(0), encodeNpy("f64", [2], Float64Array.of(1, 2))).subarray(1);
  const s = decodeNpy(shifted, FILE);
  assert.equal(s.data.byteOffset % 8, 0);
  assert.deepEqual(Array.from(s.data), [1, 2]);
});

/** An .npy file with a given version, header text and data. */
function npyFile(header: string, data: Uint8Array, version = 1, lenOverride?: number): Uint8Array {
  const h = version === 3 ? enc.encode(header) : Uint8Array.from(header, (ch) => ch.charCodeAt(0));
  const pre = version === 1 ? 10 : 12;
  const out = new Uint8Array(pre + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, lenOverride ?? h.length, true);
  else dv.setUint32(8, lenOverride ?? h.length, true);
  out.set(h, pre);
  out.set(data, pre + h.length);
  return out;
}

test("npy: reads versions 2.0 and 3.0 and the header variants numpy has written", () => {
  const f4 = bytesOf(Float32Array.of(1, 2, 3));
  const h = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }     \n";
  for (const v of [1, 2, 3]) assert.deepEqual(Array.from(decodeNpy(npyFile(h, f4, v), FILE).data), [1, 2, 3]);
  // Python 2's long ints, double quotes, keys in any order, no trailing comma, 16-byte padding.
  const variants = [
    "{'descr': '<f4', 'fortran_order': False, 'shape': (3L,), }\n",
    '{"shape": (3,), "fortran_order": False, "descr": "<f4"}\n',
    "{'fortran_order':False,'shape':(3,),'descr':'<f4'}",
  ];
  for (const v of variants) assert.deepEqual(decodeNpy(npyFile(v, f4), FILE).shape, [3]);
  const b = decodeNpy(npyFile("{'descr': '|b1', 'fortran_order': False, 'shape': (2, 1), }\n", Uint8Array.of(1, 0)), FILE);
  assert.deepEqual([b.dtype, b.shape, Array.from(b.data)], ["bool", [2, 1], [1, 0]]);
});

test("npy: every malformation is a one-line MoeBankError naming the file", () => {
  const hdr = (descr: string, shape: string, fortran = "False") => `{'descr': ${descr}, 'fortran_order': ${fortran}, 'shape': ${shape}, }\n`;
  const f4x3 = bytesOf(Float32Array.of(1, 2, 3));
  throwsFormat(() => decodeNpy(new Uint8Array(9), FILE), /^file shorter than an NPY preamble: 9 bytes, need at least 10$/);
  throwsFormat(() => decodeNpy(new Uint8Array(20), FILE), /^not an NPY file: magic is 00 00 00 00 00 00, expected 93 4e 55 4d 50 59/);
  throwsFormat(() => decodeNpy(encodeIdxLike(), FILE), /not an NPY file/);
  const good = npyFile(hdr("'<f4'", "(3,)"), f4x3);
  const withVersion = (maj: number, min: number) => {
    const c = good.slice();
    c[6] = maj;
    c[7] = min;
    return c;
  };
  throwsFormat(() => decodeNpy(withVersion(4, 0), FILE), /^unsupported NPY format version 4\.0 \(supported: 1\.0, 2\.0, 3\.0\)$/);
  throwsFormat(() => decodeNpy(withVersion(1, 1), FILE), /unsupported NPY format version 1\.1/);
  throwsFormat(() => decodeNpy(withVersion(0, 0), FILE), /unsupported NPY format version 0\.0/);
  throwsFormat(() => decodeNpy(Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0, 0, 0), FILE), /^file shorter than a version 2\.0 NPY preamble: 11 bytes, need at least 12$/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'<f4'", "(3,)"), f4x3, 1, 60000), FILE), /^header length 60000 runs past the end of the file \(\d+ bytes\)$/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'<f4'", "(3,)"), f4x3, 2, 0xfffffff0), FILE), /header length 4294967280 runs past the end/);
  throwsFormat(() => decodeNpy(npyFile("{'descr': '<f4', 'shape': (3,), 'fortran_order': False", f4x3), FILE), /^header is not a Python dict literal: unexpected end at character \d+$/);
  throwsFormat(() => decodeNpy(npyFile("{'descr': '<f4', 'shape': (3,), 'fortran_order': Falsy}", f4x3), FILE), /not a Python dict literal: unexpected "F"/);
  throwsFormat(() => decodeNpy(npyFile("{'descr': '<f4', 'shape': (-3,), 'fortran_order': False}", f4x3), FILE), /not a Python dict literal: unexpected "-"/);
  throwsFormat(() => decodeNpy(npyFile("{'descr': '<f4', 'descr': '<f4', 'shape': (3,), 'fortran_order': False}", f4x3), FILE), /duplicate key "descr"/);
  throwsFormat(() => decodeNpy(npyFile("{3: 4}", f4x3), FILE), /a dict key that is not a string/);
  throwsFormat(() => decodeNpy(npyFile("{'descr': 'a\\'b'}", f4x3), FILE), /escape or line break in a string/);
  throwsFormat(() => decodeNpy(npyFile("(" .repeat(40), f4x3), FILE), /nesting deeper than 16/);
  throwsFormat(() => decodeNpy(npyFile("[1, 2]\n", f4x3), FILE), /^header is a list, expected a dict$/);
  throwsFormat(() => decodeNpy(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'extra': 1}", f4x3), FILE), /^header has an unknown key "extra"$/);
  throwsFormat(() => decodeNpy(npyFile("{'descr': '<f4', 'shape': (3,)}", f4x3), FILE), /^header has no 'fortran_order'$/);
  throwsFormat(() => decodeNpy(npyFile("{'fortran_order': False, 'shape': (3,)}", f4x3), FILE), /^header has no 'descr'$/);
  throwsFormat(() => decodeNpy(npyFile("{'descr': '<f4', 'fortran_order': False}", f4x3), FILE), /^header has no 'shape'$/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'<f4'", "(3,)", "True"), f4x3), FILE), /^Fortran-order arrays are not supported/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'<f4'", "(3,)", "1"), f4x3), FILE), /^'fortran_order' is the int 1, expected True or False$/);
  throwsFormat(() => decodeNpy(npyFile(hdr("[('a', '<f4')]", "(3,)"), f4x3), FILE), /^'descr' is a list: structured dtypes are not supported$/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'>f4'", "(3,)"), f4x3), FILE), /^big-endian dtype ">f4" is not supported/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'>i4'", "(3,)"), f4x3), FILE), /big-endian dtype ">i4"/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'<f2'", "(6,)"), f4x3), FILE), /^unsupported dtype "<f2" \(supported: \|u1, \|b1, <f4, <f8, <i4\)$/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'<i8'", "(1,)"), bytesOf(new Float64Array(1))), FILE), /unsupported dtype "<i8"/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'constructor'", "(3,)"), f4x3), FILE), /unsupported dtype "constructor"/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'<f4'", "[3]"), f4x3), FILE), /^'shape' is a list, expected a tuple of non-negative ints$/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'<f4'", "(3)"), f4x3), FILE), /^'shape' is the int 3, expected a tuple/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'<f4'", "('3',)"), f4x3), FILE), /^'shape' holds the string "3", expected non-negative ints$/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'<f4'", "(4,)"), f4x3), FILE), /^shape \[4\] of <f4 needs 16 data bytes, the file has 12$/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'<f4'", "(2,)"), f4x3), FILE), /^shape \[2\] of <f4 needs 8 data bytes, the file has 12$/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'<f4'", "(0, 5)"), f4x3), FILE), /needs 0 data bytes, the file has 12/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'|u1'", "(4294967296, 4294967296, 4294967296)"), f4x3), FILE), /needs over 2\^53 data bytes/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'|b1'", "(3,)"), Uint8Array.of(0, 1, 2)), FILE), /^bool element 2 is 2, expected 0 or 1$/);
  throwsFormat(() => decodeNpy(npyFile(hdr("'|u1'", "(1,)"), Uint8Array.of(0), 3).map((x, i) => (i === 13 ? 0xff : x)), FILE), /^header is not valid UTF-8$/);
});

function encodeIdxLike(): Uint8Array {
  return Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 2, 5, 6, 7, 8);
}

test("npy: the writer refuses programming errors with TypeError or RangeError", () => {
  assert.throws(() => encodeNpy("f32", [2], new Float64Array(2)), TypeError);
  assert.throws(() => encodeNpy("u8", [2], new Int32Array(2)), TypeError);
  assert.throws(() => encodeNpy("u8", [3], new Uint8Array(2)), RangeError);
  assert.throws(() => encodeNpy("u8", [-2, -1], new Uint8Array(2)), RangeError);
  assert.throws(() => encodeNpy("bool", [2], Uint8Array.of(1, 2)), RangeError);
  assert.throws(() => encodeNpy("f16" as NpyDtype, [2], new Uint8Array(2)), RangeError);
  assert.throws(() => encodeNpy("toString" as NpyDtype, [2], new Uint8Array(2)), RangeError);
});

test("npy: 2,000 random mutations of a valid file never escape as anything but a MoeBankError", () => {
  const valid = encodeNpy("f32", [2, 3, 2], NPY_CASES[2]!.data);
  const { rejected, accepted } = fuzz(valid, 10 + new DataView(valid.buffer).getUint16(8, true), decodeNpy, 4321);
  assert.ok(rejected > 1000, `most mutations are caught (${rejected} rejected, ${accepted} accepted)`);
  const bools = encodeNpy("bool", [40], Uint8Array.from({ length: 40 }, (_, i) => i & 1));
  fuzz(bools, bools.length, decodeNpy, 99);
});

// ---- an independent reader and writer: numpy, and safetensors parsed by hand in Python --------


interface PyArray {
  name: string;
  dtype: string;
  shape: number[];
  sha256: string;
  sum: number;
  first: (number | boolean)[];
  file?: string;
}
interface PyFile {
  file: string;
  format: string;
  version?: string;
  header_length?: number;
  metadata?: Record<string, string>;
  tensors: PyArray[];
}

function runReader<T = PyFile>(...args: string[]): { numpy_version: string; files: T[] } {
  return readFormats(...args);
}

function sumF64(data: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i]!;
  return s;
}

const NUMPY_DESCR: Record<string, string> = { u8: "|u1", bool: "|b1", f32: "<f4", f64: "<f8", i32: "<i4", F32: "<f4", F64: "<f8", I32: "<i4", U8: "|u1" };

function compareArray(py: PyArray, dtype: string, shape: number[], data: Float32Array | Float64Array | Int32Array | Uint8Array, what: string): void {
  assert.equal(py.dtype, NUMPY_DESCR[dtype], `${what}: dtype`);
  assert.deepEqual(py.shape, shape, `${what}: shape`);
  assert.equal(py.sha256, sha256(data), `${what}: data bytes`);
  const first = Array.from(data.subarray(0, 5), (v) => (dtype === "bool" ? v === 1 : v));
  assert.deepEqual(py.first, first, `${what}: first elements`);
  const s = sumF64(data);
  assert.ok(Math.abs(py.sum - s) <= 1e-9 * Math.max(1, Math.abs(s)), `${what}: sum ${py.sum} vs ${s}`);
}

test("numpy reads our .npy files and a hand-written Python parser reads our safetensors", () => {
  findPython();
  const dir = mkdtempSync(join(tmpdir(), "moe-bank-formats-"));
  try {
    const files: string[] = [];
    NPY_CASES.forEach((c, k) => {
      const f = join(dir, `case${k}.npy`);
      writeFileSync(f, encodeNpy(c.dtype, c.shape, c.data));
      files.push(f);
    });
    const st = join(dir, "tensors.safetensors");
    const tensors = sampleTensors();
    const metadata = { format_version: "1", note: "ü \"quoted\"\n" };
    writeFileSync(st, encodeSafetensors(tensors, metadata));
    files.push(st);
    const out = runReader("read", ...files);
    assert.equal(out.files.length, files.length);
    NPY_CASES.forEach((c, k) => {
      const f = out.files[k]!;
      assert.equal(f.version, "1.0");
      compareArray(f.tensors[0]!, c.dtype, c.shape, c.data, `case${k}.npy`);
    });
    const sf = out.files[NPY_CASES.length]!;
    assert.deepEqual(sf.metadata, metadata);
    assert.deepEqual(sf.tensors.map((t) => t.name), tensors.map((t) => t.name));
    tensors.forEach((t, k) => compareArray(sf.tensors[k]!, t.dtype, [...t.shape], t.data, `safetensors ${t.name}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("we read .npy files written by numpy.save", () => {
  const dir = mkdtempSync(join(tmpdir(), "moe-bank-formats-"));
  try {
    const out = runReader<PyArray>("write-npy", dir);
    assert.ok(out.files.length >= 8);
    for (const py of out.files) {
      const a = decodeNpy(new Uint8Array(readFileSync(py.file!)), py.file!);
      compareArray(py, a.dtype, a.shape, a.data, py.name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- the PyTorch fixture ---------------------------------------------------------------------

test("the PyTorch fixture loads with the expected names and shapes, and its numbers are sane", async () => {
  const fx = await loadTorchFixture();
  assert.equal(fx.meta.format_version, "1");
  assert.equal(fx.meta.batch, "8");
  assert.equal(fx.meta.seed, "0");
  assert.match(fx.meta.torch_version ?? "", /^\d+\.\d+/);
  const PARAM_SHAPES: Record<string, number[]> = {
    "conv1.weight": [16, 1, 3, 3],
    "conv1.bias": [16],
    "conv2.weight": [32, 16, 3, 3],
    "conv2.bias": [32],
    "fc1.weight": [64, 1568],
    "fc1.bias": [64],
    "fc2.weight": [10, 64],
    "fc2.bias": [10],
  };
  const expected: Record<string, number[]> = {
    input: [8, 1, 28, 28],
    labels: [8],
    "act.conv1": [8, 16, 28, 28],
    "act.pool1": [8, 16, 14, 14],
    "act.conv2": [8, 32, 14, 14],
    "act.pool2": [8, 32, 7, 7],
    "act.fc1": [8, 64],
    "act.logits": [8, 10],
    loss: [1],
    "loss.step1": [1],
    "loss.step2": [1],
    "loss.step3": [1],
  };
  for (const p of TORCH_PARAMS) {
    for (const prefix of ["init.", "grad.", "step3."]) expected[prefix + p] = PARAM_SHAPES[p]!;
  }
  for (const [name, shape] of Object.entries(expected)) {
    const t = fx.get(name);
    assert.deepEqual(t.shape, shape, name);
    assert.equal(t.data instanceof (name === "labels" ? Int32Array : Float32Array), true, `${name} dtype`);
    for (const v of t.data) assert.ok(Number.isFinite(v), `${name} is finite`);
  }
  const loss = fx.f32("loss").data[0]!;
  assert.ok(Math.abs(loss - 2.302585) < 0.1, `loss at init ${loss} is near ln 10`);
  assert.equal(fx.f32("loss.step1").data[0], loss, "loss.step1 is the loss at init");
  const l2 = fx.f32("loss.step2").data[0]!;
  const l3 = fx.f32("loss.step3").data[0]!;
  assert.ok(l3 < l2 && l2 < loss, `Adam lowers the loss on its own batch: ${loss}, ${l2}, ${l3}`);
  // The input is the first 8 MNIST training images / 255, and the labels theirs.
  const paths = defaultMnistPaths().train;
  const images = await readIdxFile(paths.images, "images");
  const labels = await readIdxFile(paths.labels, "labels");
  assert.ok(fx.meta.data!.includes(images.sha256) && fx.meta.data!.includes(labels.sha256), "the fixture names the MNIST files it used");
  const input = fx.f32("input").data;
  for (let i = 0; i < 8 * 784; i++) assert.equal(input[i], Math.fround(images.data[i]! / 255), `pixel ${i}`);
  assert.deepEqual(Array.from(fx.get("labels").data), Array.from(labels.data.subarray(0, 8)));
  // Re-encoding with our writer gives the file's exact bytes: Python wrote it by our rules.
  const bytes = new Uint8Array(readFileSync(TORCH_FIXTURE_PATH));
  const { tensors, metadata } = decodeSafetensors(bytes, TORCH_FIXTURE_PATH);
  const again = encodeSafetensors([...tensors].map(([name, t]) => ({ name, ...t })), metadata);
  assert.ok(Buffer.from(again).equals(Buffer.from(bytes)), "re-encoded fixture is byte-identical");
});
