// The test-set bound (binomial tail inversion; Langford, "Tutorial on practical prediction theory
// for classification", JMLR 2005): the truth line beside the information-theoretic bounds.
//
// An expert that errs on k of n test items drawn i.i.d. from the population, independently of the
// expert, has, with probability at least 1 - delta, population risk at most
//   ub(k, n, delta) = max { p : P(Binomial(n, p) <= k) >= delta }.
// With delta / R per expert (a union bound over the bank) the R bounds hold simultaneously, so
// for every selected W at once; mean over the runs of ub(W_i) - R_hat_{S_i}(W_i) then bounds the
// population gap of the paper's protocol with probability at least 1 - delta. MNIST's test split
// was never seen by the experts or by the selection, which is what makes it valid here.
import type { DetMath } from "../math.js";

const HALF_LOG_2PI = 0.91893853320467274178;

/** ln n! for an integer n >= 0: a sum of logs below 16, Stirling's series above
 *  ((n + 1/2) ln n - n + ln(2 pi)/2 + 1/(12n) - 1/(360n^3) + 1/(1260n^5) - 1/(1680n^7), error < 1e-14). */
export function logFactorial(math: DetMath, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`log factorial of ${n}`);
  if (n < 16) {
    let s = 0;
    for (let k = 2; k <= n; k++) s += math.log(k);
    return s;
  }
  const r = 1 / n, r2 = r * r;
  return (n + 0.5) * math.log(n) - n + HALF_LOG_2PI + r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680))));
}

/** P(Binomial(n, p) <= k): the terms t_j = C(n, j) p^j (1-p)^(n-j), j = 0..k, summed relative to
 *  the largest of them, t_{j*} with j* = min(k, floor((n + 1) p)) (so every ratio is <= 1 and
 *  nothing overflows), walking down and up from j* by t_{j-1}/t_j = j (1-p) / ((n-j+1) p), and
 *  multiplied by t_{j*} = exp(ln C(n, j*) + j* ln p + (n - j*) ln(1 - p)) at the end. */
export function binomialCdf(math: DetMath, k: number, n: number, p: number): number {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(k)) throw new RangeError(`binomial cdf needs integers, got k = ${k}, n = ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial cdf needs p in [0, 1], got ${p}`);
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p === 0) return 1;
  if (p === 1) return 0;
  const q = 1 - p;
  const js = Math.min(k, Math.floor((n + 1) * p));
  const logT = logFactorial(math, n) - logFactorial(math, js) - logFactorial(math, n - js) + js * math.log(p) + (n - js) * math.log1p(-p);
  let s = 1;
  let t = 1;
  for (let j = js; j > 0; j--) {
    t *= (j * q) / ((n - j + 1) * p);
    s += t;
    if (t < 1e-18 * s) break;
  }
  t = 1;
  for (let j = js; j < k; j++) {
    t *= ((n - j) * p) / ((j + 1) * q);
    s += t;
    if (t < 1e-18 * s) break;
  }
  const c = math.exp(logT) * s;
  return c < 1 ? c : 1;
}

/** ub(k, n, delta) = max { p : P(Binomial(n, p) <= k) >= delta }, by bisection on [0, 1]
 *  (the cdf falls as p grows): 64 halvings, returning the upper end of the bracket (never below
 *  the exact value, above it by at most 2^-64). k >= n gives 1. */
export function testSetUpper(math: DetMath, k: number, n: number, delta: number): number {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
  if (k >= n) return 1;
  let lo = 0, hi = 1;
  for (let it = 0; it < 64; it++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    if (binomialCdf(math, k, n, mid) >= delta) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The per-expert truth line: ub(errors_r, n, delta / R) for r = 0..R-1 (simultaneous at 1 - delta). */
export function testSetBounds(math: DetMath, errors: ArrayLike<number>, n: number, delta: number): Float64Array {
  const R = errors.length;
  const out = new Float64Array(R);
  for (let r = 0; r < R; r++) out[r] = testSetUpper(math, errors[r]!, n, delta / R);
  return out;
}
