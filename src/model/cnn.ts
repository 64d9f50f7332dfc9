// The expert CNN from TypeScript: its spec, the parameter layout (PyTorch names and shapes), and
// a handle that owns the parameter, gradient and Adam buffers and a workspace planned once for
// a batch size. All math runs in the core (assembly/nn/cnn.ts); each call below is one export.
import { MAX_ALLOC_BYTES, type Core, type Tensor } from "../../bindings/index.js";
import { Stream, Purpose } from "../prng.js";

/** The network's widths and input geometry (docs/DESIGN.md section 4). */
export interface CnnSpec {
  channels: number;
  height: number;
  width: number;
  conv1: number;
  conv2: number;
  hidden: number;
  classes: number;
  kernel: number;
}

/** The paper's expert for MNIST: conv 3x3 1->16, conv 3x3 16->32, dense 1568->64->10. */
export const DEFAULT_SPEC: CnnSpec = { channels: 1, height: 28, width: 28, conv1: 16, conv2: 32, hidden: 64, classes: 10, kernel: 3 };

/** A GEMM of the network: C[m, n] = A[m, k] B[k, n], and what it computes. */
export interface GemmShape {
  m: number;
  k: number;
  n: number;
  what: string;
}

/** The network's GEMM shapes: the one list that the kernel tests check (bit for bit against the
 *  naive loop) and that the bench times. conv1 and conv2 as im2col GEMMs (the network runs them
 *  direct and indirect, with the same chains), fc1's forward at the training batch and a wider one. */
export function networkGemmShapes(spec: CnnSpec = DEFAULT_SPEC, batch = 64, wideBatch = 256): GemmShape[] {
  const { height: H, width: W, channels: C, kernel: k } = spec;
  const flat = spec.conv2 * (H >> 2) * (W >> 2);
  return [
    { m: batch * H * W, k: k * k * C, n: spec.conv1, what: `conv1 as im2col, batch ${batch}; the network runs it direct` },
    { m: batch * (H >> 1) * (W >> 1), k: k * k * spec.conv1, n: spec.conv2, what: `conv2 as im2col, batch ${batch}; the network runs it indirect` },
    { m: wideBatch, k: flat, n: spec.hidden, what: `fc1 forward, batch ${wideBatch}` },
    { m: batch, k: flat, n: spec.hidden, what: `fc1 forward, batch ${batch}` },
  ];
}

/** What a network shares with its data: images of channels x height x width bytes (stored
 *  [H, W, C] per image, see CoreDataset) and labels in 0 .. classes-1. A bank's spec takes its
 *  geometry from the dataset it is trained on (specFor); everything else in the spec (the widths
 *  conv1, conv2, hidden and the kernel) is the bank's own choice. */
export type Geometry = Pick<CnnSpec, "channels" | "height" | "width" | "classes">;

/** MNIST's (and Fashion-MNIST's) geometry: 1 x 28 x 28 images in 10 classes. */
export const MNIST_GEOMETRY: Geometry = { channels: 1, height: 28, width: 28, classes: 10 };

/** The geometry of a spec, or of a dataset split ({channels, rows, cols, classes}). */
export function geometryOf(x: Geometry | { channels: number; rows: number; cols: number; classes: number }): Geometry {
  return "rows" in x ? { channels: x.channels, height: x.rows, width: x.cols, classes: x.classes } : { channels: x.channels, height: x.height, width: x.width, classes: x.classes };
}

export function sameGeometry(a: Geometry, b: Geometry): boolean {
  return a.channels === b.channels && a.height === b.height && a.width === b.width && a.classes === b.classes;
}

/** "3x32x32 images (channels x height x width) in 10 classes". */
export function geometryText(g: Geometry): string {
  return `${g.channels}x${g.height}x${g.width} images (channels x height x width) in ${g.classes} classes`;
}

/** The spec for data of geometry g: `widths`'s conv1, conv2, hidden and kernel (the paper's by
 *  default) with g's channels, height, width and classes. The key order is DEFAULT_SPEC's, so
 *  specFor(MNIST_GEOMETRY) serializes exactly as DEFAULT_SPEC does. For CIFAR-10's 3x32x32 images
 *  this is the paper's architecture with 3 input channels: conv1 3->16, conv2 16->32, and fc1
 *  takes 32 x 8 x 8 = 2048 features to 64; 136,874 parameters (paramCount), against MNIST's
 *  105,866. */
export function specFor(g: Geometry, widths: CnnSpec = DEFAULT_SPEC): CnnSpec {
  return { ...widths, channels: g.channels, height: g.height, width: g.width, classes: g.classes };
}

/** PyTorch's tensor names, in layout order. */
export const TENSOR_NAMES = ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"] as const;
export type TensorName = (typeof TENSOR_NAMES)[number];

export interface TensorLayout {
  name: TensorName;
  offset: number;
  length: number;
  shape: number[];
}

/** Adam's hyper-parameters (PyTorch's defaults with the paper's lr). */
export interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}
export const DEFAULT_ADAM: AdamConfig = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** Floating-point operations of one image's forward pass (multiply and add counted apart). */
export function forwardFlops(s: CnnSpec = DEFAULT_SPEC): number {
  const k2 = s.kernel * s.kernel;
  const h2 = s.height >> 1, w2 = s.width >> 1, flat = s.conv2 * (h2 >> 1) * (w2 >> 1);
  return 2 * (s.height * s.width * s.channels * k2 * s.conv1 + h2 * w2 * s.conv1 * k2 * s.conv2 + flat * s.hidden + s.hidden * s.classes);
}

/** Parameters of one expert: conv1 k^2 C c1 + c1, conv2 k^2 c1 c2 + c2, fc1 flat h + h, fc2 h K + K
 *  with flat = c2 (H/4)(W/4) (the layout of Cnn.size). */
export function paramCount(s: CnnSpec = DEFAULT_SPEC): number {
  const k2 = s.kernel * s.kernel;
  const flat = s.conv2 * ((s.height >> 1) >> 1) * ((s.width >> 1) >> 1);
  return k2 * s.channels * s.conv1 + s.conv1 + k2 * s.conv1 * s.conv2 + s.conv2 + flat * s.hidden + s.hidden + s.hidden * s.classes + s.classes;
}

/** The largest value of each spec field: labels are u8 (classes <= 256), and each bound keeps
 *  every product the core forms from the spec far inside its 32-bit arithmetic. */
export const SPEC_MAX: Readonly<CnnSpec> = { channels: 64, height: 1024, width: 1024, conv1: 4096, conv2: 4096, hidden: 1 << 20, classes: 256, kernel: 15 };

export function validateSpec(s: CnnSpec): void {
  if (s === null || typeof s !== "object") throw new RangeError(`cnn spec: not an object`);
  for (const k of Object.keys(SPEC_MAX) as (keyof CnnSpec)[]) {
    const v = s[k];
    if (!Number.isInteger(v) || v < 1 || v > SPEC_MAX[k]) throw new RangeError(`cnn spec: ${k} must be an integer in [1, ${SPEC_MAX[k]}], got ${JSON.stringify(v)}`);
  }
  if (Object.keys(s).length !== Object.keys(SPEC_MAX).length) throw new RangeError(`cnn spec: unknown fields ${Object.keys(s).filter((k) => !(k in SPEC_MAX)).join(", ")}`);
  if (s.kernel % 2 !== 1) throw new RangeError(`cnn spec: kernel must be odd ('same' padding), got ${s.kernel}`);
  if (s.height < 4 || s.width < 4) throw new RangeError(`cnn spec: images must be at least 4x4 for two 2x2 pools`);
  if (s.classes < 2) throw new RangeError(`cnn spec: classes must be >= 2`);
  if (paramCount(s) * 4 > MAX_ALLOC_BYTES) throw new RangeError(`cnn spec: ${paramCount(s)} parameters (${(paramCount(s) * 4 / 0x40000000).toFixed(2)} GiB) exceed the core's largest buffer`);
}

/** A lower bound, exact in doubles, on the floats of cnn_workspace_bytes(spec, B): its largest
 *  regions (assembly/nn/cnn.ts plan), so a count the core wrapped is caught (Core.bytes). */
export function workspaceFloatsAtLeast(s: CnnSpec, B: number): number {
  const k2 = s.kernel * s.kernel, P1 = B * s.height * s.width, P2 = B * (s.height >> 1) * (s.width >> 1);
  const flat = s.conv2 * ((s.height >> 1) >> 1) * ((s.width >> 1) >> 1);
  return P1 * (s.channels + s.channels * k2 + 2 * s.conv1) + P2 * (2 * s.conv1 * k2 + 2 * s.conv2 + 2 * s.conv1) + B * (4 * flat + 2 * s.hidden + 2 * s.classes);
}

/** Images and labels copied once into a core's memory: images u8 [N, H, W, C], labels u8 [N]. */
export class CoreDataset {
  readonly images: Tensor<"u8">;
  readonly labels: Tensor<"u8">;
  /** Bytes per image (H * W * C): a network reading this data must take exactly this many. */
  readonly imageBytes: number;
  constructor(readonly core: Core, images: Uint8Array, labels: Uint8Array, readonly count: number) {
    if (labels.length !== count) throw new RangeError(`CoreDataset: ${labels.length} labels for ${count} images`);
    this.imageBytes = count > 0 ? images.length / count : 0;
    if (count < 1 || !Number.isInteger(this.imageBytes) || this.imageBytes < 1) throw new RangeError(`CoreDataset: ${images.length} image bytes are not ${count} whole images`);
    this.images = core.from("u8", images);
    this.labels = core.from("u8", labels);
  }
  free(): void {
    this.images.free();
    this.labels.free();
  }
}

/** One CNN living in a core: parameters, gradients, Adam moments and a batch workspace. */
export class Cnn {
  readonly spec: CnnSpec;
  readonly layout: TensorLayout[];
  readonly size: number;
  readonly params: Tensor<"f32">;
  readonly grads: Tensor<"f32">;
  readonly m: Tensor<"f32">;
  readonly v: Tensor<"f32">;
  readonly #specT: Tensor<"i32">;
  #ws: Tensor<"u8"> | null = null;
  #wsBatch = 0;
  #idx: Tensor<"i32"> | null = null;
  /** Adam's step counter (t in the bias corrections). */
  step = 0;

  constructor(readonly core: Core, spec: CnnSpec = DEFAULT_SPEC) {
    validateSpec(spec);
    this.spec = { ...spec };
    const s = spec;
    // a failed allocation frees what the constructor took before it
    const taken: Tensor[] = [];
    const take = <T extends Tensor>(t: T): T => (taken.push(t), t);
    try {
      this.#specT = take(core.from("i32", [s.channels, s.height, s.width, s.conv1, s.conv2, s.hidden, s.classes, s.kernel, (s.kernel - 1) >> 1]));
      const table = take(core.alloc("i32", 16));
      this.size = core.exports.cnn_layout(this.#specT.ptr, table.ptr);
      if (this.size !== paramCount(s)) throw new RangeError(`cnn: the core's layout has ${this.size} parameters, expected ${paramCount(s)}`);
      const t = table.toArray();
      table.free();
      const k = s.kernel, flat = s.conv2 * ((s.height >> 1) >> 1) * ((s.width >> 1) >> 1);
      const shapes = [[s.conv1, s.channels, k, k], [s.conv1], [s.conv2, s.conv1, k, k], [s.conv2], [s.hidden, flat], [s.hidden], [s.classes, s.hidden], [s.classes]];
      this.layout = TENSOR_NAMES.map((name, i) => ({ name, offset: t[i]!, length: t[8 + i]!, shape: shapes[i]! }));
      this.params = take(core.alloc("f32", this.size));
      this.grads = take(core.alloc("f32", this.size));
      this.m = take(core.alloc("f32", this.size));
      this.v = take(core.alloc("f32", this.size));
    } catch (e) {
      for (const t of taken) t.free();
      throw e;
    }
    this.m.view.fill(0);
    this.v.view.fill(0);
  }

  get specPtr(): number {
    return this.#specT.ptr;
  }

  /** PyTorch-default init from the stream (seed, "init", index). Resets Adam. */
  init(seed: number | bigint, index: number): void {
    const s = new Stream(this.core, seed, Purpose.init, index);
    this.core.exports.cnn_init(this.#specT.ptr, this.params.ptr, s.ptr);
    s.free();
    this.resetOptimizer();
  }

  resetOptimizer(): void {
    this.m.view.fill(0);
    this.v.view.fill(0);
    this.step = 0;
  }

  /** The workspace and index buffer for batch size B (planned once, grown only when B grows). */
  workspace(B: number): { ws: number; idx: Tensor<"i32"> } {
    if (!Number.isInteger(B) || B < 1) throw new RangeError(`batch size must be a positive integer, got ${B}`);
    if (this.#ws === null || B > this.#wsBatch) {
      this.#ws?.free();
      this.#idx?.free();
      this.#ws = this.#idx = null;
      const atLeast = 4 * workspaceFloatsAtLeast(this.spec, B);
      this.#ws = this.core.alloc("u8", this.core.bytes("cnn_workspace_bytes", atLeast <= MAX_ALLOC_BYTES ? this.core.exports.cnn_workspace_bytes(this.#specT.ptr, B) : 0, atLeast));
      this.#idx = this.core.alloc("i32", B);
      this.#wsBatch = B;
    }
    return { ws: this.#ws.ptr, idx: this.#idx! };
  }

  /** The values of one tensor (a copy). */
  tensor(name: TensorName, which: "params" | "grads" = "params"): Float32Array {
    const l = this.layout.find((x) => x.name === name)!;
    return (which === "params" ? this.params : this.grads).view.slice(l.offset, l.offset + l.length);
  }

  /** Sets one tensor from PyTorch-layout values. */
  setTensor(name: TensorName, values: ArrayLike<number>): void {
    const l = this.layout.find((x) => x.name === name)!;
    if (values.length !== l.length) throw new RangeError(`${name}: ${values.length} values, expected ${l.length}`);
    this.params.view.set(values, l.offset);
  }

  /** Refuses data whose images are not this network's size (the core would read them at the
   *  wrong stride): the last check before a spec meets data in the core. */
  checkData(data: CoreDataset): void {
    const s = this.spec, n = s.channels * s.height * s.width;
    if (data.imageBytes !== n) throw new RangeError(`the network takes ${s.channels}x${s.height}x${s.width} = ${n} bytes per image, the data has ${data.imageBytes}`);
  }

  #batch(data: CoreDataset, idx: ArrayLike<number>): { ws: number; idx: Tensor<"i32"> } {
    this.checkData(data);
    const w = this.workspace(idx.length);
    w.idx.view.set(idx);
    return w;
  }

  /** Mean cross-entropy loss and gradients (into `grads`) on the images idx of data. */
  lossGrad(data: CoreDataset, idx: ArrayLike<number>): number {
    const { ws, idx: t } = this.#batch(data, idx);
    return this.core.exports.cnn_loss_grad(this.#specT.ptr, this.params.ptr, this.grads.ptr, data.images.ptr, data.labels.ptr, t.ptr, idx.length, ws);
  }

  /** One Adam step on the batch idx; returns the loss before the step. */
  trainStep(data: CoreDataset, idx: ArrayLike<number>, adam: AdamConfig = DEFAULT_ADAM): number {
    const { ws, idx: t } = this.#batch(data, idx);
    this.step++;
    return this.core.exports.cnn_train_step(this.#specT.ptr, this.params.ptr, this.grads.ptr, this.m.ptr, this.v.ptr, this.step,
      adam.lr, adam.beta1, adam.beta2, adam.eps, data.images.ptr, data.labels.ptr, t.ptr, idx.length, ws);
  }

  /** Evaluates the batch idx: logits [B, classes], first-argmax predictions, 0-1 losses. */
  forward(data: CoreDataset, idx: ArrayLike<number>): { logits: Float32Array; preds: Int32Array; losses: Uint8Array } {
    const B = idx.length;
    const { ws, idx: t } = this.#batch(data, idx);
    return this.core.scoped((alloc) => {
      const logits = alloc("f32", B * this.spec.classes), preds = alloc("i32", B), losses = alloc("u8", B);
      this.core.exports.cnn_forward(this.#specT.ptr, this.params.ptr, data.images.ptr, data.labels.ptr, t.ptr, B, ws, logits.ptr, preds.ptr, losses.ptr);
      return { logits: logits.toArray(), preds: preds.toArray(), losses: losses.toArray() };
    });
  }

  free(): void {
    for (const t of [this.params, this.grads, this.m, this.v, this.#specT]) t.free();
    this.#ws?.free();
    this.#idx?.free();
  }
}
