// Gates that are constrained, set beside the BA frontier on the same rows (paper Sections V and
// VII-A). private: eps-randomized response over the experts on top of the best-expert choice,
// I(X;T) <= epsilon, for a sweep of epsilon; learned: a CNN gate trained under eq. 26 on the test
// images after the BA rows, at given lambdas. Each point comes with the frontier's D(rho) at its
// rate (eq. 27) and the gap to its certified lower bound.
import { UsageError } from "../../errors.js";
import { checkSeed } from "../checks.js";
import { RoutingProblem } from "../../routing/ba.js";
import { constrainedD, paperRoutingN } from "../../routing/curve.js";
import { privateGateSweep, PRIVATE_EPSILONS } from "../../routing/private.js";
import { trainLearnedGate, type LearnedGatePoint } from "../../routing/learned.js";
import { textTable } from "../../plot/table.js";
import { measurement, type TestInputs } from "../measurement.js";

export interface GatesOptions {
  gate: "private" | "learned";
  /** the first n items, the BA rows (default: paperRoutingN(N)) */
  n?: number;
  /** private: the epsilons (nats) */
  epsilons: number[];
  /** learned: the lambdas, epochs and seed of the gate's training */
  lambdas: number[];
  epochs: number;
  seed: number;
}

export interface LearnedPointJson extends LearnedGatePoint {
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

export interface GatePointJson {
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

export type GatesResult = GatesJson | LearnedGatesJson;

function renderLearned(r: LearnedGatesJson): string {
  const rows = [["lambda", "rate", "distortion", "frontier D(rate)", "gap", "train rate", "train D"], ...r.points.map((p) => [String(p.lambda), p.rate.toFixed(6), p.distortion.toFixed(6), p.frontier.toFixed(6), p.gap.toFixed(6), p.trainRate.toFixed(6), p.trainDistortion.toFixed(6)])];
  return [
    `${r.file}: learned gate (${r.dataset}), trained on test images ${r.trainRows[0]}-${r.trainRows[1] - 1} (${r.epochs} epochs, seed ${r.seed}), evaluated on the first ${r.N}; R = ${r.R}, rates in nats`,
    "",
    textTable(rows),
  ].join("\n");
}

function renderPrivate(r: GatesJson): string {
  const rows = [["epsilon", "keep", "rate", "distortion", "frontier D(rate)", "gap"], ...r.points.map((p) => [String(p.epsilon), p.keep.toFixed(4), p.rate.toFixed(6), p.distortion.toFixed(6), p.frontier.toFixed(6), p.gap.toFixed(6)])];
  return [
    `${r.file}: N = ${r.N} items, R = ${r.R} experts; private gate (eps-randomized response, I(X;T) <= eps), rates in nats`,
    `choice: ${r.choice}`,
    "",
    textTable(rows),
  ].join("\n");
}

async function learned(inputs: TestInputs, o: GatesOptions, n: number, log?: (s: string) => void): Promise<LearnedGatesJson> {
  const { core, test: L } = inputs;
  if (inputs.images === undefined) throw new UsageError("the learned gate needs the test images its losses were computed on");
  const { dataset, split } = await inputs.images();
  if (split.count !== L.N) throw new UsageError(`${inputs.names.test} has ${L.N} items, the ${dataset} test split ${split.count} images`);
  const prob = RoutingProblem.create(core, L, n);
  try {
    const points = o.lambdas.map((lambda, k) => {
      const p = trainLearnedGate(core, split.images, { channels: split.channels, height: split.rows, width: split.cols }, L, { lambda, evalN: n, trainFrom: n, epochs: o.epochs, seed: o.seed, index: k });
      const c = constrainedD(core, prob, p.rate);
      log?.(`lambda ${lambda} rate ${p.rate.toFixed(6)} D ${p.distortion.toFixed(6)}`);
      return { ...p, frontier: c.distortion, frontierLower: c.lower, gap: p.distortion - c.lower };
    });
    return { file: inputs.names.test, gate: "learned", dataset, N: n, R: L.R, units: "nats", trainRows: [n, L.N], epochs: o.epochs, seed: o.seed, points };
  } finally {
    prob.free();
  }
}

function privateGate(inputs: TestInputs, o: GatesOptions, n: number): GatesJson {
  const { core, test: L } = inputs;
  const { best, points } = privateGateSweep(core, L, o.epsilons, n);
  const prob = RoutingProblem.create(core, L, n);
  try {
    return {
      file: inputs.names.test,
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
  } finally {
    prob.free();
  }
}

const FULL: GatesOptions = { gate: "private", epsilons: [...PRIVATE_EPSILONS], lambdas: [0.001, 0.01, 0.1, 1, 10], epochs: 3, seed: 0 };

export const gates = measurement({
  name: "gates",
  title: "constrained gates beside the BA frontier: the private gate (eps-randomized response over the experts, I(X;T) <= eps) for a sweep of epsilon",
  inputs: "test",
  defaults: { full: FULL, quick: { ...FULL, epsilons: [0, 0.5, 1, 2, 4] } },
  validate(o: GatesOptions, inputs) {
    checkSeed(o.seed);
    if (inputs !== undefined) {
      const N = inputs.test.N, n = o.n ?? paperRoutingN(N);
      if (!Number.isInteger(n) || n < 1 || n > N) throw new UsageError(`--n must be an integer in [1, ${N}] (the items in ${inputs.names.test}), got ${o.n}`);
      if (o.gate === "learned" && n >= N) throw new UsageError(`--n must be below ${N} for --gate learned (it trains on the test images after the first n), got ${n}`);
    }
    if (o.gate === "learned") {
      if (o.lambdas.length === 0 || o.lambdas.some((x) => !(x >= 0) || !Number.isFinite(x))) throw new UsageError(`--lambdas must be finite numbers >= 0, got ${o.lambdas.join(",")}`);
      if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new UsageError(`--epochs must be a positive integer, got ${o.epochs}`);
      return;
    }
    if (inputs !== undefined && inputs.test.R < 2) throw new UsageError(`the private gate needs R >= 2 experts, ${inputs.names.test} has ${inputs.test.R}`);
    if (o.epsilons.length === 0) throw new UsageError("--epsilons needs at least one value, e.g. --epsilons 0,1,2");
    for (const x of o.epsilons) if (!(x >= 0) || !Number.isFinite(x)) throw new UsageError(`--epsilons: ${x} is not a finite number >= 0`);
  },
  async run(inputs, o, hooks = {}): Promise<GatesResult> {
    const n = o.n ?? paperRoutingN(inputs.test.N);
    return o.gate === "learned" ? learned(inputs, o, n, hooks.log) : privateGate(inputs, o, n);
  },
  render: (r: GatesResult) => (r.gate === "learned" ? renderLearned(r) : renderPrivate(r)),
});
