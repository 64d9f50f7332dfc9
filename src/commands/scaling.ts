// `moe-bank scaling`: routing distortion D(rho) at fixed rate budgets as the number of experts
// grows and as each expert's width grows (src/measurements/scaling), a sweep over R and the
// experts' widths run by the sweep engine (src/sweep/): one cell per bank, trained through the
// cache; `sweep --measure scaling` is the same.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { Core } from "../../bindings/index.js";
import { UsageError } from "../errors.js";
import { checkOutDir } from "../io/files.js";
import type { GlobalOptions } from "../output.js";
import { datasetOptions, datasetSource, resolveDataset, type DatasetArgs } from "./dataset-options.js";
import { DEFAULT_RHOS, type ScalingResult } from "../experiments/scaling.js";
import { scaling, type ScalingConfig } from "../measurements/scaling/index.js";
import { runBanksMeasurement } from "../sweep/run.js";
import { checkSeed, folderOption, listOption } from "./checks.js";
import { checkWorkers, workersOption } from "./workers.js";
import { emitExperiment } from "./measure.js";
import { cliWarn, sweepReporter } from "./sweep.js";

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
  scaling.validate(o);
  if (a.out !== undefined) await checkOutDir(a.out);
  const data = await resolveDataset(a);
  if (o.subsetSize > data.train.count) throw new UsageError(`--subset-size ${o.subsetSize} is larger than the training set (${data.train.count})`);
  const r = await runBanksMeasurement(scaling.name, { ...o }, {
    seed: a.bankSeed, data, source: datasetSource(a), cache: a.cache, onProgress: sweepReporter(a), warn: cliWarn,
    ...(a.workers !== undefined ? { workers: a.workers } : {}),
  });
  await emitExperiment(a, scaling, r.result as ScalingResult, await Core.load());
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
        .option("cache", folderOption("cache", "where trained experts and the scaling's cells are kept (shared with bank, grid, sweep and reproduce; a killed run resumes from it)", { default: ".moe-bank-cache" }))
        .option("workers", workersOption)
        .option("bank-seed", { type: "number", default: 0, describe: "the banks' seed" })
        .option("seed", { type: "number", default: 0, describe: "the seed of the random expert subsets" })
        .option("out", folderOption("out", "folder for scaling.json, scaling.md and the figures", {}))
        .example("$0 scaling --out scaling", "the full run: a 50-expert bank (shared with `grid`) and 4 widths x 25 experts; about 3 minutes of training on 2 cores (once: cached), then seconds")
        .example("$0 scaling --quick --json", "small banks, as JSON")
        .example("$0 sweep --measure scaling --quick --out scaling-sweep --plan plan", "the same sweep (one task per bank: (a)'s and one per width) planned for a cluster"),
    (x) => scalingCmd(x as unknown as ArgumentsCamelCase<ScalingArgs>),
  );
}
