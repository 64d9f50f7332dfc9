// Top-k routing (src/routing/topk.ts) and the routing curve's uncertainty
// (src/routing/curve-uncertainty.ts), against naive references.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCore } from "./support/core.js";
import { rng } from "./support/synthetic.js";
import { RoutingProblem, routingCurve } from "../src/routing/index.js";
import { binomialCount, kSubsets, labelsFromBank, subsetIndex, subsetLosses, topKFrontier, topKFrontierAt, topKGate, topKGateRows, voteLoss, type BankPredictions } from "../src/routing/topk.js";
import { gateRowsOf } from "../src/routing/gate-rows.js";
import { encodeNpy } from "../src/formats/npy.js";
import { runCli } from "./support/cli.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { curveBand, curveSummary, lossColumns, rowSensitivity } from "../src/routing/curve-uncertainty.js";

/** A bank of R experts on N items of 4 classes: expert t right with probability 0.6 + 0.05 t,
 *  else a random wrong class. */
function bank(R: number, N: number, seed: number): BankPredictions {
  const u = rng(seed);
  const preds = new Uint8Array(R * N), losses = new Uint8Array(R * N);
  for (let i = 0; i < N; i++) {
    const y = Math.floor(u() * 4);
    for (let t = 0; t < R; t++) {
      const right = u() < 0.6 + 0.05 * t;
      preds[t * N + i] = right ? y : (y + 1 + Math.floor(u() * 3)) % 4;
      losses[t * N + i] = right ? 0 : 1;
    }
  }
  return { R, N, preds, losses };
}

test("k-subsets: lexicographic, indexed both ways", () => {
  assert.equal(binomialCount(25, 2), 300);
  assert.equal(binomialCount(25, 3), 2300);
  const s = kSubsets(6, 3);
  assert.equal(s.length, 20 * 3);
  assert.deepEqual(Array.from(s.subarray(0, 6)), [0, 1, 2, 0, 1, 3]);
  assert.deepEqual(Array.from(s.subarray(57)), [3, 4, 5]);
  for (let q = 0; q < 20; q++) assert.equal(subsetIndex(6, s.subarray(q * 3, q * 3 + 3)), q);
});

test("the weighted vote's expected 0-1 loss, by hand", () => {
  // one item, y = 2 (expert 0 right); experts predict 2, 1, 1, 3
  const b: BankPredictions = { R: 4, N: 1, preds: Uint8Array.from([2, 1, 1, 3]), losses: Uint8Array.from([0, 1, 1, 1]) };
  const y = labelsFromBank(b);
  assert.deepEqual(Array.from(y), [2]);
  assert.equal(voteLoss(b, y, 0, [0, 1], [1, 1]), 0.5); // tie 2 vs 1
  assert.equal(voteLoss(b, y, 0, [0, 1], [0.6, 0.4]), 0); // the heavier is right
  assert.equal(voteLoss(b, y, 0, [0, 1, 2], [1, 1, 1]), 1); // 1 outvotes 2
  assert.equal(voteLoss(b, y, 0, [0, 1, 2], [0.5, 0.25, 0.25]), 0.5); // 0.5 = 0.25 + 0.25
  assert.ok(Math.abs(voteLoss(b, y, 0, [0, 1, 3], [1, 1, 1]) - 2 / 3) < 1e-15); // three-way tie
  assert.equal(voteLoss(b, y, 0, [1, 3], [1, 1]), 1); // both wrong
  // every expert wrong: loss 1 whatever the set
  const w: BankPredictions = { R: 2, N: 1, preds: Uint8Array.from([1, 1]), losses: Uint8Array.from([1, 1]) };
  assert.equal(voteLoss(w, labelsFromBank(w), 0, [0, 1], [1, 1]), 1);
});

test("top-k frontier: k = 1 is the ordinary frontier; k = 2's oracle is the best pair per row", async () => {
  const core = await loadCore();
  const b = bank(6, 800, 4);
  const rho = [0.05, 0.2];
  const f1 = topKFrontier(core, b, 1, 800, rho);
  const prob = RoutingProblem.create(core, { R: 6, N: 800, data: b.losses });
  try {
    const c = routingCurve(core, prob, { rho });
    assert.equal(f1.oracleLoss, c.sweep.ends.oracleError);
    assert.equal(f1.leastRate, c.sweep.ends.leastRate);
    assert.deepEqual(f1.rho.map((r) => r.distortion), c.rho.map((r) => r.distortion));
  } finally {
    prob.free();
  }
  const f2 = topKFrontier(core, b, 2, 800, rho);
  const y = labelsFromBank(b);
  let oracle = 0, bestPair = Infinity;
  const pairSums = new Float64Array(15);
  for (let i = 0; i < 800; i++) {
    let m = 1, q = 0;
    for (let s = 0; s < 6; s++) for (let t = s + 1; t < 6; t++, q++) {
      // equal-weight vote of two: both right 0, one right 1/2, both wrong 1
      const l = (b.losses[s * 800 + i]! + b.losses[t * 800 + i]!) / 2;
      assert.equal(voteLoss(b, y, i, [s, t], [1, 1]), l);
      pairSums[q]! += l;
      if (l < m) m = l;
    }
    oracle += m;
  }
  for (const s of pairSums) bestPair = Math.min(bestPair, s / 800);
  assert.ok(Math.abs(f2.oracleLoss - oracle / 800) < 1e-12);
  assert.ok(Math.abs(f2.bestLoss - bestPair) < 1e-12);
  for (const r of f2.rho) assert.ok(r.distortion >= r.lower - 1e-12 && r.distortion <= f2.bestLoss + 1e-12);
  const { losses, m } = subsetLosses(b, 2, 800);
  assert.equal(m, 2);
  assert.equal(losses.R, 15);
});

test("a top-k gate read off probabilities: rate H(S), weighted-vote loss", async () => {
  const core = await loadCore();
  const b = bank(5, 400, 8);
  const u = rng(3);
  const p = new Float64Array(400 * 5);
  for (let i = 0; i < 400; i++) {
    let s = 0;
    for (let t = 0; t < 5; t++) s += p[i * 5 + t] = u() + 0.01;
    for (let t = 0; t < 5; t++) p[i * 5 + t]! /= s;
  }
  const g1 = topKGate(core, b, p, 400, 1);
  // k = 1: the argmax expert's error, rate H(argmax)
  const counts = new Float64Array(5);
  let loss = 0;
  for (let i = 0; i < 400; i++) {
    let a = 0;
    for (let t = 1; t < 5; t++) if (p[i * 5 + t]! > p[i * 5 + a]!) a = t;
    counts[a]!++;
    loss += b.losses[a * 400 + i]!;
  }
  let H = 0;
  for (const c of counts) if (c > 0) H -= (c / 400) * Math.log(c / 400);
  assert.ok(Math.abs(g1.rate - H) < 1e-12);
  assert.equal(g1.loss, loss / 400);
  // k = 2 with unequal weights: the weighted vote of two is the heavier expert's answer, so the
  // loss equals top-1's; the equal-weight vote counts a split as 1/2
  const g2 = topKGate(core, b, p, 400, 2);
  assert.equal(g2.loss, g1.loss);
  assert.ok(g2.rate >= g1.rate - 1e-12 && g2.sets <= 10);
  // in blocks: the same
  assert.deepEqual(await topKGateRows(core, b, gateRowsOf(p, 400, 5), 2, undefined, 7), g2);
  // gate measure --top-k 2: the same gate, and the frontier over pairs at its rate
  const dir = mkdtempSync(join(tmpdir(), "moe-topk-"));
  try {
    writeFileSync(join(dir, "p.npy"), encodeNpy("f64", [400, 5], p));
    writeFileSync(join(dir, "l.npy"), encodeNpy("u8", [5, 400], b.losses));
    writeFileSync(join(dir, "y.npy"), encodeNpy("u8", [5, 400], b.preds));
    const r = runCli("gate", "measure", "--probs", join(dir, "p.npy"), "--losses", join(dir, "l.npy"), "--preds", join(dir, "y.npy"), "--top-k", "2", "--bootstrap", "0", "--json");
    assert.equal(r.code, 0, r.stderr);
    const t = JSON.parse(r.stdout).topK[0];
    assert.deepEqual(t.gate, g2);
    const fr = topKFrontierAt(core, b, 2, 400, g2.rate);
    assert.deepEqual(t.frontier, fr);
    assert.ok(t.lossGap >= -1e-12);
    assert.equal(runCli("gate", "measure", "--probs", join(dir, "p.npy"), "--top-k", "2").code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the curve's row bootstrap and row-subset sensitivity", async () => {
  const core = await loadCore();
  const b = bank(6, 1500, 12);
  const L = { R: 6, N: 1500, data: b.losses };
  const rho = [0.05, 0.1];
  const band = curveBand(core, L, 500, rho, { resamples: 30, seed: 1 });
  const again = curveBand(core, L, 500, rho, { resamples: 30, seed: 1 });
  assert.deepEqual(band, again);
  assert.equal(band.estimate.n, 500);
  for (const [j, d] of band.d.entries()) assert.ok(d.lo <= d.hi && d.lo <= band.estimate.d[j]! + 0.05 && band.estimate.d[j]! - 0.05 <= d.hi);
  assert.ok(band.oracleError.lo <= band.estimate.oracleError && band.estimate.oracleError <= band.oracleError.hi);
  const sens = rowSensitivity(core, L, 500, rho, 0);
  assert.deepEqual(sens.rows.map((r) => r.summary.n), [500, 500, 1500]);
  const prob = RoutingProblem.create(core, L);
  try {
    assert.deepEqual(sens.rows[2]!.summary, curveSummary(core, prob, rho));
  } finally {
    prob.free();
  }
  assert.deepEqual(sens.rows[0]!.summary, band.estimate);
  // lossColumns picks columns
  assert.deepEqual(Array.from(lossColumns({ R: 2, N: 3, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) }, [2, 0]).data), [3, 1, 6, 4]);
});
