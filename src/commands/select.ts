// `moe-bank select` and `moe-bank tables`' shared options: the selection protocol on a bank's
// 0-1 loss matrices (.npy), every estimator at one alpha or a sweep.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { Core } from "../../bindings/index.js";
import { UsageError } from "../errors.js";
import { emit, progressEnabled, type GlobalOptions } from "../output.js";
import { readLossPair } from "../formats/losses.js";
import { DEFAULT_SELECTION, runSelection, type SelectionResult } from "../estimators/sweep.js";
import { renderSelection } from "../estimators/tables.js";
import { checkAlphas, checkInt, checkLevel, checkSeed, checkRuns } from "./checks.js";

export interface ProtocolArgs extends GlobalOptions {
  trainLosses: string;
  testLosses: string;
  runs: number;
  sampleSize: number;
  seed: number;
  bootstrap: number;
  level: number;
}

/** The options `select` and `tables` share. */
export function protocolOptions<T>(c: Argv<T>) {
  return c
    .option("train-losses", { type: "string", demandOption: true, describe: "0-1 losses on the training pool: .npy, uint8 or bool, shape [R, Npool]" })
    .option("test-losses", { type: "string", demandOption: true, describe: "0-1 losses on the test split: .npy, uint8 or bool, shape [R, Ntest]" })
    .option("runs", { alias: "M", type: "number", default: DEFAULT_SELECTION.M, describe: "Monte Carlo runs M (samples S_i)" })
    .option("sample-size", { alias: "m", type: "number", default: DEFAULT_SELECTION.m, describe: "sample size m = |S_i|" })
    .option("seed", { type: "number", default: DEFAULT_SELECTION.seed, describe: "names every stream: (seed, sample, i), (seed, alphaDraw, i), (seed, bootstrap, b)" })
    .option("bootstrap", { alias: "B", type: "number", default: DEFAULT_SELECTION.bootstrap, describe: "bootstrap resamples of the M runs (0: no intervals)" })
    .option("level", { type: "number", default: DEFAULT_SELECTION.level, describe: "confidence level of the percentile intervals" });
}

/** Loads the matrices and runs the protocol at `alphas`, with progress on stderr when enabled. */
export async function runProtocol(args: ArgumentsCamelCase<ProtocolArgs>, alphas: readonly number[]): Promise<SelectionResult> {
  checkRuns(args.runs);
  checkInt("sample-size", args.sampleSize, 1, 65535);
  checkSeed(args.seed);
  checkInt("bootstrap", args.bootstrap, 0, 1_000_000);
  checkLevel(args.level);
  checkAlphas(alphas);
  const { train, test } = await readLossPair(args.trainLosses, args.testLosses);
  if (args.sampleSize > train.N) throw new UsageError(`--sample-size ${args.sampleSize} exceeds the pool (${train.N} items in ${args.trainLosses})`);
  checkRuns(args.runs, train.R);
  const core = await Core.load();
  const progress = progressEnabled(args);
  return runSelection(core, train, test, {
    M: args.runs, m: args.sampleSize, alphas, seed: args.seed, bootstrap: args.bootstrap, level: args.level,
    onProgress: progress ? (done, total) => process.stderr.write(`select: ${done}/${total} (reading, alpha) done\n`) : undefined,
  });
}

interface SelectArgs extends ProtocolArgs {
  alpha: number[];
}

export function selectCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command(
    "select",
    "the selection protocol on a bank's 0-1 loss matrices: I(S;W), bias corrections, gaps, bounds, bootstrap intervals, at one alpha or a sweep",
    (c) =>
      protocolOptions(c)
        .option("alpha", { type: "number", array: true, default: [...DEFAULT_SELECTION.alphas], describe: "one alpha or several (a sweep); default: the paper's Table II alphas" })
        .example("$0 select --train-losses losses-train.npy --test-losses losses-test.npy", "the Table II sweep: alphas 0, 0.25, 0.5, 0.7, 0.9, 1")
        .example("$0 select --train-losses a.npy --test-losses b.npy --alpha 0.7 -B 2000 --json", "one alpha, 2000 resamples, every number as JSON"),
    async (a) => {
      const args = a as ArgumentsCamelCase<SelectArgs>;
      const result = await runProtocol(args, args.alpha);
      emit(args, result, renderSelection);
    },
  );
}
