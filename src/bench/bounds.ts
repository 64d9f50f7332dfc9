// The Monte Carlo at scale benchmark (docs/DESIGN.md section 7.2): M = 10^6 runs of the paper's protocol (m distinct
// items per run) drawn in the core from scratch, then I_hat, its bootstrap interval (B multinomial
// resamples of the r* histogram, exactly the bootstrap over the M runs: src/estimators/scale.ts)
// and the three bias corrections at every Table II alpha; timed end to end, best of `repeats`
// after a warm-up. Then the settling table: the same at the first M = 300, 10^3, ..., 10^6 runs
// (run i does not depend on M), and the gap G with its cell-multinomial interval at alpha = 0.7
// when test losses are given.
// Without a loss matrix it synthesizes the MNIST-like 25 x 60,000 pool of src/bench/synthetic-bank.ts.
import { Core } from "../../bindings/index.js";
import { readLossMatrix } from "../formats/losses.js";
import { errorCounts, type LossMatrix } from "../estimators/draws.js";
import { rstarCounts } from "../estimators/entropy.js";
import { gapsAtScale, histBootstrap, infoEstimate, scaleRuns, settle, type GapsAtScale, type InfoEstimate, type SettleRow } from "../estimators/scale.js";
import { TABLE_II_ALPHAS } from "../estimators/sweep.js";
import { markdownTable } from "../estimators/tables.js";
import { syntheticBank } from "./synthetic-bank.js";

export interface BoundsBenchOptions {
  trainLosses?: string;
  testLosses?: string;
  M?: number;
  m?: number;
  B?: number;
  Ms?: number[];
  repeats?: number;
  log?: (line: string) => void;
}

export interface BoundsBenchResult {
  node: string;
  source: string;
  R: number;
  N: number;
  m: number;
  M: number;
  B: number;
  alphas: number[];
  /** Wall time of each timed end-to-end run (draws + I_hat + interval + corrections, all alphas). */
  roundsMs: number[];
  bestMs: number;
  /** Of the best run: the draws alone, and the estimates alone. */
  drawMs: number;
  estimateMs: number;
  full: InfoEstimate[];
  settle: SettleRow[];
  gap: { alpha: number; ms: number; result: GapsAtScale } | null;
}

export async function runBoundsBench(o: BoundsBenchOptions = {}): Promise<BoundsBenchResult> {
  const core = await Core.load();
  const M = o.M ?? 1_000_000, m = o.m ?? 256, B = o.B ?? 1000, repeats = o.repeats ?? 3;
  let train: LossMatrix, test: LossMatrix | null = null, source: string;
  if (o.trainLosses !== undefined) {
    train = await readLossMatrix(o.trainLosses);
    if (o.testLosses !== undefined) test = await readLossMatrix(o.testLosses);
    source = o.trainLosses;
  } else {
    const s = syntheticBank(core);
    train = s.train;
    test = s.test;
    source = "synthetic (MNIST-like, seed 7)";
  }
  const alphas = [...TABLE_II_ALPHAS];
  const rounds: number[] = [];
  let best = { total: Infinity, draw: 0, est: 0 };
  let runs = null as ReturnType<typeof scaleRuns> | null;
  let full: InfoEstimate[] = [];
  for (let k = 0; k <= repeats; k++) {
    const t0 = performance.now();
    runs = scaleRuns(core, train, "distinct", { M, m, seed: 0 });
    const t1 = performance.now();
    const counts = rstarCounts(runs.rstar, train.R);
    const boot = histBootstrap(core, counts, B, 0);
    full = alphas.map((a) => infoEstimate(core, a, train.R, counts, M, boot, 0.95));
    const t2 = performance.now();
    if (k === 0) {
      o.log?.(`warm-up run: ${(t2 - t0).toFixed(0)} ms`);
      continue;
    }
    rounds.push(t2 - t0);
    o.log?.(`run ${k}: ${(t2 - t0).toFixed(0)} ms (draws ${(t1 - t0).toFixed(0)} ms)`);
    if (t2 - t0 < best.total) best = { total: t2 - t0, draw: t1 - t0, est: t2 - t1 };
  }
  const Ms = (o.Ms ?? [300, 1000, 10_000, 100_000, 1_000_000]).filter((x) => x <= M);
  const rows = settle(core, runs!, Ms, alphas, B, 0, 0.95);
  let gap: BoundsBenchResult["gap"] = null;
  if (test !== null) {
    const t = performance.now();
    const result = gapsAtScale(core, runs!, 0.7, errorCounts(test), test.N, { B, seed: 0, level: 0.95 });
    gap = { alpha: 0.7, ms: performance.now() - t, result };
  }
  return {
    node: process.version, source, R: train.R, N: train.N, m, M, B, alphas,
    roundsMs: rounds, bestMs: best.total, drawMs: best.draw, estimateMs: best.est, full, settle: rows, gap,
  };
}

const f4 = (x: number) => x.toFixed(4);
const f6 = (x: number) => x.toFixed(6);

export function renderBoundsBench(b: BoundsBenchResult): string {
  const a07 = b.alphas.indexOf(0.7);
  const rows = b.settle.map((r) => {
    const e = r.alphas[a07 >= 0 ? a07 : 0]!;
    const ci = e.I.ci;
    return [
      String(r.M), f4(e.I.value), ci === null ? "—" : `[${f4(ci.lo)}, ${f4(ci.hi)}]`, ci === null ? "—" : f4(ci.hi - ci.lo),
      f6(e.corrections.paper), f6(e.corrections.millerMadow), f6(e.corrections.delta), f4(e.iCorrected.delta),
      `${(100 * r.tieShare).toFixed(1)}%`, String(r.K),
    ];
  });
  const alpha = b.alphas[a07 >= 0 ? a07 : 0];
  return [
    `Monte Carlo at scale: ${b.source}, R ${b.R}, pool ${b.N}, m ${b.m}, the paper's protocol (distinct items), node ${b.node}`,
    `M = ${b.M} from scratch (draws + I_hat + ${b.B}-resample interval + 3 corrections, ${b.alphas.length} alphas): best ${b.bestMs.toFixed(0)} ms ` +
      `(draws ${b.drawMs.toFixed(0)} ms, estimates ${b.estimateMs.toFixed(0)} ms); runs ${b.roundsMs.map((x) => x.toFixed(0)).join(", ")} ms`,
    "",
    `I_hat(S;W) at alpha = ${alpha} as M grows (the first M runs; interval: ${b.B} multinomial resamples of the r* histogram = the bootstrap over the runs):`,
    "",
    markdownTable(["M", "I_hat", "95% CI", "CI width", "(R-1)/2M", "(K-1)/2M", "delta term", "I + delta", "ties", "K"], rows),
    "",
    `Every alpha at M = ${b.M}: ` + b.full.map((e) => `I(${e.alpha}) = ${f4(e.I.value)} [${e.I.ci ? `${f4(e.I.ci.lo)}, ${f4(e.I.ci.hi)}` : "—"}]`).join(", "),
    ...(b.gap === null ? [] : [
      "",
      `G (eq. 32, against the test split) at alpha = ${b.gap.alpha}, M = ${b.M}: ${f4(b.gap.result.g.value)} ` +
        `[${f4(b.gap.result.g.ci!.lo)}, ${f4(b.gap.result.g.ci!.hi)}], G_abs ${f4(b.gap.result.gAbs.value)}; ${b.gap.result.cells} (W, count) cells, ${b.gap.ms.toFixed(0)} ms with its interval.`,
    ]),
  ].join("\n");
}
