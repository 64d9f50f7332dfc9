// Zero-compute experts as Markdown and SVG (browser-safe; pure functions of the result of
// runConstants in src/synth/constants.ts).
import { chart, COLORS as C, type Series } from "../plot/svg.js";
import { markdownTable } from "../estimators/tables.js";
import type { ConstantsResult } from "./constants.js";

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

function g4(x: number | null): string {
  if (x === null) return "n/a";
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e5 || a < 1e-3 ? x.toExponential(3) : x.toPrecision(4);
}

function pct(x: number): string {
  return `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}%`;
}

/** A markdown section: the constants, fitted vs predicted; best K measured vs predicted; the
 *  estimation error and unbiasedness checks; the 2-D bound, its minimization and its runs. */
export function renderConstants(r: ConstantsResult): string {
  const out: string[] = [];
  const c = r.constants, ap = r.approximation;
  out.push(`## Zero-compute experts: constant experts on a segmentation (Dar 2025, arXiv 2510.03151)`);
  out.push("");
  out.push(`Model: ${r.model.p}, ${r.model.f}, y = f(x) + N(0, ${r.model.sigma}^2); n in {${r.config.ns.join(", ")}}, ${r.config.trials} trials per (n, K), K from ${r.config.Ks[0]} to ${r.config.Ks[r.config.Ks.length - 1]} (${r.config.Ks.length} values), seed ${r.config.seed}${r.config.quick ? " (quick)" : ""}. Test errors are exact population errors of the learned constants; ${r.config.emptyCell}.`);
  out.push("");
  out.push(`### High-rate constants and the approximation error (optimal constants, no noise)`);
  out.push("");
  out.push(markdownTable(["quantity", "companded (lambda* ~ (p f'^2)^(1/3))", "uniform"], [
    ["predicted constant", `A = ${g4(c.A)}`, `A_u = ${g4(c.Au)}`],
    [`fitted slope of log D on log K (K >= ${r.config.fitKMin}; predicted -2)`, ap.companded.slope.toFixed(4), ap.uniform.slope.toFixed(4)],
    [`fitted constant exp(mean(log D + 2 log K))`, g4(ap.companded.constant), g4(ap.uniform.constant)],
    [`K^2 D at K = ${ap.K[ap.K.length - 1]}`, g4(ap.companded.K2errorAtMaxK), g4(ap.uniform.K2errorAtMaxK)],
    ["K^2 D at max K / predicted", (ap.companded.K2errorAtMaxK / c.A).toFixed(4), (ap.uniform.K2errorAtMaxK / c.Au).toFixed(4)],
  ]));
  out.push("");
  out.push(`A / A_u = ${c.AOverAu.toFixed(4)}: the companded segmentation needs ${(1 / Math.sqrt(c.AOverAu)).toFixed(3)}x fewer experts for the same approximation error.`);
  out.push("");
  const pick = ap.K.map((K, i) => i).filter((i) => i === 0 || i === ap.K.length - 1 || i % 4 === 0);
  out.push(markdownTable(["K", "D companded", "K^2 D", "D uniform", "K^2 D"], pick.map((i) => [String(ap.K[i]), g4(ap.companded.error[i]!), g4(ap.companded.K2error[i]!), g4(ap.uniform.error[i]!), g4(ap.uniform.K2error[i]!)])));
  out.push("");
  out.push(`### Test error of learned constants: best K`);
  out.push("");
  out.push(`Prediction: sigma^2 + A/K^2 + K sigma^2/n, best K = (2 A n / sigma^2)^(1/3) (A_u for uniform). "on grid" is the prediction's argmin over the same K grid; the exact expectation is sigma^2 + D(K) + E[estimation error] with binomial cell counts and the empty-cell rule (no high-rate approximation).`);
  out.push("");
  const bestRows: string[][] = [];
  for (const run of r.runs) {
    for (const cv of [run.companded, run.uniform]) {
      const b = cv.best;
      const i = r.config.Ks.indexOf(b.measuredK);
      bestRows.push([String(run.n), cv.segmentation, String(b.measuredK), b.predictedK.toFixed(1), String(b.predictedOnGridK), String(b.expectedOnGridK), b.ratio.toFixed(3), g4(b.measuredTest - r.model.sigma * r.model.sigma), g4(cv.testSe[i] ?? null), g4(cv.predicted[i]! - r.model.sigma * r.model.sigma)]);
    }
  }
  out.push(markdownTable(["n", "segmentation", "best K measured", "predicted", "on grid", "exact expectation's argmin", "measured/predicted", "excess test error at best K", "se", "predicted excess there"], bestRows));
  out.push("");
  out.push(`### Estimation error and unbiasedness`);
  out.push("");
  out.push(`Estimation error = sum_k P_k (c^_k - c_k*)^2, predicted K sigma^2/n, or (K sigma^2 + sum_k Var(f | cell k))/n with the within-cell variance. z_k = sum over trials of (c^_k - c_k*) / sqrt(sum (Var(f | cell) + sigma^2)/n_k) over trials with n_k >= 1: N(0, 1) if the learned constants are unbiased.`);
  out.push("");
  const estRows: string[][] = [];
  for (const run of r.runs) {
    for (const cv of [run.companded, run.uniform]) {
      const Ks = r.config.Ks;
      const mid = Ks.map((K, i) => i).filter((i) => Ks[i]! >= 8 && Ks[i]! * 10 <= run.n);
      let sr = 0;
      for (const i of mid) sr += cv.estimationMean[i]! / cv.estimationPredicted[i]!;
      let maxZ = 0, sz = 0, cells = 0;
      cv.unbiased.maxAbsZ.forEach((z, i) => {
        if (z !== null) maxZ = Math.max(maxZ, z);
        const mz = cv.unbiased.meanZ2[i];
        if (mz !== null && mz !== undefined) {
          sz += mz * cv.unbiased.cells[i]!;
          cells += cv.unbiased.cells[i]!;
        }
      });
      // K >= FIT_K_MIN: at K <= 4 the estimation error is a chi-square with <= 4 degrees of freedom,
      // so skewed that the standard error of a mean of a few trials is itself unreliable. The se used
      // is at least the chi-square one, E sqrt(2 / K) / sqrt(T) (the estimation error is ~ (sigma^2/n) chi^2_K).
      let dev = 0;
      cv.estimationMean.forEach((e, i) => {
        const ex = cv.estimationExpected[i]!;
        const se = Math.max(cv.estimationSe[i] ?? 0, ex * Math.sqrt(2 / Ks[i]! / r.config.trials));
        if (Ks[i]! >= r.config.fitKMin && se > 0) dev = Math.max(dev, Math.abs(e - ex) / se);
      });
      const L = Ks.length - 1;
      estRows.push([
        String(run.n), cv.segmentation, mid.length > 0 ? `${(sr / mid.length).toFixed(3)} (${mid.length} K)` : "n/a", dev.toFixed(2),
        `${g4(cv.estimationMean[L]!)} / ${g4(cv.estimationPredicted[L]!)} / ${g4(cv.estimationExpected[L]!)}`, cv.emptyCells[L]!.toFixed(1), maxZ.toFixed(2), cells > 0 ? (sz / cells).toFixed(3) : "n/a", String(cells),
      ]);
    }
  }
  out.push(markdownTable(["n", "segmentation", "mean measured / (K sigma^2/n), 8 <= K <= n/10", `max |measured - exact expectation| / se, K >= ${r.config.fitKMin} (se at least E sqrt(2/(K T)))`, `at K = ${r.config.Ks[r.config.Ks.length - 1]}: measured / K sigma^2/n / exact`, "empty cells there", "max |z_k|", "mean z_k^2 (1 if unbiased)", "cells"], estRows));
  out.push("");
  const t = r.twoD;
  if (t) {
    const C2 = t.constants;
    out.push(`### 2-D: an upper bound on the approximation error and its minimization`);
    out.push("");
    out.push(`Model: ${t.model.p}, ${t.model.f}, sigma = ${t.model.sigma}. Bound per cell: max ||grad f||^2 x int p ||x - centroid||^2 (${t.model.gradSqMax}). High-rate: bound ~ A2b/K, exact error ~ A2h/K on k x k squares.`);
    out.push("");
    const sq = t.squares, L = sq.K.length - 1;
    out.push(markdownTable(["quantity", "predicted", "measured"], [
      ["A2b = (1/6) int p ||grad f||^2 (bound, squares)", g4(C2.A2bound), `K x bound-high-rate at K = ${sq.K[L]}: ${g4(sq.fit.KboundHighRateAtMaxK)}; K x rigorous bound: ${g4(sq.fit.KboundAtMaxK)}`],
      ["A2h = (1/12) int p ||grad f||^2 (exact error, squares)", g4(C2.A2highRate), `K x D at K = ${sq.K[L]}: ${g4(sq.fit.KapproxAtMaxK)}; fitted constant ${g4(sq.fit.constant)}`],
      [`slope of log D on log K (K >= ${r.config.fitKMin})`, "-1", sq.fit.slope.toFixed(4)],
      ["companded bound constant sqrt(C1 C2)/6 (best aspect)", g4(C2.A2boundCompanded), ""],
      ["bound-optimal k1/k2, companded grid", C2.boundAspect.toFixed(3), ""],
      ["exact-error-optimal k1/k2, uniform grid", C2.errorAspectUniform.toFixed(3), ""],
    ]));
    out.push("");
    out.push(markdownTable(["k x k", "K", "D uniform", "bound", "bound high-rate", "bound / D", "D companded", "bound companded"], sq.k.map((k, i) => [
      `${k} x ${k}`, String(sq.K[i]), g4(sq.uniform.approx[i]!), g4(sq.uniform.bound[i]!), g4(sq.uniform.boundHighRate[i]!), (sq.uniform.bound[i]! / sq.uniform.approx[i]!).toFixed(3), g4(sq.companded.approx[i]!), g4(sq.companded.bound[i]!),
    ])));
    out.push("");
    out.push(markdownTable(["n", "best K measured", "sqrt(A2h n)/sigma", "on grid", "exact expectation's argmin", "sqrt(A2b n)/sigma (bound)", "measured / A2h-prediction", "excess test error at best K"], t.runs.map((run) => [
      String(run.n), String(run.best.measuredK), run.best.predictedHighRateK.toFixed(1), String(run.best.predictedOnGridK), String(run.best.expectedOnGridK), run.best.predictedBoundK.toFixed(1), run.best.ratioHighRate.toFixed(3), g4(run.best.measuredTest - t.model.sigma * t.model.sigma),
    ])));
    out.push("");
    const a = t.aspect;
    out.push(`Bound minimization at K = ${a.K} over the aspect k1 x k2 (uniform grid, and the companded grid with lambda_i ~ W_i^(1/3)):`);
    out.push("");
    out.push(markdownTable(["k1 x k2", "uniform: bound", "bound high-rate", "D", "companded: bound", "bound high-rate", "D"], a.rows.map((row) => [
      `${row.k1} x ${row.k2}`, g4(row.uniform.bound), g4(row.uniform.boundHighRate), g4(row.uniform.approx), g4(row.companded.bound), g4(row.companded.boundHighRate), g4(row.companded.approx),
    ])));
    out.push("");
    const fmtK = (k: [number, number]) => `${k[0]} x ${k[1]}`;
    out.push(`- Uniform grid: the bound is smallest at ${fmtK(a.argmin.uniformBound)}, the exact error at ${fmtK(a.argmin.uniformApprox)}; choosing by the bound costs ${pct(a.uniformCostOfBoundChoice - 1)} in exact error.`);
    out.push(`- Companded grid: the bound is smallest at ${fmtK(a.argmin.compandedBound)}, the exact error at ${fmtK(a.argmin.compandedApprox)}; choosing by the bound costs ${pct(a.compandedCostOfBoundChoice - 1)}.`);
    out.push(`- Bound-minimizing companded grid vs bound-minimizing uniform grid: bound ${pct(a.compandedOverUniformBound - 1)}, exact error ${pct(a.compandedOverUniformApprox - 1)}.`);
    out.push("");
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

const N_COLORS = [C.blue, C.orange, C.green, C.red, C.purple, C.brown, C.gray, "#17becf"];

function excessBars(mean: readonly number[], se: readonly (number | null)[], s2: number): { y: number[]; lo: number[]; hi: number[] } {
  const y = mean.map((v) => v - s2);
  // a log axis cannot show a bar below zero: the lower end is floored at a tenth of the mean
  return { y, lo: y.map((v, i) => Math.max(v - (se[i] ?? 0), v / 10)), hi: y.map((v, i) => v + (se[i] ?? 0)) };
}

/** The figures as SVG documents: constants-test-error, constants-approximation,
 *  constants-approximation-scaled, constants-estimation, and (with the 2-D block) constants-2d, constants-2d-test-error,
 *  constants-2d-aspect. `log10` must be deterministic (e.g. the core's log / log 10). */
export function constantsFigures(r: ConstantsResult, log10: (x: number) => number): Record<string, string> {
  const Ks = r.config.Ks, s2 = r.model.sigma * r.model.sigma;
  const figs: Record<string, string> = {};
  const series: Series[] = [];
  r.runs.forEach((run, i) => {
    const col = N_COLORS[i % N_COLORS.length]!;
    const cb = excessBars(run.companded.testMean, run.companded.testSe, s2);
    const ub = excessBars(run.uniform.testMean, run.uniform.testSe, s2);
    series.push({ kind: "errorbars", label: `companded, n = ${run.n}: measured +- se`, x: Ks, ...cb, color: col });
    series.push({ kind: "line", label: `companded, n = ${run.n}: A/K^2 + K sigma^2/n`, x: Ks, y: run.companded.predicted.map((v) => v - s2), color: col });
    series.push({ kind: "errorbars", label: "", x: Ks, ...ub, color: col });
    series.push({ kind: "points", label: `uniform, n = ${run.n}: measured +- se`, x: Ks, y: ub.y, color: col, shape: "square" });
    series.push({ kind: "line", label: `uniform, n = ${run.n}: A_u/K^2 + K sigma^2/n`, x: Ks, y: run.uniform.predicted.map((v) => v - s2), color: col, dash: true });
  });
  figs["constants-test-error.svg"] = chart({
    title: "Constant experts: excess test error of learned constants vs K",
    subtitle: `${r.model.p}, ${r.model.f}, sigma = ${r.model.sigma}; mean of ${r.config.trials} trials; test error minus sigma^2`,
    x: { label: "number of experts K", log: true },
    y: { label: "test error - sigma^2", log: true },
    series,
    log10,
    height: 440,
  });
  const ap = r.approximation;
  figs["constants-approximation.svg"] = chart({
    title: "Approximation error of the optimal constants vs K",
    subtitle: `exact (quadrature) vs high-rate A/K^2 (A = ${g4(r.constants.A)}) and A_u/K^2 (A_u = ${g4(r.constants.Au)})`,
    x: { label: "number of experts K", log: true },
    y: { label: "approximation error D(K)", log: true },
    series: [
      { kind: "points", label: "companded segmentation, exact", x: Ks, y: ap.companded.error, color: C.blue },
      { kind: "line", label: "A / K^2", x: Ks, y: Ks.map((K) => r.constants.A / (K * K)), color: C.blue },
      { kind: "points", label: "uniform segmentation, exact", x: Ks, y: ap.uniform.error, color: C.orange, shape: "square" },
      { kind: "line", label: "A_u / K^2", x: Ks, y: Ks.map((K) => r.constants.Au / (K * K)), color: C.orange, dash: true },
    ],
    log10,
  });
  figs["constants-approximation-scaled.svg"] = chart({
    title: "K^2 x approximation error: convergence to the high-rate constants",
    subtitle: "Bennett's integral with lambda* ~ (p f'^2)^(1/3) (Panter-Dite) gives A; lambda = 1 gives A_u",
    x: { label: "number of experts K", log: true },
    y: { label: "K^2 D(K)", min: 0, max: 1.15 * Math.max(r.constants.Au, r.constants.A, ...ap.companded.K2error, ...ap.uniform.K2error) },
    series: [
      { kind: "line", label: "companded segmentation", x: Ks, y: ap.companded.K2error, color: C.blue, markers: true },
      { kind: "line", label: "uniform segmentation", x: Ks, y: ap.uniform.K2error, color: C.orange, markers: true },
    ],
    hlines: [
      { at: r.constants.A, label: `A = (1/12) (int (p f'^2)^(1/3))^3 = ${g4(r.constants.A)}`, color: C.blue, dash: true },
      { at: r.constants.Au, label: `A_u = (1/12) int p f'^2 = ${g4(r.constants.Au)}`, color: C.orange, dash: true },
    ],
    log10,
  });
  const es: Series[] = [];
  r.runs.forEach((run, i) => {
    const col = N_COLORS[i % N_COLORS.length]!;
    es.push({ kind: "points", label: `companded, n = ${run.n}`, x: Ks, y: run.companded.estimationMean, color: col });
    es.push({ kind: "points", label: `uniform, n = ${run.n}`, x: Ks, y: run.uniform.estimationMean, color: col, shape: "square" });
    es.push({ kind: "line", label: `K sigma^2 / n, n = ${run.n}`, x: Ks, y: run.companded.estimationPredicted, color: col, dash: true });
    es.push({ kind: "line", label: `exact expectation (binomial counts, empty cells), companded, n = ${run.n}`, x: Ks, y: run.companded.estimationExpected, color: col });
  });
  figs["constants-estimation.svg"] = chart({
    title: "Estimation error of learned constants vs K",
    subtitle: "sum_k P_k (c^_k - c_k*)^2, mean over trials, against K sigma^2 / n and its exact expectation",
    x: { label: "number of experts K", log: true },
    y: { label: "estimation error", log: true },
    series: es,
    log10,
  });
  const t = r.twoD;
  if (t) {
    const sq = t.squares, KK = sq.K;
    figs["constants-2d.svg"] = chart({
      title: "2-D: approximation error, its rigorous bound and high-rate forms (k x k grids)",
      subtitle: `${t.model.f}, ${t.model.p}; A2b = ${g4(t.constants.A2bound)}, A2h = ${g4(t.constants.A2highRate)}`,
      x: { label: "number of experts K = k^2", log: true },
      y: { label: "approximation error", log: true },
      series: [
        { kind: "points", label: "exact error D, uniform grid", x: KK, y: sq.uniform.approx, color: C.blue },
        { kind: "line", label: "A2h / K (exact error, high rate)", x: KK, y: KK.map((K) => t.constants.A2highRate / K), color: C.blue },
        { kind: "points", label: "rigorous bound, uniform grid", x: KK, y: sq.uniform.bound, color: C.red, shape: "square" },
        { kind: "points", label: "bound, high-rate form (1/12) int p ||grad f||^2 (a^2 + b^2)", x: KK, y: sq.uniform.boundHighRate, color: C.orange, shape: "diamond" },
        { kind: "line", label: "A2b / K (bound, high rate)", x: KK, y: KK.map((K) => t.constants.A2bound / K), color: C.orange, dash: true },
        { kind: "points", label: "exact error D, companded grid", x: KK, y: sq.companded.approx, color: C.green },
        { kind: "points", label: "rigorous bound, companded grid", x: KK, y: sq.companded.bound, color: C.purple, shape: "square" },
      ],
      log10,
      height: 420,
    });
    const ts: Series[] = [];
    t.runs.forEach((run, i) => {
      const col = N_COLORS[i % N_COLORS.length]!;
      ts.push({ kind: "errorbars", label: `n = ${run.n}: measured +- se`, x: KK, ...excessBars(run.testMean, run.testSe, s2), color: col });
      ts.push({ kind: "line", label: `n = ${run.n}: A2h/K + K sigma^2/n`, x: KK, y: run.predictedHighRate.map((v) => v - s2), color: col });
      ts.push({ kind: "line", label: `n = ${run.n}: A2b/K + K sigma^2/n (bound)`, x: KK, y: run.predictedBound.map((v) => v - s2), color: col, dash: true });
    });
    figs["constants-2d-test-error.svg"] = chart({
      title: "2-D: excess test error of learned constants vs K (k x k uniform grids)",
      subtitle: `${t.model.f}, sigma = ${t.model.sigma}; mean of ${r.config.trials} trials; test error minus sigma^2`,
      x: { label: "number of experts K = k^2", log: true },
      y: { label: "test error - sigma^2", log: true },
      series: ts,
      log10,
      height: 420,
    });
    const a = t.aspect, k1 = a.rows.map((row) => row.k1);
    figs["constants-2d-aspect.svg"] = chart({
      title: `2-D: bound and exact error over the aspect k1 x k2 = ${a.K}`,
      subtitle: `bound-minimizing companded aspect k1/k2 = ${t.constants.boundAspect.toFixed(2)}; exact-error-minimizing uniform aspect ${t.constants.errorAspectUniform.toFixed(2)}`,
      x: { label: "k1 (cells along x1); k2 = K / k1", log: true },
      y: { label: "approximation error", log: true },
      series: [
        { kind: "line", label: "rigorous bound, uniform grid", x: k1, y: a.rows.map((row) => row.uniform.bound), color: C.red, markers: true },
        { kind: "line", label: "exact error, uniform grid", x: k1, y: a.rows.map((row) => row.uniform.approx), color: C.blue, markers: true },
        { kind: "line", label: "rigorous bound, companded grid", x: k1, y: a.rows.map((row) => row.companded.bound), color: C.purple, dash: true, markers: true },
        { kind: "line", label: "exact error, companded grid", x: k1, y: a.rows.map((row) => row.companded.approx), color: C.green, dash: true, markers: true },
      ],
      vlines: [
        { at: Math.sqrt(a.K), label: `square cells (the uniform bound's high-rate optimum), k1 = sqrt(K) = ${Math.sqrt(a.K).toFixed(1)}`, color: C.gray, dash: true },
        { at: Math.sqrt(a.K * t.constants.errorAspectUniform), label: `exact error's high-rate optimum, uniform grid: k1 = sqrt(K sqrt(Fx1/Fx2)) = ${Math.sqrt(a.K * t.constants.errorAspectUniform).toFixed(1)}`, color: C.blue, dash: true },
        { at: Math.sqrt(a.K * t.constants.boundAspect), label: `companded bound's high-rate optimum: k1 = sqrt(K sqrt(C1/C2)) = ${Math.sqrt(a.K * t.constants.boundAspect).toFixed(1)}`, color: C.purple, dash: true },
      ],
      log10,
    });
  }
  return figs;
}
