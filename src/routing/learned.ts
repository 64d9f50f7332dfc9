// The learned gate p_theta(t|x) (paper Section V, eq. 26 trained instead of solved): the expert
// CNN's architecture with an R-way softmax head, trained in the core with the project's kernels
// (cnn_forward_train, gate_loss_forward_backward, cnn_backward_from_dz, adam_step) on
//   J(theta) = (1/B) sum_b sum_t p_bt L[t, x_b] + lambda * I_batch(X;T),
// I_batch the plug-in information of the batch's gate rows (eq. 24 over the batch). Trained on
// test images that the BA curve does not use (by default 2,000-9,999), never on training images
// (the experts were trained on those, and a gate would learn which expert saw which image), and
// evaluated on the BA rows (by default the first 2,000 test images) with eq. 24 over all of them.
import type { Core } from "../../bindings/index.js";
import { Cnn, CoreDataset, DEFAULT_ADAM, type CnnSpec } from "../model/cnn.js";
import { stream } from "../prng.js";
import type { LossMatrix } from "../formats/losses.js";
import { paperRoutingN } from "./curve.js";

export interface LearnedGateOptions {
  lambda: number;
  /** rows of the loss matrix (= test images) to train on: [trainFrom, trainTo) (default: from
   *  evalN to the last row) */
  trainFrom?: number;
  trainTo?: number;
  /** the BA rows to evaluate on: [0, evalN) (default paperRoutingN(N), the rows of the report's
   *  routing curve and of `route`) */
  evalN?: number;
  epochs?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  /** the run's index: its initialisation is stream (seed, "init", 1_000_000 + index), far from the
   *  experts' indices, and its minibatch order (seed, "gate", index) */
  index?: number;
  /** Called with the gate's logits f32 [evalN, R] on the evaluation rows (e.g. to save them for
   *  `gate measure --logits`); never changes the result. */
  onEvalLogits?: (logits: Float32Array) => void;
}

export interface LearnedGatePoint {
  lambda: number;
  /** eq. 24 over the evaluation rows (plug-in over all of them) and the expected 0-1 loss */
  rate: number;
  distortion: number;
  /** the same on the training rows */
  trainRate: number;
  trainDistortion: number;
  /** the last epoch's mean batch objective */
  objective: number;
  steps: number;
}

/** Gate rate and distortion over images idx (rows of L), in batches of B, with the core kernel. */
function evaluate(core: Core, net: Cnn, data: CoreDataset, L: LossMatrix, from: number, to: number, B: number, onLogits?: (z: Float32Array) => void): { rate: number; distortion: number } {
  const n = to - from, R = L.R;
  return core.scoped((alloc) => {
    const logits = alloc("f32", n * R);
    const { ws, idx } = net.workspace(B);
    for (let s = from; s < to; s += B) {
      const b = Math.min(B, to - s);
      for (let k = 0; k < b; k++) idx.view[k] = s + k;
      core.exports.cnn_forward(net.specPtr, net.params.ptr, data.images.ptr, 0, idx.ptr, b, ws, logits.ptr + (s - from) * R * 4, 0, 0);
    }
    onLogits?.(logits.toArray());
    const lt = alloc("f32", n * R);
    const lv = lt.view;
    for (let i = 0; i < n; i++) for (let t = 0; t < R; t++) lv[i * R + t] = L.data[t * L.N + from + i]!;
    const gws = alloc("f64", (n + 2) * R);
    const out = alloc("f64", 2);
    core.exports.gate_loss_forward_backward(logits.ptr, lt.ptr, n, R, 0, 0, gws.ptr, out.ptr);
    const o = out.toArray();
    return { rate: Math.max(0, o[0]!), distortion: o[1]! };
  });
}

/**
 * Trains one learned gate at lambda on the test images [trainFrom, trainTo) with their expert
 * losses L (u8 [R, N] over the test split, N = the test images) and evaluates it on [0, evalN).
 */
export function trainLearnedGate(core: Core, images: Uint8Array, imageSpec: Pick<CnnSpec, "channels" | "height" | "width">, L: LossMatrix, options: LearnedGateOptions): LearnedGatePoint {
  const { lambda } = options;
  const evalN = options.evalN ?? paperRoutingN(L.N), trainFrom = options.trainFrom ?? evalN, trainTo = options.trainTo ?? L.N;
  const epochs = options.epochs ?? 3, B = options.batch ?? 64, seed = options.seed ?? 0, index = options.index ?? 0;
  const adam = { ...DEFAULT_ADAM, lr: options.lr ?? DEFAULT_ADAM.lr };
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`lambda must be finite and >= 0, got ${lambda}`);
  if (!(0 <= trainFrom && trainFrom < trainTo && trainTo <= L.N) || !(evalN >= 1 && evalN <= trainFrom)) throw new RangeError(`rows: train [${trainFrom}, ${trainTo}) and eval [0, ${evalN}) must be disjoint and within [0, ${L.N})`);
  const per = imageSpec.channels * imageSpec.height * imageSpec.width;
  if (images.length !== L.N * per) throw new RangeError(`images: ${images.length} bytes for ${L.N} images of ${per}`);
  const R = L.R;
  const net = new Cnn(core, { channels: imageSpec.channels, height: imageSpec.height, width: imageSpec.width, conv1: 16, conv2: 32, hidden: 64, classes: R, kernel: 3 });
  const data = new CoreDataset(core, images, new Uint8Array(L.N), L.N);
  const order = stream(core, seed, "gate", index);
  try {
    net.init(seed, 1_000_000 + index);
    const e = core.exports;
    const n = trainTo - trainFrom;
    let step = 0, objective = 0;
    core.scoped((alloc) => {
      const z = alloc("f32", B * R), dz = alloc("f32", B * R), lt = alloc("f32", B * R);
      const gws = alloc("f64", (B + 2) * R), out = alloc("f64", 2);
      for (let ep = 0; ep < epochs; ep++) {
        const perm = order.permutation(n);
        let sum = 0, batches = 0;
        for (let s = 0; s + B <= n; s += B) {
          const { ws, idx } = net.workspace(B);
          const iv = idx.view, lv = lt.view;
          for (let k = 0; k < B; k++) {
            const row = trainFrom + perm[s + k]!;
            iv[k] = row;
            for (let t = 0; t < R; t++) lv[k * R + t] = L.data[t * L.N + row]!;
          }
          e.cnn_forward_train(net.specPtr, net.params.ptr, data.images.ptr, 0, idx.ptr, B, ws, z.ptr);
          sum += e.gate_loss_forward_backward(z.ptr, lt.ptr, B, R, lambda, dz.ptr, gws.ptr, out.ptr);
          batches++;
          e.cnn_backward_from_dz(net.specPtr, net.params.ptr, net.grads.ptr, B, ws, dz.ptr);
          step++;
          e.adam_step(net.params.ptr, net.grads.ptr, net.m.ptr, net.v.ptr, net.size, step, adam.lr, adam.beta1, adam.beta2, adam.eps);
        }
        objective = sum / batches;
      }
    });
    const ev = evaluate(core, net, data, L, 0, evalN, 250, options.onEvalLogits);
    const tr = evaluate(core, net, data, L, trainFrom, trainTo, 250);
    return { lambda, rate: ev.rate, distortion: ev.distortion, trainRate: tr.rate, trainDistortion: tr.distortion, objective, steps: step };
  } finally {
    order.free();
    data.free();
    net.free();
  }
}
