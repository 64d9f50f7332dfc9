// The tighter bounds and the Monte Carlo at scale (docs/DESIGN.md section 7.2), checked against exact enumeration on
// banks small enough to list every sample, brute-force sums, known values, and the existing
// protocol code. Exact values use JS Math (tests only), independent of the core's log.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCore } from "./support/core.js";
import { randomLosses, syntheticBank } from "../src/bench/synthetic-bank.js";
import type { Core } from "../bindings/index.js";
import { detMath } from "../src/math.js";
import { seedWords, stream } from "../src/prng.js";
import { lossMatrix, type LossMatrix } from "../src/estimators/draws.js";
import { rstarCounts } from "../src/estimators/entropy.js";
import { percentileInterval, resampleIndices, resampledCounts } from "../src/estimators/bootstrap.js";
import { runSelection } from "../src/estimators/sweep.js";
import { gapsAtScale, histBootstrap, iFromHistograms, infoEstimate, scaleRuns } from "../src/estimators/scale.js";
import { ismiEstimates, ismiTables, lossPatterns, normalQuantile } from "../src/estimators/ismi.js";
import { cmiEstimates, cmiHistograms } from "../src/estimators/cmi.js";
import { binaryKl, klInverseUpper, klToUniform, pacBayesKlEpsilon } from "../src/estimators/pacbayes.js";
import { binomialCdf, logFactorial, testSetBounds, testSetUpper } from "../src/estimators/testset.js";
import { runBounds } from "../src/estimators/tighter.js";
import { firstExperts, gridCell, DEFAULT_GRID } from "../src/experiments/grid.js";

const close = (a: number, b: number, tol: number, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

// ---------- exact computations on a tiny bank (JS Math) ----------

/** r* of a count vector: the smallest index of the least count (eq. 10). */
function argminFirst(c: ArrayLike<number>): number {
  let best = 0;
  for (let r = 1; r < c.length; r++) if (c[r]! < c[best]!) best = r;
  return best;
}

const H = (p: ArrayLike<number>) => {
  let s = 0;
  for (let r = 0; r < p.length; r++) if (p[r]! > 0) s -= p[r]! * Math.log(p[r]!);
  return s;
};
const mix = (alpha: number, f: ArrayLike<number>) => Array.from(f, (x) => (1 - alpha) / f.length + alpha * x);
const hAlpha = (alpha: number, R: number) => H(Array.from({ length: R }, (_, r) => (1 - alpha) / R + (r === 0 ? alpha : 0)));

/** Visits every sequence of `len` items of 0..N-1 (N^len of them). */
function forEachSeq(N: number, len: number, fn: (s: number[]) => void): void {
  const s = new Array<number>(len).fill(0);
  for (;;) {
    fn(s);
    let k = len - 1;
    while (k >= 0 && ++s[k]! === N) s[k--] = 0;
    if (k < 0) return;
  }
}

function countsOf(L: LossMatrix, items: number[]): number[] {
  const c = new Array<number>(L.R).fill(0);
  for (const i of items) for (let r = 0; r < L.R; r++) c[r]! += L.data[r * L.N + i]!;
  return c;
}

/** The exact law of r*(S) for S = m items i.i.d. uniform on the pool, optionally with Z_1 fixed. */
function exactRstar(L: LossMatrix, m: number, z1?: number): number[] {
  const f = new Array<number>(L.R).fill(0);
  const rest = z1 === undefined ? m : m - 1;
  const w = 1 / Math.pow(L.N, rest);
  forEachSeq(L.N, rest, (s) => {
    f[argminFirst(countsOf(L, z1 === undefined ? s : [z1, ...s]))]! += w;
  });
  return f;
}

/** Exact I(S;W) = H(q_bar) - H(q_alpha) (eq. 13 with the exact r* law). */
const exactI = (L: LossMatrix, m: number, alpha: number) => H(mix(alpha, exactRstar(L, m))) - hAlpha(alpha, L.R);

/** Exact I(W; Z_1) = sum_z (1/N) KL(P(W | Z_1 = z) || P(W)). */
function exactIsmi(L: LossMatrix, m: number, alpha: number): number {
  const qbar = mix(alpha, exactRstar(L, m));
  let s = 0;
  for (let z = 0; z < L.N; z++) {
    const qz = mix(alpha, exactRstar(L, m, z));
    for (let r = 0; r < L.R; r++) if (qz[r]! > 0) s += (qz[r]! * Math.log(qz[r]! / qbar[r]!)) / L.N;
  }
  return s;
}

/** Exact CMI = E_Z~ [H(E_U q_alpha(. | Z~_U)) - H(q_alpha)], every supersample and selector listed. */
function exactCmi(L: LossMatrix, m: number, alphas: number[]): number[] {
  const out = new Array<number>(alphas.length).fill(0);
  const w = 1 / Math.pow(L.N, 2 * m);
  const U = 1 << m;
  forEachSeq(L.N, 2 * m, (zt) => {
    const f = new Array<number>(L.R).fill(0);
    for (let u = 0; u < U; u++) {
      const s: number[] = [];
      for (let j = 0; j < m; j++) s.push(zt[2 * j + ((u >> j) & 1)]!);
      f[argminFirst(countsOf(L, s))]! += 1 / U;
    }
    alphas.forEach((a, k) => {
      out[k]! += w * (H(mix(a, f)) - hAlpha(a, L.R));
    });
  });
  return out;
}

const TINY = lossMatrix(Uint8Array.from([
  1, 0, 0, 1, 0,
  0, 1, 0, 1, 1,
  0, 0, 1, 0, 0,
]), 3, 5, "tiny");
const ALPHAS = [0, 0.25, 0.5, 0.7, 0.9, 1];

// ---------- the draws ----------

test("scale_runs draws exactly the samples of select_samples (r*, ties, counts), both schemes, strides 16/32/48/64", async () => {
  const core = await loadCore();
  const e = core.exports;
  for (const [R, N] of [[3, 40], [10, 500], [25, 3000], [40, 700], [50, 2000]] as const) {
    const L = randomLosses(core, R, R, N);
    const M = 700, m = 37, first = 123, [lo, hi] = seedWords(9);
    for (const replace of [0, 1]) {
      core.scoped((alloc) => {
        const stride = e.select_row_stride(R);
        const l = alloc("u8", R * N).set(L.data);
        const lt = alloc("u8", N * stride);
        e.select_transpose(l.ptr, R, N, lt.ptr);
        const counts = alloc("i32", M * R), rs = alloc("i32", M), nm = alloc("i32", M);
        e.select_samples(lt.ptr, R, N, M, m, replace, lo, hi, first, counts.ptr, rs.ptr, nm.ptr, alloc("u8", e.select_work_bytes(R, N, m) >>> 0).ptr);
        const v = Int32Array.from({ length: M }, (_, k) => (k * 7) % R);
        const vb = alloc("i32", M).set(v);
        const o = [alloc("i32", M), alloc("i32", M), alloc("i32", M), alloc("i32", M), alloc("i32", M)];
        e.scale_runs(lt.ptr, R, N, M, m, replace, lo, hi, first, vb.ptr, o[0]!.ptr, o[1]!.ptr, o[2]!.ptr, o[3]!.ptr, o[4]!.ptr, alloc("u8", e.scale_work_bytes(R, N, m) >>> 0).ptr);
        const C = counts.toArray(), RS = rs.toArray(), NM = nm.toArray();
        const [r2, n2, cmin, cv, csum] = o.map((t) => t.toArray());
        for (let k = 0; k < M; k++) {
          const row = C.subarray(k * R, k * R + R);
          assert.equal(r2![k], RS[k], `R ${R} replace ${replace} run ${k}: r*`);
          assert.equal(n2![k], NM[k], `ties`);
          assert.equal(cmin![k], row[RS[k]!], "count of r*");
          assert.equal(cv![k], row[v[k]!], "count of v");
          assert.equal(csum![k], row.reduce((a, b) => a + b, 0), "sum of counts");
        }
      });
    }
  }
});

test("ismi_runs and cmi_runs against a brute-force reimplementation on the named streams (ismi, supersample)", async () => {
  const core = await loadCore();
  for (const [R, N, m] of [[6, 50, 9], [25, 400, 33], [50, 300, 17]] as const) {
    const L = randomLosses(core, 200 + R, R, N, 0.05, 0.35);
    const pats = lossPatterns(core, L);
    // Individual-sample runs: run i draws m - 1 items on the stream (seed, ismi, i); for every
    // pattern j, r*(c' + p_j) by a plain argmin over all experts.
    const runs = 60, seed = 12;
    const t = ismiTables(core, L, pats, { m, runs, blocks: 3, seed });
    const want = new Int32Array(pats.K * R);
    for (let i = 0; i < runs; i++) {
      const s = stream(core, seed, "ismi", i);
      const c = countsOf(L, Array.from(s.bootstrap(m - 1, N)));
      s.free();
      for (let j = 0; j < pats.K; j++) want[j * R + argminFirst(c.map((x, r) => x + pats.pat[j * R + r]!))]!++;
    }
    const got = new Int32Array(pats.K * R);
    for (let g = 0; g < 3; g++) for (let j = 0; j < pats.K; j++) for (let r = 0; r < R; r++) got[j * R + r]! += t.D[g * R + r]! + t.delta[(g * pats.K + j) * R + r]!;
    assert.deepEqual(Array.from(got), Array.from(want), `ISMI tables, R ${R}`);
    // Supersamples: 2m items on the stream (seed, supersample, z), pairs (2j, 2j + 1), then per
    // selector ceil(m/32) words, U_j = bit j.
    const nZ = 4, nU = 30;
    const hist = cmiHistograms(core, L, { m, supersamples: nZ, selectors: nU, seed });
    const hw = new Int32Array(nZ * R);
    for (let z = 0; z < nZ; z++) {
      const s = stream(core, seed, "supersample", z);
      const zt = Array.from(s.bootstrap(2 * m, N));
      for (let u = 0; u < nU; u++) {
        const w = s.u32(Math.ceil(m / 32));
        const S = Array.from({ length: m }, (_, j) => zt[2 * j + ((w[j >> 5]! >>> (j & 31)) & 1)]!);
        hw[z * R + argminFirst(countsOf(L, S))]!++;
      }
      s.free();
    }
    assert.deepEqual(Array.from(hist), Array.from(hw), `CMI histograms, R ${R}`);
  }
});

test("simd and scalar builds give the same bits: scale_runs, ismi_runs, cmi_runs, hist_bootstrap", async () => {
  const simd = await loadCore("simd"), scalar = await loadCore("scalar");
  for (const [R, N] of [[10, 800], [25, 1500], [40, 600], [50, 900]] as const) {
    const L = randomLosses(simd, 100 + R, R, N, 0.05, 0.2);
    const get = (core: Core) => {
      const runs = scaleRuns(core, L, "iid", { M: 500, m: 64, seed: 3, chunk: 128 });
      const runs2 = scaleRuns(core, L, "distinct", { M: 500, m: 64, seed: 3, chunk: 200 });
      const pats = lossPatterns(core, L);
      const t = ismiTables(core, L, pats, { m: 64, runs: 300, blocks: 3, seed: 4 });
      const h = cmiHistograms(core, L, { m: 40, supersamples: 20, selectors: 50, seed: 5 });
      const b = histBootstrap(core, rstarCounts(runs.rstar, R), 50, 6);
      return JSON.stringify([runs, runs2, t.D, t.delta, h, b], (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Int32Array) : v));
    };
    assert.equal(get(scalar), get(simd), `R ${R}`);
  }
});

test("the binomial sampler matches the exact pmf (chi-square), in both of its regimes and at the edges", async () => {
  const core = await loadCore();
  const math = detMath(core);
  const [lo, hi] = seedWords(11);
  const draws = (n: number, p: number, count: number) => core.scoped((alloc) => {
    const out = alloc("i32", count);
    core.exports.binomial_draws(n, p, count, lo, hi, 0x7e57, n % 1000, out.ptr, alloc("u8", 48).ptr);
    return out.toArray();
  });
  for (const n of [0, 1, 5, 15, 16, 17, 100, 12345]) {
    let want = 0;
    for (let j = 2; j <= n; j++) want += Math.log(j);
    close(logFactorial(math, n), want, 1e-13 * Math.max(1, want), `ln ${n}!`);
  }
  /** log pmf of Binomial(n, p) at k0..k1 (JS Math): log C(n, k0) as a sum of logs, then the ratios. */
  const logPmfs = (n: number, p: number, k0: number, k1: number) => {
    let lc = 0;
    for (let j = 1; j <= k0; j++) lc += Math.log((n - k0 + j) / j);
    const out = new Map<number, number>();
    let l = lc + k0 * Math.log(p) + (n - k0) * Math.log1p(-p);
    for (let k = k0; k <= k1; k++) {
      out.set(k, l);
      l += Math.log((n - k) / (k + 1)) + Math.log(p) - Math.log1p(-p);
    }
    return out;
  };
  for (const [n, p] of [[20, 0.3], [1000, 0.01], [1000, 0.5], [1_000_000, 0.04], [50, 0.97], [7, 0.999999]] as const) {
    const count = 40000;
    const x = draws(n, p, count);
    const mean = n * p, sd = Math.sqrt(n * p * (1 - p));
    // Cells: every k with expected count >= 20, the rest pooled into two tails.
    const k0 = Math.max(0, Math.floor(mean - 12 * sd - 2)), k1 = Math.min(n, Math.ceil(mean + 12 * sd + 2));
    const lp = logPmfs(n, p, k0, k1);
    const ks: number[] = [];
    for (let k = k0; k <= k1; k++) if (count * Math.exp(lp.get(k)!) >= 20) ks.push(k);
    const obs = new Map<number, number>();
    let below = 0, above = 0;
    for (const v of x) {
      assert.ok(v >= 0 && v <= n, `draw ${v} outside 0..${n}`);
      if (v < ks[0]!) below++;
      else if (v > ks[ks.length - 1]!) above++;
      else obs.set(v, (obs.get(v) ?? 0) + 1);
    }
    let chi = 0, inner = 0;
    for (const k of ks) {
      const ex = count * Math.exp(lp.get(k)!);
      inner += ex;
      chi += ((obs.get(k) ?? 0) - ex) ** 2 / ex;
    }
    const tail = count - inner;
    if (tail >= 20) chi += (below + above - tail) ** 2 / tail;
    const df = ks.length - (tail >= 20 ? 0 : 1);
    // P(chi2_df > df + 5 sqrt(2 df)) is far below 1e-4 for these df.
    assert.ok(chi < df + 5 * Math.sqrt(2 * df) + 10, `n ${n} p ${p}: chi2 = ${chi.toFixed(1)} on ${df} df`);
  }
  assert.deepEqual(Array.from(draws(10, 0, 5)), [0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(draws(10, 1, 5)), [10, 10, 10, 10, 10]);
  assert.deepEqual(Array.from(draws(0, 0.5, 3)), [0, 0, 0]);
});

test("a histogram bootstrap is a multinomial resample: sums, moments, and the same I interval as resampling runs", async () => {
  const core = await loadCore();
  const counts = [5, 0, 120, 31, 1, 143];
  const M = 300, B = 4000;
  const boot = histBootstrap(core, counts, B, 1);
  const K = counts.length;
  const mean = new Float64Array(K), sq = new Float64Array(K);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let k = 0; k < K; k++) {
      const x = boot[b * K + k]!;
      s += x;
      mean[k]! += x / B;
      sq[k]! += (x * x) / B;
      if (counts[k] === 0) assert.equal(x, 0, "an empty cell stays empty");
    }
    assert.equal(s, M, "every resample has M runs");
  }
  for (let k = 0; k < K; k++) {
    const f = counts[k]! / M, v = M * f * (1 - f);
    close(mean[k]!, counts[k]!, 5 * Math.sqrt(v / B) + 1e-12, `E x_${k}`);
    close(sq[k]! - mean[k]! * mean[k]!, v, 6 * v * Math.sqrt(2 / B) + 1e-9, `Var x_${k}`);
  }
  assert.deepEqual(Array.from(histBootstrap(core, counts, 10, 1)), Array.from(boot.subarray(0, 10 * K)), "resample b does not depend on B");
  // I's interval from the multinomial equals (in distribution) the interval from resampling the
  // runs: both on the same 300 runs of a synthetic bank, 4000 resamples each.
  const { train } = syntheticBank(core, { R: 25, nPool: 6000, nTest: 10, seed: 2 });
  const runs = scaleRuns(core, train, "distinct", { M, m: 128, seed: 4 });
  const c = rstarCounts(runs.rstar, 25);
  for (const alpha of [0.5, 1]) {
    const viaHist = percentileInterval(iFromHistograms(core, alpha, 25, histBootstrap(core, c, B, 2), M), 0.95)!;
    const idx = resampleIndices(core, 3, B, M);
    const viaRuns = percentileInterval(iFromHistograms(core, alpha, 25, resampledCounts(runs.rstar, 25, idx, M), M), 0.95)!;
    const w = viaRuns.hi - viaRuns.lo;
    close(viaHist.lo, viaRuns.lo, 0.1 * w, `alpha ${alpha}: lower end`);
    close(viaHist.hi, viaRuns.hi, 0.1 * w, `alpha ${alpha}: upper end`);
  }
});

test("at M = 300 the scale path gives the select protocol's I_hat bit for bit, and its gaps up to summation order", async () => {
  const core = await loadCore();
  const { train, test: te } = syntheticBank(core, { R: 25, nPool: 8000, nTest: 2000, seed: 5 });
  const res = runSelection(core, train, te, { M: 300, m: 64, seed: 8, bootstrap: 0, alphas: [0, 0.3, 0.7, 1] });
  const runs = scaleRuns(core, train, "distinct", { M: 300, m: 64, seed: 8 });
  const pool = scaleRuns(core, train, "iid", { M: 300, m: 64, seed: 8 });
  const c = rstarCounts(runs.rstar, 25);
  assert.deepEqual(res.readings.paper.rstarCounts, Array.from(c));
  assert.deepEqual(res.readings.pool.rstarCounts, Array.from(rstarCounts(pool.rstar, 25)));
  const testErr = Int32Array.from(res.experts.testRisk, (x) => Math.round(x * te.N));
  for (const row of res.readings.paper.alphas) {
    const e = infoEstimate(core, row.alpha, 25, c, 300, new Int32Array(0), 0.95);
    assert.equal(e.I.value, row.I.value, `I at alpha ${row.alpha}`);
    assert.equal(e.corrections.delta, row.corrections.delta);
    const g = gapsAtScale(core, runs, row.alpha, testErr, te.N, { B: 0, seed: 0, level: 0.95 });
    close(g.g.value, row.g.value, 1e-15, `G at alpha ${row.alpha}`);
    close(g.gAbs.value, row.gAbs.value, 1e-15, `G_abs at alpha ${row.alpha}`);
    close(g.rTrain.value, row.rTrain.value, 1e-15, "R_train");
  }
});

// ---------- the exact tiny case ----------

test("tiny bank, every S listed: I(S;W), I(W;Z_1) and CMI estimators against their exact values", async () => {
  const core = await loadCore();
  const m = 3;
  // I(S;W), reading (c): M runs at scale, the histogram-bootstrap interval.
  const runs = scaleRuns(core, TINY, "iid", { M: 200_000, m, seed: 1 });
  const c = rstarCounts(runs.rstar, 3);
  const f = exactRstar(TINY, m);
  for (let r = 0; r < 3; r++) close(c[r]! / 200_000, f[r]!, 5 * Math.sqrt(f[r]! / 200_000) + 1e-9, `P(r* = ${r})`);
  const boot = histBootstrap(core, c, 400, 1);
  const pats = lossPatterns(core, TINY);
  assert.equal(pats.K, 4, "four distinct patterns (items 1 and 4 share one)");
  assert.deepEqual(Array.from(pats.count), [1, 2, 1, 1]);
  const tables = ismiTables(core, TINY, pats, { m, runs: 40_000, blocks: 40, seed: 2 });
  const ismi = ismiEstimates(core, pats, tables, ALPHAS, 0.95);
  const hist = cmiHistograms(core, TINY, { m, supersamples: 20_000, selectors: 256, seed: 3 });
  const cmi = cmiEstimates(core, hist, 3, 256, m, ALPHAS, { B: 400, seed: 4, level: 0.95 });
  const cmiExact = exactCmi(TINY, m, ALPHAS);
  ALPHAS.forEach((alpha, k) => {
    const exI = exactI(TINY, m, alpha);
    const est = infoEstimate(core, alpha, 3, c, 200_000, boot, 0.95);
    const sdI = (est.I.ci!.hi - est.I.ci!.lo) / 3.92;
    close(est.I.value, exI, 5 * sdI + 1e-12, `I(S;W) at alpha ${alpha}`);
    const exZ = exactIsmi(TINY, m, alpha);
    close(ismi[k]!.I, exZ, 5 * ismi[k]!.se + 1e-12, `I(W;Z_1) at alpha ${alpha}`);
    const sdC = (cmi[k]!.corrected.ci!.hi - cmi[k]!.corrected.ci!.lo) / 3.92;
    close(cmi[k]!.corrected.value, cmiExact[k]!, 5 * sdC + 1e-12, `CMI at alpha ${alpha}`);
    if (alpha > 0) assert.ok(exZ > 1e-3 && cmiExact[k]! > 1e-3 && exI > 1e-3, "the case is not degenerate");
  });
  // With few selectors the plug-in is visibly biased down and the delta-method term repairs it.
  const few = cmiEstimates(core, cmiHistograms(core, TINY, { m, supersamples: 20_000, selectors: 16, seed: 5 }), 3, 16, m, [1], { B: 400, seed: 6, level: 0.95 })[0]!;
  const sd = (few.corrected.ci!.hi - few.corrected.ci!.lo) / 3.92;
  assert.ok(few.plugIn.value < cmiExact[5]! - 6 * sd, `plug-in ${few.plugIn.value} vs exact ${cmiExact[5]}`);
  close(few.corrected.value, cmiExact[5]!, 4 * sd, "corrected CMI with 16 selectors");
});

test("exact inequalities on tiny banks: individual-sample <= Xu-Raginsky (both sigmas), CMI <= I(S;W)", async () => {
  const core = await loadCore();
  const cases: [LossMatrix, number][] = [[TINY, 3], [TINY, 2]];
  for (let s = 0; s < 6; s++) cases.push([randomLosses(core, 40 + s, 3, 4, 0.1, 0.6), 2 + (s % 2)]);
  cases.push([randomLosses(core, 50, 4, 3, 0.2, 0.7), 3]);
  for (const [L, m] of cases) {
    const cm = exactCmi(L, m, ALPHAS);
    ALPHAS.forEach((alpha, k) => {
      const I = exactI(L, m, alpha), Iz = exactIsmi(L, m, alpha);
      for (const sigma of [1, 0.5]) {
        const xr = Math.sqrt((2 * sigma * sigma * I) / m);
        const ismi = Math.sqrt(2 * sigma * sigma * Math.max(Iz, 0));
        assert.ok(ismi <= xr + 1e-12, `ISMI ${ismi} > XR ${xr} (sigma ${sigma}, alpha ${alpha}, m ${m})`);
      }
      assert.ok(m * Iz <= I + 1e-12, `m I(W;Z_1) = ${m * Iz} > I(S;W) = ${I}`);
      assert.ok(cm[k]! <= I + 1e-12, `CMI ${cm[k]} > I(S;W) ${I} (alpha ${alpha})`);
      assert.ok(cm[k]! <= m * Math.LN2 + 1e-12, "CMI <= m log 2");
      assert.ok(cm[k]! >= -1e-12 && Iz >= -1e-12, "informations are >= 0");
    });
  }
});

// ---------- PAC-Bayes-kl ----------

test("kl inversion: known values, the closed form at q = 0, round trips, Pinsker", async () => {
  const math = detMath(await loadCore());
  // 60-digit bisection (Python decimal), printed to 17 digits.
  const known: [number, number, number][] = [
    [0.1, 0.05, 0.22007860110692462],
    [0.08, 0.0378, 0.17522732794480223],
    [0.5, 0.01, 0.57035859345745319],
    [0.25, 0.2, 0.56130443141772862],
    [0.0123, 0.001, 0.017896993057402544],
  ];
  for (const [q, eps, p] of known) close(klInverseUpper(math, q, eps), p, 1e-13, `kl^-1(${q}, ${eps})`);
  for (const eps of [1e-6, 0.01, 0.5, 3]) close(klInverseUpper(math, 0, eps), -Math.expm1(-eps), 1e-15, `kl^-1(0, ${eps}) = 1 - e^-eps`);
  assert.equal(klInverseUpper(math, 0.3, 0), 0.3);
  assert.equal(klInverseUpper(math, 1, 0.2), 1);
  for (const q of [0.001, 0.07, 0.3, 0.9]) {
    for (const eps of [0.001, 0.04, 0.3]) {
      const p = klInverseUpper(math, q, eps);
      assert.ok(p >= q && p <= 1);
      if (p < 1 - 1e-9) close(binaryKl(math, q, p), eps, 1e-9, `kl(q, kl^-1(q, eps)) at q ${q} eps ${eps}`);
      assert.ok(p <= q + Math.sqrt(eps / 2) + 1e-12, "Pinsker: kl^-1(q, eps) <= q + sqrt(eps/2)");
    }
  }
  close(binaryKl(math, 0.2, 0.5), 0.2 * Math.log(0.4) + 0.8 * Math.log(1.6), 1e-15, "kl(0.2 || 0.5)");
  assert.equal(binaryKl(math, 0.2, 0), Infinity);
  assert.throws(() => klInverseUpper(math, 1.2, 0.1), /q in \[0, 1\]/);
});

test("PAC-Bayes-kl: KL(q_alpha || uniform) = log R - H(q_alpha) by brute force; Maurer's eps; coverage on runs", async () => {
  const core = await loadCore();
  const math = detMath(core);
  for (const R of [2, 5, 25]) {
    for (const alpha of ALPHAS) {
      const q = Array.from({ length: R }, (_, r) => (1 - alpha) / R + (r === 0 ? alpha : 0));
      let kl = 0;
      for (const x of q) if (x > 0) kl += x * Math.log(x * R);
      close(klToUniform(math, alpha, R), kl, 1e-14, `KL at R ${R} alpha ${alpha}`);
    }
  }
  close(pacBayesKlEpsilon(math, 1.5, 256, 0.05), (1.5 + Math.log(32 / 0.05)) / 256, 1e-15, "eps");
  // On a synthetic bank with reading (c), the bound holds in far more than 1 - delta of the runs.
  const { train, test: te } = syntheticBank(core, { R: 25, nPool: 6000, nTest: 1000, seed: 6 });
  const res = runBounds(core, train, te, { M: 3000, m: 64, alphas: [0, 0.7, 1], bootstrap: 50, ismiRuns: 400, ismiBlocks: 4, supersamples: 20, selectors: 50 });
  for (const a of res.alphas) assert.ok(a.bounds.pacBayes.held >= 0.95, `alpha ${a.alpha}: held ${a.bounds.pacBayes.held}`);
});

// ---------- the test-set bound ----------

/** P(Bin(n, p) <= k) summed term by term with exact binomial coefficients (BigInt). */
function bruteCdf(k: number, n: number, p: number): number {
  let c = 1n, s = 0;
  for (let j = 0; j <= k; j++) {
    if (j > 0) c = (c * BigInt(n - j + 1)) / BigInt(j);
    s += Number(c) * Math.pow(p, j) * Math.pow(1 - p, n - j);
  }
  return s;
}

/** The same in logs (for n where C(n, j) overflows a double): log C from a sum of logs. */
function bruteCdfLog(k: number, n: number, p: number): number {
  let lc = 0, s = 0;
  for (let j = 0; j <= k; j++) {
    if (j > 0) lc += Math.log((n - j + 1) / j);
    s += Math.exp(lc + j * Math.log(p) + (n - j) * Math.log1p(-p));
  }
  return s;
}

test("the binomial tail and the test-set bound against a brute-force tail sum", async () => {
  const math = detMath(await loadCore());
  for (const [n, k] of [[20, 0], [20, 3], [100, 10], [300, 150], [1000, 87]] as const) {
    for (const p of [0.01, 0.05, 0.1, 0.3, 0.5, 0.9]) {
      const want = bruteCdf(k, n, p);
      const got = binomialCdf(math, k, n, p);
      close(got, want, 1e-11 * Math.max(want, 1e-300) + 1e-300, `P(Bin(${n}, ${p}) <= ${k})`);
    }
  }
  for (const [n, k] of [[10000, 826], [10000, 713], [10000, 0], [10000, 1092]] as const) {
    for (const p of [k / n + 0.0005, k / n + 0.005, k / n + 0.01]) {
      const want = bruteCdfLog(k, n, p);
      close(binomialCdf(math, k, n, p), want, 1e-9 * want + 1e-300, `P(Bin(${n}, ${p}) <= ${k})`);
    }
  }
  for (const [n, k, delta] of [[20, 2, 0.05], [1000, 87, 0.05], [10000, 826, 0.002], [10000, 0, 0.05], [50, 50, 0.1]] as const) {
    const ub = testSetUpper(math, k, n, delta);
    if (k >= n) {
      assert.equal(ub, 1);
      continue;
    }
    const tail = n <= 1000 ? bruteCdf : bruteCdfLog;
    close(tail(k, n, ub), delta, 1e-8 * delta, `cdf at ub(${k}, ${n}, ${delta})`);
    assert.ok(tail(k, n, ub * (1 - 1e-6)) > delta && tail(k, n, Math.min(1, ub * (1 + 1e-6))) < delta, "ub is the crossing");
    assert.ok(ub > k / n, "above the empirical rate");
  }
  close(testSetUpper(math, 0, 10000, 0.05), -Math.expm1(Math.log(0.05) / 10000), 1e-12, "k = 0: 1 - delta^(1/n)");
  const per = testSetBounds(math, [826, 713], 10000, 0.05);
  close(per[0]!, testSetUpper(math, 826, 10000, 0.025), 0, "delta split over R");
});

test("normal quantile (Acklam) against known values", async () => {
  const math = detMath(await loadCore());
  close(normalQuantile(math, 0.975), 1.959963984540054, 2e-9);
  close(normalQuantile(math, 0.5), 0, 1e-15);
  close(normalQuantile(math, 0.995), 2.5758293035489004, 3e-9);
  close(normalQuantile(math, 0.01), -2.3263478740408408, 3e-9);
});

// ---------- the bounds table and the grid ----------

test("runBounds on a synthetic bank: every bound of each family in its order, the theorem's gap under each bound", async () => {
  const core = await loadCore();
  const { train, test: te } = syntheticBank(core, { R: 25, nPool: 20000, nTest: 5000, seed: 9 });
  const res = runBounds(core, train, te, { M: 20_000, m: 128, bootstrap: 200, ismiRuns: 4000, ismiBlocks: 20, supersamples: 200, selectors: 200 });
  assert.equal(res.alphas.length, 6);
  const a0 = res.alphas[0]!;
  assert.equal(a0.info.iPool.value, 0);
  assert.equal(a0.info.iIndividual.value, 0);
  assert.equal(a0.info.cmi.corrected.value, 0);
  for (const a of res.alphas) {
    const b = a.bounds;
    assert.ok(b.ismi.sigma1.value <= b.xr.sigma1.value + 1e-12, `ISMI <= XR at alpha ${a.alpha}`);
    close(b.xr.sigmaHalf.value, b.xr.sigma1.value / 2, 1e-15, "sigma = 1/2 halves the bound");
    close(b.ismi.sigmaHalf.value, b.ismi.sigma1.value / 2, 1e-15, "sigma = 1/2 halves the bound");
    assert.ok(a.info.cmi.corrected.value <= a.info.iPool.value + 0.05, `CMI ${a.info.cmi.corrected.value} vs I ${a.info.iPool.value}`);
    // Reading (c) is the theorem's setting: |G_pool| is below every expectation bound (sigma = 1/2 too).
    const g = Math.abs(a.gaps.pool.g.value), hw = (a.gaps.pool.g.ci!.hi - a.gaps.pool.g.ci!.lo) / 2;
    if (a.alpha > 0) for (const x of [b.xr.sigmaHalf.value, b.ismi.sigmaHalf.value, b.cmi.value]) assert.ok(g <= x + hw, `|G_pool| ${g} > ${x}`);
    assert.ok(b.pacBayes.meanRiskBound >= b.pacBayes.meanEmpirical);
    assert.ok(b.testSet.value >= a.gaps.paper.g.value, "the truth line is above the paper's measured gap");
  }
  JSON.stringify(res, (k, v) => {
    if (typeof v === "number") assert.ok(Number.isFinite(v), `${k} = ${v}`);
    return v;
  });
});

test("grid cell: the R-bank is the first R rows; I_hat is non-decreasing in alpha; I(1) = H(r*)", async () => {
  const core = await loadCore();
  const { train, test: te } = syntheticBank(core, { R: 12, nPool: 5000, nTest: 1000, seed: 4 });
  const c6 = gridCell(core, train, te, 6, 1000, { ...DEFAULT_GRID, M: 2000, bootstrap: 100 });
  const direct = gridCell(core, firstExperts(train, 6), firstExperts(te, 6), 6, 1000, { ...DEFAULT_GRID, M: 2000, bootstrap: 100 });
  assert.deepEqual(c6, direct);
  assert.equal(c6.monotone, true);
  close(c6.alphas[c6.alphas.length - 1]!.iOverLogR, c6.hRstarOverLogR, 1e-12, "I(1)/log R = H(r*)/log R");
  assert.throws(() => firstExperts(train, 13), /cannot take 13 experts/);
});
