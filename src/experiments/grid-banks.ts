// The grid's banks in Node: train (or reuse from the cache) the first R experts with subset size
// n, and build their loss matrices, through the bank code (src/bank/*, worker pool).
//
// Reuse. Expert keys do not depend on R (src/bank/config.ts expertKey), so the experts 0-24 of an
// n = 10k, 50-expert bank are the default bank's experts, read from the cache. L_test rows come
// with each trained expert. L_train is evaluated in groups of 25 experts, each group's blocks
// keyed as every evaluation of a bank of those experts keys them (src/bank/stage.ts
// evalBlockKey, with the group's bank hash), so the default bank's evaluated blocks are reused.
import { resolve } from "node:path";
import { DEFAULT_BANK, validateBankConfig, type BankConfig } from "../bank/config.js";
import type { Progress } from "../bank/bank.js";
import { trainBank, evaluateBank, bankSha256, stackParams, type StageExpert } from "../bank/stage.js";
import { blockCache, expertCache } from "../bank/cache.js";
import { coreSha } from "../bank/run.js";
import { WorkerPool, defaultWorkers } from "../parallel/pool.js";
import { lossMatrix, type LossMatrix } from "../formats/losses.js";
import type { LoadedDataset } from "../data/datasets.js";
import { DEFAULT_SPEC, geometryOf, specFor, type CnnSpec } from "../model/cnn.js";
import type { Core } from "../../bindings/index.js";
import type { BanksInputs } from "../measurements/measurement.js";

/** Experts per evaluation group: the default bank's size, so its cached blocks match. */
export const EVAL_GROUP = 25;

export interface GridBankOptions {
  data: LoadedDataset;
  cache: string;
  workers?: number;
  seed?: number;
  onProgress?: (p: Progress) => void;
  warn?: (s: string) => void;
  signal?: AbortSignal;
  /** The experts' widths (conv1, conv2, hidden, kernel; default: the paper's, DEFAULT_SPEC): the
   *  channels, height, width and classes always come from the data (specFor). */
  spec?: CnnSpec;
}

/** The trained (or cached) first R experts of a bank with subset size n (distinct subsets, the
 *  default bank's config otherwise, with o.spec's widths if given) and their L_test, handed to fn
 *  with the worker pool, which is closed afterwards. */
async function withExperts<T>(n: number, R: number, o: GridBankOptions, fn: (bank: { experts: StageExpert[]; test: LossMatrix }, pool: WorkerPool, config: BankConfig, csha: string, dir: string) => Promise<T>): Promise<T> {
  const { data } = o;
  const config: BankConfig = { ...DEFAULT_BANK, spec: specFor(geometryOf(data.train), o.spec), experts: R, subsetSize: n, seed: o.seed ?? DEFAULT_BANK.seed };
  validateBankConfig(config, data.train.count);
  const csha = await coreSha();
  const dir = resolve(o.cache);
  const pool = await WorkerPool.create({ workers: o.workers ?? (await defaultWorkers()), train: data.train, test: data.test });
  try {
    const bank = await trainBank({
      pool, config, start: 0, end: R, datasetId: data.id, testCount: data.test.count, coreSha256: csha,
      cache: expertCache(dir, o.warn ?? (() => {})),
      ...hooks(o),
    });
    return await fn({ experts: bank.experts, test: lossMatrix(bank.test.data, R, data.test.count, `L_test (n = ${n})`) }, pool, config, csha, dir);
  } finally {
    await pool.close();
  }
}

function hooks(o: GridBankOptions): Pick<GridBankOptions, "warn" | "onProgress" | "signal"> {
  return { ...(o.warn ? { warn: o.warn } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.signal ? { signal: o.signal } : {}) };
}

/** L_test [R, N_test] of the first R experts (trained with each expert, no evaluation pass). */
export function gridBankTestLosses(n: number, R: number, o: GridBankOptions): Promise<LossMatrix> {
  return withExperts(n, R, o, async (bank) => bank.test);
}

/** The loss matrices [R, N] of the first R experts with subset size n. */
export function gridBankLosses(n: number, R: number, o: GridBankOptions): Promise<{ train: LossMatrix; test: LossMatrix }> {
  const { data } = o;
  return withExperts(n, R, o, async ({ experts, test }, pool, config, csha, dir) => {
    const Np = data.train.count;
    const train = new Uint8Array(R * Np);
    const blocks = blockCache(dir, o.warn ?? (() => {}));
    for (let g = 0; g < R; g += EVAL_GROUP) {
      const group = experts.slice(g, Math.min(R, g + EVAL_GROUP));
      const mats = await evaluateBank({
        pool, spec: config.spec, params: stackParams(group.map((e) => e.params)), R: group.length, bankSha: await bankSha256(group.map((e) => e.sha256)),
        datasetId: data.id, coreSha256: csha, split: "train", N: Np, cache: blocks, ...hooks(o),
      });
      train.set(mats.data, g * Np);
    }
    return { train: lossMatrix(train, R, Np, `L_train (n = ${n})`), test };
  });
}

/** The banks of one dataset as a measurement's inputs (grid, scaling): trained through the
 *  expert cache, or read from it. */
export function cachedBanks(core: Core, o: Omit<GridBankOptions, "spec">): BanksInputs {
  return {
    core,
    pair: (n, R) => gridBankLosses(n, R, o),
    testLosses: (n, R, spec) => gridBankTestLosses(n, R, { ...o, ...(spec ? { spec } : {}) }),
    spec: (w) => specFor(geometryOf(o.data.train), w ? { ...DEFAULT_SPEC, ...w } : DEFAULT_SPEC),
  };
}
