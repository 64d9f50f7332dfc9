// `moe-bank gates`: gates that are constrained, set beside the BA frontier on the same rows (paper
// Sections V and VII-A). --gate private: eps-randomized response over the experts on top of the
// best-expert choice, I(X;T) <= epsilon, for a sweep of epsilon; --gate learned: a CNN gate trained
// under eq. 26 on the test images after the BA rows, at given lambdas. Each point comes with the
// frontier's D(rho) at its rate (eq. 27) and the gap to its certified lower bound.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { Core } from "../../bindings/index.js";
import { UsageError } from "../errors.js";
import { checkSeed } from "./checks.js";
import { emit, progressEnabled, type GlobalOptions } from "../output.js";
import { readLossMatrix } from "./losses.js";
import { RoutingProblem } from "../routing/ba.js";
import { constrainedD, paperRoutingN, PAPER_ROUTING_N } from "../routing/curve.js";
import { privateGateSweep, PRIVATE_EPSILONS } from "../routing/private.js";
import { trainLearnedGate, type LearnedGatePoint } from "../routing/learned.js";
import { datasetOptions, resolveDataset, type DatasetArgs } from "./dataset-options.js";

export interface GatesArgs extends GlobalOptions, DatasetArgs {
  testLosses: string;
  n?: number;
  gate: "private" | "learned";
  epsilons?: string;
  lambdas: string;
  epochs: number;
  seed: number;
}

interface LearnedPointJson extends LearnedGatePoint {
  frontier: number;
  frontierLower: number;
  gap: number;
}

export interface LearnedGatesJson {
  file: string;
  gate: "learned";
  dataset: string;
  N: number;
  R: number;
  units: "nats";
  trainRows: [number, number];
  epochs: number;
  seed: number;
  points: LearnedPointJson[];
}

function renderLearned(r: LearnedGatesJson): string {
  const rows = [["lambda", "rate", "distortion", "frontier D(rate)", "gap", "train rate", "train D"], ...r.points.map((p) => [String(p.lambda), p.rate.toFixed(6), p.distortion.toFixed(6), p.frontier.toFixed(6), p.gap.toFixed(6), p.trainRate.toFixed(6), p.trainDistortion.toFixed(6)])];
  const w = rows[0]!.map((_, j) => rows.reduce((m, row) => Math.max(m, row[j]!.length), 0));
  return [
    `${r.file}: learned gate (${r.dataset}), trained on test images ${r.trainRows[0]}-${r.trainRows[1] - 1} (${r.epochs} epochs, seed ${r.seed}), evaluated on the first ${r.N}; R = ${r.R}, rates in nats`,
    "",
    ...rows.map((row) => row.map((c, j) => c.padEnd(w[j]!)).join("  ").trimEnd()),
  ].join("\n");
}

async function learned(args: ArgumentsCamelCase<GatesArgs>, n: number): Promise<void> {
  const lambdas = args.lambdas.split(",").map((x) => x.trim()).filter((x) => x !== "").map(Number);
  if (lambdas.length === 0 || lambdas.some((x) => !(x >= 0) || !Number.isFinite(x))) throw new UsageError(`--lambdas must be finite numbers >= 0, got ${args.lambdas}`);
  if (!Number.isInteger(args.epochs) || args.epochs < 1) throw new UsageError(`--epochs must be a positive integer, got ${args.epochs}`);
  const L = await readLossMatrix(args.testLosses);
  const ds = await resolveDataset(args);
  if (ds.test.count !== L.N) throw new UsageError(`${args.testLosses} has ${L.N} items, the ${ds.name} test split ${ds.test.count} images`);
  const core = await Core.load();
  const prob = RoutingProblem.create(core, L, n);
  try {
    const points = lambdas.map((lambda, k) => {
      const p = trainLearnedGate(core, ds.test.images, { channels: ds.test.channels, height: ds.test.rows, width: ds.test.cols }, L, { lambda, evalN: n, trainFrom: n, epochs: args.epochs, seed: args.seed, index: k });
      const c = constrainedD(core, prob, p.rate);
      if (progressEnabled(args)) process.stderr.write(`gates: lambda ${lambda} rate ${p.rate.toFixed(6)} D ${p.distortion.toFixed(6)}\n`);
      return { ...p, frontier: c.distortion, frontierLower: c.lower, gap: p.distortion - c.lower };
    });
    const out: LearnedGatesJson = { file: args.testLosses, gate: "learned", dataset: ds.name, N: n, R: L.R, units: "nats", trainRows: [n, L.N], epochs: args.epochs, seed: args.seed, points };
    emit(args, out, renderLearned);
  } finally {
    prob.free();
  }
}

interface GatePointJson {
  epsilon: number;
  keep: number;
  rate: number;
  distortion: number;
  /** the frontier at the gate's rate: D(rho) as achieved and its certified lower bound */
  frontier: number;
  frontierLower: number;
  /** distortion - frontierLower (>= 0 for every gate: BA is optimal on these rows) */
  gap: number;
}

export interface GatesJson {
  file: string;
  gate: "private";
  N: number;
  R: number;
  units: "nats";
  bestExpert: number;
  choice: string;
  points: GatePointJson[];
}

function parseEpsilons(s: string): number[] {
  const xs = s.split(",").map((x) => x.trim()).filter((x) => x !== "").map(Number);
  if (xs.length === 0) throw new UsageError("--epsilons needs at least one value, e.g. --epsilons 0,1,2");
  for (const x of xs) if (!(x >= 0) || !Number.isFinite(x)) throw new UsageError(`--epsilons: ${x} is not a finite number >= 0`);
  return xs;
}

function renderGates(r: GatesJson): string {
  const rows = [["epsilon", "keep", "rate", "distortion", "frontier D(rate)", "gap"], ...r.points.map((p) => [String(p.epsilon), p.keep.toFixed(4), p.rate.toFixed(6), p.distortion.toFixed(6), p.frontier.toFixed(6), p.gap.toFixed(6)])];
  const w = rows[0]!.map((_, j) => rows.reduce((m, row) => Math.max(m, row[j]!.length), 0));
  return [
    `${r.file}: N = ${r.N} items, R = ${r.R} experts; private gate (eps-randomized response, I(X;T) <= eps), rates in nats`,
    `choice: ${r.choice}`,
    "",
    ...rows.map((row) => row.map((c, j) => c.padEnd(w[j]!)).join("  ").trimEnd()),
  ].join("\n");
}

export async function gatesHandler(args: ArgumentsCamelCase<GatesArgs>): Promise<void> {
  checkSeed(args.seed);
  const L = await readLossMatrix(args.testLosses);
  const n = args.n ?? paperRoutingN(L.N);
  if (!Number.isInteger(n) || n < 1 || n > L.N) throw new UsageError(`--n must be an integer in [1, ${L.N}] (the items in ${args.testLosses}), got ${args.n}`);
  if (args.gate === "learned" && n >= L.N) throw new UsageError(`--n must be below ${L.N} for --gate learned (it trains on the test images after the first n), got ${n}`);
  if (args.gate === "learned") return learned(args, n);
  if (L.R < 2) throw new UsageError(`the private gate needs R >= 2 experts, ${args.testLosses} has ${L.R}`);
  const epsilons = args.epsilons !== undefined ? parseEpsilons(args.epsilons) : PRIVATE_EPSILONS;
  const core = await Core.load();
  const { best, points } = privateGateSweep(core, L, epsilons, n);
  const prob = RoutingProblem.create(core, L, n);
  try {
    const out: GatesJson = {
      file: args.testLosses,
      gate: "private",
      N: n,
      R: L.R,
      units: "nats",
      bestExpert: best,
      choice: `expert ${best} (least loss on the rows) where it is right, else the lowest-index right expert, else expert ${best}`,
      points: points.map((p) => {
        const c = constrainedD(core, prob, p.rate);
        return { ...p, frontier: c.distortion, frontierLower: c.lower, gap: p.distortion - c.lower };
      }),
    };
    emit(args, out, renderGates);
  } finally {
    prob.free();
  }
}

/** The options of `gates`; `fixed` leaves out --gate (`gate private`, `gate learned`). */
export function gatesBuilder(c: Argv<GlobalOptions>, fixed?: "private" | "learned"): Argv<GlobalOptions> {
  const b = datasetOptions(c)
    .option("test-losses", { type: "string", demandOption: true, describe: "0-1 losses on the test split: .npy, uint8 or bool, shape [R, N]; learned: on the test images of --dataset" })
    .option("n", { type: "number", describe: `use the first n items, the BA rows (default: ${PAPER_ROUTING_N}, or all if fewer)` });
  const g = fixed === undefined ? b.option("gate", { choices: ["private", "learned"] as const, default: "private" as const, describe: "private: eps-randomized response on the best-expert choice; learned: a CNN gate trained under eq. 26 on the test images after the first n" }) : b;
  return g
    .option("lambdas", { type: "string", default: "0.001,0.01,0.1,1,10", describe: "learned: comma-separated lambdas (default: 5 of the BA grid)" })
    .option("epochs", { type: "number", default: 3, describe: "learned: epochs over the training rows" })
    .option("seed", { type: "number", default: 0, describe: "learned: initialisation and minibatch-order seed" })
    .option("epsilons", { type: "string", describe: `comma-separated epsilons in nats (default: ${PRIVATE_EPSILONS.join(",")})` })
    .example(fixed === undefined ? "$0 gates --test-losses losses-test.npy --json" : `$0 gate ${fixed} --test-losses losses-test.npy --json`, fixed === "learned" ? "the learned gate's points and the frontier at their rates" : "the private gate's points and the frontier at their rates");
}

export function gatesCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command(
    "gates",
    "constrained gates beside the BA frontier: the private gate (eps-randomized response over the experts, I(X;T) <= eps) for a sweep of epsilon (alias of gate private / gate learned)",
    (c) => gatesBuilder(c),
    (a) => gatesHandler(a as ArgumentsCamelCase<GatesArgs>),
  );
}
