// Ours against PyTorch 1.13 (test/fixtures/torch-cnn-v1.safetensors and, for the colour expert,
// torch-cnn-rgb-v1.safetensors, written by test/fixtures/make_torch_fixture.py with Debian's
// python3-torch; no Python needed here): the same initial weights and batch give the same logits,
// loss and every gradient, and the same weights after 3 Adam steps, each within
// max|ours - torch| <= 1e-5 * max|torch|. The colour batch is 8 records in CIFAR-10's binary
// format, read by moe-bank's CIFAR reader (channel-major -> [N, H, W, C]) on our side and reshaped
// to [3, 32, 32] on PyTorch's: so the test also pins the reader's layout to PyTorch's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadTorchFixture } from "./support/torch-fixture.js";
import { Cnn, CoreDataset, DEFAULT_SPEC, TENSOR_NAMES, paramCount, specFor, type CnnSpec } from "../src/model/cnn.js";
import { cifarSplit } from "../src/data/cifar.js";
import type { TorchFixture } from "./support/torch-fixture.js";
import { loadCore } from "./support/core.js";

function compare(t: { diagnostic(s: string): void }, what: string, ours: ArrayLike<number>, torch: ArrayLike<number>, skip?: Set<number>): void {
  assert.equal(ours.length, torch.length, `${what}: length`);
  let maxRef = 0, worst = 0, at = 0;
  for (let i = 0; i < torch.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(torch[i]!));
    if (skip?.has(i)) continue;
    const d = Math.abs(ours[i]! - torch[i]!);
    if (d > worst) { worst = d; at = i; }
  }
  const rel = maxRef === 0 ? worst : worst / maxRef;
  t.diagnostic(`${what.padEnd(20)} max|ours - torch| / max|torch| = ${rel.toExponential(2)} (worst at ${at}: ${ours[at]} vs ${torch[at]})`);
  assert.ok(worst <= 1e-5 * maxRef, `${what}: max|ours - torch| = ${worst} > 1e-5 * ${maxRef} at element ${at}: ours ${ours[at]}, torch ${torch[at]}`);
}

/** The fixture's batch as the core takes it: [N, H, W, C] bytes and labels. */
type Batch = { pixels: Uint8Array; labels: Uint8Array };

async function matchesTorch(t: { diagnostic(s: string): void }, fx: TorchFixture, spec: CnnSpec, batch: Batch): Promise<void> {
  assert.equal(fx.meta.format_version, "1");
  const core = await loadCore();
  const B = batch.labels.length;
  const data = new CoreDataset(core, batch.pixels, batch.labels, B);
  const net = new Cnn(core, spec);
  for (const name of TENSOR_NAMES) net.setTensor(name, fx.f32(`init.${name}`).data);
  const idx = Array.from({ length: B }, (_, i) => i);

  compare(t, "logits", net.forward(data, idx).logits, fx.f32("act.logits").data);
  const loss = net.lossGrad(data, idx);
  compare(t, "loss", [loss], fx.f32("loss").data);
  for (const name of TENSOR_NAMES) compare(t, `grad.${name}`, net.tensor(name, "grads"), fx.f32(`grad.${name}`).data);

  net.resetOptimizer();
  // Adam moves a weight by about lr * m / (sqrt(v) + eps): where a step's gradient is near eps
  // (|g| < 1e-6, e.g. an exactly cancelling sum whose last bits are rounding noise, ~5e-9 here
  // against max|g| ~ 0.03), the update's sensitivity lr*eps/(|g|+eps)^2 turns that noise into
  // up to ~lr. Such weights (any of the 3 steps, judged on our gradients and on torch's step-1
  // gradients) are held to Adam's own bound |ours - torch| <= 3 lr and counted; every other
  // weight to the 1e-5 bound.
  const sensitive = new Set<number>();
  for (let k = 1; k <= 3; k++) {
    compare(t, `loss.step${k}`, [net.trainStep(data, idx)], fx.f32(`loss.step${k}`).data);
    net.grads.view.forEach((v, i) => { if (v !== 0 && Math.abs(v) < 1e-6) sensitive.add(i); });
  }
  for (const l of net.layout) {
    const g = fx.f32(`grad.${l.name}`).data, ours = net.tensor(l.name), torch = fx.f32(`step3.${l.name}`).data;
    const skip = new Set<number>();
    for (let i = 0; i < l.length; i++) if (sensitive.has(l.offset + i) || (g[i] !== 0 && Math.abs(g[i]!) < 1e-6)) skip.add(i);
    compare(t, `step3.${l.name}`, ours, torch, skip);
    let worst = 0;
    for (const i of skip) {
      worst = Math.max(worst, Math.abs(ours[i]! - torch[i]!));
      assert.ok(Math.abs(ours[i]! - torch[i]!) <= 3e-3, `step3.${l.name}[${i}]: ${ours[i]} vs ${torch[i]}`);
    }
    if (skip.size) t.diagnostic(`step3.${l.name}: ${skip.size} of ${l.length} weights had a gradient with 0 < |g| < 1e-6; held to <= 3 lr (worst ${worst.toExponential(2)})`);
  }
  net.free();
  data.free();
}

test("forward, loss, every gradient and 3 Adam steps match PyTorch", async (t) => {
  const fx = await loadTorchFixture("mnist");
  const input = fx.f32("input"), labels = fx.get("labels");
  // the fixture's input is float32(pixel)/255 in [N, 1, 28, 28] (= [N, H, W, 1]); recover the bytes and check the round trip
  const pixels = Uint8Array.from(input.data, (v) => Math.round(v * 255));
  pixels.forEach((p, i) => assert.equal(Math.fround(p / 255), input.data[i]));
  await matchesTorch(t, fx, DEFAULT_SPEC, { pixels, labels: Uint8Array.from(labels.data) });
});

test("the colour expert (3 channels, 32x32, fc1 2048 -> 64) on CIFAR-10 records: the same against PyTorch", async (t) => {
  const fx = await loadTorchFixture("rgb");
  const spec = specFor({ channels: 3, height: 32, width: 32, classes: 10 });
  assert.equal(paramCount(spec), 136_874, "the colour expert's parameter count");
  const records = fx.get("records");
  assert.deepEqual(records.shape, [8, 3073]);
  // our side: the records through the CIFAR-10 reader, [N, 32, 32, 3]
  const split = cifarSplit([{ file: "fixture records", bytes: records.data as Uint8Array }]);
  // PyTorch's side: the same records' pixels reshaped to [N, 3, 32, 32], / 255
  const input = fx.f32("input");
  assert.deepEqual(input.shape, [8, 3, 32, 32]);
  for (let n = 0; n < 8; n++) for (let c = 0; c < 3; c++) for (let h = 0; h < 32; h++) for (let w = 0; w < 32; w++) {
    const torchValue = input.data[((n * 3 + c) * 32 + h) * 32 + w]!;
    if (Math.fround(split.images[n * 3072 + (h * 32 + w) * 3 + c]! / 255) !== torchValue) assert.fail(`pixel n ${n} c ${c} h ${h} w ${w}`);
  }
  assert.deepEqual([...split.labels], [...fx.get("labels").data]);
  await matchesTorch(t, fx, spec, { pixels: split.images, labels: split.labels });
});
