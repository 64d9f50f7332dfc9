// `moe-bank bounds` and `moe-bank grid` as a user meets them: .npy loss matrices (or bank
// folders) in, the library's numbers out (--json byte-identical to runBounds / the grid entry's
// run on the same banks in memory, while the command runs them through the sweep engine), Markdown
// tables, and one-line errors with the right exit codes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeNpy } from "../src/formats/npy.js";
import { runBounds } from "../src/estimators/tighter.js";
import { grid } from "../src/measurements/grid/index.js";
import { DEFAULT_GRID } from "../src/experiments/grid.js";
import { MNIST_GEOMETRY, specFor } from "../src/model/cnn.js";
import { loadCore } from "./support/core.js";
import { syntheticBank } from "../src/bench/synthetic-bank.js";
import { runCli as run, assertOneLineError } from "./support/cli.js";

let dir = "";
const path = (...p: string[]) => join(dir, ...p);

const BANK = { R: 12, nPool: 4000, nTest: 1000 };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "moe-bank-bounds-"));
  const core = await loadCore();
  for (const [name, seed] of [["a", 3], ["b", 4]] as const) {
    const { train, test: t } = syntheticBank(core, { ...BANK, seed });
    mkdirSync(path(name));
    writeFileSync(path(name, "losses-train.npy"), encodeNpy("u8", [train.R, train.N], train.data));
    writeFileSync(path(name, "losses-test.npy"), encodeNpy("u8", [t.R, t.N], t.data));
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

const SMALL = ["-M", "3000", "-m", "64", "-B", "100", "--ismi-runs", "600", "--ismi-blocks", "6", "--supersamples", "40", "--selectors", "60", "--seed", "2"];

test("bounds --json carries exactly the library's numbers; the text form has both tables and every description", async () => {
  const r = run("bounds", "--train-losses", path("a", "losses-train.npy"), "--test-losses", path("a", "losses-test.npy"), ...SMALL, "--alpha", "0", "0.7", "1", "--json");
  assert.equal(r.code, 0, r.stderr);
  const { train, test: t } = syntheticBank(await loadCore(), { ...BANK, seed: 3 });
  const want = runBounds(await loadCore(), train, t, { M: 3000, m: 64, bootstrap: 100, ismiRuns: 600, ismiBlocks: 6, supersamples: 40, selectors: 60, seed: 2, alphas: [0, 0.7, 1] });
  assert.equal(r.stdout, JSON.stringify(want, null, 2) + "\n");
  const text = run("bounds", "--train-losses", path("a", "losses-train.npy"), "--test-losses", path("a", "losses-test.npy"), ...SMALL, "--alpha", "0.7");
  assert.equal(text.code, 0, text.stderr);
  for (const s of ["XR s=1", "XR s=1/2", "ISMI s=1", "ISMI s=1/2", "CMI", "PB-kl (d=.05)", "union", "test-set (d=.05)", "G (paper)", "G_abs (paper)", "G_pool", "HIGH-PROBABILITY", "one constant"]) {
    assert.ok(text.stdout.includes(s), `missing "${s}"`);
  }
});

test("bounds: one-line errors with the right exit codes", () => {
  const base = ["bounds", "--train-losses", path("a", "losses-train.npy"), "--test-losses", path("a", "losses-test.npy")];
  assertOneLineError(run(...base, "--ismi-runs", "1001", "--ismi-blocks", "10"), 2, /--ismi-runs \(1001\) must be a multiple of --ismi-blocks \(10\)/);
  assertOneLineError(run(...base, "--delta", "1.5"), 2, /--delta must be in \(0, 1\)/);
  assertOneLineError(run(...base, "-m", "4"), 2, /--sample-size must be an integer in \[8, 32767\]/);
  assertOneLineError(run("bounds", "--train-losses", path("nope.npy"), "--test-losses", path("a", "losses-test.npy")), 1, /nope\.npy: no such file$/m);
});

test("grid --bank folders: --json is the grid entry's result on the banks in memory; the text says whether the trend held everywhere", async () => {
  const args = ["grid", "--counts", "4", "12", "--sizes", "1000", "2000", "--bank", `1000=${path("a")}`, "--bank", `2000=${path("b")}`, "-M", "2000", "-m", "64", "-B", "100", "--cache", path("cache")];
  const r = run(...args, "--json");
  assert.equal(r.code, 0, r.stderr);
  const core = await loadCore();
  const banks = new Map([[1000, syntheticBank(core, { ...BANK, seed: 3 })], [2000, syntheticBank(core, { ...BANK, seed: 4 })]]);
  const inputs = { core, pair: async (n: number) => banks.get(n)!, testLosses: () => Promise.reject(new Error("unused")), spec: () => specFor(MNIST_GEOMETRY) };
  const want = await grid.run(inputs, { ...DEFAULT_GRID, counts: [4, 12], sizes: [1000, 2000], M: 2000, m: 64, bootstrap: 100 });
  assert.equal(r.stdout, JSON.stringify(want, null, 2) + "\n");
  assert.equal(want.cells.length, 4);
  assert.equal(want.monotoneEverywhere, true);
  const text = run(...args);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /in every cell: yes/);
  assertOneLineError(run("grid", "--bank", "tenk=dir"), 2, /--bank must look like 10000=DIR/);
  assertOneLineError(run("grid", "--counts", "4", "20", "--sizes", "1000", "--bank", `1000=${path("a")}`, "--cache", path("cache")), 1, /has 12 experts, the grid needs 20/);
});

test("bench: --train-losses belongs to --suite bounds", () => {
  assertOneLineError(run("bench", "--suite", "core", "--train-losses", path("a", "losses-train.npy")), 2, /--train-losses is for --suite bounds/);
});
