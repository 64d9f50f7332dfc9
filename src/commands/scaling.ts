// `moe-bank scaling`: routing distortion D(rho) at fixed rate budgets as the number of experts
// grows and as each expert's width grows (src/measurements/scaling), on banks trained through the
// expert cache.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { Core } from "../../bindings/index.js";
import { UsageError } from "../errors.js";
import { checkOutDir } from "../io/files.js";
import { progressReporter, type GlobalOptions } from "../output.js";
import { datasetOptions, resolveDataset, type DatasetArgs } from "./dataset-options.js";
import { cachedBanks } from "../experiments/grid-banks.js";
import { DEFAULT_RHOS } from "../experiments/scaling.js";
import { scaling, type ScalingConfig } from "../measurements/scaling/index.js";
import { checkSeed, folderOption, listOption } from "./checks.js";
import { checkWorkers, workersOption } from "./workers.js";
import { emitExperiment, measure } from "./measure.js";

interface ScalingArgs extends GlobalOptions, DatasetArgs {
  quick: boolean;
  counts?: number[];
  widths?: string[];
  widthExperts?: number;
  subsetSize?: number;
  subsets?: number;
  rho?: number[];
  cache: string;
  workers?: number;
  bankSeed: number;
  seed: number;
  out?: string;
}

async function scalingCmd(a: ArgumentsCamelCase<ScalingArgs>): Promise<void> {
  const d = a.quick ? scaling.defaults.quick : scaling.defaults.full;
  const o: ScalingConfig = {
    counts: a.counts ?? d.counts, widths: a.widths ?? d.widths, widthExperts: a.widthExperts ?? d.widthExperts, subsetSize: a.subsetSize ?? d.subsetSize,
    subsets: a.subsets ?? d.subsets, rhos: a.rho ? [...a.rho, null] : d.rhos, seed: a.seed,
  };
  checkWorkers(a.workers);
  checkSeed(a.bankSeed, "bank-seed");
  const core = await Core.load();
  const r = await measure(scaling, a, o, async () => {
    if (a.out !== undefined) await checkOutDir(a.out);
    const data = await resolveDataset(a);
    if (o.subsetSize > data.train.count) throw new UsageError(`--subset-size ${o.subsetSize} is larger than the training set (${data.train.count})`);
    return cachedBanks(core, {
      data, cache: a.cache, seed: a.bankSeed, onProgress: progressReporter(a), warn: (s) => process.stderr.write(`moe-bank: warning: ${s}\n`),
      ...(a.workers !== undefined ? { workers: a.workers } : {}),
    });
  });
  await emitExperiment(a, scaling, r, core);
}

export function scalingCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  const d = scaling.defaults.full, q = scaling.defaults.quick;
  return y.command(
    scaling.name,
    scaling.title,
    (c) =>
      datasetOptions(c)
        .option("quick", { type: "boolean", default: false, describe: `small banks (n = ${q.subsetSize}, R up to ${Math.max(...q.counts)}, widths ${q.widths.join(" ")} at R = ${q.widthExperts}): seconds` })
        .option("counts", listOption("counts", "int", `expert counts (default ${d.counts.join(" ")})`, { alias: "R" }))
        .option("widths", listOption("widths", "string", `conv1/conv2 filter counts of the width banks (default ${d.widths.join(" ")})`))
        .option("width-experts", { type: "number", describe: `experts per width bank (default ${d.widthExperts})` })
        .option("subset-size", { alias: "n", type: "number", describe: `training images per expert (default ${d.subsetSize})` })
        .option("subsets", { type: "number", describe: `random subsets of R experts averaged per R (default ${d.subsets})` })
        .option("rho", listOption("rho", "number", `rate budgets in nats; the unconstrained oracle is always added (default ${DEFAULT_RHOS.filter((x) => x !== null).join(" ")})`))
        .option("cache", folderOption("cache", "where trained experts are kept (shared with bank, grid and reproduce)", { default: ".moe-bank-cache" }))
        .option("workers", workersOption)
        .option("bank-seed", { type: "number", default: 0, describe: "the banks' seed" })
        .option("seed", { type: "number", default: 0, describe: "the seed of the random expert subsets" })
        .option("out", folderOption("out", "folder for scaling.json, scaling.md and the figures", {}))
        .example("$0 scaling --out scaling", "the full run: a 50-expert bank (shared with `grid`) and 4 widths x 25 experts; about 3 minutes of training on 2 cores (once: cached), then seconds")
        .example("$0 scaling --quick --json", "small banks, as JSON"),
    (x) => scalingCmd(x as unknown as ArgumentsCamelCase<ScalingArgs>),
  );
}
