// Every bound on the gap the finite bank makes computable (Xu-Raginsky, individual-sample MI,
// conditional MI, PAC-Bayes-kl, union, test set), per alpha, against G, G_abs and G_pool.
import { UsageError } from "../../errors.js";
import { DEFAULT_BOUNDS, renderBounds, runBounds, type BoundsConfig } from "../../estimators/tighter.js";
import { checkAlphas, checkInt, checkLevel, checkRuns, checkSeed } from "../checks.js";
import { measurement } from "../measurement.js";

export type BoundsOptions = Pick<BoundsConfig, "M" | "m" | "alphas" | "seed" | "bootstrap" | "level" | "delta" | "ismiRuns" | "ismiBlocks" | "supersamples" | "selectors"> &
  /** the M at which the bias of H(p_hat) is measured (default: the selection's 300) and its resamples */
  Partial<Pick<BoundsConfig, "biasM" | "biasResamples">>;

const { biasM: _b, biasResamples: _r, ...full } = DEFAULT_BOUNDS;

export const bounds = measurement({
  name: "bounds",
  title: "every bound on the gap per alpha: Xu-Raginsky, individual-sample MI, conditional MI (both sub-Gaussian constants where they apply), PAC-Bayes-kl (delta), union, test set; against G, G_abs and G_pool",
  inputs: "pair",
  defaults: { full: full as BoundsOptions, quick: { ...full, M: 10_000, ismiRuns: 4000, ismiBlocks: 20, supersamples: 200, selectors: 200 } as BoundsOptions },
  validate(o: BoundsOptions, inputs) {
    checkRuns(o.M);
    checkInt("sample-size", o.m, 8, 32767);
    checkSeed(o.seed);
    checkInt("bootstrap", o.bootstrap, 0, 1_000_000);
    checkInt("ismi-blocks", o.ismiBlocks, 2, 100_000);
    checkInt("ismi-runs", o.ismiRuns, o.ismiBlocks, 0x7fffffff);
    if (o.ismiRuns % o.ismiBlocks !== 0) throw new UsageError(`--ismi-runs (${o.ismiRuns}) must be a multiple of --ismi-blocks (${o.ismiBlocks})`);
    checkInt("supersamples", o.supersamples, 1, 0x7fffffff);
    checkInt("selectors", o.selectors, 1, 0x7fffffff);
    checkLevel(o.level);
    if (!(o.delta > 0 && o.delta < 1)) throw new UsageError(`--delta must be in (0, 1), got ${o.delta}`);
    checkAlphas(o.alphas);
    if (inputs === undefined) return;
    if (o.m > inputs.train.N) throw new UsageError(`--sample-size ${o.m} exceeds the pool (${inputs.train.N} items in ${inputs.names.train})`);
    checkRuns(o.M, inputs.train.R);
  },
  async run(inputs, o, hooks = {}) {
    return runBounds(inputs.core, inputs.train, inputs.test, {
      ...o,
      ...(hooks.log ? { onProgress: (s: string) => hooks.log!(s) } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    });
  },
  render: renderBounds,
});
