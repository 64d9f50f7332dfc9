// The individual-sample MI bound of Bu, Zou and Veeravalli (2020, "Tightening mutual
// information-based bounds on generalization error", IEEE JSAIT 1(1), Thm 2):
//   |E gen| <= (1/m) sum_i sqrt(2 sigma^2 I(W; Z_i))
// for S = (Z_1, ..., Z_m) i.i.d. and a loss that is sigma-sub-Gaussian under the data law for
// every w. Here S is reading (c) (m items i.i.d. from the pool, the gap against the pool risk),
// r*(S) does not depend on the order of S, so every I(W; Z_i) is the same and the bound is
// sqrt(2 sigma^2 I(W; Z_1)); sigma = 1 (the paper's eq. 21 constant) and sigma = 1/2 (a [0, 1]
// loss, Hoeffding) are both reported. By the chain rule and Jensen, with independent Z_i,
//   (1/m) sum_i sqrt(2 sigma^2 I(W; Z_i)) <= sqrt(2 sigma^2 (1/m) sum_i I(W; Z_i)) <= sqrt(2 sigma^2 I(S; W) / m),
// so it is never above Xu-Raginsky with the same sigma (test/bounds.test.ts checks it exactly).
//
// Estimator. W depends on Z_1 only through Z_1's loss pattern P (its R-bit column of L): r*(S)
// is a function of the count vector, to which Z_1 adds P. So I(W; Z_1) = I(W; P) with P taking
// the K distinct patterns j of the pool with weights pi_j = (items with pattern j) / N, and
//   I(W; P) = H(q_bar) - sum_j pi_j H(q_j),   q_j = (1 - alpha)/R + alpha f_j,   q_bar = sum_j pi_j q_j,
// where f_j(r) = P(r*(c' + p_j) = r) over the counts c' of the other m - 1 items. f_j is
// estimated from `runs` draws of c' shared by all patterns (the core's ismi_runs: common random
// numbers across patterns and across alphas): f_j(r) = T[j, r] / runs. H(q_bar) - sum_j pi_j H(q_j)
// is formed as H(q_bar) - h_D - sum_j pi_j (H(q_j) - h_D), h_D the entropy of the patterns with no
// correction (so it is exactly 0 at alpha = 0). The interval: the runs are split into G blocks
// of equal size (block g = runs g*runs/G .. ), the estimate is recomputed with each block left out
// (delete-a-group jackknife), se^2 = ((G-1)/G) sum_g (I_(-g) - mean)^2, and the interval is
// I +- z se with z the normal quantile of the level; the jackknife bias estimate (G-1)(mean - I)
// is reported beside it.
import type { Core } from "../../bindings/index.js";
import { detMath, mapF64, type DetMath } from "../math.js";
import { seedWords } from "../prng.js";
import { baTableLen } from "../routing/ba.js";
import { transposedLosses, type LossMatrix } from "./draws.js";
import type { Interval } from "./bootstrap.js";

/** The distinct loss patterns of the pool: pat[j R + r] = loss of expert r on the items of
 *  pattern j (u8 0/1), count[j] = how many items share it (sum N), and for each expert r the
 *  patterns where it errs: eidx[eoff[r] .. eoff[r + 1]). From the core's ba_patterns (order of
 *  first occurrence). */
export interface LossPatterns {
  R: number;
  N: number;
  K: number;
  pat: Uint8Array;
  count: Uint32Array;
  eoff: Int32Array;
  eidx: Int32Array;
}

export function lossPatterns(core: Core, train: LossMatrix): LossPatterns {
  const { R, N } = train;
  const e = core.exports;
  const { K, pat, count } = core.scoped((alloc) => {
    const l = alloc("u8", R * N).set(train.data);
    const pat = alloc("u8", N * R), count = alloc("u32", N), rowmap = alloc("u32", N), table = alloc("u32", baTableLen(core, N));
    const K = e.ba_patterns(l.ptr, R, N, N, pat.ptr, count.ptr, rowmap.ptr, table.ptr);
    return { K, pat: pat.view.slice(0, K * R), count: count.view.slice(0, K) };
  });
  const eoff = new Int32Array(R + 1);
  for (let j = 0; j < K; j++) for (let r = 0; r < R; r++) if (pat[j * R + r]) eoff[r + 1]!++;
  for (let r = 0; r < R; r++) eoff[r + 1]! += eoff[r]!;
  const fill = eoff.slice(0, R);
  const eidx = new Int32Array(eoff[R]!);
  for (let j = 0; j < K; j++) for (let r = 0; r < R; r++) if (pat[j * R + r]) eidx[fill[r]!++] = j;
  return { R, N, K, pat, count, eoff, eidx };
}

/** The tables of `runs` individual-sample runs in G blocks (see the header): block g holds
 *  D[g R + r] and delta[(g K + j) R + r]; T_g[j, r] = D_g[r] + delta_g[j, r] counts the runs of
 *  block g with r*(c' + p_j) = r. */
export interface IsmiTables {
  m: number;
  runs: number;
  blocks: number;
  perBlock: number;
  D: Int32Array;
  delta: Int32Array;
}

export interface IsmiOptions {
  m: number;
  /** Total runs (a multiple of blocks). */
  runs: number;
  blocks: number;
  seed: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export function ismiTables(core: Core, train: LossMatrix, pats: LossPatterns, opts: IsmiOptions): IsmiTables {
  const { m, runs, blocks: G, seed } = opts;
  const { R, N } = train;
  const K = pats.K;
  if (!Number.isInteger(G) || G < 2) throw new RangeError(`the jackknife needs at least 2 blocks, got ${G}`);
  if (!Number.isInteger(runs) || runs < G || runs % G !== 0) throw new RangeError(`runs (${runs}) must be a positive multiple of the blocks (${G})`);
  if (!Number.isInteger(m) || m < 1 || m > 65535) throw new RangeError(`m must be an integer in [1, 65535], got ${m}`);
  const Mb = runs / G;
  const [lo, hi] = seedWords(seed);
  const e = core.exports;
  const D = new Int32Array(G * R), delta = new Int32Array(G * K * R);
  core.scoped((alloc) => {
    const lt = transposedLosses(core, alloc, train);
    const work = alloc("u8", core.bytes("scale_work_bytes", e.scale_work_bytes(R, N, m), 24 * m + 4 * N + 8 * R));
    const pat = alloc("u8", Math.max(1, K * R)).set(pats.pat);
    const eoff = alloc("i32", R + 1).set(pats.eoff);
    // no expert ever errs: eidx is empty, the core still gets a valid (1-element) buffer
    const eidx = alloc("i32", Math.max(1, pats.eidx.length));
    eidx.view.set(pats.eidx);
    const d = alloc("i32", R), dl = alloc("i32", Math.max(1, K * R));
    for (let g = 0; g < G; g++) {
      opts.signal?.throwIfAborted();
      d.view.fill(0);
      dl.view.fill(0);
      e.ismi_runs(lt.ptr, R, N, m, pat.ptr, K, eoff.ptr, eidx.ptr, Mb, lo, hi, g * Mb, d.ptr, dl.ptr, work.ptr);
      D.set(d.view, g * R);
      delta.set(dl.view.subarray(0, K * R), g * K * R);
      opts.onProgress?.((g + 1) * Mb, runs);
    }
  });
  return { m, runs, blocks: G, perBlock: Mb, D, delta };
}

/** I(W; P) (see the header) from one table: D[r] + delta[j R + r] runs out of M had
 *  r*(c' + p_j) = r. */
export function ismiInformation(core: Core, alpha: number, pats: LossPatterns, D: ArrayLike<number>, delta: Int32Array, M: number): number {
  const { R, K, N, count } = pats;
  const b = (1 - alpha) / R;
  // Rows with a correction, and the pattern-weighted table sum_j count_j T[j, r].
  const rows: number[] = [];
  const wsum = new Float64Array(R);
  for (let r = 0; r < R; r++) wsum[r] = N * D[r]!;
  for (let j = 0; j < K; j++) {
    let any = false;
    const c = count[j]!;
    for (let r = 0; r < R; r++) {
      const x = delta[j * R + r]!;
      if (x !== 0) {
        any = true;
        wsum[r]! += c * x;
      }
    }
    if (any) rows.push(j);
  }
  const n = rows.length + 2;
  const P = new Float64Array(n * R);
  for (let r = 0; r < R; r++) {
    P[r] = b + (alpha * D[r]!) / M;
    P[R + r] = b + (alpha * wsum[r]!) / (N * M);
  }
  rows.forEach((j, k) => {
    const o = (k + 2) * R;
    for (let r = 0; r < R; r++) P[o + r] = b + (alpha * (D[r]! + delta[j * R + r]!)) / M;
  });
  const L = mapF64(core, "log", P);
  const H = (o: number) => {
    let s = 0;
    for (let r = 0; r < R; r++) {
      const x = P[o + r]!;
      if (x > 0) s += x * L[o + r]!;
    }
    return 0 - s;
  };
  const hD = H(0), hBar = H(R);
  let dev = 0;
  rows.forEach((j, k) => {
    dev += count[j]! * (H((k + 2) * R) - hD);
  });
  return hBar - hD - dev / N;
}

/** The normal quantile z with P(Z <= z) = p (Acklam's rational approximation of the
 *  inverse normal cdf, relative error below 1.2e-9; its log from the core). */
export function normalQuantile(math: DetMath, p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normal quantile needs p in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - pl) return -normalQuantile(math, 1 - p);
  const q = p - 0.5, r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

export interface IsmiAlpha {
  alpha: number;
  /** I(W; Z_1) estimated from all runs (nats). */
  I: number;
  /** Jackknife standard error, interval I +- z se, and bias estimate (G - 1)(mean_g I_(-g) - I). */
  se: number;
  ci: Interval;
  jackknifeBias: number;
}

/** I(W; Z_1) at each alpha from the tables, with its jackknife interval at `level`. */
export function ismiEstimates(core: Core, pats: LossPatterns, t: IsmiTables, alphas: readonly number[], level: number): IsmiAlpha[] {
  const math = detMath(core);
  const { R, K } = pats;
  const G = t.blocks;
  const Dtot = new Float64Array(R);
  const dtot = new Int32Array(K * R);
  for (let g = 0; g < G; g++) {
    for (let r = 0; r < R; r++) Dtot[r]! += t.D[g * R + r]!;
    const o = g * K * R;
    for (let k = 0; k < K * R; k++) dtot[k]! += t.delta[o + k]!;
  }
  const z = normalQuantile(math, (1 + level) / 2);
  return alphas.map((alpha) => {
    const I = ismiInformation(core, alpha, pats, Dtot, dtot, t.runs);
    const loo = new Float64Array(G);
    const Dl = new Float64Array(R), dl = new Int32Array(K * R);
    for (let g = 0; g < G; g++) {
      for (let r = 0; r < R; r++) Dl[r] = Dtot[r]! - t.D[g * R + r]!;
      const o = g * K * R;
      for (let k = 0; k < K * R; k++) dl[k] = dtot[k]! - t.delta[o + k]!;
      loo[g] = ismiInformation(core, alpha, pats, Dl, dl, t.runs - t.perBlock);
    }
    let mean = 0;
    for (let g = 0; g < G; g++) mean += loo[g]!;
    mean /= G;
    let ss = 0;
    for (let g = 0; g < G; g++) ss += (loo[g]! - mean) * (loo[g]! - mean);
    const se = Math.sqrt(((G - 1) / G) * ss);
    return { alpha, I, se, ci: { lo: I - z * se, hi: I + z * se }, jackknifeBias: (G - 1) * (mean - I) };
  });
}
