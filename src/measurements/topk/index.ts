// Top-k routing on a bank (src/routing/topk.ts): the frontier over k-subsets of experts, each
// subset answering by the equal-weight vote of its experts' predictions, for each k asked; k = 1
// is the ordinary routing curve. Needs the bank's predictions beside its losses.
import { UsageError } from "../../errors.js";
import { checkInt } from "../checks.js";
import { paperRoutingN } from "../../routing/curve.js";
import { binomialCount, topKFrontier, TOPK_MAX_SUBSETS, type TopKFrontier } from "../../routing/topk.js";
import { markdownTable } from "../../plot/table.js";
import { measurement } from "../measurement.js";

export interface TopKOptions {
  /** the routing rows: the first n (default paperRoutingN(N)) */
  n?: number;
  ks: number[];
  /** rates (nats) of D(rho) over k-subsets */
  rho: number[];
}

export interface TopKResult {
  file: string;
  N: number;
  R: number;
  units: "nats";
  rule: string;
  frontiers: TopKFrontier[];
}

export const TOPK_RULE = "a gate sends each input to a set S of k experts; S answers by the vote of its experts' predicted classes (equal weights; ties broken uniformly, so an item's loss is its expected 0-1 loss); the rate is I(X;S), eq. 24 over the k-subsets";

const FULL: TopKOptions = { ks: [1, 2], rho: [0.05, 0.1, 0.2] };

const f4 = (x: number): string => x.toFixed(4);

export function renderTopK(r: TopKResult): string {
  return [
    `Top-k routing on the first ${r.frontiers[0]?.n ?? 0} of ${r.N} test items (R = ${r.R}): ${r.rule}. The frontier is BA over the C(R, k) subsets (eqs. 26-29), in-sample like the routing curve.`,
    "",
    markdownTable(
      ["k", "subsets", "best subset (rate 0)", "its error", "oracle error", "least rate (nats)", ...(r.frontiers[0]?.rho.map((x) => `D(${x.rho})`) ?? [])],
      r.frontiers.map((f) => [String(f.k), String(f.subsets), f.bestSubset.join(", "), f4(f.bestLoss), f4(f.oracleLoss), f4(f.leastRate), ...f.rho.map((x) => f4(x.distortion))]),
    ),
  ].join("\n");
}

export const topk = measurement({
  name: "topk",
  title: "top-k routing: the frontier over k-subsets of experts (equal-weight vote of their predictions), for each k",
  inputs: "test",
  defaults: { full: FULL, quick: FULL },
  validate(o: TopKOptions, inputs) {
    if (o.ks.length === 0) throw new UsageError("--ks needs at least one k");
    for (const r of o.rho) if (!(r >= 0) || !Number.isFinite(r)) throw new UsageError(`--rho must be a finite number >= 0, got ${r}`);
    if (inputs !== undefined) {
      const { R, N } = inputs.test;
      for (const k of o.ks) {
        checkInt("ks", k, 1, R);
        if (binomialCount(R, k) > TOPK_MAX_SUBSETS) throw new UsageError(`--ks ${k}: C(${R}, ${k}) = ${binomialCount(R, k)} subsets, more than the ${TOPK_MAX_SUBSETS} the frontier handles`);
      }
      const n = o.n ?? paperRoutingN(N);
      if (!Number.isInteger(n) || n < 1 || n > N) throw new UsageError(`--n must be an integer in [1, ${N}] (the items in ${inputs.names.test}), got ${o.n}`);
      if (inputs.test.preds === undefined) throw new UsageError("top-k routing needs the experts' predictions (preds-test.npy) beside their losses");
    } else for (const k of o.ks) checkInt("ks", k, 1, 1000);
  },
  async run({ core, test, names }, o, hooks = {}): Promise<TopKResult> {
    const n = o.n ?? paperRoutingN(test.N);
    const bank = { R: test.R, N: test.N, preds: test.preds!, losses: test.data };
    const frontiers = o.ks.map((k, j) => {
      const f = topKFrontier(core, bank, k, n, o.rho);
      hooks.progress?.(j + 1, o.ks.length, `k = ${k}`);
      return f;
    });
    return { file: names.test, N: test.N, R: test.R, units: "nats", rule: TOPK_RULE, frontiers };
  },
  render: renderTopK,
});
