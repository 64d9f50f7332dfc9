// NPY files (numpy's format, numpy/lib/format.py), written and read in memory. Browser-safe: no
// Node imports.
//
// Layout: the magic "\x93NUMPY", a major and a minor version byte, the header length (u16 LE in
// version 1.0; u32 LE in 2.0 and 3.0), then the header: a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with spaces and ending in
// "\n" so that magic + version + length + header is a multiple of 64 bytes (Latin-1 in 1.0 and
// 2.0, UTF-8 in 3.0). The data follows: product(shape) elements, here always C order.
//
// The writer emits version 1.0 (2.0 only if the header would not fit a u16), exactly numpy's
// dict text with keys in sorted order. The reader accepts versions 1.0, 2.0 and 3.0 with descr
// '|u1', '|b1', '<f4', '<f8' or '<i4' in C order, and refuses anything else with a MoeBankError
// `${file}: ${problem}` on one line. parseNpyHeader reads the header alone and decodeNpyFloats
// float16/32/64 data, so a file larger than memory can be read in blocks (src/input.ts opens it).

import { MoeBankError } from "../errors.js";
import { formatShape, quoteForMessage } from "./safetensors.js";

/** The element types moe-bank reads and writes as .npy. */
export type NpyDtype = "u8" | "bool" | "f32" | "f64" | "i32";

/** A decoded array: `data.length` is the product of `shape`; bools are bytes 0 or 1. */
export type NpyArray =
  | { dtype: "u8" | "bool"; shape: number[]; data: Uint8Array }
  | { dtype: "f32"; shape: number[]; data: Float32Array }
  | { dtype: "f64"; shape: number[]; data: Float64Array }
  | { dtype: "i32"; shape: number[]; data: Int32Array };

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93 N U M P Y
const ALIGN = 64;
const DESCR: Record<NpyDtype, string> = { u8: "|u1", bool: "|b1", f32: "<f4", f64: "<f8", i32: "<i4" };
const FROM_DESCR: Record<string, NpyDtype> = { "|u1": "u8", "|b1": "bool", "<f4": "f32", "<f8": "f64", "<i4": "i32" };
const SIZE: Record<NpyDtype, number> = { u8: 1, bool: 1, f32: 4, f64: 8, i32: 4 };
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function ctorMatches(dtype: NpyDtype, data: unknown): boolean {
  switch (dtype) {
    case "u8":
    case "bool":
      return data instanceof Uint8Array;
    case "f32":
      return data instanceof Float32Array;
    case "f64":
      return data instanceof Float64Array;
    case "i32":
      return data instanceof Int32Array;
  }
}

/** numpy's repr of a shape tuple: (), (5,), (2, 3). */
function shapeRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/**
 * The bytes of an .npy file (version 1.0, C order) holding `data` as `dtype` with `shape`.
 * `data` is a Uint8Array for "u8" and "bool" (bool bytes must be 0 or 1), else the matching
 * typed array. Deterministic. Throws a TypeError or RangeError (a programming error) on a
 * mismatched array type, a bad shape, a length that is not the product of the shape, or a bool
 * byte other than 0 or 1.
 */
export function encodeNpy(dtype: NpyDtype, shape: readonly number[], data: Uint8Array | Float32Array | Float64Array | Int32Array): Uint8Array {
  if (!Object.hasOwn(DESCR, dtype)) throw new RangeError(`encodeNpy: unsupported dtype ${quoteForMessage(String(dtype))}`);
  if (!ctorMatches(dtype, data)) throw new TypeError(`encodeNpy: dtype ${dtype} does not match the data array`);
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`encodeNpy: bad dimension ${String(d)} in the shape`);
    count *= d;
  }
  if (count !== data.length) throw new RangeError(`encodeNpy: shape ${formatShape(shape)} holds ${count} elements, data has ${data.length}`);
  if (dtype === "bool") {
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== 0 && data[i] !== 1) throw new RangeError(`encodeNpy: bool element ${i} is ${data[i]}, expected 0 or 1`);
    }
  }
  const dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  let version = 1;
  let prefix = 10;
  let pad = (ALIGN - ((prefix + dict.length + 1) % ALIGN)) % ALIGN;
  if (dict.length + pad + 1 > 0xffff) {
    version = 2;
    prefix = 12;
    pad = (ALIGN - ((prefix + dict.length + 1) % ALIGN)) % ALIGN;
  }
  const headerLen = dict.length + pad + 1;
  const out = new Uint8Array(prefix + headerLen + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, headerLen, true);
  else dv.setUint32(8, headerLen, true);
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i); // ASCII
  out.fill(0x20, prefix + dict.length, prefix + headerLen - 1);
  out[prefix + headerLen - 1] = 0x0a;
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const at = prefix + headerLen;
  const size = data.BYTES_PER_ELEMENT;
  if (LITTLE_ENDIAN || size === 1) out.set(raw, at);
  else {
    for (let i = 0; i < raw.length; i += size) {
      for (let b = 0; b < size; b++) out[at + i + b] = raw[i + size - 1 - b]!;
    }
  }
  return out;
}

// ---- the header: a Python literal --------------------------------------------------------------
// The subset numpy writes: a dict of str keys to str, True/False/None, int and tuples/lists of
// those (lists only so a structured descr gets a clear message).

type Py = string | boolean | null | PyInt | Py[] | PyTuple | Map<string, Py>;
class PyInt {
  constructor(readonly value: number) {}
}
class PyTuple {
  constructor(readonly items: Py[]) {}
}
class PySyntax {
  constructor(readonly problem: string) {}
}

function parsePyLiteral(text: string): Py {
  let i = 0;
  const fail = (what: string): never => {
    throw new PySyntax(`${what} at character ${i}`);
  };
  const unexpected = (): never => (i >= text.length ? fail("unexpected end") : fail(`unexpected ${quoteForMessage(text[i]!)}`));
  const ws = (): void => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const seq = (close: string, depth: number): Py[] => {
    const items: Py[] = [];
    for (;;) {
      ws();
      if (text[i] === close) {
        i++;
        return items;
      }
      items.push(value(depth + 1));
      ws();
      if (text[i] === ",") i++;
      else if (text[i] !== close) unexpected();
    }
  };
  const value = (depth: number): Py => {
    if (depth > 16) fail("nesting deeper than 16");
    ws();
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail("unterminated string");
      const s = text.slice(i + 1, end);
      if (s.includes("\\") || s.includes("\n")) fail("escape or line break in a string");
      i = end + 1;
      return s;
    }
    if (c === "{") {
      i++;
      const d = new Map<string, Py>();
      for (;;) {
        ws();
        if (text[i] === "}") {
          i++;
          return d;
        }
        const at = i;
        const k = value(depth + 1);
        if (typeof k !== "string") {
          i = at;
          fail("a dict key that is not a string");
        }
        const key = k as string;
        if (d.has(key)) {
          i = at;
          fail(`duplicate key ${quoteForMessage(key)}`);
        }
        ws();
        if (text[i] !== ":") unexpected();
        i++;
        d.set(key, value(depth + 1));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== "}") unexpected();
      }
    }
    if (c === "(") {
      i++;
      const start = i;
      const items = seq(")", depth);
      // (x) without a comma is just x in Python.
      if (items.length === 1 && !/,\s*\)$/.test(text.slice(start, i))) return items[0]!;
      return new PyTuple(items);
    }
    if (c === "[") {
      i++;
      return seq("]", depth);
    }
    for (const [word, v] of [["True", true], ["False", false], ["None", null]] as const) {
      if (text.startsWith(word, i) && !/[A-Za-z0-9_]/.test(text[i + word.length] ?? "")) {
        i += word.length;
        return v;
      }
    }
    const m = /^(0|[1-9][0-9]*)L?/.exec(text.slice(i, i + 40));
    if (m === null || /[A-Za-z0-9_.]/.test(text[i + m[0].length] ?? "")) return unexpected();
    i += m[0].length;
    return new PyInt(Number(m[1]));
  };
  const v = value(0);
  ws();
  if (i < text.length) unexpected();
  return v;
}

function describePy(v: Py): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "string") return `the string ${quoteForMessage(v)}`;
  if (v instanceof PyInt) return `the int ${v.value}`;
  if (v instanceof PyTuple) return "a tuple";
  if (Array.isArray(v)) return "a list";
  return "a dict";
}

/** `count` elements of `size` bytes at `bytes[at...]`: a view if aligned on a little-endian host, else a copy. */
function typedAt(bytes: Uint8Array, at: number, count: number, size: number): ArrayBuffer | [ArrayBuffer, number] {
  const off = bytes.byteOffset + at;
  if (LITTLE_ENDIAN && off % size === 0) return [bytes.buffer as ArrayBuffer, off];
  const copy = new Uint8Array(count * size);
  if (LITTLE_ENDIAN) copy.set(bytes.subarray(at, at + count * size));
  else {
    for (let i = 0; i < copy.length; i += size) {
      for (let b = 0; b < size; b++) copy[i + b] = bytes[at + i + size - 1 - b]!;
    }
  }
  return copy.buffer;
}

/** The bytes an .npy preamble and header take (magic, version, header length, header): read this
 *  many bytes from the start of a file to parse its header alone. `bytes` must hold at least the
 *  first 12 bytes of the file (or the whole file if shorter); one-line MoeBankError otherwise. */
export function npyHeaderBytes(bytes: Uint8Array, file: string): number {
  const bad = (problem: string): never => {
    throw new MoeBankError(`${file}: ${problem}`);
  };
  if (bytes.length < 10) bad(`file shorter than an NPY preamble: ${bytes.length} byte${bytes.length === 1 ? "" : "s"}, need at least 10`);
  for (let k = 0; k < 6; k++) {
    if (bytes[k] !== MAGIC[k]) {
      const found = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(" ");
      bad(`not an NPY file: magic is ${found}, expected 93 4e 55 4d 50 59 ("\\x93NUMPY")`);
    }
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3 || minor !== 0) bad(`unsupported NPY format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) return 10 + dv.getUint16(8, true);
  if (bytes.length < 12) bad(`file shorter than a version ${major}.0 NPY preamble: ${bytes.length} bytes, need at least 12`);
  return 12 + dv.getUint32(8, true);
}

/** An .npy header: the element type as written ('<f4', ...), the shape and where the data start. */
export interface NpyHeader {
  descr: string;
  shape: number[];
  dataStart: number;
}

/**
 * Parses the header of an .npy file from its first bytes (at least npyHeaderBytes of them; the
 * data need not be there). Same checks and messages as decodeNpy up to the data: C order, a
 * plain descr (any string: the caller says which it accepts through `checkDescr`, called before
 * the shape is read), a shape of non-negative ints.
 */
export function parseNpyHeader(bytes: Uint8Array, file: string, checkDescr: (descr: string) => void = () => {}): NpyHeader {
  const bad = (problem: string): never => {
    throw new MoeBankError(`${file}: ${problem}`);
  };
  const dataStart = npyHeaderBytes(bytes, file);
  const major = bytes[6]!;
  const prefix = major === 1 ? 10 : 12;
  const headerLen = dataStart - prefix;
  if (dataStart > bytes.length) bad(`header length ${headerLen} runs past the end of the file (${bytes.length} bytes)`);
  const hb = bytes.subarray(prefix, dataStart);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(hb);
    } catch {
      return bad("header is not valid UTF-8");
    }
  } else {
    let s = "";
    for (let k = 0; k < hb.length; k += 8192) s += String.fromCharCode(...hb.subarray(k, k + 8192));
    text = s;
  }
  let root: Py;
  try {
    root = parsePyLiteral(text);
  } catch (e) {
    if (e instanceof PySyntax) return bad(`header is not a Python dict literal: ${e.problem}`);
    throw e;
  }
  if (!(root instanceof Map)) return bad(`header is ${describePy(root)}, expected a dict`);
  for (const k of root.keys()) {
    if (k !== "descr" && k !== "fortran_order" && k !== "shape") bad(`header has an unknown key ${quoteForMessage(k)}`);
  }
  for (const k of ["descr", "fortran_order", "shape"]) {
    if (!root.has(k)) bad(`header has no '${k}'`);
  }
  const fortran = root.get("fortran_order")!;
  if (typeof fortran !== "boolean") return bad(`'fortran_order' is ${describePy(fortran)}, expected True or False`);
  if (fortran) bad("Fortran-order arrays are not supported: save the array in C order");
  const descr = root.get("descr")!;
  if (typeof descr !== "string") return bad(`'descr' is ${describePy(descr)}: structured dtypes are not supported`);
  checkDescr(descr);
  const shapeP = root.get("shape")!;
  if (!(shapeP instanceof PyTuple)) return bad(`'shape' is ${describePy(shapeP)}, expected a tuple of non-negative ints`);
  const shape: number[] = [];
  for (const d of shapeP.items) {
    if (!(d instanceof PyInt) || !Number.isSafeInteger(d.value)) return bad(`'shape' holds ${describePy(d)}, expected non-negative ints`);
    shape.push(d.value);
  }
  return { descr, shape, dataStart };
}

/** The data bytes a shape of elements of `size` bytes needs (Infinity past 2^53). */
export function npyDataBytes(shape: readonly number[], size: number): number {
  let need = shape.includes(0) ? 0 : size;
  for (const d of shape) {
    need *= d;
    if (need > Number.MAX_SAFE_INTEGER) return Number.POSITIVE_INFINITY;
  }
  return need;
}

/**
 * Reads an .npy file. `file` names it in error messages. Multi-byte data is a view into `bytes`
 * when aligned (sharing its memory), else an aligned copy; u8 and bool data are views. Throws a
 * MoeBankError (`${file}: ${problem}`, one line) on a short file, a wrong magic, a version other
 * than 1.0/2.0/3.0, a header running past the end or not a dict with exactly 'descr',
 * 'fortran_order' and 'shape', Fortran order, a big-endian or unsupported dtype, a bad shape, a
 * data section longer or shorter than the shape needs, or a bool byte other than 0 or 1.
 */
export function decodeNpy(bytes: Uint8Array, file: string): NpyArray {
  const bad = (problem: string): never => {
    throw new MoeBankError(`${file}: ${problem}`);
  };
  const { descr, shape, dataStart } = parseNpyHeader(bytes, file, (d) => {
    if (Object.hasOwn(FROM_DESCR, d)) return;
    if (/^>[a-zA-Z]\d+$/.test(d) && !d.endsWith("1")) {
      bad(`big-endian dtype ${quoteForMessage(d)} is not supported (supported: |u1, |b1, <f4, <f8, <i4)`);
    }
    bad(`unsupported dtype ${quoteForMessage(d)} (supported: |u1, |b1, <f4, <f8, <i4)`);
  });
  const dt = FROM_DESCR[descr]!;
  const size = SIZE[dt];
  const have = bytes.length - dataStart;
  const need = npyDataBytes(shape, size);
  if (need !== have) {
    const needs = need > Number.MAX_SAFE_INTEGER ? "over 2^53" : String(need);
    bad(`shape ${formatShape(shape)} of ${descr} needs ${needs} data bytes, the file has ${have}`);
  }
  const count = need / size;
  switch (dt) {
    case "u8":
    case "bool": {
      const data = bytes.subarray(dataStart, dataStart + count);
      if (dt === "bool") {
        for (let k = 0; k < count; k++) if (data[k]! > 1) bad(`bool element ${k} is ${data[k]}, expected 0 or 1`);
      }
      return { dtype: dt, shape, data };
    }
    case "f32": {
      const r = typedAt(bytes, dataStart, count, 4);
      return { dtype: dt, shape, data: Array.isArray(r) ? new Float32Array(r[0], r[1], count) : new Float32Array(r) };
    }
    case "f64": {
      const r = typedAt(bytes, dataStart, count, 8);
      return { dtype: dt, shape, data: Array.isArray(r) ? new Float64Array(r[0], r[1], count) : new Float64Array(r) };
    }
    case "i32": {
      const r = typedAt(bytes, dataStart, count, 4);
      return { dtype: dt, shape, data: Array.isArray(r) ? new Int32Array(r[0], r[1], count) : new Int32Array(r) };
    }
  }
}

// ---- floating-point data read in blocks ---------------------------------------------------------
// A gate's probabilities or logits come as float16, float32 or float64 (PyTorch and JAX log all
// three); they are read block by block into f64 (every f16 and f32 value is exact in f64).

/** The float element types readable in blocks, by descr, and their sizes in bytes. */
export const NPY_FLOAT_DESCR: Readonly<Record<string, number>> = { "<f2": 2, "<f4": 4, "<f8": 8 };

/** 2^(e - 25) for the f16 exponents e = 1..30, built by exact doublings. */
const HALF_SCALE: Float64Array = (() => {
  const out = new Float64Array(31);
  let v = 1;
  for (let k = 0; k < 24; k++) v /= 2; // 2^-24
  for (let e = 1; e <= 30; e++) {
    out[e] = v; // 2^(e - 25)
    v *= 2;
  }
  return out;
})();

/** The value of an IEEE-754 binary16 bit pattern, exactly. */
export function halfToNumber(h: number): number {
  const e = (h >>> 10) & 31, f = h & 1023;
  const v = e === 0 ? f * HALF_SCALE[1]! : e === 31 ? (f === 0 ? Number.POSITIVE_INFINITY : Number.NaN) : (1024 + f) * HALF_SCALE[e]!;
  return h & 0x8000 ? -v : v;
}

/** `count` little-endian float elements of type `descr` (a key of NPY_FLOAT_DESCR) from the start
 *  of `bytes`, as f64 (exact). */
export function decodeNpyFloats(bytes: Uint8Array, descr: string, count: number): Float64Array {
  const size = NPY_FLOAT_DESCR[descr];
  if (size === undefined || !Object.hasOwn(NPY_FLOAT_DESCR, descr)) throw new RangeError(`decodeNpyFloats: ${quoteForMessage(descr)} is not a float descr`);
  if (bytes.length < count * size) throw new RangeError(`decodeNpyFloats: ${bytes.length} bytes for ${count} elements of ${descr}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, count * size);
  const out = new Float64Array(count);
  if (size === 2) for (let k = 0; k < count; k++) out[k] = halfToNumber(dv.getUint16(2 * k, true));
  else if (size === 4) for (let k = 0; k < count; k++) out[k] = dv.getFloat32(4 * k, true);
  else for (let k = 0; k < count; k++) out[k] = dv.getFloat64(8 * k, true);
  return out;
}
