// The grid's banks in Node: train (or reuse from the cache) the first R experts with subset size
// n, and build their loss matrices, through the bank code (src/bank/*, worker pool).
//
// Reuse. Expert keys do not depend on R (src/bank/config.ts expertKey), so the experts 0-24 of an
// n = 10k, 50-expert bank are the default bank's experts, read from the cache. L_test rows come
// with each trained expert. L_train is evaluated in groups of 25 experts, each group's blocks
// keyed exactly as `moe-bank bank eval` keys a bank of those experts (src/bank/run.ts:
// {kind: "eval", bankSha, datasetId, split, s, e, csha}, bankSha = sha-256 of the canonical JSON
// of the experts' parameter hashes), so the default bank's evaluated blocks are reused as well.
import { resolve } from "node:path";
import { canonicalJson, DEFAULT_BANK, expertKey, validateBankConfig, type BankConfig } from "../bank/config.js";
import { evaluateSplit, trainExperts, type Progress, type TrainedExpert } from "../bank/bank.js";
import { blockCache, expertCache } from "../bank/cache.js";
import { sha256 } from "../bank/files.js";
import { coreSha } from "../bank/run.js";
import { paramsSha } from "../bank/store.js";
import { WorkerPool, defaultWorkers } from "../parallel/pool.js";
import { lossMatrix, type LossMatrix } from "../estimators/draws.js";
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
 *  default bank's config otherwise, with o.spec's widths if given), handed to fn with the
 *  worker pool, which is closed afterwards. */
async function withExperts<T>(n: number, R: number, o: GridBankOptions, fn: (trained: TrainedExpert[], pool: WorkerPool, config: BankConfig, csha: string, dir: string) => Promise<T>): Promise<T> {
  const { data } = o;
  const config: BankConfig = { ...DEFAULT_BANK, spec: specFor(geometryOf(data.train), o.spec), experts: R, subsetSize: n, seed: o.seed ?? DEFAULT_BANK.seed };
  validateBankConfig(config, data.train.count);
  const csha = await coreSha();
  const dir = resolve(o.cache);
  const pool = await WorkerPool.create({ workers: o.workers ?? (await defaultWorkers()), train: data.train, test: data.test });
  try {
    const trained = await trainExperts({
      pool, config, start: 0, end: R, testCount: data.test.count,
      key: (r) => expertKey(config, r, data.id, csha),
      cache: expertCache(dir, o.warn ?? (() => {})),
      ...(o.warn ? { warn: o.warn } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return await fn(trained, pool, config, csha, dir);
  } finally {
    await pool.close();
  }
}

/** The experts' test losses (computed with each trained expert) as L_test [R, Nt]. */
function testLosses(trained: TrainedExpert[], Nt: number, n: number): LossMatrix {
  const R = trained.length;
  const test = new Uint8Array(R * Nt);
  trained.forEach((e, r) => test.set(e.testLosses, r * Nt));
  return lossMatrix(test, R, Nt, `L_test (n = ${n})`);
}

/** L_test [R, N_test] of the first R experts (trained with each expert, no evaluation pass). */
export function gridBankTestLosses(n: number, R: number, o: GridBankOptions): Promise<LossMatrix> {
  return withExperts(n, R, o, async (trained) => testLosses(trained, o.data.test.count, n));
}

/** The loss matrices [R, N] of the first R experts with subset size n. */
export function gridBankLosses(n: number, R: number, o: GridBankOptions): Promise<{ train: LossMatrix; test: LossMatrix }> {
  const { data } = o;
  return withExperts(n, R, o, async (trained, pool, config, csha, dir) => {
    const Np = data.train.count;
    const train = new Uint8Array(R * Np);
    const size = trained[0]!.params.length;
    const blocks = blockCache(dir, o.warn ?? (() => {}));
    for (let g = 0; g < R; g += EVAL_GROUP) {
      const end = Math.min(R, g + EVAL_GROUP), k = end - g;
      const params = new Float32Array(k * size);
      for (let r = g; r < end; r++) params.set(trained[r]!.params, (r - g) * size);
      const bankSha = sha256(new TextEncoder().encode(canonicalJson(trained.slice(g, end).map((e) => paramsSha(e.params)))));
      const mats = await evaluateSplit({
        pool, spec: config.spec, params, R: k, split: "train", N: Np,
        key: async (s, e) => sha256(new TextEncoder().encode(canonicalJson({ kind: "eval", bankSha, datasetId: data.id, split: "train", s, e, csha }))),
        cache: blocks,
        ...(o.warn ? { warn: o.warn } : {}),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      train.set(mats.losses, g * Np);
    }
    return { train: lossMatrix(train, R, Np, `L_train (n = ${n})`), test: testLosses(trained, data.test.count, n) };
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
