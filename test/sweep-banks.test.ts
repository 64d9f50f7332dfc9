// The grid (Section III-C) and the scaling experiment as sweeps of the one engine (src/sweep/), on
// a small IDX dataset (the first 3,000 / 500 MNIST images) with tiny banks: `moe-bank grid` and
// `moe-bank scaling` killed (SIGKILL) after their first cell and restarted print the same bytes
// as an uninterrupted run, without recomputing the cells written before the kill; the grid's
// bytes do not depend on the worker count (each from an empty cache) or on the order of its
// tasks; `sweep --spec` with the grid's spec finds the command's cells by their keys and gives
// its result; the grid's banks share their evaluation groups of 25 experts, and a grouped L_train
// is the whole bank's; the widths axis trains the widths it names; and bad specs of the new axis
// and measurements are refused in one line with exit 2 before any work.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { normalizeSpec } from "../src/sweep/spec.js";
import { planTasks } from "../src/sweep/plan.js";
import { loadSpecData } from "../src/sweep/task.js";
import { runSweep } from "../src/sweep/run.js";
import type { BanksSweepResults } from "../src/sweep/banks-report.js";
import { assertRefusedBeforeWork, cellEntries, killAfterFirstCell, runCli, writeFileIn } from "./support/cli.js";
import { writeTinyMnist } from "./support/tiny-data.js";

const TMP = mkdtempSync(join(tmpdir(), "moe-bank-sweep-banks-"));
const DATA = join(TMP, "data");
let DS: string[] = [];
const FILES = { trainImages: join(DATA, "train-images"), trainLabels: join(DATA, "train-labels"), testImages: join(DATA, "test-images"), testLabels: join(DATA, "test-labels") };
/** A 2 x 2 grid of tiny banks (R in 2, 3 x n in 200, 300), M = 200 runs of m = 64. */
const GRID = ["grid", "--counts", "2", "3", "--sizes", "200", "300", "-M", "200", "-m", "64", "-B", "20", "--alpha", "0", "0.5", "1"];
/** The scaling of the golden test: (a) R in 1, 2, 3 (a bank of 3), (b) one width bank of 2. */
const SCALING = ["scaling", "--quick", "--counts", "1", "2", "3", "--widths", "4/8", "--width-experts", "2", "--subsets", "2", "--subset-size", "300", "--rho", "0.05"];
let dir = 0;
const fresh = (name: string) => join(TMP, `${name}-${dir++}`);

before(async () => {
  DS = await writeTinyMnist(DATA, 3000, 500);
});
after(() => rmSync(TMP, { recursive: true, force: true }));

function run(args: string[], cache: string, ...extra: string[]): string {
  const r = runCli(...args, ...DS, "--cache", cache, "--json", "--quiet", ...extra);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** Runs the command, SIGKILLs it once its first cell is written (before its last), restarts it:
 *  returns the restarted run's output; asserts the cells written before the kill were not
 *  rewritten. */
async function killAndRestart(args: string[], cells: number): Promise<string> {
  const cache = fresh("cache");
  const before = await killAfterFirstCell([...args, ...DS, "--cache", cache, "--json", "--quiet", "--workers", "2"], cache);
  assert.ok(before.size >= 1 && before.size < cells, `killed part-way (${before.size} of ${cells} cells written)`);
  const out = run(args, cache, "--workers", "2");
  const after = cellEntries(cache);
  assert.equal(after.size, cells);
  for (const [f, t] of before) assert.equal(after.get(f), t, `cell ${f} written before the kill is reused, not recomputed`);
  return out;
}

let gridBytes = "";

test("grid: 1 and 2 workers, each from an empty cache, print the same bytes; sweep --spec finds the grid's cells and gives its result", { timeout: 180_000 }, () => {
  const cache = fresh("cache");
  const two = run(GRID, cache, "--workers", "2");
  const one = run(GRID, fresh("cache"), "--workers", "1");
  assert.equal(one, two);
  const g = JSON.parse(two);
  assert.deepEqual(g.cells.map((c: { R: number; n: number }) => [c.R, c.n]), [[2, 200], [3, 200], [2, 300], [3, 300]]);
  assert.equal(cellEntries(cache).size, 4, "one cell per (n, R) in the cache");
  gridBytes = two;
  // the same sweep written as a spec: the same cells (found by their keys), the same result
  const spec = join(TMP, "grid.json");
  writeFileSync(spec, JSON.stringify({ measurements: ["grid"], counts: [2, 3], subsetSizes: [200, 300], ms: [64], runs: 200, bootstrap: 20, options: { alphas: [0, 0.5, 1] }, datasets: [{ name: "idx", files: FILES }] }));
  const out = fresh("out");
  const s = runCli("sweep", "--spec", spec, "--cache", cache, "--out", out, "--json", "--quiet");
  assert.equal(s.code, 0, s.stderr);
  assert.equal(JSON.parse(s.stdout).computed, 0);
  const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
  assert.equal(JSON.stringify(report.results.groups[0].result, null, 2) + "\n", two);
  assert.match(readFileSync(join(out, "report.md"), "utf8"), /Sensitivity grid \(Section III-C\)/);
});

test("grid: killed (SIGKILL) after its first cell and restarted, it prints the same bytes; tasks in reverse order give the same result", { timeout: 180_000 }, async () => {
  assert.ok(gridBytes, "the worker test ran first");
  assert.equal(await killAndRestart(GRID, 4), gridBytes);
  const spec = normalizeSpec({ measurements: ["grid"], counts: [2, 3], subsetSizes: [200, 300], ms: [64], runs: 200, bootstrap: 20, options: { alphas: [0, 0.5, 1] }, datasets: [{ name: "idx", files: FILES }] }, null);
  const order = planTasks(spec).map((t) => t.index).reverse();
  assert.deepEqual(order, [3, 2, 1, 0]);
  const r = await runSweep(spec, { cache: fresh("cache"), data: await loadSpecData(spec), workers: 2, order });
  assert.equal(r.computed, 4);
  assert.equal(JSON.stringify((r.results as BanksSweepResults).groups[0]!.result, null, 2) + "\n", gridBytes);
});

test("grid banks share evaluation groups of 25 experts, and a grouped L_train is the whole bank's (bank eval)", { timeout: 180_000 }, () => {
  const cache = fresh("cache");
  const cell = (counts: string) => ["grid", "--counts", counts, "--sizes", "40", "-M", "100", "-m", "32", "-B", "10", "--alpha", "0", "1"];
  const evalBlocks = () => new Map(readdirSync(join(cache, "eval")).map((f) => [f, statSync(join(cache, "eval", f)).mtimeMs]));
  const grouped = run(cell("27"), cache, "--workers", "2");
  const blocks = evalBlocks();
  // R = 25 is the first group of R = 27: its L_train is read, not evaluated again
  run(cell("25"), cache, "--workers", "2");
  assert.deepEqual([...evalBlocks()], [...blocks], "no block evaluated or rewritten for R = 25");
  // the bank of 27 evaluated at once (bank eval, an empty cache but the experts) gives the same cell
  const bank = fresh("bank"), losses = fresh("losses");
  for (const args of [["bank", "train", "--out", bank, "--count", "27", "--subset-size", "40", "--cache", cache], ["bank", "eval", "--bank", bank, "--out", losses, "--cache", fresh("cache")]]) {
    const r = runCli(...args, ...DS, "--workers", "2", "--quiet", "--json");
    assert.equal(r.code, 0, r.stderr);
  }
  const r = runCli(...cell("27"), "--bank", `40=${losses}`, "--cache", fresh("cache"), "--json", "--quiet");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, grouped);
});

test("scaling: killed (SIGKILL) after its first cell and restarted, it prints the bytes of an uninterrupted run", { timeout: 180_000 }, async () => {
  const whole = run(SCALING, fresh("cache"), "--workers", "2");
  const s = JSON.parse(whole);
  assert.deepEqual(s.byCount.rows.map((r: { R: number }) => r.R), [1, 2, 3]);
  assert.deepEqual(s.byWidth.rows.map((r: { label: string }) => r.label), ["4/8"]);
  assert.equal(await killAndRestart(SCALING, 2), whole);
});

test("the widths axis: a sweep over two widths trains experts of each (its cells name them)", { timeout: 120_000 }, () => {
  const out = fresh("out");
  const r = runCli("sweep", "--quick", ...DS, "--seeds", "0", "--count", "2", "--subset-size", "200", "--runs", "50", "--bootstrap", "20", "--measure", "select", "--widths", "4/8,8/16", "--cache", fresh("cache"), "--out", out, "--json", "--quiet");
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
  assert.deepEqual(report.spec.widths, ["4/8", "8/16"]);
  const cells = report.results.cells as { cell: { width: string }; results: { bank: { config: { spec: { conv1: number; conv2: number } } } } }[];
  assert.deepEqual(cells.map((c) => c.cell.width), ["4/8", "8/16"]);
  assert.deepEqual(cells.map((c) => [c.results.bank.config.spec.conv1, c.results.bank.config.spec.conv2]), [[4, 8], [8, 16]]);
  assert.deepEqual(report.results.configs.map((g: { config: { width: string } }) => g.config.width), ["4/8", "8/16"]);
  // without the axis, a spec has no widths key (its cells' keys and hash are what they were)
  assert.equal("widths" in normalizeSpec({ quick: true }, null), false);
});

test("bad specs of the widths axis and of the measurements over banks are refused in one line with exit 2 before any work", { timeout: 60_000 }, () => {
  const bad = (name: string, text: string) => writeFileIn(TMP, name, text);
  const cases: [string[], RegExp][] = [
    [["sweep", "--widths", "16x32"], /--widths takes conv1\/conv2 filter counts like 16\/32, got "16x32"/],
    [["sweep", "--widths", "4/8,4/8"], /--widths: "4\/8" is given twice/],
    [["sweep", "--widths", "0/8"], /--widths takes conv1\/conv2 filter counts/],
    [["sweep", "--spec", bad("w-empty.json", '{"widths": []}')], /w-empty\.json: "widths": the list is empty/],
    [["sweep", "--spec", bad("w-big.json", '{"widths": ["2048/16"]}')], /w-big\.json: "widths" takes conv1\/conv2 filter counts like 16\/32, got "2048\/16"/],
    [["sweep", "--spec", bad("w-num.json", '{"widths": [16]}')], /w-num\.json: "widths": expected names, got the number 16/],
    [["sweep", "--measure", "grid,select"], /--measure: grid is a measurement over banks of its own; give it alone/],
    [["sweep", "--measure", "grid", "-m", "64,128"], /-m: the grid measures at one sample size m, got 2/],
    [["sweep", "--measure", "grid", "--widths", "8/16"], /--widths: the grid's banks have the paper's widths/],
    [["sweep", "--measure", "scaling", "--subset-size", "100,200"], /--subset-size: scaling trains its banks at one subset size n, got 2/],
    [["sweep", "--measure", "scaling", "--count", "2,3"], /--counts needs at least 3 expert counts/],
    [["sweep", "--spec", bad("opt.json", '{"options": {"alphas": [0]}}')], /opt\.json: "options" belongs to a measurement over banks \(grid, scaling\)/],
    [["sweep", "--spec", bad("opt-key.json", '{"measurements": ["scaling"], "options": {"temperature": 1}}')], /opt-key\.json: "options": "temperature" is not a setting of scaling \(widthExperts, subsets, rhos\)/],
    [["sweep", "--spec", bad("opt-alpha.json", '{"measurements": ["grid"], "options": {"alphas": [0, 2]}}')], /--alpha must be in \[0, 1\], got 2/],
    [["sweep", "--spec", bad("dirs.json", '{"measurements": ["scaling"], "bankDirs": {"300": "x"}}')], /dirs\.json: "bankDirs" belongs to the grid/],
    [["scaling", "--quick", "--widths", "4/8", "abc"], /--widths takes conv1\/conv2 filter counts like 16\/32, got "abc"/],
  ];
  assertRefusedBeforeWork(cases, fresh, (args) => args[0] === "sweep");
});
