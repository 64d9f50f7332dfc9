// The expert CNN of the paper (Section III-A; docs/DESIGN.md section 4), every width a parameter:
//   conv k x k (C -> c1, pad) -> ReLU -> maxpool 2 -> conv k x k (c1 -> c2, pad) -> ReLU ->
//   maxpool 2 -> flatten (c, h, w) -> dense flat -> hidden -> ReLU -> dense hidden -> classes
// with softmax cross-entropy. Inputs are u8 images [N, H, W, C] (IDX order; C = 1 for MNIST)
// scaled by 1/255; labels u8 [N]; a batch is a list of B image indices (i32).
//
// spec (i32 [9]): C, H, W, c1, c2, hidden, classes, k, pad.
// One flat parameter buffer (and the same layout for gradients and Adam's m and v), tensors in
// PyTorch's order and layouts, packed without gaps (so a tensor is a contiguous slice):
//   0 conv1.weight [c1, C, k, k]   1 conv1.bias [c1]   2 conv2.weight [c2, c1, k, k]
//   3 conv2.bias [c2]   4 fc1.weight [hidden, c2*H4*W4]   5 fc1.bias [hidden]
//   6 fc2.weight [classes, hidden]   7 fc2.bias [classes]
// The workspace for a batch size is planned once (cnn_workspace_bytes) and passed to every call.
import { conv2d_forward, conv2d_backward, conv_indirect_pack_bytes, conv2d_backward_indirect_dw_dx, conv_wgrad_pack_bytes, conv_indirect_pack, conv_indirect_packed, conv_weight_pack, pad_copy, im2col, conv_transposed_pack, conv_transposed_packed, conv_wgrad_indirect_acc, conv_dwT_unpack, WG_ROWS } from "./conv2d";
import { conv_relu_pool2_direct, conv_wgrad_direct, conv_wgrad_direct_acc, conv_wgrad_unpack } from "./conv_direct";
import { maxpool2_forward, maxpool2_backward, flatten_forward, flatten_backward, maxpool2_flatten, maxpool2_flatten_relu, maxpool2_relu_backward, maxpool2_relu_backward_db } from "./maxpool";
import { relu_forward, relu_backward } from "./relu";
import { dense_forward, dense_backward } from "./dense";
import { softmax_xent_forward_backward, argmax_rows, argmax_row } from "./softmax_xent";
import { adam_step } from "./adam";
import { rng_uniform_f32 } from "../prng/philox";

export const N_TENSORS: i32 = 8;

// Dimensions of the current spec (read by `dims`); module globals, no allocation.
let C = 0, H = 0, W = 0, c1 = 0, c2 = 0, hidden = 0, classes = 0, K = 0, pad = 0;
let H2 = 0, W2 = 0, H4 = 0, W4 = 0, flat = 0;
const off = new StaticArray<i32>(8);
const len = new StaticArray<i32>(8);
let nParams = 0;

function dims(spec: usize): void {
  C = load<i32>(spec); H = load<i32>(spec, 4); W = load<i32>(spec, 8);
  c1 = load<i32>(spec, 12); c2 = load<i32>(spec, 16); hidden = load<i32>(spec, 20);
  classes = load<i32>(spec, 24); K = load<i32>(spec, 28); pad = load<i32>(spec, 32);
  assert(C > 0 && c1 > 0 && c2 > 0 && hidden > 0 && classes > 1 && K > 0 && pad >= 0, "cnn: bad spec");
  assert(2 * pad == K - 1, "cnn: only 'same' convolutions (pad = (k - 1) / 2)");
  H2 = H >> 1; W2 = W >> 1; H4 = H2 >> 1; W4 = W2 >> 1;
  assert(H4 > 0 && W4 > 0, "cnn: image too small for two 2x2 pools");
  flat = c2 * H4 * W4;
  unchecked(len[0] = c1 * C * K * K); unchecked(len[1] = c1);
  unchecked(len[2] = c2 * c1 * K * K); unchecked(len[3] = c2);
  unchecked(len[4] = hidden * flat); unchecked(len[5] = hidden);
  unchecked(len[6] = classes * hidden); unchecked(len[7] = classes);
  let o = 0;
  for (let t = 0; t < N_TENSORS; t++) { unchecked(off[t] = o); o += unchecked(len[t]); }
  nParams = o;
}

/** Writes the layout table (i32 [16]: 8 offsets, then 8 lengths, in floats) and returns the
 *  total parameter count. */
export function cnn_layout(spec: usize, out: usize): i32 {
  dims(spec);
  for (let t = 0; t < N_TENSORS; t++) {
    store<i32>(out + (<usize>t << 2), unchecked(off[t]));
    store<i32>(out + (<usize>(t + 8) << 2), unchecked(len[t]));
  }
  return nParams;
}

// Workspace plan (in floats; u8 buffers rounded up), for batch B. Order matters only for
// addresses; every region is written before it is read.
let wx = 0, wcol1 = 0, wa1 = 0, wp1 = 0, warg1 = 0, wcol2 = 0, wa2 = 0, wp2 = 0, warg2 = 0;
let wf = 0, wh = 0, wz = 0, wlab = 0, wdz = 0, wdh = 0, wdf = 0, wdp2 = 0, wda2 = 0, wdcol2 = 0;
let wdp1 = 0, wda1 = 0, wdwT = 0, wwp1 = 0, wwp2 = 0, wp1pad = 0, wbpack = 0, wdypad = 0, wwflip = 0, wwp2b = 0, wbpack2 = 0, wwgpack = 0, wxpad = 0, wdwT1 = 0, wEnd = 0;

let cursor = 0;
function take(n: i32): i32 {
  const a = cursor;
  cursor += (n + 3) & ~3;
  return a;
}

function plan(B: i32): void {
  cursor = 0;
  const P1 = B * H * W, P2 = B * H2 * W2;
  wx = take(P1 * C); wcol1 = take(P1 * C * K * K); wa1 = take(P1 * c1);
  wp1 = take(P2 * c1); warg1 = take((P2 * c1 + 3) >> 2);
  wcol2 = take(P2 * c1 * K * K); wa2 = take(P2 * c2);
  wp2 = take(B * flat); warg2 = take((B * flat + 3) >> 2);
  wf = take(B * flat); wh = take(B * hidden); wz = take(B * classes); wlab = take(B);
  wdz = take(B * classes); wdh = take(B * hidden); wdf = take(B * flat); wdp2 = take(B * flat);
  wda2 = take(P2 * c2); wdcol2 = take(P2 * c1 * K * K); wdp1 = take(P2 * c1); wda1 = take(P1 * c1);
  wdwT = take(max(C * K * K * c1, c1 * K * K * c2));
  wwp1 = take(C * K * K * c1); wwp2 = take(c1 * K * K * c2);
  wp1pad = take(B * (H2 + 2 * pad) * (W2 + 2 * pad) * c1 + 4); wbpack = take(conv_indirect_pack_bytes(c1, c2, K, K) >> 2);
  wdypad = take(B * (H2 + 2 * pad) * (W2 + 2 * pad) * c2 + 4); wwflip = take(c1 * c2 * K * K); wwp2b = take(c1 * c2 * K * K);
  wbpack2 = take(conv_indirect_pack_bytes(c2, c1, K, K) >> 2); wwgpack = take(conv_wgrad_pack_bytes(c1, c2, K, K) >> 2);
  wxpad = take(B * (H + 2 * pad) * (W + 2 * pad) * C); wdwT1 = take(C * K * K * c1);
  wEnd = cursor;
}

/** Bytes of workspace a batch of B needs (plan it once, reuse it for every call). */
export function cnn_workspace_bytes(spec: usize, B: i32): usize {
  dims(spec);
  plan(B);
  return <usize>wEnd << 2;
}

// @ts-ignore: decorator
@inline function at(ws: usize, o: i32): usize { return ws + (<usize>o << 2); }
/** Address of tensor t (layout index) inside a parameter-layout buffer. */
// @ts-ignore: decorator
@inline function tp(base: usize, t: i32): usize { return base + (<usize>unchecked(off[t]) << 2); }

function fanIn(t: i32): i32 {
  if (t < 2) return C * K * K;
  if (t < 4) return c1 * K * K;
  if (t < 6) return flat;
  return hidden;
}

/** Uniform init, PyTorch's default for Conv2d/Linear: kaiming_uniform(a = sqrt 5) for weights and
 *  U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for biases, both of which are U(-b, b), b = 1/sqrt(fan_in):
 *  gain sqrt(2/(1+a^2)) = sqrt(1/3), bound = sqrt(3) * gain / sqrt(fan_in). Each value is
 *  (2u - 1) * b with u the stream's next f32 uniform, tensors in layout order. */
export function cnn_init(spec: usize, params: usize, rng: usize): void {
  dims(spec);
  for (let t = 0; t < N_TENSORS; t++) {
    const b: f32 = <f32>1 / Mathf.sqrt(<f32>fanIn(t));
    const base = params + (<usize>unchecked(off[t]) << 2);
    for (let i = 0; i < unchecked(len[t]); i++) {
      store<f32>(base + (<usize>i << 2), (<f32>2 * rng_uniform_f32(rng) - <f32>1) * b);
    }
  }
}

// u8 -> f32 pixel scaling, x = u / 255 correctly rounded: a table of the 256 quotients.
const SCALE = new StaticArray<f32>(256);
let scaleReady = false;

// x[b] = images[idx[b]] / 255 (f32), labels[b] = labelsU8[idx[b]] (i32).
function gather(images: usize, labelsU8: usize, idx: usize, B: i32, ws: usize): void {
  if (!scaleReady) {
    for (let u = 0; u < 256; u++) unchecked(SCALE[u] = <f32>u / <f32>255);
    scaleReady = true;
  }
  const n = H * W * C;
  const x = at(ws, wx), lab = at(ws, wlab);
  for (let b = 0; b < B; b++) {
    const i = load<i32>(idx + (<usize>b << 2));
    const src = images + <usize>i * <usize>n;
    const dst = x + (<usize>(b * n) << 2);
    for (let j = 0; j < n; j++) store<f32>(dst + (<usize>j << 2), unchecked(SCALE[load<u8>(src + <usize>j)]));
    if (labelsU8 != 0) store<i32>(lab + (<usize>b << 2), <i32>load<u8>(labelsU8 + <usize>i));
  }
}

// The dense layers, from the flattened features wf to the logits wz.
function forward_dense(params: usize, B: i32, ws: usize): void {
  dense_forward(at(ws, wf), B, flat, tp(params, 4), tp(params, 5), hidden, at(ws, wh));
  relu_forward(at(ws, wh), B * hidden);
  dense_forward(at(ws, wh), B, hidden, tp(params, 6), tp(params, 7), classes, at(ws, wz));
}

// Whether conv2's training backward runs without im2col/col2im: its window rows (K*c1 floats)
// must split into whole 8-wide panels (true for the paper's 3 x 16 = 48).
// @ts-ignore: decorator
@inline function indirect2(): bool { return (K * c1) % 8 == 0; }

// Images per chunk of the fused conv stages: each chunk's padded input, pool1 output, conv2 output
// and features (about 51 KB an image for MNIST) stay in L2 between the stages.
const CHUNK_BYTES = 256 << 10;
function chunkImages(): i32 {
  const perImage = 4 * ((H + 2 * pad) * (W + 2 * pad) * C + (H2 + 2 * pad) * (W2 + 2 * pad) * c1 + H2 * W2 * c2 + flat);
  return max(1, CHUNK_BYTES / perImage);
}

// The fused forward from the gathered x to the features wf, chunk by chunk of images:
//   pad x -> conv1 + bias + ReLU + pool (direct, into conv2's zero-bordered input wp1pad)
//   -> conv2 + bias + ReLU (indirect GEMM, output stage in registers) -> pool + flatten -> wf.
// Every value has the bits of the unfused layers (conv2d_forward, relu_forward,
// maxpool2_forward(_padded), conv2d_forward_indirect, flatten_forward): each fusion keeps every
// chain and only skips stores and reloads. keep: write the pool argmaxes (warg1, warg2) and keep
// wp1pad and wa2 for the backward.
// padded: wxpad already holds the padded x (cnn_forward_experts pads once for all experts).
function forward_fused(params: usize, B: i32, ws: usize, keep: bool, padded: bool = false): void {
  const Hp = H + 2 * pad, Wp = W + 2 * pad, Hq = H2 + 2 * pad, Wq = W2 + 2 * pad;
  conv_weight_pack(tp(params, 0), C, c1, K, K, at(ws, wwp1));
  conv_indirect_pack(tp(params, 2), c1, c2, K, K, at(ws, wwp2), at(ws, wbpack));
  if (!padded) pad_copy(at(ws, wx), B, H, W, C, pad, at(ws, wxpad));
  const ch = chunkImages();
  for (let b0 = 0; b0 < B; b0 += ch) {
    const n = min(ch, B - b0);
    // conv2's output is read only by the pool of its own chunk, and without keep so is the
    // padded pool1 output: one chunk-sized region each, reused, so they stay in L2
    const p1 = keep ? at(ws, wp1pad) + (<usize>(b0 * Hq * Wq * c1) << 2) : at(ws, wp1pad);
    const a2 = at(ws, wa2);
    const arg1 = keep ? at(ws, warg1) + <usize>(b0 * H2 * W2 * c1) : 0;
    const arg2 = keep ? at(ws, warg2) + <usize>(b0 * H4 * W4 * c2) : 0;
    conv_relu_pool2_direct(at(ws, wxpad) + (<usize>(b0 * Hp * Wp * C) << 2), n, H, W, C, at(ws, wwp1), tp(params, 1), c1, K, K, p1, pad, arg1);
    conv_indirect_packed(p1, n, H2, W2, c1, at(ws, wbpack), tp(params, 3), c2, K, K, pad, a2, true);
    maxpool2_flatten_relu(a2, n, H2, W2, c2, at(ws, wf) + (<usize>(b0 * flat) << 2), arg2);
  }
}

// The training forward, from the gathered x to the logits wz (what the backward needs kept).
// Without indirect2 the unfused im2col path (its backward needs the unpadded pool1 output).
function forward(params: usize, B: i32, ws: usize): void {
  if (indirect2()) {
    forward_fused(params, B, ws, true);
  } else {
    conv2d_forward(at(ws, wx), B, H, W, C, tp(params, 0), tp(params, 1), c1, K, K, pad, at(ws, wcol1), at(ws, wwp1), at(ws, wa1));
    relu_forward(at(ws, wa1), B * H * W * c1);
    maxpool2_forward(at(ws, wa1), B, H, W, c1, at(ws, wp1), at(ws, warg1));
    conv2d_forward(at(ws, wp1), B, H2, W2, c1, tp(params, 2), tp(params, 3), c2, K, K, pad, at(ws, wcol2), at(ws, wwp2), at(ws, wa2));
    relu_forward(at(ws, wa2), B * H2 * W2 * c2);
    maxpool2_forward(at(ws, wa2), B, H2, W2, c2, at(ws, wp2), at(ws, warg2));
    flatten_forward(at(ws, wp2), B, H4, W4, c2, at(ws, wf));
  }
  forward_dense(params, B, ws);
}

// The evaluation forward: the same values as `forward` (bit for bit), nothing kept.
function forward_eval(params: usize, B: i32, ws: usize, padded: bool = false): void {
  forward_fused(params, B, ws, false, padded);
  forward_dense(params, B, ws);
}

/** Evaluation of a batch in one call: for the images idx[0..B), writes (each optional, 0 = skip)
 *  logits [B, classes] f32, preds [B] i32 (first argmax) and losses [B] u8 (0-1, needs labels). */
export function cnn_forward(
  spec: usize, params: usize, images: usize, labelsU8: usize, idx: usize, B: i32, ws: usize,
  logits: usize, preds: usize, losses: usize,
): void {
  dims(spec);
  plan(B);
  gather(images, labelsU8, idx, B, ws);
  forward_eval(params, B, ws);
  if (logits != 0) memory.copy(logits, at(ws, wz), <usize>(B * classes) << 2);
  if (preds != 0 || losses != 0) argmax_rows(at(ws, wz), B, classes, preds, at(ws, wlab), labelsU8 != 0 ? losses : 0);
}

/** Forward and backward of the mean softmax cross-entropy over the batch: writes every
 *  parameter's gradient into grads (same layout as params) and returns the loss. */
export function cnn_loss_grad(
  spec: usize, params: usize, grads: usize, images: usize, labelsU8: usize, idx: usize, B: i32, ws: usize,
): f32 {
  dims(spec);
  plan(B);
  gather(images, labelsU8, idx, B, ws);
  forward(params, B, ws);
  const loss = softmax_xent_forward_backward(at(ws, wz), at(ws, wlab), B, classes, at(ws, wdz));
  backward(params, grads, B, ws);
  return loss;
}

/** The training forward alone (the activations stay in ws for cnn_backward_from_dz): for the
 *  images idx[0..B) writes the logits [B, classes] f32 (labels may be 0: none are read). */
export function cnn_forward_train(
  spec: usize, params: usize, images: usize, labelsU8: usize, idx: usize, B: i32, ws: usize, logits: usize,
): void {
  dims(spec);
  plan(B);
  gather(images, labelsU8, idx, B, ws);
  forward(params, B, ws);
  if (logits != 0) memory.copy(logits, at(ws, wz), <usize>(B * classes) << 2);
}

/** The backward pass from a given dz = dLoss/dlogits [B, classes] f32, after cnn_forward_train on
 *  the same spec, params, B and ws: writes every parameter's gradient into grads. Any loss on the
 *  logits (e.g. eq. 26 of a learned gate, gate_loss_forward_backward) trains the network. */
export function cnn_backward_from_dz(spec: usize, params: usize, grads: usize, B: i32, ws: usize, dz: usize): void {
  dims(spec);
  plan(B);
  memory.copy(at(ws, wdz), dz, <usize>(B * classes) << 2);
  backward(params, grads, B, ws);
}

// The backward pass from dz = at(ws, wdz), shared by cnn_loss_grad and cnn_backward_from_dz.
function backward(params: usize, grads: usize, B: i32, ws: usize): void {
  dense_backward(at(ws, wdz), at(ws, wh), B, hidden, tp(params, 6), classes, tp(grads, 6), tp(grads, 7), at(ws, wdh));
  relu_backward(at(ws, wh), at(ws, wdh), B * hidden);
  dense_backward(at(ws, wdh), at(ws, wf), B, flat, tp(params, 4), hidden, tp(grads, 4), tp(grads, 5), at(ws, wdf));
  if (indirect2() && c2 >= WG_ROWS && c1 % 8 == 0) {
    backward_convs(params, grads, B, ws);
    return;
  }
  if (indirect2()) {
    // unflatten + pool backward + ReLU mask in one pass (the mask from the pooled values in wf),
    // with conv2's bias gradient (bias_grad's bits)
    memory.fill(tp(grads, 3), 0, <usize>c2 << 2);
    maxpool2_relu_backward_db(at(ws, wdf), at(ws, wf), 0, true, at(ws, warg2), B, H2, W2, c2, at(ws, wda2), 0, tp(grads, 3));
    conv2d_backward_indirect_dw_dx(at(ws, wda2), at(ws, wp1pad), B, H2, W2, c1, tp(params, 2), c2, K, K, pad, tp(grads, 2),
      at(ws, wdwT), at(ws, wwgpack), at(ws, wdypad), at(ws, wwflip), at(ws, wwp2b), at(ws, wbpack2), at(ws, wdp1));
    if (c1 % 8 == 0) {
      // conv1's bias gradient in the pool backward, its weight gradient read in place from the
      // padded input (no im2col): the same bits
      memory.fill(tp(grads, 1), 0, <usize>c1 << 2);
      maxpool2_relu_backward_db(at(ws, wdp1), at(ws, wp1pad), pad, false, at(ws, warg1), B, H, W, c1, at(ws, wda1), 0, tp(grads, 1));
      conv_wgrad_direct(at(ws, wxpad), B, H, W, C, K, K, at(ws, wda1), c1, at(ws, wdwT), tp(grads, 0));
      return;
    }
    maxpool2_relu_backward(at(ws, wdp1), at(ws, wp1pad), pad, false, at(ws, warg1), B, H, W, c1, at(ws, wda1));
    // the fused forward made no col buffer: conv1's weight gradient by GEMM needs it
    im2col(at(ws, wx), B, H, W, C, K, K, pad, at(ws, wcol1));
  } else {
    flatten_backward(at(ws, wdf), B, H4, W4, c2, at(ws, wdp2));
    maxpool2_backward(at(ws, wdp2), at(ws, warg2), B, H2, W2, c2, at(ws, wda2));
    relu_backward(at(ws, wa2), at(ws, wda2), B * H2 * W2 * c2);
    conv2d_backward(at(ws, wda2), B, H2, W2, c1, at(ws, wwp2), c2, K, K, pad, at(ws, wcol2), tp(grads, 2), tp(grads, 3), at(ws, wdwT), at(ws, wdcol2), at(ws, wdp1));
    maxpool2_backward(at(ws, wdp1), at(ws, warg1), B, H, W, c1, at(ws, wda1));
    relu_backward(at(ws, wa1), at(ws, wda1), B * H * W * c1);
  }
  conv2d_backward(at(ws, wda1), B, H, W, C, at(ws, wwp1), c1, K, K, pad, at(ws, wcol1), tp(grads, 0), tp(grads, 1), at(ws, wdwT), 0, 0);
}

// Images per chunk of the convolutions' backward: a chunk's gradients (conv2's padded output
// gradient, conv1's pooled and full-size ones) and the activations it reads (about 130 KB an
// image for MNIST) stay in L2 from the pool backward to conv1's weight gradient.
const BWD_CHUNK_BYTES = 512 << 10;
function chunkImagesBwd(): i32 {
  const Hq = H2 + 2 * pad, Wq = W2 + 2 * pad;
  const perImage = 4 * (Hq * Wq * c2 + H2 * W2 * c1 + H * W * c1 + Hq * Wq * c1 + (H + 2 * pad) * (W + 2 * pad) * C + 2 * flat);
  return max(1, BWD_CHUNK_BYTES / perImage);
}

// The convolutions' backward from df = at(ws, wdf), chunk by chunk of images: per chunk, the
// pool + ReLU backward of conv2 (with conv2's bias terms) straight into the interior of conv2's
// zero-bordered output gradient dypad; conv2's weight-gradient chains; conv2's input gradient
// (the transposed convolution over dypad); the pool + ReLU backward of conv1 (with conv1's bias
// terms); conv1's weight-gradient chains. Every chain (weights, biases) runs over the images in
// order, continued from chunk to chunk, and every input gradient is per image: the bits of the
// whole-batch passes (maxpool2_relu_backward_db, conv2d_backward_indirect_dw_dx,
// conv_wgrad_direct), with one chunk's gradients in L2 instead of the batch's in memory.
// Requires c2 >= WG_ROWS, c1 % 8 == 0 and indirect2().
function backward_convs(params: usize, grads: usize, B: i32, ws: usize): void {
  const Hq = H2 + 2 * pad, Wq = W2 + 2 * pad, Hp = H + 2 * pad, Wp = W + 2 * pad;
  const dwT2 = at(ws, wdwT), dwT1 = at(ws, wdwT1), db2 = tp(grads, 3), db1 = tp(grads, 1);
  memory.fill(dwT2, 0, <usize>(c2 * c1 * K * K) << 2);
  memory.fill(dwT1, 0, <usize>(C * K * K * c1) << 2);
  memory.fill(db2, 0, <usize>c2 << 2);
  memory.fill(db1, 0, <usize>c1 << 2);
  conv_transposed_pack(tp(params, 2), c1, c2, K, K, at(ws, wwflip), at(ws, wwp2b), at(ws, wbpack2));
  const ch = min(B, chunkImagesBwd());
  const dyp = at(ws, wdypad), dp1 = at(ws, wdp1), da1 = at(ws, wda1);
  // dypad's border stays zero: each chunk writes only its interior
  memory.fill(dyp, 0, <usize>(ch * Hq * Wq * c2) << 2);
  for (let b0 = 0; b0 < B; b0 += ch) {
    const n = min(ch, B - b0);
    const p1 = at(ws, wp1pad) + (<usize>(b0 * Hq * Wq * c1) << 2);
    maxpool2_relu_backward_db(at(ws, wdf) + (<usize>(b0 * flat) << 2), at(ws, wf) + (<usize>(b0 * flat) << 2), 0, true,
      at(ws, warg2) + <usize>(b0 * H4 * W4 * c2), n, H2, W2, c2, dyp, pad, db2);
    conv_wgrad_indirect_acc(dyp, pad, p1, n, H2, W2, c1, c2, K, K, pad, dwT2);
    conv_transposed_packed(dyp, n, H2, W2, c1, c2, K, K, pad, at(ws, wbpack2), dp1);
    maxpool2_relu_backward_db(dp1, p1, pad, false, at(ws, warg1) + <usize>(b0 * H2 * W2 * c1), n, H, W, c1, da1, 0, db1);
    conv_wgrad_direct_acc(at(ws, wxpad) + (<usize>(b0 * Hp * Wp * C) << 2), n, H, W, C, K, K, da1, c1, dwT1);
  }
  conv_dwT_unpack(dwT2, c1, c2, K, K, tp(grads, 2));
  conv_wgrad_unpack(dwT1, C, c1, K, K, tp(grads, 0));
}

/** One training step in one call: cnn_loss_grad, then Adam (step number t >= 1) on every
 *  parameter. Returns the loss of the forward that computed the gradients. */
export function cnn_train_step(
  spec: usize, params: usize, grads: usize, m: usize, v: usize, t: i32, lr: f64, b1: f64, b2: f64, eps: f64,
  images: usize, labelsU8: usize, idx: usize, B: i32, ws: usize,
): f32 {
  const loss = cnn_loss_grad(spec, params, grads, images, labelsU8, idx, B, ws);
  adam_step(params, grads, m, v, nParams, t, lr, b1, b2, eps);
  return loss;
}

/** Evaluation of many experts on one batch, the images gathered once: params holds R parameter
 *  vectors of cnn_layout's size, one after another ([R, size] f32). For expert r and batch item
 *  b, writes losses[r*ld + b] (u8 0-1, first-argmax prediction != label) and preds[r*ld + b]
 *  (u8 class, or skipped when preds == 0). One call per batch: no per-expert round trip. */
export function cnn_forward_experts(
  spec: usize, params: usize, R: i32, images: usize, labelsU8: usize, idx: usize, B: i32, ws: usize,
  losses: usize, preds: usize, ld: i32,
): void {
  dims(spec);
  plan(B);
  gather(images, labelsU8, idx, B, ws);
  const z = at(ws, wz), lab = at(ws, wlab);
  pad_copy(at(ws, wx), B, H, W, C, pad, at(ws, wxpad));
  for (let r = 0; r < R; r++) {
    forward_eval(params + (<usize>r * <usize>nParams << 2), B, ws, true);
    for (let b = 0; b < B; b++) {
      const best = argmax_row(z + (<usize>(b * classes) << 2), classes);
      const o = <usize>(r * ld + b);
      store<u8>(losses + o, best != load<i32>(lab + (<usize>b << 2)) ? 1 : 0);
      if (preds != 0) store<u8>(preds + o, <u8>best);
    }
  }
}
