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
