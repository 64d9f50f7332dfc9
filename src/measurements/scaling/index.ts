// Expert scaling (src/experiments/scaling.ts): routing distortion D(rho) at fixed rate budgets as
// the number of experts R grows and, separately, as each expert's width grows. A sweep over R and
// the experts' widths: its banks are (a)'s bank of max R experts and a bank per width, each a cell
// of the sweep engine (src/sweep/: trained through the expert cache; expert r of a config is the
// same whichever command trains it, so the 50-expert bank of `grid` (n = 10k) is reused here).
import { MoeBankError, UsageError } from "../../errors.js";
import { DEFAULT_SPEC, paramCount, parseConvWidths } from "../../model/cnn.js";
import { detMath } from "../../math.js";
import { DEFAULT_RHOS, countRows, scalingResult, widthRow, type ScalingBank, type ScalingResult, type ScalingRow } from "../../experiments/scaling.js";
import { renderScaling, scalingFigures } from "../../experiments/scaling-report.js";
import { checkInt, checkSeed } from "../checks.js";
import { measurement, runPerBank, type PerBank } from "../measurement.js";

export interface ScalingConfig {
  /** expert counts R of the count sweep (at least 3: a law is fitted) */
  counts: number[];
  /** conv1/conv2 filter counts of the width banks, e.g. "16/32" */
  widths: string[];
  widthExperts: number;
  /** training images per expert n */
  subsetSize: number;
  /** random subsets of R experts averaged per R */
  subsets: number;
  /** rate budgets in nats; null = unconstrained (the oracle) */
  rhos: (number | null)[];
  /** the seed of the random expert subsets */
  seed: number;
}

/** The full configuration and the quick one (small banks: seconds of training). */
export function scalingConfig(quick: boolean): ScalingConfig {
  return quick
    ? { counts: [1, 2, 3, 4, 6, 8], widths: ["4/8", "8/16", "16/32"], widthExperts: 4, subsetSize: 1000, subsets: 5, rhos: DEFAULT_RHOS, seed: 0 }
    : { counts: [1, 2, 3, 5, 8, 12, 18, 25, 35, 50], widths: ["4/8", "8/16", "16/32", "32/64"], widthExperts: 25, subsetSize: 10000, subsets: 20, rhos: DEFAULT_RHOS, seed: 0 };
}

/** A cell: the bank's rows ((a)'s rows on the count bank, one row of (b) on a width bank), its
 *  parameters per expert and its test items N. */
export interface ScalingCellResult {
  N: number;
  params: number;
  rows: ScalingRow[];
}

const PAPER_WIDTHS = `${DEFAULT_SPEC.conv1}/${DEFAULT_SPEC.conv2}`;

/** The banks: (a)'s bank of max R experts at the paper's widths (no width of its own), then one
 *  bank of widthExperts experts per width of (b). */
const perBank: PerBank<ScalingConfig, ScalingCellResult, ScalingResult> = {
  needs: "test",
  banks: (o) => [{ n: o.subsetSize, R: Math.max(...o.counts) }, ...o.widths.map((width) => ({ n: o.subsetSize, R: o.widthExperts, width }))],
  cellOptions: (o, b) => (b.width !== undefined ? { rhos: o.rhos } : { counts: o.counts, subsets: o.subsets, rhos: o.rhos, seed: o.seed }),
  cell(inputs, o, b, hooks = {}) {
    if (!inputs.spec) throw new MoeBankError("the scaling's cells need the experts' architecture");
    const label = b.width ?? PAPER_WIDTHS;
    const bank: ScalingBank = { label, ...parseConvWidths(label), params: paramCount(inputs.spec), losses: inputs.test };
    // progress: loss matrices solved of this bank's
    const total = b.width !== undefined ? 1 : [...new Set(o.counts)].reduce((s, R) => s + (R === b.R ? 1 : o.subsets), 0);
    let done = 0;
    const rows = b.width !== undefined ? [widthRow(inputs.core, bank, o.rhos)] : countRows(inputs.core, bank, o, () => hooks.progress?.(++done, total, "loss matrices"));
    return { N: inputs.test.N, params: bank.params, rows };
  },
  result(o, cells, core) {
    const [count, ...widths] = cells;
    return scalingResult(detMath(core), {
      N: count!.N, rhos: o.rhos, byCount: { label: PAPER_WIDTHS, params: count!.params }, subsets: o.subsets, rows: count!.rows,
      widthR: widths.length ? o.widthExperts : 0, widthRows: widths.flatMap((w) => w.rows),
    });
  },
};

export const scaling = measurement({
  name: "scaling",
  title: "expert scaling on the MNIST bank: routing distortion D(rho) at fixed rate budgets as the number of experts R grows and as each expert's width grows, with fitted power and saturating laws (trains the banks through the cache)",
  inputs: "banks",
  defaults: { full: scalingConfig(false), quick: scalingConfig(true) },
  validate(o: ScalingConfig) {
    for (const R of o.counts) checkInt("counts", R, 1, 10000);
    if (o.counts.length < 3) throw new UsageError(`--counts needs at least 3 expert counts to fit a law, got ${o.counts.length}`);
    o.widths.forEach((w) => parseConvWidths(w));
    checkInt("width-experts", o.widthExperts, 1, 100000);
    checkInt("subset-size", o.subsetSize, 1, 0x7fffffff);
    checkInt("subsets", o.subsets, 1, 100000);
    checkSeed(o.seed);
    for (const r of o.rhos) if (r !== null && !(r >= 0 && Number.isFinite(r))) throw new UsageError(`--rho must be finite and >= 0, got ${r}`);
  },
  run: (inputs, o, hooks = {}) => runPerBank(perBank, inputs, o, hooks),
  render: renderScaling,
  figures: (r, core) => scalingFigures(r, detMath(core)),
  perBank,
});
