// Measuring any gate (src/routing/gate-measure.ts, `moe-bank gate measure`): eq. 24 on hand-made
// gates, the same bits as the core's routing_information, blocks vs whole, the bootstrap's
// coverage on simulated gates of known I(X;T), a BA solution sitting on its own frontier, and
// malformed rows refused in one line. JS Math is fine here: tests are the independent reference.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCore } from "./support/core.js";
import { bankLike, rng } from "./support/synthetic.js";
import { assertOneLineError, runCli } from "./support/cli.js";
import { encodeNpy } from "../src/formats/npy.js";
import { RoutingProblem, routingInformation } from "../src/routing/index.js";
import { measureGate, softmaxRows } from "../src/routing/gate-measure.js";
import { bytesSource, gateRowsOf, npyGateFile } from "../src/routing/gate-rows.js";
import { privateGateMatrix, bestExpertChoice, gateDistortion } from "../src/routing/private.js";

/** A random gate [N, R]: row i = softmax(scale * noise). */
function randomGate(N: number, R: number, seed: number, scale = 2): Float64Array {
  const u = rng(seed);
  const p = new Float64Array(N * R);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let t = 0; t < R; t++) s += p[i * R + t] = Math.exp(scale * (u() - 0.5) * 4);
    for (let t = 0; t < R; t++) p[i * R + t]! /= s;
  }
  return p;
}

test("eq. 24 on hand-made gates: uniform 0, one-hot on distinct experts log R, a known mixture", async () => {
  const core = await loadCore();
  const R = 5, N = 7;
  const uniform = gateRowsOf(new Float64Array(N * R).fill(1 / R), N, R);
  const u = await measureGate(core, uniform, null, { bootstrap: 0 });
  assert.ok(u.rate <= 1e-15, `uniform: ${u.rate}`);
  assert.ok(Math.abs(u.entropy - Math.log(R)) < 1e-14);
  assert.ok(u.biasCorrection < 1e-30);
  // N = 3R inputs, equally likely, row i one-hot on expert i mod R: I = H(T) = log R
  const oh = new Float64Array(3 * R * R);
  for (let i = 0; i < 3 * R; i++) oh[i * R + (i % R)] = 1;
  const o = await measureGate(core, gateRowsOf(oh, 3 * R, R), null, { bootstrap: 0 });
  assert.ok(Math.abs(o.rate - Math.log(R)) <= 4e-16 * Math.log(R), `one-hot: ${o.rate}`);
  assert.equal(o.conditionalEntropy, 0);
  assert.deepEqual(o.dead, []);
  assert.ok(Math.abs(o.effectiveExperts - R) < 1e-12);
  // Miller-Madow for one-hot rows: (R - 1) / (2 (N - 1))
  assert.ok(Math.abs(o.biasCorrection - (R - 1) / (2 * (3 * R - 1))) < 1e-15);
  // two inputs, R = 2: p(.|x1) = (0.9, 0.1), p(.|x2) = (0.1, 0.9): I = log 2 - h(0.1)
  const two = await measureGate(core, gateRowsOf([0.9, 0.1, 0.1, 0.9], 2, 2), null, { bootstrap: 0 });
  const h = -(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1));
  assert.ok(Math.abs(two.rate - (Math.log(2) - h)) < 1e-15);
  // a dead expert: expert 2 never top-1, expert 3 never used
  const d = await measureGate(core, gateRowsOf([0.6, 0.1, 0.3, 0, 0.2, 0.5, 0.3, 0], 2, 4), null, { bootstrap: 0 });
  assert.deepEqual(d.dead, [2, 3]);
  assert.deepEqual(d.unused, [3]);
});

test("eq. 24: the same bits as the core's routing_information, in blocks or whole, and from a float32 .npy", async () => {
  const core = await loadCore();
  const N = 9003, R = 9;
  const p = randomGate(N, R, 7);
  const ref = routingInformation(core, p, N, R).rate;
  const whole = await measureGate(core, gateRowsOf(p, N, R), null, { bootstrap: 20 });
  const blocks = await measureGate(core, gateRowsOf(p, N, R), null, { bootstrap: 20, blockRows: 17 });
  assert.equal(whole.rate, ref);
  assert.equal(blocks.rate, ref);
  assert.deepEqual(blocks.load, whole.load);
  assert.equal(blocks.biasCorrection, whole.biasCorrection);
  // the bootstrap's draws do not depend on the blocks' size: the same interval, bit for bit
  assert.deepEqual(blocks.interval, whole.interval);
  // an f32 file of the same gate, read in blocks
  const p32 = Float32Array.from(p);
  const f = await npyGateFile(bytesSource(encodeNpy("f32", [N, R], p32)), "g.npy");
  assert.equal((await measureGate(core, f.layer(0), null, { bootstrap: 0, blockRows: 100 })).rate, routingInformation(core, Float64Array.from(p32), N, R).rate);
  // logits: the softmax of gate_loss_forward_backward (its f64 log-probabilities, exponentiated)
  const z = Float32Array.from({ length: 4 * R }, (_, k) => Math.sin(k) * 3);
  const sm = softmaxRows(core, z, 4, R);
  const ws = core.scoped((alloc) => {
    const zt = alloc("f32", 4 * R).set(z), lt = alloc("f32", 4 * R), w = alloc("f64", 6 * R);
    core.exports.gate_loss_forward_backward(zt.ptr, lt.ptr, 4, R, 0, 0, w.ptr, 0);
    return w.toArray().slice(0, 4 * R);
  });
  for (let k = 0; k < 4 * R; k++) assert.equal(sm[k], core.exports.exp(ws[k]!));
});

test("the bootstrap interval covers the true I(X;T) in >= 90 of 100 simulated gates", async (t) => {
  const core = await loadCore();
  const u = rng(2026);
  let covered = 0, errPlugin = 0, errCorrected = 0;
  const trials = 100;
  for (let g = 0; g < trials; g++) {
    // X uniform on M types, p(.|type) a random softmax; N rows drawn i.i.d. from X
    const M = 40, R = 6, N = 400;
    const types = randomGate(M, R, 1000 + g, 0.5 + 1.5 * u());
    const pi = new Float64Array(R);
    for (let m = 0; m < M; m++) for (let t = 0; t < R; t++) pi[t]! += types[m * R + t]! / M;
    let truth = 0;
    for (let m = 0; m < M; m++) for (let t = 0; t < R; t++) truth += (types[m * R + t]! * Math.log(types[m * R + t]! / pi[t]!)) / M;
    const rows = new Float64Array(N * R);
    for (let i = 0; i < N; i++) {
      const m = Math.floor(u() * M);
      rows.set(types.subarray(m * R, m * R + R), i * R);
    }
    const r = await measureGate(core, gateRowsOf(rows, N, R), null, { bootstrap: 200, seed: g });
    assert.ok(r.interval);
    if (r.interval.lo <= truth && truth <= r.interval.hi) covered++;
    errPlugin += (r.rate - truth) / trials;
    errCorrected += (r.rateCorrected - truth) / trials;
  }
  t.diagnostic(`95% basic bootstrap interval covered the true I in ${covered} of ${trials} gates; mean error of the plug-in ${errPlugin.toExponential(2)}, bias-corrected ${errCorrected.toExponential(2)}`);
  assert.ok(covered >= 90, `covered ${covered} of ${trials}`);
  // the plug-in is biased down; the correction removes most of it on average
  assert.ok(errPlugin < 0 && Math.abs(errCorrected) < Math.abs(errPlugin) / 2, `mean errors ${errPlugin}, ${errCorrected}`);
});

test("a gate given as its own BA solution sits on the frontier; a private gate does not", async () => {
  const core = await loadCore();
  const L = bankLike(8, 1500, 3);
  const prob = RoutingProblem.create(core, L);
  try {
    for (const lambda of [0.05, 0.2, 0.5]) {
      const s = prob.solve(lambda);
      const gate = prob.gate(lambda, s.pi);
      const m = await measureGate(core, gateRowsOf(gate, L.N, L.R), L, { bootstrap: 0 });
      assert.ok(m.frontier && m.expectedLoss !== null);
      assert.ok(Math.abs(m.expectedLoss - s.distortion) < 1e-12);
      assert.ok(Math.abs(m.rate - s.rate) < 1e-12);
      // distance to the frontier <= the solution's certificate (lambda log(1 + c)) + the bisection's tolerance
      assert.ok(m.frontier.lossGap <= s.gapBound + 1e-9 && m.frontier.lossGap >= -1e-9, `lambda ${lambda}: gap ${m.frontier.lossGap} vs ${s.gapBound}`);
      assert.ok(Math.abs(m.frontier.rateGap) <= 1e-6, `lambda ${lambda}: rate gap ${m.frontier.rateGap}`);
    }
  } finally {
    prob.free();
  }
  const { choice } = bestExpertChoice(L);
  const pg = privateGateMatrix(core, choice, L.R, 1.5);
  const m = await measureGate(core, gateRowsOf(pg, L.N, L.R), L, { bootstrap: 0 });
  assert.ok(m.frontier && m.frontier.lossGap > 1e-3 && m.frontier.rateGap > 1e-3);
  assert.ok(Math.abs(m.expectedLoss! - gateDistortion(L, pg, L.N)) < 1e-15);
  // real-valued losses: the same gate against the frontier of halved losses
  const half = new Float64Array(L.R * L.N);
  for (let k = 0; k < half.length; k++) half[k] = L.data[k]! / 2 + (k % 3) * 0.1;
  const mr = await measureGate(core, gateRowsOf(pg, L.N, L.R), { R: L.R, N: L.N, data: half }, { bootstrap: 0 });
  assert.ok(mr.frontier && mr.frontier.lossGap >= -1e-9 && mr.frontier.K === L.N);
});

test("moe-bank gate measure: --json, layers, and malformed probabilities refused in one line (exit 1), bad options exit 2", async () => {
  const dir = mkdtempSync(join(tmpdir(), "moe-gate-measure-"));
  try {
    const N = 300, R = 4;
    const L = bankLike(R, N, 5);
    const lf = join(dir, "losses.npy");
    writeFileSync(lf, encodeNpy("u8", [R, N], L.data));
    const p = randomGate(N, R, 9);
    const good = join(dir, "p.npy");
    writeFileSync(good, encodeNpy("f64", [N, R], p));
    const r = runCli("gate", "measure", "--probs", good, "--losses", lf, "--json");
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.layers.length, 1);
    const core = await loadCore();
    assert.equal(j.layers[0].rate, routingInformation(core, p, N, R).rate);
    // [L, N, R]: one report per layer; layer 1 is the uniform gate
    const two = new Float64Array(2 * N * R);
    two.set(p);
    two.fill(1 / R, N * R);
    const lay = join(dir, "layers.npy");
    writeFileSync(lay, encodeNpy("f64", [2, N, R], two));
    const rl = JSON.parse(runCli("gate", "measure", "--probs", lay, "--json", "--bootstrap", "0").stdout);
    assert.equal(rl.layers.length, 2);
    assert.equal(rl.layers[0].rate, j.layers[0].rate);
    assert.ok(rl.layers[1].rate < 1e-15);
    // the [N, R] layout of the losses gives the same numbers
    const nr = new Uint8Array(N * R);
    for (let i = 0; i < N; i++) for (let t = 0; t < R; t++) nr[i * R + t] = L.data[t * N + i]!;
    const lnr = join(dir, "losses-nr.npy");
    writeFileSync(lnr, encodeNpy("u8", [N, R], nr));
    const jn = JSON.parse(runCli("gate", "measure", "--probs", good, "--losses", lnr, "--losses-layout", "nr", "--json").stdout);
    assert.deepEqual(jn.layers, j.layers);
    // malformed rows: each refused naming the first bad row
    const cases: [string, (q: Float64Array) => void, RegExp][] = [
      ["negative", (q) => { q[17 * R + 1] = -0.25; q[17 * R] += 0.25; }, /row 17: p\(expert 1\) = -0\.25, negative/],
      ["nan", (q) => { q[40 * R + 2] = Number.NaN; }, /row 40: p\(expert 2\) = NaN, not a number/],
      ["sum", (q) => { q[99 * R + 3] += 2e-6; }, /row 99 sums to 1\.000002\d*, not 1 within 0\.000001/],
    ];
    for (const [name, spoil, pattern] of cases) {
      const q = Float64Array.from(p);
      spoil(q);
      const f = join(dir, `${name}.npy`);
      writeFileSync(f, encodeNpy("f64", [N, R], q));
      assertOneLineError(runCli("gate", "measure", "--probs", f), 1, pattern);
    }
    // wrong shape against the losses (N and R swapped is [R, N] = [4, 300] read as [N, R])
    const short = join(dir, "short.npy");
    writeFileSync(short, encodeNpy("f64", [N - 1, R], p.subarray(0, (N - 1) * R)));
    assertOneLineError(runCli("gate", "measure", "--probs", short, "--losses", lf), 1, /losses\.npy: shape \(4, 300\) does not match .*short\.npy \(N = 299 rows, R = 4 experts\)/);
    assertOneLineError(runCli("gate", "measure", "--probs", good, "--losses", lf, "--losses-layout", "nr"), 1, /shape \(4, 300\) does not match/);
    // not floats; a 1-D array; an unreadable file
    writeFileSync(join(dir, "u8.npy"), encodeNpy("u8", [N, R], new Uint8Array(N * R)));
    assertOneLineError(runCli("gate", "measure", "--probs", join(dir, "u8.npy")), 1, /dtype \|u1, expected float16, float32 or float64/);
    writeFileSync(join(dir, "flat.npy"), encodeNpy("f64", [N * R], p));
    assertOneLineError(runCli("gate", "measure", "--probs", join(dir, "flat.npy")), 1, /expected \[N, R\]/);
    assertOneLineError(runCli("gate", "measure", "--probs", join(dir, "none.npy")), 1, /none\.npy: no such file/);
    // bad options: exit 2
    assertOneLineError(runCli("gate", "measure", "--probs", good, "--bootstrap", "-1"), 2, /--bootstrap/);
    assertOneLineError(runCli("gate", "measure", "--probs", good, "--losses-layout", "xy"), 2, /losses-layout/);
    assertOneLineError(runCli("gate", "measure"), 2, /probs/);
    // the alias: gates --gate private and gate private print the same JSON
    const a = runCli("gates", "--test-losses", lf, "--epsilons", "0,1", "--json");
    const b = runCli("gate", "private", "--test-losses", lf, "--epsilons", "0,1", "--json");
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
