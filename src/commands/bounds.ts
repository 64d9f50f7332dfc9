// `moe-bank bounds`: every bound on the gap per alpha, on a bank's 0-1 loss matrices
// (src/measurements/bounds).
import type { Argv, ArgumentsCamelCase } from "yargs";
import type { GlobalOptions } from "../output.js";
import { bounds } from "../measurements/bounds/index.js";
import { measureAndEmit, pairInputs, selectionFlags, selectionOf, TEST_LOSSES, TRAIN_LOSSES, type SelectionArgs } from "./measure.js";

interface BoundsArgs extends GlobalOptions, SelectionArgs {
  trainLosses: string;
  testLosses: string;
  delta: number;
  ismiRuns: number;
  ismiBlocks: number;
  supersamples: number;
  selectors: number;
}

export function boundsCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  const d = bounds.defaults.full;
  return y.command(
    bounds.name,
    bounds.title,
    (c) =>
      selectionFlags(c.option("train-losses", TRAIN_LOSSES).option("test-losses", TEST_LOSSES), d, {
        runs: "Monte Carlo runs per reading (the paper's protocol and reading (c))",
        alpha: "alphas (default: the paper's Table II)",
        seed: "names every stream",
        bootstrap: "bootstrap resamples (0: no intervals)",
        level: "confidence level of the intervals",
      })
        .option("delta", { type: "number", default: d.delta, describe: "delta of the high-probability bounds (PAC-Bayes-kl, test set)" })
        .option("ismi-runs", { type: "number", default: d.ismiRuns, describe: "runs of the individual-sample estimator" })
        .option("ismi-blocks", { type: "number", default: d.ismiBlocks, describe: "jackknife blocks of those runs" })
        .option("supersamples", { type: "number", default: d.supersamples, describe: "supersamples of the conditional-MI estimator" })
        .option("selectors", { type: "number", default: d.selectors, describe: "selector vectors U per supersample" })
        .example("$0 bounds --train-losses losses-train.npy --test-losses losses-test.npy", "the table per alpha on a bank")
        .example("$0 bounds --train-losses a.npy --test-losses b.npy --alpha 0.7 --json", "one alpha, every number as JSON"),
    (x) => {
      const a = x as unknown as ArgumentsCamelCase<BoundsArgs>;
      const o = { ...selectionOf(a), delta: a.delta, ismiRuns: a.ismiRuns, ismiBlocks: a.ismiBlocks, supersamples: a.supersamples, selectors: a.selectors };
      return measureAndEmit(bounds, a, o, () => pairInputs(a.trainLosses, a.testLosses));
    },
  );
}
