// `moe-bank grid`: the sensitivity grid of Section III-C (R x subset size n), I_hat / log R per
// cell and whether I_hat is non-decreasing in alpha in every cell. The banks are trained (or read
// from the cache) through the bank code, one per n with max(R) experts, or read from folders.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { join } from "node:path";
import { Core } from "../../bindings/index.js";
import { UsageError } from "../errors.js";
import { emit, progressEnabled, progressReporter, type GlobalOptions } from "../output.js";
import { readLossPair } from "../formats/losses.js";
import { datasetOptions, resolveDataset, type DatasetArgs } from "./dataset-options.js";
import { DEFAULT_GRID, renderGrid, runGrid } from "../experiments/grid.js";
import { gridBankLosses } from "../experiments/grid-banks.js";
import type { LoadedDataset } from "../data/datasets.js";
import { checkAlphas, checkInt, checkLevel, checkSeed, folderOption } from "./checks.js";
import { checkWorkers, workersOption } from "./workers.js";

interface GridArgs extends GlobalOptions, DatasetArgs {
  counts: number[];
  sizes: number[];
  bank?: string[];
  cache: string;
  workers?: number;
  bankSeed: number;
  runs: number;
  sampleSize: number;
  alpha: number[];
  seed: number;
  bootstrap: number;
  level: number;
}

/** --bank n=DIR pairs: DIR holds losses-train.npy and losses-test.npy of a bank with subset size n. */
function parseBanks(specs: string[] | undefined): Map<number, string> {
  const out = new Map<number, string>();
  for (const s of specs ?? []) {
    const m = /^(\d+)=(.+)$/.exec(s);
    if (!m) throw new UsageError(`--bank must look like 10000=DIR, got "${s}"`);
    out.set(Number(m[1]), m[2]!);
  }
  return out;
}

async function grid(a: ArgumentsCamelCase<GridArgs>): Promise<void> {
  for (const R of a.counts) checkInt("counts", R, 2, 100000);
  for (const n of a.sizes) checkInt("sizes", n, 1, 0x7fffffff);
  checkInt("runs", a.runs, 1, 0x7fffffff);
  checkInt("sample-size", a.sampleSize, 1, 65535);
  checkSeed(a.seed);
  checkSeed(a.bankSeed, "bank-seed");
  checkInt("bootstrap", a.bootstrap, 0, 1_000_000);
  checkWorkers(a.workers);
  checkLevel(a.level);
  checkAlphas(a.alpha);
  const banks = parseBanks(a.bank);
  const say = progressEnabled(a) ? (s: string) => process.stderr.write(`grid: ${s}\n`) : undefined;
  const warn = (s: string) => process.stderr.write(`moe-bank: warning: ${s}\n`);
  const progress = progressReporter(a);
  const core = await Core.load();
  let data: LoadedDataset | null = null;
  const provider = async (n: number, R: number) => {
    const dir = banks.get(n);
    if (dir !== undefined) return readLossPair(join(dir, "losses-train.npy"), join(dir, "losses-test.npy"));
    data ??= await resolveDataset(a);
    return gridBankLosses(n, R, { data, cache: a.cache, seed: a.bankSeed, warn, onProgress: progress, ...(a.workers !== undefined ? { workers: a.workers } : {}) });
  };
  const result = await runGrid(core, provider, {
    counts: a.counts, sizes: a.sizes, M: a.runs, m: a.sampleSize, alphas: a.alpha, seed: a.seed, bootstrap: a.bootstrap, level: a.level,
    ...(say ? { onProgress: say } : {}),
  });
  emit(a, result, renderGrid);
}

export function gridCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  const d = DEFAULT_GRID;
  return y.command(
    "grid",
    "the sensitivity grid (Section III-C): R x subset size n, I_hat / log R per cell and whether I_hat rises with alpha in every cell (trains the banks through the cache, or reads --bank folders)",
    (c) =>
      datasetOptions(c)
        .option("counts", { alias: "R", type: "number", array: true, default: [...d.counts], describe: "bank sizes R (the banks are the first R experts of one bank per n)" })
        .option("sizes", { alias: "n", type: "number", array: true, default: [...d.sizes], describe: "training images per expert n" })
        .option("bank", { type: "string", array: true, describe: "n=DIR: read DIR/losses-{train,test}.npy for that n instead of training (at least max R experts)" })
        .option("cache", folderOption("cache", "where trained experts and evaluation blocks are kept (shared with moe-bank bank)", { default: ".moe-bank-cache" }))
        .option("workers", workersOption)
        .option("bank-seed", { type: "number", default: 0, describe: "the banks' seed (expert r is a pure function of the config, this seed and r)" })
        .option("runs", { alias: "M", type: "number", default: d.M, describe: "Monte Carlo runs per cell (the paper's protocol)" })
        .option("sample-size", { alias: "m", type: "number", default: d.m, describe: "sample size m = |S|" })
        .option("alpha", { type: "number", array: true, default: [...d.alphas], describe: "alphas (default: the paper's Table II)" })
        .option("seed", { type: "number", default: d.seed, describe: "the Monte Carlo streams' seed" })
        .option("bootstrap", { alias: "B", type: "number", default: d.bootstrap, describe: "bootstrap resamples (histogram multinomials)" })
        .option("level", { type: "number", default: d.level, describe: "confidence level of the intervals" })
        .example("$0 grid --cache .moe-bank-cache", "the 3 x 3 grid: trains 3 banks of 50 experts (n = 5k, 10k, 20k), reusing cached experts")
        .example("$0 grid --counts 10 25 --sizes 10000 --bank 10000=bank --json", "a row of it from an evaluated bank folder, as JSON"),
    (x) => grid(x as unknown as ArgumentsCamelCase<GridArgs>),
  );
}
