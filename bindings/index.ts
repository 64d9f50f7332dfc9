// The only code that knows the core's linear memory. It instantiates the wasm module in Node,
// Bun, Deno (from a file) or a browser (from a URL, streaming compile), and exposes:
//  - `CoreExports`: the typed, raw export table (one entry per assembly/ export);
//  - `Tensor`: a (pointer, length, dtype) handle whose `view` is re-created whenever memory has
//    grown (a grown memory detaches every view of the old ArrayBuffer).
// Every other module works through these; none builds its own view of `memory.buffer`.
import { nodeBuiltin } from "./host.js";

/** Which binary: the SIMD128 reference, the scalar build (same bits), or relaxed SIMD
 *  (fused multiply-add: faster, but not bit-portable across CPUs and engines). */
export type Build = "simd" | "scalar" | "relaxed";
export const BUILDS: readonly Build[] = ["simd", "scalar", "relaxed"];
const FLAVOR: Record<number, Build> = { 0: "simd", 1: "scalar", 2: "relaxed" };

/** The raw exports of the core (see assembly/index.ts for each one's contract). Pointers and
 *  sizes are numbers; u32 results arrive as signed i32 and must be read with `>>> 0`. */
export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  free(ptr: number): void;
  memory_bytes(): number;
  build_flavor(): number;
  abi_version(): number;
  philox4x32_10(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: number): void;
  rng_init(st: number, seedLo: number, seedHi: number, purpose: number, index: number): void;
  rng_next_u32(st: number): number;
  rng_fill_u32(st: number, out: number, n: number): void;
  rng_uniform_f64(st: number): number;
  rng_fill_uniform_f64(st: number, out: number, n: number): void;
  rng_uniform_f32(st: number): number;
  rng_fill_uniform_f32(st: number, out: number, n: number): void;
  rng_below(st: number, n: number): number;
  rng_permutation(st: number, out: number, n: number): void;
  rng_sample(st: number, out: number, k: number, n: number, scratch: number): void;
  rng_bootstrap(st: number, out: number, k: number, n: number): void;
  exp(x: number): number;
  log(x: number): number;
  log1p(x: number): number;
  expm1(x: number): number;
  pow(x: number, y: number): number;
  log2(x: number): number;
  expf(x: number): number;
  logf(x: number): number;
  log1pf(x: number): number;
  expm1f(x: number): number;
  map_f64(fn: number, src: number, dst: number, n: number): void;
  map_f32(fn: number, src: number, dst: number, n: number): void;
  // selection protocol (assembly/select/select.ts): u8 loss matrices, i32/f64 per-sample outputs
  select_row_stride(R: number): number;
  select_transpose(l: number, R: number, N: number, lt: number): void;
  select_row_sums(l: number, R: number, N: number, out: number): void;
  select_work_bytes(R: number, N: number, m: number): number;
  select_samples(lt: number, R: number, N: number, M: number, m: number, replace: number, seedLo: number, seedHi: number, first: number, counts: number, rstar: number, nmin: number, work: number): void;
  select_draws(seedLo: number, seedHi: number, first: number, M: number, R: number, u: number, v: number, st: number): void;
  // Monte Carlo at scale and the tighter bounds' draws (assembly/select/scale.ts, multinomial.ts)
  scale_work_bytes(R: number, N: number, m: number): number;
  scale_runs(lt: number, R: number, N: number, M: number, m: number, replace: number, seedLo: number, seedHi: number, first: number, v: number, rstar: number, nmin: number, cmin: number, cv: number, csum: number, work: number): void;
  ismi_runs(lt: number, R: number, N: number, m: number, pat: number, K: number, eoff: number, eidx: number, M: number, seedLo: number, seedHi: number, first: number, D: number, delta: number, work: number): void;
  cmi_runs(lt: number, R: number, N: number, m: number, nZ: number, nU: number, seedLo: number, seedHi: number, firstZ: number, hist: number, work: number): void;
  hist_bootstrap(counts: number, K: number, B: number, seedLo: number, seedHi: number, purpose: number, first: number, out: number, st: number): void;
  binomial_draws(n: number, p: number, count: number, seedLo: number, seedHi: number, purpose: number, index: number, out: number, st: number): void;
  // nn kernels (assembly/nn/*.ts): f32 buffers, shapes in each file's header
  gemm(M: number, N: number, K: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number, ldc: number, accumulate: number): void;
  gemm_ref(M: number, N: number, K: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number, ldc: number, accumulate: number): void;
  im2col(x: number, B: number, H: number, W: number, C: number, KH: number, KW: number, pad: number, col: number): void;
  col2im(dcol: number, B: number, H: number, W: number, C: number, KH: number, KW: number, pad: number, dx: number): void;
  conv2d_forward(x: number, B: number, H: number, W: number, C: number, w: number, bias: number, Co: number, KH: number, KW: number, pad: number, col: number, wp: number, y: number): void;
  conv_weight_pack(w: number, C: number, Co: number, KH: number, KW: number, wp: number): void;
  conv2d_forward_indirect(xpad: number, B: number, H: number, W: number, C: number, w: number, bias: number, Co: number, KH: number, KW: number, pad: number, wp: number, bpack: number, y: number): void;
  conv_indirect_pack_bytes(C: number, Co: number, KH: number, KW: number): number;
  conv2d_backward_indirect(dy: number, xpad: number, B: number, H: number, W: number, C: number, w: number, Co: number, KH: number, KW: number, pad: number, dw: number, db: number, dwT: number, pack: number, dypad: number, wflip: number, wp2: number, bpack2: number, dx: number): void;
  conv_wgrad_pack_bytes(C: number, Co: number, KH: number, KW: number): number;
  maxpool2_forward_padded(x: number, B: number, H: number, W: number, C: number, y: number, pad: number, arg: number): void;
  conv_indirect_pack(w: number, C: number, Co: number, KH: number, KW: number, wp: number, bpack: number): void;
  conv_indirect_packed(xpad: number, B: number, H: number, W: number, C: number, bpack: number, bias: number, Co: number, KH: number, KW: number, pad: number, y: number, relu: number): void;
  pad_copy(src: number, B: number, H: number, W: number, C: number, pad: number, dst: number): void;
  conv_relu_pool2_direct(xpad: number, B: number, H: number, W: number, C: number, wp: number, bias: number, Co: number, KH: number, KW: number, y: number, ypad: number, arg: number): void;
  conv_wgrad_direct(xpad: number, B: number, H: number, W: number, C: number, KH: number, KW: number, dy: number, Co: number, dwT: number, dw: number): void;
  maxpool2_flatten(x: number, B: number, H: number, W: number, C: number, f: number, arg: number): void;
  maxpool2_relu_backward(dy: number, y: number, ypad: number, flat: number, arg: number, B: number, H: number, W: number, C: number, dx: number): void;
  conv2d_backward(dy: number, B: number, H: number, W: number, C: number, wp: number, Co: number, KH: number, KW: number, pad: number, col: number, dw: number, db: number, dwT: number, dcol: number, dx: number): void;
  bias_grad(dy: number, rows: number, cols: number, db: number): void;
  maxpool2_forward(x: number, B: number, H: number, W: number, C: number, y: number, arg: number): void;
  maxpool2_backward(dy: number, arg: number, B: number, H: number, W: number, C: number, dx: number): void;
  flatten_forward(x: number, B: number, H: number, W: number, C: number, y: number): void;
  flatten_backward(dy: number, B: number, H: number, W: number, C: number, dx: number): void;
  relu_forward(x: number, n: number): void;
  relu_backward(y: number, dy: number, n: number): void;
  dense_forward(x: number, B: number, In: number, w: number, bias: number, Out: number, y: number): void;
  dense_backward(dy: number, x: number, B: number, In: number, w: number, Out: number, dw: number, db: number, dx: number): void;
  softmax_xent_forward_backward(z: number, y: number, B: number, K: number, dz: number): number;
  argmax_rows(z: number, B: number, K: number, preds: number, y: number, losses: number): void;
  adam_step(p: number, g: number, m: number, v: number, n: number, t: number, lr: number, b1: number, b2: number, eps: number): void;
  peak_f32x4(iters: number): number;
  peak_flops_per_iter(): number;
  cnn_layout(spec: number, out: number): number;
  cnn_workspace_bytes(spec: number, B: number): number;
  cnn_init(spec: number, params: number, rng: number): void;
  cnn_forward(spec: number, params: number, images: number, labels: number, idx: number, B: number, ws: number, logits: number, preds: number, losses: number): void;
  cnn_forward_experts(spec: number, params: number, R: number, images: number, labels: number, idx: number, B: number, ws: number, losses: number, preds: number, ld: number): void;
  cnn_loss_grad(spec: number, params: number, grads: number, images: number, labels: number, idx: number, B: number, ws: number): number;
  cnn_train_step(spec: number, params: number, grads: number, m: number, v: number, t: number, lr: number, b1: number, b2: number, eps: number, images: number, labels: number, idx: number, B: number, ws: number): number;
  ba_stride(R: number): number;
  ba_table_len(N: number): number;
  ba_patterns(losses: number, R: number, N: number, stride: number, pat: number, count: number, rowmap: number, table: number): number;
  ba_setup(pat: number, count: number, K: number, R: number, N: number, lambda: number, E: number, w: number, m: number): number;
  ba_eval(E: number, w: number, K: number, R: number, pi: number, Z: number, c: number, wantF: number): number;
  ba_workspace_bytes(K: number, R: number): number;
  ba_solve(E: number, w: number, K: number, R: number, pi: number, method: number, tol: number, maxEval: number, work: number, out: number): number;
  ba_gate_stats(E: number, pat: number, w: number, K: number, R: number, lambda: number, pi: number, marg: number, work: number, out: number): void;
  ba_setup_f64(dist: number, wts: number, K: number, R: number, lambda: number, E: number, w: number, m: number): number;
  ba_gate_stats_f64(E: number, dist: number, w: number, K: number, R: number, lambda: number, pi: number, marg: number, work: number, out: number): void;
  ba_gate(E: number, K: number, R: number, pi: number, rowmap: number, N: number, out: number): void;
  routing_information(p: number, N: number, R: number, marg: number): number;
  cnn_forward_train(spec: number, params: number, images: number, labels: number, idx: number, B: number, ws: number, logits: number): void;
  cnn_backward_from_dz(spec: number, params: number, grads: number, B: number, ws: number, dz: number): void;
  gate_loss_forward_backward(z: number, L: number, B: number, R: number, lambda: number, dz: number, ws: number, out: number): number;
}

/** The export names the bindings rely on; a test checks them against the module itself. */
export const CORE_EXPORT_NAMES: readonly (keyof CoreExports)[] = [
  "memory", "alloc", "free", "memory_bytes", "build_flavor", "abi_version",
  "philox4x32_10", "rng_init", "rng_next_u32", "rng_fill_u32", "rng_uniform_f64",
  "rng_fill_uniform_f64", "rng_uniform_f32", "rng_fill_uniform_f32", "rng_below",
  "rng_permutation", "rng_sample", "rng_bootstrap",
  "exp", "log", "log1p", "expm1", "pow", "log2", "expf", "logf", "log1pf", "expm1f",
  "map_f64", "map_f32",
  "select_row_stride", "select_transpose", "select_row_sums", "select_work_bytes", "select_samples", "select_draws",
  "scale_work_bytes", "scale_runs", "ismi_runs", "cmi_runs", "hist_bootstrap", "binomial_draws",
  "gemm", "gemm_ref", "im2col", "col2im", "conv_weight_pack", "conv2d_forward", "conv2d_forward_indirect", "conv_indirect_pack_bytes", "conv2d_backward_indirect", "conv_wgrad_pack_bytes", "maxpool2_forward_padded", "conv2d_backward", "bias_grad",
  "conv_indirect_pack", "conv_indirect_packed", "pad_copy", "conv_relu_pool2_direct", "conv_wgrad_direct", "maxpool2_flatten", "maxpool2_relu_backward",
  "maxpool2_forward", "maxpool2_backward", "flatten_forward", "flatten_backward",
  "relu_forward", "relu_backward", "dense_forward", "dense_backward",
  "softmax_xent_forward_backward", "argmax_rows", "adam_step",
  "peak_f32x4", "peak_flops_per_iter", "cnn_layout", "cnn_workspace_bytes", "cnn_init", "cnn_forward", "cnn_forward_experts", "cnn_loss_grad", "cnn_train_step",
  "ba_stride", "ba_table_len", "ba_patterns", "ba_setup", "ba_eval", "ba_workspace_bytes", "ba_solve", "ba_gate_stats", "ba_gate", "ba_setup_f64", "ba_gate_stats_f64", "routing_information",
  "gate_loss_forward_backward", "cnn_forward_train", "cnn_backward_from_dz",
];

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
