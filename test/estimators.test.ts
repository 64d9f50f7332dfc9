// The estimators of Sections IV and VI against closed forms, exact rationals, independent
// computations (JS Math in the tests only, so that they do not share the core's log), brute
// force over small cases, and properties on random loss matrices.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCore } from "./support/core.js";
import { randomLosses, syntheticBank } from "../src/bench/synthetic-bank.js";
import { detMath } from "../src/math.js";
import { stream } from "../src/prng.js";
import {
  qAlpha, rstarCounts, pHat, entropy, posteriorEntropies, condEntropyFromCounts, condEntropyClosedForm, mutualInfo, rstarEntropy,
} from "../src/estimators/entropy.js";
import { biasCorrections, deltaBias, deltaBiasOf } from "../src/estimators/bias.js";
import { percentileInterval, quantileSorted, resampleIndices, resampledCounts } from "../src/estimators/bootstrap.js";
import { drawW, gapStats, gapTerms } from "../src/estimators/gaps.js";
import { bMI, bUB, crossoverAlpha, loosenessRatio } from "../src/estimators/bounds.js";
import { alphaReplicates, runSelection, trend, TABLE_II_ALPHAS, type SelectionResult } from "../src/estimators/sweep.js";

const LN2 = Math.log(2), LN3 = Math.log(3), LN5 = Math.log(5);
const close = (a: number, b: number, tol: number, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

/** -sum p log p with JS Math (independent of the core's log). */
const Hjs = (p: ArrayLike<number>) => {
  let s = 0;
  for (let r = 0; r < p.length; r++) if (p[r]! > 0) s += p[r]! * Math.log(p[r]!);
  return -s;
};

/** eq. 15-18 literally: per-run posteriors, their average, both entropies (JS Math). */
function literalI(alpha: number, R: number, rstar: ArrayLike<number>) {
  const M = rstar.length;
  const p = new Float64Array(R);
  let hc = 0;
  for (let i = 0; i < M; i++) {
    const q = new Float64Array(R).fill((1 - alpha) / R);
    q[rstar[i]!]! += alpha;
    for (let r = 0; r < R; r++) p[r]! += q[r]! / M;
    hc += Hjs(q) / M;
  }
  return { p, hW: Hjs(p), hWgS: hc, I: Hjs(p) - hc };
}

test("q_alpha (eq. 11) and p_hat (eq. 15) in exact rationals", async () => {
  assert.deepEqual([...qAlpha(0.5, 4, 1)], [1 / 8, 5 / 8, 1 / 8, 1 / 8]);
  assert.deepEqual([...qAlpha(0, 4, 2)], [0.25, 0.25, 0.25, 0.25]);
  assert.deepEqual([...qAlpha(1, 3, 2)], [0, 0, 1]);
  const rstar = [0, 0, 1, 3];
  const counts = rstarCounts(rstar, 4);
  assert.deepEqual([...counts], [2, 1, 0, 1]);
  const p = pHat(0.5, 4, counts, 4);
  assert.deepEqual([...p], [3 / 8, 1 / 4, 1 / 8, 1 / 4]);
  assert.deepEqual([...p], [...literalI(0.5, 4, rstar).p], "the counts form equals the average of posteriors (eq. 15), exactly here");
  assert.throws(() => qAlpha(1.5, 3, 0), /alpha must be in \[0, 1\]/);
  assert.throws(() => qAlpha(NaN, 3, 0), /alpha must be in \[0, 1\]/);
});

test("H(W), H(W|S), I (eq. 16-18) on a hand-made case: I = (5/8) log 5 - (3/8) log 3 - (1/2) log 2", async () => {
  const math = detMath(await loadCore());
  const counts = rstarCounts([0, 0, 1, 3], 4);
  const { hW, hWgS, I } = mutualInfo(math, 0.5, 4, counts, 4);
  close(hW, 2.5 * LN2 - 0.375 * LN3, 4e-16, "H(W) = (5/2) log 2 - (3/8) log 3");
  close(hWgS, 3 * LN2 - 0.625 * LN5, 4e-16, "H(W|S) = 3 log 2 - (5/8) log 5");
  close(I, 0.625 * LN5 - 0.375 * LN3 - 0.5 * LN2, 8e-16, "I");
  close(entropy(math, [0.5, 0.25, 0.25]), 1.5 * LN2, 2e-16, "H(1/2, 1/4, 1/4) = (3/2) log 2");
  assert.equal(entropy(math, [1, 0, 0]), 0);
  assert.ok(!Object.is(entropy(math, [1, 0]), -0), "never -0");
});

test("H(W|S) (eq. 17) equals the closed form (eq. 19) and the literal double sum, for many R and alpha", async () => {
  const core = await loadCore();
  const math = detMath(core);
  for (const R of [2, 3, 10, 25, 50]) {
    const rstar = stream(core, R, "test", 1).u32(97).map((x) => x % R);
    const counts = rstarCounts(rstar, R);
    for (let k = 0; k <= 20; k++) {
      const alpha = k / 20;
      const h = condEntropyFromCounts(posteriorEntropies(math, alpha, R), counts, 97);
      close(h, condEntropyClosedForm(math, alpha, R), 2e-14, `eq. 17 vs 19, R ${R} alpha ${alpha}`);
      const lit = literalI(alpha, R, rstar);
      close(h, lit.hWgS, 1e-14, `eq. 17 vs literal, R ${R} alpha ${alpha}`);
      close(mutualInfo(math, alpha, R, counts, 97).hW, lit.hW, 1e-14, `eq. 16 vs literal, R ${R} alpha ${alpha}`);
    }
    close(condEntropyClosedForm(math, 0, R), Math.log(R), 4e-15, "eq. 19 at alpha = 0 is log R");
    assert.equal(condEntropyClosedForm(math, 1, R), 0, "eq. 19 at alpha = 1 is 0");
  }
});

test("closed forms: I = 0 exactly at alpha = 0; I at alpha = 1 is H(r*) exactly; I <= log R, = log R only for uniform r*", async () => {
  const core = await loadCore();
  const math = detMath(core);
  for (const R of [2, 7, 25]) {
    const M = 300;
    const rstar = stream(core, 3, "test", R).u32(M).map((x) => (x % R) * (x % 3 === 0 ? 1 : 0)); // skewed toward 0
    const counts = rstarCounts(rstar, R);
    assert.equal(mutualInfo(math, 0, R, counts, M).I, 0, `R ${R}: I(alpha = 0) is exactly 0`);
    const at1 = mutualInfo(math, 1, R, counts, M);
    assert.equal(at1.I, rstarEntropy(math, counts, M), "I(alpha = 1) = H(r*)");
    assert.equal(at1.hWgS, 0);
    assert.ok(at1.I < Math.log(R) - 0.1, `non-uniform r*: I(1) = ${at1.I} < log R = ${Math.log(R)}: the gap is log R - H(r*)`);
    const uniform = new Int32Array(R).fill(12);
    close(mutualInfo(math, 1, R, uniform, 12 * R).I, Math.log(R), 4e-15, "uniform r*: I(1) = log R");
    for (let k = 0; k <= 10; k++) assert.ok(mutualInfo(math, k / 10, R, counts, M).I <= Math.log(R) + 1e-15);
  }
});

test("the bounds: B_MI under both constants (eq. 21), clamping, and the union bound sqrt(log R / (2m)) (eq. 22)", async () => {
  const math = detMath(await loadCore());
  const ub = bUB(math, 25, 256);
  close(ub, Math.sqrt(Math.log(25) / 512), 1e-16, "B_UB");
  assert.equal(ub.toFixed(3), "0.079", "the paper's B_UB ~ 0.079 (Section IV-C)");
  assert.equal(bMI(1.3778, 256, 1), Math.sqrt((2 * 1.3778) / 256));
  assert.equal(bMI(1.3778, 256, 1).toFixed(4), "0.1037", "the paper's sqrt(2 * 1.3778 / 256) = 0.10375 (Table I prints 0.1038)");
  assert.equal(bMI(1.3778, 256, 0.5), Math.sqrt(1.3778 / 512));
  assert.equal(bMI(-1e-17, 256, 1), 0, "I is clamped at 0 inside the bound");
  const logR = math.log(25);
  close(bMI(logR, 256, 1) / ub, 2, 4e-16, "at I = log R, B_MI(sigma = 1) = 2 B_UB (the paper's sqrt 4)");
  close(bMI(logR, 256, 0.5), ub, 1e-17, "at I = log R, B_MI(sigma = 1/2) = B_UB");
});

test("the crossover alpha solves B_MI = B_UB; it is null with a reason when I(1) = H(r*) falls short", async () => {
  const core = await loadCore();
  const math = detMath(core);
  const R = 25, M = 300;
  const counts = rstarCounts(stream(core, 8, "test", 0).u32(M).map((x) => (x % 40 < 25 ? x % 40 : 0)), R);
  const c1 = crossoverAlpha(math, R, counts, M, 1);
  assert.equal(c1.targetI, math.log(R) / 4);
  assert.ok(c1.alpha.value !== null && c1.alpha.value > 0 && c1.alpha.value < 1);
  const a = c1.alpha.value!;
  assert.ok(bMI(mutualInfo(math, a, R, counts, M).I, 256, 1) >= bUB(math, R, 256) - 1e-15);
  assert.ok(mutualInfo(math, a, R, counts, M).I >= c1.targetI);
  assert.ok(mutualInfo(math, a - 1e-9, R, counts, M).I < c1.targetI);
  const ch = crossoverAlpha(math, R, counts, M, 0.5);
  assert.equal(ch.alpha.value, null);
  assert.match(ch.alpha.reason!, /B_MI < B_UB at every alpha: I at alpha = 1 \(= H\(r\*\)\) is \d\.\d{4} nats, below log R/);
  assert.equal(ch.iAtOne, rstarEntropy(math, counts, M));
});

test("looseness ratios are null with a reason where undefined, never NaN", () => {
  const at0 = loosenessRatio(0, 0.0089, 0, "|G|");
  assert.equal(at0.value, null);
  assert.match(at0.reason!, /undefined at alpha = 0/);
  assert.match(loosenessRatio(0.1, 0, 0.5, "|G|").reason!, /\|G\| = 0/);
  assert.match(loosenessRatio(0, 0.01, 0.5, "G_abs").reason!, /I <= 0/);
  assert.deepEqual(loosenessRatio(0.1038, 0.0051, 0.7, "|G|"), { value: 0.1038 / 0.0051, reason: null });
});

test("bias corrections: exact rationals, and the delta method against brute force over every multinomial outcome", async () => {
  // Hand-made: r* histogram (2, 1, 0, 1) of M = 4 runs, R = 4.
  const c = [2, 1, 0, 1];
  const at = (alpha: number) => biasCorrections(alpha, 4, c, 4);
  assert.deepEqual(at(0.5), { plugIn: 0, paper: 3 / 8, millerMadow: 2 / 8, K: 3, delta: 13 / 192 });
  assert.equal(at(0).delta, 0, "0 at alpha = 0");
  assert.equal(at(1).delta, at(1).millerMadow, "(K - 1)/(2M) at alpha = 1");

  // Brute force: E[H(p_hat)] over c ~ Multinomial(M, f), p_hat_r = (1-alpha)/R + alpha c_r/M.
  const lf = [0];
  for (let k = 1; k <= 200; k++) lf[k] = lf[k - 1]! + Math.log(k);
  const cases: [number[], number][] = [[[0.5, 0.3, 0.2], 60], [[0.7, 0.2, 0.1, 0], 40]];
  for (const [f, M] of cases) {
    const R = f.length;
    for (const alpha of [0, 0.3, 0.5, 0.7, 0.9, 1]) {
      const b = (1 - alpha) / R;
      const truth = Hjs(f.map((x) => b + alpha * x));
      let E = 0, Edelta = 0, Emm = 0, mass = 0;
      const visit = (cc: number[]) => {
        if (cc.some((x, k) => x > 0 && f[k] === 0)) return;
        let lp = lf[M]!;
        cc.forEach((x, k) => { lp += x > 0 ? x * Math.log(f[k]!) - lf[x]! : 0; });
        const pr = Math.exp(lp);
        mass += pr;
        const h = Hjs(cc.map((x) => b + (alpha * x) / M));
        const corr = biasCorrections(alpha, R, cc, M);
        E += pr * h;
        Edelta += pr * (h + corr.delta);
        Emm += pr * (h + corr.millerMadow);
      };
      const rec = (k: number, left: number, cc: number[]) => {
        if (k === R - 1) return visit([...cc, left]);
        for (let x = 0; x <= left; x++) rec(k + 1, left - x, [...cc, x]);
      };
      rec(0, M, []);
      close(mass, 1, 1e-12, "the enumeration covers every outcome");
      const bias = E - truth, delta = deltaBiasOf(alpha, f, M);
      const where = `f ${f} M ${M} alpha ${alpha}`;
      if (alpha === 0) {
        close(bias, 0, 1e-12, `${where}: no bias at alpha = 0`);
        assert.equal(delta, 0);
        assert.ok(Emm - truth > 0.01, "Miller-Madow over-corrects at alpha = 0");
        continue;
      }
      // the delta method's formula is the leading term of the true bias
      assert.ok(Math.abs(bias + delta) <= (alpha < 1 ? 0.025 : 0.08) * delta, `${where}: bias ${bias} vs -delta ${-delta}`);
      // with f estimated from the runs it removes most of the bias
      assert.ok(Math.abs(Edelta - truth) < Math.abs(bias) / 8, `${where}: delta-corrected residual ${Edelta - truth} vs plug-in ${bias}`);
      const paperResidual = E + (R - 1) / (2 * M) - truth;
      if (alpha < 1) {
        assert.ok(Math.abs(Edelta - truth) < Math.abs(Emm - truth), `${where}: delta beats Miller-Madow (K) for alpha < 1`);
        assert.ok(Math.abs(Edelta - truth) < Math.abs(paperResidual), `${where}: delta beats (R-1)/(2M) for alpha < 1`);
      } else {
        close(Edelta, Emm, 1e-12, `${where}: delta = Miller-Madow (K) at alpha = 1`);
      }
    }
  }
  // deltaBias from counts equals deltaBiasOf at f = c/M
  close(deltaBias(0.7, 4, c, 4), deltaBiasOf(0.7, c.map((x) => x / 4), 4), 1e-17);
});

test("percentile quantiles follow numpy's linear rule", () => {
  const xs = [1, 2, 3, 4];
  assert.equal(quantileSorted(xs, 0.25), 1.75);
  assert.equal(quantileSorted(xs, 0.5), 2.5);
  assert.equal(quantileSorted(xs, 0), 1);
  assert.equal(quantileSorted(xs, 1), 4);
  assert.equal(quantileSorted([7], 0.3), 7);
  assert.deepEqual(percentileInterval([4, 1, 3, 2], 0.5), { lo: 1.75, hi: 3.25 });
  assert.equal(percentileInterval([], 0.95), null);
  assert.throws(() => percentileInterval([1], 1), /level/);
});

test("the bootstrap against brute force: resamples are the streams (seed, bootstrap, b); the percentile interval of a mean is the exact one", async () => {
  const core = await loadCore();
  const idx = resampleIndices(core, 5, 5, 7);
  for (let b = 0; b < 5; b++) {
    const s = stream(core, 5, "bootstrap", b);
    assert.deepEqual(idx.subarray(b * 7, b * 7 + 7), s.bootstrap(7, 7));
    s.free();
  }
  assert.deepEqual(resampleIndices(core, 5, 3, 7), idx.subarray(0, 21), "resample b does not depend on B");

  // x = (0, 1, 2, 3): the bootstrap distribution of the mean is exactly enumerable (4^4 resamples).
  const x = [0, 1, 2, 3], M = 4, B = 20000;
  const exact = new Map<number, number>();
  for (let k = 0; k < 256; k++) {
    const sum = (k & 3) + ((k >> 2) & 3) + ((k >> 4) & 3) + ((k >> 6) & 3);
    exact.set(sum, (exact.get(sum) ?? 0) + 1 / 256);
  }
  const rs = resampleIndices(core, 12, B, M);
  const means = new Float64Array(B);
  const seen = new Map<number, number>();
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let j = 0; j < M; j++) s += x[rs[b * M + j]!]!;
    means[b] = s / M;
    seen.set(s, (seen.get(s) ?? 0) + 1);
  }
  for (const [sum, p] of exact) {
    const sd = Math.sqrt((B * p * (1 - p)));
    assert.ok(Math.abs((seen.get(sum) ?? 0) - B * p) < 5 * sd, `sum ${sum}: ${seen.get(sum)} vs ${B * p}`);
  }
  // P(mean <= 1/4) = 5/256 < 2.5% < P(mean <= 1/2) = 15/256, and symmetrically at the top.
  assert.deepEqual(percentileInterval(means, 0.95), { lo: 0.5, hi: 2.5 });
});

test("bootstrap replicates of I and of the gaps equal a brute-force recomputation on each resample; the identity resample gives the point estimate", async () => {
  const core = await loadCore();
  const math = detMath(core);
  const R = 3, M = 6, m = 8, alpha = 0.6;
  const rstar = Int32Array.from([0, 0, 1, 2, 0, 1]);
  // [M, R] error counts on S_i, consistent with r* (run 1 is a tie, broken toward the smaller index)
  const counts = Int32Array.from([1, 3, 2, 2, 2, 5, 3, 1, 4, 4, 2, 1, 0, 1, 1, 6, 2, 3]);
  const u = Float64Array.from([0.1, 0.9, 0.5, 0.7, 0.65, 0.2]);
  const v = Int32Array.from([2, 1, 0, 0, 2, 1]);
  const refErrors = Int32Array.from([3, 5, 6]), nRef = 32;
  const w = drawW(alpha, rstar, u, v);
  assert.deepEqual([...w], [0, 1, 1, 0, 2, 1]);
  const terms = gapTerms(w, counts, R, m, refErrors, nRef);
  // Exact dyadic rationals: R_hat = counts / 8, R_ref = errors / 32.
  assert.deepEqual([...terms.train], [1 / 8, 2 / 8, 1 / 8, 4 / 8, 1 / 8, 2 / 8]);
  assert.deepEqual([...terms.ref], [3 / 32, 5 / 32, 5 / 32, 3 / 32, 6 / 32, 5 / 32]);
  const point = gapStats(terms);
  assert.deepEqual(point, { rTrain: 11 / 48, rRef: 27 / 192, g: 27 / 192 - 11 / 48, gAbs: 23 / 192 });

  const B = 40;
  const idx = resampleIndices(core, 1, B, M);
  const reps = alphaReplicates(core, alpha, { M, R, m }, resampledCounts(rstar, R, idx, M), terms, idx);
  for (let b = 0; b < B; b++) {
    const sel = [...idx.subarray(b * M, b * M + M)];
    const lit = literalI(alpha, R, sel.map((i) => rstar[i]!));
    close(reps.I[b]!, lit.I, 1e-14, `I on resample ${b}`);
    let st = 0, sr = 0, sa = 0;
    for (const i of sel) {
      st += terms.train[i]!;
      sr += terms.ref[i]!;
      sa += Math.abs(terms.ref[i]! - terms.train[i]!);
    }
    assert.equal(reps.rTrain[b], st / M);
    assert.equal(reps.rRef[b], sr / M);
    assert.equal(reps.g[b], sr / M - st / M);
    assert.equal(reps.gAbs[b], sa / M);
    assert.equal(reps.bMI1[b], bMI(reps.I[b]!, m, 1));
  }
  const id = Int32Array.from({ length: M }, (_, i) => i);
  const one = alphaReplicates(core, alpha, { M, R, m }, resampledCounts(rstar, R, id, M), terms, id);
  assert.equal(one.I[0], mutualInfo(math, alpha, R, rstarCounts(rstar, R), M).I, "identity resample: the same bits");
  assert.equal(one.g[0], point.g);
  assert.equal(one.gAbs[0], point.gAbs);
});

/** Every number in a JSON-able value is finite (no NaN, no Infinity). */
function assertFinite(x: unknown, path = "$"): void {
  if (typeof x === "number") assert.ok(Number.isFinite(x), `${path} = ${x}`);
  else if (Array.isArray(x)) x.forEach((y, i) => assertFinite(y, `${path}[${i}]`));
  else if (x !== null && typeof x === "object") for (const [k, y] of Object.entries(x)) assertFinite(y, `${path}.${k}`);
}

test("properties on random loss matrices: 0 <= H(W|S) <= H(W) <= log R, bounds >= 0, I non-decreasing in alpha, never NaN", async () => {
  const core = await loadCore();
  const alphas = Array.from({ length: 21 }, (_, k) => k / 20);
  for (const [R, seed] of [[2, 1], [5, 2], [13, 3], [25, 4]] as const) {
    const train = randomLosses(core, seed, R, 400, 0.1, 0.3), testL = randomLosses(core, seed + 50, R, 300, 0.1, 0.3);
    const res = runSelection(core, train, testL, { M: 60, m: 30, alphas, seed, bootstrap: 40 });
    assertFinite(JSON.parse(JSON.stringify(res)));
    const logR = res.logR;
    assert.ok(res.bUB >= 0);
    for (const rd of [res.readings.paper, res.readings.pool]) {
      // I(S;W) is non-decreasing in alpha: q_alpha' (alpha' < alpha) garbles q_alpha independently of
      // S (data processing); with common random numbers the plug-in follows it. A sanity check.
      assert.equal(rd.trends.I, "non-decreasing", `${rd.reading} R ${R}`);
      for (let k = 1; k < rd.alphas.length; k++) assert.ok(rd.alphas[k]!.I.value >= rd.alphas[k - 1]!.I.value - 1e-12);
      for (const a of rd.alphas) {
        const tol = 1e-12;
        assert.ok(a.hWgS >= 0, `H(W|S) >= 0 (${a.hWgS})`);
        assert.ok(a.hWgS <= a.hW + tol, `H(W|S) <= H(W) at alpha ${a.alpha}`);
        assert.ok(a.hW <= logR + tol, `H(W) <= log R at alpha ${a.alpha}`);
        close(a.hWgS, a.hWgSClosedForm, 2e-14, "eq. 17 = eq. 19");
        assert.ok(a.bMI.sigma1.value >= 0 && a.bMI.sigmaHalf.value >= 0);
        assert.ok(a.bMI.sigmaHalf.value <= a.bMI.sigma1.value);
        for (const e of [a.I, a.rTrain, a.rRef, a.g, a.gAbs, a.bMI.sigma1]) assert.ok(e.ci !== null && e.ci.lo <= e.ci.hi);
        if (a.alpha === 0) {
          assert.equal(a.I.value, 0);
          assert.equal(a.looseness.sigma1.overAbsG.value, null);
          assert.match(a.looseness.sigmaHalf.overGAbs.reason!, /alpha = 0/);
        }
      }
      assert.equal(rd.alphas.at(-1)!.I.value, rd.hRstar, "I(1) = H(r*)");
      assert.ok(rd.logRMinusHRstar >= -1e-15);
    }
  }
});

test("trend labels", () => {
  assert.equal(trend([0, 0.3, 0.9]), "non-decreasing");
  assert.equal(trend([0.02, 0.01, 0.01]), "non-increasing");
  assert.equal(trend([1, 1]), "constant");
  assert.equal(trend([0.017, 0.0158, 0.0161]), "neither");
  assert.equal(trend([0, 1e-13, 0.5], 1e-12), "non-decreasing");
});

test("the sweep on a synthetic MNIST-sized bank: defaults are the paper's (Table II alphas, M 300, m 256), deterministic, readings labelled", async () => {
  const core = await loadCore();
  const { train, test: testL } = syntheticBank(core, { nPool: 60000, nTest: 10000 });
  const run = (): SelectionResult => runSelection(core, train, testL, { bootstrap: 200 });
  const res = run();
  assert.deepEqual(res.config.alphas, TABLE_II_ALPHAS);
  assert.equal(res.config.M, 300);
  assert.equal(res.config.m, 256);
  assert.equal(JSON.stringify(run()), JSON.stringify(res), "same config and seed, same bytes");
  const { paper, pool } = res.readings;
  assert.equal(paper.reference, "test");
  assert.equal(pool.reference, "pool");
  assert.equal(pool.scheme, "iid");
  assert.ok(paper.ties.samples > 0, "ties occur at m = 256 with 0-1 losses");
  // reading (c): at alpha = 0, W is independent of S and S is i.i.d. from the pool: E G_pool = 0
  const g0 = pool.alphas[0]!.g;
  assert.ok(Math.abs(g0.value) < 3 * ((g0.ci!.hi - g0.ci!.lo) / 3.92), `G_pool(0) = ${g0.value} is near 0`);
  // the synthetic pool is harder than its test split, so the paper's G(0) is negative (like Table II)
  assert.ok(paper.alphas[0]!.g.ci!.hi < 0);
  assertFinite(JSON.parse(JSON.stringify(res)));
});

test("the paper's printed numbers against the closed forms: H(W|S) of Table I is eq. 19; sqrt(2I/m) columns; H(W) <= log R on every row", async () => {
  const math = detMath(await loadCore());
  const { PAPER_TABLE_I: t1, PAPER_TABLE_II: t2 } = await import("../src/estimators/paper.js");
  assert.equal(condEntropyClosedForm(math, 0.7, 25).toFixed(4), t1.hWgS.toFixed(4), "Table I's H(W|S) = eq. 19 at R = 25, alpha = 0.7");
  close(t1.hW - t1.hWgS, t1.I, 1.5e-4, "Table I: I = H(W) - H(W|S) up to rounding");
  assert.equal(bMI(t1.I, 256, 1).toFixed(3), t1.bMI.toFixed(3));
  assert.equal(((25 - 1) / (2 * 300)).toFixed(2), t1.millerMadow.toFixed(2), "(R-1)/(2M) = 0.04");
  for (const row of t2) {
    if (row.bMI !== null) close(bMI(row.I, 256, 1), row.bMI, 6e-5, `Table II sqrt(2I/m) at alpha ${row.alpha}`);
    // H(W) = I + H(W|S) (eq. 18-19) cannot exceed log R
    assert.ok(row.I + condEntropyClosedForm(math, row.alpha, 25) <= Math.log(25), `Table II alpha ${row.alpha}: H(W) <= log R`);
  }
  assert.notEqual(t1.g, t2.find((r) => r.alpha === 0.7)!.g, "the tables disagree on G at alpha = 0.7 (0.0045 vs 0.0051)");
});
