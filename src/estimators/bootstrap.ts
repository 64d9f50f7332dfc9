// Nonparametric bootstrap over the M Monte Carlo runs (paper Section IV-A): a resample draws M
// run indices with replacement, every statistic is recomputed on the resampled runs (each run
// keeps its S_i, r*(S_i) and W draw together), and the interval is the percentile interval.
import type { Core } from "../../bindings/index.js";
import { stream } from "../prng.js";
import { quantileSorted } from "../stats.js";

export { quantileSorted };

/** A two-sided percentile interval at `level` (e.g. 0.95). */
export interface Interval {
  lo: number;
  hi: number;
}

/** The B resamples of M run indices, flat [B * M]: resample b is stream (seed, bootstrap, b)
 *  drawing M indices in 0..M-1 with replacement (rng_bootstrap). Resample b does not depend on
 *  B, so the first 100 resamples of B = 1000 are those of B = 100. */
export function resampleIndices(core: Core, seed: number | bigint, B: number, M: number): Int32Array {
  if (!Number.isInteger(B) || B < 0) throw new RangeError(`bootstrap resamples must be an integer >= 0, got ${B}`);
  const out = new Int32Array(B * M);
  for (let b = 0; b < B; b++) {
    const s = stream(core, seed, "bootstrap", b);
    try {
      out.set(s.bootstrap(M, M), b * M);
    } finally {
      s.free();
    }
  }
  return out;
}

/** The percentile interval of bootstrap replicates at `level`: the (1 - level)/2 and
 *  (1 + level)/2 quantiles (quantileSorted). Null when there are no replicates. */
export function percentileInterval(values: ArrayLike<number>, level: number): Interval | null {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return { lo: quantileSorted(sorted, (1 - level) / 2), hi: quantileSorted(sorted, (1 + level) / 2) };
}

/** Histograms of r* for every resample, flat [B * R]: c[b * R + r] = #{j : rstar[idx[b M + j]] = r}. */
export function resampledCounts(rstar: ArrayLike<number>, R: number, idx: Int32Array, M: number): Int32Array {
  const B = idx.length / M;
  const c = new Int32Array(B * R);
  for (let b = 0; b < B; b++) {
    const o = b * R, base = b * M;
    for (let j = 0; j < M; j++) c[o + rstar[idx[base + j]!]!]!++;
  }
  return c;
}
