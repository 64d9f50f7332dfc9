// `moe-bank bounds`: every bound on the gap the finite bank makes computable (Xu-Raginsky,
// individual-sample MI, conditional MI, PAC-Bayes-kl, union, test set), per alpha, against G,
// G_abs and G_pool, on a bank's 0-1 loss matrices.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { Core } from "../../bindings/index.js";
import { UsageError } from "../errors.js";
import { emit, progressEnabled, type GlobalOptions } from "../output.js";
import { readLossPair } from "../formats/losses.js";
import { DEFAULT_BOUNDS, renderBounds, runBounds } from "../estimators/tighter.js";
import { checkAlphas, checkInt, checkLevel, checkSeed, checkRuns } from "./checks.js";

interface BoundsArgs extends GlobalOptions {
  trainLosses: string;
  testLosses: string;
  runs: number;
  sampleSize: number;
  alpha: number[];
  seed: number;
  bootstrap: number;
  level: number;
  delta: number;
  ismiRuns: number;
  ismiBlocks: number;
  supersamples: number;
  selectors: number;
}

async function bounds(a: ArgumentsCamelCase<BoundsArgs>): Promise<void> {
  checkRuns(a.runs);
  checkInt("sample-size", a.sampleSize, 8, 32767);
  checkSeed(a.seed);
  checkInt("bootstrap", a.bootstrap, 0, 1_000_000);
  checkInt("ismi-blocks", a.ismiBlocks, 2, 100_000);
  checkInt("ismi-runs", a.ismiRuns, a.ismiBlocks, 0x7fffffff);
  if (a.ismiRuns % a.ismiBlocks !== 0) throw new UsageError(`--ismi-runs (${a.ismiRuns}) must be a multiple of --ismi-blocks (${a.ismiBlocks})`);
  checkInt("supersamples", a.supersamples, 1, 0x7fffffff);
  checkInt("selectors", a.selectors, 1, 0x7fffffff);
  checkLevel(a.level);
  if (!(a.delta > 0 && a.delta < 1)) throw new UsageError(`--delta must be in (0, 1), got ${a.delta}`);
  checkAlphas(a.alpha);
  const { train, test } = await readLossPair(a.trainLosses, a.testLosses);
  if (a.sampleSize > train.N) throw new UsageError(`--sample-size ${a.sampleSize} exceeds the pool (${train.N} items in ${a.trainLosses})`);
  checkRuns(a.runs, train.R);
  const core = await Core.load();
  const progress = progressEnabled(a);
  const result = runBounds(core, train, test, {
    M: a.runs, m: a.sampleSize, alphas: a.alpha, seed: a.seed, bootstrap: a.bootstrap, level: a.level, delta: a.delta,
    ismiRuns: a.ismiRuns, ismiBlocks: a.ismiBlocks, supersamples: a.supersamples, selectors: a.selectors,
    ...(progress ? { onProgress: (s: string) => process.stderr.write(`bounds: ${s}\n`) } : {}),
  });
  emit(a, result, renderBounds);
}

export function boundsCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  const d = DEFAULT_BOUNDS;
  return y.command(
    "bounds",
    "every bound on the gap per alpha: Xu-Raginsky, individual-sample MI, conditional MI (both sub-Gaussian constants where they apply), PAC-Bayes-kl (delta), union, test set; against G, G_abs and G_pool",
    (c) =>
      c
        .option("train-losses", { type: "string", demandOption: true, describe: "0-1 losses on the training pool: .npy, uint8 or bool, shape [R, Npool]" })
        .option("test-losses", { type: "string", demandOption: true, describe: "0-1 losses on the test split: .npy, uint8 or bool, shape [R, Ntest]" })
        .option("runs", { alias: "M", type: "number", default: d.M, describe: "Monte Carlo runs per reading (the paper's protocol and reading (c))" })
        .option("sample-size", { alias: "m", type: "number", default: d.m, describe: "sample size m = |S|" })
        .option("alpha", { type: "number", array: true, default: [...d.alphas], describe: "alphas (default: the paper's Table II)" })
        .option("seed", { type: "number", default: d.seed, describe: "names every stream" })
        .option("bootstrap", { alias: "B", type: "number", default: d.bootstrap, describe: "bootstrap resamples (0: no intervals)" })
        .option("level", { type: "number", default: d.level, describe: "confidence level of the intervals" })
        .option("delta", { type: "number", default: d.delta, describe: "delta of the high-probability bounds (PAC-Bayes-kl, test set)" })
        .option("ismi-runs", { type: "number", default: d.ismiRuns, describe: "runs of the individual-sample estimator" })
        .option("ismi-blocks", { type: "number", default: d.ismiBlocks, describe: "jackknife blocks of those runs" })
        .option("supersamples", { type: "number", default: d.supersamples, describe: "supersamples of the conditional-MI estimator" })
        .option("selectors", { type: "number", default: d.selectors, describe: "selector vectors U per supersample" })
        .example("$0 bounds --train-losses losses-train.npy --test-losses losses-test.npy", "the table per alpha on a bank")
        .example("$0 bounds --train-losses a.npy --test-losses b.npy --alpha 0.7 --json", "one alpha, every number as JSON"),
    (x) => bounds(x as unknown as ArgumentsCamelCase<BoundsArgs>),
  );
}
