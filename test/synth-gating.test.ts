// The finite-rate gating experiment (src/synth/gating.ts): the discretized source, the closed
// forms of its rate-distortion curve, the gates' exact rates, the sampler against the population
// risks it must be unbiased for, and every term of the bound E[R(W)] <= D + delta_m + sqrt(2I/m).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCore } from "./support/core.js";
import { detMath, log10Of } from "../src/math.js";
import { RoutingProblem } from "../src/routing/ba.js";
import { sweep } from "../src/routing/curve.js";
import {
  makeSource, distortions, gateRateDistortion, softmaxGate, mapGate, drawSample, populationRisks, candidateThresholds, runGating, gatingOptions, DEFAULT_GATING_MODEL,
} from "../src/synth/gating.js";
import { gatingFigures, renderGating } from "../src/synth/gating-report.js";

const h2 = (x: number): number => (x <= 0 || x >= 1 ? 0 : -x * Math.log(x) - (1 - x) * Math.log(1 - x));

test("the discretized source: probabilities sum to 1, posteriors are distributions, components are equally likely", async () => {
  const math = detMath(await loadCore());
  const src = makeSource(math, { ...DEFAULT_GATING_MODEL, points: 300 });
  const n = src.model.experts, J = src.model.points;
  assert.ok(Math.abs(src.p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const pz = new Array<number>(n).fill(0);
  for (let j = 0; j < J; j++) {
    let s = 0;
    for (let z = 0; z < n; z++) {
      s += src.post[j * n + z]!;
      pz[z] += src.p[j]! * src.post[j * n + z]!;
    }
    assert.ok(Math.abs(s - 1) < 1e-12);
  }
  for (const v of pz) assert.ok(Math.abs(v - 1 / n) < 1e-12, `P(Z = z) = ${v}`);
  for (let z = 0; z < n; z++) assert.equal(src.cdf[z * J + J - 1], 1);
  assert.throws(() => makeSource(math, { ...DEFAULT_GATING_MODEL, noise: 0.5 }), /noise/);
  assert.throws(() => makeSource(math, { ...DEFAULT_GATING_MODEL, experts: 1 }), /experts/);
});

test("separated components: D(R) = eta + (1 - eta) D_H(R), the n-ary Hamming curve R = log n - h(D_H) - D_H log(n - 1), floor eta at rate log n", async () => {
  const core = await loadCore();
  const math = detMath(core);
  for (const [n, eta] of [[4, 0.05], [3, 0.2]] as const) {
    // 40 sd apart, exp(-800) = 0 in f64: p(t | x) is exactly 0 or 1.
    const src = makeSource(math, { experts: n, spacing: 40, noise: eta, points: 2000, width: 8 });
    const d = distortions(src, src.mu);
    const prob = RoutingProblem.fromDistortions(core, { R: n, dist: d, weights: src.p });
    try {
      const sw = sweep(core, prob, { lambdas: [0.05, 0.1, 0.2, 0.4], tol: 1e-13 });
      assert.ok(Math.abs(sw.ends.oracleError - eta) < 1e-12, `floor ${sw.ends.oracleError}`);
      assert.ok(Math.abs(sw.ends.leastRate - Math.log(n)) < 1e-9, `least rate ${sw.ends.leastRate}`);
      assert.ok(Math.abs(Math.min(...prob.meanLosses()) - (1 - (1 - eta) / n)) < 1e-12);
      for (const pt of sw.points) {
        const dh = (pt.distortion - eta) / (1 - eta);
        const want = Math.log(n) - h2(dh) - dh * Math.log(n - 1);
        assert.ok(Math.abs(pt.rate - want) < 1e-8, `n ${n} lambda ${pt.lambda}: rate ${pt.rate} vs ${want}`);
      }
    } finally {
      prob.free();
    }
  }
});

test("gates: the MAP gate's rate is H(T_MAP); softmax gates go from MAP (tau -> 0) to rate 0 at the experts' mean loss (tau -> infinity) and never beat D(R)", async () => {
  const core = await loadCore();
  const math = detMath(core);
  const src = makeSource(math, { ...DEFAULT_GATING_MODEL, points: 400 });
  const n = src.model.experts;
  const d = distortions(src, src.mu);
  const map = gateRateDistortion(math, src, mapGate(src), d);
  let H = 0;
  for (const v of map.marginal) if (v > 0) H -= v * Math.log(v);
  assert.ok(Math.abs(map.rate - H) < 1e-12, `MAP rate ${map.rate} vs H(T) ${H}`);
  const cold = gateRateDistortion(math, src, softmaxGate(math, src, 1e-4), d);
  assert.ok(Math.abs(cold.rate - map.rate) < 1e-9 && Math.abs(cold.distortion - map.distortion) < 1e-9);
  const hot = gateRateDistortion(math, src, softmaxGate(math, src, Infinity), d);
  assert.ok(Math.abs(hot.rate) < 1e-13, `uniform gate rate ${hot.rate}`);
  const prob = RoutingProblem.fromDistortions(core, { R: n, dist: d, weights: src.p });
  try {
    const means = prob.meanLosses();
    assert.ok(Math.abs(hot.distortion - means.reduce((a, b) => a + b, 0) / n) < 1e-12);
    const sw = sweep(core, prob, { points: 30, lambdaMin: 1e-3, lambdaMax: 5, tol: 1e-12 });
    for (const tau of [0.05, 0.3, 1, 3, 10]) {
      const g = gateRateDistortion(math, src, softmaxGate(math, src, tau), d);
      // Supporting lines of the convex curve: D(r) >= L*(lambda) - lambda r.
      for (const pt of sw.points) assert.ok(g.distortion >= pt.dual - pt.gapBound - pt.lambda * g.rate - 1e-12, `tau ${tau} beats the curve at lambda ${pt.lambda}`);
    }
  } finally {
    prob.free();
  }
});

test("the sampler: label and component frequencies, and E_S[L_S(b)] = R(b) for fixed candidates under a gate", async () => {
  const core = await loadCore();
  const math = detMath(core);
  const src = makeSource(math, { ...DEFAULT_GATING_MODEL, points: 256 });
  const n = src.model.experts;
  const B = 4;
  const th = candidateThresholds(core, src, B, 0.5, 3);
  const q = softmaxGate(math, src, 0.7);
  const pop = populationRisks(src, th, B, q);
  const M = 400, m = 50;
  const sums = new Float64Array(B), sq = new Float64Array(B);
  const classes = new Array<number>(2 * n).fill(0);
  for (let s = 0; s < M; s++) {
    const smp = drawSample(core, src, m, 3, s);
    for (const y of smp.y) classes[y]++;
    for (let b = 0; b < B; b++) {
      let l = 0;
      for (let i = 0; i < m; i++) {
        const j = smp.j[i]!;
        for (let t = 0; t < n; t++) {
          const pred = 2 * t + (((t % 2 === 0 ? 1 : -1) * (src.x[j]! - th[b * n + t]!)) > 0 ? 1 : 0);
          if (pred !== smp.y[i]) l += q[j * n + t]!;
        }
      }
      sums[b] += l / m;
      sq[b] += (l / m) ** 2;
    }
  }
  for (let b = 0; b < B; b++) {
    const mean = sums[b]! / M, se = Math.sqrt((sq[b]! / M - mean * mean) / (M - 1));
    assert.ok(Math.abs(mean - pop[b]!) < 4 * se, `candidate ${b}: ${mean} vs R(b) ${pop[b]} (se ${se})`);
  }
  // Each component 1/n of the items, each class of a component by the noiseless rule's symmetric halves.
  for (let z = 0; z < n; z++) {
    const f = (classes[2 * z]! + classes[2 * z + 1]!) / (M * m);
    assert.ok(Math.abs(f - 1 / n) < 4 * Math.sqrt((1 / n) * (1 - 1 / n) / (M * m)), `component ${z}: ${f}`);
  }
});

test("runGating (quick): every term of the bound, alpha = 0 uses no information, I(S;W) <= log B and equals H(r*) at alpha = 1; plain JSON, deterministic, figures", async () => {
  const core = await loadCore();
  const o = gatingOptions(true, 1);
  const r = runGating(core, o);
  assert.ok(r.aboveCurve <= 1e-12 && r.mapAboveCurve <= 1e-12);
  assert.ok(r.curveConverged && r.curveMaxCertificate <= 1e-12);
  assert.equal(r.hBias, (o.candidates - 1) / (2 * o.M));
  assert.ok(r.ends.floor < r.ends.d0);
  // Distortion falls with rate along the curve.
  for (let k = 1; k < r.curve.length; k++) assert.ok(r.curve[k]!.distortion <= r.curve[k - 1]!.distortion + 1e-12);
  for (const g of r.learned) {
    for (const e of g.rows) {
      assert.ok(e.information >= 0 && e.information <= Math.log(o.candidates) + 1e-12);
      assert.ok(Math.abs(e.boundPaper - (g.gate.distortion + e.delta + e.xrPaper)) < 1e-12);
      assert.ok(Math.abs(e.empiricalRisk - (g.gate.distortion + e.delta)) < 1e-12);
      assert.ok(e.holdsHalf, `bound (sigma = 1/2) fails at rate ${g.gate.rate}, alpha ${e.alpha}`);
    }
    assert.equal(g.rows[0]!.alpha, 0);
    assert.equal(g.rows[0]!.information, 0);
    assert.equal(g.rows[0]!.gap, 0);
    // The information term grows with alpha (data processing: q_alpha is q_1 through a channel).
    for (let k = 1; k < g.rows.length; k++) assert.ok(g.rows[k]!.information >= g.rows[k - 1]!.information - 1e-12);
  }
  for (const u of r.unbiased) assert.ok(Math.abs(u.z) < 4.5, `unbiasedness z = ${u.z}`);
  // The gap shrinks with m.
  const ms = r.sampleSizes;
  assert.ok(ms[ms.length - 1]!.row.gap < ms[0]!.row.gap);
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  assert.deepEqual(runGating(core, o), r);
  const math = detMath(core);
  const figs = gatingFigures(r, log10Of(math));
  assert.deepEqual(Object.keys(figs).sort(), ["synth-gating-alpha.svg", "synth-gating-m.svg", "synth-gating-rd.svg"]);
  for (const svg of Object.values(figs)) assert.ok(svg.startsWith("<svg") && svg.trimEnd().endsWith("</svg>"));
  assert.match(figs["synth-gating-rd.svg"]!, /Blahut-Arimoto/);
  const md = renderGating(r);
  assert.match(md, /## Finite-rate gating/);
  assert.doesNotMatch(md, /NaN|undefined/);
});
