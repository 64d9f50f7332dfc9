// Expert scaling (src/experiments/scaling.ts): the fits against laws they must recover, D(rho) of
// subsets against direct computations, the subset draws, and the CLI (quick run on small banks,
// bad input as one line).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCore } from "./support/core.js";
import { bankLike as bankLikeP } from "./support/synthetic.js";

/** Losses [R, N] with difficulty u^3 and skill in [skill, 1]. */
const bankLike = (R: number, N: number, seed: number, skill = 0.5): LossMatrix => bankLikeP(R, N, seed, 3, skill);
import { runCli, assertOneLineError } from "./support/cli.js";
import { detMath } from "../src/math.js";
import { Cnn, DEFAULT_SPEC, paramCount } from "../src/model/cnn.js";
import { subsetLosses, distortionAtRates, runScaling, type ScalingBank } from "../src/experiments/scaling.js";
import { fitPowerLaw, fitSaturatingLaw } from "../src/fit.js";
import { scalingFigures, renderScaling } from "../src/experiments/scaling-report.js";
import type { LossMatrix } from "../src/formats/losses.js";

test("paramCount is the core's parameter layout size for several widths", async () => {
  const core = await loadCore();
  for (const [c1, c2] of [[4, 8], [16, 32], [32, 64]] as const) {
    const spec = { ...DEFAULT_SPEC, conv1: c1, conv2: c2 };
    const net = new Cnn(core, spec);
    assert.equal(paramCount(spec), net.size);
    net.free();
  }
  assert.equal(paramCount(DEFAULT_SPEC), 105866);
});

test("fits: a power law and a saturating law are recovered from exact points; noise-free r^2 = 1", async () => {
  const math = detMath(await loadCore());
  const x = [1, 2, 3, 5, 8, 13, 21, 34, 50];
  const p = fitPowerLaw(math, x, x.map((v) => 0.3 * v ** -0.45));
  assert.ok(Math.abs(p.b - 0.45) < 1e-12 && Math.abs(p.a - 0.3) < 1e-12 && Math.abs(p.r2 - 1) < 1e-12);
  for (const [c, a, b] of [[0.02, 0.08, 0.7], [0.05, 0.03, 1.3], [0, 0.1, 0.4]] as const) {
    const s = fitSaturatingLaw(math, x, x.map((v) => c + a * v ** -b));
    assert.ok(Math.abs(s.c - c) < 1e-6 && Math.abs(s.a - a) < 1e-6 && Math.abs(s.b - b) < 1e-5, `(${c}, ${a}, ${b}) -> ${JSON.stringify(s)}`);
    assert.ok(s.rmse < 1e-8);
  }
  assert.throws(() => fitSaturatingLaw(math, [1, 2], [1, 2]), /at least 3/);
  // A zero has no logarithm: it is left out, not clamped (a clamped 1e-12 would set the exponent).
  const z = fitPowerLaw(math, [...x, 80], [...x.map((v) => 0.3 * v ** -0.45), 0]);
  assert.equal(z.points, x.length);
  assert.ok(Math.abs(z.b - 0.45) < 1e-12);
  assert.throws(() => fitPowerLaw(math, [1, 2], [0.5, 0]), /at least 2 points with x > 0 and y > 0/);
  // An exponent beyond the search (3) is flagged.
  assert.equal(fitSaturatingLaw(math, x, x.map((v) => 0.1 + 0.5 * v ** -3.5)).atEdge, true);
  assert.equal(fitSaturatingLaw(math, x, x.map((v) => 0.1 + 0.5 * v ** -0.7)).atEdge, false);
});

test("D(rho) of a subset: rho = 0 is the best expert's error, unconstrained is the share of items every expert gets wrong, and rows are copied right", async () => {
  const core = await loadCore();
  const L = bankLike(12, 3000, 5);
  const rows = [7, 2, 9, 4];
  const S = subsetLosses(L, rows, 2000);
  assert.equal(S.R, 4);
  assert.equal(S.N, 2000);
  for (let k = 0; k < 4; k++) for (let i = 0; i < 2000; i += 97) assert.equal(S.data[k * 2000 + i], L.data[rows[k]! * 3000 + i]);
  const { d, leastRate } = distortionAtRates(core, S, [0, 0.05, null]);
  let best = Infinity, oracle = 0;
  for (let k = 0; k < 4; k++) {
    let e = 0;
    for (let i = 0; i < 2000; i++) e += S.data[k * 2000 + i]!;
    best = Math.min(best, e / 2000);
  }
  for (let i = 0; i < 2000; i++) {
    let all = 1;
    for (let k = 0; k < 4; k++) all &= S.data[k * 2000 + i]!;
    oracle += all;
  }
  assert.equal(d[0], best);
  assert.ok(Math.abs(d[2]! - oracle / 2000) < 1e-12);
  assert.ok(d[0]! >= d[1]! && d[1]! >= d[2]!);
  assert.ok(leastRate > 0 && leastRate <= Math.log(4) + 1e-12);
});

test("runScaling on synthetic banks: subsets are drawn per R from their own stream, D falls with R and with the better bank, deterministic plain JSON, figures", async () => {
  const core = await loadCore();
  const big = bankLike(20, 2000, 11);
  const bank = (label: string, losses: LossMatrix, params: number): ScalingBank => ({ label, conv1: 1, conv2: 1, params, losses });
  const widths = [bank("a", bankLike(6, 2000, 12, 0.9), 100), bank("b", bankLike(6, 2000, 13, 0.6), 200), bank("c", bankLike(6, 2000, 14, 0.3), 400), bank("d", bankLike(6, 2000, 15, 0.1), 800)];
  const o = { byCount: bank("big", big, 100), counts: [1, 2, 4, 8, 20], subsets: 6, byWidth: widths, rhos: [0, 0.02, null], seed: 3 };
  const r = runScaling(core, o);
  assert.equal(r.byCount.rows.length, 5);
  assert.equal(r.byCount.rows[4]!.cells[0]!.values.length, 1, "R = all experts: one subset");
  assert.equal(r.byCount.rows[1]!.cells[0]!.values.length, 6);
  assert.ok(r.checks.fallsWithRho && r.checks.fallsWithR && r.checks.fallsWithWidth, JSON.stringify(r.checks));
  // The unconstrained oracle of all 20 experts, directly.
  let oracle = 0;
  for (let i = 0; i < 2000; i++) {
    let all = 1;
    for (let t = 0; t < 20; t++) all &= big.data[t * 2000 + i]!;
    oracle += all;
  }
  assert.ok(Math.abs(r.byCount.rows[4]!.cells[2]!.mean - oracle / 2000) < 1e-12);
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  assert.deepEqual(runScaling(core, o), r);
  // A different seed draws different subsets (same R = all row).
  const r2 = runScaling(core, { ...o, seed: 4 });
  assert.notDeepEqual(r2.byCount.rows[1]!.cells[0]!.values, r.byCount.rows[1]!.cells[0]!.values);
  assert.deepEqual(r2.byCount.rows[4], r.byCount.rows[4]);
  const figs = scalingFigures(r, detMath(core));
  assert.deepEqual(Object.keys(figs).sort(), ["scaling-capacity.svg", "scaling-experts.svg", "scaling-width.svg"]);
  for (const svg of Object.values(figs)) assert.ok(svg.startsWith("<svg") && svg.trimEnd().endsWith("</svg>"));
  const md = renderScaling(r);
  assert.match(md, /## Expert scaling/);
  assert.doesNotMatch(md, /NaN|undefined/);
  assert.throws(() => runScaling(core, { ...o, counts: [1, 21] }), /outside \[1, 20\]/);
  assert.throws(() => runScaling(core, { ...o, byWidth: [...widths, bank("short", bankLike(6, 500, 16), 1600)] }), /bank short has 500 items, fewer than n = 2000/);
});

test("moe-bank scaling --quick trains small banks through the cache and writes scaling.{json,md} and three figures; bad input is one line", () => {
  const dir = mkdtempSync(join(tmpdir(), "moe-scaling-"));
  try {
    const out = join(dir, "out");
    const r = runCli("scaling", "--quick", "--cache", join(dir, "cache"), "--out", out, "--json", "--quiet");
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.format, "moe-bank/scaling");
    assert.deepEqual(readdirSync(out).sort(), ["scaling-capacity.svg", "scaling-experts.svg", "scaling-width.svg", "scaling.json", "scaling.md"]);
    assert.deepEqual(JSON.parse(readFileSync(join(out, "scaling.json"), "utf8")), j);
    assert.equal(j.byCount.rows.length, 6);
    assert.equal(j.byWidth.rows.length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assertOneLineError(runCli("scaling", "--quick", "--widths", "16x32"), 2, /--widths takes conv1\/conv2/);
  assertOneLineError(runCli("scaling", "--quick", "--counts", "1", "2"), 2, /at least 3 expert counts/);
  assertOneLineError(runCli("scaling", "--quick", "--rho", "-1"), 2, /--rho must be finite and >= 0/);
  assertOneLineError(runCli("scaling", "--quick", "--subset-size", "70000"), 2, /larger than the training set/);
});
