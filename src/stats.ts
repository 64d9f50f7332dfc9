// Small pure statistics shared by the experiments (browser-safe; sums in index order).

/** A mean and its standard error (null for a single value). */
export interface MeanSe {
  mean: number;
  se: number | null;
}

/** The mean of xs and its standard error sqrt(sum (x - mean)^2 / ((T - 1) T)), two passes. */
export function meanSe(xs: readonly number[]): MeanSe {
  const T = xs.length;
  let s = 0;
  for (const v of xs) s += v;
  const mean = s / T;
  if (T < 2) return { mean, se: null };
  let q = 0;
  for (const v of xs) q += (v - mean) * (v - mean);
  return { mean, se: Math.sqrt(q / (T - 1) / T) };
}

/** The p-quantile of ascending `sorted` (length n >= 1) by linear interpolation between order
 *  statistics (numpy's default, Hyndman-Fan type 7): h = (n - 1) p, x[floor h] + (h - floor h)
 *  (x[floor h + 1] - x[floor h]). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError("quantile of an empty set");
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile level must be in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  if (lo >= n - 1) return sorted[n - 1]!;
  const x0 = sorted[lo]!, x1 = sorted[lo + 1]!;
  return x0 === x1 ? x0 : x0 + (h - lo) * (x1 - x0);
}
