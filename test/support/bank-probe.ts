// The bank probe: train a small bank on a worker pool and build its loss matrices, then report
// sha-256 digests of every expert's parameters and of the [R, N] loss and prediction matrices.
// Browser-safe (only src/bank/bank.ts, src/bank/config.ts, src/parallel/pool.ts, src/io/sha256.ts and
// src/data/idx.ts): test/bank.test.ts runs it in Node (worker_threads) and, through
// test/pages/bank.html, in Chromium (module Web Workers), and the digests must match.
import { trainExperts, evaluateSplit, MemoryCache, type TrainedExpert } from "../../src/bank/bank.js";
import { DEFAULT_BANK, expertKey, type BankConfig } from "../../src/bank/config.js";
import { WorkerPool } from "../../src/parallel/pool.js";
import { readIdxBytes, makeDataset, type Split } from "../../src/data/idx.js";
import { sha256Hex } from "../../src/io/sha256.js";

/** The bank both sides build: the CLI's `bank train --count 3 --subset-size 400` (seed 0). */
export const BANK_PROBE = {
  /** where test/bank.test.ts writes the IDX files, as a URL path of the static server */
  dataPath: "/dist/test-data/bank",
  files: ["train-images", "train-labels", "test-images", "test-labels"] as const,
  experts: 3,
  subsetSize: 400,
  workers: 2,
};

export interface BankProbeResult {
  /** sha-256 of each expert's parameters (little-endian f32, PyTorch layout) */
  experts: string[];
  /** sha-256 of the [R, N] u8 matrices, C order */
  lossesTrain: string;
  predsTrain: string;
  lossesTest: string;
  predsTest: string;
  /** sha-256 of the test losses computed beside training (one row per expert, concatenated) */
  trainTaskTestLosses: string;
  testErrors: number[];
  workers: number;
}


function hex(a: Uint8Array | Float32Array): Promise<string> {
  return sha256Hex(new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice());
}

function concat<T extends Uint8Array | Float32Array>(parts: T[], make: (n: number) => T): T {
  const out = make(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p as never, at);
    at += p.length;
  }
  return out;
}

/** Trains the probe bank on the dataset given as the four raw IDX files' bytes and evaluates
 *  it on both splits. */
export async function bankProbe(bytes: Record<(typeof BANK_PROBE.files)[number], Uint8Array>, workers = BANK_PROBE.workers): Promise<BankProbeResult> {
  const split = async (name: "train" | "test"): Promise<Split> => {
    const images = await readIdxBytes(bytes[`${name}-images`], `${name}-images`, "images");
    const labels = await readIdxBytes(bytes[`${name}-labels`], `${name}-labels`, "labels");
    return makeDataset(images, labels, { images: `${name}-images`, labels: `${name}-labels` });
  };
  const train = await split("train"), test = await split("test");
  const config: BankConfig = { ...DEFAULT_BANK, experts: BANK_PROBE.experts, subsetSize: BANK_PROBE.subsetSize };
  const R = config.experts;
  const pool = await WorkerPool.create({ workers, train, test });
  try {
    const trained = await trainExperts({
      pool, config, start: 0, end: R, testCount: test.count,
      key: (r) => expertKey(config, r, "bank-probe", "bank-probe"),
      cache: new MemoryCache<TrainedExpert>(),
    });
    const size = trained[0]!.params.length;
    const params = concat(trained.map((e) => e.params), (n) => new Float32Array(n));
    if (params.length !== R * size) throw new Error("experts of different sizes");
    const cache = new MemoryCache<{ losses: Uint8Array; preds: Uint8Array }>();
    const evaluate = (s: "train" | "test", N: number) => evaluateSplit({
      pool, spec: config.spec, params, R, split: s, N,
      key: async (a, b) => `${s}:${a}-${b}`,
      cache,
    });
    const mTrain = await evaluate("train", train.count);
    const mTest = await evaluate("test", test.count);
    return {
      experts: await Promise.all(trained.map((e) => hex(e.params))),
      lossesTrain: await hex(mTrain.data),
      predsTrain: await hex(mTrain.preds),
      lossesTest: await hex(mTest.data),
      predsTest: await hex(mTest.preds),
      trainTaskTestLosses: await hex(concat(trained.map((e) => e.testLosses), (n) => new Uint8Array(n))),
      testErrors: trained.map((e) => e.testLosses.reduce((s, x) => s + x, 0)),
      workers: pool.size,
    };
  } finally {
    await pool.close();
  }
}
