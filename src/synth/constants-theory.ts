// Zero-compute experts, the theory (the experiment's entry is src/synth/constants.ts): Gauss-Legendre
// quadrature, the 1-D and 2-D models, segmentations, exact cell statistics and the high-rate
// predictions derived below. Pure functions of their arguments (no draws); browser-safe, no
// engine Math where a result depends on it (src/math.ts).
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
import type { DetMath } from "../math.js";
import { fitPowerLaw } from "../fit.js";

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
