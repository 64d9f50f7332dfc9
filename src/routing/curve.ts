// The empirical rate-distortion curve of routing on a fixed bank (paper Section V-A): the lambda
// sweep of eq. 26, the constrained D(rho) of eq. 27 by bisection on lambda, and the two ends of
// the curve in closed form.
import type { Core } from "../../bindings/index.js";
import { detMath } from "../math.js";
import { RoutingProblem, resolveMethod, type BaMethod, type BaOptions, type BaResult } from "./ba.js";
import type { LossMatrix } from "../formats/losses.js";

/** A loss matrix, or a RoutingProblem already built from one (reused, not freed). */
export type RoutingSource = LossMatrix | RoutingProblem;

/** Runs fn on the problem of `source`: the RoutingProblem itself, or one built from every row of
 *  a loss matrix (and freed afterwards). The rows are a property of the problem, never an option
 *  of a function: to use the first n rows, build RoutingProblem.create(core, L, n) once and pass
 *  it to every function (see routingCurve). */
function withProblem<T>(core: Core, source: RoutingSource, fn: (p: RoutingProblem) => T): T {
  if (source instanceof RoutingProblem) return fn(source);
  const p = RoutingProblem.create(core, source);
  try {
    return fn(p);
  } finally {
    p.free();
  }
}

/** Only the iteration's own options (tol, maxIter, accelerate) of a larger options object. */
function iterOptions(o: Omit<BaOptions, "warmStart">): BaOptions {
  const out: BaOptions = {};
  if (o.tol !== undefined) out.tol = o.tol;
  if (o.maxIter !== undefined) out.maxIter = o.maxIter;
  if (o.accelerate !== undefined) out.accelerate = o.accelerate;
  return out;
}

/** Each expert's total loss on the items, sum_i l[i,t] (from the patterns and their counts). */
export function expertLossSums(p: RoutingProblem): Float64Array {
  if (p.real) throw new RangeError("expertLossSums needs integer losses; use meanLosses() on a real-valued problem");
  const sums = new Float64Array(p.R);
  for (let k = 0; k < p.K; k++) {
    const c = p.counts[k]!;
    for (let t = 0; t < p.R; t++) sums[t] = sums[t]! + c * p.patterns[k * p.R + t]!;
  }
  return sums;
}

/** The closed form of the large-lambda end (0-1 losses). */
export interface LambdaMax {
  /** t*, the expert of least mean loss (smallest index on ties). */
  bestExpert: number;
  /** Its mean loss: D at rate 0, the least distortion of any gate with I = 0. */
  bestError: number;
  /** lambda_max = max over t != t* of 1 / ln(a_t / b_t): the gate of eq. 26 is the vertex e_t*
   *  exactly when lambda >= lambda_max. 0 if no constraint binds (every other expert is right
   *  only where t* is, or R = 1); Infinity if some expert ties t* (a_t = b_t > 0). */
  lambdaMax: number;
  /** The t attaining lambda_max (-1 if none). */
  expert: number;
  /** a[t] = #{i: t wrong, t* right}, b[t] = #{i: t right, t* wrong} (counts over the N items). */
  a: Float64Array;
  b: Float64Array;
}

/**
 * Large lambda: the gate collapses to the best single expert t*. At the vertex pi = e_t* the
 * certificate of assembly/routing/ba.ts is, with 0-1 losses and eps = exp(-1/lambda),
 *   c_t = P(same loss) + a_t eps + b_t / eps,   a_t = P(t wrong, t* right), b_t = P(t right, t* wrong),
 * and c_t <= 1  <=>  b_t (1/eps - 1) <= a_t (1 - eps)  <=>  e^(1/lambda) <= a_t / b_t. So the vertex
 * is optimal (KKT on the simplex: all c_t <= 1) exactly when
 *   lambda >= lambda_max = max_{t != t*} 1 / ln(a_t / b_t)
 * (terms with b_t = 0 impose nothing; a_t >= b_t because t* has the least error; a_t = b_t > 0,
 * a tie in error on different items, never lets the vertex be optimal: lambda_max = Infinity).
 * Requires 0-1 losses.
 */
export function lambdaMaxClosedForm(core: Core, p: RoutingProblem): LambdaMax {
  if (!p.zeroOne) throw new RangeError("lambda_max in closed form needs 0-1 losses");
  const { R, K, N } = p;
  const sums = expertLossSums(p);
  let best = 0;
  for (let t = 1; t < R; t++) if (sums[t]! < sums[best]!) best = t;
  const a = new Float64Array(R);
  const b = new Float64Array(R);
  for (let k = 0; k < K; k++) {
    const c = p.counts[k]!;
    const ls = p.patterns[k * R + best]!;
    for (let t = 0; t < R; t++) {
      const lt = p.patterns[k * R + t]!;
      if (lt === 1 && ls === 0) a[t] = a[t]! + c;
      else if (lt === 0 && ls === 1) b[t] = b[t]! + c;
    }
  }
  const m = detMath(core);
  let lambdaMax = 0;
  let expert = -1;
  for (let t = 0; t < R; t++) {
    if (t === best || b[t] === 0) continue;
    const lm = a[t] === b[t] ? Number.POSITIVE_INFINITY : 1 / m.log(a[t]! / b[t]!);
    if (lm > lambdaMax) {
      lambdaMax = lm;
      expert = t;
    }
  }
  return { bestExpert: best, bestError: sums[best]! / N, lambdaMax, expert, a, b };
}

/** Both ends of the curve. */
export interface CurveEnds {
  N: number;
  R: number;
  /** Distinct loss patterns among the N items. */
  K: number;
  /** log R: the rate of a gate that routes uniformly at random between R equally used experts. */
  logR: number;
  /** Small lambda: D -> mean_i min_t l[i,t], the oracle error for 0-1 losses (the share of items
   *  on which every expert is wrong). */
  oracleError: number;
  /** The least rate of a gate attaining oracleError (nats): the rate of the lambda = 0 solution,
   *  which attains it; the true least rate lies in [leastRateLower, leastRate] (up to the
   *  rounding of F and of the certificate, sums over K rows: ~1e-14). */
  leastRate: number;
  leastRateLower: number;
  /** The lambda = 0 solution (its gate routes each item among its best experts only). */
  small: BaResult;
  /** Large lambda (0-1 losses only, else null). */
  large: LambdaMax | null;
}

export type EndsOptions = Omit<BaOptions, "warmStart">;

/**
 * The small-lambda end. As lambda -> 0, eq. 26 first minimises D, to D_min = mean_i m_i
 * (m_i = min_t l[i,t]), and then the rate among the gates that attain it. A gate attains D_min iff
 * each row routes only to its best experts B_i = {t: l[i,t] = m_i}, and
 *   min over such gates of I = min over pi of -(1/N) sum_i log pi(B_i)
 * (for a fixed marginal q, the closest row distribution on B_i costs KL = -log q(B_i)). That is
 * F of assembly/routing/ba.ts at lambda = 0 (e_it = [t in B_i]): the same convex problem, solved
 * by the same certified iteration; at lambda = 1e-3 with 0-1 losses exp(-1000) = 0 in f64, so it
 * is also exactly what the sweep's first point solves. The rate is far below log R when most
 * rows have several best experts; it is 0 when one expert is best on every row.
 */
export function curveEnds(core: Core, source: RoutingSource, options: EndsOptions = {}): CurveEnds {
  return withProblem(core, source, (p) => {
    const small = p.solve(0, iterOptions(options));
    return {
      N: p.N,
      R: p.R,
      K: p.K,
      logR: detMath(core).log(p.R),
      oracleError: small.distortion,
      leastRate: small.rate,
      leastRateLower: Math.max(0, small.F - small.rateGapBound),
      small,
      large: p.zeroOne ? lambdaMaxClosedForm(core, p) : null,
    };
  });
}

export interface BlahutArimotoOptions extends BaOptions {
  lambda: number;
  /** With 0-1 losses, return the vertex e_t* without iterating when lambda >= lambda_max
   *  (default true). */
  vertex?: boolean;
}

/** Solves eq. 26 at one lambda by the Blahut-Arimoto iteration (eqs. 28-29), accelerated. */
export function blahutArimoto(core: Core, source: RoutingSource, options: BlahutArimotoOptions): BaResult {
  return withProblem(core, source, (p) => {
    if (options.vertex !== false && p.zeroOne && options.lambda > 0) {
      const lm = lambdaMaxClosedForm(core, p);
      if (options.lambda >= lm.lambdaMax) {
        const v = p.vertex(options.lambda, lm.bestExpert, iterOptions(options));
        if (v.converged) return v;
      }
    }
    return p.solve(options.lambda, options);
  });
}

/**
 * points values log-spaced over [min, max]: lambda_j = exp(ln min + (j / (points - 1)) (ln max -
 * ln min)) with the core's exp and log, and the ends exactly min and max. Default: 25 points in
 * [1e-3, 1e1] (Section V-A).
 */
export function lambdaGrid(core: Core, points = 25, min = 1e-3, max = 10): number[] {
  if (!Number.isInteger(points) || points < 1) throw new RangeError(`points must be a positive integer, got ${points}`);
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) throw new RangeError(`lambda range [${min}, ${max}] must satisfy 0 < min <= max < Infinity`);
  if (points === 1) return [min];
  const m = detMath(core);
  const a = m.log(min), b = m.log(max);
  const out: number[] = [];
  for (let j = 0; j < points; j++) out.push(j === 0 ? min : j === points - 1 ? max : m.exp(a + (j / (points - 1)) * (b - a)));
  return out;
}

export interface SweepOptions extends Omit<BaOptions, "warmStart"> {
  /** The lambdas (any order; solved in increasing order). Default: lambdaGrid(points, lambdaMin, lambdaMax). */
  lambdas?: readonly number[];
  points?: number;
  lambdaMin?: number;
  lambdaMax?: number;
  /** Warm-start each lambda from the previous solution (default true). */
  warmStart?: boolean;
  /** Return the closed-form vertex for lambda >= lambda_max with 0-1 losses (default true). */
  vertex?: boolean;
  onProgress?: (done: number, total: number, point: BaResult) => void;
}

export interface SweepResult {
  N: number;
  R: number;
  K: number;
  method: BaMethod;
  tol: number;
  /** The curve's points in increasing lambda (decreasing rate, increasing distortion). */
  points: BaResult[];
  ends: CurveEnds;
  /** Totals over the points (the ends' own solve excluded). */
  evaluations: number;
  iterations: number;
  converged: boolean;
}

/** The rows of the paper's routing experiment: the first N = 2,000 test images (Section V-A). */
export const PAPER_ROUTING_N = 2000;

/** The paper's rows of a loss matrix with N rows: the first min(2000, N). The one default of the
 *  row count, used by `route`, `gates`, the report and the browser app alike. */
export function paperRoutingN(N: number): number {
  return Math.min(PAPER_ROUTING_N, N);
}

/**
 * The lambda sweep of Section V-A: eq. 26 at each lambda, in increasing lambda, each warm-started
 * from the previous solution; (rate, distortion) of each solution's gate traces the empirical
 * curve D(rho) (rate = rho). With 0-1 losses, every lambda >= lambda_max returns the vertex e_t*
 * (rate 0, D = the best expert's error) in closed form.
 */
export function sweep(core: Core, source: RoutingSource, options: SweepOptions = {}): SweepResult {
  const lambdas = [...(options.lambdas ?? lambdaGrid(core, options.points ?? 25, options.lambdaMin ?? 1e-3, options.lambdaMax ?? 10))];
  for (const l of lambdas) if (!(l >= 0) || !Number.isFinite(l)) throw new RangeError(`lambda ${l}: expected finite and >= 0`);
  lambdas.sort((x, y) => x - y);
  const method = resolveMethod(options.accelerate);
  const tol = options.tol ?? 1e-10;
  const it = iterOptions(options);
  return withProblem(core, source, (p) => {
    const ends = curveEnds(core, p, it);
    const points: BaResult[] = [];
    let prev: Float64Array | null = null;
    let evaluations = 0, iterations = 0, converged = true;
    for (const lambda of lambdas) {
      let r: BaResult | null = null;
      const lm = ends.large;
      if (options.vertex !== false && lm !== null && lambda > 0 && lambda >= lm.lambdaMax) {
        const v = p.vertex(lambda, lm.bestExpert, it);
        if (v.converged) r = v;
      }
      if (r === null) r = p.solve(lambda, { ...it, warmStart: options.warmStart === false ? null : prev });
      points.push(r);
      evaluations += r.evaluations;
      iterations += r.iterations;
      converged &&= r.converged;
      if (!r.vertex) prev = r.pi;
      options.onProgress?.(points.length, lambdas.length, r);
    }
    return { N: p.N, R: p.R, K: p.K, method, tol, points, ends, evaluations, iterations, converged };
  });
}

export interface ConstrainedOptions extends Omit<BaOptions, "warmStart"> {
  /** Stop when the bracket [lower, distortion] is this narrow (default 1e-9). */
  dTol?: number;
  /** At most this many bisection steps (default 100). */
  maxBisect?: number;
  /** curveEnds of the same RoutingProblem, if the caller has them (solved again otherwise). */
  ends?: CurveEnds;
}

/** One end of the bisection's bracket. */
export interface BracketPoint {
  lambda: number;
  rate: number;
  distortion: number;
}

export interface ConstrainedD {
  rho: number;
  /** D(rho) of eq. 27, as achieved: the time-shared gate theta p_lo + (1 - theta) p_hi has
   *  I <= rho (I is convex in the gate) and this distortion. An upper bound on the minimum. */
  distortion: number;
  /** A lower bound on the minimum: max over the solved lambdas of L*(lambda) - lambda rho, with
   *  L* bounded below by dual - gapBound (weak duality), and D_min. */
  lower: number;
  /** The bracket: lo has rate >= rho (smaller lambda), hi has rate <= rho. */
  lo: BracketPoint;
  hi: BracketPoint;
  /** The weight of lo in the time-shared gate. */
  theta: number;
  /** The lambda whose solution is nearest in rate to rho (the slope of the curve there is -lambda). */
  lambda: number;
  bisections: number;
  evaluations: number;
  /** "floor": rho >= the least rate, D = D_min exactly; "zero": rho = 0, D = the best expert's
   *  loss exactly; "bisection" otherwise. */
  kind: "floor" | "zero" | "bisection";
}

/**
 * The constrained problem of eq. 27, D(rho) = min { D(p) : I(p) <= rho }, by bisection on lambda
 * (in log lambda) over the solutions of eq. 26, whose rates decrease as lambda grows. The result
 * brackets D(rho): `distortion` is achieved by a time-shared gate of the two bracketing
 * solutions (the chord of the convex curve), `lower` comes from the supporting lines
 * D(rho) >= L*(lambda) - lambda rho.
 */
export function constrainedD(core: Core, source: RoutingSource, rho: number, options: ConstrainedOptions = {}): ConstrainedD {
  if (!(rho >= 0) || !Number.isFinite(rho)) throw new RangeError(`rho must be finite and >= 0, got ${rho}`);
  const dTol = options.dTol ?? 1e-9;
  const maxBisect = options.maxBisect ?? 100;
  const it = iterOptions(options);
  return withProblem(core, source, (p) => {
    const ends = options.ends ?? curveEnds(core, p, it);
    if (ends.N !== p.N || ends.R !== p.R || ends.K !== p.K) throw new RangeError(`ends: a curve of [${ends.N}, ${ends.R}] with ${ends.K} patterns, not of this problem`);
    let evaluations = ends.small.evaluations;
    const dMin = ends.oracleError;
    const sm = ends.small;
    if (rho >= sm.rate) {
      const pt = { lambda: 0, rate: sm.rate, distortion: sm.distortion };
      return { rho, distortion: sm.distortion, lower: p.floor, lo: pt, hi: pt, theta: 1, lambda: 0, bisections: 0, evaluations, kind: "floor" };
    }
    // The rate-0 end: a constant gate pi has D = sum_t pi_t L_t >= min_t L_t.
    const means = p.meanLosses();
    let best = 0;
    for (let t = 1; t < p.R; t++) if (means[t]! < means[best]!) best = t;
    const bestError = means[best]!;
    if (rho === 0) {
      const pt = { lambda: Number.POSITIVE_INFINITY, rate: 0, distortion: bestError };
      return { rho, distortion: bestError, lower: bestError, lo: pt, hi: pt, theta: 1, lambda: Number.POSITIVE_INFINITY, bisections: 0, evaluations, kind: "zero" };
    }
    let lower = dMin;
    const solve = (lambda: number, warm: Float64Array | null): BaResult => {
      const r = p.solve(lambda, { ...it, warmStart: warm });
      evaluations += r.evaluations;
      const lb = r.dual - r.gapBound - lambda * rho;
      if (lb > lower) lower = lb;
      return r;
    };
    // lo: rate >= rho. lambda = 1e-3 (or smaller until its rate reaches rho).
    let lo = solve(1e-3, sm.pi);
    while (lo.rate < rho && lo.lambda > 1e-12) lo = solve(lo.lambda / 10, lo.pi);
    // hi: rate <= rho: the vertex at lambda_max when it is finite, else grow lambda.
    let hi: BaResult;
    const lm = ends.large;
    if (lm !== null && lm.lambdaMax > 0 && Number.isFinite(lm.lambdaMax)) hi = p.vertex(lm.lambdaMax, lm.bestExpert, it);
    else {
      hi = solve(10, lo.pi);
      while (hi.rate > rho && hi.lambda < 1e12) hi = solve(hi.lambda * 10, hi.pi);
    }
    const chord = (): { d: number; theta: number } => {
      const span = lo.rate - hi.rate;
      const theta = span > 0 ? (rho - hi.rate) / span : 1;
      return { d: theta * lo.distortion + (1 - theta) * hi.distortion, theta };
    };
    let bisections = 0;
    let { d, theta } = chord();
    while (d - lower > dTol && bisections < maxBisect) {
      const mid = Math.sqrt(lo.lambda * hi.lambda);
      if (!(mid > lo.lambda && mid < hi.lambda)) break;
      bisections++;
      const r = solve(mid, rho - hi.rate < lo.rate - rho ? hi.pi : lo.pi);
      if (r.rate >= rho) lo = r;
      else hi = r;
      ({ d, theta } = chord());
    }
    const near = lo.rate - rho <= rho - hi.rate ? lo : hi;
    return {
      rho,
      distortion: d,
      lower,
      lo: { lambda: lo.lambda, rate: lo.rate, distortion: lo.distortion },
      hi: { lambda: hi.lambda, rate: hi.rate, distortion: hi.distortion },
      theta,
      lambda: near.lambda,
      bisections,
      evaluations,
      kind: "bisection",
    };
  });
}

/** A routing curve: the sweep and D(rho) at the given rates, all of one RoutingProblem. */
export interface RoutingCurve {
  sweep: SweepResult;
  rho: ConstrainedD[];
}

export interface CurveOptions extends SweepOptions {
  /** Rates at which to solve eq. 27 (nats). */
  rho?: readonly number[];
}

/**
 * Every quantity of a routing curve from ONE problem: the lambda sweep (with the curve's ends)
 * and D(rho) of eq. 27 at each rate of options.rho, bisected on the same rows and started from
 * the sweep's ends. `route` and the report both call this, so the rows of a D(rho) are always the
 * rows of the sweep, the oracle error and the least rate printed beside it.
 */
export function routingCurve(core: Core, problem: RoutingProblem, options: CurveOptions = {}): RoutingCurve {
  const { rho = [], ...sweepOptions } = options;
  const s = sweep(core, problem, sweepOptions);
  const it = iterOptions(options);
  return { sweep: s, rho: rho.map((r) => constrainedD(core, problem, r, { ...it, ends: s.ends })) };
}
