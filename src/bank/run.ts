// The bank stages as library calls (Node-only: files, cache, worker threads): what
// `moe-bank bank train|eval` and `moe-bank reproduce` run.
import { resolve } from "node:path";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Core, coreUrl } from "../../bindings/index.js";
import { Cnn, geometryOf } from "../model/cnn.js";
import { validateBankConfig, checkGeometry, datasetLabel, datasetRef, type BankConfig } from "./config.js";
import { bankStatistics, summary, type Progress } from "./bank.js";
export { summary } from "./bank.js";
import { trainBank, cachedTestLosses, evaluateBank, bankSha256, stackParams, type SplitName } from "./stage.js";
import { expertCache, blockCache } from "./cache.js";
import { makeManifest, encodeExperts, writeBank, openBank, BANK_FOLDER_FILE, type BankExpert, type DatasetRef, type Manifest } from "./store.js";
import { writeFolder, checkOutDir } from "../io/files.js";
import { sha256Hex } from "../io/sha256.js";
import { WorkerPool, defaultWorkers } from "../parallel/pool.js";
import { checkWorkers } from "../parallel/workers.js";
import { lossFiles, type LossMatrix } from "../formats/losses.js";
import { MoeBankError, UsageError } from "../errors.js";
import type { LoadedDataset } from "../data/datasets.js";

/** sha-256 of the reference (simd) core: part of every cache key. */
export async function coreSha(): Promise<string> {
  return sha256Hex(new Uint8Array(await readFile(fileURLToPath(coreUrl("simd")))));
}

export { datasetRef } from "./config.js";

export interface StageOptions {
  cache: string;
  workers?: number;
  onProgress?: (p: Progress) => void;
  warn?: (s: string) => void;
}

/** Before any work: the output folder (written whole) and the cache folder can be written. */
export async function checkOutputs(out: string, cache: string): Promise<void> {
  await checkOutDir(out, { whole: BANK_FOLDER_FILE });
  await checkOutDir(cache, { option: "--cache" });
}

async function pool(data: LoadedDataset, workers: number | undefined): Promise<WorkerPool> {
  checkWorkers(workers);
  const n = workers ?? (await defaultWorkers());
  return WorkerPool.create({ workers: n, train: data.train, test: data.test });
}

/** Trains experts [range) of the bank (reusing the cache) and writes the bank folder. */
export async function trainBankDir(opts: StageOptions & { data: LoadedDataset; config: BankConfig; range: { start: number; end: number }; out: string }): Promise<{ manifest: Manifest; experts: BankExpert[] }> {
  const { data, config, range } = opts;
  validateBankConfig(config, data.train.count);
  checkGeometry(config.spec, geometryOf(data.train), opts.out, datasetLabel(data));
  await checkOutputs(opts.out, opts.cache);
  const csha = await coreSha();
  const warn = opts.warn ?? (() => {});
  const p = await pool(data, opts.workers);
  let experts: BankExpert[];
  try {
    ({ experts } = await trainBank({
      pool: p, config, start: range.start, end: range.end, datasetId: data.id, testCount: data.test.count, coreSha256: csha,
      cache: expertCache(resolve(opts.cache), warn), warn,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    }));
  } finally {
    await p.close();
  }
  const manifest = await writeBankFolder(opts.out, { config, dataset: datasetRef(data), coreSha256: csha, range, experts });
  return { manifest, experts };
}

/** Writes a bank folder whole (bank/store.ts writeBank): experts.safetensors and manifest.json
 *  of experts [range) of the bank, trained with the reference (simd) core `coreSha256`, plus
 *  `extra` files (the loss matrices, when the bank comes with them). */
export async function writeBankFolder(out: string, b: { config: BankConfig; dataset: DatasetRef; coreSha256: string; range: { start: number; end: number }; experts: BankExpert[]; extra?: Record<string, Uint8Array> }): Promise<Manifest> {
  const net = new Cnn(await Core.load(), b.config.spec);
  const file = encodeExperts(b.experts, net.layout);
  net.free();
  const manifest = await makeManifest(b.config, b.dataset, { build: "simd", sha256: b.coreSha256 }, b.range, b.experts, file);
  await writeBank(out, manifest, file, b.extra);
  return manifest;
}

export interface EvalReport {
  bank: { sha256OfExperts: string; config: BankConfig; dataset: DatasetRef };
  files: Record<string, string>;
  testAccuracy: number[];
  trainAccuracy: number[];
  testAccuracyStats: ReturnType<typeof summary>;
  trainAccuracyStats: ReturnType<typeof summary>;
  disagreement: { pairs: number; min: number; median: number; max: number; mean: number; matrix: number[][] };
  oracleTestError: number;
}

/** Builds L_train and L_test of a bank folder (reusing cached blocks and each expert's test
 *  rows from training) and writes the .npy files and eval.json to `out`. */
export async function evaluateBankDir(opts: StageOptions & { bank: string; out: string; dataset: (m: Manifest) => Promise<LoadedDataset> }): Promise<{ report: EvalReport; mats: Record<SplitName, Required<LossMatrix>> }> {
  await checkOutputs(opts.out, opts.cache);
  const core = await Core.load();
  const { manifest, experts } = await openBank(core, opts.bank); // the manifest's spec is its dataset's geometry (validateManifest)
  if (manifest.experts.start !== 0 || manifest.experts.end !== manifest.config.experts) {
    throw new MoeBankError(`${opts.bank}: a shard (experts ${manifest.experts.start}-${manifest.experts.end - 1} of ${manifest.config.experts}); merge the shards first (moe-bank bank merge)`);
  }
  const data = await opts.dataset(manifest);
  checkGeometry(manifest.config.spec, geometryOf(data.train), opts.bank, datasetLabel(data));
  if (data.id !== manifest.dataset.id) throw new MoeBankError(`${opts.bank}: the bank was trained on dataset ${manifest.dataset.id.slice(0, 16)}…, not on ${data.id.slice(0, 16)}… given here`);
  const R = experts.length;
  const bankSha = await bankSha256(manifest.perExpert.map((e) => e.sha256));
  const csha = await coreSha();
  const warn = opts.warn ?? (() => {});
  const mats: Partial<Record<SplitName, Required<LossMatrix>>> = {};
  // L_test rows are a by-product of training: reused from the expert cache when every entry is there
  const test = await cachedTestLosses({ cache: expertCache(resolve(opts.cache), warn), config: manifest.config, experts: manifest.perExpert, datasetId: data.id, testCount: data.test.count, coreSha256: csha });
  if (test) mats.test = test;
  if (!mats.train || !mats.test) {
    const p = await pool(data, opts.workers);
    try {
      const cache = blockCache(resolve(opts.cache), warn);
      const params = stackParams(experts.map((e) => e.params));
      for (const split of ["train", "test"] as const) {
        if (mats[split]) continue;
        mats[split] = await evaluateBank({
          pool: p, spec: manifest.config.spec, params, R, bankSha, datasetId: data.id, coreSha256: csha, split, N: data[split].count, cache, warn,
          ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        });
      }
    } finally {
      await p.close();
    }
  }
  const done = mats as Record<SplitName, Required<LossMatrix>>;
  const written: Record<string, Uint8Array | string> = lossFiles(done);
  const files: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(written)) files[name] = await sha256Hex(bytes as Uint8Array);
  const st = bankStatistics(done);
  const report: EvalReport = {
    bank: { sha256OfExperts: bankSha, config: manifest.config, dataset: manifest.dataset },
    files,
    testAccuracy: st.testAccuracy, trainAccuracy: st.trainAccuracy,
    testAccuracyStats: summary(st.testAccuracy), trainAccuracyStats: summary(st.trainAccuracy),
    disagreement: st.disagreement,
    oracleTestError: st.oracleTestError,
  };
  written["eval.json"] = JSON.stringify(report, null, 2) + "\n";
  // the folder whole, keeping what else it holds (the bank itself when out is the bank folder)
  await writeFolder(opts.out, written, { keep: true });
  return { report, mats: done };
}
