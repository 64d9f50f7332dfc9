// Routing on a fixed bank (paper Section V; assembly/routing/ba.ts, src/routing/): the routing
// information of eq. 24, Blahut-Arimoto for eq. 26 against analytic rate-distortion (a
// Bernoulli source with Hamming distortion), against brute force over gates, the two closed-form
// ends of the curve, the shape of the curve, plain vs accelerated iterations, D(rho) of eq. 27,
// and the same bits from the simd and scalar builds. Every solve must exit with its certificate
// max_t c_t - 1 <= tol. JS Math is fine here: tests are the independent reference.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCore } from "./support/core.js";
import { rng, bankLike } from "./support/synthetic.js";
import type { Core } from "../bindings/index.js";
import {
  RoutingProblem,
  blahutArimoto,
  constrainedD,
  expertLossSums,
  curveEnds,
  expertMarginal,
  lambdaGrid,
  lambdaMaxClosedForm,
  routingCurve,
  paperRoutingN,
  routingInformation,
  sweep,
  type BaMethod,
  type BaResult,
} from "../src/routing/index.js";
import type { LossMatrix } from "../src/formats/losses.js";

// ---------------------------------------------------------------------------------------------
// Deterministic synthetic data: xorshift32 (test/support/synthetic.ts).

/** Fair-coin 0-1 losses. */
function coinLosses(R: number, N: number, seed: number, pWrong = 0.5): LossMatrix {
  const u = rng(seed);
  const data = new Uint8Array(R * N);
  for (let k = 0; k < data.length; k++) data[k] = u() < pWrong ? 1 : 0;
  return { R, N, data };
}

/** Builds [R, N] losses from distinct rows (each a loss vector over the R experts) and counts. */
function fromRows(rows: number[][], counts: number[]): LossMatrix {
  const R = rows[0]!.length;
  const N = counts.reduce((a, b) => a + b, 0);
  const data = new Uint8Array(R * N);
  let i = 0;
  rows.forEach((row, k) => {
    for (let c = 0; c < counts[k]!; c++, i++) for (let t = 0; t < R; t++) data[t * N + i] = row[t]!;
  });
  return { R, N, data };
}

const h2 = (x: number): number => (x <= 0 || x >= 1 ? 0 : -x * Math.log(x) - (1 - x) * Math.log(1 - x));

/** Every result must carry an honest certificate at exit. */
function certified(r: BaResult, tol: number, what: string): BaResult {
  assert.ok(r.converged, `${what}: not converged (certificate ${r.certificate}, ${r.evaluations} evaluations)`);
  assert.ok(r.certificate <= tol, `${what}: certificate ${r.certificate} > tol ${tol}`);
  assert.ok(Number.isFinite(r.rate) && Number.isFinite(r.distortion) && Number.isFinite(r.objective), `${what}: non-finite result`);
  return r;
}

/** eq. 26 for a gate given on distinct rows (weights w), by direct summation (JS Math). */
function lagrangian(gates: number[][], w: number[], losses: number[][], lambda: number): { D: number; I: number } {
  const R = losses[0]!.length;
  const pi = new Array<number>(R).fill(0);
  gates.forEach((g, k) => g.forEach((p, t) => (pi[t] += w[k]! * p)));
  let D = 0, I = 0;
  gates.forEach((g, k) =>
    g.forEach((p, t) => {
      D += w[k]! * p * losses[k]![t]!;
      if (p > 0) I += w[k]! * p * Math.log(p / pi[t]!);
    }),
  );
  return { D, I };
}

// ---------------------------------------------------------------------------------------------

test("eq. 23-24: routing information of hand-made gates, and of random gates against a direct sum", async () => {
  const core = await loadCore();
  // A gate that ignores the input uses no information.
  const N = 7, R = 4;
  const flat = Array.from({ length: N * R }, (_, k) => [0.1, 0.2, 0.3, 0.4][k % R]!);
  const a = routingInformation(core, flat, N, R);
  assert.ok(Math.abs(a.rate) <= 1e-15, `constant gate: ${a.rate}`);
  assert.deepEqual([...a.marginal].map((x) => +x.toFixed(12)), [0.1, 0.2, 0.3, 0.4]);
  // A deterministic gate routing 4 items to 4 distinct experts: log 4.
  const det = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  assert.ok(Math.abs(routingInformation(core, det, 4, 4).rate - Math.log(4)) < 1e-15);
  // Random gates with zeros: eq. 24 by direct summation; the marginal is bit-identical to
  // expertMarginal (the same summation order).
  const u = rng(7);
  for (const [n, r] of [[50, 3], [300, 25], [1, 5]] as const) {
    const p = new Float64Array(n * r);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0; t < r; t++) s += p[i * r + t] = u() < 0.3 ? 0 : u();
      if (s === 0) p[i * r] = s = 1;
      for (let t = 0; t < r; t++) p[i * r + t] = p[i * r + t]! / s;
    }
    const got = routingInformation(core, p, n, r);
    const pi = expertMarginal(p, n, r);
    assert.deepEqual(got.marginal, pi);
    let ref = 0;
    for (let i = 0; i < n; i++) for (let t = 0; t < r; t++) if (p[i * r + t]! > 0) ref += p[i * r + t]! * Math.log(p[i * r + t]! / pi[t]!);
    ref /= n;
    assert.ok(Math.abs(got.rate - ref) <= 1e-13 * Math.max(1, ref), `[${n}, ${r}]: ${got.rate} vs ${ref}`);
  }
  assert.throws(() => routingInformation(core, [1, 0], 2, 2), RangeError);
});

test("distinct loss patterns: counts and the row map match a direct grouping; n takes the first n items", async () => {
  const core = await loadCore();
  for (const [L, n] of [[coinLosses(6, 500, 3), 500], [bankLike(25, 3000, 4), 2000], [coinLosses(1, 9, 5), 9], [coinLosses(33, 40, 6), 17]] as const) {
    const p = RoutingProblem.create(core, L, n);
    try {
      const keys = new Map<string, number>();
      const order: string[] = [];
      const counts: number[] = [];
      for (let i = 0; i < n; i++) {
        const key = Array.from({ length: L.R }, (_, t) => L.data[t * L.N + i]).join(",");
        let k = keys.get(key);
        if (k === undefined) {
          keys.set(key, (k = order.length));
          order.push(key);
          counts.push(0);
        }
        counts[k]!++;
        assert.equal(p.rowmap[i], k);
      }
      assert.equal(p.K, order.length);
      assert.deepEqual([...p.counts], counts);
      order.forEach((key, k) => assert.equal([...p.patterns.subarray(k * L.R, (k + 1) * L.R)].join(","), key));
    } finally {
      p.free();
    }
  }
});

test("Bernoulli(p) source, Hamming distortion: the loss matrix gives R(D) = h(p) - h(D), D = 1/(1 + e^(1/lambda)), for every method", async () => {
  // N items split by a label y (n1 ones), two experts predicting 0 and 1: l[i,0] = y_i,
  // l[i,1] = 1 - y_i. Items with the same label have the same losses, so the gate may depend on
  // y only: I(X;T) = I(Y;T) and D = P(T != Y), which is the source (Y ~ Bernoulli(p)),
  // reproduction T and Hamming distortion. Slope -lambda: D = 1/(1 + e^(1/lambda)) while
  // D < p, i.e. lambda < lambda_max = 1/ln((1-p)/p); beyond, rate 0 and D = p.
  const core = await loadCore();
  for (const [n1, N] of [[3, 10], [1, 8], [37, 100]] as const) {
    const p = n1 / N;
    const L = fromRows([[1, 0], [0, 1]], [n1, N - n1]);
    const prob = RoutingProblem.create(core, L);
    try {
      assert.equal(prob.K, 2);
      const lmax = lambdaMaxClosedForm(core, prob);
      assert.equal(lmax.bestExpert, 0);
      assert.ok(Math.abs(lmax.lambdaMax - 1 / Math.log((1 - p) / p)) <= 1e-15 * lmax.lambdaMax);
      for (const lambda of [0, 1e-3, 0.05, 0.2, 0.5, 1, 0.9 * lmax.lambdaMax, 0.999 * lmax.lambdaMax, 1.2 * lmax.lambdaMax, 10]) {
        const D = lambda === 0 ? 0 : Math.min(p, 1 / (1 + Math.exp(1 / lambda)));
        const rate = h2(p) - h2(D);
        for (const method of ["newton", "squarem", "none"] as const) {
          const r = certified(prob.solve(lambda, { accelerate: method, tol: 1e-12 }), 1e-12, `p=${p} lambda=${lambda} ${method}`);
          // Near lambda_max the curve's end is flat: a certificate of 1e-12 pins the plain
          // iteration's (rate, D) to ~1e-9 only.
          const eps = method === "none" ? 1e-8 : 1e-10;
          assert.ok(Math.abs(r.distortion - D) < eps, `p=${p} lambda=${lambda} ${method}: D ${r.distortion} vs ${D}`);
          assert.ok(Math.abs(r.rate - rate) < eps, `p=${p} lambda=${lambda} ${method}: rate ${r.rate} vs ${rate}`);
          // Weak duality: objective <= dual, and dual - gapBound <= L* (up to the rounding of the
          // certificate itself, ~1e-16 lambda).
          assert.ok(r.objective <= r.dual + 1e-15 && r.dual - r.gapBound <= D + lambda * rate + 1e-14 * Math.max(1, lambda));
        }
      }
    } finally {
      prob.free();
    }
  }
});

test("brute force over gates: eq. 26 on small cases (3 experts with losses 0..2; 2 experts on 3 patterns)", async () => {
  // Minimise D + lambda I over the gates of the distinct rows by a grid search and a shrinking
  // pattern search (no BA, no dual); BA's objective must be the minimum to 1e-9, and never below.
  const core = await loadCore();
  const cases = [
    { rows: [[0, 2, 1], [2, 0, 1]], counts: [3, 2] },
    { rows: [[0, 1], [1, 0], [0, 0]], counts: [5, 3, 2] },
    { rows: [[0, 1], [1, 0], [1, 1]], counts: [2, 5, 1] },
  ];
  for (const { rows, counts } of cases) {
    const R = rows[0]!.length;
    const N = counts.reduce((a, b) => a + b, 0);
    const w = counts.map((c) => c / N);
    const L = fromRows(rows, counts);
    const prob = RoutingProblem.create(core, L);
    try {
      for (const lambda of [0.1, 0.4, 1, 3]) {
        const f = (g: number[][]) => {
          const { D, I } = lagrangian(g, w, rows, lambda);
          return D + lambda * I;
        };
        // Grid: each row's gate on the simplex with step 1/h.
        const h = R === 3 ? 30 : 60;
        const simplex: number[][] = [];
        if (R === 2) for (let a = 0; a <= h; a++) simplex.push([a / h, 1 - a / h]);
        else for (let a = 0; a <= h; a++) for (let b = 0; a + b <= h; b++) simplex.push([a / h, b / h, (h - a - b) / h]);
        let best = Infinity;
        let arg: number[][] = [];
        const rec = (k: number, g: number[][]) => {
          if (k === rows.length) {
            const v = f(g);
            if (v < best) [best, arg] = [v, g.map((x) => [...x])];
            return;
          }
          for (const s of simplex) {
            g[k] = s;
            rec(k + 1, g);
          }
        };
        rec(0, []);
        // Pattern search: move mass delta between two experts of one row while it helps.
        for (let delta = 1 / h; delta > 1e-12; delta /= 2) {
          let improved = true;
          while (improved) {
            improved = false;
            for (let k = 0; k < rows.length; k++)
              for (let a = 0; a < R; a++)
                for (let b = 0; b < R; b++) {
                  if (a === b || arg[k]![a]! < delta) continue;
                  const g = arg.map((x) => [...x]);
                  g[k]![a] -= delta;
                  g[k]![b] += delta;
                  const v = f(g);
                  if (v < best - 1e-16) [best, arg, improved] = [v, g, true];
                }
          }
        }
        for (const method of ["newton", "squarem", "none"] as const) {
          const r = certified(prob.solve(lambda, { accelerate: method, tol: 1e-12 }), 1e-12, `brute ${rows} lambda=${lambda} ${method}`);
          assert.ok(r.objective <= best + r.gapBound + 1e-15, `${method} lambda=${lambda}: BA ${r.objective} above brute force ${best} + gap ${r.gapBound}`);
          assert.ok(best - r.objective <= 1e-9, `${method} lambda=${lambda}: BA ${r.objective} vs brute force ${best}`);
        }
      }
    } finally {
      prob.free();
    }
  }
});

test("the least rate at the oracle error: primal brute force, the one-correct-expert closed form, all-wrong rows, a universal expert", async () => {
  const core = await loadCore();
  // (a) Rows with best sets B = {0,1} x5, {1,2} x3, {0,2} x2: minimise I over gates supported on
  // each row's B (a grid over one number per row, then a pattern search), against curveEnds.
  const rows = [[0, 0, 1], [1, 0, 0], [0, 1, 0]];
  const counts = [5, 3, 2];
  const w = counts.map((c) => c / 10);
  const gateOf = (x: number[]) => [[x[0]!, 1 - x[0]!, 0], [0, x[1]!, 1 - x[1]!], [x[2]!, 0, 1 - x[2]!]];
  const rate = (x: number[]) => lagrangian(gateOf(x), w, rows, 1).I;
  let best = Infinity;
  let arg = [0, 0, 0];
  for (let a = 0; a <= 40; a++) for (let b = 0; b <= 40; b++) for (let c = 0; c <= 40; c++) {
    const v = rate([a / 40, b / 40, c / 40]);
    if (v < best) [best, arg] = [v, [a / 40, b / 40, c / 40]];
  }
  for (let delta = 1 / 40; delta > 1e-13; delta /= 2) {
    let improved = true;
    while (improved) {
      improved = false;
      for (let k = 0; k < 3; k++)
        for (const s of [-delta, delta]) {
          const x = [...arg];
          x[k] = Math.min(1, Math.max(0, x[k]! + s));
          const v = rate(x);
          if (v < best - 1e-17) [best, arg, improved] = [v, x, true];
        }
    }
  }
  const L = fromRows(rows, counts);
  const ends = curveEnds(core, L, { tol: 1e-13 });
  certified(ends.small, 1e-13, "least rate (a)");
  assert.equal(ends.oracleError, 0);
  assert.ok(Math.abs(ends.leastRate - best) < 1e-10, `least rate ${ends.leastRate} vs brute force ${best}`);
  assert.ok(ends.leastRateLower <= best + 1e-12 && best <= ends.leastRate + 1e-12);
  assert.ok(ends.leastRate < Math.log(3) - 0.3);
  // (b) The same rows plus 4 rows on which every expert is wrong: their gate is the marginal
  // (0 information), so the least rate scales by the share of the other rows, 10/14.
  const withWrong = curveEnds(core, fromRows([...rows, [1, 1, 1]], [...counts, 4]), { tol: 1e-13 });
  assert.ok(Math.abs(withWrong.oracleError - 4 / 14) < 1e-15);
  assert.ok(Math.abs(withWrong.leastRate - (10 / 14) * best) < 1e-10);
  // (c) Each row has at most one correct expert: the gate is forced, pi_t = n_t / n and the
  // least rate is -(1/N) sum_t n_t log(n_t / n).
  const u = rng(11);
  const R = 6, N = 400;
  const data = new Uint8Array(R * N).fill(1);
  const nt = new Array<number>(R).fill(0);
  for (let i = 0; i < N; i++) {
    const t = Math.floor(u() * (R + 1)); // t = R: nobody is right
    if (t < R) {
      data[t * N + i] = 0;
      nt[t]!++;
    }
  }
  const n = nt.reduce((a, b) => a + b, 0);
  const closed = -nt.reduce((s, c) => s + (c > 0 ? (c / N) * Math.log(c / n) : 0), 0);
  const e3 = curveEnds(core, { R, N, data });
  assert.ok(Math.abs(e3.oracleError - (N - n) / N) < 1e-15);
  assert.ok(Math.abs(e3.leastRate - closed) < 1e-12, `${e3.leastRate} vs ${closed}`);
  // (d) An expert right wherever anyone is: the least rate is 0.
  const L4 = bankLike(8, 500, 12);
  for (let i = 0; i < L4.N; i++) {
    let any = 0;
    for (let t = 0; t < 8; t++) any |= L4.data[t * L4.N + i]! ^ 1;
    L4.data[3 * L4.N + i] = any ? 0 : 1;
  }
  const e4 = curveEnds(core, L4);
  assert.ok(e4.leastRate < 1e-12, `universal expert: least rate ${e4.leastRate}`);
  assert.equal(e4.large!.bestExpert, 3);
  assert.equal(e4.large!.lambdaMax, 0);
});

test("small-lambda end on random 0-1 matrices: at lambda = 1e-3 D is the oracle error and the rate the least rate (all-wrong rows: no 0/0)", async () => {
  const core = await loadCore();
  let allWrong = 0;
  for (const [k, L] of [bankLike(25, 2000, 21), bankLike(10, 700, 22, 0.3), coinLosses(5, 300, 23, 0.7)].entries()) {
    const prob = RoutingProblem.create(core, L);
    try {
      const ends = curveEnds(core, prob);
      certified(ends.small, 1e-10, `ends ${k}`);
      let wrongRows = 0;
      for (let i = 0; i < L.N; i++) {
        let all = 1;
        for (let t = 0; t < L.R; t++) all &= L.data[t * L.N + i]!;
        wrongRows += all;
      }
      allWrong += wrongRows;
      assert.ok(Math.abs(ends.oracleError - wrongRows / L.N) < 1e-15, `oracle ${ends.oracleError} vs ${wrongRows / L.N}`);
      for (const method of ["newton", "squarem"] as const) {
        const r = certified(prob.solve(1e-3, { accelerate: method }), 1e-10, `lambda=1e-3 ${method}`);
        assert.ok(Math.abs(r.distortion - ends.oracleError) < 1e-15, `${method}: D ${r.distortion} vs oracle ${ends.oracleError}`);
        assert.ok(Math.abs(r.rate - ends.leastRate) <= 1e-8, `${method}: rate ${r.rate} vs least rate ${ends.leastRate}`);
        // The bound holds up to rounding: F and the certificate are sums over K rows (~1e-14).
        assert.ok(r.rate >= ends.leastRateLower - 1e-13);
      }
      assert.ok(ends.leastRate < ends.logR);
    } finally {
      prob.free();
    }
  }
  assert.ok(allWrong > 10, `only ${allWrong} rows on which every expert is wrong`);
});

test("large-lambda end on random 0-1 matrices: lambda_max in closed form is where the vertex's certificate changes sign, and BA collapses to e_t* above it", async () => {
  const core = await loadCore();
  let checked = 0;
  for (let seed = 31; seed < 39; seed++) {
    const L = seed % 2 ? bankLike(6 + (seed % 5), 400, seed, 2) : coinLosses(4, 300, seed, 0.3);
    const prob = RoutingProblem.create(core, L);
    try {
      const lm = lambdaMaxClosedForm(core, prob);
      // t* has the least error; a_t >= b_t for every t.
      for (let t = 0; t < L.R; t++) assert.ok(lm.a[t]! >= lm.b[t]!, `a < b for t = ${t}`);
      if (!(lm.lambdaMax > 0) || !Number.isFinite(lm.lambdaMax)) continue;
      checked++;
      const above = prob.vertex(lm.lambdaMax * (1 + 1e-9), lm.bestExpert);
      const below = prob.vertex(lm.lambdaMax * (1 - 1e-6), lm.bestExpert);
      assert.ok(above.certificate <= 1e-15, `vertex above lambda_max: certificate ${above.certificate}`);
      assert.ok(below.certificate > 1e-12, `vertex below lambda_max: certificate ${below.certificate}`);
      assert.ok(Math.abs(above.rate) < 1e-14); // 0 up to the rounding of sum_k w_k = 1
      assert.ok(Math.abs(above.distortion - lm.bestError) < 1e-14);
      // From the uniform start (no closed-form shortcut) BA finds the vertex above lambda_max ...
      const r = certified(prob.solve(lm.lambdaMax * 1.01), 1e-10, `seed ${seed} above`);
      assert.ok(r.pi[lm.bestExpert]! > 1 - 1e-9 && r.rate < 1e-12, `seed ${seed}: pi_t* = ${r.pi[lm.bestExpert]}, rate ${r.rate}`);
      assert.ok(Math.abs(r.distortion - lm.bestError) < 1e-9);
      // ... and a gate with positive rate and lower distortion below it.
      const s = certified(prob.solve(lm.lambdaMax * 0.9), 1e-10, `seed ${seed} below`);
      assert.ok(s.rate > 1e-9 && s.distortion < lm.bestError, `seed ${seed}: rate ${s.rate}, D ${s.distortion}`);
      // blahutArimoto returns the vertex itself for lambda >= lambda_max.
      const v = blahutArimoto(core, prob, { lambda: lm.lambdaMax * 2 });
      assert.ok(v.vertex && v.iterations === 0 && Math.abs(v.rate) < 1e-14 && v.pi[lm.bestExpert] === 1);
    } finally {
      prob.free();
    }
  }
  assert.ok(checked >= 4, `only ${checked} matrices had a finite positive lambda_max`);
  // A tie in error on different items: the vertex is never optimal.
  const tie = curveEnds(core, fromRows([[0, 1, 1], [1, 0, 1], [1, 1, 0]], [3, 3, 1]));
  assert.equal(tie.large!.lambdaMax, Number.POSITIVE_INFINITY);
});

test("the sweep on random 0-1 matrices: rate non-increasing, distortion non-decreasing, every point on the lower convex hull with slope -lambda", async () => {
  const core = await loadCore();
  for (const [k, L] of [bankLike(25, 2500, 41), coinLosses(12, 600, 42), bankLike(7, 300, 43, 1)].entries()) {
    const tol = 1e-10;
    const s = sweep(core, L, { tol, points: 25 });
    assert.equal(s.N, L.N, "a loss matrix means all of its rows, in every function");
    assert.equal(s.points.length, 25);
    assert.ok(s.converged);
    const pts = s.points;
    pts.forEach((p, j) => certified(p, tol, `sweep ${k} point ${j}`));
    assert.equal(pts[0]!.lambda, 1e-3);
    assert.equal(pts[24]!.lambda, 10);
    for (let j = 1; j < pts.length; j++) {
      assert.ok(pts[j]!.rate <= pts[j - 1]!.rate + 1e-9, `sweep ${k}: rate up at ${j}`);
      assert.ok(pts[j]!.distortion >= pts[j - 1]!.distortion - 1e-9, `sweep ${k}: distortion down at ${j}`);
    }
    // Convexity: point j minimises D + lambda_j I among all points (to its certified gap).
    for (const a of pts) for (const b of pts) {
      assert.ok(a.objective <= b.distortion + a.lambda * b.rate + a.gapBound + 1e-12, `sweep ${k}: point at ${a.lambda} is above the line through ${b.lambda}`);
    }
    // The ends: rate at lambda = 1e-3 is the least rate, D the oracle error.
    assert.ok(Math.abs(pts[0]!.rate - s.ends.leastRate) < 1e-8);
    assert.ok(Math.abs(pts[0]!.distortion - s.ends.oracleError) < 1e-15);
    const lm = s.ends.large!;
    for (const p of pts) if (p.lambda >= lm.lambdaMax) assert.ok(p.vertex && Math.abs(p.rate) < 1e-13 && Math.abs(p.distortion - lm.bestError) < 1e-14);
  }
  const grid = lambdaGrid(core, 3, 1e-2, 1);
  assert.equal(grid[0], 1e-2);
  assert.equal(grid[2], 1);
  assert.ok(Math.abs(grid[1]! - 0.1) < 1e-16);
});

test("plain BA, SQUAREM and Newton reach the same point where plain BA converges", async () => {
  const core = await loadCore();
  for (const [k, L] of [bankLike(5, 200, 51, 1), coinLosses(4, 150, 52, 0.35), bankLike(8, 300, 53, 2)].entries()) {
    const prob = RoutingProblem.create(core, L);
    try {
      for (const lambda of [0.02, 0.2, 0.6]) {
        const byMethod = new Map<BaMethod, BaResult>();
        for (const method of ["none", "squarem", "newton"] as const) {
          byMethod.set(method, certified(prob.solve(lambda, { accelerate: method, tol: 1e-12, maxIter: 1_000_000 }), 1e-12, `case ${k} lambda ${lambda} ${method}`));
        }
        const plain = byMethod.get("none")!;
        for (const method of ["squarem", "newton"] as const) {
          const r = byMethod.get(method)!;
          assert.ok(Math.abs(r.objective - plain.objective) <= r.gapBound + plain.gapBound + 1e-15, `case ${k} lambda ${lambda} ${method}: objective ${r.objective} vs plain ${plain.objective}`);
          assert.ok(Math.abs(r.rate - plain.rate) < 1e-6 && Math.abs(r.distortion - plain.distortion) < 1e-6, `case ${k} lambda ${lambda} ${method}: (${r.rate}, ${r.distortion}) vs plain (${plain.rate}, ${plain.distortion})`);
          assert.ok(r.evaluations < plain.evaluations || plain.evaluations <= 5, `case ${k} lambda ${lambda}: ${method} used ${r.evaluations} evaluations, plain ${plain.evaluations}`);
        }
      }
    } finally {
      prob.free();
    }
  }
});

test("D(rho) of eq. 27 by bisection: brackets the Bernoulli R(D) inverse, agrees with the sweep, exact at both ends", async () => {
  const core = await loadCore();
  const L = fromRows([[1, 0], [0, 1]], [37, 63]);
  const p = 0.37;
  for (const rho of [0.01, 0.2, 0.5]) {
    // D(rho) = h^-1(h(p) - rho) on [0, p].
    let lo = 0, hi = p;
    for (let k = 0; k < 200; k++) {
      const mid = (lo + hi) / 2;
      if (h2(p) - h2(mid) > rho) lo = mid;
      else hi = mid;
    }
    const c = constrainedD(core, L, rho, { dTol: 1e-10 });
    assert.equal(c.kind, "bisection");
    assert.ok(c.lower <= lo + 1e-12 && lo <= c.distortion + 1e-12, `rho ${rho}: [${c.lower}, ${c.distortion}] misses ${lo}`);
    assert.ok(c.distortion - c.lower <= 1e-10);
    assert.ok(c.lo.rate >= rho && c.hi.rate <= rho);
  }
  assert.equal(constrainedD(core, L, 0).distortion, 0.37);
  const floor = constrainedD(core, L, 1);
  assert.equal(floor.kind, "floor");
  assert.equal(floor.distortion, 0);
  // On a bank-like matrix: D(rho) at the rate of a sweep point is that point's distortion.
  const B = bankLike(10, 800, 61);
  const prob = RoutingProblem.create(core, B);
  try {
    const s = sweep(core, prob, { lambdas: [0.05, 0.3, 1] });
    for (const pt of s.points) {
      if (pt.vertex) continue;
      const c = constrainedD(core, prob, pt.rate);
      assert.ok(c.lower <= pt.distortion + 1e-9 && pt.distortion <= c.distortion + 1e-9, `rho ${pt.rate}: [${c.lower}, ${c.distortion}] vs ${pt.distortion}`);
      assert.ok(c.distortion - c.lower <= 1e-9);
    }
  } finally {
    prob.free();
  }
  assert.throws(() => constrainedD(core, L, -1), RangeError);
});

test("the gate of eq. 28 on the original items: its eq. 24 rate and distortion are the solution's; its marginal is pi", async () => {
  const core = await loadCore();
  const L = bankLike(9, 600, 71, 2);
  const prob = RoutingProblem.create(core, L);
  try {
    for (const lambda of [1e-3, 0.3, 2]) {
      const r = certified(prob.solve(lambda), 1e-10, `gate lambda ${lambda}`);
      const g = prob.gate(lambda, r.pi);
      const info = routingInformation(core, g, L.N, L.R);
      assert.ok(Math.abs(info.rate - r.rate) < 1e-12, `rate ${info.rate} vs ${r.rate}`);
      let D = 0;
      for (let i = 0; i < L.N; i++) {
        let s = 0;
        for (let t = 0; t < L.R; t++) {
          D += g[i * L.R + t]! * L.data[t * L.N + i]!;
          s += g[i * L.R + t]!;
        }
        assert.ok(Math.abs(s - 1) < 1e-14);
      }
      assert.ok(Math.abs(D / L.N - r.distortion) < 1e-12);
      for (let t = 0; t < L.R; t++) assert.ok(Math.abs(info.marginal[t]! - r.pi[t]!) < 1e-9);
    }
  } finally {
    prob.free();
  }
});

test("input checks: shapes, n, lambda, tol, warm starts", async () => {
  const core = await loadCore();
  const L = coinLosses(3, 10, 81);
  assert.throws(() => RoutingProblem.create(core, { R: 3, N: 10, data: new Uint8Array(29) }), RangeError);
  assert.throws(() => RoutingProblem.create(core, L, 11), RangeError);
  assert.throws(() => RoutingProblem.create(core, L, 0), RangeError);
  const prob = RoutingProblem.create(core, L);
  try {
    assert.throws(() => prob.solve(-1), RangeError);
    assert.throws(() => prob.solve(Number.NaN), RangeError);
    assert.throws(() => prob.solve(Number.POSITIVE_INFINITY), RangeError);
    assert.throws(() => prob.solve(1, { tol: -1 }), RangeError);
    assert.throws(() => prob.solve(1, { warmStart: [1, 0] }), RangeError);
    assert.throws(() => prob.solve(1, { accelerate: "fast" as BaMethod }), RangeError);
    // A warm start with zeros is mixed with the uniform: still certified.
    certified(prob.solve(0.3, { warmStart: [0, 0, 1], accelerate: "squarem" }), 1e-10, "zero warm start");
    // maxIter reached: an honest, unconverged result.
    const r = prob.solve(0.3, { accelerate: "none", maxIter: 2, tol: 0 });
    assert.equal(r.converged, r.certificate <= 0);
  } finally {
    prob.free();
  }
  assert.throws(() => prob.solve(1), /after free/);
  const twos = RoutingProblem.create(core, { R: 2, N: 2, data: new Uint8Array([0, 2, 1, 0]) });
  assert.equal(twos.zeroOne, false);
  assert.throws(() => lambdaMaxClosedForm(core, twos), RangeError);
  twos.free();
});

test("simd and scalar builds give the same bits (sweep, ends, gate stats, eq. 24)", async () => {
  const [a, b] = [await loadCore("simd"), await loadCore("scalar")];
  const L = bankLike(25, 1200, 91, 3);
  const run = (core: Core) => {
    const s = sweep(core, L, { points: 9 });
    const p400 = RoutingProblem.create(core, L, 400);
    const sq = sweep(core, p400, { points: 4, accelerate: "squarem" });
    p400.free();
    const nums = [...s.points, ...sq.points, s.ends.small].flatMap((p) => [p.rate, p.distortion, p.objective, p.F, p.certificate, p.evaluations, ...p.pi]);
    const prob = RoutingProblem.create(core, L, 500);
    const g = prob.gate(0.2, s.points[3]!.pi);
    prob.free();
    nums.push(routingInformation(core, g, 500, 25).rate, ...g);
    return new Float64Array(nums);
  };
  const [x, y] = [run(a), run(b)];
  assert.equal(x.length, y.length);
  assert.deepEqual(new Uint8Array(x.buffer), new Uint8Array(y.buffer));
});

// ---------------------------------------------------------------------------------------------
// Real-valued distortions on a weighted finite source (RoutingProblem.fromDistortions).

/** The distinct patterns of a u8 problem as a real-valued problem with weights count_k / N. */
function asReal(core: Core, p: RoutingProblem): RoutingProblem {
  const dist = Float64Array.from(p.patterns);
  const weights = Float64Array.from(p.counts, (c) => c / p.N);
  return RoutingProblem.fromDistortions(core, { R: p.R, dist, weights });
}

test("fromDistortions: the patterns of a 0-1 matrix as f64 distortions with weights count/N give the same bits (sweep, gate, D(rho)) in both builds", async () => {
  for (const build of ["simd", "scalar"] as const) {
    const core = await loadCore(build);
    const u8 = RoutingProblem.create(core, bankLike(12, 1500, 77));
    const real = asReal(core, u8);
    try {
      assert.equal(real.real, true);
      assert.equal(real.K, u8.K);
      assert.deepEqual([...real.meanLosses()].map((v) => v.toFixed(12)), [...u8.meanLosses()].map((v) => v.toFixed(12)));
      for (const lambda of [0, 0.01, 0.2, 1]) {
        const a = u8.solve(lambda), b = real.solve(lambda);
        assert.equal(b.rate, a.rate, `${build} lambda ${lambda} rate`);
        assert.equal(b.distortion, a.distortion, `${build} lambda ${lambda} D`);
        assert.deepEqual([...b.pi], [...a.pi]);
      }
      const c8 = constrainedD(core, u8, 0.3), cr = constrainedD(core, real, 0.3);
      assert.ok(Math.abs(c8.distortion - cr.distortion) < 1e-12 && Math.abs(c8.lower - cr.lower) < 1e-12);
      // The gate on the source points is eq. 28 row by row.
      const g = real.gate(0.2, real.solve(0.2).pi);
      for (let k = 0; k < real.K; k++) {
        let s = 0;
        for (let t = 0; t < real.R; t++) s += g[k * real.R + t]!;
        assert.ok(Math.abs(s - 1) < 1e-12);
      }
    } finally {
      u8.free();
      real.free();
    }
  }
});

test("fromDistortions: a uniform 4-ary source with Hamming distortion gives R(D) = log 4 - h(D) - D log 3, and real-valued losses match a direct eq. 26", async () => {
  const core = await loadCore();
  // X uniform on 4 symbols, T in the same 4, d = [x != t]: the Hamming R(D) of an M-ary uniform
  // source, R(D) = log M - h(D) - D log(M - 1) for D <= (M - 1)/M (Cover & Thomas, ex. 10.5).
  const M = 4;
  const dist = new Float64Array(M * M);
  for (let x = 0; x < M; x++) for (let t = 0; t < M; t++) dist[x * M + t] = x === t ? 0 : 1;
  const p = RoutingProblem.fromDistortions(core, { R: M, dist, weights: new Float64Array(M).fill(1 / M) });
  try {
    for (const lambda of [0.05, 0.2, 0.5, 1]) {
      const r = certified(p.solve(lambda, { tol: 1e-12 }), 1e-12, `lambda ${lambda}`);
      // Slope -lambda: D / ((M - 1)(1 - D)) = e^(-1/lambda).
      const q = Math.exp(-1 / lambda);
      const D = ((M - 1) * q) / (1 + (M - 1) * q);
      assert.ok(Math.abs(r.distortion - D) < 1e-10, `lambda ${lambda}: D ${r.distortion} vs ${D}`);
      assert.ok(Math.abs(r.rate - (Math.log(M) - h2(D) - D * Math.log(M - 1))) < 1e-10);
    }
  } finally {
    p.free();
  }
  // Real-valued, non-uniform: a brute-force minimum of D + lambda I over a grid of gates (2 points,
  // 2 experts) lies within the certificate's bound of the solution.
  const w = [0.3, 0.7], d = [[0.1, 0.65], [0.8, 0.25]];
  const q = RoutingProblem.fromDistortions(core, { R: 2, dist: d.flat(), weights: w });
  try {
    for (const lambda of [0.1, 0.3, 1]) {
      const r = certified(q.solve(lambda, { tol: 1e-13 }), 1e-13, `lambda ${lambda}`);
      let best = Infinity;
      for (let a = 0; a <= 400; a++) for (let b = 0; b <= 400; b++) {
        const { D, I } = lagrangian([[a / 400, 1 - a / 400], [b / 400, 1 - b / 400]], w, d, lambda);
        best = Math.min(best, D + lambda * I);
      }
      assert.ok(r.objective <= best + 1e-12, `lambda ${lambda}: ${r.objective} > brute force ${best}`);
      assert.ok(best - r.objective < 1e-4, `lambda ${lambda}: brute force ${best} far above ${r.objective}`);
      const direct = lagrangian([[...q.gate(lambda, r.pi).subarray(0, 2)], [...q.gate(lambda, r.pi).subarray(2, 4)]], w, d, lambda);
      assert.ok(Math.abs(direct.D - r.distortion) < 1e-14 && Math.abs(direct.I - r.rate) < 1e-14);
    }
    assert.equal(constrainedD(core, q, 0).distortion, Math.min(0.3 * 0.1 + 0.7 * 0.8, 0.3 * 0.65 + 0.7 * 0.25));
  } finally {
    q.free();
  }
  assert.throws(() => RoutingProblem.fromDistortions(core, { R: 2, dist: [0, 1, 1], weights: [0.5, 0.5] }), /3 values for shape \[2, 2\]/);
  assert.throws(() => RoutingProblem.fromDistortions(core, { R: 2, dist: [0, 1, 1, 0], weights: [0.5, 0.6] }), /sum to/);
  assert.throws(() => RoutingProblem.fromDistortions(core, { R: 2, dist: [0, NaN, 1, 0], weights: [0.5, 0.5] }), /not finite/);
});

test("fromDistortions: weights off 1 by up to 1e-9 are normalized (the certificate can reach tol); expertLossSums refuses a real-valued problem", async () => {
  const core = await loadCore();
  const d = [0.1, 0.6, 0.9, 0.7, 0.2, 0.8, 0.5, 0.5, 0.1, 0.3, 0.9, 0.2, 0.6, 0.4, 0.35];
  const exact = RoutingProblem.fromDistortions(core, { R: 3, dist: d, weights: [0.1, 0.2, 0.3, 0.25, 0.15] });
  const off = RoutingProblem.fromDistortions(core, { R: 3, dist: d, weights: [0.1, 0.2, 0.3, 0.25, 0.15 + 5e-10] });
  try {
    const a = exact.solve(0.2, { tol: 1e-12, maxIter: 5000 }), b = off.solve(0.2, { tol: 1e-12, maxIter: 5000 });
    assert.ok(b.converged && b.evaluations < 100, `certificate ${b.certificate} after ${b.evaluations} evaluations`);
    assert.ok(Math.abs(a.rate - b.rate) < 1e-8 && Math.abs(a.distortion - b.distortion) < 1e-8);
    assert.throws(() => expertLossSums(exact), /meanLosses/);
  } finally {
    exact.free();
    off.free();
  }
});

test("constrainedD reuses the caller's curveEnds of the same problem (same result), and refuses ends of another", async () => {
  const core = await loadCore();
  const p = RoutingProblem.create(core, bankLike(10, 900, 17));
  const other = RoutingProblem.create(core, bankLike(7, 500, 18));
  try {
    const ends = curveEnds(core, p);
    for (const rho of [0, 0.02, 0.1, 5]) assert.deepEqual(constrainedD(core, p, rho, { ends }), constrainedD(core, p, rho));
    assert.throws(() => constrainedD(core, p, 0.1, { ends: curveEnds(core, other) }), /not of this problem/);
  } finally {
    p.free();
    other.free();
  }
});

test("routingCurve: the sweep, the ends and every D(rho) come from one problem's rows; a loss matrix means all of its rows in every function", async () => {
  const core = await loadCore();
  const L = bankLike(8, 2600, 31);
  assert.equal(paperRoutingN(L.N), 2000);
  assert.equal(paperRoutingN(700), 700);
  const p = RoutingProblem.create(core, L, paperRoutingN(L.N));
  const all = RoutingProblem.create(core, L);
  try {
    const rhos = [0.02, 0.1, 0.3];
    const c = routingCurve(core, p, { points: 7, rho: rhos });
    assert.equal(c.sweep.N, 2000);
    assert.equal(c.sweep.points.length, 7);
    assert.deepEqual(c.sweep, sweep(core, p, { points: 7 }));
    c.rho.forEach((d, k) => {
      assert.deepEqual(d, constrainedD(core, p, rhos[k]!), `D(${rhos[k]}) is the problem's own`);
      assert.ok(d.distortion >= c.sweep.ends.oracleError, `D(${rhos[k]}) = ${d.distortion} below the oracle error ${c.sweep.ends.oracleError} of its rows`);
    });
    // The failure this guards against: D(rho) of other rows (here all 2600) under the ends of these.
    const other = constrainedD(core, all, 0.3).distortion;
    assert.notEqual(other, c.rho[2]!.distortion, "the check can fail: other rows give another D(rho)");
    // A bare loss matrix: every function uses all of its rows (one default, no per-function one).
    const s = sweep(core, L, { points: 3 });
    assert.equal(s.N, L.N);
    assert.equal(curveEnds(core, L).N, L.N);
    assert.deepEqual(constrainedD(core, L, 0.1), constrainedD(core, all, 0.1));
  } finally {
    p.free();
    all.free();
  }
});

test("ba_eval (the dual F(pi) and its certificate) against a direct evaluation of Z_k, c_t and F on ba_setup's E", async () => {
  for (const build of ["simd", "scalar"] as const) {
    const core = await loadCore(build);
    const e = core.exports;
    const [K, R, N, lambda] = [7, 5, 40, 0.3];
    const RS = e.ba_stride(R);
    const u = rng(77);
    const pat = Array.from({ length: K * R }, () => (u() < 0.4 ? 1 : 0));
    const count = Array.from({ length: K }, (_, k) => (k < K - 1 ? 5 + k % 2 : 0));
    count[K - 1] = N - count.reduce((a, b) => a + b, 0);
    const piRaw = Array.from({ length: R }, () => 0.1 + u());
    const pi = new Float64Array(RS);
    const s = piRaw.reduce((a, b) => a + b, 0);
    piRaw.forEach((p, t) => (pi[t] = p / s));
    core.scoped((alloc) => {
      const tp = alloc("u8", K * R).set(pat), tc = alloc("u32", K).set(count);
      const E = alloc("f64", K * RS), w = alloc("f64", K), m = alloc("f64", K), tpi = alloc("f64", RS).set(pi), Z = alloc("f64", K), c = alloc("f64", RS);
      e.ba_setup(tp.ptr, tc.ptr, K, R, N, lambda, E.ptr, w.ptr, m.ptr);
      const Ev = E.toArray(), wv = w.toArray();
      // E as eq. 28 says (JS exp: a reference, so to rounding), its padding 0
      for (let k = 0; k < K; k++) {
        const mk = Math.min(...pat.slice(k * R, k * R + R));
        for (let t = 0; t < RS; t++) {
          const want = t < R ? Math.exp(-(pat[k * R + t]! - mk) / lambda) : 0;
          assert.ok(Math.abs(Ev[k * RS + t]! - want) <= 1e-15, `E[${k},${t}]`);
        }
      }
      c.view.fill(NaN);
      const F = e.ba_eval(E.ptr, w.ptr, K, R, tpi.ptr, Z.ptr, c.ptr, 1);
      // Z_k = sum_t pi_t E[k,t] in the lanes' order (even t, odd t, then added): the same bits
      const Zw = Array.from({ length: K }, (_, k) => {
        let a0 = 0, a1 = 0;
        for (let t = 0; t < RS; t += 2) {
          a0 += pi[t]! * Ev[k * RS + t]!;
          a1 += pi[t + 1]! * Ev[k * RS + t + 1]!;
        }
        return a0 + a1;
      });
      assert.deepEqual([...Z.toArray()], Zw);
      const cw = new Array<number>(RS).fill(0);
      let Fw = 0;
      for (let k = 0; k < K; k++) {
        const g = wv[k]! / Zw[k]!;
        for (let t = 0; t < RS; t++) cw[t] = cw[t]! + g * Ev[k * RS + t]!;
        Fw -= wv[k]! * Math.log(Zw[k]!);
      }
      assert.deepEqual([...c.toArray()], cw, "certificate c_t = sum_k w_k E[k,t] / Z_k, padding 0");
      assert.ok(Math.abs(F - Fw) <= 1e-14 * Math.max(1, Math.abs(Fw)), `F ${F} vs ${Fw}`);
      assert.ok(Math.abs(cw.reduce((a, ct, t) => a + ct * pi[t]!, 0) - 1) < 1e-14, "sum_t pi_t c_t = 1");
      assert.equal(e.ba_eval(E.ptr, w.ptr, K, R, tpi.ptr, Z.ptr, c.ptr, 0), 0, "wantF = 0 returns 0");
      assert.deepEqual([...c.toArray()], cw);
    });
  }
});
