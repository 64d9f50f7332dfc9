// Training one expert and evaluating experts, inside one core instance (browser-safe). Every
// random draw comes from a stream named (seed, purpose, r): the subset (Purpose.subset), the
// init (Purpose.init) and the minibatch order (Purpose.shuffle, one permutation per epoch).
import type { Core } from "../../bindings/index.js";
import { Stream, Purpose } from "../prng.js";
import { Cnn, CoreDataset } from "../model/cnn.js";
import type { ExpertConfig } from "./config.js";

/** The training images of expert r: n distinct of the pool (partial Fisher-Yates), or n draws
 *  with replacement, from the stream (seed, subset, r). */
export function expertSubset(core: Core, c: ExpertConfig, r: number, poolSize: number): Int32Array {
  const s = new Stream(core, c.seed, Purpose.subset, r);
  try {
    return c.subset === "distinct" ? s.sample(c.subsetSize, poolSize) : s.bootstrap(c.subsetSize, poolSize);
  } finally {
    s.free();
  }
}

export interface TrainProgress {
  images: number;
  total: number;
}

/** Trains expert r: PyTorch-default init, then `epochs` passes of Adam over its subset in
 *  minibatches of `batch` (the last one smaller, as a DataLoader without drop_last), each epoch
 *  in the order of a fresh permutation. Returns the parameters (PyTorch layout, flat). */
export function trainExpert(core: Core, train: CoreDataset, c: ExpertConfig, r: number, onProgress?: (p: TrainProgress) => void, signal?: AbortSignal): Float32Array {
  const subset = expertSubset(core, c, r, train.count);
  const net = new Cnn(core, c.spec);
  const shuffle = new Stream(core, c.seed, Purpose.shuffle, r);
  try {
    net.init(c.seed, r);
    const n = subset.length, total = n * c.epochs;
    const idx = new Int32Array(c.batch);
    let done = 0;
    for (let e = 0; e < c.epochs; e++) {
      const perm = shuffle.permutation(n);
      for (let start = 0; start < n; start += c.batch) {
        signal?.throwIfAborted();
        const B = Math.min(c.batch, n - start);
        for (let b = 0; b < B; b++) idx[b] = subset[perm[start + b]!]!;
        net.trainStep(train, B === c.batch ? idx : idx.subarray(0, B), c.adam);
        done += B;
        if (onProgress && (start / c.batch) % 16 === 0) onProgress({ images: done, total });
      }
    }
    onProgress?.({ images: total, total });
    return net.params.toArray();
  } finally {
    shuffle.free();
    net.free();
  }
}

/** 0-1 losses and predicted labels of R experts on images [start, end) of a split, the batch
 *  loaded once for all experts (cnn_forward_experts). params: [R, size] f32, experts in order. */
export function evaluateBlock(core: Core, data: CoreDataset, net: Cnn, params: Float32Array, R: number, start: number, end: number, batch = 250): { losses: Uint8Array; preds: Uint8Array } {
  const len = end - start;
  if (params.length !== R * net.size) throw new RangeError(`evaluateBlock: ${params.length} parameters for ${R} experts of ${net.size}`);
  net.checkData(data);
  return core.scoped((alloc) => {
    const p = alloc("f32", params.length).set(params);
    const losses = alloc("u8", R * len), preds = alloc("u8", R * len);
    for (let s = start; s < end; s += batch) {
      const B = Math.min(batch, end - s);
      const { ws, idx } = net.workspace(B);
      const v = idx.view;
      for (let b = 0; b < B; b++) v[b] = s + b;
      core.exports.cnn_forward_experts(net.specPtr, p.ptr, R, data.images.ptr, data.labels.ptr, idx.ptr, B, ws, losses.ptr + (s - start), preds.ptr + (s - start), len);
    }
    return { losses: losses.toArray(), preds: preds.toArray() };
  });
}
