// Expert scaling (src/experiments/scaling.ts): routing distortion D(rho) at fixed rate budgets as
// the number of experts R grows and, separately, as each expert's width grows. The banks come
// from the inputs (trained through the expert cache: expert r of a config is the same whichever
// command trains it, so the 50-expert bank of `grid` (n = 10k) is reused here).
import { UsageError } from "../../errors.js";
import { DEFAULT_SPEC, paramCount } from "../../model/cnn.js";
import { detMath } from "../../math.js";
import { DEFAULT_RHOS, runScaling, type ScalingBank, type ScalingResult } from "../../experiments/scaling.js";
import { renderScaling, scalingFigures } from "../../experiments/scaling-report.js";
import { checkInt, checkSeed } from "../checks.js";
import { measurement, type BanksInputs, type Hooks } from "../measurement.js";

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

export function parseWidth(s: string): { conv1: number; conv2: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1 || Number(m[1]) > 1024 || Number(m[2]) > 1024) throw new UsageError(`--widths takes conv1/conv2 filter counts like 16/32, got "${s}"`);
  return { conv1: Number(m[1]), conv2: Number(m[2]) };
}

/** Trains (or reads from the cache) the banks and runs the experiment. */
export async function scalingRun(inputs: BanksInputs, o: ScalingConfig, hooks: Hooks = {}): Promise<ScalingResult> {
  const big = await inputs.testLosses(o.subsetSize, Math.max(...o.counts));
  const byWidth: ScalingBank[] = [];
  for (const w of o.widths) {
    const { conv1, conv2 } = parseWidth(w);
    const spec = inputs.spec({ conv1, conv2 });
    byWidth.push({ label: w, conv1, conv2, params: paramCount(spec), losses: await inputs.testLosses(o.subsetSize, o.widthExperts, spec) });
  }
  const byCount: ScalingBank = { label: `${DEFAULT_SPEC.conv1}/${DEFAULT_SPEC.conv2}`, conv1: DEFAULT_SPEC.conv1, conv2: DEFAULT_SPEC.conv2, params: paramCount(inputs.spec()), losses: big };
  return runScaling(inputs.core, { byCount, counts: o.counts, subsets: o.subsets, byWidth, rhos: o.rhos, seed: o.seed }, hooks.progress ? (d, t) => hooks.progress!(d, t, "loss matrices") : undefined);
}

export const scaling = measurement({
  name: "scaling",
  title: "expert scaling on the MNIST bank: routing distortion D(rho) at fixed rate budgets as the number of experts R grows and as each expert's width grows, with fitted power and saturating laws (trains the banks through the cache)",
  inputs: "banks",
  defaults: { full: scalingConfig(false), quick: scalingConfig(true) },
  validate(o: ScalingConfig) {
    for (const R of o.counts) checkInt("counts", R, 1, 10000);
    if (o.counts.length < 3) throw new UsageError(`--counts needs at least 3 expert counts to fit a law, got ${o.counts.length}`);
    o.widths.forEach(parseWidth);
    checkInt("width-experts", o.widthExperts, 1, 100000);
    checkInt("subset-size", o.subsetSize, 1, 0x7fffffff);
    checkInt("subsets", o.subsets, 1, 100000);
    checkSeed(o.seed);
    for (const r of o.rhos) if (r !== null && !(r >= 0 && Number.isFinite(r))) throw new UsageError(`--rho must be finite and >= 0, got ${r}`);
  },
  run: scalingRun,
  render: renderScaling,
  figures: (r, core) => scalingFigures(r, detMath(core)),
});
