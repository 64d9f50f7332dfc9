// Tables I and II of the paper from a SelectionResult, beside the paper's printed values: as data
// (for --json and the report) and as Markdown (for the terminal and report.md). Pure functions.
import type { Interval } from "./bootstrap.js";
import type { Maybe } from "./bounds.js";
import { PAPER_TABLE_I, PAPER_TABLE_II } from "./paper.js";
import type { AlphaResult, ReadingResult, SelectionResult, TieShare } from "./sweep.js";
import { markdownTable } from "../plot/table.js";
/** Markdown tables are drawn by src/plot/table.ts; re-exported for the estimators' callers. */
export { markdownTable };

export interface TableIRow {
  quantity: string;
  ours: number | null;
  ci: Interval | null;
  paper: number | null;
}

/** Table I (the default configuration at alpha = 0.7), ours beside the paper's, plus the
 *  Section IV numbers the paper states in prose (the CI of I, the Miller-Madow term, B_UB). */
export function tableI(res: SelectionResult, alpha = PAPER_TABLE_I.alpha): { alpha: number; rows: TableIRow[] } | { alpha: number; rows: null; reason: string } {
  const a = res.readings.paper.alphas.find((r) => r.alpha === alpha);
  if (a === undefined) return { alpha, rows: null, reason: `alpha = ${alpha} is not in the sweep` };
  const pool = res.readings.pool.alphas.find((r) => r.alpha === alpha)!;
  const p = PAPER_TABLE_I;
  const row = (quantity: string, ours: number | null, paper: number | null, ci: Interval | null = null): TableIRow => ({ quantity, ours, ci, paper });
  return {
    alpha,
    rows: [
      row("R", res.config.R, p.R),
      row("m", res.config.m, p.m),
      row("M", res.config.M, p.M),
      row("alpha", alpha, p.alpha),
      row("R_train (eq. 30)", a.rTrain.value, p.rTrain, a.rTrain.ci),
      row("R_test (eq. 31)", a.rRef.value, p.rTest, a.rRef.ci),
      row("G (eq. 32)", a.g.value, p.g, a.g.ci),
      row("G_abs (eq. 33)", a.gAbs.value, p.gAbs, a.gAbs.ci),
      row("H(W) (eq. 16)", a.hW, p.hW),
      row("H(W|S) (eq. 17)", a.hWgS, p.hWgS),
      row("I(S;W) (eq. 18)", a.I.value, p.I, a.I.ci),
      row("sqrt(2I/m) (eq. 21, sigma = 1)", a.bMI.sigma1.value, p.bMI, a.bMI.sigma1.ci),
      row("sqrt(I/(2m)) (sigma = 1/2)", a.bMI.sigmaHalf.value, null, a.bMI.sigmaHalf.ci),
      row("B_UB = sqrt(log R/(2m)) (eq. 22)", res.bUB, p.bUB),
      row("bias term (R-1)/(2M) (paper)", a.corrections.paper, p.millerMadow),
      row("bias term (K-1)/(2M) (Miller-Madow, K observed)", a.corrections.millerMadow, null),
      row("bias term, delta method", a.corrections.delta, null),
      row("I + delta-method term", a.iCorrected.delta, null),
      row("G_pool (reading (c))", pool.g.value, null, pool.g.ci),
      row("I(S;W), reading (c)", pool.I.value, null, pool.I.ci),
    ],
  };
}

export interface TableIIRow {
  alpha: number;
  ours: AlphaResult;
  pool: AlphaResult | null;
  paper: (typeof PAPER_TABLE_II)[number] | null;
}

/** Table II: every alpha of the sweep, with the paper's row where it has one. */
export function tableII(res: SelectionResult): TableIIRow[] {
  return res.readings.paper.alphas.map((ours) => ({
    alpha: ours.alpha,
    ours,
    pool: res.readings.pool.alphas.find((r) => r.alpha === ours.alpha) ?? null,
    paper: PAPER_TABLE_II.find((r) => r.alpha === ours.alpha) ?? null,
  }));
}

/** x to `digits` decimals; null as a dash. */
export function fmt(x: number | null, digits = 4): string {
  return x === null ? "—" : x.toFixed(digits);
}

/** A cell of a "paper" column: "—" where the paper has no row, and where it printed "nan" (its
 *  undefined B_MI at alpha = 0) the words "— (printed nan)": never NaN itself. */
export function paperCell(x: number | null | undefined): string {
  return x === undefined ? "—" : x === null ? "— (printed nan)" : fmt(x);
}

export function fmtCI(ci: Interval | null, digits = 4): string {
  return ci === null ? "—" : `[${ci.lo.toFixed(digits)}, ${ci.hi.toFixed(digits)}]`;
}

function fmtRatio(r: Maybe): string {
  return r.value === null ? "n/a" : `${r.value.toFixed(1)}x`;
}

function fmtInt(x: number): string {
  return Number.isInteger(x) ? String(x) : fmt(x);
}

/** A Markdown table (pipes aligned for reading in a terminal; a | inside a cell is escaped). */
function range(xs: number[]): string {
  if (xs.length === 0) return "n/a";
  return `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}x`;
}

/** "28.4% +- 0.1%": a share of runs and its standard error, in percent. */
export function percentSe(t: TieShare): string {
  return `${(100 * t.share).toFixed(1)}% +- ${(100 * t.se).toFixed(1)}%`;
}

/** The notes every rendering carries: ties, H(r*) vs log R, crossovers, trends, the checks of
 *  reading (c), the looseness ranges, and where the ratios are undefined. */
export function notes(res: SelectionResult): string[] {
  const { paper, pool } = res.readings;
  const out: string[] = [];
  const tie = (rd: ReadingResult) => `${rd.ties.samples} of ${res.config.M} runs (${percentSe(rd.ties)}, up to ${rd.ties.maxTied} experts tied)`;
  out.push(`Ties for r* (eq. 10, broken toward the smallest index; share +- standard error): ${tie(paper)} in the paper's reading, ${tie(pool)} in reading (c).`);
  out.push(
    `I at alpha = 1 is H(r*) = ${fmt(paper.hRstar)} nats (K = ${paper.K} distinct r*), ${fmt(paper.logRMinusHRstar)} below log R = ${fmt(res.logR)}: ` +
      `"I -> log R as alpha -> 1" holds only for uniform r*.`,
  );
  for (const [name, rd] of [["paper", paper], ["(c)", pool]] as const) {
    const c1 = rd.crossover.sigma1.alpha, ch = rd.crossover.sigmaHalf.alpha;
    out.push(
      `Crossover B_MI = B_UB (${name}): sigma = 1 at alpha = ${c1.value === null ? `none (${c1.reason})` : fmt(c1.value)}; ` +
        `sigma = 1/2 at alpha = ${ch.value === null ? `none (${ch.reason})` : fmt(ch.value)}.`,
    );
  }
  out.push(`Trends over alpha (paper's reading): I ${paper.trends.I}, G ${paper.trends.g}, G_abs ${paper.trends.gAbs}; reading (c): I ${pool.trends.I}, G_pool ${pool.trends.g}, G_pool_abs ${pool.trends.gAbs}.`);
  for (const [name, rd] of [["paper's reading (G)", paper], ["reading (c) (G_pool)", pool]] as const) {
    const z = rd.checks.gapAtAlpha0;
    if (z !== null) out.push(`At alpha = 0 (W independent of S), ${name}: ${fmt(rd.alphas.find((a) => a.alpha === 0)!.g.value)} with CI ${fmtCI(z.ci)}: ${z.coversZero === null ? "no CI" : z.coversZero ? "covers 0" : "does not cover 0"}.`);
    const fails = rd.checks.bound.filter((b) => !b.holds).map((b) => fmt(b.alpha, 2));
    if (rd.checks.bound.length > 0) {
      out.push(`|G| <= B_MI(sigma = 1/2) + CI half-width, ${name}: ${fails.length === 0 ? "holds at every alpha > 0" : `fails at alpha = ${fails.join(", ")}`}.`);
    }
  }
  const pos = paper.alphas.filter((a) => a.alpha > 0);
  const r1 = pos.flatMap((a) => (a.looseness.sigma1.overAbsG.value === null ? [] : [a.looseness.sigma1.overAbsG.value]));
  const r2 = pos.flatMap((a) => (a.looseness.sigma1.overGAbs.value === null ? [] : [a.looseness.sigma1.overGAbs.value]));
  const paperRows = PAPER_TABLE_II.filter((r) => r.alpha > 0 && r.bMI !== null);
  const p1 = paperRows.map((r) => r.bMI! / Math.abs(r.g)), p2 = paperRows.map((r) => r.bMI! / r.gAbs);
  out.push(
    `Looseness over alpha > 0 (sigma = 1): B_MI/|G| ${range(r1)}, B_MI/G_abs ${range(r2)} ` +
      `(Section VI-A states 14-20x; the paper's own Table II gives ${range(p1)} and ${range(p2)}). Both ratios are undefined at alpha = 0, where B_MI = 0.`,
  );
  return out;
}

/** `moe-bank tables`: Table I, Table II (the paper's columns), Table II extended, and the notes. */
export function renderTables(res: SelectionResult): string {
  const parts: string[] = [];
  const t1 = tableI(res);
  parts.push(`## Table I (alpha = ${t1.alpha}), ours beside the paper's`, "");
  if (t1.rows === null) parts.push(t1.reason);
  else parts.push(markdownTable(["quantity", "ours", "95% CI", "paper"], t1.rows.map((r) => [r.quantity, fmtInt(r.ours!), fmtCI(r.ci), r.paper === null ? "—" : fmtInt(r.paper)])));
  parts.push("", "The paper's CI of I at alpha = 0.7 is [1.34, 1.42] (Section IV-A). Table I prints G = 0.0045 at alpha = 0.7, Table II 0.0051: comparisons use Table II.", "");
  const t2 = tableII(res);
  parts.push("## Table II (the paper's columns), ours | paper", "");
  parts.push(markdownTable(
    ["alpha", "I", "I paper", "sqrt(2I/m)", "paper", "G", "G paper", "G_abs", "G_abs paper"],
    t2.map(({ alpha, ours, paper }) => [
      fmt(alpha, 2), fmt(ours.I.value), fmt(paper?.I ?? null), fmt(ours.bMI.sigma1.value), paperCell(paper === null ? undefined : paper.bMI),
      fmt(ours.g.value), fmt(paper?.g ?? null), fmt(ours.gAbs.value), fmt(paper?.gAbs ?? null),
    ]),
  ));
  parts.push("", "## Table II extended: intervals, corrections, both constants, reading (c)", "");
  parts.push(markdownTable(
    ["alpha", "I 95% CI", "I+(R-1)/2M", "I+(K-1)/2M", "I+delta", "sqrt(I/2m)", "G 95% CI", "G_abs 95% CI", "B_MI/|G|", "B_MI/G_abs", "G_pool", "G_pool 95% CI", "I (c)"],
    t2.map(({ alpha, ours, pool }) => [
      fmt(alpha, 2), fmtCI(ours.I.ci), fmt(ours.iCorrected.paper), fmt(ours.iCorrected.millerMadow), fmt(ours.iCorrected.delta), fmt(ours.bMI.sigmaHalf.value),
      fmtCI(ours.g.ci), fmtCI(ours.gAbs.ci), fmtRatio(ours.looseness.sigma1.overAbsG), fmtRatio(ours.looseness.sigma1.overGAbs),
      fmt(pool?.g.value ?? null), fmtCI(pool?.g.ci ?? null), fmt(pool?.I.value ?? null),
    ]),
  ));
  parts.push("", `B_UB = ${fmt(res.bUB)} (eq. 22). Ratios use sigma = 1 (eq. 21 as printed); n/a = undefined (alpha = 0: B_MI = 0).`, "", "## Notes", "");
  parts.push(...notes(res).map((n) => `- ${n}`));
  return parts.join("\n");
}

/** `moe-bank select`: one table per reading with every estimate and its interval, then the notes. */
export function renderSelection(res: SelectionResult): string {
  const c = res.config;
  const parts: string[] = [
    `R = ${c.R} experts, pool ${c.nPool} items, test ${c.nTest} items; M = ${c.M} runs of m = ${c.m}; seed ${c.seed}; ` +
      `${c.bootstrap} bootstrap resamples, ${Math.round(c.level * 100)}% percentile intervals. log R = ${fmt(res.logR)}, B_UB = ${fmt(res.bUB)}.`,
  ];
  for (const rd of [res.readings.paper, res.readings.pool]) {
    const ref = rd.reference === "test" ? "R_test" : "R_pool";
    const g = rd.reference === "test" ? "G" : "G_pool";
    parts.push("", `## ${rd.reading === "paper" ? "Paper's reading" : "Reading (c)"}: ${rd.description}`, "");
    parts.push(markdownTable(
      ["alpha", "H(W)", "H(W|S)", "I", "I 95% CI", "I+delta", "B_MI s=1", "B_MI s=1/2", "R_train", ref, g, `${g} 95% CI`, `${g}_abs`, "B/|G|", "B/G_abs"],
      rd.alphas.map((a) => [
        fmt(a.alpha, 2), fmt(a.hW), fmt(a.hWgS), fmt(a.I.value), fmtCI(a.I.ci), fmt(a.iCorrected.delta), fmt(a.bMI.sigma1.value), fmt(a.bMI.sigmaHalf.value),
        fmt(a.rTrain.value), fmt(a.rRef.value), fmt(a.g.value), fmtCI(a.g.ci), fmt(a.gAbs.value),
        fmtRatio(a.looseness.sigma1.overAbsG), fmtRatio(a.looseness.sigma1.overGAbs),
      ]),
    ));
  }
  parts.push("", "## Notes", "", ...notes(res).map((n) => `- ${n}`));
  return parts.join("\n");
}
