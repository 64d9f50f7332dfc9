// The discrete-entropy estimator of I(S;W) on a finite bank (paper Section IV, eq. 11-19).
// Every logarithm comes from the core (DetMath); every sum runs in a fixed order (r = 0..R-1,
// then samples in index order), so the same inputs give the same bits in every engine.
// Entropies are in nats.
import type { DetMath } from "../math.js";

/** q_alpha(r | S) for r = 0..R-1 (eq. 11): (1 - alpha)/R + alpha 1{r = r*(S)}. The mass at r*
 *  is computed as (1 - alpha)/R + alpha, the others as (1 - alpha)/R, here and everywhere. */
export function qAlpha(alpha: number, R: number, rstar: number): Float64Array {
  checkAlpha(alpha);
  const q = new Float64Array(R).fill((1 - alpha) / R);
  q[rstar] = (1 - alpha) / R + alpha;
  return q;
}

/** c[r] = #{i : r*(S_i) = r}, the histogram of the selected ERM indices over the M samples. */
export function rstarCounts(rstar: ArrayLike<number>, R: number): Int32Array {
  const c = new Int32Array(R);
  for (let i = 0; i < rstar.length; i++) c[rstar[i]!]!++;
  return c;
}

/** p_hat_r = (1/M) sum_i q_alpha(r | S_i) (eq. 15). By linearity this is
 *  (1 - alpha)/R + alpha c_r / M with c the r* histogram (rstarCounts), which is how it is
 *  computed: at alpha = 0 it is exactly 1/R, at alpha = 1 exactly c_r / M. */
export function pHat(alpha: number, R: number, counts: ArrayLike<number>, M: number): Float64Array {
  checkAlpha(alpha);
  const b = (1 - alpha) / R;
  const p = new Float64Array(R);
  for (let r = 0; r < R; r++) p[r] = b + (alpha * counts[r]!) / M;
  return p;
}

/** H(p) = -sum_r p_r log p_r with 0 log 0 = 0, summed over r = 0..R-1 (eq. 16 for p = p_hat).
 *  `logs`, when given, holds log p_r (the bootstrap passes logs computed in bulk: same bits). */
export function entropy(math: DetMath, p: ArrayLike<number>, logs?: ArrayLike<number>, offset = 0): number {
  let s = 0;
  for (let r = 0; r < p.length; r++) {
    const x = p[r]!;
    if (x > 0) s += x * (logs === undefined ? math.log(x) : logs[offset + r]!);
  }
  return 0 - s;
}

/** The entropy of each possible posterior (eq. 11): h[k] = H(q_alpha(. | S)) for r*(S) = k,
 *  -sum_{r=0}^{R-1} q_r log q_r in index order, with the two logs log((1-alpha)/R + alpha) and
 *  log((1-alpha)/R) computed once. Mathematically every h[k] equals the closed form (eq. 19);
 *  in floating point they may differ by an ulp, as the large term sits at a different place. */
export function posteriorEntropies(math: DetMath, alpha: number, R: number): Float64Array {
  checkAlpha(alpha);
  const b = (1 - alpha) / R;
  const a = b + alpha;
  const la = a > 0 ? math.log(a) : 0;
  const lb = b > 0 ? math.log(b) : 0;
  const h = new Float64Array(R);
  for (let k = 0; k < R; k++) {
    let s = 0;
    for (let r = 0; r < R; r++) s += r === k ? (a > 0 ? a * la : 0) : b > 0 ? b * lb : 0;
    h[k] = 0 - s;
  }
  return h;
}

/** H_hat(W|S) = -(1/M) sum_i sum_r q_{i,r} log q_{i,r} (eq. 17). Samples with the same r* have
 *  the same posterior, so (17) = sum_k (c_k / M) h[k] (h = posteriorEntropies, c = rstarCounts);
 *  it is computed as h[0] + (sum_k c_k (h[k] - h[0])) / M, which is exactly h[0] when all h[k]
 *  are equal (so that I_hat = 0 exactly at alpha = 0). */
export function condEntropyFromCounts(h: ArrayLike<number>, counts: ArrayLike<number>, M: number, offset = 0): number {
  const h0 = h[0]!;
  let s = 0;
  for (let k = 0; k < h.length; k++) s += counts[offset + k]! * (h[k]! - h0);
  return h0 + s / M;
}

/** The closed form of H(q_alpha(. | S)) (eq. 19), the same for every S:
 *  -(alpha + (1-alpha)/R) log(alpha + (1-alpha)/R) - (R-1) ((1-alpha)/R) log((1-alpha)/R). */
export function condEntropyClosedForm(math: DetMath, alpha: number, R: number): number {
  checkAlpha(alpha);
  const b = (1 - alpha) / R;
  const a = alpha + b;
  const ta = a > 0 ? a * math.log(a) : 0;
  const tb = b > 0 ? (R - 1) * b * math.log(b) : 0;
  return 0 - ta - tb;
}

/** The estimator of Section IV at one alpha, from the r* histogram of M samples:
 *  hW = H_hat(W) (eq. 16 on p_hat, eq. 15), hWgS = H_hat(W|S) (eq. 17), I = hW - hWgS (eq. 18),
 *  the raw plug-in value (it can be a rounding error below 0; bounds clamp it, never this). */
export interface MutualInfo {
  hW: number;
  hWgS: number;
  I: number;
}

export function mutualInfo(math: DetMath, alpha: number, R: number, counts: ArrayLike<number>, M: number): MutualInfo {
  const hW = entropy(math, pHat(alpha, R, counts, M));
  const hWgS = condEntropyFromCounts(posteriorEntropies(math, alpha, R), counts, M);
  return { hW, hWgS, I: hW - hWgS };
}

/** H(r*) = -sum_r (c_r/M) log(c_r/M): the entropy of the ERM index, which is I_hat at alpha = 1
 *  (the paper's "I -> log R as alpha -> 1" holds only when r* is uniform). */
export function rstarEntropy(math: DetMath, counts: ArrayLike<number>, M: number): number {
  const p = new Float64Array(counts.length);
  for (let r = 0; r < counts.length; r++) p[r] = counts[r]! / M;
  return entropy(math, p);
}

export function checkAlpha(alpha: number): void {
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${alpha}`);
}
