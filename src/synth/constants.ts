// Zero-compute experts: a Mixture-of-Experts for regression whose experts are constants, one per
// region of a segmentation of the input space (Dar 2025, "Mixture of Many Zero-Compute Experts: A
// High-Rate Quantization Theory Perspective", arXiv 2510.03151). Only the paper's abstract is
// available; the predictions below are derived here from classical high-rate quantization theory
// and then measured. Browser-safe: no node: imports, no engine Math (src/math.ts), random draws
// from the core's Philox streams (src/prng.ts).
//
// ---------------------------------------------------------------------------------------------
// 1-D model and predictions
// ---------------------------------------------------------------------------------------------
// X ~ p on [0, 1], Y = f(X) + eps, eps ~ N(0, sigma^2) independent of X. A segmentation is
// 0 = b_0 < b_1 < ... < b_K = 1; cell k is [b_k, b_{k+1}) (the last one closed), of width h_k and
// probability P_k = int_cell p. The MoE predicts the constant c_k on cell k.
//
// Test error. E (Y - c(X))^2 = sigma^2 + sum_k int_cell p (f - c_k)^2 (the noise is independent and
// centred). Each term is a quadratic in c_k, minimized by the cell's conditional mean
//   c_k* = E[f(X) | X in cell k] = int_cell p f / P_k,
// leaving the approximation error D(K) = sum_k P_k Var(f(X) | cell k).
//
// High rate (K large, cells small). On a cell, f(x) ~ f(m_k) + f'(m_k)(x - m_k) and p is nearly
// constant, so X | cell is nearly uniform and Var(f(X) | cell) ~ f'(m_k)^2 h_k^2 / 12. With a cell
// density lambda (int lambda = 1, h(x) ~ 1 / (K lambda(x))) the sum becomes Bennett's integral
// (Bennett 1948) with weight w = p f'^2 in place of the source density:
//   D(K) ~ (1 / (12 K^2)) int p f'^2 / lambda^2.
// Hoelder: int w^(1/3) = int (w / lambda^2)^(1/3) lambda^(2/3) <= (int w / lambda^2)^(1/3) (int lambda)^(2/3),
// so int w / lambda^2 >= (int w^(1/3))^3, with equality iff lambda ~ w^(1/3) (Panter-Dite 1951;
// Gersho 1979 for the general form). Hence
//   optimal lambda* = (p f'^2)^(1/3) / int (p f'^2)^(1/3),   D*(K) ~ A / K^2,
//   A   = (1/12) (int (p f'^2)^(1/3))^3            (companded segmentation),
//   A_u = (1/12) int p f'^2                         (uniform segmentation, lambda = 1),
// and A <= A_u (Hoelder again, equality iff p f'^2 is constant). The companded segmentation has
// boundaries b_j = G^{-1}(j / K), G(x) = int_0^x lambda* (equal lambda*-mass per cell, the
// compander picture of Bennett and Panter-Dite).
//
// Estimation. The learned constant c^_k is the mean of the n_k training y's falling in cell k.
// Given n_k = m >= 1, those points are i.i.d. from p restricted to the cell, so
//   E[c^_k | n_k = m] = c_k*   (unbiased: the abstract's key result),
//   Var[c^_k | n_k = m] = (v_k + sigma^2) / m,   v_k = Var(f(X) | cell k).
// The test error of any constants splits exactly (the cross term vanishes because c_k* is the
// cell's conditional mean):
//   E(c^) = sigma^2 + D(K) + sum_k P_k (c^_k - c_k*)^2,
// and the last term (the estimation error) has mean ~ sum_k P_k (v_k + sigma^2) / (n P_k)
//   = (K sigma^2 + sum_k v_k) / n ~ K sigma^2 / n     (n P_k >> 1, v_k -> 0 at high rate).
// So E ~ sigma^2 + A / K^2 + K sigma^2 / n; d/dK = 0 at K* = (2 A n / sigma^2)^(1/3) (with A_u for
// the uniform segmentation): the approximation-estimation tradeoff of the abstract.
// An empty cell (n_k = 0) predicts the mean of all n training y's; the unbiasedness check is
// conditional on n_k >= 1.
//
// ---------------------------------------------------------------------------------------------
// 2-D: an upper bound and its minimization
// ---------------------------------------------------------------------------------------------
// X ~ p1(x1) p2(x2) on [0, 1]^2, rectangles of a tensor grid (k1 x k2 = K cells, sides a x b).
// Rigorous bound per cell: the optimal constant is no worse than f(m), m the p-centroid of the
// cell, and by the mean value theorem on the convex cell |f(x) - f(m)| <= max_cell ||grad f|| ||x - m||:
//   int_cell p (f - c*)^2 <= (max_cell ||grad f||^2) int_cell p ||x - m||^2.
// High-rate form of the bound: max -> local value, int_cell p ||x - m||^2 -> P (a^2 + b^2) / 12:
//   bound ~ (1/12) int p ||grad f||^2 (a^2 + b^2),   = A2b / K on square cells, A2b = (1/6) int p ||grad f||^2.
// The exact error's high-rate form is (1/12) int p (f_x1^2 a^2 + f_x2^2 b^2) (Var of the linear
// part), = A2h / K on squares with A2h = (1/12) int p ||grad f||^2 = A2b / 2: Cauchy-Schwarz
// |grad f . d| <= ||grad f|| ||d|| counts both directions of d, so on squares the bound is twice
// the error it bounds. Test error ~ sigma^2 + A2 / K + K sigma^2 / n, best K* = sqrt(A2 n / sigma^2).
// Minimizing the bound over a tensor grid with per-axis cell densities lambda_1, lambda_2:
//   (1/12) [int W1 / (k1^2 lambda_1^2) + int W2 / (k2^2 lambda_2^2)],  W1(x1) = int p ||grad f||^2 dx2,
// is the 1-D problem on each axis: lambda_i ~ W_i^(1/3), value (1/12)(C1 / k1^2 + C2 / k2^2) with
// C_i = (int W_i^(1/3))^3, minimized over k1 k2 = K at k1 / k2 = sqrt(C1 / C2), value
// (1/6) sqrt(C1 C2) / K. On a uniform grid (C_i -> int p ||grad f||^2) the bound prefers squares,
// while the exact error prefers k1 / k2 = sqrt(int p f_x1^2 / int p f_x2^2): the bound is isotropic
// and cannot see the gradient's direction. The aspect study below measures what that costs.
//
// ---------------------------------------------------------------------------------------------
// Defaults and why
// ---------------------------------------------------------------------------------------------
// 1-D: p(x) = 1/2 + x (sampled by x = sqrt(1/4 + 2u) - 1/2), f(x) = exp(2x), sigma = 1. f spans
// [1, e^2] and p f'^2 varies by 3 e^4 ~ 160 over [0, 1], so companding helps visibly (A / A_u ~ 0.6),
// and with sigma = 1 the predicted best K at n = 10^3, 10^4, 10^5 (~ 19, 40, 87 companded) lies inside
// the K grid 1..~300 with both error terms far above the trial-to-trial noise. A larger sigma would
// only shift the best K down by sigma^(-2/3); a flat f or p would make A = A_u and hide companding.
// 2-D: p uniform on [0, 1]^2, f = exp(x1 + 2 x2) / 10 (||grad f||^2 = 5 f^2 > 0, increasing in both
// coordinates, so its max over a rectangle is at the upper-right corner), sigma = 1; the factor 1/10
// puts sqrt(A2h n) at ~ 13, 42, 134 for n = 10^3, 10^4, 10^5, inside the grid of squares 1..289.
//
// Randomness: the training set of trial t for the i-th n is the Philox stream
// (seed, "synthConstants", 16 t + i) in 1-D and (seed, "synthConstants", 16 t + 8 + i) in 2-D
// (so at most 8 values of n); one training set serves every K and both segmentations of its trial
// (common random numbers), and no draw depends on the order of the work.
// 1-D draws: n uniforms -> x, then n normals -> eps. The x's are sorted and the eps's added in draw
// order: the eps's are i.i.d. and independent of the x's, so (sorted x_i, f(x_i) + sigma eps_i) is
// an i.i.d. training set, and the sort lets each segmentation be binned in one O(n + K) sweep.
// 2-D draws: 2n uniforms (x1, x2 interleaved), then n normals.
// All sums run in index order, so every number is bit-reproducible.
import type { Core } from "../../bindings/index.js";
import { detMath, type DetMath } from "../math.js";
import { stream } from "../prng.js";
import { chart, COLORS as C, type Series } from "../plot/svg.js";
import { markdownTable } from "../estimators/tables.js";
import { fitPowerLaw } from "../fit.js";
import { meanSe, type MeanSe } from "../stats.js";
export type { MeanSe };

// ---------------------------------------------------------------------------------------------
// Quadrature
// ---------------------------------------------------------------------------------------------

/** The 16 Gauss-Legendre nodes on [-1, 1], ascending (roots of P_16, computed to 25 digits). */
export const GL16_NODES: readonly number[] = [
  -0.9894009349916499325961542, -0.9445750230732325760779884, -0.8656312023878317438804679, -0.7554044083550030338951012,
  -0.6178762444026437484466718, -0.4580167776572273863424194, -0.2816035507792589132304605, -0.09501250983763744018531934,
  0.09501250983763744018531934, 0.2816035507792589132304605, 0.4580167776572273863424194, 0.6178762444026437484466718,
  0.7554044083550030338951012, 0.8656312023878317438804679, 0.9445750230732325760779884, 0.9894009349916499325961542,
];

/** The weights w_i = 2 / ((1 - x_i^2) P_16'(x_i)^2) of GL16_NODES (they sum to 2). */
export const GL16_WEIGHTS: readonly number[] = [
  0.02715245941175409485178057, 0.06225352393864789286284384, 0.09515851168249278480992511, 0.1246289712555338720524763,
  0.1495959888165767320815017, 0.1691565193950025381893121, 0.1826034150449235888667637, 0.1894506104550684962853967,
  0.1894506104550684962853967, 0.1826034150449235888667637, 0.1691565193950025381893121, 0.1495959888165767320815017,
  0.1246289712555338720524763, 0.09515851168249278480992511, 0.06225352393864789286284384, 0.02715245941175409485178057,
];

/** int_a^b g ~ ((b - a) / 2) sum_i w_i g((a + b) / 2 + (b - a) x_i / 2): 16-point Gauss-Legendre,
 *  exact for polynomials of degree <= 31. */
export function gaussLegendre(g: (x: number) => number, a: number, b: number): number {
  const h = (b - a) / 2, mid = (a + b) / 2;
  let s = 0;
  for (let i = 0; i < 16; i++) s += GL16_WEIGHTS[i]! * g(mid + h * GL16_NODES[i]!);
  return h * s;
}

/** int_a^b g by Gauss-Legendre on `panels` equal panels, summed in order. */
export function compositeGaussLegendre(g: (x: number) => number, a: number, b: number, panels: number): number {
  let s = 0;
  for (let j = 0; j < panels; j++) s += gaussLegendre(g, a + ((b - a) * j) / panels, a + ((b - a) * (j + 1)) / panels);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/** A 1-D regression model on [0, 1]: X ~ pdf (sampled as invCdf(U)), Y = f(X) + sigma eps. */
export interface Model1D {
  pdf: (x: number) => number;
  invCdf: (u: number) => number;
  f: (x: number) => number;
  /** f' */
  df: (x: number) => number;
  sigma: number;
  text: { p: string; f: string; sampling: string };
}

/** The default 1-D model: p(x) = 1/2 + x, P^{-1}(u) = sqrt(1/4 + 2u) - 1/2, f(x) = exp(2x), f'(x) = 2 exp(2x). */
export function defaultModel1D(m: DetMath, sigma = 1): Model1D {
  return {
    pdf: (x) => 0.5 + x,
    invCdf: (u) => Math.sqrt(0.25 + 2 * u) - 0.5,
    f: (x) => m.exp(2 * x),
    df: (x) => 2 * m.exp(2 * x),
    sigma,
    text: { p: "p(x) = 1/2 + x on [0, 1]", f: "f(x) = exp(2x)", sampling: "x = sqrt(1/4 + 2u) - 1/2, u uniform" },
  };
}

/** A 2-D regression model on [0, 1]^2 with a product density p1(x1) p2(x2). */
export interface Model2D {
  pdf1: (x: number) => number;
  invCdf1: (u: number) => number;
  pdf2: (x: number) => number;
  invCdf2: (u: number) => number;
  f: (x1: number, x2: number) => number;
  /** df/dx1 and df/dx2 */
  fx1: (x1: number, x2: number) => number;
  fx2: (x1: number, x2: number) => number;
  /** an upper bound of ||grad f||^2 over the rectangle [lo1, hi1] x [lo2, hi2] (rigorous for the model) */
  gradSqMax: (lo1: number, hi1: number, lo2: number, hi2: number) => number;
  sigma: number;
  text: { p: string; f: string; gradSqMax: string };
}

/** The default 2-D model: p uniform on [0, 1]^2, f = exp(x1 + 2 x2) / 10, grad f = f (1, 2),
 *  ||grad f||^2 = 5 f^2, increasing in x1 and x2, so its max over a rectangle is at (hi1, hi2). */
export function defaultModel2D(m: DetMath, sigma = 1): Model2D {
  const f = (x1: number, x2: number) => m.exp(x1 + 2 * x2) / 10;
  return {
    pdf1: () => 1,
    invCdf1: (u) => u,
    pdf2: () => 1,
    invCdf2: (u) => u,
    f,
    fx1: f,
    fx2: (x1, x2) => 2 * f(x1, x2),
    gradSqMax: (_lo1, hi1, _lo2, hi2) => {
      const v = f(hi1, hi2);
      return 5 * v * v;
    },
    sigma,
    text: { p: "p uniform on [0, 1]^2", f: "f(x1, x2) = exp(x1 + 2 x2) / 10", gradSqMax: "||grad f||^2 = 5 f^2 is increasing in x1 and x2: max at the upper-right corner" },
  };
}

// ---------------------------------------------------------------------------------------------
// Segmentations
// ---------------------------------------------------------------------------------------------

/** b_j = j / K, j = 0..K. */
export function uniformBoundaries(K: number): number[] {
  checkK(K);
  const b: number[] = [];
  for (let j = 0; j <= K; j++) b.push(j / K);
  return b;
}

/** The compander weight lambda*(x) up to its norm: (p(x) f'(x)^2)^(1/3) (Panter-Dite). */
export function companderWeight(model: Model1D, m: DetMath): (x: number) => number {
  return (x) => {
    const d = model.df(x);
    return m.pow(model.pdf(x) * d * d, 1 / 3);
  };
}

/**
 * The boundaries b_j = G^{-1}(j / K), j = 0..K, G(x) = int_0^x g / int_0^1 g for a weight g >= 0:
 * cell k holds 1/K of g's mass. G is tabulated at `panels` equal panels by Gauss-Legendre; inside
 * the panel holding the target, int_{panel start}^x g is one Gauss-Legendre rule and x is found by
 * bisection down to adjacent doubles. b_0 = 0, b_K = 1 exactly.
 */
export function compandedBoundaries(g: (x: number) => number, K: number, panels = 64): number[] {
  checkK(K);
  const cum: number[] = [0];
  for (let j = 0; j < panels; j++) cum.push(cum[j]! + gaussLegendre(g, j / panels, (j + 1) / panels));
  const Z = cum[panels]!;
  if (!(Z > 0)) throw new RangeError("compandedBoundaries: the weight has no mass");
  const b: number[] = [0];
  let j = 0;
  for (let i = 1; i < K; i++) {
    const t = (Z * i) / K;
    while (j < panels - 1 && cum[j + 1]! <= t) j++;
    const a = j / panels, need = t - cum[j]!;
    let lo = a, hi = (j + 1) / panels;
    for (;;) {
      const mid = lo + (hi - lo) / 2;
      if (mid <= lo || mid >= hi) break;
      if (gaussLegendre(g, a, mid) < need) lo = mid;
      else hi = mid;
    }
    b.push(Math.max(hi, b[i - 1]!));
  }
  b.push(1);
  return b;
}

function checkK(K: number): void {
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`K must be an integer >= 1, got ${K}`);
}

// ---------------------------------------------------------------------------------------------
// Population quantities of a segmentation (1-D)
// ---------------------------------------------------------------------------------------------

/** Per cell k (one Gauss-Legendre rule each): P_k = int p, the optimal constant
 *  c_k = int p f / P_k (the cell mean), and err_k = int p (f - c_k)^2 = P_k Var(f(X) | cell).
 *  A cell of zero mass gets c_k = 0, err_k = 0. */
export interface CellStats {
  P: number[];
  c: number[];
  err: number[];
}

export function cellStats(model: Model1D, bounds: readonly number[]): CellStats {
  const P: number[] = [], c: number[] = [], err: number[] = [];
  const pw = new Float64Array(16), fv = new Float64Array(16);
  for (let k = 0; k + 1 < bounds.length; k++) {
    const a = bounds[k]!, b = bounds[k + 1]!;
    const h = (b - a) / 2, mid = (a + b) / 2;
    let sp = 0, sf = 0;
    for (let i = 0; i < 16; i++) {
      const x = mid + h * GL16_NODES[i]!;
      pw[i] = GL16_WEIGHTS[i]! * model.pdf(x);
      fv[i] = model.f(x);
      sp += pw[i]!;
      sf += pw[i]! * fv[i]!;
    }
    const Pk = h * sp;
    const ck = Pk > 0 ? (h * sf) / Pk : 0;
    let se = 0;
    for (let i = 0; i < 16; i++) {
      const d = fv[i]! - ck;
      se += pw[i]! * d * d;
    }
    P.push(Pk);
    c.push(ck);
    err.push(Pk > 0 ? h * se : 0);
  }
  return { P, c, err };
}

/** The optimal constants c_k = E[f(X) | X in cell k] of a segmentation. */
export function optimalConstants(model: Model1D, bounds: readonly number[]): number[] {
  return cellStats(model, bounds).c;
}

/** The approximation error D = sum_k int_cell p (f - c_k*)^2 of the optimal constants (no noise). */
export function approximationError(model: Model1D, bounds: readonly number[]): number {
  let s = 0;
  for (const e of cellStats(model, bounds).err) s += e;
  return s;
}

/** The exact population test error of constants c on a segmentation:
 *  E (Y - c(X))^2 = sigma^2 + sum_k int_cell p (f - c_k)^2 (Gauss-Legendre per cell). */
export function testError(model: Model1D, bounds: readonly number[], constants: readonly number[]): number {
  if (constants.length !== bounds.length - 1) throw new RangeError("testError: one constant per cell");
  let s = 0;
  for (let k = 0; k + 1 < bounds.length; k++) {
    const ck = constants[k]!;
    s += gaussLegendre((x) => {
      const d = model.f(x) - ck;
      return model.pdf(x) * d * d;
    }, bounds[k]!, bounds[k + 1]!);
  }
  return model.sigma * model.sigma + s;
}

/** The high-rate constants: A = (1/12) (int (p f'^2)^(1/3))^3 (companded, Panter-Dite) and
 *  A_u = (1/12) int p f'^2 (uniform), by composite Gauss-Legendre; `norm` = int (p f'^2)^(1/3). */
export function highRateConstants(model: Model1D, m: DetMath, panels = 64): { A: number; Au: number; norm: number } {
  const norm = compositeGaussLegendre(companderWeight(model, m), 0, 1, panels);
  const wInt = compositeGaussLegendre((x) => {
    const d = model.df(x);
    return model.pdf(x) * d * d;
  }, 0, 1, panels);
  return { A: (norm * norm * norm) / 12, Au: wInt / 12, norm };
}

/** The high-rate test error sigma^2 + A / K^2 + K sigma^2 / n. */
export function predictedTestError(A: number, K: number, n: number, sigma: number): number {
  return sigma * sigma + A / (K * K) + (K * sigma * sigma) / n;
}

/** The minimizer of sigma^2 + A / K^2 + K sigma^2 / n over real K: (2 A n / sigma^2)^(1/3). */
export function predictedBestK(A: number, n: number, sigma: number, m: DetMath): number {
  return m.pow((2 * A * n) / (sigma * sigma), 1 / 3);
}

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

/** E[1/N; N >= 1] (`invMean`) and P(N = 0) (`pZero`) for N ~ Binomial(n, P). The pmf is walked
 *  from the mode m0 = floor((n + 1) P) with pmf(m + 1) / pmf(m) = ((n - m) / (m + 1)) (P / (1 - P))
 *  until the terms fall below 1e-18 of the mode's, then normalized (no exp or log needed). */
export function binomialInverseMoment(n: number, P: number): { invMean: number; pZero: number } {
  if (!Number.isInteger(n) || n < 1) throw new RangeError("binomialInverseMoment: n must be an integer >= 1");
  if (!(P > 0)) return { invMean: 0, pZero: 1 };
  if (P >= 1) return { invMean: 1 / n, pZero: 0 };
  const r = P / (1 - P);
  const m0 = Math.min(n, Math.floor((n + 1) * P));
  const down: number[] = [];
  let w = 1;
  for (let mm = m0; mm > 0; mm--) {
    w = (w * mm) / ((n - mm + 1) * r); // pmf(mm - 1) / pmf(m0)
    if (w < 1e-18) break;
    down.push(w);
  }
  const up: number[] = [1];
  w = 1;
  for (let mm = m0; mm < n; mm++) {
    w = (w * (n - mm) * r) / (mm + 1); // pmf(mm + 1) / pmf(m0)
    if (w < 1e-18) break;
    up.push(w);
  }
  const lo = m0 - down.length;
  const terms = [...down.reverse(), ...up]; // ascending m from lo
  let Z = 0, S = 0;
  for (let i = 0; i < terms.length; i++) {
    const mm = lo + i;
    Z += terms[i]!;
    if (mm >= 1) S += terms[i]! / mm;
  }
  return { invMean: S / Z, pZero: lo === 0 ? terms[0]! / Z : 0 };
}

/**
 * The exact expected estimation error E sum_k P_k (c^_k - c_k*)^2 of learned constants from n
 * i.i.d. points, with N_k ~ Binomial(n, P_k):
 *   N_k >= 1: E[(c^_k - c_k*)^2 | N_k] = (v_k + sigma^2) / N_k, so the term is P_k (v_k + sigma^2) E[1/N_k; N_k >= 1];
 *   N_k = 0: c^_k = ybar, the mean of n points drawn from p outside cell k, so the term is
 *     P_k P(N_k = 0) [(mu_-k - c_k*)^2 + (sigma^2 + Var(f | not k)) / n],
 *     mu_-k = (mu - P_k c_k*) / (1 - P_k), E[f^2 | not k] = (E f^2 - P_k (v_k + c_k*^2)) / (1 - P_k).
 * For n P_k >> 1 it reduces to (K sigma^2 + sum_k v_k) / n. Works for 1-D and 2-D cell statistics.
 */
export function expectedEstimationError(stats: { P: readonly number[]; c: readonly number[]; err: readonly number[] }, n: number, sigma: number): number {
  const s2 = sigma * sigma, K = stats.P.length;
  let mu = 0, ef2 = 0;
  for (let k = 0; k < K; k++) {
    mu += stats.P[k]! * stats.c[k]!;
    ef2 += stats.err[k]! + stats.P[k]! * stats.c[k]! * stats.c[k]!;
  }
  let s = 0;
  for (let k = 0; k < K; k++) {
    const Pk = stats.P[k]!, ck = stats.c[k]!;
    if (!(Pk > 0)) continue;
    const { invMean, pZero } = binomialInverseMoment(n, Pk);
    s += (stats.err[k]! + Pk * s2) * invMean;
    if (pZero > 0 && Pk < 1) {
      const Q = 1 - Pk;
      const muOut = (mu - Pk * ck) / Q;
      const ef2Out = (ef2 - stats.err[k]! - Pk * ck * ck) / Q;
      const d = muOut - ck;
      s += Pk * pZero * (d * d + (s2 + ef2Out - muOut * muOut) / n);
    }
  }
  return s;
}

/** Least squares of log err on log K (slope; fitPowerLaw of src/fit.ts) and the constant with the
 *  slope fixed at `slope0`: exp(mean(log err - slope0 log K)). */
export function powerLawFit(K: readonly number[], err: readonly number[], slope0: number, m: DetMath): { slope: number; constant: number; points: number } {
  const n = K.length;
  if (n < 2) throw new RangeError("powerLawFit: needs two points");
  let sc = 0;
  for (let i = 0; i < n; i++) sc += m.log(err[i]!) - slope0 * m.log(K[i]!);
  return { slope: -fitPowerLaw(m, [...K], [...err]).b, constant: m.exp(sc / n), points: n };
}

// ---------------------------------------------------------------------------------------------
// 2-D
// ---------------------------------------------------------------------------------------------

/** Per cell of the tensor grid b1 x b2 (row-major, k = i1 k2 + i2; tensor 16 x 16 Gauss-Legendre):
 *  P, the optimal constant c, err = int p (f - c)^2 (exact approximation error), bound =
 *  gradSqMax(cell) int p ||x - m||^2 (m the p-centroid; rigorous), boundHighRate =
 *  (1/12) int p ||grad f||^2 (a^2 + b^2), highRate = (1/12) int p (f_x1^2 a^2 + f_x2^2 b^2). */
export interface CellStats2D {
  k1: number;
  k2: number;
  P: number[];
  c: number[];
  err: number[];
  bound: number[];
  boundHighRate: number[];
  highRate: number[];
}

export function cellStats2D(model: Model2D, b1: readonly number[], b2: readonly number[]): CellStats2D {
  const k1 = b1.length - 1, k2 = b2.length - 1;
  const out: CellStats2D = { k1, k2, P: [], c: [], err: [], bound: [], boundHighRate: [], highRate: [] };
  const wt = new Float64Array(256), fv = new Float64Array(256), gx = new Float64Array(256), gy = new Float64Array(256);
  const X1 = new Float64Array(16), X2 = new Float64Array(16);
  for (let i1 = 0; i1 < k1; i1++) {
    const lo1 = b1[i1]!, hi1 = b1[i1 + 1]!, h1 = (hi1 - lo1) / 2, c1 = (lo1 + hi1) / 2, a = hi1 - lo1;
    for (let i = 0; i < 16; i++) X1[i] = c1 + h1 * GL16_NODES[i]!;
    for (let i2 = 0; i2 < k2; i2++) {
      const lo2 = b2[i2]!, hi2 = b2[i2 + 1]!, h2 = (hi2 - lo2) / 2, c2 = (lo2 + hi2) / 2, b = hi2 - lo2;
      for (let j = 0; j < 16; j++) X2[j] = c2 + h2 * GL16_NODES[j]!;
      let P = 0, S = 0, M1 = 0, M2 = 0;
      for (let i = 0; i < 16; i++) {
        const p1 = GL16_WEIGHTS[i]! * h1 * model.pdf1(X1[i]!);
        for (let j = 0; j < 16; j++) {
          const q = i * 16 + j, x1 = X1[i]!, x2 = X2[j]!;
          const w = p1 * GL16_WEIGHTS[j]! * h2 * model.pdf2(x2);
          wt[q] = w;
          fv[q] = model.f(x1, x2);
          gx[q] = model.fx1(x1, x2);
          gy[q] = model.fx2(x1, x2);
          P += w;
          S += w * fv[q]!;
          M1 += w * x1;
          M2 += w * x2;
        }
      }
      const c = P > 0 ? S / P : 0, m1 = P > 0 ? M1 / P : c1, m2 = P > 0 ? M2 / P : c2;
      let E = 0, mom = 0, bhr = 0, hr = 0;
      for (let i = 0; i < 16; i++) {
        for (let j = 0; j < 16; j++) {
          const q = i * 16 + j, w = wt[q]!;
          const d = fv[q]! - c, d1 = X1[i]! - m1, d2 = X2[j]! - m2;
          const u = gx[q]! * gx[q]!, v = gy[q]! * gy[q]!;
          E += w * d * d;
          mom += w * (d1 * d1 + d2 * d2);
          bhr += (w * (u + v) * (a * a + b * b)) / 12;
          hr += (w * (u * a * a + v * b * b)) / 12;
        }
      }
      out.P.push(P);
      out.c.push(c);
      out.err.push(E);
      out.bound.push(model.gradSqMax(lo1, hi1, lo2, hi2) * mom);
      out.boundHighRate.push(bhr);
      out.highRate.push(hr);
    }
  }
  return out;
}

/** Sum of an array in index order. */
export function total(xs: readonly number[]): number {
  let s = 0;
  for (const v of xs) s += v;
  return s;
}

/** int over [0, 1]^2 of p1 p2 g by tensor Gauss-Legendre on panels x panels. */
export function integrate2D(model: Model2D, g: (x1: number, x2: number) => number, panels = 4): number {
  return compositeGaussLegendre((x1) => model.pdf1(x1) * compositeGaussLegendre((x2) => model.pdf2(x2) * g(x1, x2), 0, 1, panels), 0, 1, panels);
}

/** The marginal weights of the bound: W1(x1) = int p ||grad f||^2 dx2 and W2(x2) = int p ||grad f||^2 dx1
 *  (one Gauss-Legendre rule over the other coordinate). */
export function marginalWeights(model: Model2D): { W1: (x: number) => number; W2: (x: number) => number } {
  const g2 = (x1: number, x2: number) => {
    const u = model.fx1(x1, x2), v = model.fx2(x1, x2);
    return model.pdf1(x1) * model.pdf2(x2) * (u * u + v * v);
  };
  return { W1: (x1) => gaussLegendre((x2) => g2(x1, x2), 0, 1), W2: (x2) => gaussLegendre((x1) => g2(x1, x2), 0, 1) };
}

/** The 2-D high-rate constants: gradIntegral = int p ||grad f||^2, Fx1 = int p f_x1^2,
 *  Fx2 = int p f_x2^2; A2bound = gradIntegral / 6 (bound on squares), A2highRate = gradIntegral / 12
 *  (exact error on squares); C_i = (int W_i^(1/3))^3 (companded bound: (1/12)(C1/k1^2 + C2/k2^2)),
 *  boundAspect = sqrt(C1 / C2) (the bound-optimal k1/k2 of the companded grid), A2boundCompanded =
 *  sqrt(C1 C2) / 6 (its value times K), errorAspectUniform = sqrt(Fx1 / Fx2) (the exact error's
 *  optimal k1/k2 on a uniform grid). */
export interface Constants2D {
  gradIntegral: number;
  Fx1: number;
  Fx2: number;
  A2bound: number;
  A2highRate: number;
  C1: number;
  C2: number;
  boundAspect: number;
  A2boundCompanded: number;
  errorAspectUniform: number;
}

export function highRateConstants2D(model: Model2D, m: DetMath): Constants2D {
  const Fx1 = integrate2D(model, (x1, x2) => {
    const u = model.fx1(x1, x2);
    return u * u;
  });
  const Fx2 = integrate2D(model, (x1, x2) => {
    const v = model.fx2(x1, x2);
    return v * v;
  });
  const gradIntegral = Fx1 + Fx2;
  const { W1, W2 } = marginalWeights(model);
  const r1 = compositeGaussLegendre((x) => m.pow(W1(x), 1 / 3), 0, 1, 8);
  const r2 = compositeGaussLegendre((x) => m.pow(W2(x), 1 / 3), 0, 1, 8);
  const C1 = r1 * r1 * r1, C2 = r2 * r2 * r2;
  return {
    gradIntegral, Fx1, Fx2, A2bound: gradIntegral / 6, A2highRate: gradIntegral / 12, C1, C2,
    boundAspect: Math.sqrt(C1 / C2), A2boundCompanded: Math.sqrt(C1 * C2) / 6, errorAspectUniform: Math.sqrt(Fx1 / Fx2),
  };
}

/** The bound-minimizing (companded) tensor grid: per axis the boundaries of lambda_i ~ W_i^(1/3). */
export function compandedGrid2D(model: Model2D, m: DetMath, k1: number, k2: number): { b1: number[]; b2: number[] } {
  const { W1, W2 } = marginalWeights(model);
  return { b1: compandedBoundaries((x) => m.pow(W1(x), 1 / 3), k1), b2: compandedBoundaries((x) => m.pow(W2(x), 1 / 3), k2) };
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

// ---------------------------------------------------------------------------------------------
// The experiment
// ---------------------------------------------------------------------------------------------

export interface ConstantsOptions {
  /** small grids for a run of a few seconds */
  quick: boolean;
  seed: number;
  /** training set sizes (at most 8) */
  ns?: number[];
  /** numbers of experts K of the 1-D runs, ascending */
  Ks?: number[];
  trials?: number;
  sigma?: number;
  /** run the 2-D block (default true) */
  twoD?: boolean;
  /** sides k of the k x k grids of the 2-D block, ascending */
  ks2?: number[];
  /** K of the 2-D aspect-ratio study (every k1 x k2 = K) */
  aspectK?: number;
}

const FULL = {
  ns: [1000, 10000, 100000],
  Ks: [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 19, 22, 26, 31, 37, 44, 52, 62, 74, 88, 104, 124, 147, 175, 208, 247, 294],
  trials: 40,
  ks2: [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 17],
  aspectK: 144,
};
const QUICK = {
  ns: [1000, 10000],
  Ks: [1, 2, 3, 4, 6, 8, 11, 16, 22, 32, 45, 64, 90, 128, 181, 256],
  trials: 8,
  ks2: [1, 2, 3, 4, 6, 8, 11, 16],
  aspectK: 36,
};
/** The fits of the approximation error use K >= FIT_K_MIN (the high-rate regime). */
export const FIT_K_MIN = 8;


export interface ApproxCurve {
  /** D(K) = exact approximation error of the optimal constants (no noise), per K */
  error: number[];
  /** K^2 D(K) */
  K2error: number[];
  /** least-squares slope of log D on log K over K >= FIT_K_MIN (prediction -2) */
  slope: number;
  /** exp(mean(log D + 2 log K)) over K >= FIT_K_MIN (prediction: A or A_u) */
  constant: number;
  /** K^2 D at the largest K (prediction: A or A_u) */
  K2errorAtMaxK: number;
  predictedConstant: number;
}

export interface Curve1D {
  segmentation: "companded" | "uniform";
  /** mean over trials of the exact test error of the learned constants, per K, and its standard error */
  testMean: number[];
  testSe: (number | null)[];
  /** sigma^2 + A / K^2 + K sigma^2 / n (A_u for the uniform segmentation) */
  predicted: number[];
  /** sigma^2 + D(K) + K sigma^2 / n (the exact approximation error with the high-rate estimation term) */
  predictedExactApprox: number[];
  /** mean estimation error sum_k P_k (c^_k - c_k*)^2 and its standard error */
  estimationMean: number[];
  estimationSe: (number | null)[];
  /** K sigma^2 / n */
  estimationPredicted: number[];
  /** (K sigma^2 + sum_k v_k) / n: with the within-cell variance of f */
  estimationPredictedCells: number[];
  /** the exact expectation of the estimation error (binomial cell counts, empty-cell rule: expectedEstimationError) */
  estimationExpected: number[];
  /** sigma^2 + D(K) + estimationExpected: the exact expected test error */
  expected: number[];
  /** mean number of empty cells */
  emptyCells: number[];
  /** z_k = sum_t (c^_kt - c_k*) / sqrt(sum_t (v_k + sigma^2) / n_kt) over trials with n_kt >= 1: max |z_k| and mean z_k^2 over cells */
  unbiased: { maxAbsZ: (number | null)[]; meanZ2: (number | null)[]; cells: number[] };
  /** predictedOnGridK / expectedOnGridK: the argmins of `predicted` / `expected` over the K grid */
  best: { measuredK: number; measuredTest: number; predictedK: number; predictedOnGridK: number; expectedOnGridK: number; ratio: number };
}

export interface Run1D {
  n: number;
  companded: Curve1D;
  uniform: Curve1D;
}

export interface GridErrors2D {
  approx: number[];
  bound: number[];
  boundHighRate: number[];
  highRate: number[];
}

export interface Run2D {
  n: number;
  testMean: number[];
  testSe: (number | null)[];
  /** sigma^2 + A2highRate / K + K sigma^2 / n */
  predictedHighRate: number[];
  /** sigma^2 + A2bound / K + K sigma^2 / n (the bound's high-rate form as the approximation term) */
  predictedBound: number[];
  estimationMean: number[];
  estimationSe: (number | null)[];
  estimationPredicted: number[];
  /** exact expectation of the estimation error (expectedEstimationError) and sigma^2 + D + it */
  estimationExpected: number[];
  expected: number[];
  emptyCells: number[];
  best: { measuredK: number; measuredTest: number; predictedHighRateK: number; predictedBoundK: number; predictedOnGridK: number; expectedOnGridK: number; ratioHighRate: number; ratioBound: number };
}

export interface AspectRow {
  k1: number;
  k2: number;
  uniform: { approx: number; bound: number; boundHighRate: number };
  companded: { approx: number; bound: number; boundHighRate: number };
}

export interface TwoDResult {
  model: { p: string; f: string; sigma: number; gradSqMax: string };
  constants: Constants2D;
  /** k x k grids, K = k^2 */
  squares: {
    k: number[];
    K: number[];
    uniform: GridErrors2D;
    companded: GridErrors2D;
    /** least squares of log approx on log K (prediction -1), K approx at the largest K (prediction A2highRate), K bound (A2bound) */
    fit: { slope: number; constant: number; KapproxAtMaxK: number; KboundAtMaxK: number; KboundHighRateAtMaxK: number };
  };
  runs: Run2D[];
  aspect: {
    K: number;
    rows: AspectRow[];
    /** the k1 x k2 minimizing each column */
    argmin: { uniformBound: [number, number]; uniformApprox: [number, number]; compandedBound: [number, number]; compandedApprox: [number, number] };
    /** the exact error at the grid minimizing the bound / at the grid minimizing the exact error (>= 1) */
    uniformCostOfBoundChoice: number;
    compandedCostOfBoundChoice: number;
    /** exact error and bound of the bound-minimizing companded grid over those of the bound-minimizing uniform grid */
    compandedOverUniformApprox: number;
    compandedOverUniformBound: number;
  };
}

export interface ConstantsResult {
  experiment: string;
  config: { quick: boolean; seed: number; ns: number[]; Ks: number[]; trials: number; sigma: number; fitKMin: number; streams: string; emptyCell: string };
  model: { p: string; f: string; sigma: number; sampling: string };
  constants: { A: number; Au: number; AOverAu: number; companderNorm: number };
  approximation: { K: number[]; companded: ApproxCurve; uniform: ApproxCurve };
  runs: Run1D[];
  twoD: TwoDResult | null;
}


function argminIndex(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! < xs[best]!) best = i;
  return best;
}

function checkOptions(ns: number[], Ks: number[], trials: number, sigma: number, ks2: number[], aspectK: number): void {
  if (ns.length < 1 || ns.length > 8 || ns.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError("ns: 1 to 8 integers >= 1");
  if (Ks.length < 2 || Ks.some((K, i) => !Number.isInteger(K) || K < 1 || (i > 0 && K <= Ks[i - 1]!))) throw new RangeError("Ks: at least two ascending integers >= 1");
  if (Ks.filter((K) => K >= FIT_K_MIN).length < 2) throw new RangeError(`Ks: at least two values >= ${FIT_K_MIN} for the fit`);
  if (!Number.isInteger(trials) || trials < 1) throw new RangeError("trials: an integer >= 1");
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new RangeError("sigma: a positive number");
  if (ks2.length < 2 || ks2.some((k, i) => !Number.isInteger(k) || k < 1 || (i > 0 && k <= ks2[i - 1]!))) throw new RangeError("ks2: at least two ascending integers >= 1");
  if (!Number.isInteger(aspectK) || aspectK < 1) throw new RangeError("aspectK: an integer >= 1");
}

/** Runs the experiment: the 1-D constants and approximation curves, the learned-constant test
 *  error over (n, K, trial) for both segmentations, and (unless twoD: false) the 2-D block.
 *  onProgress(done, total) counts training sets. */
export function runConstants(core: Core, options: ConstantsOptions, onProgress?: (done: number, total: number) => void): ConstantsResult {
  const m = detMath(core);
  const base = options.quick ? QUICK : FULL;
  const ns = [...(options.ns ?? base.ns)], Ks = [...(options.Ks ?? base.Ks)];
  const trials = options.trials ?? base.trials, sigma = options.sigma ?? 1;
  const ks2 = [...(options.ks2 ?? base.ks2)], aspectK = options.aspectK ?? base.aspectK;
  const doTwoD = options.twoD ?? true;
  checkOptions(ns, Ks, trials, sigma, ks2, aspectK);
  const s2 = sigma * sigma;
  const totalUnits = ns.length * trials * (doTwoD ? 2 : 1);
  let done = 0;
  const tick = () => {
    done++;
    onProgress?.(done, totalUnits);
  };

  // ---- 1-D population side
  const model = defaultModel1D(m, sigma);
  const { A, Au, norm } = highRateConstants(model, m);
  const g = companderWeight(model, m);
  const segs = [
    { name: "companded" as const, C: A, bounds: Ks.map((K) => compandedBoundaries(g, K)) },
    { name: "uniform" as const, C: Au, bounds: Ks.map((K) => uniformBoundaries(K)) },
  ];
  const stats = segs.map((s) => s.bounds.map((b) => cellStats(model, b)));
  const D = stats.map((row) => row.map((st) => total(st.err)));
  const sumV = stats.map((row) => row.map((st) => total(st.err.map((e, k) => (st.P[k]! > 0 ? e / st.P[k]! : 0)))));
  const fitIdx = Ks.map((K, i) => (K >= FIT_K_MIN ? i : -1)).filter((i) => i >= 0);
  const approxCurve = (si: number): ApproxCurve => {
    const err = D[si]!;
    const fit = powerLawFit(fitIdx.map((i) => Ks[i]!), fitIdx.map((i) => err[i]!), -2, m);
    const K2 = err.map((e, i) => e * Ks[i]! * Ks[i]!);
    return { error: err, K2error: K2, slope: fit.slope, constant: fit.constant, K2errorAtMaxK: K2[K2.length - 1]!, predictedConstant: segs[si]!.C };
  };

  // ---- 1-D runs
  const runs: Run1D[] = [];
  ns.forEach((n, ni) => {
    // per segmentation, per K: trial values and the unbiasedness accumulators per cell
    const test = segs.map(() => Ks.map(() => [] as number[]));
    const est = segs.map(() => Ks.map(() => [] as number[]));
    const empty = segs.map(() => Ks.map(() => 0));
    const zNum = segs.map(() => Ks.map((K) => new Float64Array(K)));
    const zVar = segs.map(() => Ks.map((K) => new Float64Array(K)));
    for (let t = 0; t < trials; t++) {
      const tr = drawTraining1D(core, model, n, options.seed, 16 * t + ni);
      segs.forEach((seg, si) => {
        Ks.forEach((_K, ki) => {
          const st = stats[si]![ki]!;
          const L = learnConstants(tr.x, tr.y, seg.bounds[ki]!);
          const e = estimationError(st, L.c);
          est[si]![ki]!.push(e);
          test[si]![ki]!.push(s2 + D[si]![ki]! + e);
          const num = zNum[si]![ki]!, vr = zVar[si]![ki]!;
          for (let k = 0; k < L.counts.length; k++) {
            const nk = L.counts[k]!;
            if (nk === 0) {
              empty[si]![ki]!++;
              continue;
            }
            const vk = st.P[k]! > 0 ? st.err[k]! / st.P[k]! : 0;
            num[k] = num[k]! + (L.c[k]! - st.c[k]!);
            vr[k] = vr[k]! + (vk + s2) / nk;
          }
        });
      });
      tick();
    }
    const curve = (si: number): Curve1D => {
      const seg = segs[si]!;
      const tm = test[si]!.map(meanSe), em = est[si]!.map(meanSe);
      const predicted = Ks.map((K) => predictedTestError(seg.C, K, n, sigma));
      const maxAbsZ: (number | null)[] = [], meanZ2: (number | null)[] = [], cells: number[] = [];
      Ks.forEach((K, ki) => {
        let mx = -1, sz = 0, c = 0;
        for (let k = 0; k < K; k++) {
          const v = zVar[si]![ki]![k]!;
          if (!(v > 0)) continue;
          const z = zNum[si]![ki]![k]! / Math.sqrt(v);
          mx = Math.max(mx, Math.abs(z));
          sz += z * z;
          c++;
        }
        maxAbsZ.push(c > 0 ? mx : null);
        meanZ2.push(c > 0 ? sz / c : null);
        cells.push(c);
      });
      const means = tm.map((x) => x.mean);
      const bi = argminIndex(means);
      const predictedK = predictedBestK(seg.C, n, sigma, m);
      const estimationExpected = Ks.map((_K, ki) => expectedEstimationError(stats[si]![ki]!, n, sigma));
      const expected = Ks.map((_K, ki) => s2 + D[si]![ki]! + estimationExpected[ki]!);
      return {
        segmentation: seg.name,
        testMean: means,
        testSe: tm.map((x) => x.se),
        predicted,
        predictedExactApprox: Ks.map((K, ki) => s2 + D[si]![ki]! + (K * s2) / n),
        estimationMean: em.map((x) => x.mean),
        estimationSe: em.map((x) => x.se),
        estimationPredicted: Ks.map((K) => (K * s2) / n),
        estimationPredictedCells: Ks.map((K, ki) => (K * s2 + sumV[si]![ki]!) / n),
        estimationExpected,
        expected,
        emptyCells: empty[si]!.map((e) => e / trials),
        unbiased: { maxAbsZ, meanZ2, cells },
        best: { measuredK: Ks[bi]!, measuredTest: means[bi]!, predictedK, predictedOnGridK: Ks[argminIndex(predicted)]!, expectedOnGridK: Ks[argminIndex(expected)]!, ratio: Ks[bi]! / predictedK },
      };
    };
    runs.push({ n, companded: curve(0), uniform: curve(1) });
  });

  const result: ConstantsResult = {
    experiment: "Zero-compute constant experts (Dar 2025, arXiv 2510.03151): high-rate quantization predictions vs measurement",
    config: {
      quick: options.quick, seed: options.seed, ns, Ks, trials, sigma, fitKMin: FIT_K_MIN,
      streams: "training set of trial t, i-th n: Philox (seed, synthConstants, 16 t + i) in 1-D, (seed, synthConstants, 16 t + 8 + i) in 2-D",
      emptyCell: "an empty cell predicts the mean of all training y's",
    },
    model: { p: model.text.p, f: model.text.f, sigma, sampling: model.text.sampling },
    constants: { A, Au, AOverAu: A / Au, companderNorm: norm },
    approximation: { K: Ks, companded: approxCurve(0), uniform: approxCurve(1) },
    runs,
    twoD: doTwoD ? runTwoD(core, m, options.seed, ns, trials, sigma, ks2, aspectK, tick) : null,
  };
  return result;
}

function gridErrors(st: CellStats2D): { approx: number; bound: number; boundHighRate: number; highRate: number } {
  return { approx: total(st.err), bound: total(st.bound), boundHighRate: total(st.boundHighRate), highRate: total(st.highRate) };
}

function runTwoD(core: Core, m: DetMath, seed: number, ns: number[], trials: number, sigma: number, ks2: number[], aspectK: number, tick: () => void): TwoDResult {
  const model = defaultModel2D(m, sigma);
  const s2 = sigma * sigma;
  const C = highRateConstants2D(model, m);
  const { W1, W2 } = marginalWeights(model);
  const cache = new Map<string, number[]>();
  const companded = (axis: 1 | 2, k: number): number[] => {
    const key = `${axis}:${k}`;
    let b = cache.get(key);
    if (!b) {
      const W = axis === 1 ? W1 : W2;
      b = compandedBoundaries((x) => m.pow(W(x), 1 / 3), k);
      cache.set(key, b);
    }
    return b;
  };
  // squares: uniform and companded
  const Ksq = ks2.map((k) => k * k);
  const uniStats = ks2.map((k) => cellStats2D(model, uniformBoundaries(k), uniformBoundaries(k)));
  const cmpStats = ks2.map((k) => cellStats2D(model, companded(1, k), companded(2, k)));
  const collect = (sts: CellStats2D[]): GridErrors2D => {
    const e = sts.map(gridErrors);
    return { approx: e.map((x) => x.approx), bound: e.map((x) => x.bound), boundHighRate: e.map((x) => x.boundHighRate), highRate: e.map((x) => x.highRate) };
  };
  const uniform = collect(uniStats), comp = collect(cmpStats);
  const fitIdx = Ksq.map((K, i) => (K >= FIT_K_MIN ? i : -1)).filter((i) => i >= 0);
  const fit = powerLawFit(fitIdx.map((i) => Ksq[i]!), fitIdx.map((i) => uniform.approx[i]!), -1, m);
  const last = Ksq.length - 1, Kmax = Ksq[last]!;

  // runs on the uniform squares
  const runs: Run2D[] = ns.map((n, ni) => {
    const test = Ksq.map(() => [] as number[]), est = Ksq.map(() => [] as number[]), empty = Ksq.map(() => 0);
    for (let t = 0; t < trials; t++) {
      const tr = drawTraining2D(core, model, n, seed, 16 * t + 8 + ni);
      ks2.forEach((k, ki) => {
        const b = uniformBoundaries(k);
        const L = learnConstants2D(tr, b, b);
        const st = uniStats[ki]!;
        let e = 0;
        for (let c = 0; c < st.P.length; c++) {
          const d = L.c[c]! - st.c[c]!;
          e += st.P[c]! * d * d;
          if (L.counts[c] === 0) empty[ki]!++;
        }
        est[ki]!.push(e);
        test[ki]!.push(s2 + uniform.approx[ki]! + e);
      });
      tick();
    }
    const tm = test.map(meanSe);
    const means = tm.map((x) => x.mean);
    const bi = argminIndex(means);
    const kh = Math.sqrt((C.A2highRate * n) / s2), kb = Math.sqrt((C.A2bound * n) / s2);
    const em = est.map(meanSe);
    const predictedHighRate = Ksq.map((K) => s2 + C.A2highRate / K + (K * s2) / n);
    const estimationExpected = uniStats.map((st) => expectedEstimationError(st, n, sigma));
    const expected = estimationExpected.map((e, ki) => s2 + uniform.approx[ki]! + e);
    return {
      n,
      testMean: means,
      testSe: tm.map((x) => x.se),
      predictedHighRate,
      predictedBound: Ksq.map((K) => s2 + C.A2bound / K + (K * s2) / n),
      estimationMean: em.map((x) => x.mean),
      estimationSe: em.map((x) => x.se),
      estimationPredicted: Ksq.map((K) => (K * s2) / n),
      estimationExpected,
      expected,
      emptyCells: empty.map((e) => e / trials),
      best: {
        measuredK: Ksq[bi]!, measuredTest: means[bi]!, predictedHighRateK: kh, predictedBoundK: kb,
        predictedOnGridK: Ksq[argminIndex(predictedHighRate)]!, expectedOnGridK: Ksq[argminIndex(expected)]!, ratioHighRate: Ksq[bi]! / kh, ratioBound: Ksq[bi]! / kb },
    };
  });

  // aspect study at K = aspectK: every k1 x k2 = K, uniform and companded
  const rows: AspectRow[] = [];
  for (let k1 = 1; k1 <= aspectK; k1++) {
    if (aspectK % k1 !== 0) continue;
    const k2 = aspectK / k1;
    const u = gridErrors(cellStats2D(model, uniformBoundaries(k1), uniformBoundaries(k2)));
    const c = gridErrors(cellStats2D(model, companded(1, k1), companded(2, k2)));
    rows.push({ k1, k2, uniform: { approx: u.approx, bound: u.bound, boundHighRate: u.boundHighRate }, companded: { approx: c.approx, bound: c.bound, boundHighRate: c.boundHighRate } });
  }
  const am = (pick: (r: AspectRow) => number): [number, number] => {
    const r = rows[argminIndex(rows.map(pick))]!;
    return [r.k1, r.k2];
  };
  const at = (kk: [number, number]) => rows.find((r) => r.k1 === kk[0])!;
  const argmin = { uniformBound: am((r) => r.uniform.bound), uniformApprox: am((r) => r.uniform.approx), compandedBound: am((r) => r.companded.bound), compandedApprox: am((r) => r.companded.approx) };
  return {
    model: { p: model.text.p, f: model.text.f, sigma, gradSqMax: model.text.gradSqMax },
    constants: C,
    squares: {
      k: ks2, K: Ksq, uniform, companded: comp,
      fit: { slope: fit.slope, constant: fit.constant, KapproxAtMaxK: Kmax * uniform.approx[last]!, KboundAtMaxK: Kmax * uniform.bound[last]!, KboundHighRateAtMaxK: Kmax * uniform.boundHighRate[last]! },
    },
    runs,
    aspect: {
      K: aspectK, rows, argmin,
      uniformCostOfBoundChoice: at(argmin.uniformBound).uniform.approx / at(argmin.uniformApprox).uniform.approx,
      compandedCostOfBoundChoice: at(argmin.compandedBound).companded.approx / at(argmin.compandedApprox).companded.approx,
      compandedOverUniformApprox: at(argmin.compandedBound).companded.approx / at(argmin.uniformBound).uniform.approx,
      compandedOverUniformBound: at(argmin.compandedBound).companded.bound / at(argmin.uniformBound).uniform.bound,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

function g4(x: number | null): string {
  if (x === null) return "n/a";
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e5 || a < 1e-3 ? x.toExponential(3) : x.toPrecision(4);
}

function pct(x: number): string {
  return `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}%`;
}

/** A markdown section: the constants, fitted vs predicted; best K measured vs predicted; the
 *  estimation error and unbiasedness checks; the 2-D bound, its minimization and its runs. */
export function renderConstants(r: ConstantsResult): string {
  const out: string[] = [];
  const c = r.constants, ap = r.approximation;
  out.push(`## Zero-compute experts: constant experts on a segmentation (Dar 2025, arXiv 2510.03151)`);
  out.push("");
  out.push(`Model: ${r.model.p}, ${r.model.f}, y = f(x) + N(0, ${r.model.sigma}^2); n in {${r.config.ns.join(", ")}}, ${r.config.trials} trials per (n, K), K from ${r.config.Ks[0]} to ${r.config.Ks[r.config.Ks.length - 1]} (${r.config.Ks.length} values), seed ${r.config.seed}${r.config.quick ? " (quick)" : ""}. Test errors are exact population errors of the learned constants; ${r.config.emptyCell}.`);
  out.push("");
  out.push(`### High-rate constants and the approximation error (optimal constants, no noise)`);
  out.push("");
  out.push(markdownTable(["quantity", "companded (lambda* ~ (p f'^2)^(1/3))", "uniform"], [
    ["predicted constant", `A = ${g4(c.A)}`, `A_u = ${g4(c.Au)}`],
    [`fitted slope of log D on log K (K >= ${r.config.fitKMin}; predicted -2)`, ap.companded.slope.toFixed(4), ap.uniform.slope.toFixed(4)],
    [`fitted constant exp(mean(log D + 2 log K))`, g4(ap.companded.constant), g4(ap.uniform.constant)],
    [`K^2 D at K = ${ap.K[ap.K.length - 1]}`, g4(ap.companded.K2errorAtMaxK), g4(ap.uniform.K2errorAtMaxK)],
    ["K^2 D at max K / predicted", (ap.companded.K2errorAtMaxK / c.A).toFixed(4), (ap.uniform.K2errorAtMaxK / c.Au).toFixed(4)],
  ]));
  out.push("");
  out.push(`A / A_u = ${c.AOverAu.toFixed(4)}: the companded segmentation needs ${(1 / Math.sqrt(c.AOverAu)).toFixed(3)}x fewer experts for the same approximation error.`);
  out.push("");
  const pick = ap.K.map((K, i) => i).filter((i) => i === 0 || i === ap.K.length - 1 || i % 4 === 0);
  out.push(markdownTable(["K", "D companded", "K^2 D", "D uniform", "K^2 D"], pick.map((i) => [String(ap.K[i]), g4(ap.companded.error[i]!), g4(ap.companded.K2error[i]!), g4(ap.uniform.error[i]!), g4(ap.uniform.K2error[i]!)])));
  out.push("");
  out.push(`### Test error of learned constants: best K`);
  out.push("");
  out.push(`Prediction: sigma^2 + A/K^2 + K sigma^2/n, best K = (2 A n / sigma^2)^(1/3) (A_u for uniform). "on grid" is the prediction's argmin over the same K grid; the exact expectation is sigma^2 + D(K) + E[estimation error] with binomial cell counts and the empty-cell rule (no high-rate approximation).`);
  out.push("");
  const bestRows: string[][] = [];
  for (const run of r.runs) {
    for (const cv of [run.companded, run.uniform]) {
      const b = cv.best;
      const i = r.config.Ks.indexOf(b.measuredK);
      bestRows.push([String(run.n), cv.segmentation, String(b.measuredK), b.predictedK.toFixed(1), String(b.predictedOnGridK), String(b.expectedOnGridK), b.ratio.toFixed(3), g4(b.measuredTest - r.model.sigma * r.model.sigma), g4(cv.testSe[i] ?? null), g4(cv.predicted[i]! - r.model.sigma * r.model.sigma)]);
    }
  }
  out.push(markdownTable(["n", "segmentation", "best K measured", "predicted", "on grid", "exact expectation's argmin", "measured/predicted", "excess test error at best K", "se", "predicted excess there"], bestRows));
  out.push("");
  out.push(`### Estimation error and unbiasedness`);
  out.push("");
  out.push(`Estimation error = sum_k P_k (c^_k - c_k*)^2, predicted K sigma^2/n, or (K sigma^2 + sum_k Var(f | cell k))/n with the within-cell variance. z_k = sum over trials of (c^_k - c_k*) / sqrt(sum (Var(f | cell) + sigma^2)/n_k) over trials with n_k >= 1: N(0, 1) if the learned constants are unbiased.`);
  out.push("");
  const estRows: string[][] = [];
  for (const run of r.runs) {
    for (const cv of [run.companded, run.uniform]) {
      const Ks = r.config.Ks;
      const mid = Ks.map((K, i) => i).filter((i) => Ks[i]! >= 8 && Ks[i]! * 10 <= run.n);
      let sr = 0;
      for (const i of mid) sr += cv.estimationMean[i]! / cv.estimationPredicted[i]!;
      let maxZ = 0, sz = 0, cells = 0;
      cv.unbiased.maxAbsZ.forEach((z, i) => {
        if (z !== null) maxZ = Math.max(maxZ, z);
        const mz = cv.unbiased.meanZ2[i];
        if (mz !== null && mz !== undefined) {
          sz += mz * cv.unbiased.cells[i]!;
          cells += cv.unbiased.cells[i]!;
        }
      });
      // K >= FIT_K_MIN: at K <= 4 the estimation error is a chi-square with <= 4 degrees of freedom,
      // so skewed that the standard error of a mean of a few trials is itself unreliable. The se used
      // is at least the chi-square one, E sqrt(2 / K) / sqrt(T) (the estimation error is ~ (sigma^2/n) chi^2_K).
      let dev = 0;
      cv.estimationMean.forEach((e, i) => {
        const ex = cv.estimationExpected[i]!;
        const se = Math.max(cv.estimationSe[i] ?? 0, ex * Math.sqrt(2 / Ks[i]! / r.config.trials));
        if (Ks[i]! >= r.config.fitKMin && se > 0) dev = Math.max(dev, Math.abs(e - ex) / se);
      });
      const L = Ks.length - 1;
      estRows.push([
        String(run.n), cv.segmentation, mid.length > 0 ? `${(sr / mid.length).toFixed(3)} (${mid.length} K)` : "n/a", dev.toFixed(2),
        `${g4(cv.estimationMean[L]!)} / ${g4(cv.estimationPredicted[L]!)} / ${g4(cv.estimationExpected[L]!)}`, cv.emptyCells[L]!.toFixed(1), maxZ.toFixed(2), cells > 0 ? (sz / cells).toFixed(3) : "n/a", String(cells),
      ]);
    }
  }
  out.push(markdownTable(["n", "segmentation", "mean measured / (K sigma^2/n), 8 <= K <= n/10", `max |measured - exact expectation| / se, K >= ${r.config.fitKMin} (se at least E sqrt(2/(K T)))`, `at K = ${r.config.Ks[r.config.Ks.length - 1]}: measured / K sigma^2/n / exact`, "empty cells there", "max |z_k|", "mean z_k^2 (1 if unbiased)", "cells"], estRows));
  out.push("");
  const t = r.twoD;
  if (t) {
    const C2 = t.constants;
    out.push(`### 2-D: an upper bound on the approximation error and its minimization`);
    out.push("");
    out.push(`Model: ${t.model.p}, ${t.model.f}, sigma = ${t.model.sigma}. Bound per cell: max ||grad f||^2 x int p ||x - centroid||^2 (${t.model.gradSqMax}). High-rate: bound ~ A2b/K, exact error ~ A2h/K on k x k squares.`);
    out.push("");
    const sq = t.squares, L = sq.K.length - 1;
    out.push(markdownTable(["quantity", "predicted", "measured"], [
      ["A2b = (1/6) int p ||grad f||^2 (bound, squares)", g4(C2.A2bound), `K x bound-high-rate at K = ${sq.K[L]}: ${g4(sq.fit.KboundHighRateAtMaxK)}; K x rigorous bound: ${g4(sq.fit.KboundAtMaxK)}`],
      ["A2h = (1/12) int p ||grad f||^2 (exact error, squares)", g4(C2.A2highRate), `K x D at K = ${sq.K[L]}: ${g4(sq.fit.KapproxAtMaxK)}; fitted constant ${g4(sq.fit.constant)}`],
      [`slope of log D on log K (K >= ${r.config.fitKMin})`, "-1", sq.fit.slope.toFixed(4)],
      ["companded bound constant sqrt(C1 C2)/6 (best aspect)", g4(C2.A2boundCompanded), ""],
      ["bound-optimal k1/k2, companded grid", C2.boundAspect.toFixed(3), ""],
      ["exact-error-optimal k1/k2, uniform grid", C2.errorAspectUniform.toFixed(3), ""],
    ]));
    out.push("");
    out.push(markdownTable(["k x k", "K", "D uniform", "bound", "bound high-rate", "bound / D", "D companded", "bound companded"], sq.k.map((k, i) => [
      `${k} x ${k}`, String(sq.K[i]), g4(sq.uniform.approx[i]!), g4(sq.uniform.bound[i]!), g4(sq.uniform.boundHighRate[i]!), (sq.uniform.bound[i]! / sq.uniform.approx[i]!).toFixed(3), g4(sq.companded.approx[i]!), g4(sq.companded.bound[i]!),
    ])));
    out.push("");
    out.push(markdownTable(["n", "best K measured", "sqrt(A2h n)/sigma", "on grid", "exact expectation's argmin", "sqrt(A2b n)/sigma (bound)", "measured / A2h-prediction", "excess test error at best K"], t.runs.map((run) => [
      String(run.n), String(run.best.measuredK), run.best.predictedHighRateK.toFixed(1), String(run.best.predictedOnGridK), String(run.best.expectedOnGridK), run.best.predictedBoundK.toFixed(1), run.best.ratioHighRate.toFixed(3), g4(run.best.measuredTest - t.model.sigma * t.model.sigma),
    ])));
    out.push("");
    const a = t.aspect;
    out.push(`Bound minimization at K = ${a.K} over the aspect k1 x k2 (uniform grid, and the companded grid with lambda_i ~ W_i^(1/3)):`);
    out.push("");
    out.push(markdownTable(["k1 x k2", "uniform: bound", "bound high-rate", "D", "companded: bound", "bound high-rate", "D"], a.rows.map((row) => [
      `${row.k1} x ${row.k2}`, g4(row.uniform.bound), g4(row.uniform.boundHighRate), g4(row.uniform.approx), g4(row.companded.bound), g4(row.companded.boundHighRate), g4(row.companded.approx),
    ])));
    out.push("");
    const fmtK = (k: [number, number]) => `${k[0]} x ${k[1]}`;
    out.push(`- Uniform grid: the bound is smallest at ${fmtK(a.argmin.uniformBound)}, the exact error at ${fmtK(a.argmin.uniformApprox)}; choosing by the bound costs ${pct(a.uniformCostOfBoundChoice - 1)} in exact error.`);
    out.push(`- Companded grid: the bound is smallest at ${fmtK(a.argmin.compandedBound)}, the exact error at ${fmtK(a.argmin.compandedApprox)}; choosing by the bound costs ${pct(a.compandedCostOfBoundChoice - 1)}.`);
    out.push(`- Bound-minimizing companded grid vs bound-minimizing uniform grid: bound ${pct(a.compandedOverUniformBound - 1)}, exact error ${pct(a.compandedOverUniformApprox - 1)}.`);
    out.push("");
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

const N_COLORS = [C.blue, C.orange, C.green, C.red, C.purple, C.brown, C.gray, "#17becf"];

function excessBars(mean: readonly number[], se: readonly (number | null)[], s2: number): { y: number[]; lo: number[]; hi: number[] } {
  const y = mean.map((v) => v - s2);
  // a log axis cannot show a bar below zero: the lower end is floored at a tenth of the mean
  return { y, lo: y.map((v, i) => Math.max(v - (se[i] ?? 0), v / 10)), hi: y.map((v, i) => v + (se[i] ?? 0)) };
}

/** The figures as SVG documents: constants-test-error, constants-approximation,
 *  constants-approximation-scaled, constants-estimation, and (with the 2-D block) constants-2d, constants-2d-test-error,
 *  constants-2d-aspect. `log10` must be deterministic (e.g. the core's log / log 10). */
export function constantsFigures(r: ConstantsResult, log10: (x: number) => number): Record<string, string> {
  const Ks = r.config.Ks, s2 = r.model.sigma * r.model.sigma;
  const figs: Record<string, string> = {};
  const series: Series[] = [];
  r.runs.forEach((run, i) => {
    const col = N_COLORS[i % N_COLORS.length]!;
    const cb = excessBars(run.companded.testMean, run.companded.testSe, s2);
    const ub = excessBars(run.uniform.testMean, run.uniform.testSe, s2);
    series.push({ kind: "errorbars", label: `companded, n = ${run.n}: measured +- se`, x: Ks, ...cb, color: col });
    series.push({ kind: "line", label: `companded, n = ${run.n}: A/K^2 + K sigma^2/n`, x: Ks, y: run.companded.predicted.map((v) => v - s2), color: col });
    series.push({ kind: "errorbars", label: "", x: Ks, ...ub, color: col });
    series.push({ kind: "points", label: `uniform, n = ${run.n}: measured +- se`, x: Ks, y: ub.y, color: col, shape: "square" });
    series.push({ kind: "line", label: `uniform, n = ${run.n}: A_u/K^2 + K sigma^2/n`, x: Ks, y: run.uniform.predicted.map((v) => v - s2), color: col, dash: true });
  });
  figs["constants-test-error.svg"] = chart({
    title: "Constant experts: excess test error of learned constants vs K",
    subtitle: `${r.model.p}, ${r.model.f}, sigma = ${r.model.sigma}; mean of ${r.config.trials} trials; test error minus sigma^2`,
    x: { label: "number of experts K", log: true },
    y: { label: "test error - sigma^2", log: true },
    series,
    log10,
    height: 440,
  });
  const ap = r.approximation;
  figs["constants-approximation.svg"] = chart({
    title: "Approximation error of the optimal constants vs K",
    subtitle: `exact (quadrature) vs high-rate A/K^2 (A = ${g4(r.constants.A)}) and A_u/K^2 (A_u = ${g4(r.constants.Au)})`,
    x: { label: "number of experts K", log: true },
    y: { label: "approximation error D(K)", log: true },
    series: [
      { kind: "points", label: "companded segmentation, exact", x: Ks, y: ap.companded.error, color: C.blue },
      { kind: "line", label: "A / K^2", x: Ks, y: Ks.map((K) => r.constants.A / (K * K)), color: C.blue },
      { kind: "points", label: "uniform segmentation, exact", x: Ks, y: ap.uniform.error, color: C.orange, shape: "square" },
      { kind: "line", label: "A_u / K^2", x: Ks, y: Ks.map((K) => r.constants.Au / (K * K)), color: C.orange, dash: true },
    ],
    log10,
  });
  figs["constants-approximation-scaled.svg"] = chart({
    title: "K^2 x approximation error: convergence to the high-rate constants",
    subtitle: "Bennett's integral with lambda* ~ (p f'^2)^(1/3) (Panter-Dite) gives A; lambda = 1 gives A_u",
    x: { label: "number of experts K", log: true },
    y: { label: "K^2 D(K)", min: 0, max: 1.15 * Math.max(r.constants.Au, r.constants.A, ...ap.companded.K2error, ...ap.uniform.K2error) },
    series: [
      { kind: "line", label: "companded segmentation", x: Ks, y: ap.companded.K2error, color: C.blue, markers: true },
      { kind: "line", label: "uniform segmentation", x: Ks, y: ap.uniform.K2error, color: C.orange, markers: true },
    ],
    hlines: [
      { at: r.constants.A, label: `A = (1/12) (int (p f'^2)^(1/3))^3 = ${g4(r.constants.A)}`, color: C.blue, dash: true },
      { at: r.constants.Au, label: `A_u = (1/12) int p f'^2 = ${g4(r.constants.Au)}`, color: C.orange, dash: true },
    ],
    log10,
  });
  const es: Series[] = [];
  r.runs.forEach((run, i) => {
    const col = N_COLORS[i % N_COLORS.length]!;
    es.push({ kind: "points", label: `companded, n = ${run.n}`, x: Ks, y: run.companded.estimationMean, color: col });
    es.push({ kind: "points", label: `uniform, n = ${run.n}`, x: Ks, y: run.uniform.estimationMean, color: col, shape: "square" });
    es.push({ kind: "line", label: `K sigma^2 / n, n = ${run.n}`, x: Ks, y: run.companded.estimationPredicted, color: col, dash: true });
    es.push({ kind: "line", label: `exact expectation (binomial counts, empty cells), companded, n = ${run.n}`, x: Ks, y: run.companded.estimationExpected, color: col });
  });
  figs["constants-estimation.svg"] = chart({
    title: "Estimation error of learned constants vs K",
    subtitle: "sum_k P_k (c^_k - c_k*)^2, mean over trials, against K sigma^2 / n and its exact expectation",
    x: { label: "number of experts K", log: true },
    y: { label: "estimation error", log: true },
    series: es,
    log10,
  });
  const t = r.twoD;
  if (t) {
    const sq = t.squares, KK = sq.K;
    figs["constants-2d.svg"] = chart({
      title: "2-D: approximation error, its rigorous bound and high-rate forms (k x k grids)",
      subtitle: `${t.model.f}, ${t.model.p}; A2b = ${g4(t.constants.A2bound)}, A2h = ${g4(t.constants.A2highRate)}`,
      x: { label: "number of experts K = k^2", log: true },
      y: { label: "approximation error", log: true },
      series: [
        { kind: "points", label: "exact error D, uniform grid", x: KK, y: sq.uniform.approx, color: C.blue },
        { kind: "line", label: "A2h / K (exact error, high rate)", x: KK, y: KK.map((K) => t.constants.A2highRate / K), color: C.blue },
        { kind: "points", label: "rigorous bound, uniform grid", x: KK, y: sq.uniform.bound, color: C.red, shape: "square" },
        { kind: "points", label: "bound, high-rate form (1/12) int p ||grad f||^2 (a^2 + b^2)", x: KK, y: sq.uniform.boundHighRate, color: C.orange, shape: "diamond" },
        { kind: "line", label: "A2b / K (bound, high rate)", x: KK, y: KK.map((K) => t.constants.A2bound / K), color: C.orange, dash: true },
        { kind: "points", label: "exact error D, companded grid", x: KK, y: sq.companded.approx, color: C.green },
        { kind: "points", label: "rigorous bound, companded grid", x: KK, y: sq.companded.bound, color: C.purple, shape: "square" },
      ],
      log10,
      height: 420,
    });
    const ts: Series[] = [];
    t.runs.forEach((run, i) => {
      const col = N_COLORS[i % N_COLORS.length]!;
      ts.push({ kind: "errorbars", label: `n = ${run.n}: measured +- se`, x: KK, ...excessBars(run.testMean, run.testSe, s2), color: col });
      ts.push({ kind: "line", label: `n = ${run.n}: A2h/K + K sigma^2/n`, x: KK, y: run.predictedHighRate.map((v) => v - s2), color: col });
      ts.push({ kind: "line", label: `n = ${run.n}: A2b/K + K sigma^2/n (bound)`, x: KK, y: run.predictedBound.map((v) => v - s2), color: col, dash: true });
    });
    figs["constants-2d-test-error.svg"] = chart({
      title: "2-D: excess test error of learned constants vs K (k x k uniform grids)",
      subtitle: `${t.model.f}, sigma = ${t.model.sigma}; mean of ${r.config.trials} trials; test error minus sigma^2`,
      x: { label: "number of experts K = k^2", log: true },
      y: { label: "test error - sigma^2", log: true },
      series: ts,
      log10,
      height: 420,
    });
    const a = t.aspect, k1 = a.rows.map((row) => row.k1);
    figs["constants-2d-aspect.svg"] = chart({
      title: `2-D: bound and exact error over the aspect k1 x k2 = ${a.K}`,
      subtitle: `bound-minimizing companded aspect k1/k2 = ${t.constants.boundAspect.toFixed(2)}; exact-error-minimizing uniform aspect ${t.constants.errorAspectUniform.toFixed(2)}`,
      x: { label: "k1 (cells along x1); k2 = K / k1", log: true },
      y: { label: "approximation error", log: true },
      series: [
        { kind: "line", label: "rigorous bound, uniform grid", x: k1, y: a.rows.map((row) => row.uniform.bound), color: C.red, markers: true },
        { kind: "line", label: "exact error, uniform grid", x: k1, y: a.rows.map((row) => row.uniform.approx), color: C.blue, markers: true },
        { kind: "line", label: "rigorous bound, companded grid", x: k1, y: a.rows.map((row) => row.companded.bound), color: C.purple, dash: true, markers: true },
        { kind: "line", label: "exact error, companded grid", x: k1, y: a.rows.map((row) => row.companded.approx), color: C.green, dash: true, markers: true },
      ],
      vlines: [
        { at: Math.sqrt(a.K), label: `square cells (the uniform bound's high-rate optimum), k1 = sqrt(K) = ${Math.sqrt(a.K).toFixed(1)}`, color: C.gray, dash: true },
        { at: Math.sqrt(a.K * t.constants.errorAspectUniform), label: `exact error's high-rate optimum, uniform grid: k1 = sqrt(K sqrt(Fx1/Fx2)) = ${Math.sqrt(a.K * t.constants.errorAspectUniform).toFixed(1)}`, color: C.blue, dash: true },
        { at: Math.sqrt(a.K * t.constants.boundAspect), label: `companded bound's high-rate optimum: k1 = sqrt(K sqrt(C1/C2)) = ${Math.sqrt(a.K * t.constants.boundAspect).toFixed(1)}`, color: C.purple, dash: true },
      ],
      log10,
    });
  }
  return figs;
}
