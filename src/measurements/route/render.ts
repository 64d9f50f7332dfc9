// The routing curve as text: the `route` command's output, the D(rho) rows and the one-paragraph
// summary that report.md, the README's tour and the page all print.
import type { RouteJson } from "../../routing/json.js";
import { grouped, textTable } from "../../plot/table.js";

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
    textTable([
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
    ], "numbers"),
    "",
    `certified: at every lambda the objective D + lambda I is within lambda log(1 + c) <= ${r.gapBound.toExponential(1)} of the optimum of eq. 26 (c = max_t c_t - 1, the certificate; stop at c <= ${r.tol})`,
  ];
  if (r.rho.length > 0) {
    lines.push("", "D(rho), eq. 27:");
    lines.push(textTable([[...RHO_HEADER], ...rhoRows(r)], "numbers"));
  }
  lines.push("", `${r.evaluations} evaluations, ${r.iterations} iterations${r.converged ? "" : "; SOME POINTS DID NOT CONVERGE"}`);
  return lines.join("\n");
}
