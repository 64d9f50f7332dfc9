// safetensors files (https://github.com/huggingface/safetensors), written and read in memory.
// Browser-safe: no Node imports.
//
// Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON, then the data section.
// The JSON is an object mapping each tensor name to {"dtype", "shape", "data_offsets": [begin,
// end]} (offsets relative to the first byte after the header, end one past the last byte), plus
// an optional "__metadata__" object of string to string. Data is little-endian, C order. The
// tensors' byte ranges must tile the data section exactly: no gap, no overlap, nothing left over.
//
// The writer is deterministic: "__metadata__" first (its keys sorted), then the tensors in the
// order given, each as {"dtype","shape","data_offsets"}, compact JSON, the header padded with
// spaces to a multiple of 8 bytes (as the reference implementation does), data in the same
// order. The reader accepts F32, F64, I32 and U8 and refuses anything malformed with a
// MoeBankError `${file}: ${problem}` on one line; its own strict JSON parser refuses duplicate
// keys (which JSON.parse would silently merge).

import { MoeBankError } from "../errors.js";

/** The element types moe-bank reads and writes. */
export type SafetensorsDtype = "F32" | "F64" | "I32" | "U8";

/** A tensor to write: `data.length` must be the product of `shape`, its type must match dtype. */
export interface SafetensorsInput {
  name: string;
  dtype: SafetensorsDtype;
  shape: readonly number[];
  data: Float32Array | Float64Array | Int32Array | Uint8Array;
}

/** A tensor read back: the typed array matches the dtype and is aligned to its element size. */
export type SafetensorsTensor =
  | { dtype: "F32"; shape: number[]; data: Float32Array }
  | { dtype: "F64"; shape: number[]; data: Float64Array }
  | { dtype: "I32"; shape: number[]; data: Int32Array }
  | { dtype: "U8"; shape: number[]; data: Uint8Array };

/** A decoded file: tensors in header order, and the `__metadata__` strings ({} if absent). */
export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** The largest header accepted, the limit of the reference implementation. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

const DTYPE_SIZE: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4, U8: 1 };
const OTHER_DTYPES = new Set(["BOOL", "F8_E5M2", "F8_E4M3", "I8", "U16", "I16", "F16", "BF16", "U32", "I64", "U64", "C64"]);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function isDtype(s: string): s is SafetensorsDtype {
  return s === "F32" || s === "F64" || s === "I32" || s === "U8";
}

function ctorMatches(dtype: SafetensorsDtype, data: unknown): boolean {
  switch (dtype) {
    case "F32":
      return data instanceof Float32Array;
    case "F64":
      return data instanceof Float64Array;
    case "I32":
      return data instanceof Int32Array;
    case "U8":
      return data instanceof Uint8Array;
  }
}

/** A string quoted for a one-line message: JSON-escaped (no raw line breaks), at most ~60 chars. */
export function quoteForMessage(s: string): string {
  const short = s.length > 60 ? s.slice(0, 57) + "..." : s;
  return JSON.stringify(short).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Bytes of `data` in little-endian order, written at `out[at...]`. */
function putLittleEndian(out: Uint8Array, at: number, data: Float32Array | Float64Array | Int32Array | Uint8Array): void {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) {
    out.set(raw, at);
    return;
  }
  const size = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < raw.length; i += size) {
    for (let b = 0; b < size; b++) out[at + i + b] = raw[i + size - 1 - b]!;
  }
}

/**
 * The bytes of a safetensors file holding `tensors` in the given order and, if given,
 * `metadata` as "__metadata__". Deterministic: the same arguments give the same bytes. Throws a
 * TypeError or RangeError (a programming error, not a user-facing one) on a duplicate or
 * reserved name, a data array whose type does not match its dtype, a bad shape, or a length
 * that is not the product of the shape.
 */
export function encodeSafetensors(tensors: readonly SafetensorsInput[], metadata?: Record<string, string>): Uint8Array {
  const parts: string[] = [];
  if (metadata !== undefined) {
    const entries = Object.keys(metadata)
      .sort()
      .map((k) => {
        const v = metadata[k];
        if (typeof v !== "string") throw new TypeError(`encodeSafetensors: metadata ${quoteForMessage(k)} is not a string`);
        if (LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v)) {
          throw new RangeError(`encodeSafetensors: metadata ${quoteForMessage(k)} holds a lone surrogate`);
        }
        return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
      });
    parts.push(`"__metadata__":{${entries.join(",")}}`);
  }
  const names = new Set<string>();
  let offset = 0;
  for (const t of tensors) {
    const what = `encodeSafetensors: tensor ${quoteForMessage(t.name)}`;
    if (typeof t.name !== "string") throw new TypeError(`encodeSafetensors: a tensor name is not a string`);
    if (t.name === "__metadata__") throw new RangeError(`${what}: the name is reserved`);
    if (names.has(t.name)) throw new RangeError(`${what}: duplicate name`);
    if (LONE_SURROGATE.test(t.name)) throw new RangeError(`${what}: the name holds a lone surrogate`);
    names.add(t.name);
    if (!isDtype(t.dtype)) throw new RangeError(`${what}: unsupported dtype ${quoteForMessage(String(t.dtype))}`);
    if (!ctorMatches(t.dtype, t.data)) throw new TypeError(`${what}: dtype ${t.dtype} does not match its data array`);
    let count = 1;
    for (const d of t.shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`${what}: bad dimension ${String(d)} in its shape`);
      count *= d;
    }
    if (count !== t.data.length) {
      throw new RangeError(`${what}: shape [${t.shape.join(", ")}] holds ${count} elements, data has ${t.data.length}`);
    }
    const n = t.data.byteLength;
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${offset + n}]}`);
    offset += n;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLen % 0x100000000, true);
  view.setUint32(4, Math.floor(headerLen / 0x100000000), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const t of tensors) {
    putLittleEndian(out, at, t.data);
    at += t.data.byteLength;
  }
  return out;
}

// ---- a strict JSON parser (RFC 8259) ---------------------------------------------------------
// Objects become Maps (key order kept, duplicate keys refused, "__proto__" harmless); numbers keep
// their source text so integers can be told from 1.0 or 1e3.

class JsonNumber {
  constructor(readonly text: string, readonly value: number) {}
}
type Json = null | boolean | string | JsonNumber | Json[] | Map<string, Json>;

class JsonSyntax {
  constructor(readonly problem: string) {}
}

const MAX_DEPTH = 32;

function parseJson(text: string): Json {
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonSyntax(`${what} at character ${i}`);
  };
  const unexpected = (): never => (i >= text.length ? fail("unexpected end") : fail(`unexpected ${quoteForMessage(text[i]!)}`));
  const ws = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const str = (): string => {
    // text[i] is '"'
    i++;
    let out = "";
    let start = i;
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail("control character in a string");
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        i += 2;
        switch (e) {
          case '"': out += '"'; break;
          case "\\": out += "\\"; break;
          case "/": out += "/"; break;
          case "b": out += "\b"; break;
          case "f": out += "\f"; break;
          case "n": out += "\n"; break;
          case "r": out += "\r"; break;
          case "t": out += "\t"; break;
          case "u": {
            const hex = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("bad \\u escape");
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default:
            i -= 2;
            fail("bad escape");
        }
        start = i;
      } else {
        i++;
      }
    }
  };
  const num = (): JsonNumber => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (m === null || m[0].length === 0) return unexpected();
    const t = m[0];
    i += t.length;
    return new JsonNumber(t, Number(t));
  };
  const value = (depth: number): Json => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj = new Map<string, Json>();
      ws();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') unexpected();
        const at = i;
        const key = str();
        if (obj.has(key)) {
          i = at;
          fail(`duplicate key ${quoteForMessage(key)}`);
        }
        ws();
        if (text[i] !== ":") unexpected();
        i++;
        obj.set(key, value(depth + 1));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return obj;
        } else unexpected();
      }
    }
    if (c === "[") {
      i++;
      const arr: Json[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return arr;
        } else unexpected();
      }
    }
    if (c === '"') return str();
    if (text.startsWith("true", i)) {
      i += 4;
      return true;
    }
    if (text.startsWith("false", i)) {
      i += 5;
      return false;
    }
    if (text.startsWith("null", i)) {
      i += 4;
      return null;
    }
    return num();
  };
  const v = value(0);
  ws();
  if (i < text.length) unexpected();
  return v;
}

// ---- the reader ------------------------------------------------------------------------------

/** A shape for a message: "[2, 3]", with the middle elided past 8 dimensions. */
export function formatShape(shape: readonly number[]): string {
  const dims = shape.length > 8 ? [...shape.slice(0, 4), "...", ...shape.slice(-3)] : shape;
  return `[${dims.join(", ")}]`;
}

function describe(v: Json): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "string") return `the string ${quoteForMessage(v)}`;
  if (v instanceof JsonNumber) return `the number ${v.text.length > 30 ? v.text.slice(0, 27) + "..." : v.text}`;
  if (Array.isArray(v)) return "an array";
  return "an object";
}

function asIndex(v: Json | undefined): number | undefined {
  if (!(v instanceof JsonNumber) || !/^(0|[1-9][0-9]*)$/.test(v.text) || !Number.isSafeInteger(v.value)) return undefined;
  return v.value;
}

/** A typed view of `count` elements at `bytes[at...]`, copied if unaligned or on a big-endian host. */
function typedAt(bytes: Uint8Array, at: number, count: number, size: number, make: (buf: ArrayBuffer, off: number, n: number) => ArrayBufferView): ArrayBufferView {
  const off = bytes.byteOffset + at;
  if (LITTLE_ENDIAN && off % size === 0) return make(bytes.buffer as ArrayBuffer, off, count);
  const copy = new Uint8Array(count * size);
  if (LITTLE_ENDIAN) copy.set(bytes.subarray(at, at + count * size));
  else {
    for (let i = 0; i < copy.length; i += size) {
      for (let b = 0; b < size; b++) copy[i + b] = bytes[at + i + size - 1 - b]!;
    }
  }
  return make(copy.buffer, 0, count);
}

/**
 * Reads a safetensors file. `file` names it in error messages. Returned arrays are aligned to
 * their element size: a view into `bytes` when it already is (so they share memory with the
 * input), a copy otherwise. Throws a MoeBankError (`${file}: ${problem}`, one line) when the
 * file is shorter than 8 bytes, its header length runs past the end or over 100,000,000 bytes,
 * the header is not UTF-8, not a JSON object or has a duplicate key, "__metadata__" is not an
 * object of strings, a tensor entry is not {dtype, shape, data_offsets}, a dtype is not F32,
 * F64, I32 or U8, a shape or offset is not a non-negative integer, a byte span does not match
 * shape x dtype size, or the spans run out of range, overlap, leave gaps or leave bytes over.
 */
export function decodeSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const bad = (problem: string): never => {
    throw new MoeBankError(`${file}: ${problem}`);
  };
  if (bytes.length < 8) bad(`file shorter than the 8-byte header length: ${bytes.length} byte${bytes.length === 1 ? "" : "s"}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  const n = hi * 0x100000000 + lo;
  if (hi !== 0 || n > SAFETENSORS_MAX_HEADER) bad(`header length ${n} is over the limit of ${SAFETENSORS_MAX_HEADER} bytes`);
  if (8 + n > bytes.length) bad(`header length ${n} runs past the end of the file (${bytes.length} bytes)`);
  if (n === 0) bad("header is empty (length 0), expected a JSON object");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return bad("header is not valid UTF-8");
  }
  if (text[0] !== "{") bad(`header does not start with '{' (found ${quoteForMessage(text[0]!)})`);
  let root: Json;
  try {
    root = parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntax) return bad(`header is not valid JSON: ${e.problem}`);
    throw e;
  }
  if (!(root instanceof Map)) return bad("header is not a JSON object");

  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of root) {
    if (name === "__metadata__") {
      if (!(info instanceof Map)) return bad(`"__metadata__" is ${describe(info)}, expected an object of strings`);
      for (const [k, v] of info) {
        if (typeof v !== "string") bad(`"__metadata__" entry ${quoteForMessage(k)} is ${describe(v)}, expected a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const what = `tensor ${quoteForMessage(name)}`;
    if (!(info instanceof Map)) return bad(`${what} is ${describe(info)}, expected an object`);
    for (const k of info.keys()) {
      if (k !== "dtype" && k !== "shape" && k !== "data_offsets") bad(`${what} has an unknown field ${quoteForMessage(k)}`);
    }
    const dtype = info.get("dtype");
    if (dtype === undefined) return bad(`${what} has no "dtype"`);
    if (typeof dtype !== "string") return bad(`${what}: dtype is ${describe(dtype)}, expected a string`);
    if (!isDtype(dtype)) {
      return bad(`${what}: ${OTHER_DTYPES.has(dtype) ? "unsupported" : "unknown"} dtype ${quoteForMessage(dtype)} (supported: F32, F64, I32, U8)`);
    }
    const shapeJ = info.get("shape");
    if (shapeJ === undefined) return bad(`${what} has no "shape"`);
    if (!Array.isArray(shapeJ)) return bad(`${what}: shape is ${describe(shapeJ)}, expected an array of non-negative integers`);
    const shape: number[] = [];
    for (const d of shapeJ) {
      const k = asIndex(d);
      if (k === undefined) return bad(`${what}: shape holds ${describe(d)}, expected non-negative integers`);
      shape.push(k);
    }
    const offs = info.get("data_offsets");
    if (offs === undefined) return bad(`${what} has no "data_offsets"`);
    const begin = Array.isArray(offs) && offs.length === 2 ? asIndex(offs[0]) : undefined;
    const end = Array.isArray(offs) && offs.length === 2 ? asIndex(offs[1]) : undefined;
    if (begin === undefined || end === undefined) return bad(`${what}: data_offsets must be [begin, end], two non-negative integers`);
    if (begin > end) bad(`${what}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLen) bad(`${what}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataLen} bytes)`);
    // The byte count, exact while it stays in the safe-integer range.
    const size = DTYPE_SIZE[dtype];
    const span = end - begin;
    let need = shape.includes(0) ? 0 : size;
    for (const d of shape) {
      need *= d;
      if (need > Number.MAX_SAFE_INTEGER) break;
    }
    if (need !== span) {
      const needs = need > Number.MAX_SAFE_INTEGER ? "over 2^53" : String(need);
      bad(`${what}: shape ${formatShape(shape)} of ${dtype} needs ${needs} bytes, its data_offsets span ${span}`);
    }
    entries.push({ name, dtype, shape, begin, end });
  }

  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let prev = "";
  for (const e of sorted) {
    if (e.begin < covered) bad(`tensors ${quoteForMessage(prev)} and ${quoteForMessage(e.name)} overlap in the data section`);
    if (e.begin > covered) bad(`bytes ${covered}-${e.begin} of the data section belong to no tensor`);
    covered = e.end;
    prev = e.name;
  }
  if (covered !== dataLen) bad(`the data section has ${dataLen} bytes but the tensors cover ${covered}`);

  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const at = dataStart + e.begin;
    const size = DTYPE_SIZE[e.dtype];
    const count = (e.end - e.begin) / size;
    switch (e.dtype) {
      case "F32":
        tensors.set(e.name, { dtype: "F32", shape: e.shape, data: typedAt(bytes, at, count, 4, (b, o, k) => new Float32Array(b, o, k)) as Float32Array });
        break;
      case "F64":
        tensors.set(e.name, { dtype: "F64", shape: e.shape, data: typedAt(bytes, at, count, 8, (b, o, k) => new Float64Array(b, o, k)) as Float64Array });
        break;
      case "I32":
        tensors.set(e.name, { dtype: "I32", shape: e.shape, data: typedAt(bytes, at, count, 4, (b, o, k) => new Int32Array(b, o, k)) as Int32Array });
        break;
      case "U8":
        tensors.set(e.name, { dtype: "U8", shape: e.shape, data: bytes.subarray(at, at + count) });
        break;
    }
  }
  return { tensors, metadata: { ...metadata } };
}
