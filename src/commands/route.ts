// `moe-bank route`: the routing rate-distortion curve of a bank (paper Section V-A) from its 0-1
// loss matrix on the test split: Blahut-Arimoto for eq. 26 over a lambda sweep, the curve's
// closed-form ends, and D(rho) of eq. 27 at given rates.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { Core } from "../../bindings/index.js";
import { UsageError } from "../errors.js";
import { emit, progressEnabled, type GlobalOptions } from "../output.js";
import { readLossMatrix } from "../formats/losses.js";
import { checkInt, POINTS_MAX } from "./checks.js";
import { RoutingProblem, type BaMethod, type BaResult } from "../routing/ba.js";
import { lambdaGrid, paperRoutingN, PAPER_ROUTING_N, routingCurve, type RoutingCurve } from "../routing/curve.js";

interface RouteArgs extends GlobalOptions {
  testLosses: string;
  n?: number;
  lambdas?: string;
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

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => rows.reduce((w, r) => Math.max(w, r[c]!.length), 0));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd()).join("\n");
}

/** 2000 -> "2,000" (the same in every engine; toLocaleString is not). */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** The D(rho) rows as they are printed everywhere (report.md, `route`, the browser page):
 *  [rho, D(rho), lower bound, lambda, bisections (kind)]. */
export function rhoRows(r: RouteJson): string[][] {
  return r.rho.map((c) => [String(c.rho), c.distortion.toFixed(9), c.lower.toFixed(9), typeof c.lambda === "number" ? c.lambda.toPrecision(6) : c.lambda, `${c.bisections} (${c.kind})`]);
}
export const RHO_HEADER = ["rho", "D(rho)", "lower bound", "lambda", "bisections"] as const;

/**
 * The routing section in one paragraph, from the routing results alone: the one text of the
 * README's tour, report.md and the browser page (plain text, so it reads the same in all three).
 * It says what the gate of eq. 26 is: it routes each item by that item's own losses (for a test
 * image, by whether each expert gets its label right), so its curve is in-sample.
 */
export function routingSummary(r: RouteJson): string {
  const e = r.ends;
  const best =
    e.bestExpert === null
      ? ""
      : `, against ${e.bestError!.toFixed(4)} for the best single expert, which a gate reaches at rate 0 ` +
        (typeof e.lambdaMax === "number" ? `for lambda >= ${e.lambdaMax.toFixed(1)}` : "at no finite lambda (another expert ties it)");
  const rho =
    r.rho.length === 0
      ? ""
      : ` D(rho) = ${r.rho.map((c) => c.distortion.toFixed(4)).join(" / ")} at rho = ${r.rho.map((c) => String(c.rho)).join(" / ")} nats.`;
  return (
    `Routing the first ${grouped(r.N)} test images among the ${r.R} experts, the Blahut-Arimoto gate reaches the oracle error ${e.oracleError.toFixed(4)} (every expert wrong) ` +
    `with ${e.leastRate.toFixed(2)} nats of information about the input${best}. ` +
    `That gate routes each image by that image's own loss pattern (it sees the label): its curve is the in-sample lower envelope of eq. 27, ` +
    `a bound no gate beats on these images, not a gate anyone can deploy.${rho} ` +
    `Every point's objective D + lambda I is within ${r.gapBound.toExponential(1)} of the optimum (lambda log(1 + c), c the certificate).`
  );
}

/** The text form of `route` (also the D(rho) section of the report). */
export function renderRoute(r: RouteJson): string {
  const e = r.ends;
  const f = (x: number, d = 6) => x.toFixed(d);
  const lines = [
    `${r.file}: N = ${r.N} items, R = ${r.R} experts, K = ${r.K} distinct loss patterns; method ${r.method}, tol ${r.tol}`,
    `rates in nats (log R = ${f(e.logR)})`,
    "",
    `small lambda: D -> oracle error ${f(e.oracleError)} at the least rate ${f(e.leastRate, 9)} (>= ${f(e.leastRateLower, 9)})`,
    "  (in-sample: each item is routed by its own losses; the curve is the lower envelope of eq. 27 on these items, not a deployable gate)",
    e.bestExpert === null
      ? "large lambda: losses are not 0-1, no closed form"
      : `large lambda: the gate is expert ${e.bestExpert} alone (error ${f(e.bestError!)}) for lambda >= lambda_max = ${typeof e.lambdaMax === "number" ? f(e.lambdaMax) : e.lambdaMax}` +
        (e.lambdaMaxExpert !== null && e.lambdaMaxExpert >= 0 ? ` (bound by expert ${e.lambdaMaxExpert})` : ""),
    "",
    table([
      ["lambda", "rate", "distortion", "accuracy", "objective gap <=", "certificate c", "iterations", "evaluations", ""],
      ...r.points.map((p) => [
        p.lambda.toPrecision(4),
        f(p.rate),
        f(p.distortion),
        f(1 - p.distortion),
        p.gapBound.toExponential(1),
        p.certificate.toExponential(1),
        String(p.iterations),
        String(p.evaluations),
        p.vertex ? "vertex" : p.converged ? "" : "NOT CONVERGED",
      ]),
    ]),
    "",
    `certified: at every lambda the objective D + lambda I is within lambda log(1 + c) <= ${r.gapBound.toExponential(1)} of the optimum of eq. 26 (c = max_t c_t - 1, the certificate; stop at c <= ${r.tol})`,
  ];
  if (r.rho.length > 0) {
    lines.push("", "D(rho), eq. 27:");
    lines.push(table([[...RHO_HEADER], ...rhoRows(r)]));
  }
  lines.push("", `${r.evaluations} evaluations, ${r.iterations} iterations${r.converged ? "" : "; SOME POINTS DID NOT CONVERGE"}`);
  return lines.join("\n");
}

function parseLambdas(s: string): number[] {
  const xs = s.split(",").map((x) => x.trim()).filter((x) => x !== "").map(Number);
  if (xs.length === 0) throw new UsageError("--lambdas needs at least one value, e.g. --lambdas 0.01,0.1,1");
  for (const x of xs) if (!(x > 0) || !Number.isFinite(x)) throw new UsageError(`--lambdas: ${x} is not a finite number > 0 (lambda = 0 is the curve's small-lambda end, reported on every run)`);
  return xs;
}

async function route(args: ArgumentsCamelCase<RouteArgs>): Promise<void> {
  const L = await readLossMatrix(args.testLosses);
  const n = args.n ?? paperRoutingN(L.N);
  if (!Number.isInteger(n) || n < 1 || n > L.N) throw new UsageError(`--n must be an integer in [1, ${L.N}] (the items in ${args.testLosses}), got ${args.n}`);
  checkInt("points", args.points, 1, POINTS_MAX);
  if (!(args.lambdaMin > 0) || !(args.lambdaMax >= args.lambdaMin) || !Number.isFinite(args.lambdaMax)) throw new UsageError("--lambda-min and --lambda-max must satisfy 0 < min <= max");
  if (!(args.tol >= 0)) throw new UsageError(`--tol must be >= 0, got ${args.tol}`);
  if (!Number.isInteger(args.maxIter) || args.maxIter < 1) throw new UsageError(`--max-iter must be a positive integer, got ${args.maxIter}`);
  const rhos = args.rho ?? [];
  for (const r of rhos) if (!(r >= 0) || !Number.isFinite(r)) throw new UsageError(`--rho must be a finite number >= 0, got ${r}`);
  const core = await Core.load();
  const lambdas = args.lambdas !== undefined ? parseLambdas(args.lambdas) : lambdaGrid(core, args.points, args.lambdaMin, args.lambdaMax);
  const progress = progressEnabled(args);
  const method: BaMethod = args.method ?? "newton";
  if (args.method === undefined && L.R >= ROUTE_HINT_R && !args.quiet) {
    process.stderr.write(`moe-bank: hint: R = ${L.R} experts: the default solver (newton) solves an R x R system at every step; if this is slow, try --method squarem\n`);
  }
  const opts = { tol: args.tol, maxIter: args.maxIter, accelerate: method };
  const t0 = performance.now();
  const prob = RoutingProblem.create(core, L, n);
  try {
    const curve = routingCurve(core, prob, {
      ...opts,
      lambdas,
      rho: rhos,
      onProgress: progress ? (done, total, p) => process.stderr.write(`route: ${done}/${total} lambda ${p.lambda.toPrecision(4)} rate ${p.rate.toFixed(6)} D ${p.distortion.toFixed(6)}\n`) : undefined,
    });
    if (progress) process.stderr.write(`route: ${(performance.now() - t0).toFixed(0)} ms\n`);
    emit(args, routeJson(args.testLosses, curve), renderRoute);
  } finally {
    prob.free();
  }
}

export function routeCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command(
    "route",
    "the routing rate-distortion curve D(rho) of a bank: Blahut-Arimoto on its 0-1 test losses over a lambda sweep, with the curve's closed-form ends",
    (c) =>
      c
        .option("test-losses", { type: "string", demandOption: true, describe: "0-1 losses on the test split: .npy, uint8 or bool, shape [R, N]" })
        .option("n", { type: "number", describe: `use the first n items (default: ${PAPER_ROUTING_N}, or all if fewer)` })
        .option("lambdas", { type: "string", describe: "comma-separated lambdas (default: --points log-spaced in [--lambda-min, --lambda-max])" })
        .option("points", { type: "number", default: 25, describe: "number of log-spaced lambdas" })
        .option("lambda-min", { type: "number", default: 1e-3, describe: "smallest lambda of the grid" })
        .option("lambda-max", { type: "number", default: 10, describe: "largest lambda of the grid" })
        .option("rho", { type: "number", array: true, describe: "also solve eq. 27, D(rho) = min D subject to I <= rho (nats), by bisection on lambda" })
        .option("tol", { type: "number", default: 1e-10, describe: "stop when the certificate max_t c_t - 1 <= tol" })
        .option("max-iter", { type: "number", default: 100_000, describe: "at most this many evaluations per lambda" })
        .option("method", { choices: ["newton", "squarem", "none"] as const, describe: `newton (SQP on the simplex; the default), squarem (extrapolated BA, often faster from R = ${ROUTE_HINT_R} experts on) or none (plain BA, eqs. 28-29)` })
        .example("$0 route --test-losses losses-test.npy", "25 lambdas in [1e-3, 10] on the first 2000 test items")
        .example("$0 route --test-losses losses-test.npy --rho 0.05 0.1 --json", "the curve and D(rho) at two rates, as JSON"),
    (a) => route(a as ArgumentsCamelCase<RouteArgs>),
  );
}
