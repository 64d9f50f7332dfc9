// Reproduce's sections on one bank, once (browser-safe): the bank stage with its report section
// (accuracies, disagreement, oracle error, matrix hashes) and the registry's select, route and
// bounds entries at the report's options. `moe-bank reproduce` and the page
// (src/report/pipeline.ts) and every cell of a sweep (src/sweep/) run these functions, so a
// sweep's cell of bank seed s and Monte Carlo seed 0 is exactly reproduce's run of that bank.
import type { Core } from "../../bindings/index.js";
import type { WorkerPool } from "../parallel/pool.js";
import { checkGeometry, datasetLabel, validateBankConfig, type BankConfig } from "../bank/config.js";
import { geometryOf } from "../model/cnn.js";
import { bankStatistics, type Progress } from "../bank/bank.js";
import { buildBank, type BankCaches, type StageExpert, type StageFn } from "../bank/stage.js";
import type { HashedSplit } from "../data/idx.js";
import { sha256Hex } from "../io/sha256.js";
import { lossFiles, type LossMatrix } from "../formats/losses.js";
import type { RouteJson } from "../routing/json.js";
import type { ExpertRecord } from "../bank/store.js";
import type { SelectionResult } from "../estimators/sweep.js";
import type { BoundsResult } from "../estimators/tighter.js";
import type { Hooks, PairInputs, TestInputs } from "./measurement.js";
import { select } from "./select/index.js";
import { bounds } from "./bounds/index.js";
import { route } from "./route/index.js";

/** A dataset in memory: both splits with their files' sha-256, and the dataset id. */
export interface PipelineDataset {
  name: string;
  id: string;
  train: HashedSplit;
  test: HashedSplit;
}

/** The protocol of the report's measurements: M runs and bootstrap resamples of the selection,
 *  the seed of every Monte Carlo stream, the tighter bounds' runs, and the sample size m of the
 *  selection and the bounds (absent: the entries' default, 256, the paper's). */
export interface Protocol {
  M: number;
  bootstrap: number;
  seed: number;
  /** Monte Carlo runs of the tighter bounds (individual-sample MI, CMI, PAC-Bayes-kl, test set; docs/DESIGN.md section 7.2) */
  boundsM: number;
  m?: number;
}

/** The report's bank section. */
export interface BankResults {
  config: BankConfig;
  experts: ExpertRecord[];
  testAccuracy: number[];
  trainAccuracy: number[];
  disagreement: { pairs: number; min: number; median: number; max: number; mean: number };
  oracleTestError: number;
  /** sha-256 of each loss/prediction matrix (.npy bytes) */
  matrices: Record<string, string>;
}

/** The rates (nats) at which the report gives D(rho) of eq. 27. */
export const REPORT_RHOS: readonly number[] = [0.05, 0.1, 0.2];

const TEST_NAME = "losses-test.npy", TRAIN_NAME = "losses-train.npy";

/**
 * The report's routing section (Section V-A) from the bank's test losses: ONE problem on the
 * paper's rows, the first min(2000, N) test images, and every number of the section (the sweep,
 * its ends, D(rho) at REPORT_RHOS, the figure) comes from it.
 */
export function reportRouting(core: Core, test: LossMatrix): Promise<RouteJson> {
  return route.run({ core, test, names: { test: TEST_NAME } }, { ...route.defaults.full, rho: [...REPORT_RHOS] });
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
  inp: {
    pool: WorkerPool;
    data: PipelineDataset;
    /** sha-256 of the reference core's bytes: part of every cache key */
    coreSha256: string;
    caches: BankCaches;
    onProgress?: (p: Progress) => void;
    signal?: AbortSignal;
  },
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

/** The report's measured sections, by the name of the results' key. */
export interface ReportSections {
  selection: SelectionResult;
  routing: RouteJson;
  bounds: BoundsResult;
}
export type ReportSection = keyof ReportSections;

/** The registry entries of the report's measurements, in the order a reproduction runs them:
 *  each with the section of the results it fills, the stage it is timed as, and its options at a
 *  protocol (its full defaults with the protocol's M, bootstrap, seed and m; route: the report's
 *  rates; bounds: the selection's M is its bias M). */
export const REPORT_MEASUREMENTS = [
  { entry: select, section: "selection", stage: "selection and estimators", options: (p: Protocol) => ({ ...select.defaults.full, M: p.M, bootstrap: p.bootstrap, seed: p.seed, ...(p.m !== undefined ? { m: p.m } : {}) }) },
  { entry: route, section: "routing", stage: "routing", options: (_p: Protocol) => ({ ...route.defaults.full, rho: [...REPORT_RHOS] }) },
  { entry: bounds, section: "bounds", stage: "tighter bounds", options: (p: Protocol) => ({ ...bounds.defaults.full, M: p.boundsM, seed: p.seed, biasM: p.M, ...(p.m !== undefined ? { m: p.m } : {}) }) },
] as const;

/** The registry names of the report's measurements (what a sweep's cell may run). */
export const REPORT_MEASUREMENT_NAMES: readonly string[] = REPORT_MEASUREMENTS.map((x) => x.entry.name);

/**
 * The report's measurements on a bank's loss matrices, through the registry: each of
 * REPORT_MEASUREMENTS whose registry name is in `only` (default: all) validated and run at its
 * options for `protocol`, timed by `stage`. Returns the sections by their results' key.
 */
export async function measureBank(core: Core, mats: Record<"train" | "test", LossMatrix>, protocol: Protocol, o: { stage?: StageFn; hooks?: Hooks; only?: readonly string[] } = {}): Promise<Partial<ReportSections>> {
  const pair: PairInputs = { core, train: mats.train, test: mats.test, names: { train: TRAIN_NAME, test: TEST_NAME } };
  const test: TestInputs = { core, test: mats.test, names: { test: TEST_NAME } };
  const stage: StageFn = o.stage ?? ((_name, fn) => fn());
  const out: Partial<ReportSections> = {};
  for (const x of REPORT_MEASUREMENTS) {
    if (o.only !== undefined && !o.only.includes(x.entry.name)) continue;
    const options = x.options(protocol);
    const inputs = x.entry.inputs === "test" ? test : pair;
    // each entry's Inputs and Options are its own; the table above pairs them
    const entry = x.entry as unknown as { validate(o: unknown, i?: unknown): void; run(i: unknown, o: unknown, h?: Hooks): Promise<unknown> };
    entry.validate(options, inputs);
    (out as Record<string, unknown>)[x.section] = await stage(x.stage, () => entry.run(inputs, options, o.hooks ?? {}));
  }
  return out;
}
