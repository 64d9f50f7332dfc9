// The zero-compute constant experts experiment (src/synth/constants.ts): every closed form it uses
// against a hand derivation or an independent computation, each test able to fail on a wrong
// implementation; the measured effects (K^2 D -> A, estimation ~ K sigma^2 / n, unbiasedness, best
// K); and the result being plain, deterministic JSON with well-formed figures.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  GL16_NODES, GL16_WEIGHTS, gaussLegendre, compositeGaussLegendre, defaultModel1D, defaultModel2D, uniformBoundaries, companderWeight,
  compandedBoundaries, cellStats, optimalConstants, approximationError, testError, highRateConstants, predictedTestError, predictedBestK,
  drawTraining1D, learnConstants, estimationError, binomialInverseMoment, expectedEstimationError, powerLawFit, cellStats2D, total,
  highRateConstants2D, marginalWeights, compandedGrid2D, cellOf, learnConstants2D, drawTraining2D, runConstants, renderConstants, constantsFigures,
  type Model1D, type ConstantsResult,
} from "../src/synth/constants.js";
import { escapeXml } from "../src/plot/svg.js";
import { detMath } from "../src/math.js";
import { loadCore } from "./support/core.js";

const core = await loadCore();
const m = detMath(core);
const E = Math.E;

function close(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual} vs ${expected} (rel tol ${rel})`);
}

/** p uniform on [0, 1], f(x) = x^2: every high-rate integral is analytic. */
const square: Model1D = {
  pdf: () => 1, invCdf: (u) => u, f: (x) => x * x, df: (x) => 2 * x, sigma: 1,
  text: { p: "uniform", f: "x^2", sampling: "x = u" },
};

test("Gauss-Legendre 16: nodes are the roots of P_16, weights sum to 2, exact up to degree 31 and not 32", () => {
  for (const x of GL16_NODES) {
    let p0 = 1, p1 = x;
    for (let k = 2; k <= 16; k++) [p0, p1] = [p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k];
    assert.ok(Math.abs(p1) < 1e-14, `P16(${x}) = ${p1}`);
  }
  close(GL16_WEIGHTS.reduce((a, b) => a + b, 0), 2, 1e-15, "sum of weights");
  for (const [a, b] of [[-1, 1], [0.2, 1.3]] as const) {
    for (let d = 0; d <= 31; d++) {
      const exact = (b ** (d + 1) - a ** (d + 1)) / (d + 1);
      const got = gaussLegendre((x) => x ** d, a, b);
      assert.ok(Math.abs(got - exact) <= 1e-13 * Math.max(1, Math.abs(exact)), `x^${d} on [${a}, ${b}]: ${got} vs ${exact}`);
    }
  }
  // the rule's error on x^32 over [-1, 1]: 2^33 (16!)^4 / (33 (32!)^2) ~ 7.2e-10
  const err32 = Math.abs(gaussLegendre((x) => x ** 32, -1, 1) - 2 / 33);
  assert.ok(err32 > 5e-10 && err32 < 1e-9, `x^32 error ${err32}`);
  close(compositeGaussLegendre(Math.exp, 0, 1, 4), E - 1, 1e-15, "int_0^1 e^x");
});

test("A and A_u: hand-derived for p uniform, f = x^2, and for the defaults against the closed form and Simpson", () => {
  // p f'^2 = 4 x^2: A_u = (1/12)(4/3) = 1/9; int (4 x^2)^(1/3) = 4^(1/3) 3/5, cubed 108/125, A = 9/125
  const sq = highRateConstants(square, m);
  close(sq.Au, 1 / 9, 1e-14, "A_u, f = x^2");
  close(sq.A, 9 / 125, 1e-7, "A, f = x^2 (x^(2/3) is singular at 0)");
  const def = defaultModel1D(m);
  const h = highRateConstants(def, m);
  // A_u = (1/12) int (1/2 + x) 4 e^(4x) dx = (5 e^4 - 1) / 48
  close(h.Au, (5 * E ** 4 - 1) / 48, 1e-13, "A_u default");
  const N = 20000, w = (x: number) => Math.cbrt(4 * (0.5 + x) * Math.exp(4 * x));
  let s = w(0) + w(1);
  for (let i = 1; i < N; i++) s += (i % 2 === 1 ? 4 : 2) * w(i / N);
  const simpson = s / (3 * N);
  close(h.norm, simpson, 1e-12, "int (p f'^2)^(1/3)");
  close(h.A, simpson ** 3 / 12, 1e-11, "A default");
  assert.ok(h.A < h.Au, "Hoelder: A <= A_u");
});

test("the optimal constants are the cell means; any other constants cost P_k delta^2 more", () => {
  const def = defaultModel1D(m);
  const b = [0, 0.13, 0.4, 0.41, 0.77, 1];
  const c = optimalConstants(def, b);
  // int (1/2 + x) e^(2x) = x e^(2x) / 2, P(x) = x/2 + x^2/2
  const F = (x: number) => (x * Math.exp(2 * x)) / 2, P = (x: number) => x / 2 + (x * x) / 2;
  c.forEach((ck, k) => close(ck, (F(b[k + 1]!) - F(b[k]!)) / (P(b[k + 1]!) - P(b[k]!)), 1e-14, `c_${k}`));
  const st = cellStats(def, b);
  st.P.forEach((Pk, k) => close(Pk, P(b[k + 1]!) - P(b[k]!), 1e-14, `P_${k}`));
  const best = testError(def, b, c);
  close(best, 1 + approximationError(def, b), 1e-14, "test error of c* = sigma^2 + D");
  for (let k = 0; k < c.length; k++) {
    const moved = c.map((v, j) => (j === k ? v + 0.1 : v));
    close(testError(def, b, moved) - best, st.P[k]! * 0.01, 1e-9, `cost of moving c_${k}`);
  }
});

test("companded boundaries: b_j = (j/K)^(3/5) for f = x^2, equal mass of (p f'^2)^(1/3) per cell for the defaults", () => {
  const K = 7;
  const b = compandedBoundaries(companderWeight(square, m), K);
  assert.equal(b.length, K + 1);
  // G(x) = x^(5/3); the weight x^(2/3) is singular at 0, which costs Gauss-Legendre ~8 digits there
  b.forEach((v, j) => assert.ok(Math.abs(v - (j / K) ** 0.6) < 1e-7, `b_${j} = ${v} vs ${(j / K) ** 0.6}`));
  const def = defaultModel1D(m);
  const g = companderWeight(def, m);
  const Z = compositeGaussLegendre(g, 0, 1, 64);
  for (const KK of [3, 40]) {
    const bb = compandedBoundaries(g, KK);
    assert.equal(bb[0], 0);
    assert.equal(bb[KK], 1);
    for (let k = 0; k < KK; k++) close(gaussLegendre(g, bb[k]!, bb[k + 1]!), Z / KK, 1e-11, `cell ${k} of ${KK}`);
  }
  assert.deepEqual(uniformBoundaries(4), [0, 0.25, 0.5, 0.75, 1]);
});

test("K^2 D(K) -> A for the companded and A_u for the uniform segmentation", () => {
  const def = defaultModel1D(m);
  const { A, Au } = highRateConstants(def, m);
  const g = companderWeight(def, m);
  for (const K of [100, 250]) {
    close(K * K * approximationError(def, compandedBoundaries(g, K)), A, 0.01, `companded K = ${K}`);
    close(K * K * approximationError(def, uniformBoundaries(K)), Au, 0.01, `uniform K = ${K}`);
  }
  // and it is a limit: at K = 2 the uniform segmentation is far from A_u
  assert.ok(Math.abs(4 * approximationError(def, uniformBoundaries(2)) - Au) > 0.1 * Au);
  const fit = powerLawFit([10, 20, 40], [3 / 100, 3 / 400, 3 / 1600], -2, m);
  close(fit.slope, -2, 1e-12, "fit slope");
  close(fit.constant, 3, 1e-12, "fit constant");
});

test("predicted test error and best K: (2 A n / sigma^2)^(1/3) is the minimizer", () => {
  close(predictedTestError(3, 10, 1000, 2), 4 + 0.03 + 0.04, 1e-15, "sigma^2 + A/K^2 + K sigma^2/n");
  const k = predictedBestK(3.3, 10000, 1.5, m);
  close(k, Math.cbrt((2 * 3.3 * 10000) / 2.25), 1e-14, "best K");
  const at = predictedTestError(3.3, k, 10000, 1.5);
  assert.ok(predictedTestError(3.3, k * 1.01, 10000, 1.5) > at && predictedTestError(3.3, k / 1.01, 10000, 1.5) > at);
});

test("learned constants: cell means, the last cell closed, an empty cell predicts the mean of all y's", () => {
  const b = [0, 0.25, 0.5, 1];
  const L = learnConstants([0.1, 0.2, 0.6, 1], [1, 3, 10, 20], b);
  assert.deepEqual(L.counts, [2, 0, 2]);
  assert.deepEqual(L.c, [2, 8.5, 15]);
  assert.equal(L.fallback, 8.5);
  assert.throws(() => learnConstants([0.5, 0.1], [1, 2], b), /ascending/);
  assert.equal(cellOf(b, 0.25), 1);
  assert.equal(cellOf(b, 1), 2);
  assert.equal(cellOf(b, 0), 0);
  const L2 = learnConstants2D({ x1: new Float64Array([0.1, 0.9, 0.95]), x2: new Float64Array([0.1, 0.6, 0.7]), y: new Float64Array([1, 2, 4]) }, [0, 0.5, 1], [0, 0.5, 1]);
  assert.deepEqual(L2.counts, [1, 0, 0, 2]);
  assert.deepEqual(L2.c, [1, 7 / 3, 7 / 3, 3]);
  // a drawn training set: sorted x in [0, 1), estimation error = test error - sigma^2 - D
  const def = defaultModel1D(m);
  const tr = drawTraining1D(core, def, 500, 3, 0);
  for (let i = 1; i < tr.x.length; i++) assert.ok(tr.x[i]! >= tr.x[i - 1]!);
  const bb = uniformBoundaries(9);
  const st = cellStats(def, bb);
  const c = learnConstants(tr.x, tr.y, bb).c;
  close(testError(def, bb, c), 1 + total(st.err) + estimationError(st, c), 1e-12, "decomposition");
  assert.deepEqual(drawTraining1D(core, def, 500, 3, 0), tr, "same stream, same draws");
});

test("binomial inverse moment and the exact expected estimation error", () => {
  for (const [n, P] of [[30, 0.1], [12, 0.5], [50, 0.9], [40, 0.01]] as const) {
    let s = 0, pmf = (1 - P) ** n;
    const p0 = pmf;
    for (let k = 1; k <= n; k++) {
      pmf *= ((n - k + 1) / k) * (P / (1 - P));
      s += pmf / k;
    }
    const got = binomialInverseMoment(n, P);
    close(got.invMean, s, 1e-12, `E[1/N; N >= 1], n = ${n}, P = ${P}`);
    // terms below 1e-18 of the mode's are dropped
    assert.ok(Math.abs(got.pZero - p0) <= 1e-9 * p0 + 1e-17, `P(N = 0), n = ${n}, P = ${P}: ${got.pZero} vs ${p0}`);
  }
  assert.deepEqual(binomialInverseMoment(10, 1), { invMean: 0.1, pZero: 0 });
  // K = 1: the learned constant is the mean of all y's, estimation error (Var f + sigma^2) / n
  const def = defaultModel1D(m, 2);
  const st = cellStats(def, [0, 1]);
  close(expectedEstimationError(st, 400, 2), (st.err[0]! + 4) / 400, 1e-13, "K = 1");
  // many points per cell: -> (K sigma^2 + sum_k v_k) / n
  const st2 = cellStats(def, uniformBoundaries(10));
  const v = total(st2.err.map((e, k) => e / st2.P[k]!));
  close(expectedEstimationError(st2, 1e6, 2), (40 + v) / 1e6, 1e-4, "high count limit");
});

test("learned constants are unbiased given n_k >= 1 (and the z-score check catches a biased estimator)", () => {
  const def = defaultModel1D(m);
  const b = compandedBoundaries(companderWeight(def, m), 20);
  const st = cellStats(def, b);
  const K = 20, T = 200, n = 2000;
  const num = [new Float64Array(K), new Float64Array(K)], vr = new Float64Array(K);
  for (let t = 0; t < T; t++) {
    const tr = drawTraining1D(core, def, n, 11, t);
    const L = learnConstants(tr.x, tr.y, b);
    for (let k = 0; k < K; k++) {
      const nk = L.counts[k]!;
      if (nk === 0) continue;
      num[0]![k] += L.c[k]! - st.c[k]!;
      num[1]![k] += (L.c[k]! * nk) / (nk + 1) - st.c[k]!; // shrunk towards 0: biased
      vr[k] += (st.err[k]! / st.P[k]! + 1) / nk;
    }
  }
  const z2 = num.map((s) => Array.from(s, (x, k) => (x * x) / vr[k]!));
  const mean = (xs: number[]) => xs.reduce((a, c) => a + c, 0) / xs.length;
  assert.ok(Math.max(...z2[0]!) < 16, `max z^2 ${Math.max(...z2[0]!)}`);
  // 20 cells: mean z^2 ~ chi^2_20 / 20 if unbiased (outside (0.3, 2.2) with probability ~ 0.003)
  assert.ok(mean(z2[0]!) > 0.3 && mean(z2[0]!) < 2.2, `mean z^2 ${mean(z2[0]!)}`);
  assert.ok(mean(z2[1]!) > 10, `biased estimator: mean z^2 ${mean(z2[1]!)}`);
});

test("2-D closed forms: gradient integrals, marginal weights, the bound, its high-rate form, companding", () => {
  const mod = defaultModel2D(m);
  const C = highRateConstants2D(mod, m);
  // f = e^(x1 + 2 x2) / 10: int f^2 = (e^2 - 1)(e^4 - 1) / 800, f_x1 = f, f_x2 = 2 f
  const I = ((E ** 2 - 1) * (E ** 4 - 1)) / 800;
  close(C.Fx1, I, 1e-13, "int p f_x1^2");
  close(C.Fx2, 4 * I, 1e-13, "int p f_x2^2");
  close(C.A2bound, (5 * I) / 6, 1e-13, "A2b");
  close(C.A2highRate, (5 * I) / 12, 1e-13, "A2h");
  close(C.errorAspectUniform, 0.5, 1e-13, "sqrt(Fx1 / Fx2)");
  // W1 = (5/100) e^(2 x1) (e^4 - 1)/4, W2 = (5/100) e^(4 x2) (e^2 - 1)/2
  const r1 = Math.cbrt((5 * (E ** 4 - 1)) / 400) * 1.5 * (Math.exp(2 / 3) - 1);
  const r2 = Math.cbrt((5 * (E ** 2 - 1)) / 200) * 0.75 * (Math.exp(4 / 3) - 1);
  close(C.C1, r1 ** 3, 1e-12, "C1");
  close(C.C2, r2 ** 3, 1e-12, "C2");
  close(C.boundAspect, Math.sqrt(r1 ** 3 / r2 ** 3), 1e-12, "bound aspect");
  const { W1 } = marginalWeights(mod);
  close(W1(0.3), (5 * Math.exp(0.6) * (E ** 4 - 1)) / 400, 1e-13, "W1(0.3)");
  // uniform p: int_cell ||x - m||^2 = P (a^2 + b^2) / 12, so bound = gradSqMax P (a^2 + b^2) / 12,
  // and the high-rate bound on k x k squares is exactly A2b / K
  const b1 = [0, 0.3, 1], b2 = [0, 0.5, 0.55, 1];
  const st = cellStats2D(mod, b1, b2);
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) {
      const k = i * 3 + j, a = b1[i + 1]! - b1[i]!, bb = b2[j + 1]! - b2[j]!;
      close(st.P[k]!, a * bb, 1e-14, "P");
      close(st.bound[k]!, mod.gradSqMax(b1[i]!, b1[i + 1]!, b2[j]!, b2[j + 1]!) * st.P[k]! * (a * a + bb * bb) / 12, 1e-12, "bound");
      assert.ok(st.bound[k]! >= st.err[k]!, "the bound holds");
      // the cell mean of e^(x1 + 2 x2) / 10 over a rectangle, analytically
      const cm = ((Math.exp(b1[i + 1]!) - Math.exp(b1[i]!)) * (Math.exp(2 * b2[j + 1]!) - Math.exp(2 * b2[j]!))) / (2 * a * bb * 10);
      close(st.c[k]!, cm, 1e-13, "cell mean");
    }
  }
  for (const k of [3, 16]) {
    const sq = cellStats2D(mod, uniformBoundaries(k), uniformBoundaries(k));
    close(k * k * total(sq.boundHighRate), C.A2bound, 1e-12, `K x bound high-rate, k = ${k}`);
    assert.ok(total(sq.bound) >= total(sq.err));
  }
  const sq = cellStats2D(mod, uniformBoundaries(16), uniformBoundaries(16));
  close(256 * total(sq.err), C.A2highRate, 0.01, "K D -> A2h");
  close(256 * total(sq.bound), C.A2bound, 0.25, "K bound -> A2b (slowly: max over the cell)");
  const g = compandedGrid2D(mod, m, 5, 4);
  const w1 = (x: number) => Math.cbrt(W1(x));
  const Z = compositeGaussLegendre(w1, 0, 1, 8);
  for (let k = 0; k < 5; k++) close(gaussLegendre(w1, g.b1[k]!, g.b1[k + 1]!), Z / 5, 1e-10, `companded x1 cell ${k}`);
  assert.equal(g.b2.length, 5);
  const tr = drawTraining2D(core, mod, 1000, 0, 8);
  assert.ok(tr.x1.every((x) => x >= 0 && x < 1) && tr.x2.every((x) => x >= 0 && x < 1));
});

// one shared quick run (also the determinism and JSON checks)
let quick: ConstantsResult | undefined;
function quickRun(): ConstantsResult {
  quick ??= runConstants(core, { quick: true, seed: 0 });
  return quick;
}

test("quick run: plain JSON, deterministic, progress reported", () => {
  const r = quickRun();
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  const calls: [number, number][] = [];
  const again = runConstants(core, { quick: true, seed: 0 }, (d, t) => calls.push([d, t]));
  assert.deepEqual(again, r);
  assert.equal(calls.length, calls[0]![1]);
  assert.deepEqual(calls[calls.length - 1], [calls[0]![1], calls[0]![1]]);
  const other = runConstants(core, { quick: true, seed: 1, twoD: false });
  assert.notDeepEqual(other.runs, r.runs);
  assert.equal(other.twoD, null);
  assert.throws(() => runConstants(core, { quick: true, seed: 0, ns: [1, 2, 3, 4, 5, 6, 7, 8, 9] }), /ns/);
});

test("quick run: the approximation fit, exact expectations of the estimation error, unbiasedness", () => {
  const r = quickRun();
  const ap = r.approximation;
  close(ap.companded.slope, -2, 0.01, "companded slope");
  close(ap.uniform.slope, -2, 0.01, "uniform slope");
  close(ap.companded.K2errorAtMaxK, r.constants.A, 0.01, "companded K^2 D");
  close(ap.uniform.K2errorAtMaxK, r.constants.Au, 0.01, "uniform K^2 D");
  for (const run of r.runs) {
    for (const cv of [run.companded, run.uniform]) {
      r.config.Ks.forEach((K, i) => {
        if (K < 8) return;
        // the estimation error is ~ (sigma^2 / n) chi^2_K: its standard error is at least E sqrt(2 / (K T)),
        // a floor for the sample se of a few trials (which can come out far too small)
        const ex = cv.estimationExpected[i]!;
        const dev = Math.abs(cv.estimationMean[i]! - ex) / Math.max(cv.estimationSe[i]!, ex * Math.sqrt(2 / K / r.config.trials));
        assert.ok(dev < 5, `n = ${run.n} ${cv.segmentation} K = ${K}: ${dev} se from the exact expectation`);
        close(cv.testMean[i]!, 1 + r.approximation[cv.segmentation].error[i]! + cv.estimationMean[i]!, 1e-12, "test = sigma^2 + D + estimation");
      });
      let s = 0, c = 0;
      cv.unbiased.meanZ2.forEach((z, i) => {
        if (z === null) return;
        s += z * cv.unbiased.cells[i]!;
        c += cv.unbiased.cells[i]!;
      });
      assert.ok(c > 0 && s / c > 0.6 && s / c < 1.5, `pooled mean z^2 ${s / c}`);
      assert.ok(Math.max(...cv.unbiased.maxAbsZ.map((z) => z ?? 0)) < 5);
    }
  }
  const t = r.twoD!;
  t.squares.K.forEach((_, i) => assert.ok(t.squares.uniform.bound[i]! >= t.squares.uniform.approx[i]! && t.squares.companded.bound[i]! >= t.squares.companded.approx[i]!));
  // the uniform bound prefers squares; the exact error prefers finer cells along x2 (k1 < k2)
  assert.equal(t.aspect.argmin.uniformBound[0], t.aspect.argmin.uniformBound[1]);
  assert.ok(t.aspect.argmin.uniformApprox[0] < t.aspect.argmin.uniformApprox[1]);
  assert.ok(t.aspect.uniformCostOfBoundChoice > 1 && t.aspect.compandedOverUniformApprox < 1);
  for (const run of t.runs) assert.ok(run.best.ratioHighRate > 0.5 && run.best.ratioHighRate < 2, `2-D best K ${run.best.measuredK} vs ${run.best.predictedHighRateK}`);
});

test("best K measured within a factor 1.5 of (2 A n / sigma^2)^(1/3); estimation error ~ K sigma^2 / n", () => {
  const Ks = [4, 6, 8, 10, 12, 14, 16, 18, 20, 23, 26, 30, 34, 39, 44, 50, 57, 65, 74, 84, 96, 110, 125, 142, 160];
  const r = runConstants(core, { quick: true, seed: 5, ns: [1000, 10000], Ks, trials: 20, twoD: false });
  for (const run of r.runs) {
    for (const cv of [run.companded, run.uniform]) {
      const { measuredK, predictedK } = cv.best;
      assert.ok(measuredK / predictedK < 1.5 && predictedK / measuredK < 1.5, `n = ${run.n} ${cv.segmentation}: best K ${measuredK} vs ${predictedK}`);
      Ks.forEach((K, i) => {
        if (K < 8 || K > run.n / 10) return;
        close(cv.estimationMean[i]!, (K * r.config.sigma ** 2) / run.n, 0.3, `n = ${run.n} ${cv.segmentation} K = ${K}: estimation vs K sigma^2/n`);
      });
    }
  }
});

/** Every tag opened is closed in order (a small XML well-formedness check). */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const t of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (t[3] === "/") continue;
    if (t[1] === "/") {
      if (stack.pop() !== t[2]) return false;
    } else stack.push(t[2]!);
  }
  return stack.length === 0;
}

test("figures are well-formed SVG with their series labels; the rendering names the predictions", () => {
  const r = quickRun();
  const L10 = m.log(10);
  const figs = constantsFigures(r, (x) => m.log(x) / L10);
  assert.deepEqual(Object.keys(figs).sort(), [
    "constants-2d-aspect.svg", "constants-2d-test-error.svg", "constants-2d.svg", "constants-approximation-scaled.svg", "constants-approximation.svg", "constants-estimation.svg", "constants-test-error.svg",
  ]);
  for (const [name, svg] of Object.entries(figs)) {
    assert.ok(svg.startsWith("<svg") && svg.trimEnd().endsWith("</svg>"), name);
    assert.ok(balanced(svg), `${name} is not balanced`);
    assert.ok(!/NaN|Infinity/.test(svg), name);
  }
  const te = figs["constants-test-error.svg"]!;
  for (const n of r.config.ns) {
    assert.ok(te.includes(escapeXml(`companded, n = ${n}: measured +- se`)));
    assert.ok(te.includes(escapeXml(`uniform, n = ${n}: A_u/K^2 + K sigma^2/n`)));
  }
  assert.ok(figs["constants-approximation.svg"]!.includes("A_u / K^2"));
  assert.ok(figs["constants-2d.svg"]!.includes("rigorous bound, uniform grid"));
  assert.deepEqual(constantsFigures(r, (x) => m.log(x) / L10), figs);
  const md = renderConstants(r);
  assert.ok(md.includes("A = ") && md.includes("A_u = ") && md.includes("best K measured") && md.includes("2-D"));
  assert.ok(!/NaN|undefined/.test(md));
});
