// The bootstrap of a histogram, in O(K) per resample instead of O(M) (Monte Carlo at scale, docs/DESIGN.md section 7.2).
//
// A nonparametric bootstrap resample draws M runs with replacement; when a statistic depends on
// the runs only through the histogram c of some per-run value (K cells, sum M), the resampled
// histogram is exactly Multinomial(M, c / M): each resampled run falls in cell k with probability
// c_k / M, independently. So drawing that multinomial gives the same bootstrap distribution as
// resampling run indices, at the cost of K binomials per resample however large M is. (Different
// random numbers: the same distribution, not the same bits as the index resampling.)
//
// Multinomial(n, c / M) is drawn as conditional binomials in cell order: x_k ~ Binomial(n_left,
// c_k / M_left), with n_left = n - x_0 - ... - x_{k-1} and M_left = M - c_0 - ... - c_{k-1} (the
// last non-empty cell takes what is left). Each binomial is an exact inversion of one uniform
// (rng_uniform_f64, 53 bits) under a fixed order of the support: from 0 upward when the mean is
// below 16 (pmf(0) = exp(n log1p(-p)), then the ratio pmf(k+1)/pmf(k) = (n-k)/(k+1) p/(1-p));
// otherwise from the mode outward, alternately up and down (Kemp's modal search), starting from
// pmf(mode) = exp(ln n! - ln k! - ln (n-k)! + k log p + (n-k) log1p(-p)) with ln n! from Stirling's
// series (n >= 16: (n + 1/2) ln n - n + ln(2 pi)/2 + 1/(12n) - 1/(360n^3) + 1/(1260n^5) - 1/(1680n^7),
// error < 1e-14) or a sum of logs (n < 16). pmf(mode) carries a relative error of about 1e-16 times
// ln n! (5e-9 at n = 10^6), so every probability is off by at most that factor; the leftover
// mass the rounding leaves (if the search runs out of support) goes to the mode. All of it is
// AssemblyScript's own (musl) log/exp: the same bits in every build.

import { rng_init, rng_uniform_f64 } from "../prng/philox";

export const PURPOSE_HIST_BOOTSTRAP: u32 = 9;

const HALF_LOG_2PI: f64 = 0.91893853320467274178;

/** ln n! for an integer n >= 0 (see the header). */
function lfact(n: f64): f64 {
  if (n < 16) {
    let s = 0.0;
    for (let k = 2.0; k <= n; k += 1.0) s += Math.log(k);
    return s;
  }
  const r = 1.0 / n, r2 = r * r;
  return (n + 0.5) * Math.log(n) - n + HALF_LOG_2PI + r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0))));
}

/** One Binomial(n, p) draw from the stream st (see the header). */
export function binomial(st: usize, n: u32, p: f64): u32 {
  if (n == 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const nf = <f64>n;
  const ratio = p / (1.0 - p);
  let u = rng_uniform_f64(st);
  if (nf * p < 16.0) {
    let pk = Math.exp(nf * Math.log1p(-p));
    let k: u32 = 0;
    while (u >= pk) {
      if (k == n || pk == 0) return k;
      u -= pk;
      pk *= (<f64>(n - k) / <f64>(k + 1)) * ratio;
      k++;
    }
    return k;
  }
  let mode = <u32>Math.floor((nf + 1.0) * p);
  if (mode > n) mode = n;
  const mf = <f64>mode;
  const pm = Math.exp(lfact(nf) - lfact(mf) - lfact(nf - mf) + mf * Math.log(p) + (nf - mf) * Math.log1p(-p));
  if (u < pm) return mode;
  u -= pm;
  let hi = mode, lo = mode, phi = pm, plo = pm;
  while (true) {
    const up = hi < n && phi > 0, down = lo > 0 && plo > 0;
    if (!up && !down) return mode;
    if (up) {
      phi *= (<f64>(n - hi) / <f64>(hi + 1)) * ratio;
      hi++;
      if (u < phi) return hi;
      u -= phi;
    }
    if (down) {
      plo *= <f64>lo / (<f64>(n - lo + 1) * ratio);
      lo--;
      if (u < plo) return lo;
      u -= plo;
    }
  }
  return mode;
}

/** out[k] (i32 [K]) = one Multinomial(M, counts / M) draw, M = sum of counts (i32 [K], >= 0),
 *  from the stream st: the histogram of a bootstrap resample of the M runs (see the header). */
export function multinomial_counts(st: usize, counts: usize, K: u32, out: usize): void {
  let M: u32 = 0;
  for (let k: u32 = 0; k < K; k++) {
    const c = load<i32>(counts + (<usize>k << 2));
    assert(c >= 0, "multinomial_counts: negative count");
    M += <u32>c;
  }
  let left = M, rem = M;
  for (let k: u32 = 0; k < K; k++) {
    const c = <u32>load<i32>(counts + (<usize>k << 2));
    let x: u32 = 0;
    if (c > 0 && left > 0) {
      x = c == rem ? left : binomial(st, left, <f64>c / <f64>rem);
    }
    store<i32>(out + (<usize>k << 2), <i32>x);
    left -= x;
    rem -= c;
  }
}

/** B bootstrap histograms of counts (i32 [K]): resample b (out[b K .. b K + K), i32) is
 *  multinomial_counts on the stream (seed, purpose, first + b). Resample b does not depend on B.
 *  st: a caller-owned stream state (48 bytes). */
export function hist_bootstrap(counts: usize, K: u32, B: u32, seedLo: u32, seedHi: u32, purpose: u32, first: u32, out: usize, st: usize): void {
  for (let b: u32 = 0; b < B; b++) {
    rng_init(st, seedLo, seedHi, purpose, first + b);
    multinomial_counts(st, counts, K, out + ((<usize>b * <usize>K) << 2));
  }
}

/** out[i] = Binomial(n, p) draws i = 0..count-1 from the stream (seed, purpose, index) (tests). */
export function binomial_draws(n: u32, p: f64, count: u32, seedLo: u32, seedHi: u32, purpose: u32, index: u32, out: usize, st: usize): void {
  rng_init(st, seedLo, seedHi, purpose, index);
  for (let i: u32 = 0; i < count; i++) store<i32>(out + (<usize>i << 2), <i32>binomial(st, n, p));
}
