// `moe-bank grid`: the sensitivity grid of Section III-C (src/measurements/grid), a sweep over
// the R and n axes run by the sweep engine (src/sweep/): one cell per (n, R), each bank trained
// (or read) through the cache or read from a --bank folder; `sweep --measure grid` is the same.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { UsageError } from "../errors.js";
import { emit, type GlobalOptions } from "../output.js";
import { datasetOptions, datasetSource, resolveDataset, type DatasetArgs } from "./dataset-options.js";
import { grid, type GridOptions } from "../measurements/grid/index.js";
import type { GridResult } from "../experiments/grid.js";
import { runBanksMeasurement } from "../sweep/run.js";
import { checkSeed, folderOption, listOption } from "./checks.js";
import { checkWorkers, workersOption } from "./workers.js";
import { selectionFlags, selectionOf, type SelectionArgs } from "./measure.js";
import { cliWarn, sweepReporter } from "./sweep.js";

interface GridArgs extends GlobalOptions, DatasetArgs, SelectionArgs {
  counts: number[];
  sizes: number[];
  bank?: string[];
  cache: string;
  workers?: number;
  bankSeed: number;
}

/** --bank n=DIR pairs: DIR holds losses-train.npy and losses-test.npy of a bank with subset size n. */
function parseBanks(specs: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs ?? []) {
    const m = /^(\d+)=(.+)$/.exec(s);
    if (!m) throw new UsageError(`--bank must look like 10000=DIR, got "${s}"`);
    out[String(Number(m[1]))] = m[2]!;
  }
  return out;
}

/** The grid through the sweep engine: one cell per (n, R), each bank trained through the cache
 *  or read from its --bank folder; prints what the measurement prints. */
async function gridCmd(a: ArgumentsCamelCase<GridArgs>): Promise<void> {
  checkSeed(a.bankSeed, "bank-seed");
  checkWorkers(a.workers);
  const o: GridOptions = { ...selectionOf(a), counts: a.counts, sizes: a.sizes };
  grid.validate(o);
  const bankDirs = parseBanks(a.bank);
  const data = await resolveDataset(a);
  const r = await runBanksMeasurement(grid.name, { ...o }, {
    seed: a.bankSeed, data, source: datasetSource(a), bankDirs, cache: a.cache, onProgress: sweepReporter(a), warn: cliWarn,
    ...(a.workers !== undefined ? { workers: a.workers } : {}),
  });
  emit(a, r.result as GridResult, (x) => grid.render(x));
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
          .option("cache", folderOption("cache", "where trained experts, evaluation blocks and the grid's cells are kept (shared with moe-bank bank and sweep; a killed grid resumes from it)", { default: ".moe-bank-cache" }))
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
        .example("$0 grid --counts 10 25 --sizes 10000 --bank 10000=bank --json", "a row of it from an evaluated bank folder, as JSON")
        .example("$0 sweep --measure grid --out grid-sweep --slurm --submit", "the same grid as a sweep (one task per cell (n, R), cached, resumable): with --plan / --slurm on a cluster"),
    (x) => {
      return gridCmd(x as unknown as ArgumentsCamelCase<GridArgs>);
    },
  );
}
