// The only code that knows the core's linear memory. It instantiates the wasm module in Node,
// Bun, Deno (from a file) or a browser (from a URL, streaming compile), and exposes:
//  - `CoreExports`: the typed, raw export table (from the ABI table, bindings/abi.ts);
//  - `Tensor`: a (pointer, length, dtype) handle whose `view` is re-created whenever memory has
//    grown (a grown memory detaches every view of the old ArrayBuffer).
// Every other module works through these; none builds its own view of `memory.buffer`.
import { nodeBuiltin } from "./host.js";
import { CORE_EXPORT_NAMES, type CoreExports } from "./abi.js";
export { ABI, CORE_EXPORT_NAMES, type AbiEntry, type AbiName, type CoreExports } from "./abi.js";

/** Which binary: the SIMD128 reference, the scalar build (same bits), or relaxed SIMD
 *  (fused multiply-add: faster, but not bit-portable across CPUs and engines). */
export type Build = "simd" | "scalar" | "relaxed";
export const BUILDS: readonly Build[] = ["simd", "scalar", "relaxed"];
const FLAVOR: Record<number, Build> = { 0: "simd", 1: "scalar", 2: "relaxed" };

/** The ABI version these bindings speak (assembly/build.ts abi_version). */
export const ABI_VERSION = 1;

/** Raised when the core aborts (a failed assertion inside wasm): message, file, line, column. */
export class CoreAbortError extends Error {
  override name = "CoreAbortError";
}

/** Raised, before the core is called, for a buffer the core cannot hold: a byte count that is
 *  not an exact integer, above the core's largest block, or beyond what its memory (4 GiB at
 *  most) has left. The core is untouched and stays usable. */
export class CoreMemoryError extends RangeError {
  override name = "CoreMemoryError";
}

/** The largest block the core's allocator (AssemblyScript TLSF) hands out: 2^30 bytes less its
 *  block header (4) and alignment (16). Every buffer's byte count is checked against it, so no
 *  size that reaches the core can wrap its 32-bit arithmetic. */
export const MAX_ALLOC_BYTES = 0x40000000 - 32;
/** The core's memory limit: 65536 pages of 64 KiB (wasm32). */
export const MEMORY_LIMIT_BYTES = 0x100000000;

export type DType = "f32" | "f64" | "i32" | "u32" | "u8";
type ViewOf = { f32: Float32Array; f64: Float64Array; i32: Int32Array; u32: Uint32Array; u8: Uint8Array };
const CTOR = { f32: Float32Array, f64: Float64Array, i32: Int32Array, u32: Uint32Array, u8: Uint8Array } as const;
export const DTYPE_BYTES: Record<DType, number> = { f32: 4, f64: 8, i32: 4, u32: 4, u8: 1 };

function fmtBytes(n: number): string {
  return n >= 0x40000000 ? `${(n / 0x40000000).toFixed(2)} GiB` : n >= 0x100000 ? `${(n / 0x100000).toFixed(1)} MiB` : `${n} bytes`;
}

/** A buffer in the core's memory: `ptr` is what kernels take; `view` is a typed array over it
 *  that is re-created after any growth of memory, so it is never a detached, stale view. */
export class Tensor<D extends DType = DType> {
  #view: ViewOf[D] | null = null;
  #freed = false;
  readonly ptr: number;
  /** `ptr` is read unsigned: blocks above 2 GiB come back from the core as negative i32. */
  constructor(readonly core: Core, ptr: number, readonly length: number, readonly dtype: D) {
    this.ptr = ptr >>> 0;
  }

  get byteLength(): number {
    return this.length * DTYPE_BYTES[this.dtype];
  }
  /** A view of the current memory; cheap when memory has not grown since the last call. */
  get view(): ViewOf[D] {
    if (this.#freed) throw new Error("Tensor used after free");
    const buf = this.core.exports.memory.buffer;
    if (this.#view === null || this.#view.buffer !== buf) {
      this.#view = new CTOR[this.dtype](buf, this.ptr, this.length) as ViewOf[D];
    }
    return this.#view;
  }
  /** Copies `src` in (its length must equal this tensor's). */
  set(src: ArrayLike<number>): this {
    if (src.length !== this.length) throw new RangeError(`Tensor.set: length ${src.length} != ${this.length}`);
    this.view.set(src);
    return this;
  }
  /** A copy of the contents that outlives the tensor. */
  toArray(): ViewOf[D] {
    return this.view.slice() as ViewOf[D];
  }
  free(): void {
    if (!this.#freed) {
      this.core.exports.free(this.ptr);
      this.#freed = true;
      this.#view = null;
    }
  }
}

/** Where the wasm of a build lives, next to the compiled bindings (dist/bindings -> build/).
 *  One literal `new URL("...", import.meta.url)` per build: the form Vite and webpack recognize,
 *  copy into their output and rewrite to the copy's URL. */
export function coreUrl(build: Build = "simd"): URL {
  switch (build) {
    case "simd": return new URL("../../build/simd.wasm", import.meta.url);
    case "scalar": return new URL("../../build/scalar.wasm", import.meta.url);
    case "relaxed": return new URL("../../build/relaxed.wasm", import.meta.url);
  }
  throw new RangeError(`unknown build ${JSON.stringify(build)} (simd, scalar or relaxed)`);
}

export type CoreSource = URL | string | ArrayBuffer | Uint8Array | WebAssembly.Module;

export interface LoadOptions {
  /** Which binary (default "simd", the reference numerics). */
  build?: Build;
  /** Where to get it: a URL or path (file: read from disk; http(s): streamed), the bytes, or a
   *  compiled module. Default: coreUrl(build). */
  source?: CoreSource;
}

function readAsString(memory: WebAssembly.Memory, ptr: number): string {
  if (ptr === 0) return "";
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0]!;
  const units = new Uint16Array(memory.buffer, ptr, bytes >>> 1);
  let s = "";
  for (let i = 0; i < units.length; i += 4096) s += String.fromCharCode(...units.subarray(i, i + 4096));
  return s;
}

async function compile(source: CoreSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return WebAssembly.compile(source as BufferSource);
  const url = source instanceof URL ? source : /^[a-z][a-z0-9+.-]*:/i.test(source) ? new URL(source) : null;
  if (url === null || url.protocol === "file:") {
    // Node, Bun and Deno read the file (bindings/host.ts); a browser has no file system.
    const fs = nodeBuiltin<typeof import("node:fs/promises")>("node:fs/promises");
    const where = url?.href ?? (source as string);
    if (fs === null) throw new Error(`cannot read ${where}: no file system here; pass Core.load({ source }) an http(s) URL, the bytes or a WebAssembly.Module`);
    const bytes = await fs.readFile(url ?? (source as string));
    return WebAssembly.compile(bytes as BufferSource);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url.href}: HTTP ${response.status}`);
  if (typeof WebAssembly.compileStreaming === "function" && response.headers.get("content-type") === "application/wasm") {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

function isSource(x: LoadOptions | CoreSource): x is CoreSource {
  return typeof x === "string" || x instanceof URL || x instanceof ArrayBuffer || x instanceof Uint8Array || x instanceof WebAssembly.Module;
}

/** Node 20 (V8 11.3) compiles relaxed SIMD only behind --experimental-wasm-relaxed-simd (on by
 *  default from V8 11.4, Node 22). When a module fails to compile there, the flag is switched on
 *  for this process (node:v8's setFlagsFromString; it reaches worker threads too) and the compile
 *  retried once. Elsewhere (browsers, Bun, Deno, newer Node) the error stands. */
async function compileRelaxed(source: CoreSource): Promise<WebAssembly.Module> {
  try {
    return await compile(source);
  } catch (e) {
    const node = typeof process !== "undefined" && typeof process.versions?.node === "string" && typeof (globalThis as { Deno?: unknown; Bun?: unknown }).Deno === "undefined" && typeof (globalThis as { Bun?: unknown }).Bun === "undefined";
    if (!(e instanceof WebAssembly.CompileError) || !node) throw e;
    const v8 = nodeBuiltin<typeof import("node:v8")>("node:v8");
    if (v8 === null) throw e;
    v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
    return compile(source);
  }
}

/** The allocator core.scoped() hands its function: tensors freed when the scope ends. */
export type ScopedAlloc = <D extends DType>(dtype: D, length: number) => Tensor<D>;

/** One instance of the core: its exports, its build, and tensor allocation. */
export class Core {
  private constructor(readonly exports: CoreExports, readonly build: Build, readonly module: WebAssembly.Module) {}

  /** Instantiates the core. Each call gives a new, independent instance (own memory).
   *  `Core.load()` reads (Node, Bun, Deno) or fetches (browsers) coreUrl("simd");
   *  `Core.load(url)` is `Core.load({ source: url })`, for a wasm URL (or path, bytes, module) of
   *  one's own, e.g. where a bundler put the file. */
  static async load(optionsOrSource: LoadOptions | CoreSource = {}): Promise<Core> {
    const options: LoadOptions = isSource(optionsOrSource) ? { source: optionsOrSource } : (optionsOrSource as LoadOptions);
    const build = options.build ?? "simd";
    const module = await (build === "relaxed" ? compileRelaxed : compile)(options.source ?? coreUrl(build));
    let memory: WebAssembly.Memory | undefined;
    const imports = {
      env: {
        abort(msg: number, file: number, line: number, col: number): never {
          const m = memory ? readAsString(memory, msg) : "abort";
          const f = memory ? readAsString(memory, file) : "?";
          throw new CoreAbortError(`${m} (${f}:${line}:${col})`);
        },
      },
    };
    const instance = await WebAssembly.instantiate(module, imports);
    const exports = instance.exports as unknown as CoreExports;
    memory = exports.memory;
    for (const name of CORE_EXPORT_NAMES) {
      if (!(name in exports)) throw new Error(`core module lacks export "${name}"`);
    }
    if (exports.abi_version() !== ABI_VERSION) {
      throw new Error(`core ABI ${exports.abi_version()} != bindings ABI ${ABI_VERSION}`);
    }
    const actual = FLAVOR[exports.build_flavor()];
    if (options.source === undefined && actual !== build) throw new Error(`core at ${coreUrl(build).href} is a ${actual} build, not ${build}`);
    return new Core(exports, actual ?? build, module);
  }

  /** False for the relaxed-SIMD build, whose results depend on the CPU and engine. */
  get portable(): boolean {
    return this.build !== "relaxed";
  }

  /** Allocates `length` elements of `dtype` (16-byte aligned; contents undefined). May grow
   *  memory: views obtained before are re-created on their next `.view`. The one place sizes
   *  are checked: an unknown dtype, a length that is not a safe integer, a byte count above
   *  MAX_ALLOC_BYTES or more than the memory has left throw (RangeError / CoreMemoryError)
   *  and leave the core as it was. */
  alloc<D extends DType>(dtype: D, length: number): Tensor<D> {
    const size = Object.hasOwn(DTYPE_BYTES, dtype) ? DTYPE_BYTES[dtype] : undefined;
    if (size === undefined) throw new RangeError(`alloc: unknown dtype ${JSON.stringify(dtype)} (one of ${Object.keys(DTYPE_BYTES).join(", ")})`);
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`alloc: bad length ${length}`);
    const bytes = length * size;
    if (bytes > MAX_ALLOC_BYTES) throw new CoreMemoryError(`alloc: ${length} ${dtype} (${fmtBytes(bytes)}) exceed the core's largest buffer (${fmtBytes(MAX_ALLOC_BYTES)})`);
    if (bytes === 0) return new Tensor(this, 0, length, dtype);
    let ptr: number;
    try {
      ptr = this.exports.alloc(bytes) >>> 0;
    } catch (e) {
      // TLSF traps (unreachable) when memory.grow fails, before it changes any state
      if (e instanceof WebAssembly.RuntimeError || e instanceof CoreAbortError) {
        throw new CoreMemoryError(`alloc: the core's memory (${fmtBytes(this.exports.memory.buffer.byteLength)} in use, ${fmtBytes(MEMORY_LIMIT_BYTES)} at most) cannot hold ${fmtBytes(bytes)} more`);
      }
      throw e;
    }
    if (ptr === 0) throw new CoreMemoryError(`alloc: the core returned no block for ${fmtBytes(bytes)}`);
    return new Tensor(this, ptr, length, dtype);
  }

  /** A byte count the core computed (a *_bytes export), read unsigned and checked against
   *  `atLeast`, a lower bound the caller computes exactly in doubles: a count below it has
   *  wrapped the core's 32-bit arithmetic, one above MAX_ALLOC_BYTES cannot be allocated. */
  bytes(what: string, value: number, atLeast: number): number {
    const v = value >>> 0;
    if (atLeast > MAX_ALLOC_BYTES || v < atLeast || v > MAX_ALLOC_BYTES) {
      throw new CoreMemoryError(`${what}: needs ${fmtBytes(Math.max(v, atLeast))} or more, above the core's largest buffer (${fmtBytes(MAX_ALLOC_BYTES)})`);
    }
    return v;
  }

  /** Allocates a tensor holding a copy of `src`. */
  from<D extends DType>(dtype: D, src: ArrayLike<number>): Tensor<D> {
    return this.alloc(dtype, src.length).set(src);
  }

  /** Runs `fn` with tensors that are freed afterwards, whatever happens. */
  scoped<T>(fn: (alloc: ScopedAlloc) => T): T {
    const owned: Tensor[] = [];
    try {
      return fn((dtype, length) => {
        const t = this.alloc(dtype, length);
        owned.push(t);
        return t;
      });
    } finally {
      for (const t of owned) t.free();
    }
  }
}
