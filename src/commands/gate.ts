// `moe-bank gate`: gates set beside the BA frontier. `gate private` and `gate learned` are the
// constrained gates of `gates --gate private|learned` (commands/gates.ts; `gates` stays as an
// alias); `gate measure` measures any gate from its router's probabilities or logits
// (src/routing/gate-measure.ts): eq. 24 with a bias correction and a bootstrap interval, H(T),
// the load, and with the experts' losses the distance to the frontier on the same rows.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { Core } from "../../bindings/index.js";
import { MoeBankError, UsageError } from "../errors.js";
import { decodeNpy } from "../formats/npy.js";
import { openInputBlocks, readInput } from "../input.js";
import { MAX_ALLOC_BYTES } from "../../bindings/index.js";
import { emit, progressEnabled, type GlobalOptions } from "../output.js";
import { checkLevel, checkSeed } from "./checks.js";
import { measureGate, softmaxRows, type GateLosses, type GateMeasurement } from "../routing/gate-measure.js";
import { npyGateFile } from "../routing/gate-rows.js";
import { topKFrontierAt, topKGateRows, type BankPredictions, type TopKGatePoint } from "../routing/topk.js";
import { gatesBuilder, gatesHandler, type GatesArgs } from "./gates.js";

interface MeasureArgs extends GlobalOptions {
  probs: string;
  losses?: string;
  logits: boolean;
  lossesLayout: "rn" | "nr";
  bootstrap: number;
  level: number;
  seed: number;
  sumTol?: number;
  topK?: number;
  preds?: string;
}

/** A layer's top-k gate (the k largest probabilities per row, weighted vote of the bank's
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
  shape: number[];
  dtype: string;
  losses: string | null;
  lossesLayout: "rn" | "nr" | null;
  /** One measurement per layer (one for an [N, R] file). */
  layers: GateMeasurement[];
  /** With --top-k: per layer, the top-k gate and the frontier over k-subsets. */
  topK?: TopKJson[];
}

/** Reads per-item expert losses (.npy u8/bool/f32/f64, [R, N] or [N, R] with layout "nr") as
 *  [R, N]: u8 when every value is 0 or 1 (the BA groups the rows by loss pattern), else f64.
 *  what = "preds": the experts' predicted classes (u8, any value), in the same layouts. */
export async function readGateLosses(file: string, layout: "rn" | "nr", N: number, R: number, probsFile: string, what: "losses" | "preds" = "losses"): Promise<GateLosses> {
  const a = decodeNpy(await readInput(file, MAX_ALLOC_BYTES), file);
  if (what === "preds" && a.dtype !== "u8") throw new MoeBankError(`${file}: dtype ${a.dtype}, expected uint8 predicted classes`);
  if (a.dtype === "i32") throw new MoeBankError(`${file}: dtype int32, expected uint8, bool, float32 or float64 losses`);
  const want = layout === "rn" ? [R, N] : [N, R];
  if (a.shape.length !== 2 || a.shape[0] !== want[0] || a.shape[1] !== want[1]) {
    throw new MoeBankError(`${file}: shape (${a.shape.join(", ")}) does not match ${probsFile} (N = ${N} rows, R = ${R} experts): expected (${want.join(", ")}) for --losses-layout ${layout}`);
  }
  const src = a.data;
  let zeroOne = true;
  for (let k = 0; k < src.length && what === "losses"; k++) {
    const v = src[k]!;
    if (!(v >= 0 && v <= 1)) {
      const [i, t] = layout === "rn" ? [k % N, Math.floor(k / N)] : [Math.floor(k / R), k % R];
      throw new MoeBankError(`${file}: the loss of expert ${t} on item ${i} is ${Number.isNaN(v) ? "NaN" : v}, expected a value in [0, 1]`);
    }
    if (v !== 0 && v !== 1) zeroOne = false;
  }
  const out = zeroOne ? new Uint8Array(R * N) : new Float64Array(R * N);
  if (layout === "rn") out.set(src);
  else for (let i = 0; i < N; i++) for (let t = 0; t < R; t++) out[t * N + i] = src[i * R + t]!;
  return { R, N, data: out };
}

/** Six decimals, or four significant digits below 1e-3 (a near-constant gate's rates). */
const f6 = (x: number): string => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(3) : x.toFixed(6));

/** The text form of one layer's measurement. */
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

function renderMeasureJson(r: GateMeasureJson): string {
  return r.layers.map((m, l) => renderGateMeasurement(m, r.layers.length > 1 ? `${r.file} layer ${l}` : r.file) + (r.topK ? "\n" + renderTopK(r.topK[l]!) : "")).join("\n\n");
}

async function measure(args: ArgumentsCamelCase<MeasureArgs>): Promise<void> {
  checkSeed(args.seed);
  checkLevel(args.level);
  if (args.sumTol !== undefined && !(args.sumTol >= 0 && args.sumTol < 1)) throw new UsageError(`--sum-tol must be in [0, 1), got ${args.sumTol}`);
  if (args.topK !== undefined) {
    if (!Number.isInteger(args.topK) || args.topK < 1) throw new UsageError(`--top-k must be a positive integer, got ${args.topK}`);
    if (args.preds === undefined || args.losses === undefined) throw new UsageError("--top-k needs --preds (the experts' predicted classes) and --losses");
  }
  if (!Number.isInteger(args.bootstrap) || args.bootstrap < 0 || args.bootstrap > 100_000) throw new UsageError(`--bootstrap must be an integer in [0, 100000], got ${args.bootstrap}`);
  const src = await openInputBlocks(args.probs);
  try {
    const f = await npyGateFile(src, args.probs);
    const losses = args.losses !== undefined ? await readGateLosses(args.losses, args.lossesLayout, f.N, f.R, args.probs) : null;
    // float16 rounds each probability to 11 bits: R of them sum to 1 only within about R 2^-11
    const sumTol = args.sumTol ?? (f.descr === "<f2" ? Math.max(1e-6, f.R / 2048) : 1e-6);
    const core = await Core.load();
    let bank: BankPredictions | null = null;
    if (args.topK !== undefined) {
      if (losses === null || !(losses.data instanceof Uint8Array)) throw new MoeBankError(`${args.losses}: --top-k needs 0-1 losses (the weighted vote's 0-1 loss)`);
      const preds = await readGateLosses(args.preds!, args.lossesLayout, f.N, f.R, args.probs, "preds");
      bank = { R: f.R, N: f.N, preds: preds.data as Uint8Array, losses: losses.data };
    }
    const layers: GateMeasurement[] = [];
    const topK: TopKJson[] = [];
    for (let l = 0; l < f.layers; l++) {
      if (progressEnabled(args) && f.layers > 1) process.stderr.write(`gate measure: layer ${l + 1}/${f.layers}\n`);
      const label = f.layers > 1 ? `${args.probs} layer ${l}` : args.probs;
      layers.push(await measureGate(core, f.layer(l), losses, { logits: args.logits, bootstrap: args.bootstrap, level: args.level, seed: args.seed, sumTol, label }));
      if (bank !== null) {
        const k = args.topK!;
        const gate = await topKGateRows(core, bank, f.layer(l), k, args.logits ? (z, start, n) => softmaxRows(core, z, n, f.R, start, label) : undefined);
        const frontier = topKFrontierAt(core, bank, k, f.N, gate.rate);
        topK.push({ gate, frontier, lossGap: gate.equalWeightLoss - frontier.lower });
      }
    }
    const out: GateMeasureJson = { file: args.probs, shape: f.shape, dtype: f.descr, losses: args.losses ?? null, lossesLayout: args.losses !== undefined ? args.lossesLayout : null, layers, ...(bank !== null ? { topK } : {}) };
    emit(args, out, renderMeasureJson);
  } finally {
    await src.close();
  }
}

function measureBuilder(c: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return c
    .option("probs", { type: "string", demandOption: true, describe: "the gate's p(t|x): .npy float16/32/64, [N, R] or [L, N, R] (one report per layer); read in blocks" })
    .option("losses", { type: "string", describe: "the experts' per-item losses (0-1 or in [0, 1]): .npy uint8/bool/float32/float64, [R, N] (the bank's losses-*.npy) or [N, R] with --losses-layout nr" })
    .option("logits", { type: "boolean", default: false, describe: "the rows are logits: the gate is their softmax (in the core)" })
    .option("losses-layout", { choices: ["rn", "nr"] as const, default: "rn" as const, describe: "rn: [R, N] (experts x items); nr: [N, R]" })
    .option("bootstrap", { type: "number", default: 200, describe: "bootstrap resamples of the rows for the interval on I(X;T) (0: none)" })
    .option("level", { type: "number", default: 0.95, describe: "level of the bootstrap interval" })
    .option("seed", { type: "number", default: 0, describe: "seed of the bootstrap resamples" })
    .option("top-k", { type: "number", describe: "also the top-k gate (the k largest p(t|x)): its set's rate, its weighted-vote 0-1 loss and the frontier over k-subsets (needs --preds, --losses)" })
    .option("preds", { type: "string", describe: "the experts' predicted classes, .npy uint8 in the layout of --losses (the bank's preds-*.npy), for --top-k" })
    .option("sum-tol", { type: "number", describe: "largest |row sum - 1| accepted (default 1e-6; R 2^-11 for float16 rows)" })
    .example("$0 gate measure --probs gate.npy --losses losses-test.npy", "a gate's routing information and its distance to the frontier");
}

/** `gate private | learned | measure`. */
export function gateCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command("gate <command>", "gates beside the BA frontier: gate measure (any gate's probabilities), gate private, gate learned (`gates` is an alias of the last two)", (g) =>
    g
      .command("measure", "measure any gate from its probabilities or logits: I(X;T) (eq. 24) with bias correction and bootstrap interval, H(T), load, dead experts; with losses, its distance to the frontier", measureBuilder, (a) => measure(a as ArgumentsCamelCase<MeasureArgs>))
      .command("private", "the private gate (eps-randomized response over the experts, I(X;T) <= eps) for a sweep of epsilon, beside the frontier", (c) => gatesBuilder(c, "private"), (a) => gatesHandler({ ...(a as ArgumentsCamelCase<GatesArgs>), gate: "private" }))
      .command("learned", "a CNN gate trained under eq. 26 on the test images after the first n, scored on the first n beside the frontier", (c) => gatesBuilder(c, "learned"), (a) => gatesHandler({ ...(a as ArgumentsCamelCase<GatesArgs>), gate: "learned" }))
      .demandCommand(1, "name a gate command: measure, private or learned"),
  );
}
