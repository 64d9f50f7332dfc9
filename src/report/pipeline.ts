// The whole reproduction as one browser-safe function: bank (train, loss matrices) -> selection
// and estimators -> routing -> figures -> canonical results and their sha-256. Node's
// `moe-bank reproduce` and the browser app run exactly this; the caller supplies the worker
// pool, the caches (files in Node, memory in a browser) and the dataset bytes.
import type { Core } from "../../bindings/index.js";
import type { WorkerPool } from "../parallel/pool.js";
import { DEFAULT_BANK, canonicalJson, checkGeometry, datasetLabel, datasetRef, expertKey, validateBankConfig, type BankConfig } from "../bank/config.js";
import { MNIST_GEOMETRY, geometryOf, specFor, type Geometry } from "../model/cnn.js";
import { trainExperts, evaluateSplit, bankStatistics, type LossMatrices, type Progress, type ResultCache, type TrainedExpert } from "../bank/bank.js";
import { sha256Hex, type Split } from "../data/idx.js";
import { encodeNpy } from "../formats/npy.js";
import { runSelection, type SelectionResult } from "../estimators/sweep.js";
import { lossMatrix } from "../estimators/draws.js";
import { RoutingProblem, paperRoutingN, routingCurve, type RoutingLosses } from "../routing/index.js";
import { detMath } from "../math.js";
import { routeJson, type RouteJson } from "../commands/route.js";
import { companionFigures, figures, resultsSha256, type BankResults, type CompanionResults, type Results } from "./report.js";
import { runBounds, type BoundsResult } from "../estimators/tighter.js";
import type { GridResult } from "../experiments/grid.js";

/** A dataset in memory: both splits with their files' sha-256, and the dataset id. */
export interface PipelineDataset {
  name: string;
  id: string;
  train: Split & { sha256: { images: string; labels: string } };
  test: Split & { sha256: { images: string; labels: string } };
}

export interface PipelineConfig {
  bank: BankConfig;
  M: number;
  bootstrap: number;
  seed: number;
  /** Monte Carlo runs of the tighter bounds (individual-sample MI, CMI, PAC-Bayes-kl, test set; docs/DESIGN.md section 7.2) */
  boundsM: number;
  /** the sample size m of the selection and the bounds (absent: 256, the paper's) */
  m?: number;
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
  caches: { experts: ResultCache<TrainedExpert>; blocks: ResultCache<{ losses: Uint8Array; preds: Uint8Array }> };
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
  experts: { r: number; params: Float32Array; testAccuracy: number; testErrors: number }[];
  mats: Record<"train" | "test", LossMatrices>;
  /** the .npy bytes of the four matrices, by file name */
  npy: Record<string, Uint8Array>;
}

const text = (s: string) => new TextEncoder().encode(s);

/** The rates (nats) at which the report gives D(rho) of eq. 27. */
export const REPORT_RHOS: readonly number[] = [0.05, 0.1, 0.2];

/**
 * The report's routing section (Section V-A) from the bank's test losses: ONE problem on the
 * paper's rows, the first min(2000, N) test images, and every number of the section (the sweep,
 * its ends, D(rho) at REPORT_RHOS, the figure) comes from it.
 */
export function reportRouting(core: Core, test: RoutingLosses): RouteJson {
  const problem = RoutingProblem.create(core, test, paperRoutingN(test.N));
  try {
    return routeJson("losses-test.npy", routingCurve(core, problem, { rho: REPORT_RHOS }));
  } finally {
    problem.free();
  }
}

/** Times and announces one named stage of a run (the pipeline's timings); the default runs it plainly. */
export type StageFn = <T>(name: string, fn: () => Promise<T>) => Promise<T>;
const plainStage: StageFn = (_name, fn) => fn();

/** The bank of a run, trained and evaluated through the caches: its experts, loss matrices, their
 *  .npy bytes and the report's bank section. */
export interface BankStage {
  experts: { r: number; params: Float32Array; testAccuracy: number; testErrors: number; sha256: string }[];
  mats: Record<"train" | "test", LossMatrices>;
  npy: Record<string, Uint8Array>;
  bank: BankResults;
}

/** Trains the bank of `bank` (reusing cached experts), evaluates L_train in cached blocks, and
 *  summarises it: the stages "bank: train" and "bank: loss matrices" of a reproduction. */
export async function bankStage(
  inp: Pick<PipelineInput, "pool" | "data" | "coreSha256" | "caches" | "onProgress" | "signal">,
  bankConfig: BankConfig,
  stage: StageFn = plainStage,
): Promise<BankStage> {
  const { pool, data } = inp;
  validateBankConfig(bankConfig, data.train.count);
  checkGeometry(bankConfig.spec, geometryOf(data.train), "the pipeline's bank", datasetLabel(data));
  const R = bankConfig.experts;
  const progress = inp.onProgress ? { onProgress: inp.onProgress } : {};
  const signal = inp.signal ? { signal: inp.signal } : {};

  const trained = await stage("bank: train", () => trainExperts({
    pool, config: bankConfig, start: 0, end: R, testCount: data.test.count, key: (r) => expertKey(bankConfig, r, data.id, inp.coreSha256), cache: inp.caches.experts, ...progress, ...signal,
  }));
  const experts = await Promise.all(trained.map(async (e, r) => {
    const errors = e.testLosses.reduce((s, x) => s + x, 0);
    return { r, params: e.params, testErrors: errors, testAccuracy: 1 - errors / data.test.count, sha256: await sha256Hex(new Uint8Array(e.params.buffer, e.params.byteOffset, e.params.byteLength)) };
  }));

  const mats = await stage("bank: loss matrices", async () => {
    const N = data.test.count;
    const test = { losses: new Uint8Array(R * N), preds: new Uint8Array(R * N), R, N };
    trained.forEach((e, r) => { test.losses.set(e.testLosses, r * N); test.preds.set(e.testPreds, r * N); });
    const params = new Float32Array(R * trained[0]!.params.length);
    trained.forEach((e, r) => params.set(e.params, r * e.params.length));
    const bankSha = await sha256Hex(text(canonicalJson(experts.map((e) => e.sha256))));
    const train = await evaluateSplit({
      pool, spec: bankConfig.spec, params, R, split: "train", N: data.train.count,
      key: (s, e) => sha256Hex(text(canonicalJson({ kind: "eval", bankSha, datasetId: data.id, split: "train", s, e, csha: inp.coreSha256 }))),
      cache: inp.caches.blocks, ...progress, ...signal,
    });
    return { train, test };
  });
  const npy: Record<string, Uint8Array> = {};
  const matrices: Record<string, string> = {};
  for (const split of ["train", "test"] as const) {
    for (const [what, arr] of [["losses", mats[split].losses], ["preds", mats[split].preds]] as const) {
      const name = `${what}-${split}.npy`;
      npy[name] = encodeNpy("u8", [R, mats[split].N], arr);
      matrices[name] = await sha256Hex(npy[name]!);
    }
  }
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

/** The measurements of a reproduction on a bank's loss matrices: the selection sweep over alpha
 *  (Tables I and II, both readings), the routing section and the tighter bounds, with the
 *  protocol of `config` (its M, bootstrap, seed and bounds' M; m = 256, the paper's, unless set).
 *  `only` leaves out the measurements it does not name (a sweep's cells may ask for fewer). */
export async function measureBank<K extends "selection" | "routing" | "bounds" = "selection" | "routing" | "bounds">(
  core: Core,
  mats: Record<"train" | "test", LossMatrices>,
  config: Omit<PipelineConfig, "bank">,
  stage: StageFn = plainStage,
  signal?: AbortSignal,
  only?: readonly K[],
): Promise<Pick<{ selection: SelectionResult; routing: RouteJson; bounds: BoundsResult }, K>> {
  const R = mats.train.R;
  const sig = signal ? { signal } : {};
  const m = config.m !== undefined ? { m: config.m } : {};
  const want = (k: "selection" | "routing" | "bounds") => only === undefined || (only as readonly string[]).includes(k);
  const L = (x: LossMatrices, what: string) => lossMatrix(x.losses, R, x.N, what);
  const out: Partial<{ selection: SelectionResult; routing: RouteJson; bounds: BoundsResult }> = {};
  if (want("selection")) {
    out.selection = await stage("selection and estimators", async () =>
      runSelection(core, L(mats.train, "L_train"), L(mats.test, "L_test"), { M: config.M, bootstrap: config.bootstrap, seed: config.seed, ...m, ...sig }));
  }
  if (want("routing")) out.routing = await stage("routing", async () => reportRouting(core, { R, N: mats.test.N, data: mats.test.losses }));
  if (want("bounds")) {
    out.bounds = await stage("tighter bounds", async () => runBounds(core, L(mats.train, "L_train"), L(mats.test, "L_test"), { M: config.boundsM, seed: config.seed, biasM: config.M, ...m, ...sig }));
  }
  return out as Pick<{ selection: SelectionResult; routing: RouteJson; bounds: BoundsResult }, K>;
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
  const { experts, mats, npy, bank } = await bankStage(inp, config.bank, stage);
  const { selection, routing, bounds } = await measureBank(core, mats, config, stage, inp.signal);
  const sensitivity = inp.sensitivity ? await stage("sensitivity grid", inp.sensitivity) : undefined;
  const companion = inp.companion ? await stage("companion experiments", inp.companion) : undefined;
  const t0 = now();
  const figs = { ...figures(bank, selection, routing), ...(companion ? companionFigures(companion, detMath(core)) : {}) };
  const figureShas: Record<string, string> = {};
  for (const [name, svg] of Object.entries(figs)) figureShas[name] = await sha256Hex(text(svg));
  const dataset = datasetRef(data);
  const results: Results = { format: "moe-bank/report", formatVersion: 1, dataset, bank, selection, bounds, routing, ...(sensitivity ? { sensitivity } : {}), ...(companion ? { companion } : {}), figures: figureShas };
  const sha = await resultsSha256(results);
  timings.report = (now() - t0) / 1000;
  return { results, sha, figures: figs, timings, experts, mats, npy };
}
