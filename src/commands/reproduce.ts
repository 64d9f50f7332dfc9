// `moe-bank reproduce`: the whole paper in one command, reusing every cached stage. The work is
// src/report/pipeline.ts (the same function the browser app runs); this file resolves the
// inputs, checks --out, and writes the bank folder, the loss matrices and the report.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { join, resolve } from "node:path";
import { Core } from "../../bindings/index.js";
import { coreSha, writeBankFolder } from "../bank/run.js";
import { datasetRef } from "../bank/config.js";
import { expertCache, blockCache } from "../bank/cache.js";
import { checkOutDir, writeAtomic } from "../io/files.js";
import { geometryOf } from "../model/cnn.js";
import { WorkerPool, defaultWorkers } from "../parallel/pool.js";
import { runPipeline, pipelineConfig } from "../report/pipeline.js";
import { runGrid } from "../experiments/grid.js";
import { cachedBanks, gridBankLosses } from "../experiments/grid-banks.js";
import { companion } from "../measurements/companion.js";
import { renderReport, type RunInfo } from "../report/report.js";
import { VERSION } from "../version.js";
import { datasetOptions, resolveDataset, type DatasetArgs } from "./dataset-options.js";
import { emit, progressEnabled, progressReporter, type GlobalOptions } from "../output.js";
import { checkSeed, folderOption } from "./checks.js";
import { checkWorkers, workersOption } from "./workers.js";

interface ReproduceArgs extends GlobalOptions, DatasetArgs {
  out: string;
  quick: boolean;
  workers?: number;
  seed: number;
  cache: string;
  sensitivity: boolean;
  companion: boolean;
}

async function reproduce(a: ArgumentsCamelCase<ReproduceArgs>): Promise<void> {
  checkSeed(a.seed);
  checkWorkers(a.workers);
  const say = progressEnabled(a) ? (s: string) => process.stderr.write(`reproduce: ${s} ...\n`) : () => {};
  const warn = (s: string) => process.stderr.write(`moe-bank: warning: ${s}\n`);
  await checkOutDir(a.out);
  await checkOutDir(a.cache, { option: "--cache" });
  const workers = a.workers ?? (await defaultWorkers());
  const t0 = performance.now();
  const data = await resolveDataset(a);
  const tData = (performance.now() - t0) / 1000;
  const config = pipelineConfig(a.quick, a.seed, geometryOf(data.train));
  const core = await Core.load();
  const pool = await WorkerPool.create({ workers, train: data.train, test: data.test });
  let out;
  try {
    out = await runPipeline({
      core, pool, data, config, coreSha256: await coreSha(),
      caches: { experts: expertCache(resolve(a.cache), warn), blocks: blockCache(resolve(a.cache), warn) },
      onProgress: progressReporter(a), onStage: say,
      ...(a.sensitivity ? { sensitivity: () => runGrid(core, (n, R) => gridBankLosses(n, R, { data, cache: a.cache, seed: a.seed, warn, workers, onProgress: progressReporter(a) }), { seed: a.seed }) } : {}),
      ...(a.companion ? { companion: () => companion(cachedBanks(core, { data, cache: a.cache, workers, seed: a.seed, onProgress: progressReporter(a), warn }), a.quick, a.seed) } : {}),
    });
  } finally {
    await pool.close();
  }
  // the bank folder (manifest + safetensors) and its loss matrices, as `bank train/eval` write them
  await writeBankFolder(join(a.out, "bank"), { config: config.bank, dataset: datasetRef(data), coreSha256: await coreSha(), range: { start: 0, end: config.bank.experts }, experts: out.experts, extra: out.npy });
  const timings = { dataset: tData, ...out.timings };
  const run: RunInfo = { tool: `moe-bank ${VERSION}`, node: process.version, userAgent: null, coreSha256: await coreSha(), workers, quick: a.quick, timings };
  for (const [name, svg] of Object.entries(out.figures)) await writeAtomic(join(a.out, name), svg);
  await writeAtomic(join(a.out, "report.json"), JSON.stringify({ resultsSha256: out.sha, results: out.results, run }, null, 2) + "\n");
  await writeAtomic(join(a.out, "report.md"), renderReport(out.results, out.sha, run));
  emit(a, { out: a.out, resultsSha256: out.sha, timings, files: ["report.json", "report.md", ...Object.keys(out.figures), "bank/"] }, (r) =>
    [`report written to ${r.out}: report.md, report.json, ${Object.keys(out.figures).length} figures, bank/`,
     `results sha-256 ${r.resultsSha256}`,
     ...Object.entries(r.timings).map(([k, v]) => `  ${k.padEnd(26)} ${v.toFixed(1)} s`)].join("\n"));
}

export function reproduceCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command(
    "reproduce",
    "run the whole paper: bank, loss matrices, Table I and II with their readings, the D(rho) curve, report and figures",
    (c) =>
      datasetOptions(c)
        .option("out", folderOption("out", "folder for report.md, report.json, the figures and the bank", { default: "reproduction" }))
        .option("quick", { type: "boolean", default: false, describe: "a small configuration (R = 5, n = 3,000, M = 100) that runs in under a minute" })
        .option("workers", workersOption)
        .option("seed", { type: "number", default: 0, describe: "the seed of every stream (bank, samples, bootstrap)" })
        .option("cache", folderOption("cache", "finished experts and blocks are kept here and reused", { default: ".moe-bank-cache" }))
        .option("companion", { type: "boolean", default: false, describe: "add the companion papers' experiments: synth gating, synth constants and scaling (the full scaling trains 50 + 75 experts: about 3 minutes on 2 cores, once; --quick: seconds)" })
        .option("sensitivity", { type: "boolean", default: false, describe: "add the Section III-C grid: R in {10, 25, 50} x n in {5k, 10k, 20k} (trains 150 experts: about 10 minutes on 2 cores)" })
        .example("$0 reproduce", "the paper's configuration: R = 25, n = 10,000, M = 300 (about 90 s on 2 cores)")
        .example("$0 reproduce --quick --out quick", "the whole pipeline on a small bank, in under a minute")
        .example("$0 reproduce --companion", "the paper and the companion experiments (finite-rate gating, constant experts, expert scaling) in one report"),
    (x) => reproduce(x as unknown as ArgumentsCamelCase<ReproduceArgs>),
  );
}
