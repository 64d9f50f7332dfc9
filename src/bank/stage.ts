// The bank stage, once (browser-safe): train a bank's experts through the expert cache, take
// L_test from the training tasks (each task tests its expert), evaluate L_train (or L_test) in
// cached blocks, and name everything by the same hashes: the experts' parameter hashes, the bank
// hash and the evaluation-block cache key. `moe-bank bank train|eval` (bank/run.ts), `moe-bank
// reproduce` and the page (report/pipeline.ts) and the grid's banks (experiments/grid-banks.ts)
// all run these functions, so a block one of them evaluated is reused by every other.
import type { WorkerPool } from "../parallel/pool.js";
import type { CnnSpec } from "../model/cnn.js";
import { sha256Hex } from "../io/sha256.js";
import { lossMatrix, errorCounts, type LossMatrix } from "../formats/losses.js";
import { canonicalJson, expertKey, type BankConfig, type ExpertConfig } from "./config.js";
import { trainExperts, evaluateSplit, type EvalBlock, type Progress, type ResultCache, type TrainedExpert } from "./bank.js";

export type SplitName = "train" | "test";

/** The caches a bank goes through: trained experts, and evaluated blocks (files in Node, memory in
 *  a browser). */
export interface BankCaches {
  experts: ResultCache<TrainedExpert>;
  blocks: ResultCache<EvalBlock>;
}

/** Runs (and may time and announce) one named step of a run; the default runs it plainly. */
export type StageFn = <T>(name: string, fn: () => Promise<T>) => Promise<T>;
const plainStage: StageFn = (_name, fn) => fn();

/** What a stage reports to and is stopped by. */
export interface StageHooks {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  warn?: (s: string) => void;
}

/** sha-256 of an expert's parameters as little-endian f32 in PyTorch layout (the manifest's
 *  perExpert[r].sha256). */
export function paramsSha256(params: Float32Array): Promise<string> {
  return sha256Hex(new Uint8Array(params.buffer, params.byteOffset, params.byteLength));
}

/** The bank hash (eval.json's bank.sha256OfExperts): sha-256 of the canonical JSON of the
 *  experts' parameter hashes, in index order. */
export function bankSha256(expertShas: readonly string[]): Promise<string> {
  return sha256Hex(canonicalJson(expertShas));
}

/** The cache key of the evaluation block of images [start, end) of `split` by the experts of the
 *  bank `bankSha` (bankSha256) on dataset `datasetId` with the core `coreSha256`: sha-256 of the
 *  canonical JSON {kind: "eval", bankSha, datasetId, split, s, e, csha}. The one definition:
 *  every evaluation of a bank keys its blocks here. */
export function evalBlockKey(k: { bankSha: string; datasetId: string; split: SplitName; start: number; end: number; coreSha256: string }): Promise<string> {
  return sha256Hex(canonicalJson({ kind: "eval", bankSha: k.bankSha, datasetId: k.datasetId, split: k.split, s: k.start, e: k.end, csha: k.coreSha256 }));
}

/** An expert of a trained bank, as its manifest records it (bank/store.ts BankExpert) plus its
 *  parameters' sha-256. */
export interface StageExpert {
  r: number;
  params: Float32Array;
  testErrors: number;
  testAccuracy: number;
  sha256: string;
}

/** L_test [R, N_test] with predictions, from the training tasks' test rows (in index order). */
export function testLossesOf(trained: readonly Pick<TrainedExpert, "testLosses" | "testPreds">[], N: number): Required<LossMatrix> {
  const R = trained.length;
  const losses = new Uint8Array(R * N), preds = new Uint8Array(R * N);
  trained.forEach((e, r) => {
    losses.set(e.testLosses, r * N);
    preds.set(e.testPreds, r * N);
  });
  return lossMatrix(losses, R, N, "L_test", preds) as Required<LossMatrix>;
}

/** Experts [start, end) of a bank, trained through the expert cache (expertKey), with their test
 *  error counts, accuracies and parameter hashes, and L_test from the training tasks. */
export async function trainBank(o: StageHooks & {
  pool: WorkerPool;
  config: ExpertConfig;
  start: number;
  end: number;
  datasetId: string;
  testCount: number;
  coreSha256: string;
  cache: ResultCache<TrainedExpert>;
}): Promise<{ experts: StageExpert[]; test: Required<LossMatrix> }> {
  const trained = await trainExperts({
    pool: o.pool, config: o.config, start: o.start, end: o.end, testCount: o.testCount, cache: o.cache,
    key: (r) => expertKey(o.config, r, o.datasetId, o.coreSha256),
    ...hooks(o),
  });
  const test = testLossesOf(trained, o.testCount);
  const errors = errorCounts(test);
  const experts = await Promise.all(trained.map(async (e, i) => ({
    r: o.start + i, params: e.params, testErrors: errors[i]!, testAccuracy: 1 - errors[i]! / o.testCount, sha256: await paramsSha256(e.params),
  })));
  return { experts, test };
}

/** L_test of a bank from the expert cache alone: every expert's entry must be there and hold the
 *  parameters the manifest records (`experts`: r and sha-256); null otherwise. */
export async function cachedTestLosses(o: {
  cache: ResultCache<TrainedExpert>;
  config: ExpertConfig;
  experts: readonly { r: number; sha256: string }[];
  datasetId: string;
  testCount: number;
  coreSha256: string;
}): Promise<Required<LossMatrix> | null> {
  const rows = await Promise.all(o.experts.map(async (rec) => {
    const hit = await o.cache.get(await expertKey(o.config, rec.r, o.datasetId, o.coreSha256));
    const fits = hit && hit.testLosses.length === o.testCount && hit.testPreds.length === o.testCount && (await paramsSha256(hit.params)) === rec.sha256;
    return fits ? hit : null;
  }));
  return rows.every((x) => x !== null) ? testLossesOf(rows as TrainedExpert[], o.testCount) : null;
}

/** The experts' parameters side by side, [R, size] f32, as the workers evaluate them. */
export function stackParams(params: readonly Float32Array[]): Float32Array {
  const size = params[0]?.length ?? 0;
  const out = new Float32Array(params.length * size);
  params.forEach((p, r) => out.set(p, r * size));
  return out;
}

/** L [R, N] with predictions of the bank `bankSha` (params [R, size]) on images [0, N) of a
 *  split, in blocks kept in `cache` under evalBlockKey. */
export async function evaluateBank(o: StageHooks & {
  pool: WorkerPool;
  spec: CnnSpec;
  params: Float32Array;
  R: number;
  bankSha: string;
  datasetId: string;
  coreSha256: string;
  split: SplitName;
  N: number;
  cache: ResultCache<EvalBlock>;
}): Promise<Required<LossMatrix>> {
  const m = await evaluateSplit({
    pool: o.pool, spec: o.spec, params: o.params, R: o.R, split: o.split, N: o.N, cache: o.cache,
    key: (start, end) => evalBlockKey({ bankSha: o.bankSha, datasetId: o.datasetId, split: o.split, start, end, coreSha256: o.coreSha256 }),
    ...hooks(o),
  });
  return lossMatrix(m.data, m.R, m.N, `L_${o.split}`, m.preds) as Required<LossMatrix>;
}

function hooks(o: StageHooks): StageHooks {
  return { ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.signal ? { signal: o.signal } : {}), ...(o.warn ? { warn: o.warn } : {}) };
}

/** A whole bank through the caches, as a reproduction builds it: experts [0, R) of `config`
 *  trained ("bank: train"), L_test from the training tasks and L_train evaluated in cached blocks
 *  ("bank: loss matrices"), with the bank hash. */
export async function buildBank(o: StageHooks & {
  pool: WorkerPool;
  config: BankConfig;
  data: { id: string; train: { count: number }; test: { count: number } };
  coreSha256: string;
  caches: BankCaches;
  stage?: StageFn;
}): Promise<{ experts: StageExpert[]; bankSha: string; mats: Record<SplitName, Required<LossMatrix>> }> {
  const stage = o.stage ?? plainStage;
  const { pool, config, data } = o;
  const { experts, test } = await stage("bank: train", () => trainBank({
    pool, config, start: 0, end: config.experts, datasetId: data.id, testCount: data.test.count, coreSha256: o.coreSha256, cache: o.caches.experts, ...hooks(o),
  }));
  return stage("bank: loss matrices", async () => {
    const bankSha = await bankSha256(experts.map((e) => e.sha256));
    const train = await evaluateBank({
      pool, spec: config.spec, params: stackParams(experts.map((e) => e.params)), R: config.experts, bankSha, datasetId: data.id, coreSha256: o.coreSha256,
      split: "train", N: data.train.count, cache: o.caches.blocks, ...hooks(o),
    });
    return { experts, bankSha, mats: { train, test } };
  });
}
