// How much the routing curve D(rho) of eq. 27 owes to which rows it is measured on (Section V-A
// uses the first 2,000 test images). Two views:
// - a bootstrap over the routing rows: B resamples of the n rows with replacement, each solved
//   like the original (curveEnds, constrainedD at each rate): a percentile band for D(rho), the
//   oracle error and the least rate that reaches it. The curve is an in-sample envelope (every row
//   routed by its own losses), so the band is the spread of that envelope over the rows, not an
//   interval around a deployable gate's error;
// - the same numbers on other rows: the first n (the paper's), a random n (seeded), all N.
import type { Core } from "../../bindings/index.js";
import { stream } from "../prng.js";
import { quantileSorted } from "../stats.js";
import { RoutingProblem } from "./ba.js";
import type { LossMatrix } from "../formats/losses.js";
import { constrainedD, curveEnds, lambdaMaxClosedForm } from "./curve.js";

/** The numbers of one routing curve that the band and the sensitivity report. */
export interface CurveSummary {
  n: number;
  /** Distinct loss patterns. */
  K: number;
  oracleError: number;
  /** The least rate reaching the oracle error (nats). */
  leastRate: number;
  /** The best single expert's error (the curve at rate 0). */
  bestError: number;
  /** D(rho) as achieved at each rate of the grid. */
  d: number[];
}

/** The summary of the curve of one problem at the rates rho. */
export function curveSummary(core: Core, prob: RoutingProblem, rho: readonly number[]): CurveSummary {
  const ends = curveEnds(core, prob);
  const bestError = prob.zeroOne ? lambdaMaxClosedForm(core, prob).bestError : Math.min(...prob.meanLosses());
  return {
    n: prob.N,
    K: prob.K,
    oracleError: ends.oracleError,
    leastRate: ends.leastRate,
    bestError,
    d: rho.map((r) => constrainedD(core, prob, r, { ends }).distortion),
  };
}

/** The columns idx of a loss matrix [R, N]: a loss matrix [R, idx.length]. */
export function lossColumns(L: LossMatrix, idx: ArrayLike<number>): LossMatrix {
  const n = idx.length;
  const data = new Uint8Array(L.R * n);
  for (let t = 0; t < L.R; t++) for (let j = 0; j < n; j++) data[t * n + j] = L.data[t * L.N + idx[j]!]!;
  return { R: L.R, N: n, data };
}

function summaryOf(core: Core, L: LossMatrix, rho: readonly number[]): CurveSummary {
  const prob = RoutingProblem.create(core, L);
  try {
    return curveSummary(core, prob, rho);
  } finally {
    prob.free();
  }
}

/** A percentile band. */
export interface Band {
  lo: number;
  hi: number;
}

export interface CurveBand {
  n: number;
  resamples: number;
  seed: number;
  level: number;
  rho: number[];
  /** The curve on the rows themselves. */
  estimate: CurveSummary;
  /** Percentile bands over the resamples. */
  d: Band[];
  oracleError: Band;
  leastRate: Band;
  bestError: Band;
}

export interface CurveBandOptions {
  /** Resamples (default 100). */
  resamples?: number;
  seed?: number;
  level?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The bootstrap band of the curve on the first n rows of L: resample b draws n of those rows
 * with replacement from the stream (seed, routeBootstrap, b), and is solved as the original.
 */
export function curveBand(core: Core, L: LossMatrix, n: number, rho: readonly number[], options: CurveBandOptions = {}): CurveBand {
  const B = options.resamples ?? 100, seed = options.seed ?? 0, level = options.level ?? 0.95;
  if (!Number.isInteger(n) || n < 1 || n > L.N) throw new RangeError(`n must be an integer in [1, ${L.N}], got ${n}`);
  if (!Number.isInteger(B) || B < 1) throw new RangeError(`resamples must be a positive integer, got ${B}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const estimate = summaryOf(core, lossColumns(L, Int32Array.from({ length: n }, (_, i) => i)), rho);
  const reps: CurveSummary[] = [];
  for (let b = 0; b < B; b++) {
    const st = stream(core, seed, "routeBootstrap", b);
    let idx: Int32Array;
    try {
      idx = st.bootstrap(n, n);
    } finally {
      st.free();
    }
    reps.push(summaryOf(core, lossColumns(L, idx), rho));
    options.onProgress?.(b + 1, B);
  }
  const band = (get: (s: CurveSummary) => number): Band => {
    const v = Float64Array.from(reps, get).sort();
    return { lo: quantileSorted(v, (1 - level) / 2), hi: quantileSorted(v, (1 + level) / 2) };
  };
  return {
    n,
    resamples: B,
    seed,
    level,
    rho: [...rho],
    estimate,
    d: rho.map((_, j) => band((s) => s.d[j]!)),
    oracleError: band((s) => s.oracleError),
    leastRate: band((s) => s.leastRate),
    bestError: band((s) => s.bestError),
  };
}

/** The curve on three choices of rows. */
export interface RowSensitivity {
  rho: number[];
  seed: number;
  rows: { label: string; rows: string; summary: CurveSummary }[];
}

/** The curve on the first n rows (the paper's), a random n of the N (stream (seed, routeRows,
 *  0), drawn without replacement, kept in draw order) and all N. */
export function rowSensitivity(core: Core, L: LossMatrix, n: number, rho: readonly number[], seed = 0): RowSensitivity {
  if (!Number.isInteger(n) || n < 1 || n > L.N) throw new RangeError(`n must be an integer in [1, ${L.N}], got ${n}`);
  const st = stream(core, seed, "routeRows", 0);
  let pick: Int32Array;
  try {
    pick = st.sample(n, L.N);
  } finally {
    st.free();
  }
  const first = Int32Array.from({ length: n }, (_, i) => i);
  const all = Int32Array.from({ length: L.N }, (_, i) => i);
  return {
    rho: [...rho],
    seed,
    rows: [
      { label: `first ${n}`, rows: `0-${n - 1}`, summary: summaryOf(core, lossColumns(L, first), rho) },
      { label: `random ${n}`, rows: `seed ${seed}`, summary: summaryOf(core, lossColumns(L, pick), rho) },
      { label: `all ${L.N}`, rows: `0-${L.N - 1}`, summary: summaryOf(core, lossColumns(L, all), rho) },
    ],
  };
}
