// The measured bias of H(p_hat) (resampledBias, src/estimators/bias.ts) against brute force: for a
// truth whose r* distribution f is known exactly, E[H(p_hat)] over every outcome of
// Multinomial(M, f) (JS Math here: the test is the independent reference). The resampled value
// must agree within its own standard error, and at alpha = 1 it shows what the report says: the
// delta method at the observed shares understates the bias when an expert of small r*
// probability goes unobserved, while (R-1)/(2M) does not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCore } from "./support/core.js";
import { biasCorrections, deltaBiasOf, resampledBias } from "../src/estimators/bias.js";

const H = (p: number[]) => -p.reduce((s, x) => s + (x > 0 ? x * Math.log(x) : 0), 0);

/** E[g(c)] over c ~ Multinomial(M, f), by enumeration. */
function expectation(f: number[], M: number, g: (c: number[]) => number): number {
  const lf = [0];
  for (let k = 1; k <= M; k++) lf[k] = lf[k - 1]! + Math.log(k);
  let E = 0, mass = 0;
  const rec = (k: number, left: number, cc: number[]) => {
    if (k === f.length - 1) {
      const c = [...cc, left];
      let lp = lf[M]!;
      c.forEach((x, r) => { lp += x > 0 ? x * Math.log(f[r]!) - lf[x]! : 0; });
      const p = Math.exp(lp);
      mass += p;
      E += p * g(c);
      return;
    }
    for (let x = 0; x <= left; x++) rec(k + 1, left - x, [...cc, x]);
  };
  rec(0, M, []);
  assert.ok(Math.abs(mass - 1) < 1e-12, "the enumeration covers every outcome");
  return E;
}

test("resampledBias: the measured bias of H(p_hat) equals the exact one within its standard error; at alpha = 1 the delta method at f_hat understates it", async () => {
  const core = await loadCore();
  // 20 truth runs with r* histogram (12, 5, 2, 1): f = (0.6, 0.25, 0.1, 0.05) exactly.
  const rstar = [...Array(12).fill(0), ...Array(5).fill(1), ...Array(2).fill(2), 3];
  const f = [0.6, 0.25, 0.1, 0.05];
  const R = 4, M = 12, B = 20_000;
  const alphas = [0, 0.5, 0.9, 1];
  const res = resampledBias(core, rstar, R, M, alphas, B, 7);
  assert.equal(res.truthRuns, 20);
  assert.equal(res.truthK, 4);
  assert.deepEqual(res, resampledBias(core, rstar, R, M, alphas, B, 7), "deterministic");
  for (const row of res.alphas) {
    const a = row.alpha, b = (1 - a) / R;
    const pOf = (c: number[]) => c.map((x) => b + (a * x) / M);
    const exact = H(f.map((x) => b + a * x)) - expectation(f, M, (c) => H(pOf(c)));
    const where = `alpha ${a}`;
    if (a === 0) {
      assert.ok(Math.abs(row.exact) < 1e-12, `${where}: p_hat is uniform, no bias (up to the rounding of a mean of ${B} values): ${row.exact}`);
      continue;
    }
    assert.ok(row.se > 0 && row.se < 0.1 * exact, `${where}: se ${row.se}`);
    assert.ok(Math.abs(row.exact - exact) <= 4.5 * row.se, `${where}: measured ${row.exact} +- ${row.se}, exact ${exact}`);
    const mm = expectation(f, M, (c) => biasCorrections(a, R, c, M).millerMadow);
    const dl = expectation(f, M, (c) => biasCorrections(a, R, c, M).delta);
    assert.ok(Math.abs(row.meanMillerMadow - mm) <= 0.02 * mm, `${where}: mean (K-1)/2M ${row.meanMillerMadow} vs ${mm}`);
    assert.ok(Math.abs(row.meanDelta - dl) <= 0.02 * dl, `${where}: mean delta ${row.meanDelta} vs ${dl}`);
    assert.equal(row.paper, (R - 1) / (2 * M));
    assert.equal(row.deltaAtTruth, deltaBiasOf(a, f, M));
    if (a === 1) {
      assert.ok(row.meanDelta < exact - 10 * row.se, `${where}: the delta method at f_hat understates the bias (${row.meanDelta} vs ${exact})`);
      assert.ok(Math.abs(row.paper - exact) < Math.abs(row.meanDelta - exact), `${where}: (R-1)/(2M) is closer here`);
    }
  }
  assert.throws(() => resampledBias(core, rstar, R, 0, alphas, B, 7), /M must be a positive integer/);
  assert.throws(() => resampledBias(core, rstar, R, M, alphas, 1, 7), /resamples must be an integer >= 2/);
});
