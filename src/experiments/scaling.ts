// Expert scaling on the MNIST bank (companion paper: "Generalization and Scaling Laws for
// Mixture-of-Experts Transformers"): the routing distortion D(rho) of eq. 27 (main paper, Section
// V; Blahut-Arimoto on the test 0-1 loss matrix) at fixed rate budgets rho,
//   (a) as the number of experts R grows at a fixed architecture (more experts: total parameters
//       grow, the active parameters per input stay one expert's), and
//   (b) as each expert's width grows at a fixed R (more active capacity per input).
// The paper's claim is qualitative: error falls either by adding experts or by scaling active
// capacity, "depending on the dominant bottleneck". Here the bottleneck is the gate's rate: a gate
// with I(X;T) <= rho can use the experts only through rho nats, so at a fixed rho adding experts
// must saturate, D(rho; R) -> D_inf(rho) > 0, while the unconstrained oracle (rho = infinity) keeps
// falling. Measured and fitted per rho:
//   power law        D = a x^(-b)           (least squares on log D vs log x)
//   saturating law   D = c + a x^(-b)       (c in [0, min D]; b by a profile search, (c, a) by
//                                            least squares at each b)
// with x = R for (a) and x = parameters per expert for (b). Predictions checked: D(rho; R) falls
// with rho at every R, with R at every rho (averaged over random subsets, up to 2 standard
// errors) and with width; the saturation level c(rho) of (a) falls as rho grows. Each is reported
// as measured, with the fitted constants.
// Browser-safe: operates on loss matrices.
import type { Core } from "../../bindings/index.js";
import { detMath, type DetMath } from "../math.js";
import { stream } from "../prng.js";
import { RoutingProblem } from "../routing/ba.js";
import { constrainedD, curveEnds } from "../routing/curve.js";
import { fitPowerLaw, fitSaturatingLaw, type PowerLaw, type SaturatingLaw } from "../fit.js";
import { meanSe } from "../stats.js";
import type { LossMatrix } from "../formats/losses.js";

/** A bank's test losses with its architecture. */
export interface ScalingBank {
  /** e.g. "16/32" (conv1/conv2 filters) */
  label: string;
  conv1: number;
  conv2: number;
  /** parameters per expert */
  params: number;
  losses: LossMatrix;
}

export interface ScalingOptions {
  /** the bank whose experts are subsampled for (a) */
  byCount: ScalingBank;
  /** the expert counts R of (a) (each <= byCount's R) */
  counts: number[];
  /** random subsets per R (R = all experts: one) */
  subsets: number;
  /** the banks of (b): the same R, growing width */
  byWidth: ScalingBank[];
  /** rate budgets in nats; null = unconstrained (the oracle error) */
  rhos: (number | null)[];
  /** the first n test items (default all) */
  n?: number;
  seed: number;
}

export const DEFAULT_RHOS: (number | null)[] = [0, 0.01, 0.02, 0.05, 0.1, null];

export interface ScalingCell {
  /** rho, or null = unconstrained */
  rho: number | null;
  /** mean D over the subsets, its standard error, and each subset's D */
  mean: number;
  se: number;
  values: number[];
}

export interface ScalingRow {
  /** R (a) or the width label (b) */
  R: number;
  label: string;
  params: number;
  cells: ScalingCell[];
  /** the least rate reaching the oracle error (mean over the subsets), nats */
  leastRate: number;
}

export interface ScalingFit {
  rho: number | null;
  /** null with fewer than 2 positive points */
  power: PowerLaw | null;
  /** null with fewer than 4 points (3 parameters would interpolate) */
  saturating: SaturatingLaw | null;
}

export interface ScalingResult {
  format: "moe-bank/scaling";
  N: number;
  rhos: (number | null)[];
  byCount: { bank: string; params: number; subsets: number; rows: ScalingRow[]; fits: ScalingFit[] };
  byWidth: { R: number; rows: ScalingRow[]; fits: ScalingFit[] };
  /** the predictions, as measured */
  checks: { fallsWithRho: boolean; fallsWithR: boolean; fallsWithWidth: boolean };
}

/** Rows `rows` of a loss matrix [R, N] (first n items) as a new matrix [rows.length, n]. */
export function subsetLosses(L: LossMatrix, rows: ArrayLike<number>, n: number = L.N): LossMatrix {
  const data = new Uint8Array(rows.length * n);
  for (let k = 0; k < rows.length; k++) data.set(L.data.subarray(rows[k]! * L.N, rows[k]! * L.N + n), k * n);
  return { R: rows.length, N: n, data };
}

/** D(rho) of eq. 27 at each budget (null: the oracle error, the curve's small-lambda end), and
 *  the least rate reaching the oracle error. */
export function distortionAtRates(core: Core, L: LossMatrix, rhos: (number | null)[]): { d: number[]; leastRate: number } {
  const p = RoutingProblem.create(core, L);
  try {
    const ends = curveEnds(core, p);
    return { d: rhos.map((rho) => (rho === null ? ends.oracleError : constrainedD(core, p, rho, { dTol: 1e-7, ends }).distortion)), leastRate: ends.leastRate };
  } finally {
    p.free();
  }
}

function cellsOf(rhos: (number | null)[], perSubset: number[][]): ScalingCell[] {
  return rhos.map((rho, k) => {
    const values = perSubset.map((v) => v[k]!);
    const { mean, se } = meanSe(values);
    return { rho, mean, se: se ?? 0, values };
  });
}

function fitsOf(math: DetMath, rhos: (number | null)[], rows: ScalingRow[], x: (r: ScalingRow) => number): ScalingFit[] {
  return rhos.map((rho, k) => {
    const xs = rows.map(x), ys = rows.map((r) => r.cells[k]!.mean);
    const positive = ys.filter((v) => v > 0).length;
    return { rho, power: positive >= 2 ? fitPowerLaw(math, xs, ys) : null, saturating: rows.length >= 4 ? fitSaturatingLaw(math, xs, ys) : null };
  });
}

/** The whole experiment; onProgress(done, total) counts loss matrices solved. */
export function runScaling(core: Core, o: ScalingOptions, onProgress?: (done: number, total: number) => void): ScalingResult {
  const math = detMath(core);
  const big = o.byCount.losses;
  const n = o.n ?? big.N;
  for (const bk of [o.byCount, ...o.byWidth]) if (n > bk.losses.N) throw new RangeError(`bank ${bk.label} has ${bk.losses.N} items, fewer than n = ${n}`);
  for (const R of o.counts) if (!Number.isInteger(R) || R < 1 || R > big.R) throw new RangeError(`expert count ${R} is outside [1, ${big.R}]`);
  if (!Number.isInteger(o.subsets) || o.subsets < 1) throw new RangeError(`subsets must be a positive integer, got ${o.subsets}`);
  for (const rho of o.rhos) if (rho !== null && !(rho >= 0 && Number.isFinite(rho))) throw new RangeError(`rho ${rho} must be finite and >= 0 (or null)`);
  const counts = [...new Set(o.counts)].sort((a, b) => a - b);
  const total = counts.reduce((s, R) => s + (R === big.R ? 1 : o.subsets), 0) + o.byWidth.length;
  let done = 0;
  const rows: ScalingRow[] = counts.map((R) => {
    const S = R === big.R ? 1 : o.subsets;
    // Subset s of size R: stream (seed, scaling, R), the s-th draw of R of the big.R experts.
    const st = stream(core, o.seed, "scaling", R);
    const per: number[][] = [];
    let leastRate = 0;
    try {
      for (let s = 0; s < S; s++) {
        const rows = R === big.R ? Int32Array.from({ length: R }, (_, k) => k) : st.sample(R, big.R);
        const r = distortionAtRates(core, subsetLosses(big, rows, n), o.rhos);
        per.push(r.d);
        leastRate += r.leastRate / S;
        onProgress?.(++done, total);
      }
    } finally {
      st.free();
    }
    return { R, label: `R = ${R}`, params: R * o.byCount.params, cells: cellsOf(o.rhos, per), leastRate };
  });
  const widthRows: ScalingRow[] = [...o.byWidth].sort((a, b) => a.params - b.params).map((bk) => {
    const d = distortionAtRates(core, subsetLosses(bk.losses, Int32Array.from({ length: bk.losses.R }, (_, k) => k), n), o.rhos);
    onProgress?.(++done, total);
    return { R: bk.losses.R, label: bk.label, params: bk.params, cells: cellsOf(o.rhos, [d.d]), leastRate: d.leastRate };
  });
  // Across sizes (independent subsets): non-increasing up to 2 standard errors of each
  // difference. Along rho within a row the order is exact for every subset (D(rho) is
  // non-increasing by definition; each value is within dTol = 1e-7 of it), so it is checked to 2e-7.
  const nonIncreasing = (c: ScalingCell[]) => c.every((x, i) => i === 0 || x.mean <= c[i - 1]!.mean + 2 * Math.sqrt(x.se * x.se + c[i - 1]!.se * c[i - 1]!.se) + 1e-12);
  const nonIncreasingExact = (c: ScalingCell[]) => c.every((x, i) => i === 0 || x.mean <= c[i - 1]!.mean + 2e-7);
  const finiteOrder = o.rhos.map((r, k) => [r === null ? Infinity : r, k] as const).sort((a, b) => a[0] - b[0]).map((p) => p[1]);
  const allRows = [...rows, ...widthRows];
  return {
    format: "moe-bank/scaling",
    N: n,
    rhos: o.rhos,
    byCount: { bank: o.byCount.label, params: o.byCount.params, subsets: o.subsets, rows, fits: fitsOf(math, o.rhos, rows, (r) => r.R) },
    byWidth: { R: o.byWidth[0]?.losses.R ?? 0, rows: widthRows, fits: widthRows.length >= 2 ? fitsOf(math, o.rhos, widthRows, (r) => r.params) : [] },
    checks: {
      fallsWithRho: allRows.every((r) => nonIncreasingExact(finiteOrder.map((k) => r.cells[k]!))),
      fallsWithR: o.rhos.every((_, k) => nonIncreasing(rows.map((r) => r.cells[k]!))),
      fallsWithWidth: o.rhos.every((_, k) => nonIncreasing(widthRows.map((r) => r.cells[k]!))),
    },
  };
}
