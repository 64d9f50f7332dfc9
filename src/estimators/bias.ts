// Bias corrections of the plug-in H_hat(W) (eq. 16), hence of I_hat (eq. 18); H_hat(W|S) is an
// exact average (eq. 17) and carries no plug-in bias. Each value is the amount to ADD to the
// plug-in estimate (the plug-in entropy is biased downward). Paper Section IV-A; DESIGN.md 8.

/** The corrections, in nats, from the r* histogram c (sum M):
 *  - plugIn: 0 (the estimate as it is);
 *  - paper: (R - 1)/(2M), Section IV-A's Miller-Madow term with all R bins (0.04 at R = 25,
 *    M = 300), whatever alpha;
 *  - millerMadow: (K - 1)/(2M), Miller-Madow with K the number of bins observed, K = the number
 *    of distinct r* among the M samples;
 *  - delta: (alpha^2 / 2M) sum_r f_r (1 - f_r) / ((1 - alpha)/R + alpha f_r), f_r = c_r / M:
 *    the delta-method bias of H(p_hat) when p_hat averages posteriors (eq. 15), since
 *    Var p_hat_r = alpha^2 f_r (1 - f_r) / M and d^2 H / dp_r^2 = -1 / p_r. It is 0 at alpha = 0
 *    and (K - 1)/(2M) at alpha = 1. Terms with f_r = 0 are 0. */
export interface BiasCorrections {
  plugIn: number;
  paper: number;
  millerMadow: number;
  K: number;
  delta: number;
}

export function biasCorrections(alpha: number, R: number, counts: ArrayLike<number>, M: number): BiasCorrections {
  let K = 0;
  for (let r = 0; r < R; r++) if (counts[r]! > 0) K++;
  return {
    plugIn: 0,
    paper: (R - 1) / (2 * M),
    millerMadow: (K - 1) / (2 * M),
    K,
    delta: deltaBias(alpha, R, counts, M),
  };
}

/** The delta-method correction (alpha^2 / 2M) sum_r f_r (1 - f_r) / ((1 - alpha)/R + alpha f_r)
 *  with f_r = c_r / M, summed over r = 0..R-1, skipping f_r = 0. */
export function deltaBias(alpha: number, R: number, counts: ArrayLike<number>, M: number): number {
  const b = (1 - alpha) / R;
  let s = 0;
  for (let r = 0; r < R; r++) {
    const c = counts[r]!;
    if (c === 0) continue;
    const f = c / M;
    s += (f * (1 - f)) / (b + alpha * f);
  }
  return ((alpha * alpha) / (2 * M)) * s;
}

/** The same from the true r* distribution f (for tests and planning): f_r in [0, 1], sum 1. */
export function deltaBiasOf(alpha: number, f: ArrayLike<number>, M: number): number {
  const R = f.length;
  const b = (1 - alpha) / R;
  let s = 0;
  for (let r = 0; r < R; r++) {
    const x = f[r]!;
    if (x === 0) continue;
    s += (x * (1 - x)) / (b + alpha * x);
  }
  return ((alpha * alpha) / (2 * M)) * s;
}
