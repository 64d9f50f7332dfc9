// `moe-bank select` and `moe-bank tables` as a user meets them: .npy loss matrices in (uint8 or
// bool), the library's numbers out (--json byte-identical to runSelection), Markdown tables, and
// one-line errors with the right exit codes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeNpy } from "../src/formats/npy.js";
import { runSelection } from "../src/estimators/sweep.js";
import { loadCore } from "./support/core.js";
import { syntheticBank } from "../src/bench/synthetic-bank.js";
import { runCli as run, assertOneLineError } from "./support/cli.js";

let dir = "";
const path = (name: string) => join(dir, name);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "moe-bank-select-"));
  const { train, test: t } = syntheticBank(await loadCore(), { R: 10, nPool: 3000, nTest: 1000, seed: 3 });
  writeFileSync(path("train.npy"), encodeNpy("u8", [train.R, train.N], train.data));
  writeFileSync(path("test.npy"), encodeNpy("u8", [t.R, t.N], t.data));
  writeFileSync(path("train-bool.npy"), encodeNpy("bool", [train.R, train.N], train.data));
  writeFileSync(path("f32.npy"), encodeNpy("f32", [train.R, train.N], Float32Array.from(train.data)));
  const two = Uint8Array.from(t.data);
  two[5] = 2;
  writeFileSync(path("two.npy"), encodeNpy("u8", [t.R, t.N], two));
  writeFileSync(path("r9.npy"), encodeNpy("u8", [9, t.N], t.data.subarray(0, 9 * t.N)));
  writeFileSync(path("flat.npy"), encodeNpy("u8", [t.R * t.N], t.data));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("select --json carries exactly the library's numbers; bool and uint8 matrices give the same result", async () => {
  const args = ["--alpha", "0", "0.7", "-M", "60", "-m", "64", "-B", "100", "--seed", "5", "--json"];
  const r = run("select", "--train-losses", path("train.npy"), "--test-losses", path("test.npy"), ...args);
  assert.equal(r.code, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  const { train, test: t } = syntheticBank(await loadCore(), { R: 10, nPool: 3000, nTest: 1000, seed: 3 });
  const want = runSelection(await loadCore(), train, t, { alphas: [0, 0.7], M: 60, m: 64, bootstrap: 100, seed: 5 });
  assert.equal(JSON.stringify(got), JSON.stringify(want));
  assert.deepEqual(got.config.alphas, [0, 0.7]);
  assert.equal(got.readings.paper.alphas[0].looseness.sigma1.overAbsG.value, null);
  assert.doesNotMatch(r.stdout, /NaN|Infinity/);
  const rb = run("select", "--train-losses", path("train-bool.npy"), "--test-losses", path("test.npy"), ...args);
  assert.equal(rb.stdout, r.stdout);
});

test("select prints both readings as Markdown tables with the notes", () => {
  const r = run("select", "--train-losses", path("train.npy"), "--test-losses", path("test.npy"), "-M", "40", "-m", "32", "-B", "50");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^## Paper's reading/m);
  assert.match(r.stdout, /^## Reading \(c\)/m);
  assert.match(r.stdout, /^\| alpha \| H\(W\)/m);
  assert.match(r.stdout, /^\| 0\.70 /m);
  assert.match(r.stdout, /Ties for r\*/);
  assert.doesNotMatch(r.stdout, /NaN/);
});

test("tables: Table I, Table II beside the paper's values, and --json with every number", () => {
  const base = ["tables", "--train-losses", path("train.npy"), "--test-losses", path("test.npy"), "-M", "40", "-m", "32", "-B", "50"];
  const r = run(...base);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^## Table I \(alpha = 0\.7\)/m);
  assert.match(r.stdout, /^\| I\(S;W\) \(eq\. 18\) +\| \d\.\d{4} +\| \[/m);
  assert.match(r.stdout, /^\| 0\.25 +\| \d\.\d{4} +\| 0\.2919 /m);
  assert.match(r.stdout, /Table I prints G = 0\.0045 at alpha = 0\.7, Table II 0\.0051/);
  const j = run(...base, "--json");
  assert.equal(j.code, 0, j.stderr);
  const out = JSON.parse(j.stdout);
  assert.equal(out.tableI.alpha, 0.7);
  assert.equal(out.tableII.length, 6);
  assert.deepEqual(out.result.config.alphas, [0, 0.25, 0.5, 0.7, 0.9, 1]);
  assert.equal(out.paper.tableI.I, 1.3778);
});

test("bad input: one line naming the file and the problem (exit 1); bad options are usage errors (exit 2)", () => {
  const sel = (train: string, t: string, ...rest: string[]) => run("select", "--train-losses", path(train), "--test-losses", path(t), "-B", "0", "-M", "5", ...rest);
  assertOneLineError(sel("missing.npy", "test.npy"), 1, /missing\.npy: no such file$/m);
  assertOneLineError(sel("f32.npy", "test.npy"), 1, /f32\.npy: dtype f32, expected uint8 or bool/);
  assertOneLineError(sel("train.npy", "two.npy"), 1, /two\.npy: value 2 at \[0, 5\] is not a 0-1 loss/);
  assertOneLineError(sel("train.npy", "r9.npy"), 1, /r9\.npy: 9 experts, but .*train\.npy has 10/);
  assertOneLineError(sel("train.npy", "flat.npy"), 1, /flat\.npy: shape \(10000\), expected \[R, N\]/);
  assertOneLineError(sel("train.npy", "test.npy", "--alpha", "1.5"), 2, /--alpha must be in \[0, 1\], got 1\.5/);
  assertOneLineError(sel("train.npy", "test.npy", "-m", "5000"), 2, /--sample-size 5000 exceeds the pool \(3000 items/);
  assertOneLineError(run("select", "--test-losses", path("test.npy")), 2, /Missing required argument: train-losses/);
});
