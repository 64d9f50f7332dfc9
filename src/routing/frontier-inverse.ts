// The inverse of the frontier of eq. 27: the least routing rate at which some gate on the rows
// reaches a given distortion, rho(d) = min { I(p) : D(p) <= d }. constrainedD (curve.ts) answers
// "how low can D go at rate rho"; this answers "how much rate does distortion d need", by the same
// bisection on lambda over the certified solutions of eq. 26 (no new solver).
import type { Core } from "../../bindings/index.js";
import type { BaOptions, BaResult, RoutingProblem } from "./ba.js";
import { curveEnds, type BracketPoint, type CurveEnds } from "./curve.js";

export interface LeastRateOptions extends Omit<BaOptions, "warmStart"> {
  /** Stop when the bracket [lower, rate] is this narrow (nats; default 1e-9). */
  rTol?: number;
  maxBisect?: number;
  /** curveEnds of the same problem, if the caller has them. */
  ends?: CurveEnds;
}

export interface LeastRate {
  /** The distortion asked for. */
  distortion: number;
  /** The least rate, as achieved: the time-shared gate theta p_lo + (1 - theta) p_hi has
   *  D = distortion and I <= this rate (I is convex in the gate, D linear): an upper bound.
   *  null when no gate reaches the distortion (below the oracle error). */
  rate: number | null;
  /** A lower bound on the least rate: max over the solved lambdas of (L*(lambda) - d) / lambda
   *  (every gate with D <= d has I >= that, since D + lambda I >= L*(lambda)), L* bounded below
   *  by dual - gapBound; 0 at the rate-0 end. */
  lower: number;
  lo: BracketPoint | null;
  hi: BracketPoint | null;
  bisections: number;
  /** "unreachable": d < the oracle error; "zero": d >= the best single expert's loss (rate 0);
   *  "floor": d = the oracle error (the least rate of curveEnds); "bisection" otherwise. */
  kind: "unreachable" | "zero" | "floor" | "bisection";
}

/**
 * rho(d) = the least I(X;T) of a gate with distortion <= d on the problem's rows (eq. 27 read
 * the other way), bracketed: `rate` is achieved (chord of two solutions of eq. 26 around d),
 * `lower` from the supporting lines of the convex curve.
 */
export function leastRateFor(core: Core, problem: RoutingProblem, d: number, options: LeastRateOptions = {}): LeastRate {
  if (!Number.isFinite(d)) throw new RangeError(`distortion must be finite, got ${d}`);
  const rTol = options.rTol ?? 1e-9, maxBisect = options.maxBisect ?? 100;
  const it: BaOptions = {};
  if (options.tol !== undefined) it.tol = options.tol;
  if (options.maxIter !== undefined) it.maxIter = options.maxIter;
  if (options.accelerate !== undefined) it.accelerate = options.accelerate;
  const ends = options.ends ?? curveEnds(core, problem, it);
  const sm = ends.small;
  const means = problem.meanLosses();
  let bestError = means[0]!;
  for (let t = 1; t < problem.R; t++) if (means[t]! < bestError) bestError = means[t]!;
  const base = { distortion: d, bisections: 0 };
  if (d >= bestError) return { ...base, rate: 0, lower: 0, lo: null, hi: null, kind: "zero" };
  if (d < sm.distortion) return { ...base, rate: null, lower: Number.POSITIVE_INFINITY, lo: null, hi: null, kind: "unreachable" };
  if (d === sm.distortion) return { ...base, rate: sm.rate, lower: ends.leastRateLower, lo: null, hi: null, kind: "floor" };
  let lower = 0;
  const solve = (lambda: number, warm: Float64Array | null): BaResult => {
    const r = problem.solve(lambda, { ...it, warmStart: warm });
    if (lambda > 0) {
      const lb = (r.dual - r.gapBound - d) / lambda;
      if (lb > lower) lower = lb;
    }
    return r;
  };
  // lo: D <= d (small lambda); hi: D > d (large lambda).
  let lo = solve(1e-3, sm.pi);
  while (lo.distortion > d && lo.lambda > 1e-12) lo = solve(lo.lambda / 10, lo.pi);
  if (lo.distortion > d) lo = sm;
  let hi = solve(Math.max(10, lo.lambda * 10), lo.pi);
  while (hi.distortion <= d && hi.lambda < 1e12) hi = solve(hi.lambda * 10, hi.pi);
  const chord = (): number => {
    const span = hi.distortion - lo.distortion;
    const theta = span > 0 ? (hi.distortion - d) / span : 1;
    return theta * lo.rate + (1 - theta) * hi.rate;
  };
  let rate = chord();
  let bisections = 0;
  while (rate - lower > rTol && bisections < maxBisect) {
    const mid = lo.lambda > 0 ? Math.sqrt(lo.lambda * hi.lambda) : hi.lambda / 2;
    if (!(mid > lo.lambda && mid < hi.lambda)) break;
    bisections++;
    const r = solve(mid, lo.pi);
    if (r.distortion <= d) lo = r;
    else hi = r;
    rate = chord();
  }
  const pt = (r: BaResult): BracketPoint => ({ lambda: r.lambda, rate: r.rate, distortion: r.distortion });
  return { ...base, rate, lower: Math.min(lower, rate), lo: pt(lo), hi: pt(hi), bisections, kind: "bisection" };
}
