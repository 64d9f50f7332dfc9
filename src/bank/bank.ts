// Training a bank and building its loss matrices on a worker pool (browser-safe). Experts are
// trained one task each, evaluation runs in fixed blocks of images; results are placed by
// expert index and block position, so the bytes never depend on the worker count or order.
import type { WorkerPool } from "../parallel/pool.js";
import type { ExpertConfig } from "./config.js";
import { paramCount, type CnnSpec } from "../model/cnn.js";
import { errorCounts, type LossMatrix } from "../formats/losses.js";

export interface TrainedExpert {
  params: Float32Array;
  testLosses: Uint8Array;
  testPreds: Uint8Array;
}

/** Where finished work is kept between runs (files in Node, memory in a browser). */
export interface ResultCache<T> {
  get(key: string): Promise<T | null>;
  put(key: string, value: T): Promise<void>;
}

/** A ResultCache in memory (a browser tab, a test): a second run reuses every finished entry. */
export class MemoryCache<T> implements ResultCache<T> {
  readonly #map = new Map<string, T>();
  async get(key: string): Promise<T | null> {
    return this.#map.get(key) ?? null;
  }
  async put(key: string, value: T): Promise<void> {
    this.#map.set(key, value);
  }
}

export interface Progress {
  stage: string;
  done: number;
  total: number;
  images: number;
  imagesTotal: number;
}

/** Why a cached expert cannot be one of these experts on this dataset (its parameters are not
 *  the spec's count, or its test rows not the test split's), or null when it fits. */
function expertMisfit(e: TrainedExpert, spec: CnnSpec, testCount: number): string | null {
  const P = paramCount(spec);
  if (e.params.length !== P) return `${e.params.length} parameters, the spec's experts have ${P}`;
  if (e.testLosses.length !== testCount || e.testPreds.length !== testCount) return `${e.testLosses.length} test losses and ${e.testPreds.length} predictions, the test split has ${testCount} images`;
  return null;
}

/** Trains experts [start, end), reusing cached ones; returns them in index order. A cached
 *  entry that does not fit the spec and the test split (expertMisfit) is reported through
 *  `warn` and recomputed, never used. */
export async function trainExperts(opts: {
  pool: WorkerPool;
  config: ExpertConfig;
  start: number;
  end: number;
  /** the test split's image count: every expert carries one test loss per image */
  testCount: number;
  key: (r: number) => Promise<string>;
  cache: ResultCache<TrainedExpert>;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  warn?: (s: string) => void;
}): Promise<TrainedExpert[]> {
  const { pool, config, start, end, cache } = opts;
  const count = end - start;
  const perExpert = config.subsetSize * config.epochs;
  const out: TrainedExpert[] = new Array(count);
  const seen = new Array<number>(count).fill(0);
  let done = 0;
  const report = () => opts.onProgress?.({ stage: "train", done, total: count, images: seen.reduce((a, b) => a + b, 0), imagesTotal: count * perExpert });
  await Promise.all(Array.from({ length: count }, async (_, i) => {
    const r = start + i;
    const key = await opts.key(r);
    let hit = await cache.get(key);
    const misfit = hit && expertMisfit(hit, config.spec, opts.testCount);
    if (misfit) {
      opts.warn?.(`cached expert ${r} (entry ${key.slice(0, 16)}…) holds ${misfit}; recomputing it`);
      hit = null;
    }
    if (hit) {
      out[i] = hit;
      seen[i] = perExpert;
      done++;
      report();
      return;
    }
    opts.signal?.throwIfAborted();
    const res = await pool.run({ kind: "train", config, r }, (images) => { seen[i] = images; report(); });
    if (res.kind !== "train") throw new Error("unexpected result");
    const e = { params: res.params, testLosses: res.testLosses, testPreds: res.testPreds };
    const bad = expertMisfit(e, config.spec, opts.testCount);
    if (bad) throw new Error(`expert ${r} came back with ${bad}`);
    await cache.put(key, e);
    out[i] = e;
    seen[i] = perExpert;
    done++;
    report();
  }));
  return out;
}

/** A cached evaluation block: [R, len] u8 losses and predicted labels of images [s, e) of a split
 *  (the cache entry's tensors are named "losses" and "preds"). */
export interface EvalBlock {
  losses: Uint8Array;
  preds: Uint8Array;
}

/** L[R, N] and predictions of every expert on images [0, N) of a split, in blocks of
 *  `block` images (the unit of work and of caching). params: [R, size] f32. */
export async function evaluateSplit(opts: {
  pool: WorkerPool;
  spec: CnnSpec;
  params: Float32Array;
  R: number;
  split: "train" | "test";
  N: number;
  block?: number;
  key: (start: number, end: number) => Promise<string>;
  cache: ResultCache<EvalBlock>;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  warn?: (s: string) => void;
}): Promise<Required<LossMatrix>> {
  const { R, N } = opts;
  const block = opts.block ?? 2000;
  const losses = new Uint8Array(R * N), preds = new Uint8Array(R * N);
  const starts: number[] = [];
  for (let s = 0; s < N; s += block) starts.push(s);
  let done = 0, images = 0;
  await Promise.all(starts.map(async (s) => {
    const e = Math.min(N, s + block), len = e - s;
    const key = await opts.key(s, e);
    let res = await opts.cache.get(key);
    if (res && (res.losses.length !== R * len || res.preds.length !== R * len)) {
      opts.warn?.(`cached block ${opts.split} ${s}-${e - 1} (entry ${key.slice(0, 16)}…) holds ${res.losses.length} losses, ${R} experts x ${len} images need ${R * len}; recomputing it`);
      res = null;
    }
    if (!res) {
      opts.signal?.throwIfAborted();
      const r = await opts.pool.run({ kind: "eval", split: opts.split, spec: opts.spec, params: opts.params, R, start: s, end: e });
      if (r.kind !== "eval") throw new Error("unexpected result");
      res = { losses: r.losses, preds: r.preds };
      await opts.cache.put(key, res);
    }
    for (let r = 0; r < R; r++) {
      losses.set(res.losses.subarray(r * len, (r + 1) * len), r * N + s);
      preds.set(res.preds.subarray(r * len, (r + 1) * len), r * N + s);
    }
    done++;
    images += len * R;
    opts.onProgress?.({ stage: `eval ${opts.split}`, done, total: starts.length, images, imagesTotal: N * R });
  }));
  return { R, N, data: losses, preds };
}

/** Per-expert accuracy (1 - mean 0-1 loss) of an [R, N] loss matrix. */
export function accuracies(m: LossMatrix): number[] {
  return Array.from(errorCounts(m), (e) => 1 - e / m.N);
}

/** Pairwise disagreement: the share of images on which experts r and s predict different
 *  labels, for r < s (row-major upper triangle). */
export function disagreements(m: Required<LossMatrix>): number[][] {
  const D = Array.from({ length: m.R }, () => new Array<number>(m.R).fill(0));
  for (let r = 0; r < m.R; r++) for (let s = r + 1; s < m.R; s++) {
    let d = 0;
    for (let i = 0; i < m.N; i++) if (m.preds[r * m.N + i] !== m.preds[s * m.N + i]) d++;
    D[r]![s] = D[s]![r] = d / m.N;
  }
  return D;
}

/** min, median, max and mean of a list (the mean summed in ascending order: one definition for
 *  every report of a bank, so their bytes agree). */
export function summary(values: number[]): { min: number; median: number; max: number; mean: number } {
  const v = [...values].sort((x, y) => x - y);
  const mid = v.length >> 1;
  return { min: v[0]!, max: v[v.length - 1]!, median: v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2, mean: v.reduce((a, b) => a + b, 0) / v.length };
}

/** The statistics every report of a bank gives: per-expert accuracies on both splits, the
 *  pairwise test disagreement (summary and matrix) and the oracle test error (the share of test
 *  images on which every expert is wrong). */
export function bankStatistics(mats: Record<"train" | "test", Required<LossMatrix>>): {
  testAccuracy: number[];
  trainAccuracy: number[];
  disagreement: { pairs: number; min: number; median: number; max: number; mean: number; matrix: number[][] };
  oracleTestError: number;
} {
  const { R, N } = mats.test;
  const D = disagreements(mats.test);
  const pairs: number[] = [];
  for (let r = 0; r < R; r++) for (let s = r + 1; s < R; s++) pairs.push(D[r]![s]!);
  let oracle = 0;
  for (let i = 0; i < N; i++) {
    let all = 1;
    for (let r = 0; r < R; r++) all &= mats.test.data[r * N + i]!;
    oracle += all;
  }
  return {
    testAccuracy: accuracies(mats.test),
    trainAccuracy: accuracies(mats.train),
    disagreement: { pairs: pairs.length, ...(pairs.length ? summary(pairs) : { min: 0, median: 0, max: 0, mean: 0 }), matrix: D },
    oracleTestError: oracle / N,
  };
}
