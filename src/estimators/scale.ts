// Monte Carlo at scale (docs/DESIGN.md section 7.2): the selection protocol with M up to 10^6 runs, and bootstrap
// intervals that cost O(cells) per resample instead of O(M).
//
// Draws. scaleRuns draws the protocol's samples in the core in chunks (scale_runs: the same S_i,
// r*(S_i) and ties as select_samples, stream (seed, sample, i)) and keeps per run only what the
// estimators need: r*, the tie count, the count of r* (cmin), the count of the W draw's uniform
// expert v_i (cv), the sum of the R counts (csum), and the W uniforms (u_i, v_i) of select_draws.
// Run i does not depend on M, so the runs of M = 300 are the first 300 of M = 10^6.
//
// Why the bootstrap can run on histograms. I_hat(S;W) (eq. 15-18) depends on the runs only
// through the histogram c of r*(S_i): p_hat_r = (1 - alpha)/R + alpha c_r/M and
// H_hat(W|S) = sum_k (c_k/M) H(q_alpha(.|r* = k)); so do the three bias terms ((R-1)/2M, (K-1)/2M
// with K = #{c_k > 0}, and the delta-method term, a function of c/M). A bootstrap resample of the
// M runs has r* histogram Multinomial(M, c/M) (each resampled run is one of the M runs, uniformly
// and independently), so drawing that multinomial (the core's hist_bootstrap) gives exactly the
// bootstrap distribution of I_hat and of its corrections, at R binomials per resample. The gaps
// (eq. 30-33) need per-run values, but only through the pair (W_i, count of W_i on S_i): R_test(W),
// R_hat_S(W) and |R_test(W) - R_hat_S(W)| are functions of that pair. So their bootstrap is the
// multinomial over the at most R (m + 1) cells of that pair, again exact. Each statistic's
// interval is exact in distribution; the replicates of different statistics come from different
// multinomials (their joint law is not the runs bootstrap's, which no interval here needs).
import type { Core } from "../../bindings/index.js";
import { detMath, mapF64 } from "../math.js";
import { Purpose, seedWords } from "../prng.js";
import { biasCorrections, type BiasCorrections } from "./bias.js";
import { percentileInterval } from "./bootstrap.js";
import { drawUniforms, transposedLosses, type LossMatrix, type SampleScheme } from "./draws.js";
import { condEntropyFromCounts, entropy, mutualInfo, posteriorEntropies, rstarCounts } from "./entropy.js";
import type { Estimate } from "./sweep.js";

/** The per-run summaries of M Monte Carlo runs (see the header); all arrays have length M. */
export interface ScaleRuns {
  scheme: SampleScheme;
  M: number;
  m: number;
  R: number;
  N: number;
  /** r*(S_i) (eq. 10, smallest index on ties). */
  rstar: Int32Array;
  /** How many experts tie at the least count (1 = no tie). */
  nmin: Int32Array;
  /** m R_hat_{S_i}(W_{r*}): the least count. */
  cmin: Int32Array;
  /** m R_hat_{S_i}(W_{v_i}): the count of the W draw's uniform expert. */
  cv: Int32Array;
  /** sum_r m R_hat_{S_i}(W_r). */
  csum: Int32Array;
  /** The W draw's uniforms (select_draws): W_i = u_i < alpha ? r*_i : v_i. */
  u: Float64Array;
  v: Int32Array;
}

export interface ScaleOptions {
  M: number;
  m: number;
  seed: number;
  /** Runs per core call (memory: 5 x 4 bytes per run inside the core). */
  chunk?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Draws M runs of one scheme (see the header) from the training losses. */
export function scaleRuns(core: Core, train: LossMatrix, scheme: SampleScheme, opts: ScaleOptions): ScaleRuns {
  const { M, m, seed } = opts;
  const { R, N } = train;
  if (!Number.isInteger(M) || M < 1 || M > 0x7fffffff) throw new RangeError(`M must be a positive integer, got ${M}`);
  if (!Number.isInteger(m) || m < 1 || m > 65535) throw new RangeError(`m must be an integer in [1, 65535], got ${m}`);
  if (scheme === "distinct" && m > N) throw new RangeError(`m = ${m} exceeds the pool (${N} items) for samples without replacement`);
  const chunk = Math.min(M, opts.chunk ?? 65536);
  const [lo, hi] = seedWords(seed);
  const { u, v } = drawUniforms(core, seed, M, R);
  const out = { rstar: new Int32Array(M), nmin: new Int32Array(M), cmin: new Int32Array(M), cv: new Int32Array(M), csum: new Int32Array(M) };
  const e = core.exports;
  core.scoped((alloc) => {
    const lt = transposedLosses(core, alloc, train);
    const work = alloc("u8", core.bytes("scale_work_bytes", e.scale_work_bytes(R, N, m), 24 * m + 4 * N + 8 * R));
    const vb = alloc("i32", chunk);
    const bufs = [alloc("i32", chunk), alloc("i32", chunk), alloc("i32", chunk), alloc("i32", chunk), alloc("i32", chunk)] as const;
    for (let first = 0; first < M; first += chunk) {
      opts.signal?.throwIfAborted();
      const k = Math.min(chunk, M - first);
      vb.view.set(v.subarray(first, first + k));
      e.scale_runs(lt.ptr, R, N, k, m, scheme === "iid" ? 1 : 0, lo, hi, first, vb.ptr, bufs[0].ptr, bufs[1].ptr, bufs[2].ptr, bufs[3].ptr, bufs[4].ptr, work.ptr);
      out.rstar.set(bufs[0].view.subarray(0, k), first);
      out.nmin.set(bufs[1].view.subarray(0, k), first);
      out.cmin.set(bufs[2].view.subarray(0, k), first);
      out.cv.set(bufs[3].view.subarray(0, k), first);
      out.csum.set(bufs[4].view.subarray(0, k), first);
      opts.onProgress?.(first + k, M);
    }
  });
  return { scheme, M, m, R, N, ...out, u, v };
}

/** B bootstrap histograms of `counts` (K cells), flat [B * K]: resample b is Multinomial(M,
 *  counts / M), M = sum of counts, drawn in the core on the stream (seed, histBootstrap,
 *  first + b) (assembly/select/multinomial.ts). Resample b does not depend on B. */
export function histBootstrap(core: Core, counts: ArrayLike<number>, B: number, seed: number, first = 0): Int32Array {
  if (!Number.isInteger(B) || B < 0) throw new RangeError(`bootstrap resamples must be an integer >= 0, got ${B}`);
  const K = counts.length;
  if (B === 0 || K === 0) return new Int32Array(B * K);
  const [lo, hi] = seedWords(seed);
  return core.scoped((alloc) => {
    const c = alloc("i32", K).set(counts);
    const out = alloc("i32", B * K);
    const st = alloc("u8", 48);
    core.exports.hist_bootstrap(c.ptr, K, B, lo, hi, Purpose.histBootstrap, first, out.ptr, st.ptr);
    return out.toArray();
  });
}

/** I_hat (eq. 18) for each histogram of `hists` (flat [B * R]) at one alpha, logs in bulk through
 *  the core (the same bits as one by one): the replicates of a histogram bootstrap. */
export function iFromHistograms(core: Core, alpha: number, R: number, hists: Int32Array, M: number): Float64Array {
  const math = detMath(core);
  const B = hists.length / R;
  const out = new Float64Array(B);
  if (B === 0) return out;
  const h = posteriorEntropies(math, alpha, R);
  const base = (1 - alpha) / R;
  const P = new Float64Array(B * R);
  for (let k = 0; k < B * R; k++) P[k] = base + (alpha * hists[k]!) / M;
  const logs = mapF64(core, "log", P);
  for (let b = 0; b < B; b++) {
    const o = b * R;
    out[b] = entropy(math, P.subarray(o, o + R), logs.subarray(o, o + R)) - condEntropyFromCounts(h, hists, M, o);
  }
  return out;
}

/** I_hat at one alpha from the first M runs: the estimate (eq. 15-18), its percentile interval
 *  from B multinomial resamples of the r* histogram, the three bias terms and I plus each. */
export interface InfoEstimate {
  alpha: number;
  M: number;
  hW: number;
  hWgS: number;
  I: Estimate;
  corrections: BiasCorrections;
  iCorrected: { paper: number; millerMadow: number; delta: number };
  /** The percentile interval of I + the delta-method term (its replicates carry their own term). */
  iDeltaCI: Estimate["ci"];
}

export function infoEstimate(core: Core, alpha: number, R: number, counts: ArrayLike<number>, M: number, boot: Int32Array, level: number): InfoEstimate {
  const math = detMath(core);
  const { hW, hWgS, I } = mutualInfo(math, alpha, R, counts, M);
  const corrections = biasCorrections(alpha, R, counts, M);
  const reps = iFromHistograms(core, alpha, R, boot, M);
  const repsDelta = new Float64Array(reps.length);
  for (let b = 0; b < reps.length; b++) repsDelta[b] = reps[b]! + biasCorrections(alpha, R, boot.subarray(b * R, b * R + R), M).delta;
  return {
    alpha, M, hW, hWgS,
    I: { value: I, ci: percentileInterval(reps, level) },
    corrections,
    iCorrected: { paper: I + corrections.paper, millerMadow: I + corrections.millerMadow, delta: I + corrections.delta },
    iDeltaCI: percentileInterval(repsDelta, level),
  };
}

/** One row of the settling table: I_hat and everything about it at the first M runs. */
export interface SettleRow {
  M: number;
  /** Runs whose r* was a tie, and their share. */
  ties: number;
  tieShare: number;
  /** Distinct r* observed. */
  K: number;
  alphas: InfoEstimate[];
}

/** How I_hat, its interval and the corrections settle as M grows: the first M runs of `runs`
 *  for each M in Ms (each <= runs.M), B histogram resamples each (resample b of prefix M is the
 *  stream (seed, histBootstrap, b)). */
export function settle(core: Core, runs: ScaleRuns, Ms: readonly number[], alphas: readonly number[], B: number, seed: number, level: number): SettleRow[] {
  const { R } = runs;
  return Ms.map((M) => {
    if (!Number.isInteger(M) || M < 1 || M > runs.M) throw new RangeError(`M = ${M} is not in [1, ${runs.M}]`);
    const counts = rstarCounts(runs.rstar.subarray(0, M), R);
    const boot = histBootstrap(core, counts, B, seed);
    let ties = 0;
    for (let i = 0; i < M; i++) if (runs.nmin[i]! > 1) ties++;
    let K = 0;
    for (let r = 0; r < R; r++) if (counts[r]! > 0) K++;
    return { M, ties, tieShare: ties / M, K, alphas: alphas.map((a) => infoEstimate(core, a, R, counts, M, boot, level)) };
  });
}

/** The gap statistics of eq. 30-33 over the first M runs at one alpha, with intervals from B
 *  multinomial resamples of the (W, count of W) cells (see the header):
 *  rTrain = mean R_hat_{S_i}(W_i), rRef = mean R_ref(W_i), g = rRef - rTrain, gAbs = mean |R_ref(W_i) - R_hat_{S_i}(W_i)|,
 *  and, when `upper` is given (a per-expert upper bound on the risk, e.g. the test-set bound),
 *  truth = mean (upper(W_i) - R_hat_{S_i}(W_i)). Sums run over the cells in cell order. */
export interface GapsAtScale {
  rTrain: Estimate;
  rRef: Estimate;
  g: Estimate;
  gAbs: Estimate;
  truth: Estimate | null;
  /** Non-empty (W, count) cells. */
  cells: number;
}

export function gapsAtScale(
  core: Core, runs: ScaleRuns, alpha: number, refErrors: ArrayLike<number>, nRef: number,
  opts: { M?: number; B: number; seed: number; level: number; upper?: ArrayLike<number> },
): GapsAtScale {
  const M = opts.M ?? runs.M;
  const { R, m } = runs;
  const C = m + 1;
  const hist = new Int32Array(R * C);
  for (let i = 0; i < M; i++) {
    const take = runs.u[i]! < alpha;
    const w = take ? runs.rstar[i]! : runs.v[i]!;
    const c = take ? runs.cmin[i]! : runs.cv[i]!;
    hist[w * C + c]!++;
  }
  const cellW: number[] = [], cellC: number[] = [], counts: number[] = [];
  for (let k = 0; k < hist.length; k++) {
    if (hist[k]! > 0) {
      cellW.push(Math.floor(k / C));
      cellC.push(k % C);
      counts.push(hist[k]!);
    }
  }
  const K = counts.length;
  const ref = cellW.map((w) => refErrors[w]! / nRef);
  const train = cellC.map((c) => c / m);
  const up = opts.upper;
  const stats = (n: ArrayLike<number>, o: number) => {
    let st = 0, sr = 0, sa = 0, su = 0;
    for (let k = 0; k < K; k++) {
      const x = n[o + k]!;
      if (x === 0) continue;
      st += x * train[k]!;
      sr += x * ref[k]!;
      sa += x * Math.abs(ref[k]! - train[k]!);
      if (up) su += x * (up[cellW[k]!]! - train[k]!);
    }
    const rTrain = st / M, rRef = sr / M;
    return { rTrain, rRef, g: rRef - rTrain, gAbs: sa / M, truth: su / M };
  };
  const point = stats(counts, 0);
  const boot = histBootstrap(core, counts, opts.B, opts.seed);
  const B = opts.B;
  const reps = { rTrain: new Float64Array(B), rRef: new Float64Array(B), g: new Float64Array(B), gAbs: new Float64Array(B), truth: new Float64Array(B) };
  for (let b = 0; b < B; b++) {
    const s = stats(boot, b * K);
    reps.rTrain[b] = s.rTrain;
    reps.rRef[b] = s.rRef;
    reps.g[b] = s.g;
    reps.gAbs[b] = s.gAbs;
    reps.truth[b] = s.truth;
  }
  const est = (value: number, r: Float64Array): Estimate => ({ value, ci: percentileInterval(r, opts.level) });
  return {
    rTrain: est(point.rTrain, reps.rTrain),
    rRef: est(point.rRef, reps.rRef),
    g: est(point.g, reps.g),
    gAbs: est(point.gAbs, reps.gAbs),
    truth: up ? est(point.truth, reps.truth) : null,
    cells: K,
  };
}
