// The learned gate (src/routing/learned.ts): trained in the core under eq. 26, on test images
// 2,000-9,999, evaluated on the BA rows 0-1,999. Its (rate, distortion) never lies below the BA
// frontier on those rows, and on a bank whose right expert is a function of the image (the
// label's parity) it learns to route (a broken gradient or backward would not).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { loadCore } from "./support/core.js";
import { constrainedD, RoutingProblem } from "../src/routing/index.js";
import type { Core } from "../bindings/index.js";
import { trainLearnedGate } from "../src/routing/learned.js";
import { readLossMatrix, type LossMatrix } from "../src/formats/losses.js";
import { datasetPaths, loadDataset } from "../src/data/datasets.js";

const IMG = { channels: 1, height: 28, width: 28 };
/** fn on the problem of the first n rows of L (the BA rows), freed afterwards. */
function onRows<T>(core: Core, L: LossMatrix, n: number, fn: (p: RoutingProblem) => T): T {
  const p = RoutingProblem.create(core, L, n);
  try {
    return fn(p);
  } finally {
    p.free();
  }
}

const haveMnist = (() => { try { return existsSync(datasetPaths("mnist").test.images); } catch { return false; } })();

test("learned gate: learns a parity routing, and stays on or above the BA frontier", { skip: !haveMnist && "no MNIST" }, async () => {
  const core = await loadCore();
  const ds = await loadDataset("mnist", datasetPaths("mnist"));
  const N = ds.test.count, R = 3;
  const data = new Uint8Array(R * N);
  for (let i = 0; i < N; i++) {
    const odd = ds.test.labels[i]! % 2;
    data[0 * N + i] = odd ? 1 : 0; // expert 0 right on even digits
    data[1 * N + i] = odd ? 0 : 1; // expert 1 right on odd digits
    data[2 * N + i] = 1; // expert 2 always wrong
  }
  const L: LossMatrix = { R, N, data };
  const p = trainLearnedGate(core, ds.test.images, IMG, L, { lambda: 0.01, epochs: 1 });
  assert.equal(p.steps, Math.floor(8000 / 64));
  assert.ok(p.distortion < 0.25, `the gate did not learn the parity routing: D = ${p.distortion}`);
  assert.ok(p.rate > 0.5 && p.rate <= Math.log(R) + 1e-12, `rate ${p.rate}`);
  const c = onRows(core, L, 2000, (prob) => constrainedD(core, prob, p.rate));
  assert.ok(p.distortion >= c.lower - 1e-9, `gate (${p.rate}, ${p.distortion}) below the frontier ${c.lower}`);
});

const BANK = "/work/banks/distinct/losses-test.npy";
test("learned gate on the default MNIST bank: two lambdas of the BA grid, never below the frontier", { skip: (!haveMnist || !existsSync(BANK)) && "no bank" }, async () => {
  const core = await loadCore();
  const ds = await loadDataset("mnist", datasetPaths("mnist"));
  const L = await readLossMatrix(BANK);
  for (const lambda of [0.01, 1]) {
    const p = trainLearnedGate(core, ds.test.images, IMG, L, { lambda, epochs: 1 });
    const c = onRows(core, L, 2000, (prob) => constrainedD(core, prob, p.rate));
    assert.ok(p.distortion >= c.lower - 1e-9, `lambda ${lambda}: gate (${p.rate}, ${p.distortion}) below the frontier ${c.lower}`);
    assert.ok(p.rate >= 0 && p.rate <= Math.log(L.R) + 1e-12);
  }
});
