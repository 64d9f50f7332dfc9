// The core's ABI as one table: every export of assembly/index.ts with the file it comes from, its
// parameters and its result, in the notation of docs/ABI.md (`a, b: i32, p: ptr` lists names, each
// group followed by its type; results i32, f32, f64, ptr or nil). From it come the bindings'
// `CoreExports` type (one number per parameter, void for nil) and the export check of
// `Core.load` (CORE_EXPORT_NAMES); test/abi-doc.test.ts checks docs/ABI.md's signatures,
// assembly/index.ts's export lines and the built modules' exports and arities against it, and that
// every export has a caller or a test. Adding an export: one line here, one in assembly/index.ts,
// one in docs/ABI.md.

/** [file under assembly/ (no .ts), parameters, result] */
export type AbiEntry = readonly [file: string, params: string, result: "i32" | "f32" | "f64" | "ptr" | "nil"];

export const ABI = {
  // assembly/mem.ts
  alloc: ["mem", "bytes: i32", "ptr"],
  free: ["mem", "ptr: ptr", "nil"],
  memory_bytes: ["mem", "", "i32"],
  // assembly/build.ts
  build_flavor: ["build", "", "i32"],
  abi_version: ["build", "", "i32"],
  // assembly/prng/philox.ts
  philox4x32_10: ["prng/philox", "c0, c1, c2, c3, k0, k1: i32, out: ptr", "nil"],
  rng_init: ["prng/philox", "st: ptr, seedLo, seedHi, purpose, index: i32", "nil"],
  rng_next_u32: ["prng/philox", "st: ptr", "i32"],
  rng_fill_u32: ["prng/philox", "st: ptr, out: ptr, n: i32", "nil"],
  rng_uniform_f64: ["prng/philox", "st: ptr", "f64"],
  rng_fill_uniform_f64: ["prng/philox", "st: ptr, out: ptr, n: i32", "nil"],
  rng_uniform_f32: ["prng/philox", "st: ptr", "f32"],
  rng_fill_uniform_f32: ["prng/philox", "st: ptr, out: ptr, n: i32", "nil"],
  rng_below: ["prng/philox", "st: ptr, n: i32", "i32"],
  rng_permutation: ["prng/philox", "st: ptr, out: ptr, n: i32", "nil"],
  rng_sample: ["prng/philox", "st: ptr, out: ptr, k: i32, n: i32, scratch: ptr", "nil"],
  rng_bootstrap: ["prng/philox", "st: ptr, out: ptr, k: i32, n: i32", "nil"],
  // assembly/math/index.ts
  exp: ["math/index", "x: f64", "f64"],
  log: ["math/index", "x: f64", "f64"],
  log1p: ["math/index", "x: f64", "f64"],
  expm1: ["math/index", "x: f64", "f64"],
  pow: ["math/index", "x: f64, y: f64", "f64"],
  log2: ["math/index", "x: f64", "f64"],
  expf: ["math/index", "x: f32", "f32"],
  logf: ["math/index", "x: f32", "f32"],
  log1pf: ["math/index", "x: f32", "f32"],
  expm1f: ["math/index", "x: f32", "f32"],
  map_f64: ["math/index", "fn: i32, src: ptr, dst: ptr, n: i32", "nil"],
  map_f32: ["math/index", "fn: i32, src: ptr, dst: ptr, n: i32", "nil"],
  // assembly/select/select.ts
  select_row_stride: ["select/select", "R: i32", "i32"],
  select_transpose: ["select/select", "l: ptr, R, N: i32, lt: ptr", "nil"],
  select_row_sums: ["select/select", "l: ptr, R, N: i32, out: ptr", "nil"],
  select_work_bytes: ["select/select", "R, N, m: i32", "i32"],
  select_samples: ["select/select", "lt: ptr, R, N, M, m, replace, seedLo, seedHi, first: i32, counts, rstar, nmin, work: ptr", "nil"],
  select_draws: ["select/select", "seedLo, seedHi, first, M, R: i32, u: ptr, v: ptr, st: ptr", "nil"],
  // assembly/select/scale.ts
  scale_work_bytes: ["select/scale", "R, N, m: i32", "i32"],
  scale_runs: ["select/scale", "lt: ptr, R, N, M, m, replace, seedLo, seedHi, first: i32, v, rstar, nmin, cmin, cv, csum, work: ptr", "nil"],
  ismi_runs: ["select/scale", "lt: ptr, R, N, m: i32, pat: ptr, K: i32, eoff, eidx: ptr, M, seedLo, seedHi, first: i32, D, delta, work: ptr", "nil"],
  cmi_runs: ["select/scale", "lt: ptr, R, N, m, nZ, nU, seedLo, seedHi, firstZ: i32, hist, work: ptr", "nil"],
  // assembly/select/multinomial.ts
  hist_bootstrap: ["select/multinomial", "counts: ptr, K, B, seedLo, seedHi, purpose, first: i32, out: ptr, st: ptr", "nil"],
  binomial_draws: ["select/multinomial", "n: i32, p: f64, count, seedLo, seedHi, purpose, index: i32, out: ptr, st: ptr", "nil"],
  // assembly/nn/gemm.ts
  gemm: ["nn/gemm", "M, N, K: i32, a: ptr, rsA, csA: i32, b: ptr, rsB, csB: i32, c: ptr, ldc: i32, accumulate: i32", "nil"],
  gemm_ref: ["nn/gemm", "M, N, K: i32, a: ptr, rsA, csA: i32, b: ptr, rsB, csB: i32, c: ptr, ldc: i32, accumulate: i32", "nil"],
  // assembly/nn/conv2d.ts
  im2col: ["nn/conv2d", "x: ptr, B, H, W, C, KH, KW, pad: i32, col: ptr", "nil"],
  col2im: ["nn/conv2d", "dcol: ptr, B, H, W, C, KH, KW, pad: i32, dx: ptr", "nil"],
  conv_weight_pack: ["nn/conv2d", "w: ptr, C, Co, KH, KW: i32, wp: ptr", "nil"],
  conv2d_forward: ["nn/conv2d", "x: ptr, B, H, W, C: i32, w: ptr, bias: ptr, Co, KH, KW, pad: i32, col: ptr, wp: ptr, y: ptr", "nil"],
  conv2d_forward_indirect: ["nn/conv2d", "xpad: ptr, B, H, W, C: i32, w: ptr, bias: ptr, Co, KH, KW, pad: i32, wp: ptr, bpack: ptr, y: ptr", "nil"],
  conv_indirect_pack_bytes: ["nn/conv2d", "C, Co, KH, KW: i32", "i32"],
  conv2d_backward: ["nn/conv2d", "dy: ptr, B, H, W, C: i32, wp: ptr, Co, KH, KW, pad: i32, col, dw, db, dwT, dcol, dx: ptr", "nil"],
  conv2d_backward_indirect: ["nn/conv2d", "dy, xpad: ptr, B, H, W, C: i32, w: ptr, Co, KH, KW, pad: i32, dw, db, dwT, pack, dypad, wflip, wp2, bpack2, dx: ptr", "nil"],
  conv_wgrad_pack_bytes: ["nn/conv2d", "C, Co, KH, KW: i32", "i32"],
  bias_grad: ["nn/conv2d", "dy: ptr, rows, cols: i32, db: ptr", "nil"],
  conv_indirect_pack: ["nn/conv2d", "w: ptr, C, Co, KH, KW: i32, wp: ptr, bpack: ptr", "nil"],
  conv_indirect_packed: ["nn/conv2d", "xpad: ptr, B, H, W, C: i32, bpack: ptr, bias: ptr, Co, KH, KW, pad: i32, y: ptr, relu: i32", "nil"],
  pad_copy: ["nn/conv2d", "src: ptr, B, H, W, C, pad: i32, dst: ptr", "nil"],
  // assembly/nn/conv_direct.ts
  conv_relu_pool2_direct: ["nn/conv_direct", "xpad: ptr, B, H, W, C: i32, wp: ptr, bias: ptr, Co, KH, KW: i32, y: ptr, ypad: i32, arg: ptr", "nil"],
  conv_wgrad_direct: ["nn/conv_direct", "xpad: ptr, B, H, W, C, KH, KW: i32, dy: ptr, Co: i32, dwT: ptr, dw: ptr", "nil"],
  // assembly/nn/maxpool.ts
  maxpool2_forward: ["nn/maxpool", "x: ptr, B, H, W, C: i32, y: ptr, arg: ptr", "nil"],
  maxpool2_backward: ["nn/maxpool", "dy: ptr, arg: ptr, B, H, W, C: i32, dx: ptr", "nil"],
  maxpool2_forward_padded: ["nn/maxpool", "x: ptr, B, H, W, C: i32, y: ptr, pad: i32, arg: ptr", "nil"],
  flatten_forward: ["nn/maxpool", "x: ptr, B, H, W, C: i32, y: ptr", "nil"],
  flatten_backward: ["nn/maxpool", "dy: ptr, B, H, W, C: i32, dx: ptr", "nil"],
  maxpool2_flatten: ["nn/maxpool", "x: ptr, B, H, W, C: i32, f: ptr, arg: ptr", "nil"],
  maxpool2_relu_backward: ["nn/maxpool", "dy: ptr, y: ptr, ypad, flat: i32, arg: ptr, B, H, W, C: i32, dx: ptr", "nil"],
  // assembly/nn/relu.ts
  relu_forward: ["nn/relu", "x: ptr, n: i32", "nil"],
  relu_backward: ["nn/relu", "y: ptr, dy: ptr, n: i32", "nil"],
  // assembly/nn/dense.ts
  dense_forward: ["nn/dense", "x: ptr, B, In: i32, w: ptr, bias: ptr, Out: i32, y: ptr", "nil"],
  dense_backward: ["nn/dense", "dy, x: ptr, B, In: i32, w: ptr, Out: i32, dw, db, dx: ptr", "nil"],
  // assembly/nn/softmax_xent.ts
  softmax_xent_forward_backward: ["nn/softmax_xent", "z: ptr, y: ptr, B, K: i32, dz: ptr", "f32"],
  argmax_rows: ["nn/softmax_xent", "z: ptr, B, K: i32, preds: ptr, y: ptr, losses: ptr", "nil"],
  // assembly/nn/adam.ts
  adam_step: ["nn/adam", "p, g, m, v: ptr, n, t: i32, lr, b1, b2, eps: f64", "nil"],
  // assembly/nn/cnn.ts
  cnn_layout: ["nn/cnn", "spec: ptr, out: ptr", "i32"],
  cnn_workspace_bytes: ["nn/cnn", "spec: ptr, B: i32", "i32"],
  cnn_init: ["nn/cnn", "spec: ptr, params: ptr, rng: ptr", "nil"],
  cnn_forward: ["nn/cnn", "spec, params, images, labels, idx: ptr, B: i32, ws, logits, preds, losses: ptr", "nil"],
  cnn_forward_experts: ["nn/cnn", "spec, params: ptr, R: i32, images, labels, idx: ptr, B: i32, ws, losses, preds: ptr, ld: i32", "nil"],
  cnn_loss_grad: ["nn/cnn", "spec, params, grads, images, labels, idx: ptr, B: i32, ws: ptr", "f32"],
  cnn_train_step: ["nn/cnn", "spec, params, grads, m, v: ptr, t: i32, lr, b1, b2, eps: f64, images, labels, idx: ptr, B: i32, ws: ptr", "f32"],
  cnn_forward_train: ["nn/cnn", "spec, params, images, labels, idx: ptr, B: i32, ws, logits: ptr", "nil"],
  cnn_backward_from_dz: ["nn/cnn", "spec, params, grads: ptr, B: i32, ws, dz: ptr", "nil"],
  // assembly/nn/peak.ts
  peak_f32x4: ["nn/peak", "iters: i32", "f32"],
  peak_flops_per_iter: ["nn/peak", "", "i32"],
  // assembly/nn/gate_loss.ts
  gate_loss_forward_backward: ["nn/gate_loss", "z, L: ptr, B, R: i32, lambda: f64, dz, ws, out: ptr", "f64"],
  // assembly/routing/ba.ts
  ba_stride: ["routing/ba", "R: i32", "i32"],
  ba_setup: ["routing/ba", "pat, count: ptr, K, R, N: i32, lambda: f64, E, w, m: ptr", "f64"],
  ba_eval: ["routing/ba", "E, w: ptr, K, R: i32, pi, Z, c: ptr, wantF: i32", "f64"],
  ba_setup_f64: ["routing/ba", "dist, wts: ptr, K, R: i32, lambda: f64, E, w, m: ptr", "f64"],
  // assembly/routing/patterns.ts
  ba_table_len: ["routing/patterns", "N: i32", "i32"],
  ba_patterns: ["routing/patterns", "losses: ptr, R, N, stride: i32, pat, count, rowmap, table: ptr", "i32"],
  // assembly/routing/workspace.ts
  ba_workspace_bytes: ["routing/workspace", "K, R: i32", "i32"],
  // assembly/routing/solvers.ts
  ba_solve: ["routing/solvers", "E, w: ptr, K, R: i32, pi: ptr, method: i32, tol: f64, maxEval: i32, work, out: ptr", "i32"],
  // assembly/routing/gate_stats.ts
  ba_gate_stats: ["routing/gate_stats", "E, pat, w: ptr, K, R: i32, lambda: f64, pi, marg, work, out: ptr", "nil"],
  ba_gate: ["routing/gate_stats", "E: ptr, K, R: i32, pi, rowmap: ptr, N: i32, out: ptr", "nil"],
  ba_gate_stats_f64: ["routing/gate_stats", "E, dist, w: ptr, K, R: i32, lambda: f64, pi, marg, work, out: ptr", "nil"],
  routing_information: ["routing/gate_stats", "p: ptr, N, R: i32, marg: ptr", "f64"],
} as const satisfies Record<string, AbiEntry>;

export type AbiName = keyof typeof ABI;

/** "a, b: i32, p: ptr" -> ["a", "b: i32", "p: ptr"]: one element per parameter. */
type SplitParams<S extends string> = S extends "" ? [] : S extends `${infer H}, ${infer T}` ? [H, ...SplitParams<T>] : [S];
/** The JS signature of an entry: a number per parameter; nil returns nothing. */
type Numbers<T extends unknown[]> = { [K in keyof T]: number };
type AbiFunction<E extends AbiEntry> = (...args: Numbers<SplitParams<E[1]>>) => E[2] extends "nil" ? void : number;

/** The raw exports of the core (each one's contract: docs/ABI.md and its file's header). Pointers
 *  and sizes are numbers; u32 results arrive as signed i32 and must be read with `>>> 0`. */
export type CoreExports = { readonly memory: WebAssembly.Memory } & { [N in AbiName]: AbiFunction<(typeof ABI)[N]> };

/** Every export the bindings rely on: the memory and every function of the table. */
export const CORE_EXPORT_NAMES: readonly (keyof CoreExports)[] = ["memory", ...(Object.keys(ABI) as AbiName[])];
