// The report's figures as SVG documents (browser-safe; pure functions of the results).
//   fig2-gaps.svg       Fig. 2: the per-run gaps at alpha = 0.7 with their mean and +-B_MI
//   alpha-information   I(S;W) over alpha with its CI, H(r*) and log R
//   alpha-bounds        B_MI under both constants, B_UB, G and G_pool with CIs, G_abs
//   d-rho               the in-sample routing curve D(rho) (eq. 27's lower envelope) with its closed-form ends
//   bank-accuracy       each expert's test accuracy beside the paper's 0.89-0.92
import { chart, COLORS as C, type Series } from "../plot/svg.js";
import type { SelectionResult } from "../estimators/sweep.js";
import type { RouteJson } from "../routing/json.js";

/** Fig. 2 of the paper: histogram of the per-run gaps G_i at `alpha` (paper's reading). */
export function figGaps(sel: SelectionResult, alpha = 0.7, bins = 24): string {
  const row = sel.readings.paper.alphas.find((a) => a.alpha === alpha) ?? sel.readings.paper.alphas[sel.readings.paper.alphas.length - 1]!;
  const g = row.gaps;
  const b1 = row.bMI.sigma1.value, bh = row.bMI.sigmaHalf.value;
  const lo = Math.min(...g, -b1), hi = Math.max(...g, b1);
  const w = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of g) counts[Math.min(bins - 1, Math.floor((v - lo) / w))]!++;
  return chart({
    title: `Generalization gaps of the selected expert, alpha = ${row.alpha}`,
    subtitle: `M = ${g.length} samples of m = ${sel.config.m}; G_i = R_test(W_i) - R_S_i(W_i) (the paper's reading)`,
    x: { label: "gap G_i" },
    y: { label: "samples" },
    series: [{ kind: "bars", label: "per-sample gap", x: counts.map((_, i) => lo + i * w), width: w, y: counts, color: C.blue }],
    vlines: [
      { at: row.g.value, label: `mean G = ${row.g.value.toFixed(4)}`, color: C.red },
      { at: b1, label: `+-B_MI, sigma = 1 (eq. 21): ${b1.toFixed(4)}`, color: C.orange, dash: true },
      { at: -b1, label: "", color: C.orange, dash: true },
      { at: bh, label: `+-B_MI, sigma = 1/2 (Hoeffding): ${bh.toFixed(4)}`, color: C.green, dash: true },
      { at: -bh, label: "", color: C.green, dash: true },
    ],
  });
}

/** I(S;W) over alpha with its bootstrap CI, beside H(r*) and log R. */
export function figInformation(sel: SelectionResult): string {
  const rows = sel.readings.paper.alphas;
  const a = rows.map((r) => r.alpha);
  return chart({
    title: "Information the selection uses: I(S;W) over alpha",
    subtitle: `R = ${sel.config.R}, M = ${sel.config.M}, m = ${sel.config.m}; band: ${sel.config.level * 100}% bootstrap interval`,
    x: { label: "alpha", min: 0, max: 1 },
    y: { label: "nats", min: 0 },
    series: [
      { kind: "band", label: "I(S;W) interval", x: a, lo: rows.map((r) => r.I.ci?.lo ?? r.I.value), hi: rows.map((r) => r.I.ci?.hi ?? r.I.value), color: C.blue },
      { kind: "line", label: "I(S;W) (eq. 18)", x: a, y: rows.map((r) => r.I.value), color: C.blue, markers: true },
      { kind: "line", label: "I + delta-method bias term", x: a, y: rows.map((r) => r.iCorrected.delta), color: C.purple, dash: true },
    ],
    hlines: [
      { at: sel.logR, label: `log R = ${sel.logR.toFixed(4)}`, color: C.gray, dash: true },
      { at: sel.readings.paper.hRstar, label: `H(r*) = ${sel.readings.paper.hRstar.toFixed(4)} (I at alpha = 1)`, color: C.red, dash: true },
    ],
  });
}

/** The bounds and the gaps over alpha: B_MI (both constants), B_UB, G and G_pool with CIs. */
export function figBounds(sel: SelectionResult): string {
  const p = sel.readings.paper.alphas, q = sel.readings.pool.alphas;
  const a = p.map((r) => r.alpha);
  const err = (rows: typeof p, pick: (r: (typeof p)[number]) => { value: number; ci: { lo: number; hi: number } | null }, label: string, color: string): Series => ({
    kind: "errorbars", label, color, x: rows.map((r) => r.alpha), y: rows.map((r) => pick(r).value), lo: rows.map((r) => pick(r).ci?.lo ?? pick(r).value), hi: rows.map((r) => pick(r).ci?.hi ?? pick(r).value),
  });
  return chart({
    title: "Bounds against the measured gaps",
    subtitle: "B_MI = sqrt(2 sigma^2 I / m): sigma = 1 as eq. 21 prints it, sigma = 1/2 for a loss in [0, 1]",
    x: { label: "alpha", min: 0, max: 1 },
    y: { label: "gap / bound" },
    series: [
      { kind: "line", label: "B_MI, sigma = 1 (eq. 21)", x: a, y: p.map((r) => r.bMI.sigma1.value), color: C.orange, markers: true },
      { kind: "line", label: "B_MI, sigma = 1/2", x: a, y: p.map((r) => r.bMI.sigmaHalf.value), color: C.green, markers: true },
      { kind: "line", label: "G_abs (eq. 33)", x: a, y: p.map((r) => r.gAbs.value), color: C.brown, dash: true },
      err(p, (r) => r.g, "G = R_test - R_train (eq. 32, the paper's reading)", C.blue),
      err(q.map((r) => ({ ...r, alpha: r.alpha + 0.012 })), (r) => r.g, "G_pool (S i.i.d. from the pool)", C.purple),
    ],
    hlines: [
      { at: sel.bUB, label: `B_UB = sqrt(log R / 2m) = ${sel.bUB.toFixed(4)} (eq. 22)`, color: C.red, dash: true },
      { at: 0, label: "zero", color: C.gray },
    ],
  });
}

/** The routing curve: (rate, distortion) of every lambda, with the closed-form ends; `mark` adds
 *  one more solution as a point (the browser app's lambda slider). */
export function figDRho(r: RouteJson, mark?: { rate: number; distortion: number; label: string }): string {
  const pts = r.points;
  const e = r.ends;
  return chart({
    title: "In-sample routing curve D(rho): eq. 27's lower envelope",
    subtitle: `Blahut-Arimoto on the first N = ${r.N} test images, R = ${r.R}; objective gap lambda log(1 + c) <= ${r.gapBound.toExponential(1)}`,
    x: { label: "rate I(X;T), nats", min: 0 },
    y: { label: "distortion D (0-1 error)", min: 0 },
    series: [
      { kind: "line", label: "BA gate over lambda (routes by each image's own losses)", x: pts.map((p) => p.rate), y: pts.map((p) => p.distortion), color: C.blue, markers: true },
      ...(mark ? [{ kind: "points" as const, label: mark.label, x: [mark.rate], y: [mark.distortion], color: C.orange, shape: "diamond" as const }] : []),
    ],
    hlines: [
      { at: e.oracleError, label: `oracle error ${e.oracleError.toFixed(4)} (every expert wrong)`, color: C.green, dash: true },
      ...(e.bestError === null ? [] : [{ at: e.bestError, label: `best single expert ${e.bestExpert}: ${e.bestError.toFixed(4)} (lambda >= ${typeof e.lambdaMax === "number" ? e.lambdaMax.toFixed(2) : e.lambdaMax})`, color: C.red, dash: true }]),
    ],
    vlines: [{ at: e.leastRate, label: `least rate at the oracle error: ${e.leastRate.toFixed(4)} nats (log R = ${e.logR.toFixed(3)})`, color: C.gray, dash: true }],
  });
}

/** Each expert's test accuracy, beside the paper's range. */
export function figAccuracy(testAccuracy: number[]): string {
  return chart({
    title: "The bank: test accuracy of each expert",
    x: { label: "expert r", min: -0.5, max: testAccuracy.length - 0.5 },
    y: { label: "test accuracy", min: Math.min(0.85, ...testAccuracy) - 0.01, max: Math.max(0.95, ...testAccuracy) + 0.005 },
    series: [{ kind: "bars", label: "test accuracy", x: testAccuracy.map((_, i) => i - 0.4), width: 0.8, y: testAccuracy, color: C.blue }],
    hlines: [
      { at: 0.89, label: "paper: 0.89-0.92", color: C.red, dash: true },
      { at: 0.92, label: "", color: C.red, dash: true },
    ],
  });
}
