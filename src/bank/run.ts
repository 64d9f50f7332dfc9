// The bank stages as library calls (Node-only: files, cache, worker threads): what
// `moe-bank bank train|eval` and `moe-bank reproduce` run.
import { join, resolve } from "node:path";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Core, coreUrl } from "../../bindings/index.js";
import { Cnn, geometryOf } from "../model/cnn.js";
import { validateBankConfig, expertKey, canonicalJson, checkGeometry, datasetLabel, datasetRef, type BankConfig } from "./config.js";
import { trainExperts, evaluateSplit, bankStatistics, summary, type LossMatrices, type Progress } from "./bank.js";
export { summary } from "./bank.js";
import { expertCache, blockCache } from "./cache.js";
import { makeManifest, encodeExperts, writeBank, openBank, paramsSha, type BankExpert, type DatasetRef, type Manifest } from "./store.js";
import { sha256, writeFolder, checkOutDir, BANK_FOLDER_FILE } from "./files.js";
import { WorkerPool, defaultWorkers } from "../parallel/pool.js";
import { checkWorkers } from "../parallel/workers.js";
import { encodeNpy } from "../formats/npy.js";
import { MoeBankError, UsageError } from "../errors.js";
import type { LoadedDataset } from "../data/datasets.js";

/** sha-256 of the reference (simd) core: part of every cache key. */
export async function coreSha(): Promise<string> {
  return sha256(new Uint8Array(await readFile(fileURLToPath(coreUrl("simd")))));
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
  let trained;
  try {
    trained = await trainExperts({
      pool: p, config, start: range.start, end: range.end, testCount: data.test.count,
      key: (r) => expertKey(config, r, data.id, csha),
      cache: expertCache(resolve(opts.cache), warn), warn,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
  } finally {
    await p.close();
  }
  const experts: BankExpert[] = trained.map((e, i) => {
    const errors = e.testLosses.reduce((s, x) => s + x, 0);
    return { r: range.start + i, params: e.params, testErrors: errors, testAccuracy: 1 - errors / data.test.count };
  });
  const net = new Cnn(await Core.load(), config.spec);
  const file = encodeExperts(experts, net.layout);
  net.free();
  const manifest = makeManifest(config, datasetRef(data), { build: "simd", sha256: csha }, range, experts, file);
  await writeBank(opts.out, manifest, file);
  return { manifest, experts };
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
export async function evaluateBankDir(opts: StageOptions & { bank: string; out: string; dataset: (m: Manifest) => Promise<LoadedDataset> }): Promise<{ report: EvalReport; mats: Record<"train" | "test", LossMatrices> }> {
  await checkOutputs(opts.out, opts.cache);
  const core = await Core.load();
  const { manifest, experts, size } = await openBank(core, opts.bank); // the manifest's spec is its dataset's geometry (validateManifest)
  if (manifest.experts.start !== 0 || manifest.experts.end !== manifest.config.experts) {
    throw new MoeBankError(`${opts.bank}: a shard (experts ${manifest.experts.start}-${manifest.experts.end - 1} of ${manifest.config.experts}); merge the shards first (moe-bank bank merge)`);
  }
  const data = await opts.dataset(manifest);
  checkGeometry(manifest.config.spec, geometryOf(data.train), opts.bank, datasetLabel(data));
  if (data.id !== manifest.dataset.id) throw new MoeBankError(`${opts.bank}: the bank was trained on dataset ${manifest.dataset.id.slice(0, 16)}…, not on ${data.id.slice(0, 16)}… given here`);
  const R = experts.length;
  const params = new Float32Array(R * size);
  experts.forEach((e, i) => params.set(e.params, i * size));
  const bankSha = sha256(new TextEncoder().encode(canonicalJson(manifest.perExpert.map((e) => e.sha256))));
  const csha = await coreSha();
  const warn = opts.warn ?? (() => {});
  const mats = {} as Record<"train" | "test", LossMatrices>;
  // L_test rows are a by-product of training (each task tests its expert): reuse them from
  // the expert cache when every entry is there and matches the manifest's parameter hash.
  const xcache = expertCache(resolve(opts.cache), warn);
  const rows = await Promise.all(manifest.perExpert.map(async (rec) => {
    const hit = await xcache.get(await expertKey(manifest.config, rec.r, data.id, csha));
    return hit && paramsSha(hit.params) === rec.sha256 && hit.testLosses.length === data.test.count ? hit : null;
  }));
  if (rows.every((x) => x !== null)) {
    const N = data.test.count;
    const losses = new Uint8Array(R * N), preds = new Uint8Array(R * N);
    rows.forEach((x, r) => { losses.set(x!.testLosses, r * N); preds.set(x!.testPreds, r * N); });
    mats.test = { losses, preds, R, N };
  }
  if (!mats.train || !mats.test) {
    const p = await pool(data, opts.workers);
    try {
      const cache = blockCache(resolve(opts.cache), warn);
      for (const split of ["train", "test"] as const) {
        if (mats[split]) continue;
        const N = split === "train" ? data.train.count : data.test.count;
        mats[split] = await evaluateSplit({
          pool: p, spec: manifest.config.spec, params, R, split, N, warn,
          key: async (s, e) => sha256(new TextEncoder().encode(canonicalJson({ kind: "eval", bankSha, datasetId: data.id, split, s, e, csha }))),
          cache, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        });
      }
    } finally {
      await p.close();
    }
  }
  const files: Record<string, string> = {};
  const written: Record<string, Uint8Array | string> = {};
  for (const split of ["train", "test"] as const) {
    const m = mats[split];
    for (const [what, arr] of [["losses", m.losses], ["preds", m.preds]] as const) {
      const bytes = encodeNpy("u8", [m.R, m.N], arr);
      const name = `${what}-${split}.npy`;
      written[name] = bytes;
      files[name] = sha256(bytes);
    }
  }
  const st = bankStatistics(mats);
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
  return { report, mats };
}
