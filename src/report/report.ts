// The report of a reproduction (docs/DESIGN.md section 5). report.json holds a canonical `results`
// object (every number, the config, seeds and input hashes; no timings, versions, host names or
// paths, so its sha-256 is the same on every engine and machine) beside a separate `run` object
// (versions and timings). report.md renders the same results as tables beside the paper's values.
import { canonicalJson } from "../bank/config.js";
import { sha256Hex } from "../io/sha256.js";
import { renderTables } from "../estimators/tables.js";
import { renderRoute, routingSummary } from "../measurements/route/render.js";
import type { RouteJson } from "../routing/json.js";
import type { SelectionResult } from "../estimators/sweep.js";
import type { BankConfig } from "../bank/config.js";
import type { DatasetRef } from "../bank/store.js";
import type { BankResults } from "../measurements/reproduction.js";
import { figAccuracy, figBounds, figDRho, figGaps, figInformation } from "./figures.js";
import { closestText, renderBounds, renderMeasuredBias, type BoundsResult } from "../estimators/tighter.js";
import { markdownTable, percentSe } from "../estimators/tables.js";
import { renderGrid, type GridResult } from "../experiments/grid.js";
import { log10Of, type DetMath } from "../math.js";
import type { GatingResult } from "../synth/gating.js";
import { gatingFigures, renderGating } from "../synth/gating-report.js";
import { constantsFigures, renderConstants, type ConstantsResult } from "../synth/constants.js";
import type { ScalingResult } from "../experiments/scaling.js";
import { renderScaling, scalingFigures } from "../experiments/scaling-report.js";
import { renderRoutingStudy, type RoutingStudy } from "./routing-study.js";

/** The companion papers' experiments (reproduce --companion). */
import type { CompanionResults } from "../measurements/companion.js";
export type { CompanionResults };

/** The companion experiments' figures: file name -> SVG text. */
export function companionFigures(c: CompanionResults, math: DetMath): Record<string, string> {
  const log10 = log10Of(math);
  return { ...gatingFigures(c.gating, log10), ...constantsFigures(c.constants, log10), ...(c.scaling ? scalingFigures(c.scaling, math) : {}) };
}

/** The companion section of report.md: each experiment's section one level down, with its figures. */
function renderCompanion(c: CompanionResults, figureNames: string[]): string[] {
  const down = (md: string) => md.replace(/^(#+) /gm, "$1# ");
  const img = (prefix: string) => figureNames.filter((f) => f.startsWith(prefix)).map((f) => `![${f.replace(/\.svg$/, "")}](${f})`);
  return [
    "## Companion experiments (the theory papers around it)",
    "",
    down(renderGating(c.gating)),
    ...img("synth-gating"),
    "",
    down(renderConstants(c.constants)),
    ...img("constants"),
    "",
    ...(c.scaling ? [down(renderScaling(c.scaling)), ...img("scaling"), ""] : []),
  ];
}

export type { BankResults } from "../measurements/reproduction.js";

export interface Results {
  format: "moe-bank/report";
  formatVersion: 1;
  dataset: DatasetRef;
  bank: BankResults;
  selection: SelectionResult;
  /** the tighter bounds (individual-sample MI, CMI, PAC-Bayes-kl, test set) beside Xu-Raginsky and the union bound */
  bounds: BoundsResult;
  routing: RouteJson;
  /** the routing study: the learned gate out of sample, the curve's rows, top-k (full configuration only) */
  routingStudy?: RoutingStudy;
  /** the Section III-C grid (with --sensitivity) */
  sensitivity?: GridResult;
  /** the companion papers' experiments (with --companion) */
  companion?: CompanionResults;
  /** sha-256 of each figure's SVG bytes */
  figures: Record<string, string>;
}

export interface RunInfo {
  tool: string;
  node: string | null;
  userAgent: string | null;
  coreSha256: string;
  workers: number;
  quick: boolean;
  /** seconds per stage */
  timings: Record<string, number>;
}

/** The five figures of the report: file name -> SVG text. */
export function figures(bank: BankResults, selection: SelectionResult, routing: RouteJson): Record<string, string> {
  return {
    "fig2-gaps.svg": figGaps(selection, 0.7),
    "alpha-information.svg": figInformation(selection),
    "alpha-bounds.svg": figBounds(selection),
    "d-rho.svg": figDRho(routing),
    "bank-accuracy.svg": figAccuracy(bank.testAccuracy),
  };
}

/** sha-256 of the canonical JSON of the results: the number that must agree across engines. */
export async function resultsSha256(results: Results): Promise<string> {
  return sha256Hex(canonicalJson(results));
}

function f4(x: number): string {
  return x.toFixed(4);
}

/** report.md: the results as tables and figures, beside the paper's values. */
export function renderReport(results: Results, sha: string, run: RunInfo): string {
  const b = results.bank;
  const acc = [...b.testAccuracy].sort((x, y) => x - y);
  const c = b.config;
  // The paper's printed values are MNIST's: on another dataset they are context, never a target.
  const mnist = results.dataset.name === "mnist";
  const paperColumn = mnist ? "paper" : "paper (MNIST)";
  // the measured bias of H(p_hat) is printed once: beside Table II when it was measured at the
  // selection's M, else with the tighter bounds
  const biasHere = results.bounds.bias.M === results.selection.config.M;
  const lines = [
    "# moe-bank: the finite-expert-bank experiment, reproduced",
    "",
    `Dataset ${results.dataset.name} (${results.dataset.trainCount} / ${results.dataset.testCount} images, sha-256 ${results.dataset.id.slice(0, 16)}…).`,
    `Bank: R = ${c.experts} experts, n = ${c.subsetSize} images each (${c.subset}), ${c.epochs} epoch of Adam (lr ${c.adam.lr}, batch ${c.batch}), seed ${c.seed}.`,
    `Selection: M = ${results.selection.config.M}, m = ${results.selection.config.m}, ${results.selection.config.bootstrap} bootstrap resamples, seed ${results.selection.config.seed}.`,
    "",
    `sha-256 of the canonical results: \`${sha}\` (the same on every engine; see report.json).`,
    "",
    ...(mnist ? [] : [`The paper's columns in this report hold its MNIST values; this run is on ${results.dataset.name}, so they are context for the reader, not numbers this run should reproduce.`, ""]),
    "## The bank",
    "",
    `| quantity | ours | ${paperColumn} |`,
    "|---|---|---|",
    `| test accuracy of the experts (min / median / max) | ${f4(acc[0]!)} / ${f4(acc[acc.length >> 1]!)} / ${f4(acc[acc.length - 1]!)} | 0.89-0.92 |`,
    `| pairwise test disagreement (min / median / max over ${b.disagreement.pairs} pairs) | ${f4(b.disagreement.min)} / ${f4(b.disagreement.median)} / ${f4(b.disagreement.max)} | 0.06-0.10 |`,
    `| oracle test error (every expert wrong) | ${f4(b.oracleTestError)} | — |`,
    "",
    "![each expert's test accuracy](bank-accuracy.svg)",
    "",
    renderTables(results.selection).replace(/^## /gm, "## "),
    `- Ties at M = ${results.bounds.config.M} runs (tighter bounds, same protocols): ${percentSe(results.bounds.ties.paper)} of the paper's runs, ${percentSe(results.bounds.ties.pool)} of reading (c)'s.`,
    "",
    ...(biasHere
      ? [`## The bias of H(p_hat) at M = ${results.bounds.bias.M}, measured, beside the three corrections`, "", renderMeasuredBias(results.bounds.bias, results.selection), ""]
      : []),
    "![Fig. 2: the per-sample gaps at alpha = 0.7 with the mean and +-B_MI](fig2-gaps.svg)",
    "",
    "![I(S;W) over alpha](alpha-information.svg)",
    "",
    "![the bounds against the gaps over alpha](alpha-bounds.svg)",
    "",
    "## Tighter bounds (Section VII-B names them; computed from the loss matrices)",
    "",
    renderBounds(results.bounds, { bias: !biasHere }),
    "",
    ...(results.sensitivity ? ["## Sensitivity grid (Section III-C)", "", renderGrid(results.sensitivity), ""] : []),
    "## Routing: the accuracy-rate curve D(rho) (Section V)",
    "",
    routingSummary(results.routing),
    "",
    "```",
    renderRoute(results.routing),
    "```",
    "",
    "![D(rho), the in-sample lower envelope of eq. 27](d-rho.svg)",
    "",
    ...(results.routingStudy ? [renderRoutingStudy(results.routingStudy)] : []),
    ...(results.companion ? renderCompanion(results.companion, Object.keys(results.figures)) : []),
    "## Where the paper's conventions are off (both readings are reported above)",
    "",
    "- Eq. 21 uses sqrt(2I/m) (sigma = 1); a loss in [0, 1] is 1/2-sub-Gaussian, giving sqrt(I/(2m)), the constant of the union bound (22): both are in Table I and the bounds figure.",
    "- The bias of H(p_hat): p_hat averages posteriors, so for alpha < 1 the delta-method term (alpha^2/2M) sum_r f_r(1-f_r)/((1-alpha)/R + alpha f_r) replaces the paper's (R-1)/(2M); at alpha = 1 it is (K-1)/(2M) at the observed shares and understates the bias when experts of small r* probability go unobserved. Miller-Madow's (K-1)/(2M) is shown too." +
      (results.bounds.bias.M === results.selection.config.M ? ` Measured at M = ${results.bounds.bias.M} (the bias section above), the closest is ${closestText(results.selection, results.bounds.bias)}.` : ""),
    "- The paper's gap mixes a train/test shift into G; G_pool (S i.i.d. from the pool, gap against the pool risk) is the reading for which the theorem holds.",
    "- \"I -> log R as alpha -> 1\" needs a uniform r*: at alpha = 1, I = H(r*).",
    "- Section VI-A's \"14-20x\" looseness: the ratios per alpha are in Table II extended.",
    "- At lambda -> 0 the routing rate is the least rate that attains the oracle error, far below log R (Section V-A says \"near its empirical maximum\"); it is the rate of the in-sample gate, which routes each image by its own losses: a lower envelope, not a deployable gate.",
    "",
    "## This run",
    "",
    "| stage | seconds |",
    "|---|---:|",
    ...Object.entries(run.timings).map(([k, v]) => `| ${k} | ${v.toFixed(1)} |`),
    "",
    `${run.tool}; ${run.node ? `node ${run.node}` : run.userAgent ?? ""}; ${run.workers} workers${run.quick ? "; --quick configuration" : ""}.`,
  ];
  return lines.join("\n") + "\n";
}
