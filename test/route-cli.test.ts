// `moe-bank route` as a user meets it: a .npy 0-1 loss matrix in, the lambda sweep out (--json
// and the text table), every point certified, the curve's closed-form ends against a direct
// computation here, D(rho) of eq. 27 inside the sweep's range, and one-line errors with the
// right exit codes. JS Math is fine here: the test is the independent reference.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeNpy } from "../src/formats/npy.js";
import { loadCore } from "./support/core.js";
import { syntheticBank } from "../src/bench/synthetic-bank.js";
import type { LossMatrix } from "../src/estimators/draws.js";
import { runCli as run, assertOneLineError } from "./support/cli.js";

const R = 6, N = 3000, SMALL_N = 2000;
let dir = "";
let L: LossMatrix;
const path = (name: string) => join(dir, name);

/** The ends of the curve computed directly from the first n items of L. */
function directEnds(m: LossMatrix, n: number) {
  const wrong = (t: number, i: number) => m.data[t * m.N + i]! === 1;
  let allWrong = 0;
  for (let i = 0; i < n; i++) {
    let every = true;
    for (let t = 0; t < m.R && every; t++) every = wrong(t, i);
    if (every) allWrong++;
  }
  const errors = Array.from({ length: m.R }, (_, t) => {
    let e = 0;
    for (let i = 0; i < n; i++) if (wrong(t, i)) e++;
    return e;
  });
  let best = 0;
  for (let t = 1; t < m.R; t++) if (errors[t]! < errors[best]!) best = t;
  let lambdaMax = 0;
  for (let t = 0; t < m.R; t++) {
    if (t === best) continue;
    let a = 0, b = 0;
    for (let i = 0; i < n; i++) {
      if (wrong(t, i) && !wrong(best, i)) a++;
      if (!wrong(t, i) && wrong(best, i)) b++;
    }
    if (b === 0) continue;
    lambdaMax = Math.max(lambdaMax, a === b ? Infinity : 1 / Math.log(a / b));
  }
  return { oracleError: allWrong / n, bestExpert: best, bestError: errors[best]! / n, lambdaMax };
}

function close(got: number, want: number, rel: number, what: string): void {
  assert.ok(Math.abs(got - want) <= rel * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "moe-bank-route-"));
  L = syntheticBank(await loadCore(), { R, nPool: 1, nTest: N, seed: 3 }).test;
  writeFileSync(path("test.npy"), encodeNpy("u8", [L.R, L.N], L.data));
  writeFileSync(path("test-bool.npy"), encodeNpy("bool", [L.R, L.N], L.data));
  const two = Uint8Array.from(L.data);
  two[7] = 2;
  writeFileSync(path("two.npy"), encodeNpy("u8", [L.R, L.N], two));
  writeFileSync(path("flat.npy"), encodeNpy("u8", [L.R * L.N], L.data));
  writeFileSync(path("f32.npy"), encodeNpy("f32", [L.R, L.N], Float32Array.from(L.data)));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("route --json: 25 certified points over [1e-3, 10] on the first 2000 items; the ends match their closed forms", () => {
  const r = run("route", "--test-losses", path("test.npy"), "--json");
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.N, SMALL_N);
  assert.equal(j.R, R);
  assert.equal(j.tol, 1e-10);
  assert.equal(j.converged, true);
  assert.equal(j.points.length, 25);
  assert.equal(j.points[0].lambda, 1e-3);
  assert.equal(j.points[24].lambda, 10);
  let gap = 0;
  for (const p of j.points) {
    assert.ok(p.certificate <= 1e-10, `lambda ${p.lambda}: certificate ${p.certificate}`);
    // the certified quantity: the objective gap lambda log(1 + c), not c itself
    close(p.gapBound, p.certificate > 0 ? p.lambda * Math.log1p(p.certificate) : 0, 1e-12, `gap bound at lambda ${p.lambda}`);
    gap = Math.max(gap, p.gapBound);
    assert.equal(p.converged, true);
    assert.equal(p.pi.length, R);
  }
  assert.equal(j.gapBound, gap, "the curve's gap bound is the largest of its points'");
  // The curve: rate non-increasing, distortion non-decreasing along increasing lambda.
  for (let k = 1; k < 25; k++) {
    assert.ok(j.points[k].lambda > j.points[k - 1].lambda);
    assert.ok(j.points[k].rate <= j.points[k - 1].rate + 1e-9, `rate at point ${k}`);
    assert.ok(j.points[k].distortion >= j.points[k - 1].distortion - 1e-9, `distortion at point ${k}`);
  }

  const want = directEnds(L, SMALL_N);
  assert.ok(want.oracleError > 0, "the test matrix has items every expert gets wrong");
  assert.ok(Number.isFinite(want.lambdaMax) && want.lambdaMax > 1e-3 && want.lambdaMax < 10, `lambda_max ${want.lambdaMax} inside the grid`);
  close(j.ends.oracleError, want.oracleError, 1e-14, "oracle error");
  assert.equal(j.ends.bestExpert, want.bestExpert);
  close(j.ends.bestError, want.bestError, 1e-14, "best error");
  close(j.ends.lambdaMax, want.lambdaMax, 1e-12, "lambda_max");
  // Small lambda: at 1e-3 exp(-1000) = 0, so the first point is the lambda = 0 solution.
  close(j.points[0].distortion, want.oracleError, 1e-12, "D at lambda = 1e-3");
  assert.ok(j.ends.leastRateLower <= j.ends.leastRate && j.ends.leastRate < j.ends.logR);
  close(j.points[0].rate, j.ends.leastRate, 1e-9, "rate at lambda = 1e-3");
  // Large lambda: every point at or past lambda_max is the vertex e_t*.
  const past = j.points.filter((p: { lambda: number }) => p.lambda >= want.lambdaMax);
  assert.ok(past.length > 0);
  for (const p of past) {
    assert.equal(p.vertex, true);
    assert.ok(Math.abs(p.rate) <= 1e-13, `rate ${p.rate} at the vertex`);
    close(p.distortion, want.bestError, 1e-14, "D at the vertex");
    assert.equal(p.pi[want.bestExpert], 1);
  }
  for (const p of j.points.filter((q: { lambda: number }) => q.lambda < want.lambdaMax)) assert.equal(p.vertex, false);

  // bool and uint8 give the same bytes; --n moves the ends with it.
  const rb = run("route", "--test-losses", path("test-bool.npy"), "--json");
  assert.equal(rb.code, 0, rb.stderr);
  assert.equal(JSON.stringify({ ...JSON.parse(rb.stdout), file: "" }), JSON.stringify({ ...j, file: "" }));
  const rn = run("route", "--test-losses", path("test.npy"), "--n", "700", "--points", "5", "--json");
  assert.equal(rn.code, 0, rn.stderr);
  const jn = JSON.parse(rn.stdout);
  const want700 = directEnds(L, 700);
  assert.equal(jn.N, 700);
  assert.equal(jn.points.length, 5);
  close(jn.ends.oracleError, want700.oracleError, 1e-14, "oracle error, n = 700");
  if (Number.isFinite(want700.lambdaMax)) close(jn.ends.lambdaMax, want700.lambdaMax, 1e-12, "lambda_max, n = 700");
  else assert.equal(jn.ends.lambdaMax, String(want700.lambdaMax));
});

test("route --rho: D(rho) lies on the swept curve between its neighbours", () => {
  const sweepRun = JSON.parse(run("route", "--test-losses", path("test.npy"), "--json").stdout);
  const rho = sweepRun.points[0].rate / 2;
  const r = run("route", "--test-losses", path("test.npy"), "--rho", String(rho), "--json");
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.rho.length, 1);
  const c = j.rho[0];
  assert.equal(c.rho, rho);
  assert.equal(c.kind, "bisection");
  const ds = j.points.map((p: { distortion: number }) => p.distortion);
  assert.ok(c.distortion >= Math.min(...ds) && c.distortion <= Math.max(...ds), `D(rho) ${c.distortion} in the sweep's range`);
  assert.ok(c.lower <= c.distortion + 1e-12 && c.distortion - c.lower <= 1e-6, `bracket [${c.lower}, ${c.distortion}]`);
  assert.ok(c.distortion >= directEnds(L, SMALL_N).oracleError, "D(rho) is never below the oracle error of its rows");
  assert.ok(c.lo.rate >= rho - 1e-12 && c.hi.rate <= rho + 1e-12);
  // The curve is non-increasing: a swept point with rate >= rho has D <= D(rho), one with rate
  // <= rho has D >= D(rho).
  for (const p of j.points) {
    if (p.rate >= rho) assert.ok(p.distortion <= c.distortion + 1e-9, `point at lambda ${p.lambda} (rate ${p.rate})`);
    if (p.rate <= rho) assert.ok(p.distortion >= c.lower - 1e-9, `point at lambda ${p.lambda} (rate ${p.rate})`);
  }
  // rho = 0 is the best single expert; rho at or above the least rate is the oracle error.
  const r2 = run("route", "--test-losses", path("test.npy"), "--points", "3", "--rho", "0", String(j.ends.leastRate + 1e-6), "--json");
  assert.equal(r2.code, 0, r2.stderr);
  const [zero, floor] = JSON.parse(r2.stdout).rho;
  assert.equal(zero.kind, "zero");
  assert.equal(zero.distortion, j.ends.bestError);
  assert.equal(floor.kind, "floor");
  assert.equal(floor.distortion, j.ends.oracleError);
});

test("route prints a readable report: a header, the ends, and a table of 25 rows", () => {
  const r = run("route", "--test-losses", path("test.npy"));
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  assert.match(lines[0]!, new RegExp(`: N = ${SMALL_N} items, R = ${R} experts, K = \\d+ distinct loss patterns; method newton, tol 1e-10$`));
  assert.match(r.stdout, /^small lambda: D -> oracle error \d\.\d{6} at the least rate/m);
  assert.match(r.stdout, /^large lambda: the gate is expert \d+ alone \(error \d\.\d{6}\) for lambda >= lambda_max = \d+\.\d{6}/m);
  const h = lines.findIndex((l) => /^lambda\s+rate\s+distortion\s+accuracy\s+objective gap <=\s+certificate c\s+iterations\s+evaluations$/.test(l));
  assert.ok(h > 0, r.stdout);
  const rows: string[] = [];
  for (let k = h + 1; k < lines.length && lines[k] !== ""; k++) rows.push(lines[k]!);
  assert.equal(rows.length, 25, rows.join("\n"));
  for (const row of rows) assert.match(row, /^\d[\d.e+-]*\s+\d\.\d{6}\s+\d\.\d{6}\s+\d\.\d{6}\s+\d\.\de[+-]\d+\s+-?\d\.\de[+-]\d+\s+\d+\s+\d+(\s+vertex)?$/);
  assert.match(r.stdout, /^certified: at every lambda the objective D \+ lambda I is within lambda log\(1 \+ c\) <= \d\.\de[+-]\d+ of the optimum of eq\. 26/m);
  assert.match(rows[0]!, /^0\.001000 /);
  assert.match(rows[24]!, /^10\.00 .*vertex$/);
  assert.doesNotMatch(r.stdout, /NOT CONVERGED|NaN/);
  assert.match(r.stdout, /\d+ evaluations, \d+ iterations\n?$/);
});

test("route errors: one line on stderr, exit 1 for bad input, 2 for a bad command line", () => {
  assertOneLineError(run("route", "--test-losses", path("missing.npy")), 1, /missing\.npy: no such file$/m);
  assertOneLineError(run("route", "--test-losses", path("two.npy")), 1, /two\.npy: value 2 at \[0, 7\] is not a 0-1 loss/);
  assertOneLineError(run("route", "--test-losses", path("flat.npy")), 1, /flat\.npy: shape \(18000\), expected \[R, N\]/);
  assertOneLineError(run("route", "--test-losses", path("f32.npy")), 1, /f32\.npy: dtype f32, expected uint8 or bool/);
  assertOneLineError(run("route", "--test-losses", path("test.npy"), "--tol=-1"), 2, /--tol must be >= 0, got -1 \(see --help\)$/);
  assertOneLineError(run("route", "--test-losses", path("test.npy"), "--tol", "abc"), 2, /--tol must be >= 0/);
  assertOneLineError(run("route", "--test-losses", path("test.npy"), "--n", String(N + 1)), 2, new RegExp(`--n must be an integer in \\[1, ${N}\\].*got ${N + 1}`));
  assertOneLineError(run("route", "--test-losses", path("test.npy"), "--n", "0"), 2, /--n must be an integer/);
  assertOneLineError(run("route"), 2, /Missing required argument: test-losses/);
});
