// The whole reproduction as one browser-safe function: bank (train, loss matrices) -> selection
// and estimators -> routing -> figures -> canonical results and their sha-256. Node's
// `moe-bank reproduce` and the browser app run exactly this; the caller supplies the worker
// pool, the caches (files in Node, memory in a browser) and the dataset bytes.
import type { Core } from "../../bindings/index.js";
import type { WorkerPool } from "../parallel/pool.js";
import { DEFAULT_BANK, checkGeometry, datasetLabel, datasetRef, validateBankConfig, type BankConfig } from "../bank/config.js";
import { MNIST_GEOMETRY, geometryOf, specFor, type Geometry } from "../model/cnn.js";
import { bankStatistics, type Progress } from "../bank/bank.js";
import { buildBank, type BankCaches, type StageExpert, type StageFn } from "../bank/stage.js";
export type { StageFn } from "../bank/stage.js";
import type { HashedSplit } from "../data/idx.js";
import { sha256Hex } from "../io/sha256.js";
import { lossFiles, type LossMatrix } from "../formats/losses.js";
import { detMath } from "../math.js";
import type { RouteJson } from "../routing/json.js";
import { companionFigures, figures, resultsSha256, type BankResults, type CompanionResults, type Results } from "./report.js";
import { select } from "../measurements/select/index.js";
import { bounds as boundsMeasurement } from "../measurements/bounds/index.js";
import { route } from "../measurements/route/index.js";
import type { PairInputs } from "../measurements/measurement.js";
import type { GridResult } from "../experiments/grid.js";

/** A dataset in memory: both splits with their files' sha-256, and the dataset id. */
export interface PipelineDataset {
  name: string;
  id: string;
  train: HashedSplit;
  test: HashedSplit;
}

export interface PipelineConfig {
  bank: BankConfig;
  M: number;
  bootstrap: number;
  seed: number;
  /** Monte Carlo runs of the tighter bounds (individual-sample MI, CMI, PAC-Bayes-kl, test set; docs/DESIGN.md section 7.2) */
  boundsM: number;
}

/** The paper's configuration, or the small --quick one (under a minute on 2 cores), for data of
 *  the given geometry (the experts' spec follows the data: geometryOf(dataset.train)). */
export function pipelineConfig(quick: boolean, seed = 0, geometry: Geometry = MNIST_GEOMETRY): PipelineConfig {
  const spec = specFor(geometry);
  return quick
    ? { bank: { ...DEFAULT_BANK, spec, experts: 5, subsetSize: 3000, seed }, M: 100, bootstrap: 200, seed, boundsM: 10_000 }
    : { bank: { ...DEFAULT_BANK, spec, seed }, M: 300, bootstrap: 1000, seed, boundsM: 100_000 };
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

/** The rates (nats) at which the report gives D(rho) of eq. 27. */
export const REPORT_RHOS: readonly number[] = [0.05, 0.1, 0.2];

/**
 * The report's routing section (Section V-A) from the bank's test losses: ONE problem on the
 * paper's rows, the first min(2000, N) test images, and every number of the section (the sweep,
 * its ends, D(rho) at REPORT_RHOS, the figure) comes from it.
 */
export function reportRouting(core: Core, test: LossMatrix): Promise<RouteJson> {
  return route.run({ core, test, names: { test: "losses-test.npy" } }, { ...route.defaults.full, rho: [...REPORT_RHOS] });
}

/** The bank of a run, trained and evaluated through the caches: its experts, loss matrices, their
 *  .npy bytes and the report's bank section. */
export interface BankStage {
  experts: StageExpert[];
  mats: Record<"train" | "test", Required<LossMatrix>>;
  npy: Record<string, Uint8Array>;
  bank: BankResults;
}

/** The stages "bank: train" and "bank: loss matrices" of a reproduction (src/bank/stage.ts
 *  buildBank) and the report's bank section. */
export async function bankStage(
  inp: Pick<PipelineInput, "pool" | "data" | "coreSha256" | "caches" | "onProgress" | "signal">,
  bankConfig: BankConfig,
  stage?: StageFn,
): Promise<BankStage> {
  const { data } = inp;
  validateBankConfig(bankConfig, data.train.count);
  checkGeometry(bankConfig.spec, geometryOf(data.train), "the pipeline's bank", datasetLabel(data));
  const { experts, mats } = await buildBank({
    pool: inp.pool, config: bankConfig, data, coreSha256: inp.coreSha256, caches: inp.caches,
    ...(inp.onProgress ? { onProgress: inp.onProgress } : {}), ...(inp.signal ? { signal: inp.signal } : {}), ...(stage ? { stage } : {}),
  });
  const npy = lossFiles(mats);
  const matrices: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(npy)) matrices[name] = await sha256Hex(bytes);
  const st = bankStatistics(mats);
  const { matrix: _matrix, ...disagreement } = st.disagreement;
  const bank: BankResults = {
    config: bankConfig,
    experts: experts.map((e) => ({ r: e.r, sha256: e.sha256, testAccuracy: e.testAccuracy, testErrors: e.testErrors })),
    testAccuracy: st.testAccuracy,
    trainAccuracy: st.trainAccuracy,
    disagreement,
    oracleTestError: st.oracleTestError,
    matrices,
  };
  return { experts, mats, npy, bank };
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
  const pair: PairInputs = { core, train: mats.train, test: mats.test, names: { train: "losses-train.npy", test: "losses-test.npy" } };
  const hooks = inp.signal ? { signal: inp.signal } : {};
  const selection = await stage("selection and estimators", () => select.run(pair, { ...select.defaults.full, M: config.M, bootstrap: config.bootstrap, seed: config.seed }, hooks));
  const routing = await stage("routing", () => reportRouting(core, mats.test));
  const bounds = await stage("tighter bounds", () => boundsMeasurement.run(pair, { ...boundsMeasurement.defaults.full, M: config.boundsM, seed: config.seed, biasM: config.M }, hooks));
  const sensitivity = inp.sensitivity ? await stage("sensitivity grid", inp.sensitivity) : undefined;
  const companion = inp.companion ? await stage("companion experiments", inp.companion) : undefined;
  const t0 = now();
  const figs = { ...figures(bank, selection, routing), ...(companion ? companionFigures(companion, detMath(core)) : {}) };
  const figureShas: Record<string, string> = {};
  for (const [name, svg] of Object.entries(figs)) figureShas[name] = await sha256Hex(svg);
  const dataset = datasetRef(data);
  const results: Results = { format: "moe-bank/report", formatVersion: 1, dataset, bank, selection, bounds, routing, ...(sensitivity ? { sensitivity } : {}), ...(companion ? { companion } : {}), figures: figureShas };
  const sha = await resultsSha256(results);
  timings.report = (now() - t0) / 1000;
  return { results, sha, figures: figs, timings, experts, mats, npy };
}
