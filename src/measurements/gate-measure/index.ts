// Measuring any gate (src/routing/gate-measure.ts): from its router's probabilities or logits on
// N items, the routing information of eq. 24 (plug-in, bias-corrected, bootstrap interval over
// rows), H(T), the load and the dead experts; with the experts' losses on the same items, the
// gate against the BA frontier of eq. 27 on those rows; with their predictions too, its top-k
// gate against the frontier over k-subsets (src/routing/topk.ts). One report per layer.
import { MoeBankError, UsageError } from "../../errors.js";
import { checkInt, checkLevel, checkSeed } from "../checks.js";
import { measureGate, softmaxRows, type GateMeasurement } from "../../routing/gate-measure.js";
import { topKFrontierAt, topKGateRows, type TopKGatePoint } from "../../routing/topk.js";
import { measurement } from "../measurement.js";

export interface GateMeasureOptions {
  /** the rows are logits (the gate is their softmax, in the core) */
  logits: boolean;
  /** bootstrap resamples of the rows (0: no interval) */
  bootstrap: number;
  level: number;
  seed: number;
  /** largest |row sum - 1| accepted (default 1e-6; R 2^-11 for float16 rows) */
  sumTol?: number;
  /** also the top-k gate of the rows (needs losses and predictions) */
  topK?: number;
}

/** A layer's top-k gate (the k largest probabilities per row, weighted vote of the experts'
 *  predictions) beside the frontier over k-subsets at its rate. */
export interface TopKJson {
  gate: TopKGatePoint;
  frontier: { distortion: number; lower: number; oracleLoss: number; bestLoss: number };
  /** the gate's equal-weight vote loss - frontier lower bound (the frontier's combination rule;
   *  the weighted vote's weights depend on x beyond the set, so it may sit below) */
  lossGap: number;
}

export interface GateMeasureJson {
  file: string;
  /** the rows' element type as stored ('<f2', '<f4', '<f8'), if known */
  dtype: string | null;
  losses: string | null;
  /** One measurement per layer (one for an [N, R] file). */
  layers: GateMeasurement[];
  /** With topK: per layer, the top-k gate and the frontier over k-subsets. */
  topK?: TopKJson[];
}

/** Six decimals, or four significant digits below 1e-3 (a near-constant gate's rates). */
const f6 = (x: number): string => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(3) : x.toFixed(6));

/** The text of one layer's measurement. */
export function renderGateMeasurement(m: GateMeasurement, title: string): string {
  const lines = [
    `${title}: N = ${m.N} rows, R = ${m.R} experts${m.logits ? " (softmax of logits)" : ""}; nats`,
    `I(X;T) (eq. 24, plug-in)     ${f6(m.rate)}   bias-corrected ${f6(m.rateCorrected)} (+${m.biasCorrection.toExponential(2)})` +
      (m.interval ? `   ${Math.round(m.interval.level * 100)}% bootstrap [${f6(m.interval.lo)}, ${f6(m.interval.hi)}] (${m.interval.resamples} resamples of rows)` : ""),
    `H(T)                         ${f6(m.entropy)}   exp(H(T)) = ${m.effectiveExperts.toFixed(3)} effective experts of ${m.R} (log R = ${f6(m.logR)})`,
    `H(T|X)                       ${f6(m.conditionalEntropy)}`,
    `load (pi_t, eq. 23)          CV ${m.loadCv.toFixed(4)}   min ${f6(Math.min(...m.load))} max ${f6(Math.max(...m.load))}`,
    `top-1 load                   CV ${m.top1Cv.toFixed(4)}   dead experts (never top-1): ${m.dead.length === 0 ? "none" : `${m.dead.length} [${m.dead.join(", ")}]`}`,
  ];
  if (m.unused.length > 0) lines.push(`unused experts (pi_t = 0): ${m.unused.join(", ")}`);
  const f = m.frontier;
  if (f !== null && m.expectedLoss !== null) {
    lines.push(
      `expected loss                ${f6(m.expectedLoss)}`,
      `frontier on these rows       D(${f6(m.rate)}) = ${f6(f.atRate.distortion)} (>= ${f6(f.atRate.lower)}); oracle ${f6(f.oracleError)} at rate ${f6(f.leastRate)}; best expert ${f6(f.bestExpertLoss)} at rate 0`,
      `loss left at the gate's rate ${f6(f.lossGap)}   (gate loss - frontier lower bound)`,
      `rate needed for its loss     ${f6(f.rateNeeded.rate)} (>= ${f6(f.rateNeeded.lower)}); rate spent beyond it ${f6(f.rateGap)}`,
      `(the frontier is the in-sample lower envelope of eq. 27 on these rows: each row routed by its own losses)`,
    );
  }
  return lines.join("\n");
}

function renderTopK(t: TopKJson): string {
  const g = t.gate;
  return [
    `top-${g.k} gate                   rate I(X;S) = H(S) ${f6(g.rate)} (${g.sets} distinct sets); weighted-vote loss ${f6(g.loss)} (equal-weight ${f6(g.equalWeightLoss)})`,
    `frontier over ${g.k}-subsets       D(${f6(g.rate)}) = ${f6(t.frontier.distortion)} (>= ${f6(t.frontier.lower)}); oracle ${f6(t.frontier.oracleLoss)}; best subset ${f6(t.frontier.bestLoss)}; equal-weight loss left ${f6(t.lossGap)}`,
    `(the frontier's subsets vote with equal weights: a gate that sends only the set; the weighted vote also uses the weights, which carry more about x)`,
  ].join("\n");
}

export function renderGateMeasure(r: GateMeasureJson): string {
  return r.layers.map((m, l) => renderGateMeasurement(m, r.layers.length > 1 ? `${r.file} layer ${l}` : r.file) + (r.topK ? "\n" + renderTopK(r.topK[l]!) : "")).join("\n\n");
}

const FULL: GateMeasureOptions = { logits: false, bootstrap: 200, level: 0.95, seed: 0 };

export const gateMeasure = measurement({
  name: "gate-measure",
  title: "measure any gate from its probabilities or logits: I(X;T) (eq. 24) with bias correction and bootstrap interval, H(T), load, dead experts; with losses, its distance to the frontier",
  inputs: "gate",
  defaults: { full: FULL, quick: { ...FULL, bootstrap: 50 } },
  validate(o: GateMeasureOptions, inputs) {
    checkSeed(o.seed);
    checkLevel(o.level);
    checkInt("bootstrap", o.bootstrap, 0, 100_000);
    if (o.sumTol !== undefined && !(o.sumTol >= 0 && o.sumTol < 1)) throw new UsageError(`--sum-tol must be in [0, 1), got ${o.sumTol}`);
    if (o.topK !== undefined) {
      checkInt("top-k", o.topK, 1, 1000);
      if (inputs !== undefined && (inputs.preds === undefined || inputs.losses === null)) throw new UsageError("--top-k needs --preds (the experts' predicted classes) and --losses");
    }
  },
  async run({ core, layers, losses, preds, names, descr }, o): Promise<GateMeasureJson> {
    const R = layers[0]!.R, N = layers[0]!.N;
    // float16 rounds each probability to 11 bits: R of them sum to 1 only within about R 2^-11
    const sumTol = o.sumTol ?? (descr === "<f2" ? Math.max(1e-6, R / 2048) : 1e-6);
    const out: GateMeasurement[] = [];
    const topK: TopKJson[] = [];
    for (const [l, rows] of layers.entries()) {
      const label = layers.length > 1 ? `${names.probs} layer ${l}` : names.probs;
      out.push(await measureGate(core, rows, losses, { logits: o.logits, bootstrap: o.bootstrap, level: o.level, seed: o.seed, sumTol, label }));
      if (o.topK !== undefined && preds !== undefined && losses !== null) {
        if (!(losses.data instanceof Uint8Array)) throw new MoeBankError(`${names.losses}: --top-k needs 0-1 losses (the vote's 0-1 loss)`);
        const bank = { R, N, preds: preds.data, losses: losses.data };
        const gate = await topKGateRows(core, bank, rows, o.topK, o.logits ? (z, start, n) => softmaxRows(core, z, n, R, start, label) : undefined);
        const frontier = topKFrontierAt(core, bank, o.topK, N, gate.rate);
        topK.push({ gate, frontier, lossGap: gate.equalWeightLoss - frontier.lower });
      }
    }
    return { file: names.probs, dtype: descr ?? null, losses: names.losses, layers: out, ...(o.topK !== undefined ? { topK } : {}) };
  },
  render: renderGateMeasure,
});
