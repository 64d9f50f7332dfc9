// The full reproduction's routing study (not in --quick): beside the in-sample curve of Section
// V-A, an achievable gate out of sample (the learned gate of eq. 26, trained on the test images
// after the curve's rows and scored on them), how the curve moves with its rows (a bootstrap
// band, a random 2,000 rows, all of them) and top-k routing (the frontier over pairs). Each part
// is a registry entry run at the pipeline's configuration.
import type { Core } from "../../bindings/index.js";
import type { Split } from "../data/idx.js";
import type { LossMatrix } from "../formats/losses.js";
import { gates, type LearnedGatesJson } from "../measurements/gates/index.js";
import { routeRows, figRouteRows, renderRouteRows, type RouteRowsResult } from "../measurements/route-rows/index.js";
import { topk, renderTopK, type TopKResult } from "../measurements/topk/index.js";
import { markdownTable } from "../plot/table.js";

export interface RoutingStudy {
  learned: LearnedGatesJson;
  rows: RouteRowsResult;
  topk: TopKResult;
}

export interface RoutingStudyInputs {
  core: Core;
  /** the bank's test losses with its predictions */
  test: LossMatrix;
  dataset: string;
  images: Split;
  seed: number;
}

/** The three parts, each a stage (`stage(name, fn)` times it). */
export async function runRoutingStudy(inp: RoutingStudyInputs, stage: <T>(name: string, fn: () => Promise<T>) => Promise<T>): Promise<RoutingStudy> {
  const test = { core: inp.core, test: inp.test, names: { test: "losses-test.npy" }, images: async () => ({ dataset: inp.dataset, split: inp.images }) };
  const rows = await stage("routing: rows", () => routeRows.run(test, { ...routeRows.defaults.full, seed: inp.seed }));
  const top = await stage("routing: top-k", () => topk.run(test, topk.defaults.full));
  const learned = await stage("routing: learned gate", async () => (await gates.run(test, { ...gates.defaults.full, gate: "learned", seed: inp.seed })) as LearnedGatesJson);
  return { learned, rows, topk: top };
}

const f4 = (x: number): string => x.toFixed(4);
const fr = (x: number): string => (x !== 0 && x < 1e-3 ? x.toExponential(2) : x.toFixed(4));

/** The report's section. */
export function renderRoutingStudy(s: RoutingStudy): string {
  const l = s.learned;
  return [
    "## Routing out of sample, the curve's rows, top-k",
    "",
    `**An achievable gate.** The curve above is in-sample: its gate routes each image by that image's own losses. The learned gate of eq. 26 (the expert CNN with an R-way softmax head) sees only the image: trained on test images ${l.trainRows[0]}-${l.trainRows[1] - 1} (${l.epochs} epochs, seed ${l.seed}) and scored on the first ${l.N}, the curve's rows, which it never saw. Each point is held out; "envelope" is the in-sample curve at the gate's rate (its certified lower bound), "gap" how far above it the gate sits.`,
    "",
    markdownTable(
      ["lambda", "held-out rate (nats)", "held-out D", "envelope D(rate)", "gap", "training rate", "training D"],
      l.points.map((p) => [String(p.lambda), fr(p.rate), f4(p.distortion), f4(p.frontierLower), f4(p.gap), fr(p.trainRate), f4(p.trainDistortion)]),
    ),
    "",
    "**The curve's rows.**",
    "",
    renderRouteRows(s.rows),
    "",
    "![D(rho): the band over the rows, other rows, the learned gate's held-out points](d-rho-rows.svg)",
    "",
    "**Top-k routing.**",
    "",
    renderTopK(s.topk),
    "",
  ].join("\n");
}

/** The section's figure: the band, the other rows' curves and the learned gate's points. */
export function routingStudyFigures(s: RoutingStudy): Record<string, string> {
  return { "d-rho-rows.svg": figRouteRows(s.rows, { label: "learned gate, held out (eq. 26, trained on the other test images)", rate: s.learned.points.map((p) => p.rate), distortion: s.learned.points.map((p) => p.distortion) }) };
}
