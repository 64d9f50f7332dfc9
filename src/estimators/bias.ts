// Bias corrections of the plug-in H_hat(W) (eq. 16), hence of I_hat (eq. 18); H_hat(W|S) is an
// exact average (eq. 17) and carries no plug-in bias. Each value is the amount to ADD to the
// plug-in estimate (the plug-in entropy is biased downward). Paper Section IV-A; docs/DESIGN.md section 8.
// resampledBias measures the true bias at a given M against which the three are judged.
import type { Core } from "../../bindings/index.js";
import { detMath, mapF64 } from "../math.js";
import { stream } from "../prng.js";
import { meanSe } from "../stats.js";
import { entropy, pHat, rstarCounts } from "./entropy.js";

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

/** The bias of H(p_hat) at M runs, measured: the r* distribution f of many runs (the large-M
 *  runs of the bounds) is taken as the truth, and B histograms c_b ~ Multinomial(M, f) (M runs
 *  resampled with replacement from those runs) give
 *    exact = H(p(f)) - (1/B) sum_b H(p_hat(c_b)),   p(f)_r = (1 - alpha)/R + alpha f_r (eq. 15),
 *  the amount to add to the plug-in H(p_hat) (so to I_hat, eq. 18: H_hat(W|S) is linear in c and
 *  unbiased), with its Monte Carlo standard error sd_b H(p_hat(c_b)) / sqrt(B). Beside it, the
 *  mean over the same resamples of each correction of biasCorrections (what each one adds on
 *  average at this M), and the delta-method term at the true f (deltaBiasOf). */
export interface ResampledBiasRow {
  alpha: number;
  exact: number;
  se: number;
  /** (R - 1)/(2M): the same on every sample. */
  paper: number;
  /** Means over the resamples of (K - 1)/(2M) and of the delta-method term at f_hat. */
  meanMillerMadow: number;
  meanDelta: number;
  /** The delta-method term at the true f. */
  deltaAtTruth: number;
}

export interface ResampledBias {
  /** Runs per estimate (the selection's M). */
  M: number;
  /** The runs whose r* histogram is the truth, and the resamples drawn. */
  truthRuns: number;
  resamples: number;
  /** Distinct r* among the truth runs. */
  truthK: number;
  alphas: ResampledBiasRow[];
}

/** See ResampledBias. `rstar` are the truth runs' r*; resample b is the stream (seed,
 *  biasResample, b): M run indices drawn uniformly with replacement (it does not depend on B). */
export function resampledBias(core: Core, rstar: ArrayLike<number>, R: number, M: number, alphas: readonly number[], B: number, seed: number): ResampledBias {
  const T = rstar.length;
  if (!Number.isInteger(M) || M < 1) throw new RangeError(`M must be a positive integer, got ${M}`);
  if (!Number.isInteger(B) || B < 2) throw new RangeError(`resamples must be an integer >= 2, got ${B}`);
  if (T < 1) throw new RangeError("no runs to resample");
  const math = detMath(core);
  const truth = rstarCounts(rstar, R);
  const hists = new Int32Array(B * R);
  for (let b = 0; b < B; b++) {
    const s = stream(core, seed, "biasResample", b);
    const idx = s.bootstrap(M, T);
    s.free();
    for (let i = 0; i < M; i++) hists[b * R + rstar[idx[i]!]!]!++;
  }
  let truthK = 0;
  for (let r = 0; r < R; r++) if (truth[r]! > 0) truthK++;
  const f = Float64Array.from(truth, (c) => c / T);
  const rows = alphas.map((alpha): ResampledBiasRow => {
    const P = new Float64Array(B * R);
    const base = (1 - alpha) / R;
    for (let k = 0; k < B * R; k++) P[k] = base + (alpha * hists[k]!) / M;
    const logs = mapF64(core, "log", P);
    const h = new Float64Array(B);
    let mm = 0, dl = 0;
    for (let b = 0; b < B; b++) {
      const o = b * R;
      h[b] = entropy(math, P.subarray(o, o + R), logs.subarray(o, o + R));
      const c = biasCorrections(alpha, R, hists.subarray(o, o + R), M);
      mm += c.millerMadow;
      dl += c.delta;
    }
    const { mean, se } = meanSe(Array.from(h));
    return {
      alpha,
      exact: entropy(math, pHat(alpha, R, truth, T)) - mean,
      se: se!,
      paper: (R - 1) / (2 * M),
      meanMillerMadow: mm / B,
      meanDelta: dl / B,
      deltaAtTruth: deltaBiasOf(alpha, f, M),
    };
  });
  return { M, truthRuns: T, resamples: B, truthK, alphas: rows };
}
