// Finite-rate gating on a synthetic multi-expert model (companion paper: "Mixture-of-Experts under
// Finite-Rate Gating: Communication-Generalization Trade-offs", 2026). Its claim, for a gate T of
// rate R_g = I(X;T) and experts W learned from a sample S of m items, is
//   E[R(W)] <= D(R_g) + delta_m + sqrt((2/m) I(S;W)),                                      (GB)
// with D(R_g) the rate-distortion function of routing (the least expected loss of any gate with
// I(X;T) <= R_g) and delta_m the slack of the empirical rate-distortion optimality condition.
// Everything here is built so that each term is exact or a plain Monte Carlo estimate with a stated
// error (browser-safe):
//
// Data model. n components z (Z uniform), one expert per component. X is discrete: J points
//   x_j = a + (j + 1/2) h on [mu_0 - width, mu_{n-1} + width], mu_z = z * spacing,
//   P(x_j | z) = phi_z(j) = exp(-(x_j - mu_z)^2 / 2) / sum_j' exp(-(x_j' - mu_z)^2 / 2),
// a discretized unit-variance Gaussian mixture, so p(x_j) = (1/n) sum_z phi_z(j) and every
// population quantity (I(X;T), D, R(W)) is a finite sum: exact, not a quadrature.
// Labels. 2n classes, two per component: Y = 2 Z + (g_Z(X) xor B), B ~ Bernoulli(eta),
// g_z(x) = [s_z (x - mu_z) > 0], s_z = +1 for even z and -1 for odd z. Only the expert of
// component z can name z's classes, so the gate must find the component: with binary labels
// shared by all components, a 0-1 loss would depend on an expert's predicted bit only, and
// routing would need at most log 2 nats whatever n is.
// Experts. Slot t holds a threshold classifier predicting 2t + h(x), h(x) = [s_t (x - theta) > 0].
// Its expected 0-1 loss at x_j is
//   l(j; t, h) = 1 - p(t | x_j) ((1 - eta) [h(x_j) = g_t(x_j)] + eta [h(x_j) != g_t(x_j)]).
// The true experts have theta_t = mu_t; their losses d[j, t] are the distortion matrix of routing.
// Gates. q(t | x_j), stochastic. Its rate is I(X;T) = sum_j p_j sum_t q log(q / qbar_t) (exact)
// and its distortion sum_j p_j sum_t q d[j, t]. D(R) is computed by Blahut-Arimoto on (d, p)
// (src/routing: RoutingProblem.fromDistortions; eqs. 26-29 of the main paper with weights p_j),
// and two gate families are measured against it: the BA gates themselves (on the curve by
// construction) and softmax gates q_tau(t | x) proportional to p(t | x)^(1/tau) (the posterior at
// temperature tau; tau -> 0 is MAP routing with I = H(T_MAP), tau -> infinity the uniform gate
// with I = 0), which must lie on or above the curve.
// Learning. A bank of B candidate expert sets: candidate b has theta_t^b = mu_t + sd xi_{t,b},
// xi ~ N(0, 1) (stream (seed, synthGating, 0)). Under a fixed gate q, candidate b's population
// risk is R(b) = sum_j p_j sum_t q(t | x_j) l(j; h_t^b) and its empirical risk on S is
// L_S(b) = (1/m) sum_i sum_t q(t | x_i) [h_t^b(x_i) != y_i] (the gate's randomness averaged: a
// loss in [0, 1]). W is selected by the paper's alpha-mixture rule (main paper eq. 11):
// q_alpha(b | S) = (1 - alpha)/B + alpha [b = argmin L_S], so I(S;W) comes from discrete
// entropies over M independent samples (src/estimators/entropy.ts mutualInfo, eqs. 15-18: exact
// given the samples, a plug-in estimate of the population value, low by at most about
// (B - 1)/(2M), reported as `hBias`), and E[R(W)], E[L_S(W)] follow by linearity. Sample i of draw s uses stream (seed, synthGating,
// 1 + s).
// The bound. delta_m := E[L_S(W)] - D(R_g) (measured; it can be negative), so (GB) reads
// E[R(W)] - E[L_S(W)] <= sqrt((2/m) I): Xu and Raginsky (2017) with a sigma = 1 sub-Gaussian loss.
// A loss in [0, 1] is sigma = 1/2 sub-Gaussian (Hoeffding's lemma), which gives the tighter
// sqrt(I / (2m)); both readings are reported, as for the main paper (docs/DESIGN.md section 8).
import type { Core } from "../../bindings/index.js";
import { detMath, type DetMath } from "../math.js";
import { stream } from "../prng.js";
import { entropy, mutualInfo } from "../estimators/entropy.js";
import { RoutingProblem } from "../routing/ba.js";
import { sweep } from "../routing/curve.js";

export interface GatingModel {
  /** n: components = experts */
  experts: number;
  /** distance between neighbouring component means (component sd = 1) */
  spacing: number;
  /** label noise eta in [0, 1/2) */
  noise: number;
  /** J: points of the discretized source */
  points: number;
  /** the grid reaches this far beyond the outer means */
  width: number;
}

export interface GatingOptions {
  model: GatingModel;
  /** B: candidate expert sets */
  candidates: number;
  /** sd of the candidates' threshold perturbations */
  perturbation: number;
  /** m: items per sample S */
  m: number;
  /** M: independent samples S */
  M: number;
  alphas: number[];
  /** the BA gates at which the learned MoE is measured: the curve's points (dense lambda grid)
   *  nearest in rate to these fractions of the least rate reaching the floor */
  rateFractions: number[];
  /** temperatures of the softmax gates */
  temperatures: number[];
  /** sample sizes of the m-sweep (at the middle BA gate, alpha = 1) */
  sampleSizes: number[];
  seed: number;
}

export const DEFAULT_GATING_MODEL: GatingModel = { experts: 4, spacing: 2.5, noise: 0.05, points: 1024, width: 8 };

/** The full run and the quick one (tests, --quick). */
export function gatingOptions(quick: boolean, seed = 0): GatingOptions {
  return {
    model: quick ? { ...DEFAULT_GATING_MODEL, points: 256 } : DEFAULT_GATING_MODEL,
    candidates: quick ? 16 : 32,
    perturbation: 0.5,
    m: 100,
    M: quick ? 300 : 4000,
    alphas: [0, 0.25, 0.5, 0.75, 0.9, 1],
    rateFractions: quick ? [0.1, 0.4, 0.7, 1] : [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95, 1],
    temperatures: quick ? [0.05, 0.3, 1, 3, 10] : [0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30],
    sampleSizes: quick ? [25, 100, 400] : [25, 50, 100, 200, 400, 800],
    seed,
  };
}

/** The discretized mixture: x [J], p [J] (sums to 1), post [J, n] = p(z | x_j), cdf [n, J] =
 *  the cumulative P(x_j | z) (for sampling). */
export interface Source {
  model: GatingModel;
  mu: Float64Array;
  x: Float64Array;
  p: Float64Array;
  post: Float64Array;
  cdf: Float64Array;
}

export function checkModel(md: GatingModel): void {
  const int = (k: string, v: number, lo: number) => {
    if (!Number.isInteger(v) || v < lo) throw new RangeError(`gating model: ${k} must be an integer >= ${lo}, got ${v}`);
  };
  int("experts", md.experts, 2);
  if (md.experts > 100) throw new RangeError(`gating model: experts must be <= 100 (2n classes in a byte), got ${md.experts}`);
  int("points", md.points, 16);
  if (!(md.spacing > 0) || !Number.isFinite(md.spacing)) throw new RangeError(`gating model: spacing must be > 0, got ${md.spacing}`);
  if (!(md.noise >= 0 && md.noise < 0.5)) throw new RangeError(`gating model: noise must be in [0, 0.5), got ${md.noise}`);
  if (!(md.width > 0) || !Number.isFinite(md.width)) throw new RangeError(`gating model: width must be > 0, got ${md.width}`);
}

/** g_z(x) = [s_z (x - mu_z) > 0], s_z = +1 (z even) or -1 (z odd): the orientation of slot z. */
export function orientation(z: number): number {
  return z % 2 === 0 ? 1 : -1;
}

/** A threshold classifier of slot t: [s_t (x - theta) > 0]. */
export function classify(t: number, theta: number, x: number): number {
  return orientation(t) * (x - theta) > 0 ? 1 : 0;
}

/** Builds the discretized source of the data model (top of file). */
export function makeSource(math: DetMath, md: GatingModel): Source {
  checkModel(md);
  const n = md.experts, J = md.points;
  const mu = Float64Array.from({ length: n }, (_, z) => z * md.spacing);
  const a = -md.width, b = (n - 1) * md.spacing + md.width, h = (b - a) / J;
  const x = Float64Array.from({ length: J }, (_, j) => a + (j + 0.5) * h);
  const phi = new Float64Array(n * J);
  const cdf = new Float64Array(n * J);
  for (let z = 0; z < n; z++) {
    let s = 0;
    for (let j = 0; j < J; j++) {
      const d = x[j]! - mu[z]!;
      const v = math.exp(-0.5 * d * d);
      phi[z * J + j] = v;
      s += v;
    }
    let c = 0;
    for (let j = 0; j < J; j++) {
      phi[z * J + j] = phi[z * J + j]! / s;
      c += phi[z * J + j]!;
      cdf[z * J + j] = c;
    }
    cdf[z * J + J - 1] = 1;
  }
  const p = new Float64Array(J), post = new Float64Array(J * n);
  for (let j = 0; j < J; j++) {
    let s = 0;
    for (let z = 0; z < n; z++) s += phi[z * J + j]!;
    p[j] = s / n;
    for (let z = 0; z < n; z++) post[j * n + z] = phi[z * J + j]! / s;
  }
  return { model: md, mu, x, p, post, cdf };
}

/** l(j; t, h) = 1 - p(t | x_j) ((1 - eta) [hj = g_t(x_j)] + eta [hj != g_t(x_j)]): the expected
 *  0-1 loss at x_j of slot t predicting class 2t + hj (hj = 0 or 1). */
export function expectedLoss(src: Source, j: number, t: number, hj: number): number {
  const eta = src.model.noise;
  const right = hj === classify(t, src.mu[t]!, src.x[j]!) ? 1 - eta : eta;
  return 1 - src.post[j * src.model.experts + t]! * right;
}

/** The distortion matrix d [J, n] of a set of thresholds (one per slot): d[j, t] = l(j; h_t). */
export function distortions(src: Source, thetas: ArrayLike<number>): Float64Array {
  const n = src.model.experts, J = src.model.points;
  const d = new Float64Array(J * n);
  for (let j = 0; j < J; j++) for (let t = 0; t < n; t++) d[j * n + t] = expectedLoss(src, j, t, classify(t, thetas[t]!, src.x[j]!));
  return d;
}

/** The exact rate and distortion of a gate q [J, n] on the source: I(X;T) = sum_j p_j sum_t
 *  q log(q / qbar_t), qbar_t = sum_j p_j q[j, t] (nats), and D = sum_j p_j sum_t q d[j, t]. */
export function gateRateDistortion(math: DetMath, src: Source, q: ArrayLike<number>, d: ArrayLike<number>): { rate: number; distortion: number; marginal: Float64Array } {
  const n = src.model.experts, J = src.model.points;
  const qbar = new Float64Array(n);
  let D = 0;
  for (let j = 0; j < J; j++) {
    const pj = src.p[j]!;
    let dj = 0;
    for (let t = 0; t < n; t++) {
      qbar[t] = qbar[t]! + pj * q[j * n + t]!;
      dj += q[j * n + t]! * d[j * n + t]!;
    }
    D += pj * dj;
  }
  let I = 0;
  for (let j = 0; j < J; j++) {
    let ij = 0;
    for (let t = 0; t < n; t++) {
      const v = q[j * n + t]!;
      if (v > 0) ij += v * math.log(v / qbar[t]!);
    }
    I += src.p[j]! * ij;
  }
  return { rate: I, distortion: D, marginal: qbar };
}

/** The softmax gate at temperature tau: q(t | x_j) = p(t | x_j)^(1/tau) / sum_s p(s | x_j)^(1/tau),
 *  computed as exp((log p_t - max_s log p_s) / tau) (tau > 0; Infinity = the uniform gate). */
export function softmaxGate(math: DetMath, src: Source, tau: number): Float64Array {
  if (!(tau > 0)) throw new RangeError(`temperature must be > 0, got ${tau}`);
  const n = src.model.experts, J = src.model.points;
  const q = new Float64Array(J * n);
  const lp = new Float64Array(n);
  for (let j = 0; j < J; j++) {
    let mx = -Infinity;
    for (let t = 0; t < n; t++) {
      const v = src.post[j * n + t]!;
      lp[t] = v > 0 ? math.log(v) : -Infinity;
      if (lp[t]! > mx) mx = lp[t]!;
    }
    let s = 0;
    for (let t = 0; t < n; t++) {
      const e = tau === Infinity ? 1 : lp[t] === -Infinity ? 0 : math.exp((lp[t]! - mx) / tau);
      q[j * n + t] = e;
      s += e;
    }
    for (let t = 0; t < n; t++) q[j * n + t] = q[j * n + t]! / s;
  }
  return q;
}

/** The MAP gate: each x_j routed to argmax_z p(z | x_j) (smallest z on ties). */
export function mapGate(src: Source): Float64Array {
  const n = src.model.experts, J = src.model.points;
  const q = new Float64Array(J * n);
  for (let j = 0; j < J; j++) {
    let best = 0;
    for (let t = 1; t < n; t++) if (src.post[j * n + t]! > src.post[j * n + best]!) best = t;
    q[j * n + best] = 1;
  }
  return q;
}

/** B candidate threshold sets [B, n]: theta_t^b = mu_t + sd xi_{t,b}. */
export function candidateThresholds(core: Core, src: Source, B: number, sd: number, seed: number): Float64Array {
  const n = src.model.experts;
  const s = stream(core, seed, "synthGating", 0);
  try {
    const xi = s.normal(B * n);
    const th = new Float64Array(B * n);
    for (let b = 0; b < B; b++) for (let t = 0; t < n; t++) th[b * n + t] = src.mu[t]! + sd * xi[b * n + t]!;
    return th;
  } finally {
    s.free();
  }
}

/** One sample S: grid indices j_i and labels y_i of m items (draw s: stream 1 + s). Z_i =
 *  floor(n u), X_i | Z_i by inversion of the cdf, Y_i = 2 Z_i + (g_Z(X_i) xor [u' < eta]). */
export function drawSample(core: Core, src: Source, m: number, seed: number, s: number): { j: Int32Array; y: Uint8Array } {
  const n = src.model.experts, J = src.model.points;
  const st = stream(core, seed, "synthGating", 1 + s);
  try {
    const u = st.uniform(3 * m);
    const jj = new Int32Array(m), y = new Uint8Array(m);
    for (let i = 0; i < m; i++) {
      const z = Math.min(n - 1, Math.floor(n * u[3 * i]!));
      const v = u[3 * i + 1]!;
      let lo = 0, hi = J - 1; // least j with cdf[z, j] > v
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (src.cdf[z * J + mid]! > v) hi = mid;
        else lo = mid + 1;
      }
      jj[i] = lo;
      y[i] = 2 * z + (classify(z, src.mu[z]!, src.x[lo]!) ^ (u[3 * i + 2]! < src.model.noise ? 1 : 0));
    }
    return { j: jj, y };
  } finally {
    st.free();
  }
}

/** Per-sample empirical risks of the candidates under gate q: out [B] for one sample. `h` holds
 *  each candidate's predicted classes on the grid, h[(b * n + t) * J + j]. */
function empiricalRisks(src: Source, h: Uint8Array, B: number, q: Float64Array, smp: { j: Int32Array; y: Uint8Array }, out: Float64Array): void {
  const n = src.model.experts, J = src.model.points, m = smp.j.length;
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = 0; i < m; i++) {
      const j = smp.j[i]!, y = smp.y[i]!;
      let l = 0;
      for (let t = 0; t < n; t++) if (h[(b * n + t) * J + j] !== y) l += q[j * n + t]!;
      s += l;
    }
    out[b] = s / m;
  }
}

/** Candidates' predicted classes on the grid, h[(b * n + t) * J + j] = 2t + h_t^b(x_j). */
function predictions(src: Source, thetas: Float64Array, B: number): Uint8Array {
  const n = src.model.experts, J = src.model.points;
  const h = new Uint8Array(B * n * J);
  for (let b = 0; b < B; b++) for (let t = 0; t < n; t++) for (let j = 0; j < J; j++) h[(b * n + t) * J + j] = 2 * t + classify(t, thetas[b * n + t]!, src.x[j]!);
  return h;
}

/** R(b) = sum_j p_j sum_t q(t | x_j) l(j; h_t^b) for every candidate. */
export function populationRisks(src: Source, thetas: Float64Array, B: number, q: Float64Array): Float64Array {
  const n = src.model.experts, J = src.model.points;
  const r = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let j = 0; j < J; j++) {
      let l = 0;
      for (let t = 0; t < n; t++) l += q[j * n + t]! * expectedLoss(src, j, t, classify(t, thetas[b * n + t]!, src.x[j]!));
      s += src.p[j]! * l;
    }
    r[b] = s;
  }
  return r;
}

/** The learned MoE at one alpha and one gate: every term of (GB). */
export interface LearnedPoint {
  alpha: number;
  /** I(S;W) (eq. 18 of the main paper over the M samples), nats */
  information: number;
  /** E[R(W)] and E[L_S(W)] */
  risk: number;
  empiricalRisk: number;
  /** E[R(W)] - E[L_S(W)], and its Monte Carlo standard error */
  gap: number;
  gapSe: number;
  /** sqrt((2/m) I) (the paper's sigma = 1) and sqrt(I / (2m)) (sigma = 1/2, loss in [0, 1]) */
  xrPaper: number;
  xrHalf: number;
  /** delta_m = E[L_S(W)] - D(R_g) */
  delta: number;
  /** D(R_g) + delta_m + sqrt((2/m) I), and with sqrt(I / (2m)) */
  boundPaper: number;
  boundHalf: number;
  /** E[R(W)] <= the bound (the point estimate of the gap <= its Xu-Raginsky term) */
  holdsPaper: boolean;
  holdsHalf: boolean;
  /** (sqrt(I / 2m) - gap) / gapSe: how many standard errors the sigma = 1/2 bound holds by
   *  (null when gapSe = 0) */
  marginHalfSe: number | null;
}

/** Selection statistics of M samples at one gate: the argmin histogram and the means the
 *  alpha-mixture needs by linearity. */
export interface SelectionStats {
  counts: Int32Array;
  /** mean_S R(r*(S)), mean_S L_S(r*(S)) */
  riskStar: number;
  empStar: number;
  /** standard error of mean_S [R(r*(S)) - L_S(r*(S))] */
  gapStarSe: number;
  /** mean_S mean_b L_S(b) and its standard error: a check, since its expectation is exactly
   *  mean_b R(b) (each L_S(b) is an unbiased estimate of R(b)) */
  empMean: number;
  empMeanSe: number;
}

/** The M samples of size m, drawn once and shared by every gate: sample s is drawSample(.., s),
 *  at j/y [s * m, (s + 1) * m). */
export interface Samples {
  m: number;
  M: number;
  j: Int32Array;
  y: Uint8Array;
}

export function drawSamples(core: Core, src: Source, m: number, M: number, seed: number): Samples {
  const j = new Int32Array(M * m), y = new Uint8Array(M * m);
  for (let s = 0; s < M; s++) {
    const d = drawSample(core, src, m, seed, s);
    j.set(d.j, s * m);
    y.set(d.y, s * m);
  }
  return { m, M, j, y };
}

export function selectionStats(src: Source, h: Uint8Array, B: number, q: Float64Array, pop: Float64Array, S: Samples): SelectionStats {
  const { m, M } = S;
  const counts = new Int32Array(B);
  const L = new Float64Array(B);
  let riskStar = 0, empStar = 0, g2 = 0, empMean = 0, e2 = 0;
  for (let s = 0; s < M; s++) {
    empiricalRisks(src, h, B, q, { j: S.j.subarray(s * m, (s + 1) * m), y: S.y.subarray(s * m, (s + 1) * m) }, L);
    let best = 0, mean = 0;
    for (let b = 0; b < B; b++) {
      if (L[b]! < L[best]!) best = b;
      mean += L[b]!;
    }
    mean /= B;
    counts[best]!++;
    riskStar += pop[best]!;
    empStar += L[best]!;
    const g = pop[best]! - L[best]!;
    g2 += g * g;
    empMean += mean;
    e2 += mean * mean;
  }
  riskStar /= M;
  empStar /= M;
  empMean /= M;
  const gs = riskStar - empStar;
  const se = (sq: number, mu: number) => (M > 1 ? Math.sqrt(Math.max(0, sq / M - mu * mu) / (M - 1)) : 0);
  return { counts, riskStar, empStar, gapStarSe: se(g2, gs), empMean, empMeanSe: se(e2, empMean) };
}

/**
 * Every term of (GB) at one alpha. q_alpha = (1 - alpha) uniform + alpha delta_{r*(S)}, so by
 * linearity E[R(W)] = (1 - alpha) mean_b R(b) + alpha E[R(r*)], and since E_S[L_S(b)] = R(b)
 * exactly for a fixed b, E[L_S(W)] = (1 - alpha) mean_b R(b) + alpha E[L_S(r*)]: the uniform part
 * is taken exactly (no Monte Carlo noise; at alpha = 0 the gap is exactly 0), the gap is
 * alpha (E[R(r*)] - E[L_S(r*)]).
 */
export function learnedPoint(math: DetMath, alpha: number, B: number, m: number, M: number, st: SelectionStats, popMean: number, D: number): LearnedPoint {
  const I = Math.max(0, mutualInfo(math, alpha, B, st.counts, M).I);
  const risk = (1 - alpha) * popMean + alpha * st.riskStar;
  const emp = (1 - alpha) * popMean + alpha * st.empStar;
  const xrPaper = Math.sqrt((2 / m) * I), xrHalf = Math.sqrt(I / (2 * m));
  const delta = emp - D;
  const gap = risk - emp;
  return {
    alpha, information: I, risk, empiricalRisk: emp, gap, gapSe: alpha * st.gapStarSe, xrPaper, xrHalf, delta,
    boundPaper: D + delta + xrPaper, boundHalf: D + delta + xrHalf,
    holdsPaper: gap <= xrPaper, holdsHalf: gap <= xrHalf,
    marginHalfSe: alpha * st.gapStarSe > 0 ? (xrHalf - gap) / (alpha * st.gapStarSe) : null,
  };
}

export interface GatePoint {
  /** "ba" (the optimal gate at lambda) or "softmax" (temperature) */
  kind: "ba" | "softmax" | "map";
  lambda: number | null;
  temperature: number | null;
  /** I(X;T), exact, nats */
  rate: number;
  /** distortion of the true experts under this gate */
  distortion: number;
}

export interface GatingResult {
  format: "moe-bank/synth-gating";
  options: GatingOptions;
  source: { points: number; logN: number; hMap: number };
  /** D(0) = the best single true expert; the floor sum_j p_j min_t d[j, t] and the least rate
   *  reaching it (BA at lambda = 0) */
  ends: { d0: number; floor: number; leastRate: number };
  /** the BA curve of the true experts (increasing lambda) */
  curve: GatePoint[];
  softmax: GatePoint[];
  map: GatePoint;
  /** max over the softmax gates of (a lower bound on D at the gate's rate) - its distortion: <= 0
   *  up to rounding when they lie on or above the curve; mapAboveCurve the same for the MAP gate
   *  (about 0: it reaches the floor at the least rate) */
  aboveCurve: number;
  mapAboveCurve: number;
  /** the BA curve: every point converged, and the largest certificate */
  curveConverged: boolean;
  curveMaxCertificate: number;
  /** (B - 1)/(2M): about the most the plug-in H(W) (hence I(S;W)) is biased low */
  hBias: number;
  /** the learned MoE at each BA gate (rate R_g), one row per alpha */
  learned: { gate: GatePoint; rows: LearnedPoint[] }[];
  /** the m-sweep at the middle BA gate, alpha = 1 */
  sampleSizes: { m: number; row: LearnedPoint }[];
  /** the unbiasedness check at each measured gate: mean_S mean_b L_S(b) vs mean_b R(b) in
   *  standard errors (|z| of a few at most) */
  unbiased: { lambda: number; measured: number; exact: number; z: number }[];
  /** candidates' population risk under the MAP gate: min, mean, max */
  candidates: { B: number; best: number; mean: number; worst: number };
}

/** The whole experiment (top of file). onProgress(done, total) counts gates measured. */
export function runGating(core: Core, o: GatingOptions, onProgress?: (done: number, total: number) => void): GatingResult {
  const math = detMath(core);
  const md = o.model;
  for (const a of o.alphas) if (!(a >= 0 && a <= 1)) throw new RangeError(`alpha ${a} is outside [0, 1]`);
  for (const [k, v] of [["candidates", o.candidates], ["m", o.m], ["M", o.M]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${k} must be a positive integer, got ${v}`);
  }
  const src = makeSource(math, md);
  const n = md.experts;
  const dTrue = distortions(src, src.mu);
  const prob = RoutingProblem.fromDistortions(core, { R: n, dist: dTrue, weights: src.p });
  for (const f of o.rateFractions) if (!(f >= 0 && f <= 1)) throw new RangeError(`rate fraction ${f} is outside [0, 1]`);
  const total = o.rateFractions.length + o.sampleSizes.length;
  let done = 0;
  try {
    // The curve: BA on a dense lambda grid; the measured gates are points of it.
    const sw = sweep(core, prob, { lambdas: lambdaDense(math), tol: 1e-12 });
    const lambdas: number[] = [];
    for (const f of o.rateFractions) {
      let best = sw.points[0]!;
      for (const pt of sw.points) if (Math.abs(pt.rate - f * sw.ends.leastRate) < Math.abs(best.rate - f * sw.ends.leastRate)) best = pt;
      if (!lambdas.includes(best.lambda)) lambdas.push(best.lambda);
    }
    lambdas.sort((a, b) => b - a);
    const gates = new Map<number, Float64Array>();
    const curve: GatePoint[] = sw.points.map((pt) => ({ kind: "ba", lambda: pt.lambda, temperature: null, rate: pt.rate, distortion: pt.distortion }));
    const ends = { d0: Math.min(...prob.meanLosses()), floor: sw.ends.oracleError, leastRate: sw.ends.leastRate };
    curve.push({ kind: "ba", lambda: 0, temperature: null, rate: sw.ends.leastRate, distortion: sw.ends.oracleError });
    curve.push({ kind: "ba", lambda: null, temperature: null, rate: 0, distortion: ends.d0 });
    curve.sort((a, b) => a.rate - b.rate);
    const softmax: GatePoint[] = o.temperatures.map((tau) => {
      const g = gateRateDistortion(math, src, softmaxGate(math, src, tau), dTrue);
      return { kind: "softmax", lambda: null, temperature: tau, rate: g.rate, distortion: g.distortion };
    });
    const qMap = mapGate(src);
    const gm = gateRateDistortion(math, src, qMap, dTrue);
    const map: GatePoint = { kind: "map", lambda: null, temperature: 0, rate: gm.rate, distortion: gm.distortion };
    let aboveCurve = -Infinity;
    for (const g of softmax) aboveCurve = Math.max(aboveCurve, curveLower(prob, g.rate, sw.points) - g.distortion);
    const mapAboveCurve = curveLower(prob, map.rate, sw.points) - map.distortion;

    // The learner.
    const B = o.candidates;
    const thetas = candidateThresholds(core, src, B, o.perturbation, o.seed);
    const h = predictions(src, thetas, B);
    const samples = new Map<number, Samples>();
    const measure = (lambda: number, m: number): { gate: GatePoint; st: SelectionStats; popMean: number } => {
      let S = samples.get(m);
      if (!S) samples.set(m, (S = drawSamples(core, src, m, o.M, o.seed)));
      const pt = sw.points.find((p) => p.lambda === lambda)!;
      let q = gates.get(lambda);
      if (!q) gates.set(lambda, (q = prob.gate(lambda, pt.pi)));
      const pop = populationRisks(src, thetas, B, q);
      let popMean = 0;
      for (let b = 0; b < B; b++) popMean += pop[b]!;
      popMean /= B;
      const st = selectionStats(src, h, B, q, pop, S);
      return { gate: { kind: "ba", lambda, temperature: null, rate: pt.rate, distortion: pt.distortion }, st, popMean };
    };
    const learned: GatingResult["learned"] = [];
    const unbiased: GatingResult["unbiased"] = [];
    for (const lambda of lambdas) {
      const { gate, st, popMean } = measure(lambda, o.m);
      learned.push({ gate, rows: o.alphas.map((a) => learnedPoint(math, a, B, o.m, o.M, st, popMean, gate.distortion)) });
      unbiased.push({ lambda, measured: st.empMean, exact: popMean, z: st.empMeanSe > 0 ? (st.empMean - popMean) / st.empMeanSe : 0 });
      onProgress?.(++done, total);
    }
    const mid = lambdas[lambdas.length >> 1]!;
    const sampleSizes = o.sampleSizes.map((m) => {
      const { gate, st, popMean } = measure(mid, m);
      const row = learnedPoint(math, 1, B, m, o.M, st, popMean, gate.distortion);
      onProgress?.(++done, total);
      return { m, row };
    });
    const popMap = populationRisks(src, thetas, B, qMap);
    let best = Infinity, worst = -Infinity, mean = 0;
    for (const r of popMap) {
      best = Math.min(best, r);
      worst = Math.max(worst, r);
      mean += r;
    }
    return {
      format: "moe-bank/synth-gating",
      options: o,
      source: { points: md.points, logN: math.log(n), hMap: entropy(math, gm.marginal) },
      ends,
      curve,
      softmax,
      map,
      aboveCurve,
      mapAboveCurve,
      curveConverged: sw.converged,
      curveMaxCertificate: Math.max(...sw.points.map((p) => p.certificate)),
      hBias: (B - 1) / (2 * o.M),
      learned,
      sampleSizes,
      unbiased,
      candidates: { B, best, mean: mean / B, worst },
    };
  } finally {
    prob.free();
  }
}

/** The dense lambda grid of the plotted curve: 60 points log-spaced over [1e-3, 5]. */
function lambdaDense(math: DetMath): number[] {
  const a = math.log(1e-3), b = math.log(5);
  return Array.from({ length: 60 }, (_, k) => math.exp(a + (k / 59) * (b - a)));
}

/** A lower bound on D(rate) from the supporting lines of the solved points: D(r) >= max_k
 *  (dual_k - gapBound_k) - lambda_k r (weak duality), and >= the floor. */
function curveLower(prob: RoutingProblem, rate: number, pts: { lambda: number; dual: number; gapBound: number }[]): number {
  let lb = prob.floor;
  for (const p of pts) lb = Math.max(lb, p.dual - p.gapBound - p.lambda * rate);
  return lb;
}

