// Zero-compute experts, the simulation (the experiment's entry is src/synth/constants.ts): training
// sets drawn from the core's Philox streams and the constants learned from them. Browser-safe.
//
// 1-D draws: n uniforms -> x, then n normals -> eps. The x's are sorted and the eps's added in draw
// order: the eps's are i.i.d. and independent of the x's, so (sorted x_i, f(x_i) + sigma eps_i) is
// an i.i.d. training set, and the sort lets each segmentation be binned in one O(n + K) sweep.
// 2-D draws: 2n uniforms (x1, x2 interleaved), then n normals.
// All sums run in index order, so every number is bit-reproducible.
import type { Core } from "../../bindings/index.js";
import { stream } from "../prng.js";
import type { CellStats, Model1D, Model2D } from "./constants-theory.js";

// ---------------------------------------------------------------------------------------------
// Training sets and learned constants (1-D)
// ---------------------------------------------------------------------------------------------

/** A 1-D training set: x ascending, y_i = f(x_i) + sigma eps_i. */
export interface Training1D {
  x: Float64Array;
  y: Float64Array;
}

/** Draws n points from stream (seed, "synthConstants", index): n uniforms -> x = invCdf(u),
 *  sorted ascending; then n normals eps, y_i = f(x_i) + sigma eps_i in draw order of eps. */
export function drawTraining1D(core: Core, model: Model1D, n: number, seed: number, index: number): Training1D {
  const s = stream(core, seed, "synthConstants", index);
  const u = s.uniform(n);
  const eps = s.normal(n);
  s.free();
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = model.invCdf(u[i]!);
  x.sort();
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = model.f(x[i]!) + model.sigma * eps[i]!;
  return { x, y };
}

/** Learned constants from a training set with ascending x: c^_k = mean of the y's in cell k
 *  ([b_k, b_{k+1}), the last cell closed), or the mean of all y's (`fallback`) when the cell is empty. */
export function learnConstants(x: ArrayLike<number>, y: ArrayLike<number>, bounds: readonly number[]): { c: number[]; counts: number[]; fallback: number } {
  const n = x.length, K = bounds.length - 1;
  if (n === 0 || y.length !== n) throw new RangeError("learnConstants: needs n >= 1 points with one y each");
  const counts = new Array<number>(K).fill(0), sums = new Array<number>(K).fill(0);
  let all = 0, j = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    if (i > 0 && xi < x[i - 1]!) throw new RangeError("learnConstants: x must be ascending");
    while (j < K - 1 && xi >= bounds[j + 1]!) j++;
    counts[j]!++;
    sums[j] = sums[j]! + y[i]!;
    all += y[i]!;
  }
  const fallback = all / n;
  return { c: sums.map((s, k) => (counts[k]! > 0 ? s / counts[k]! : fallback)), counts, fallback };
}

/** The estimation error sum_k P_k (c^_k - c_k*)^2: the test error of c^ minus that of c*. */
export function estimationError(stats: CellStats, learned: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < stats.P.length; k++) {
    const d = learned[k]! - stats.c[k]!;
    s += stats.P[k]! * d * d;
  }
  return s;
}

/** A 2-D training set in draw order. */
export interface Training2D {
  x1: Float64Array;
  x2: Float64Array;
  y: Float64Array;
}

/** Draws n points from stream (seed, "synthConstants", index): 2n uniforms (x1, x2 interleaved),
 *  then n normals; y_i = f(x_i) + sigma eps_i. */
export function drawTraining2D(core: Core, model: Model2D, n: number, seed: number, index: number): Training2D {
  const s = stream(core, seed, "synthConstants", index);
  const u = s.uniform(2 * n);
  const eps = s.normal(n);
  s.free();
  const x1 = new Float64Array(n), x2 = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x1[i] = model.invCdf1(u[2 * i]!);
    x2[i] = model.invCdf2(u[2 * i + 1]!);
    y[i] = model.f(x1[i]!, x2[i]!) + model.sigma * eps[i]!;
  }
  return { x1, x2, y };
}

/** The cell j of x for boundaries b: the largest j <= K - 1 with b_j <= x (binary search). */
export function cellOf(b: readonly number[], x: number): number {
  let lo = 0, hi = b.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (b[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Learned constants on the grid b1 x b2 (row-major cells): cell means of y, or the mean of all
 *  y's for an empty cell. */
export function learnConstants2D(t: Training2D, b1: readonly number[], b2: readonly number[]): { c: number[]; counts: number[]; fallback: number } {
  const n = t.y.length, k2 = b2.length - 1, K = (b1.length - 1) * k2;
  if (n === 0) throw new RangeError("learnConstants2D: needs n >= 1");
  const counts = new Array<number>(K).fill(0), sums = new Array<number>(K).fill(0);
  let all = 0;
  for (let i = 0; i < n; i++) {
    const k = cellOf(b1, t.x1[i]!) * k2 + cellOf(b2, t.x2[i]!);
    counts[k]!++;
    sums[k] = sums[k]! + t.y[i]!;
    all += t.y[i]!;
  }
  const fallback = all / n;
  return { c: sums.map((s, k) => (counts[k]! > 0 ? s / counts[k]! : fallback)), counts, fallback };
}
