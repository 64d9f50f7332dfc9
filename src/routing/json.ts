// A routing curve as JSON: every number of a sweep and its D(rho) solutions, all of one problem,
// JSON-safe (Infinity and NaN as strings). The `route` measurement's result and report.json's
// `routing` are this object.
import type { BaResult } from "./ba.js";
import type { RoutingCurve } from "./curve.js";

/** A number for JSON: Infinity and NaN have no JSON form, so they become strings. */
function num(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

function pointJson(p: BaResult) {
  return {
    lambda: p.lambda,
    rate: p.rate,
    distortion: p.distortion,
    objective: p.objective,
    dual: p.dual,
    certificate: p.certificate,
    gapBound: p.gapBound,
    converged: p.converged,
    iterations: p.iterations,
    evaluations: p.evaluations,
    vertex: p.vertex,
    pi: [...p.pi],
  };
}

/** The largest lambda log(1 + c) over a curve's points: every point's objective D + lambda I is
 *  within this of the optimum of eq. 26 at its lambda (c = the point's certificate). */
export function curveGapBound(points: readonly Pick<BaResult, "gapBound">[]): number {
  let g = 0;
  for (const p of points) if (p.gapBound > g) g = p.gapBound;
  return g;
}

/** Every number of a routing curve (its sweep and its D(rho) solutions, all of one problem),
 *  JSON-safe (the `route --json` form and report.json's `routing`). */
export function routeJson(file: string, curve: RoutingCurve) {
  const s = curve.sweep;
  const e = s.ends;
  return {
    file,
    N: s.N,
    R: s.R,
    K: s.K,
    method: s.method,
    tol: s.tol,
    converged: s.converged,
    /** the certified quantity: max over the points of lambda log(1 + c), a bound on each point's
     *  objective gap to the optimum of eq. 26 (c, the certificate, is the multiplier residual) */
    gapBound: curveGapBound(s.points),
    evaluations: s.evaluations,
    iterations: s.iterations,
    units: "nats",
    ends: {
      logR: e.logR,
      oracleError: e.oracleError,
      leastRate: e.leastRate,
      leastRateLower: e.leastRateLower,
      leastRatePi: [...e.small.pi],
      bestExpert: e.large?.bestExpert ?? null,
      bestError: e.large?.bestError ?? null,
      lambdaMax: e.large === null ? null : num(e.large.lambdaMax),
      lambdaMaxExpert: e.large?.expert ?? null,
    },
    points: s.points.map(pointJson),
    rho: curve.rho.map((c) => ({ ...c, lo: { ...c.lo, lambda: num(c.lo.lambda) }, hi: { ...c.hi, lambda: num(c.hi.lambda) }, lambda: num(c.lambda) })),
  };
}

export type RouteJson = ReturnType<typeof routeJson>;
