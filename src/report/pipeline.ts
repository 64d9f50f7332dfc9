// The whole reproduction as one browser-safe function: bank (train, loss matrices) -> selection
// and estimators -> routing -> figures -> canonical results and their sha-256. Node's
// `moe-bank reproduce` and the browser app run exactly this; the caller supplies the worker
// pool, the caches (files in Node, memory in a browser) and the dataset bytes.
import type { Core } from "../../bindings/index.js";
import type { WorkerPool } from "../parallel/pool.js";
import { DEFAULT_BANK, datasetRef, type BankConfig } from "../bank/config.js";
import { MNIST_GEOMETRY, specFor, type Geometry } from "../model/cnn.js";
import type { Progress } from "../bank/bank.js";
import type { BankCaches, StageExpert, StageFn } from "../bank/stage.js";
export type { StageFn } from "../bank/stage.js";
import { sha256Hex } from "../io/sha256.js";
import type { LossMatrix } from "../formats/losses.js";
import { detMath } from "../math.js";
import { companionFigures, figures, resultsSha256, type CompanionResults, type Results } from "./report.js";
import { bankStage, measureBank, type PipelineDataset, type Protocol, type ReportSections } from "../measurements/reproduction.js";
export { REPORT_RHOS, reportRouting, bankStage, type BankStage, type PipelineDataset } from "../measurements/reproduction.js";
import type { GridResult } from "../experiments/grid.js";
import { runRoutingStudy, routingStudyFigures } from "./routing-study.js";

/** A reproduction's configuration: its bank and the protocol of its measurements. */
export interface PipelineConfig extends Protocol {
  bank: BankConfig;
  /** the routing study (the learned gate out of sample, the curve's rows, top-k): full only */
  routingStudy: boolean;
}

/** The paper's configuration, or the small --quick one (under a minute on 2 cores), for data of
 *  the given geometry (the experts' spec follows the data: geometryOf(dataset.train)). */
export function pipelineConfig(quick: boolean, seed = 0, geometry: Geometry = MNIST_GEOMETRY): PipelineConfig {
  const spec = specFor(geometry);
  return quick
    ? { bank: { ...DEFAULT_BANK, spec, experts: 5, subsetSize: 3000, seed }, M: 100, bootstrap: 200, seed, boundsM: 10_000, routingStudy: false }
    : { bank: { ...DEFAULT_BANK, spec, seed }, M: 300, bootstrap: 1000, seed, boundsM: 100_000, routingStudy: true };
}

export interface PipelineInput {
  core: Core;
  pool: WorkerPool;
  data: PipelineDataset;
  config: PipelineConfig;
  /** sha-256 of the reference core's bytes: part of every cache key */
  coreSha256: string;
  caches: BankCaches;
  onProgress?: (p: Progress) => void;
  /** called as each stage starts; a promise it returns is awaited (the browser app paints then) */
  onStage?: (stage: string) => void;
  signal?: AbortSignal;
  /** a clock for the stage timings (performance.now by default) */
  now?: () => number;
  /** the Section III-C sensitivity grid (Node: banks trained through the cache), if wanted */
  sensitivity?: () => Promise<GridResult>;
  /** the companion papers' experiments, if wanted */
  companion?: () => Promise<CompanionResults>;
}

export interface PipelineOutput {
  results: Results;
  sha: string;
  figures: Record<string, string>;
  timings: Record<string, number>;
  experts: StageExpert[];
  mats: Record<"train" | "test", Required<LossMatrix>>;
  /** the .npy bytes of the four matrices, by file name */
  npy: Record<string, Uint8Array>;
}

export async function runPipeline(inp: PipelineInput): Promise<PipelineOutput> {
  const { core, data, config } = inp;
  const now = inp.now ?? (() => performance.now());
  const timings: Record<string, number> = {};
  const stage: StageFn = async (name, fn) => {
    await inp.onStage?.(name);
    inp.signal?.throwIfAborted();
    const t0 = now();
    const r = await fn();
    timings[name] = (now() - t0) / 1000;
    return r;
  };
  const signal = inp.signal ? { signal: inp.signal } : {};
  const { experts, mats, npy, bank } = await bankStage(inp, config.bank, stage);

  // the report's measurements are the registry's entries, at the pipeline's configuration
  const { selection, routing, bounds } = (await measureBank(core, mats, config, { stage, hooks: signal })) as ReportSections;
  const routingStudy = config.routingStudy
    ? await runRoutingStudy({ core, test: mats.test, dataset: data.name, images: data.test, seed: config.seed }, stage)
    : undefined;
  const sensitivity = inp.sensitivity ? await stage("sensitivity grid", inp.sensitivity) : undefined;
  const companion = inp.companion ? await stage("companion experiments", inp.companion) : undefined;
  const t0 = now();
  const figs = { ...figures(bank, selection, routing), ...(routingStudy ? routingStudyFigures(routingStudy) : {}), ...(companion ? companionFigures(companion, detMath(core)) : {}) };
  const figureShas: Record<string, string> = {};
  for (const [name, svg] of Object.entries(figs)) figureShas[name] = await sha256Hex(svg);
  const dataset = datasetRef(data);
  const results: Results = { format: "moe-bank/report", formatVersion: 1, dataset, bank, selection, bounds, routing, ...(routingStudy ? { routingStudy } : {}), ...(sensitivity ? { sensitivity } : {}), ...(companion ? { companion } : {}), figures: figureShas };
  const sha = await resultsSha256(results);
  timings.report = (now() - t0) / 1000;
  return { results, sha, figures: figs, timings, experts, mats, npy };
}
