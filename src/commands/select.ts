// `moe-bank select`: the selection protocol on a bank's 0-1 loss matrices (.npy), every
// estimator at one alpha or a sweep (src/measurements/select).
import type { Argv, ArgumentsCamelCase } from "yargs";
import type { GlobalOptions } from "../output.js";
import { select } from "../measurements/select/index.js";
import { measureAndEmit, pairInputs, selectionFlags, selectionOf, TEST_LOSSES, TRAIN_LOSSES, type SelectionArgs } from "./measure.js";

export interface ProtocolArgs extends GlobalOptions, SelectionArgs {
  trainLosses: string;
  testLosses: string;
}

/** The flags of `select` and `tables`: the two matrices and the protocol's settings. */
export function protocolOptions<T>(c: Argv<T>, alpha?: string) {
  return selectionFlags(c.option("train-losses", TRAIN_LOSSES).option("test-losses", TEST_LOSSES), select.defaults.full, {
    runs: "Monte Carlo runs M (samples S_i)",
    sampleSize: "sample size m = |S_i|",
    seed: "names every stream: (seed, sample, i), (seed, alphaDraw, i), (seed, bootstrap, b)",
    bootstrap: "bootstrap resamples of the M runs (0: no intervals)",
    level: "confidence level of the percentile intervals",
    ...(alpha !== undefined ? { alpha } : {}),
  });
}

export function selectCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command(
    select.name,
    select.title,
    (c) =>
      protocolOptions(c, "one alpha or several (a sweep); default: the paper's Table II alphas")
        .example("$0 select --train-losses losses-train.npy --test-losses losses-test.npy", "the Table II sweep: alphas 0, 0.25, 0.5, 0.7, 0.9, 1")
        .example("$0 select --train-losses a.npy --test-losses b.npy --alpha 0.7 -B 2000 --json", "one alpha, 2000 resamples, every number as JSON"),
    (x) => {
      const a = x as unknown as ArgumentsCamelCase<ProtocolArgs>;
      return measureAndEmit(select, a, selectionOf(a), () => pairInputs(a.trainLosses, a.testLosses));
    },
  );
}
