// `moe-bank sweep` on a small IDX dataset (the first 3,000 / 500 MNIST images) with tiny banks:
// the results hash does not depend on the worker count (each run from an empty cache), on the
// order in which the tasks run, or on a SIGKILL part-way (the restart resumes from the cache);
// a corrupt cell entry is caught and recomputed; bad specs are refused in one line (exit 2)
// before any work; and cell s of a sweep is reproduce's run for bank seed s and MC seed 0.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { canonicalJson } from "../src/bank/config.js";
import { encodeIdx } from "../src/data/idx.js";
import { defaultMnistPaths, loadSplit } from "../src/data/files.js";
import { normalizeSpec, parseList } from "../src/sweep/spec.js";
import { planTasks } from "../src/sweep/plan.js";
import { loadSpecData } from "../src/sweep/task.js";
import { runSweep } from "../src/sweep/run.js";
import { seedStat, withinRounding } from "../src/sweep/aggregate.js";
import { assertRefusedBeforeWork, killAfterFirstCell, runCli, writeFileIn } from "./support/cli.js";
import { findPython } from "./support/python.js";
import { spawnSync } from "node:child_process";

const TMP = mkdtempSync(join(tmpdir(), "moe-bank-sweep-"));
const DATA = join(TMP, "data");
const FILES = { trainImages: join(DATA, "train-images"), trainLabels: join(DATA, "train-labels"), testImages: join(DATA, "test-images"), testLabels: join(DATA, "test-labels") };
const DS = ["--train-images", FILES.trainImages, "--train-labels", FILES.trainLabels, "--test-images", FILES.testImages, "--test-labels", FILES.testLabels];
/** Tiny cells: 3 experts of 500 images, M = 50, the selection and the routing curve. */
const TINY_BANKS = ["--quick", "--count", "3", "--subset-size", "500", "--runs", "50", "--bootstrap", "50"];
const TINY = [...TINY_BANKS, "--measure", "select,route"];
let dir = 0;
const fresh = (name: string) => join(TMP, `${name}-${dir++}`);

before(async () => {
  mkdirSync(DATA, { recursive: true });
  const paths = defaultMnistPaths();
  for (const [name, n] of [["train", 3000], ["test", 500]] as const) {
    const s = await loadSplit(paths[name].images, paths[name].labels);
    writeFileSync(join(DATA, `${name}-images`), encodeIdx([n, s.rows, s.cols], s.images.subarray(0, n * s.rows * s.cols)));
    writeFileSync(join(DATA, `${name}-labels`), encodeIdx([n], s.labels.subarray(0, n)));
  }
});
after(() => rmSync(TMP, { recursive: true, force: true }));

function sweep(seeds: string, cache: string, out: string, ...extra: string[]) {
  const r = runCli("sweep", ...(extra.includes("--measure") ? TINY_BANKS : TINY), ...DS, "--seeds", seeds, "--cache", cache, "--out", out, "--json", ...extra);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { resultsSha256: string; computed: number; reused: number };
  const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
  assert.equal(report.resultsSha256, summary.resultsSha256);
  assert.equal(createHash("sha256").update(canonicalJson(report.results)).digest("hex"), report.resultsSha256, "resultsSha256 is the sha-256 of the canonical results");
  // the cells' cache keys name the core build (its sha-256), so they stay out of the results (a
  // kernel change that keeps every bit would otherwise move the hash): run.cellKeys, one per cell
  const keys = report.run.cellKeys as string[];
  assert.equal(keys.length, report.results.cells.length);
  const text = JSON.stringify(report.results);
  assert.ok(!/"key"/.test(text), "no cache key in the results");
  keys.forEach((k, i) => {
    assert.ok(!text.includes(k));
    const entry = JSON.parse(readFileSync(join(cache, "cells", `${k}.json`), "utf8"));
    assert.equal(entry.resultsSha256, report.results.cells[i].resultsSha256, `run.cellKeys[${i}] is results.cells[${i}]'s entry`);
  });
  return { ...summary, report };
}

let reference = "";

test("the results hash is the same with 1 and 2 workers, each from an empty cache", { timeout: 180_000 }, () => {
  const two = sweep("0-1", fresh("cache"), fresh("out"), "--workers", "2");
  const one = sweep("0-1", fresh("cache"), fresh("out"), "--workers", "1");
  assert.equal(two.computed, 2);
  assert.equal(one.computed, 2);
  assert.equal(one.resultsSha256, two.resultsSha256);
  reference = two.resultsSha256;
  // the seeds' banks differ, the protocol does not: cell s differs from cell 0 by its bank alone
  const cells = two.report.results.cells;
  assert.deepEqual(cells.map((c: { cell: { seed: number } }) => c.cell.seed), [0, 1]);
  assert.notEqual(cells[0].results.bank.experts[0].sha256, cells[1].results.bank.experts[0].sha256);
  assert.deepEqual(cells.map((c: { results: { selection: { config: { seed: number } } } }) => c.results.selection.config.seed), [0, 0]);
  assert.equal(two.report.run.workers, 2);
  assert.equal(one.report.run.workers, 1);
});

test("tasks run in reverse order (from an empty cache) give the same results hash", { timeout: 120_000 }, async () => {
  assert.ok(reference, "the worker test ran first");
  const spec = normalizeSpec({ quick: true, seeds: "0-1", counts: [3], subsetSizes: [500], runs: 50, bootstrap: 50, measurements: ["select", "route"], datasets: [{ name: "idx", files: FILES }] }, null);
  const data = await loadSpecData(spec);
  const order = planTasks(spec).map((t) => t.index).reverse();
  assert.deepEqual(order, [1, 0]);
  const cache = fresh("cache");
  const r = await runSweep(spec, { cache, data, workers: 2, order });
  assert.equal(r.computed, 2);
  assert.equal(r.sha, reference);
  // the folder spec round-trips: report.json's spec is a --spec file for the same sweep
  const out = fresh("out");
  const specFile = join(TMP, "spec.json");
  writeFileSync(specFile, JSON.stringify(spec));
  const again = runCli("sweep", "--spec", specFile, "--cache", cache, "--out", out, "--json", "--workers", "1");
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).resultsSha256, reference);
  assert.equal(JSON.parse(again.stdout).computed, 0, "the same cells: found by their keys");
  assert.deepEqual(JSON.parse(readFileSync(join(out, "report.json"), "utf8")).spec, spec);
});

test("a sweep killed (SIGKILL) part-way resumes from its cache to the same results hash", { timeout: 180_000 }, async () => {
  assert.ok(reference, "the worker test ran first");
  const cache = fresh("cache"), out = fresh("out");
  // kill it once the first cell is written and before the last
  const written = (await killAfterFirstCell(["sweep", ...TINY, ...DS, "--seeds", "0-1", "--cache", cache, "--out", out, "--quiet", "--workers", "2"], cache)).size;
  assert.ok(written >= 1 && written < 2, `killed part-way (${written} of 2 cells written)`);
  assert.ok(!existsSync(join(out, "report.json")), "no report from the killed run");
  const r = sweep("0-1", cache, out, "--workers", "2");
  assert.equal(r.resultsSha256, reference);
  assert.equal(r.reused, written, "the cells written before the kill are reused");
  assert.equal(r.computed, 2 - written);
  // run twice: nothing is recomputed, nothing changes
  const twice = sweep("0-1", cache, fresh("out"));
  assert.equal(twice.computed, 0);
  assert.equal(twice.resultsSha256, reference);
});

test("a corrupt cell entry is reported and recomputed, never used", { timeout: 120_000 }, () => {
  const cache = fresh("cache");
  const first = sweep("0", cache, fresh("out"));
  const entries = readdirSync(join(cache, "cells")).filter((f) => f.endsWith(".json"));
  assert.equal(entries.length, 1);
  const path = join(cache, "cells", entries[0]!);
  const entry = JSON.parse(readFileSync(path, "utf8"));
  entry.results.selection.readings.paper.alphas[3].I.value += 0.125; // a planted change of one number
  writeFileSync(path, JSON.stringify(entry));
  const r = runCli("sweep", ...TINY, ...DS, "--seeds", "0", "--cache", cache, "--out", fresh("out"), "--json");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /cache entry .* is unusable \(its results hash .* does not match/);
  assert.equal(JSON.parse(r.stdout).computed, 1);
  assert.equal(JSON.parse(r.stdout).resultsSha256, first.resultsSha256);
});

/** reproduce --quick on the small dataset (its --seed names both the bank and the protocol). */
function repro(seed: number, cache: string) {
  const out = fresh("repro");
  const r = runCli("reproduce", "--quick", ...DS, "--seed", String(seed), "--cache", cache, "--out", out, "--json");
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(readFileSync(join(out, "report.json"), "utf8")).results;
}

/** The cells of a quick sweep on the small dataset. */
function quickCells(cache: string, ...args: string[]) {
  const out = fresh("out");
  const r = runCli("sweep", "--quick", ...DS, "--cache", cache, "--out", out, "--json", ...args);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(readFileSync(join(out, "report.json"), "utf8")).results.cells;
}

test("cell 0 of a quick sweep is reproduce --quick --seed 0, every number at full precision", { timeout: 120_000 }, () => {
  const cache = fresh("cache");
  const r0 = repro(0, cache);
  const [c0] = quickCells(cache, "--seeds", "0");
  for (const k of ["dataset", "bank", "selection", "bounds", "routing"]) assert.deepEqual(c0.results[k], r0[k], `seed 0's ${k} is reproduce --seed 0's`);
});

test("bank seed and MC seed are separate: cell 1 has reproduce --seed 1's bank, and --mc-seed 1 its protocol", { timeout: 120_000 }, () => {
  const cache = fresh("cache");
  const r1 = repro(1, cache);
  const [c1] = quickCells(cache, "--seeds", "1", "--measure", "select");
  assert.deepEqual(c1.results.bank, r1.bank, "seed 1's bank is reproduce --seed 1's");
  assert.notDeepEqual(c1.results.selection, r1.selection, "its protocol is MC seed 0's, not 1's");
  const [m1] = quickCells(cache, "--seeds", "1", "--mc-seed", "1", "--measure", "select,route");
  for (const k of ["bank", "selection", "routing"]) assert.deepEqual(m1.results[k], r1[k], `--seeds 1 --mc-seed 1 is reproduce --seed 1 (${k})`);
});

test("bad specs are refused in one line with exit 2 before any work", { timeout: 60_000 }, () => {
  const bad = (name: string, text: string) => writeFileIn(TMP, name, text);
  const cases: [string[], RegExp][] = [
    [["--spec", bad("unknown.json", '{"seeds": "0-1", "temperature": 3}')], /unknown\.json: unknown axis or setting "temperature"/],
    [["--spec", bad("malformed.json", '{"seeds": [0,')], /malformed\.json: not valid JSON/],
    [["--spec", bad("array.json", "[1, 2]")], /array\.json: a sweep spec is a JSON object/],
    [["--spec", bad("empty.json", '{"ms": []}')], /empty\.json: "ms": the list is empty/],
    [["--spec", bad("reversed.json", '{"seeds": "9-0"}')], /reversed\.json: "seeds": the range 9-0 is empty/],
    [["--spec", join(TMP, "absent.json")], /--spec .*absent\.json: cannot read it/],
    [["--seeds", "3-1"], /--seeds: the range 3-1 is empty/],
    [["--seeds", "0,,2"], /--seeds: an empty item/],
    [["--seeds", "x"], /--seeds: "x" is not an integer or a range/],
    [["-m", "64", "64"], /-m: 64 is given twice/],
    [[...DS, "-m", "3001"], /-m 3001 is larger than the training pool of .* \(3000 images\)/],
    [["--quick", "-m", "70000"], /-m: 70000 is outside \[1, 65535\]/],
    [["--count", "1"], /--count: 1 is outside \[2, 100000\]/],
    [["--subset", "some"], /--subset: "some" is not a subset reading/],
    [["--measure", "select,tea"], /--measure: unknown measurement "tea"/],
    [["--dataset", "imagenet"], /--dataset: unknown dataset "imagenet"/],
    [["--spec", bad("ok.json", '{"quick": true}'), "--seeds", "0"], /gives the axes; leave out seeds/],
  ];
  assertRefusedBeforeWork(cases.map(([args, p]) => [["sweep", ...args], p]), fresh);
});

test("the aggregate agrees with numpy: mean, sample sd, min, max, z-scores, inside/outside, slopes against m", { timeout: 120_000 }, () => {
  const out = fresh("out");
  sweep("0-1", fresh("cache"), out, "-m", "64,256", "--measure", "select");
  const py = `
import json, sys, numpy as np
r = json.load(open(sys.argv[1]))["results"]
bad = []
for g in r["configs"]:
    ds = {d["id"]: i for i, d in enumerate(r["spec"]["datasets"])}
    cf = g["config"]
    cells = [c for c in r["cells"] if c["cell"]["dataset"] == ds[cf["datasetId"]] and all(c["cell"].get(k) == cf.get(k) for k in ("subset", "n", "R", "m", "width"))]
    assert [c["cell"]["seed"] for c in cells] == g["seeds"], (g["seeds"], len(cells))
    for mt in g["metrics"]:
        st = mt["stat"]
        if st is None: continue
        v = np.array(st["values"], dtype=np.float64)
        for k, want in (("mean", v.mean()), ("sd", v.std(ddof=1)), ("min", v.min()), ("max", v.max())):
            if abs(st[k] - want) > 1e-12 * max(1.0, abs(want)): bad.append((mt["id"], k, st[k], want))
    for x in g["verdicts"]:
        v = np.array(next(m for m in g["metrics"] if m["id"] == x["metric"])["stat"]["values"])
        sd = v.std(ddof=1)
        z = None if sd <= 4 * np.finfo(np.float64).eps * np.abs(v).max() else (x["paper"] - v.mean()) / sd
        if (z is None) != (x["z"] is None) or (z is not None and abs(z - x["z"]) > 1e-9 * max(1.0, abs(z))): bad.append((x["metric"], "z", x["z"], z))
        h = 0.5 * 10.0 ** -len(x["printed"].split(".")[1])
        if x["inside"] != bool(v.min() - h <= x["paper"] <= v.max() + h): bad.append((x["metric"], "inside"))
for s in r["scaling"]:
    ms = np.log(np.array(s["ms"], dtype=np.float64))
    for a in s["alphas"]:
        for l in a["lines"]:
            y = np.array(l["mean"])
            if l["slope"] is None or (y <= 0).any(): continue
            want = np.polyfit(ms, np.log(y), 1)[0]
            if abs(l["slope"] - want) > 1e-9: bad.append(("slope", a["alpha"], l["quantity"], l["slope"], want))
print(json.dumps({"bad": bad[:5], "n": len(bad), "configs": len(r["configs"]), "scaling": len(r["scaling"])}))
`;
  const r = spawnSync(findPython(), ["-c", py, join(out, "report.json")], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.equal(got.configs, 2);
  assert.equal(got.scaling, 1);
  assert.deepEqual(got.bad, [], `${got.n} disagreements with numpy`);
});

test("one list syntax: values one after another, comma-separated, integer ranges", () => {
  assert.deepEqual(parseList("--seeds", ["0-3", "7,9"], "int"), [0, 1, 2, 3, 7, 9]);
  assert.deepEqual(parseList("-m", "64,128", "int"), [64, 128]);
  assert.deepEqual(parseList("--alpha", ["0", "0.25,1e-3"], "number"), [0, 0.25, 0.001]);
  assert.deepEqual(parseList("--seeds", [0, 2], "int"), [0, 2]);
  assert.throws(() => parseList("--alpha", "0-1", "number"), /not a number/);
  assert.throws(() => parseList("--seeds", "1.5", "int"), /not an integer/);
  assert.throws(() => parseList("--seeds", [], "int"), /the list is empty/);
});

test("seeds that agree exactly: that value as the mean and sd 0 (no z-score); the mean stays inside [min, max]", () => {
  // ten copies of (R-1)/(2M) = 24/600: their rounded sum / 10 is not 0.04's double, and its sd
  // was 7e-18, so the report printed a z of 0.95 for a number no seed moves
  const c = 24 / 600, ten = Array.from({ length: 10 }, () => c);
  let s = 0;
  for (const v of ten) s += v;
  assert.notEqual(s / 10, c, "the plain mean misses the common value (the case this guards)");
  const st = seedStat(ten);
  assert.equal(st.mean, c);
  assert.equal(st.sd, 0);
  assert.deepEqual([st.min, st.max], [c, c]);
  assert.equal(seedStat([c]).sd, null);
  // two banks whose H(W|S) differ in the last bit: a spread of rounding, not of banks (the quick
  // sweep printed z = 5.7e15 for it); a real spread, a one-seed stat and exact agreement as they are
  const x = 0.8838382838383838, bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, x);
  bits.setBigUint64(0, bits.getBigUint64(0) + 1n);
  const ulp = seedStat([x, bits.getFloat64(0)]);
  assert.ok(ulp.sd! > 0 && withinRounding(ulp));
  assert.ok(withinRounding(st));
  assert.ok(!withinRounding(seedStat([0.1, 0.2])) && !withinRounding(seedStat([x])));
  assert.ok(!withinRounding(seedStat([x, x * (1 + 1e-12)])));
  const mixed = seedStat([0.1, 0.2, 0.30000000000000004]);
  assert.ok(mixed.mean >= mixed.min && mixed.mean <= mixed.max);
  assert.ok(Math.abs(mixed.mean - 0.2) < 1e-15 && mixed.sd! > 0.09);
});
