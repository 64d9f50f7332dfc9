// `moe-bank scaling`: routing distortion D(rho) at fixed rate budgets as the number of experts
// grows and, separately, as each expert's width grows (src/experiments/scaling.ts). The banks are
// trained through the expert cache (expert r of a config is the same whichever command trains
// it), so the 50-expert bank of `moe-bank grid` (n = 10k) is reused here.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { Core } from "../../bindings/index.js";
import { UsageError } from "../errors.js";
import { checkOutDir } from "../io/files.js";
import { emit, progressReporter, type GlobalOptions } from "../output.js";
import { datasetOptions, resolveDataset, type DatasetArgs } from "./dataset-options.js";
import { gridBankTestLosses } from "../experiments/grid-banks.js";
import { DEFAULT_RHOS, runScaling, type ScalingBank, type ScalingResult } from "../experiments/scaling.js";
import { renderScaling, scalingFigures } from "../experiments/scaling-report.js";
import { DEFAULT_SPEC, geometryOf, paramCount, specFor } from "../model/cnn.js";
import { detMath } from "../math.js";
import { counter, writeExperiment } from "./synth.js";
import { checkInt, checkSeed, folderOption } from "./checks.js";
import { checkWorkers, workersOption } from "./workers.js";
import type { LoadedDataset } from "../data/datasets.js";

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

/** The full configuration and the --quick one (small banks: seconds of training). */
export function scalingConfig(quick: boolean) {
  return quick
    ? { counts: [1, 2, 3, 4, 6, 8], widths: ["4/8", "8/16", "16/32"], widthExperts: 4, subsetSize: 1000, subsets: 5 }
    : { counts: [1, 2, 3, 5, 8, 12, 18, 25, 35, 50], widths: ["4/8", "8/16", "16/32", "32/64"], widthExperts: 25, subsetSize: 10000, subsets: 20 };
}

function parseWidth(s: string): { conv1: number; conv2: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1 || Number(m[1]) > 1024 || Number(m[2]) > 1024) throw new UsageError(`--widths takes conv1/conv2 filter counts like 16/32, got "${s}"`);
  return { conv1: Number(m[1]), conv2: Number(m[2]) };
}

export interface ScalingRun {
  data: LoadedDataset;
  cache: string;
  workers?: number;
  bankSeed: number;
  seed: number;
  counts: number[];
  widths: string[];
  widthExperts: number;
  subsetSize: number;
  subsets: number;
  rhos: (number | null)[];
  onTrain?: Parameters<typeof gridBankTestLosses>[2]["onProgress"];
  onProgress?: (done: number, total: number) => void;
  warn?: (s: string) => void;
}

/** Trains (or reads from the cache) the banks and runs the experiment. */
export async function scalingRun(core: Core, o: ScalingRun): Promise<ScalingResult> {
  const base = { data: o.data, cache: o.cache, seed: o.bankSeed, ...(o.workers !== undefined ? { workers: o.workers } : {}), ...(o.onTrain ? { onProgress: o.onTrain } : {}), ...(o.warn ? { warn: o.warn } : {}) };
  const Rmax = Math.max(...o.counts);
  const big = await gridBankTestLosses(o.subsetSize, Rmax, base);
  const byWidth: ScalingBank[] = [];
  for (const w of o.widths) {
    const { conv1, conv2 } = parseWidth(w);
    const spec = specFor(geometryOf(o.data.train), { ...DEFAULT_SPEC, conv1, conv2 });
    byWidth.push({ label: w, conv1, conv2, params: paramCount(spec), losses: await gridBankTestLosses(o.subsetSize, o.widthExperts, { ...base, spec }) });
  }
  const byCount: ScalingBank = { label: `${DEFAULT_SPEC.conv1}/${DEFAULT_SPEC.conv2}`, conv1: DEFAULT_SPEC.conv1, conv2: DEFAULT_SPEC.conv2, params: paramCount(specFor(geometryOf(o.data.train))), losses: big };
  return runScaling(core, { byCount, counts: o.counts, subsets: o.subsets, byWidth, rhos: o.rhos, seed: o.seed }, o.onProgress);
}

async function scaling(a: ArgumentsCamelCase<ScalingArgs>): Promise<void> {
  const d = scalingConfig(a.quick);
  const counts = a.counts ?? d.counts, widths = a.widths ?? d.widths;
  for (const R of counts) checkInt("counts", R, 1, 10000);
  if (counts.length < 3) throw new UsageError(`--counts needs at least 3 expert counts to fit a law, got ${counts.length}`);
  widths.forEach(parseWidth);
  const widthExperts = a.widthExperts ?? d.widthExperts, subsetSize = a.subsetSize ?? d.subsetSize, subsets = a.subsets ?? d.subsets;
  checkInt("width-experts", widthExperts, 1, 100000);
  checkInt("subset-size", subsetSize, 1, 0x7fffffff);
  checkInt("subsets", subsets, 1, 100000);
  checkWorkers(a.workers);
  checkSeed(a.seed);
  checkSeed(a.bankSeed, "bank-seed");
  const rhos = a.rho ? [...a.rho, null] : DEFAULT_RHOS;
  for (const r of rhos) if (r !== null && !(r >= 0 && Number.isFinite(r))) throw new UsageError(`--rho must be finite and >= 0, got ${r}`);
  if (a.out !== undefined) await checkOutDir(a.out);
  const core = await Core.load();
  const data = await resolveDataset(a);
  if (subsetSize > data.train.count) throw new UsageError(`--subset-size ${subsetSize} is larger than the training set (${data.train.count})`);
  const r = await scalingRun(core, {
    data, cache: a.cache, bankSeed: a.bankSeed, seed: a.seed, counts, widths, widthExperts, subsetSize, subsets, rhos,
    ...(a.workers !== undefined ? { workers: a.workers } : {}),
    onTrain: progressReporter(a),
    warn: (s) => process.stderr.write(`moe-bank: warning: ${s}\n`),
    ...(counter(a, "scaling: loss matrices") ? { onProgress: counter(a, "scaling: loss matrices")! } : {}),
  });
  const md = renderScaling(r);
  const files = a.out !== undefined ? await writeExperiment(a.out, "scaling", r, md, scalingFigures(r, detMath(core))) : [];
  emit(a, r, () => (a.out !== undefined ? `${md}\nwritten to ${a.out}: ${files.join(", ")}` : md));
}

export function scalingCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  const d = scalingConfig(false), q = scalingConfig(true);
  return y.command(
    "scaling",
    "expert scaling on the MNIST bank: routing distortion D(rho) at fixed rate budgets as the number of experts R grows and as each expert's width grows, with fitted power and saturating laws (trains the banks through the cache)",
    (c) =>
      datasetOptions(c)
        .option("quick", { type: "boolean", default: false, describe: `small banks (n = ${q.subsetSize}, R up to ${Math.max(...q.counts)}, widths ${q.widths.join(" ")} at R = ${q.widthExperts}): seconds` })
        .option("counts", { alias: "R", type: "number", array: true, describe: `expert counts (default ${d.counts.join(" ")})` })
        .option("widths", { type: "string", array: true, describe: `conv1/conv2 filter counts of the width banks (default ${d.widths.join(" ")})` })
        .option("width-experts", { type: "number", describe: `experts per width bank (default ${d.widthExperts})` })
        .option("subset-size", { alias: "n", type: "number", describe: `training images per expert (default ${d.subsetSize})` })
        .option("subsets", { type: "number", describe: `random subsets of R experts averaged per R (default ${d.subsets})` })
        .option("rho", { type: "number", array: true, describe: `rate budgets in nats; the unconstrained oracle is always added (default ${DEFAULT_RHOS.filter((x) => x !== null).join(" ")})` })
        .option("cache", folderOption("cache", "where trained experts are kept (shared with bank, grid and reproduce)", { default: ".moe-bank-cache" }))
        .option("workers", workersOption)
        .option("bank-seed", { type: "number", default: 0, describe: "the banks' seed" })
        .option("seed", { type: "number", default: 0, describe: "the seed of the random expert subsets" })
        .option("out", folderOption("out", "folder for scaling.json, scaling.md and the figures", {}))
        .example("$0 scaling --out scaling", "the full run: a 50-expert bank (shared with `grid`) and 4 widths x 25 experts; about 3 minutes of training on 2 cores (once: cached), then seconds")
        .example("$0 scaling --quick --json", "small banks, as JSON"),
    (x) => scaling(x as unknown as ArgumentsCamelCase<ScalingArgs>),
  );
}
