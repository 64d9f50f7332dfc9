// The routing rate-distortion curve of a bank (paper Section V-A) from its 0-1 test losses:
// Blahut-Arimoto for eq. 26 over a lambda sweep, the curve's closed-form ends, and D(rho) of
// eq. 27 at given rates, all on ONE problem (the first n items).
import { UsageError } from "../../errors.js";
import { checkInt, POINTS_MAX } from "../checks.js";
import { RoutingProblem, type BaMethod } from "../../routing/ba.js";
import { lambdaGrid, paperRoutingN, routingCurve } from "../../routing/curve.js";
import { routeJson, type RouteJson } from "../../routing/json.js";
import { measurement } from "../measurement.js";
import { renderRoute } from "./render.js";

export interface RouteOptions {
  /** the first n items (default: paperRoutingN(N)) */
  n?: number;
  /** explicit lambdas; otherwise `points` log-spaced in [lambdaMin, lambdaMax] */
  lambdas?: number[];
  points: number;
  lambdaMin: number;
  lambdaMax: number;
  /** rates (nats) at which to solve eq. 27 */
  rho: number[];
  tol: number;
  maxIter: number;
  method: BaMethod;
}

const FULL: RouteOptions = { points: 25, lambdaMin: 1e-3, lambdaMax: 10, rho: [], tol: 1e-10, maxIter: 100_000, method: "newton" };

export const route = measurement({
  name: "route",
  title: "the routing rate-distortion curve D(rho) of a bank: Blahut-Arimoto on its 0-1 test losses over a lambda sweep, with the curve's closed-form ends",
  inputs: "test",
  defaults: { full: FULL, quick: { ...FULL, points: 9 } },
  validate(o: RouteOptions, inputs) {
    if (inputs !== undefined) {
      const N = inputs.test.N, n = o.n ?? paperRoutingN(N);
      if (!Number.isInteger(n) || n < 1 || n > N) throw new UsageError(`--n must be an integer in [1, ${N}] (the items in ${inputs.names.test}), got ${o.n}`);
    }
    checkInt("points", o.points, 1, POINTS_MAX);
    if (!(o.lambdaMin > 0) || !(o.lambdaMax >= o.lambdaMin) || !Number.isFinite(o.lambdaMax)) throw new UsageError("--lambda-min and --lambda-max must satisfy 0 < min <= max");
    if (!(o.tol >= 0)) throw new UsageError(`--tol must be >= 0, got ${o.tol}`);
    if (!Number.isInteger(o.maxIter) || o.maxIter < 1) throw new UsageError(`--max-iter must be a positive integer, got ${o.maxIter}`);
    for (const r of o.rho) if (!(r >= 0) || !Number.isFinite(r)) throw new UsageError(`--rho must be a finite number >= 0, got ${r}`);
    for (const x of o.lambdas ?? []) if (!(x > 0) || !Number.isFinite(x)) throw new UsageError(`--lambdas: ${x} is not a finite number > 0 (lambda = 0 is the curve's small-lambda end, reported on every run)`);
  },
  async run({ core, test, names }, o, hooks = {}): Promise<RouteJson> {
    const lambdas = o.lambdas ?? lambdaGrid(core, o.points, o.lambdaMin, o.lambdaMax);
    const prob = RoutingProblem.create(core, test, o.n ?? paperRoutingN(test.N));
    try {
      const curve = routingCurve(core, prob, {
        tol: o.tol, maxIter: o.maxIter, accelerate: o.method, lambdas, rho: o.rho,
        onProgress: hooks.log ? (done, total, p) => hooks.log!(`${done}/${total} lambda ${p.lambda.toPrecision(4)} rate ${p.rate.toFixed(6)} D ${p.distortion.toFixed(6)}`) : undefined,
      });
      return routeJson(names.test, curve);
    } finally {
      prob.free();
    }
  },
  render: renderRoute,
});
