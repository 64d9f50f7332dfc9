// The sensitivity grid of Section III-C: the bank size R in {10, 25, 50} x the per-expert
// training subset size n in {5k, 10k, 20k}, I_hat(S;W) / log R per cell, and whether the paper's
// monotone trend (I_hat non-decreasing in alpha) holds in every cell. Browser-safe: the loss
// matrices come from a provider (src/experiments/grid-banks.ts trains them in Node).
//
// Reuse. Expert r of a bank is a pure function of (config, seed, r), and R is not part of that
// config, so the R-expert bank with subset size n is the first R experts of the largest bank with
// that n: one bank per n is trained, and every R takes the first R rows of its loss matrices.
//
// Per cell: the paper's protocol (m distinct training images per run, M runs at scale,
// src/estimators/scale.ts) at every alpha, I_hat with its histogram-bootstrap interval, I_hat /
// log R, H(r*) / log R (= I_hat(1) / log R), the tie share, and the trend of I_hat over the sorted
// alphas (tolerance 1e-12). Why the trend must hold: I_hat(alpha) is the mutual information of
// the empirical joint law of (run J uniform on 1..M, W_alpha ~ q_alpha(. | S_J)), and for
// alpha < alpha', q_alpha = (alpha/alpha') q_alpha' + (1 - alpha/alpha') uniform is W_alpha' passed
// through a channel that does not look at J, so by data processing I_hat(alpha) <= I_hat(alpha')
// for every histogram of r*. A cell that broke it would be a bug, not a finding.
import type { Core } from "../../bindings/index.js";
import { detMath } from "../math.js";
import { errorCounts, type LossMatrix } from "../estimators/draws.js";
import { rstarCounts, rstarEntropy } from "../estimators/entropy.js";
import { histBootstrap, infoEstimate, scaleRuns } from "../estimators/scale.js";
import { TABLE_II_ALPHAS, tieShare, trend, type Estimate, type SelectionConfig, type Trend } from "../estimators/sweep.js";
import { markdownTable, percentSe } from "../estimators/tables.js";
import { MoeBankError } from "../errors.js";

/** The selection protocol's settings per cell, over a grid of bank sizes and subset sizes. */
export interface GridConfig extends SelectionConfig {
  /** Bank sizes R (each <= the provider's bank). */
  counts: readonly number[];
  /** Per-expert training subset sizes n. */
  sizes: readonly number[];
}

export const DEFAULT_GRID: Readonly<GridConfig> = {
  counts: [10, 25, 50], sizes: [5000, 10000, 20000], M: 10_000, m: 256, alphas: TABLE_II_ALPHAS, seed: 0, bootstrap: 1000, level: 0.95,
};

export interface GridCell {
  R: number;
  n: number;
  logR: number;
  /** Test accuracy of the R experts: min, median, max. */
  testAccuracy: { min: number; median: number; max: number };
  tieShare: number;
  /** Distinct r* observed, and H(r*) / log R. */
  K: number;
  hRstarOverLogR: number;
  alphas: { alpha: number; I: Estimate; iOverLogR: number }[];
  trend: Trend;
  /** I_hat non-decreasing in alpha (the paper's trend). */
  monotone: boolean;
}

export interface GridResult {
  config: GridConfig;
  cells: GridCell[];
  /** Whether the trend held in every cell. */
  monotoneEverywhere: boolean;
}

/** The first R rows of a loss matrix. */
export function firstExperts(l: LossMatrix, R: number): LossMatrix {
  if (!Number.isInteger(R) || R < 1 || R > l.R) throw new RangeError(`cannot take ${R} experts of a bank of ${l.R}`);
  return { R, N: l.N, data: l.data.subarray(0, R * l.N) };
}

/** One cell of the grid from a bank's loss matrices (its first R experts). */
export function gridCell(core: Core, train: LossMatrix, test: LossMatrix, R: number, n: number, c: GridConfig): GridCell {
  const math = detMath(core);
  const tr = firstExperts(train, R), te = firstExperts(test, R);
  const runs = scaleRuns(core, tr, "distinct", { M: c.M, m: c.m, seed: c.seed });
  const counts = rstarCounts(runs.rstar, R);
  const boot = histBootstrap(core, counts, c.bootstrap, c.seed);
  const logR = math.log(R);
  const alphas = [...c.alphas].sort((a, b) => a - b).map((alpha) => {
    const e = infoEstimate(core, alpha, R, counts, c.M, boot, c.level);
    return { alpha, I: e.I, iOverLogR: e.I.value / logR };
  });
  const t = trend(alphas.map((a) => a.I.value), 1e-12);
  let ties = 0;
  for (let i = 0; i < c.M; i++) if (runs.nmin[i]! > 1) ties++;
  const acc = Array.from(errorCounts(te), (e) => 1 - e / te.N).sort((a, b) => a - b);
  const mid = acc.length >> 1;
  return {
    R, n, logR,
    testAccuracy: { min: acc[0]!, median: acc.length % 2 ? acc[mid]! : (acc[mid - 1]! + acc[mid]!) / 2, max: acc[acc.length - 1]! },
    tieShare: ties / c.M,
    K: counts.reduce((k, x) => k + (x > 0 ? 1 : 0), 0),
    hRstarOverLogR: rstarEntropy(math, counts, c.M) / logR,
    alphas,
    trend: t,
    monotone: t === "non-decreasing" || t === "constant",
  };
}

/** The whole grid: for each n, the provider's bank of max(counts) experts, then every R. */
export async function runGrid(
  core: Core,
  provider: (n: number, R: number) => Promise<{ train: LossMatrix; test: LossMatrix }>,
  options: Partial<GridConfig> & { onProgress?: (s: string) => void; signal?: AbortSignal } = {},
): Promise<GridResult> {
  const config: GridConfig = {
    counts: options.counts ?? DEFAULT_GRID.counts, sizes: options.sizes ?? DEFAULT_GRID.sizes, M: options.M ?? DEFAULT_GRID.M,
    m: options.m ?? DEFAULT_GRID.m, alphas: [...(options.alphas ?? DEFAULT_GRID.alphas)].sort((a, b) => a - b), seed: options.seed ?? DEFAULT_GRID.seed,
    bootstrap: options.bootstrap ?? DEFAULT_GRID.bootstrap, level: options.level ?? DEFAULT_GRID.level,
  };
  if (config.counts.length === 0 || config.sizes.length === 0) throw new RangeError("the grid needs at least one R and one n");
  for (const R of config.counts) if (!Number.isInteger(R) || R < 2) throw new RangeError(`R must be an integer >= 2, got ${R}`);
  const Rmax = Math.max(...config.counts);
  const cells: GridCell[] = [];
  for (const n of config.sizes) {
    options.signal?.throwIfAborted();
    options.onProgress?.(`bank n = ${n}: ${Rmax} experts`);
    const { train, test } = await provider(n, Rmax);
    if (train.R < Rmax || test.R < Rmax) throw new MoeBankError(`the bank for n = ${n} has ${Math.min(train.R, test.R)} experts, the grid needs ${Rmax}`);
    for (const R of config.counts) {
      options.onProgress?.(`cell R = ${R}, n = ${n}`);
      cells.push(gridCell(core, train, test, R, n, config));
    }
  }
  return { config: { ...config, counts: [...config.counts], sizes: [...config.sizes], alphas: [...config.alphas] }, cells, monotoneEverywhere: cells.every((c) => c.monotone) };
}

const f3 = (x: number) => x.toFixed(3);

/** The grid as Markdown: I_hat / log R per cell at each alpha, the trend, and a verdict. */
export function renderGrid(res: GridResult): string {
  const alphas = res.config.alphas;
  const rows = res.cells.map((c) => [
    String(c.R), String(c.n), f3(c.logR),
    `${f3(c.testAccuracy.min)}-${f3(c.testAccuracy.max)}`,
    ...c.alphas.map((a) => `${f3(a.I.value)} (${f3(a.iOverLogR)})`),
    f3(c.hRstarOverLogR), percentSe(tieShare(Math.round(c.tieShare * res.config.M), res.config.M)), c.monotone ? "yes" : `NO (${c.trend})`,
  ]);
  const table = markdownTable(
    ["R", "n", "log R", "test acc", ...alphas.map((a) => `I(${a}) (/log R)`), "H(r*)/log R", "ties (+- s.e.)", "monotone"],
    rows,
  );
  const ratio = (R: number) => res.cells.filter((c) => c.R === R).map((c) => c.alphas[c.alphas.length - 1]!.iOverLogR);
  const spread = res.config.counts.map((R) => {
    const xs = ratio(R);
    return `R = ${R}: ${f3(Math.min(...xs))}-${f3(Math.max(...xs))}`;
  });
  return [
    `Sensitivity grid (Section III-C): the paper's protocol, M = ${res.config.M} runs of m = ${res.config.m} per cell, I_hat(S;W) in nats with I_hat / log R in parentheses.`,
    "",
    table,
    "",
    `Monotone trend (I_hat non-decreasing in alpha) in every cell: ${res.monotoneEverywhere ? "yes" : "NO"}. It must hold: I_hat(alpha) is the MI of the empirical (run, W_alpha) law, and W_alpha is W_alpha' (alpha < alpha') passed through a channel that ignores the run (data processing).`,
    `I_hat / log R at alpha = ${alphas[alphas.length - 1]} by R (over n): ${spread.join("; ")}. I_hat(1) = H(r*) <= log R, with equality only for a uniform r*.`,
  ].join("\n");
}
