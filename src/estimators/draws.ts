// The selection protocol's random draws, made in the core (assembly/select/select.ts): the M
// Monte Carlo samples S_i with each expert's error count, r*(S_i) and its ties, and the uniforms
// that draw W ~ q_alpha. Everything the estimators need comes back as flat typed arrays.
import type { Core, ScopedAlloc, Tensor } from "../../bindings/index.js";
import { seedWords } from "../prng.js";
import type { LossMatrix } from "../formats/losses.js";
/** The estimators read the bank's loss matrix (src/formats/losses.ts). */
export { lossMatrix, errorCounts, type LossMatrix } from "../formats/losses.js";

/** Where each run's sample comes from: the paper's protocol (m distinct items of the training
 *  pool) or reading (c) (m items drawn i.i.d. with replacement from the pool). */
export type SampleScheme = "distinct" | "iid";

/** The M runs of one scheme: counts[i R + r] = expert r's error count on S_i (m R_hat, eq. 9),
 *  rstar[i] = r*(S_i) (eq. 10, smallest index on ties), nmin[i] = how many experts tie at the
 *  least count (1 = no tie). */
export interface SampleRuns {
  scheme: SampleScheme;
  M: number;
  m: number;
  R: number;
  N: number;
  counts: Int32Array;
  rstar: Int32Array;
  nmin: Int32Array;
}

export interface DrawOptions {
  M: number;
  m: number;
  seed: number | bigint;
}

/** The largest sample size m the draws take (counts per item fit a u16). */
export const SAMPLE_SIZE_MAX = 65535;

function checkRuns(M: number, m: number, N: number, scheme: SampleScheme): void {
  if (!Number.isInteger(M) || M < 1 || M > 0x7fffffff) throw new RangeError(`M must be a positive integer, got ${M}`);
  if (!Number.isInteger(m) || m < 1 || m > SAMPLE_SIZE_MAX) throw new RangeError(`m must be an integer in [1, 65535], got ${m}`);
  if (scheme === "distinct" && m > N) throw new RangeError(`m = ${m} exceeds the pool (${N} items) for samples without replacement`);
}

/** The training losses [R, N] copied into the core as the kernels read them: transposed to
 *  [N, select_row_stride(R)] (assembly/select/select.ts select_transpose), in `alloc`'s scope. */
export function transposedLosses(core: Core, alloc: ScopedAlloc, train: LossMatrix): Tensor<"u8"> {
  const { R, N } = train;
  const e = core.exports;
  const l = alloc("u8", R * N).set(train.data);
  const lt = alloc("u8", N * e.select_row_stride(R));
  e.select_transpose(l.ptr, R, N, lt.ptr);
  return lt;
}

/** Draws the runs of each scheme in `schemes` from the training losses (run i of either scheme
 *  uses the stream (seed, sample, i): common random numbers between the schemes). */
export function drawSamples(core: Core, train: LossMatrix, opts: DrawOptions, schemes: readonly SampleScheme[]): SampleRuns[] {
  const { M, m, seed } = opts;
  const { R, N } = train;
  for (const s of schemes) checkRuns(M, m, N, s);
  const [lo, hi] = seedWords(seed);
  const e = core.exports;
  return core.scoped((alloc) => {
    const lt = transposedLosses(core, alloc, train);
    const work = alloc("u8", core.bytes("select_work_bytes", e.select_work_bytes(R, N, m), 4 * N + 8 * m + 2 * R));
    const counts = alloc("i32", M * R), rstar = alloc("i32", M), nmin = alloc("i32", M);
    return schemes.map((scheme) => {
      e.select_samples(lt.ptr, R, N, M, m, scheme === "iid" ? 1 : 0, lo, hi, 0, counts.ptr, rstar.ptr, nmin.ptr, work.ptr);
      return { scheme, M, m, R, N, counts: counts.toArray(), rstar: rstar.toArray(), nmin: nmin.toArray() };
    });
  });
}

/** The uniforms of the W draws (eq. 12), run i from the stream (seed, alphaDraw, i): u[i] in
 *  [0, 1) and v[i] uniform in 0..R-1; W_i = u_i < alpha ? r*(S_i) : v_i (see drawW). */
export interface WUniforms {
  u: Float64Array;
  v: Int32Array;
}

export function drawUniforms(core: Core, seed: number | bigint, M: number, R: number): WUniforms {
  const [lo, hi] = seedWords(seed);
  return core.scoped((alloc) => {
    const u = alloc("f64", M), v = alloc("i32", M), st = alloc("u8", 48);
    core.exports.select_draws(lo, hi, 0, M, R, u.ptr, v.ptr, st.ptr);
    return { u: u.toArray(), v: v.toArray() };
  });
}
