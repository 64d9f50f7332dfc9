// The learned gate's eq. 26 objective on a batch (assembly/nn/gate_loss.ts): value against an
// independent f64 reference, and the gradient w.r.t. the gate logits against central finite
// differences. JS Math is fine here: tests are the independent reference.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCore } from "./support/core.js";
import type { Core } from "../bindings/index.js";

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

function coreGateLoss(core: Core, z: Float32Array, L: Float32Array, B: number, R: number, lambda: number) {
  return core.scoped((alloc) => {
    const zt = alloc("f32", B * R).set(z);
    const lt = alloc("f32", B * R).set(L);
    const dz = alloc("f32", B * R);
    const ws = alloc("f64", (B + 2) * R);
    const out = alloc("f64", 2);
    const J = core.exports.gate_loss_forward_backward(zt.ptr, lt.ptr, B, R, lambda, dz.ptr, ws.ptr, out.ptr);
    const o = out.toArray();
    return { J, I: o[0]!, D: o[1]!, dz: dz.toArray() as Float32Array };
  });
}

function refGateLoss(z: ArrayLike<number>, L: ArrayLike<number>, B: number, R: number, lambda: number) {
  const p = new Float64Array(B * R);
  for (let b = 0; b < B; b++) {
    let m = -Infinity;
    for (let t = 0; t < R; t++) m = Math.max(m, z[b * R + t]!);
    let s = 0;
    for (let t = 0; t < R; t++) s += Math.exp(z[b * R + t]! - m);
    for (let t = 0; t < R; t++) p[b * R + t] = Math.exp(z[b * R + t]! - m) / s;
  }
  const pi = new Float64Array(R);
  for (let b = 0; b < B; b++) for (let t = 0; t < R; t++) pi[t] += p[b * R + t]! / B;
  let D = 0, I = 0;
  for (let b = 0; b < B; b++) for (let t = 0; t < R; t++) {
    const q = p[b * R + t]!;
    D += (q * L[b * R + t]!) / B;
    if (q > 0) I += (q * Math.log(q / pi[t]!)) / B;
  }
  return { J: D + lambda * I, I, D };
}

test("eq. 26 gate loss: value against a reference and gradient against finite differences", async () => {
  const core = await loadCore();
  for (const [B, R, lambda, scale, seed] of [[16, 5, 0.3, 2, 1], [33, 25, 1.7, 4, 2], [8, 3, 0, 1, 3], [12, 7, 10, 6, 4]] as const) {
    const u = rng(seed);
    const z = Float32Array.from({ length: B * R }, () => (u() - 0.5) * scale);
    const L = Float32Array.from({ length: B * R }, () => (u() < 0.2 ? 1 : 0));
    const c = coreGateLoss(core, z, L, B, R, lambda);
    const r = refGateLoss(z, L, B, R, lambda);
    assert.ok(Math.abs(c.J - r.J) <= 1e-12 && Math.abs(c.I - r.I) <= 1e-12 && Math.abs(c.D - r.D) <= 1e-12, `B ${B} R ${R}: ${c.J} vs ${r.J}`);
    assert.ok(c.I >= -1e-15 && c.I <= Math.log(R) + 1e-12);
    let maxErr = 0, maxG = 0;
    for (let k = 0; k < B * R; k++) {
      const h = 1e-3;
      const zp = Float64Array.from(z); zp[k] = z[k]! + h;
      const zm = Float64Array.from(z); zm[k] = z[k]! - h;
      const fd = (refGateLoss(zp, L, B, R, lambda).J - refGateLoss(zm, L, B, R, lambda).J) / (2 * h);
      maxErr = Math.max(maxErr, Math.abs(fd - c.dz[k]!));
      maxG = Math.max(maxG, Math.abs(fd));
    }
    // dz is stored as f32: relative error ~6e-8 of its size, plus the FD truncation O(h^2)
    assert.ok(maxErr <= 1e-6 * Math.max(1, maxG) + 1e-7, `B ${B} R ${R} lambda ${lambda}: max |dz - FD| = ${maxErr} (max |g| ${maxG})`);
    // each row of dz sums to 0 (softmax invariance to a shift of the logits)
    for (let b = 0; b < B; b++) {
      let s = 0;
      for (let t = 0; t < R; t++) s += c.dz[b * R + t]!;
      assert.ok(Math.abs(s) <= 1e-7);
    }
  }
  // the gradient test has power: the same check against a gradient that drops the rate term fails
  {
    const B = 16, R = 5, u = rng(9);
    const z = Float32Array.from({ length: B * R }, () => (u() - 0.5) * 3);
    const L = Float32Array.from({ length: B * R }, () => (u() < 0.3 ? 1 : 0));
    const noRate = coreGateLoss(core, z, L, B, R, 0).dz;
    const full = coreGateLoss(core, z, L, B, R, 2).dz;
    let d = 0;
    for (let k = 0; k < B * R; k++) d = Math.max(d, Math.abs(noRate[k]! - full[k]!));
    assert.ok(d > 1e-3);
  }
  // a saturated gate (one logit far above the rest: p underflows to 0) stays finite
  {
    const B = 4, R = 3;
    const z = Float32Array.from([200, 0, 0, 200, 0, 0, 0, 200, 0, 0, 200, 0]);
    const L = new Float32Array(B * R).fill(1);
    const c = coreGateLoss(core, z, L, B, R, 1);
    assert.ok(Number.isFinite(c.J) && Math.abs(c.I - Math.log(2)) <= 1e-12, `I ${c.I}`);
    for (const g of c.dz) assert.ok(Number.isFinite(g));
  }
});
