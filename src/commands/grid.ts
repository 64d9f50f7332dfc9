// `moe-bank grid`: the sensitivity grid of Section III-C (src/measurements/grid). The banks are
// trained (or read from the cache) through the bank code, one per n with max(R) experts, or read
// from folders.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { join } from "node:path";
import { Core } from "../../bindings/index.js";
import { UsageError } from "../errors.js";
import { progressReporter, type GlobalOptions } from "../output.js";
import { readLossPair } from "../formats/losses.js";
import { datasetOptions, resolveDataset, type DatasetArgs } from "./dataset-options.js";
import { grid } from "../measurements/grid/index.js";
import type { BanksInputs } from "../measurements/measurement.js";
import { cachedBanks } from "../experiments/grid-banks.js";
import { checkSeed, folderOption, listOption } from "./checks.js";
import { checkWorkers, workersOption } from "./workers.js";
import { measureAndEmit, selectionFlags, selectionOf, type SelectionArgs } from "./measure.js";

interface GridArgs extends GlobalOptions, DatasetArgs, SelectionArgs {
  counts: number[];
  sizes: number[];
  bank?: string[];
  cache: string;
  workers?: number;
  bankSeed: number;
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

/** The banks: a --bank folder for its n, else trained through the cache (the dataset is read
 *  only when a bank must be trained). */
async function gridInputs(a: ArgumentsCamelCase<GridArgs>): Promise<BanksInputs> {
  const banks = parseBanks(a.bank);
  const core = await Core.load();
  let trained: BanksInputs | null = null;
  const train = async () => (trained ??= cachedBanks(core, {
    data: await resolveDataset(a), cache: a.cache, seed: a.bankSeed, onProgress: progressReporter(a),
    warn: (s) => process.stderr.write(`moe-bank: warning: ${s}\n`), ...(a.workers !== undefined ? { workers: a.workers } : {}),
  }));
  return {
    core,
    pair: async (n, R) => {
      const dir = banks.get(n);
      return dir !== undefined ? readLossPair(join(dir, "losses-train.npy"), join(dir, "losses-test.npy")) : (await train()).pair(n, R);
    },
    testLosses: async (n, R, spec) => (await train()).testLosses(n, R, spec),
    spec: () => {
      throw new Error("grid: the experts' spec is not used");
    },
  };
}

export function gridCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  const d = grid.defaults.full;
  return y.command(
    grid.name,
    grid.title,
    (c) =>
      selectionFlags(
        datasetOptions(c)
          .option("counts", listOption("counts", "int", "bank sizes R (the banks are the first R experts of one bank per n)", { alias: "R", default: [...d.counts] }))
          .option("sizes", listOption("sizes", "int", "training images per expert n", { alias: "n", default: [...d.sizes] }))
          .option("bank", { type: "string", array: true, describe: "n=DIR: read DIR/losses-{train,test}.npy for that n instead of training (at least max R experts)" })
          .option("cache", folderOption("cache", "where trained experts and evaluation blocks are kept (shared with moe-bank bank)", { default: ".moe-bank-cache" }))
          .option("workers", workersOption)
          .option("bank-seed", { type: "number", default: 0, describe: "the banks' seed (expert r is a pure function of the config, this seed and r)" }),
        d,
        {
          runs: "Monte Carlo runs per cell (the paper's protocol)",
          alpha: "alphas (default: the paper's Table II)",
          seed: "the Monte Carlo streams' seed",
          bootstrap: "bootstrap resamples (histogram multinomials)",
          level: "confidence level of the intervals",
        },
      )
        .example("$0 grid --cache .moe-bank-cache", "the 3 x 3 grid: trains 3 banks of 50 experts (n = 5k, 10k, 20k), reusing cached experts")
        .example("$0 grid --counts 10 25 --sizes 10000 --bank 10000=bank --json", "a row of it from an evaluated bank folder, as JSON"),
    (x) => {
      const a = x as unknown as ArgumentsCamelCase<GridArgs>;
      checkSeed(a.bankSeed, "bank-seed");
      checkWorkers(a.workers);
      return measureAndEmit(grid, a, { ...selectionOf(a), counts: a.counts, sizes: a.sizes }, () => gridInputs(a));
    },
  );
}
