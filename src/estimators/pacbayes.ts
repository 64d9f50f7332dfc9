// The PAC-Bayes-kl bound with the uniform prior over the bank, and the binary kl it inverts.
//
// Bound (Seeger 2002; Maurer 2004, "A note on the PAC Bayesian theorem"): for a loss in [0, 1],
// S = m i.i.d. draws and a prior P fixed before S, with probability at least 1 - delta over S,
// simultaneously for every posterior Q,
//   kl(R_hat_S(Q) || R(Q)) <= (KL(Q || P) + log(2 sqrt(m) / delta)) / m =: eps,
// so R(Q) <= kl^{-1}_+(R_hat_S(Q), eps) = sup { p in [R_hat_S(Q), 1] : kl(R_hat_S(Q) || p) <= eps }.
// Here Q = q_alpha(. | S) (eq. 11) and P = uniform over the R experts, so
//   KL(q_alpha || uniform) = log R - H(q_alpha),
// the same for every S (H(q_alpha) is eq. 19), R_hat_S(Q) = sum_r q_r R_hat_S(W_r) =
// ((1 - alpha)/R) sum_r R_hat_S(W_r) + alpha R_hat_S(W_{r*}), and R(Q) = sum_r q_r R(W_r) is the
// risk of the Gibbs predictor (W ~ Q), whose expected gap is the gap G the paper averages.
// It is a high-probability bound (delta = 0.05 by default), not an expectation bound, and it is
// labelled so wherever it is shown. (It also holds for m distinct items drawn without
// replacement from a finite pool, against the pool risk: exp(m kl(x/m || R)) is convex in x, and
// Hoeffding (1963, Thm 4) orders sums without replacement below sums with replacement in the
// convex order, so the same moment bound E exp(m kl) <= 2 sqrt(m) holds.)
import type { DetMath } from "../math.js";

/** kl(q || p) = q log(q/p) + (1 - q) log((1 - q)/(1 - p)) for q, p in [0, 1], with 0 log 0 = 0;
 *  +Infinity where p puts no mass on a side q does (p = 0 < q, or p = 1 > q). Logs from the
 *  core (log, and log1p for the 1 - x terms). */
export function binaryKl(math: DetMath, q: number, p: number): number {
  if (!(q >= 0 && q <= 1) || !(p >= 0 && p <= 1)) throw new RangeError(`kl needs q, p in [0, 1], got q = ${q}, p = ${p}`);
  let s = 0;
  if (q > 0) {
    if (p <= 0) return Infinity;
    s += q * (math.log(q) - math.log(p));
  }
  if (q < 1) {
    if (p >= 1) return Infinity;
    s += (1 - q) * (math.log1p(-q) - math.log1p(-p));
  }
  return s > 0 ? s : 0;
}

/** kl^{-1}_+(q, eps) = sup { p in [q, 1] : kl(q || p) <= eps }, by bisection on [q, 1] (kl(q || .)
 *  is increasing there): 64 halvings, returning the upper end of the final bracket (so the
 *  result is never below the true inverse, and above it by at most 2^-64). eps <= 0 gives q;
 *  q = 1 gives 1. Known values: kl^{-1}_+(0, eps) = 1 - exp(-eps). */
export function klInverseUpper(math: DetMath, q: number, eps: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`kl inversion needs q in [0, 1], got ${q}`);
  if (!(eps >= 0)) throw new RangeError(`kl inversion needs eps >= 0, got ${eps}`);
  if (eps === 0 || q === 1) return q;
  let lo = q, hi = 1;
  for (let k = 0; k < 64; k++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    if (binaryKl(math, q, mid) > eps) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** eps = (KL + log(2 sqrt(m) / delta)) / m, the right side of the PAC-Bayes-kl bound (m >= 8). */
export function pacBayesKlEpsilon(math: DetMath, kl: number, m: number, delta: number): number {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
  if (!(kl >= 0)) throw new RangeError(`KL must be >= 0, got ${kl}`);
  return (kl + math.log((2 * Math.sqrt(m)) / delta)) / m;
}

/** KL(q_alpha || uniform over R) = log R - H(q_alpha), H(q_alpha) in closed form (eq. 19),
 *  clamped at 0 against rounding (it is 0 at alpha = 0). */
export function klToUniform(math: DetMath, alpha: number, R: number): number {
  const b = (1 - alpha) / R;
  const a = alpha + b;
  const h = 0 - (a > 0 ? a * math.log(a) : 0) - (b > 0 ? (R - 1) * b * math.log(b) : 0);
  const kl = math.log(R) - h;
  return kl > 0 ? kl : 0;
}
