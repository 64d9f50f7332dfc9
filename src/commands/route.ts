// `moe-bank route`: the routing rate-distortion curve of a bank (paper Section V-A) from its 0-1
// loss matrix on the test split (src/measurements/route).
import type { Argv, ArgumentsCamelCase } from "yargs";
import type { GlobalOptions } from "../output.js";
import type { BaMethod } from "../routing/ba.js";
import { PAPER_ROUTING_N } from "../routing/curve.js";
import { route } from "../measurements/route/index.js";
import { measureAndEmit, testInputs } from "./measure.js";
import { listOption } from "./checks.js";

interface RouteArgs extends GlobalOptions {
  testLosses: string;
  n?: number;
  lambdas?: number[];
  points: number;
  lambdaMin: number;
  lambdaMax: number;
  rho?: number[];
  tol: number;
  maxIter: number;
  method?: BaMethod;
}

/** From this many experts on, the default solver (newton: an R x R system per step) says that
 *  --method squarem may be faster (R = 1000, N = 300, 3 lambdas: squarem 53 s, newton not done
 *  after 300 s, on a loaded 2-core machine; the report: 183 s vs 1.2 s). */
export const ROUTE_HINT_R = 200;

async function routeCmd(a: ArgumentsCamelCase<RouteArgs>): Promise<void> {
  const d = route.defaults.full;
  const o = {
    ...(a.n !== undefined ? { n: a.n } : {}),
    ...(a.lambdas !== undefined ? { lambdas: a.lambdas } : {}),
    points: a.points, lambdaMin: a.lambdaMin, lambdaMax: a.lambdaMax, rho: a.rho ?? [], tol: a.tol, maxIter: a.maxIter, method: a.method ?? d.method,
  };
  await measureAndEmit(route, a, o, () => testInputs(a.testLosses), ({ test }) => {
    if (a.method === undefined && test.R >= ROUTE_HINT_R && !a.quiet) {
      process.stderr.write(`moe-bank: hint: R = ${test.R} experts: the default solver (newton) solves an R x R system at every step; if this is slow, try --method squarem\n`);
    }
  });
}

export function routeCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  const d = route.defaults.full;
  return y.command(
    route.name,
    route.title,
    (c) =>
      c
        .option("test-losses", { type: "string", demandOption: true, describe: "0-1 losses on the test split: .npy, uint8 or bool, shape [R, N]" })
        .option("n", { type: "number", describe: `use the first n items (default: ${PAPER_ROUTING_N}, or all if fewer)` })
        .option("lambdas", listOption("lambdas", "number", "lambdas (default: --points log-spaced in [--lambda-min, --lambda-max])"))
        .option("points", { type: "number", default: d.points, describe: "number of log-spaced lambdas" })
        .option("lambda-min", { type: "number", default: d.lambdaMin, describe: "smallest lambda of the grid" })
        .option("lambda-max", { type: "number", default: d.lambdaMax, describe: "largest lambda of the grid" })
        .option("rho", listOption("rho", "number", "also solve eq. 27, D(rho) = min D subject to I <= rho (nats), by bisection on lambda"))
        .option("tol", { type: "number", default: d.tol, describe: "stop when the certificate max_t c_t - 1 <= tol" })
        .option("max-iter", { type: "number", default: d.maxIter, describe: "at most this many evaluations per lambda" })
        .option("method", { choices: ["newton", "squarem", "none"] as const, describe: `newton (SQP on the simplex; the default), squarem (extrapolated BA, often faster from R = ${ROUTE_HINT_R} experts on) or none (plain BA, eqs. 28-29)` })
        .example("$0 route --test-losses losses-test.npy", "25 lambdas in [1e-3, 10] on the first 2000 test items")
        .example("$0 route --test-losses losses-test.npy --rho 0.05 0.1 --json", "the curve and D(rho) at two rates, as JSON"),
    (a) => routeCmd(a as ArgumentsCamelCase<RouteArgs>),
  );
}
