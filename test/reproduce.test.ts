// `moe-bank reproduce --quick`: the whole pipeline writes report.json (canonical results + run),
// report.md and the figures; the results' sha-256 is what it says, does not depend on the worker
// count or on cached stages, and holds no paths, timings or NaN. Then every bad-input case of
// the bad-input contract (docs/DESIGN.md section 6): one line, the right exit code, no stack trace, nothing half-written in --out.
import { maxWorkers } from "../src/commands/workers.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { canonicalJson } from "../src/bank/config.js";
import { decodeNpy, encodeNpy } from "../src/formats/npy.js";
import { renderRoute, routingSummary } from "../src/measurements/route/render.js";
import type { RouteJson } from "../src/routing/json.js";
import { renderReport, type Results, type RunInfo } from "../src/report/report.js";
import { QUICK_BANK_SHA256, QUICK_RESULTS_SHA256, maskCoreSha } from "./support/golden.js";

const CLI = fileURLToPath(new URL("../src/cli.js", import.meta.url));
const TMP = mkdtempSync(join(tmpdir(), "moe-bank-reproduce-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const FIGURES = ["fig2-gaps.svg", "alpha-information.svg", "alpha-bounds.svg", "d-rho.svg", "bank-accuracy.svg"];

test("reproduce --quick writes the report, the figures and the bank; the results hash is canonical and worker-independent", { timeout: 300_000 }, () => {
  const out = join(TMP, "quick"), cache = join(TMP, "cache");
  const r = run("reproduce", "--quick", "--out", out, "--cache", cache, "--workers", "2", "--json");
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  for (const f of ["report.json", "report.md", ...FIGURES, "bank/manifest.json", "bank/experts.safetensors", "bank/losses-train.npy", "bank/losses-test.npy"]) {
    assert.ok(existsSync(join(out, f)), `${f} written`);
  }
  const text = readFileSync(join(out, "report.json"), "utf8");
  assert.doesNotMatch(text, /NaN/, "no NaN anywhere");
  const report = JSON.parse(text);
  const sha = createHash("sha256").update(canonicalJson(report.results)).digest("hex");
  assert.equal(report.resultsSha256, sha, "resultsSha256 is the sha-256 of the canonical results");
  assert.equal(summary.resultsSha256, sha);
  assert.equal(sha, QUICK_RESULTS_SHA256, "the pinned golden hash of the quick configuration");
  // the bank's bytes: the experts exactly; the manifest exactly but for the core's own hash,
  // which must be this build's
  const core = createHash("sha256").update(readFileSync(fileURLToPath(new URL("../../build/simd.wasm", import.meta.url)))).digest("hex");
  const manifestBytes = new Uint8Array(readFileSync(join(out, "bank", "manifest.json")));
  assert.equal(JSON.parse(new TextDecoder().decode(manifestBytes)).core.sha256, core, "the manifest records this build's core");
  const banks: Record<keyof typeof QUICK_BANK_SHA256, Uint8Array> = {
    "manifest.json": maskCoreSha(manifestBytes, core),
    "experts.safetensors": new Uint8Array(readFileSync(join(out, "bank", "experts.safetensors"))),
  };
  for (const [f, want] of Object.entries(QUICK_BANK_SHA256)) {
    assert.equal(createHash("sha256").update(banks[f as keyof typeof banks]).digest("hex"), want, `bank/${f}: the default bank's pinned bytes`);
  }
  const results = JSON.stringify(report.results);
  assert.ok(!results.includes(TMP) && !results.includes(process.version), "no paths or versions in results");
  assert.ok(!/"(timings|seconds|node)"/.test(results), "no timings in results");
  assert.deepEqual(Object.keys(report.run.timings), ["dataset", "bank: train", "bank: loss matrices", "selection and estimators", "routing", "tighter bounds", "report"]);
  assert.ok(report.results.bounds && report.results.bounds.alphas.length === 6, "the tighter bounds join the report");
  assert.equal(report.results.bank.testAccuracy.length, 5);
  assert.equal(report.results.routing.points.length, 25);
  for (const p of report.results.routing.points) assert.ok(p.certificate <= 1e-10);
  // figures: well-formed SVG documents whose sha-256 the results record
  for (const f of FIGURES) {
    const svg = readFileSync(join(out, f), "utf8");
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>/);
    assert.match(svg, /<\/svg>\n$/);
    assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
    assert.equal(report.results.figures[f], createHash("sha256").update(svg).digest("hex"), `${f} hash`);
  }
  const md = readFileSync(join(out, "report.md"), "utf8");
  for (const h of ["## The bank", "## Table I", "## Table II", "## Tighter bounds", "## Routing", "## Where the paper's conventions are off", sha]) assert.ok(md.includes(h), `report.md has ${h}`);
  routingFromOneProblem(out, report.results.routing, md);
  paperColumnsNameTheirDataset(report, md);
  // again from the cache, and with 1 worker and a fresh cache: the same results
  const again = run("reproduce", "--quick", "--out", join(TMP, "again"), "--cache", cache, "--json");
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).resultsSha256, sha);
  const one = run("reproduce", "--quick", "--out", join(TMP, "one"), "--cache", join(TMP, "cache1"), "--workers", "1", "--json");
  assert.equal(one.code, 0, one.stderr);
  assert.equal(JSON.parse(one.stdout).resultsSha256, sha, "1 worker gives the same results as 2");
});

/**
 * The routing section is ONE problem on the first N rows of the bank's losses-test.npy (kept in
 * --out): `route` on those rows gives every number of report.json's routing (the sweep, the ends
 * and D(rho)), every D(rho) is at or above those rows' oracle error (computed here directly), and
 * report.md's routing block is that object rendered.
 */
function routingFromOneProblem(out: string, rt: RouteJson, md: string): void {
  assert.equal(rt.N, 2000, "the paper's rows: the first 2,000 test images");
  assert.deepEqual(rt.rho.map((c) => c.rho), [0.05, 0.1, 0.2]);
  const file = join(out, "bank", "losses-test.npy");
  const r = run("route", "--test-losses", file, "--n", String(rt.N), "--rho", ...rt.rho.map((c) => String(c.rho)), "--json");
  assert.equal(r.code, 0, r.stderr);
  const mine = JSON.parse(r.stdout);
  assert.deepEqual(mine.rho.map((c: { distortion: number }) => c.distortion), rt.rho.map((c) => c.distortion), "report D(rho) = route's on the same rows");
  assert.deepEqual({ ...mine, file: rt.file }, rt, "every routing number of the report is route's on the same rows");
  // the oracle error of the first N rows, directly from the .npy
  const L = decodeNpy(new Uint8Array(readFileSync(file)), file);
  const [R, N] = L.shape as [number, number];
  let allWrong = 0;
  for (let i = 0; i < rt.N; i++) {
    let every = true;
    for (let t = 0; t < R && every; t++) every = L.data[t * N + i] === 1;
    if (every) allWrong++;
  }
  const oracle = allWrong / rt.N;
  assert.ok(Math.abs(rt.ends.oracleError - oracle) <= 1e-15, `oracle error ${rt.ends.oracleError} vs ${oracle}`);
  for (const c of rt.rho) assert.ok(c.distortion >= oracle, `D(${c.rho}) = ${c.distortion} is below the oracle error ${oracle} of its rows`);
  assert.ok(md.includes("```\n" + renderRoute(rt) + "\n```"), "report.md's routing block is report.json's routing rendered");
  assert.ok(md.includes(`\n${routingSummary(rt)}\n`), "report.md's routing paragraph is report.json's routing rendered");
  assert.match(md, /in-sample lower envelope of eq\. 27/);
}

/** The paper's printed values are MNIST's: an MNIST report sets them beside ours as "paper"; the
 *  same results on another dataset label the column "paper (MNIST)" and say it is context. */
function paperColumnsNameTheirDataset(report: { results: Results; resultsSha256: string; run: RunInfo }, md: string): void {
  assert.ok(md.includes("| quantity | ours | paper |"));
  assert.doesNotMatch(md, /paper \(MNIST\)/);
  const other = { ...report.results, dataset: { ...report.results.dataset, name: "fashion-mnist" } } as Results;
  const mdOther = renderReport(other, report.resultsSha256, report.run);
  assert.ok(mdOther.includes("| quantity | ours | paper (MNIST) |"));
  assert.match(mdOther, /hold its MNIST values; this run is on fashion-mnist/);
}

// ---- bad input: one test per case ---------------------------------------------------------------

function assertOneLine(r: ReturnType<typeof run>, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line on stderr:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/);
}

/** Small 0-1 loss matrices (3 x 500) and a file that is not an .npy, written once. */
const losses = (() => {
  let files: { train: string; test: string; bad: string } | null = null;
  return () => {
    if (files === null) {
      const R = 3, N = 500;
      const data = Uint8Array.from({ length: R * N }, (_, i) => ((i * 7919) % 13 < 2 ? 1 : 0));
      const w = (name: string, bytes: Uint8Array) => { const p = join(TMP, name); writeFileSync(p, bytes); return p; };
      files = { train: w("train.npy", encodeNpy("u8", [R, N], data)), test: w("test.npy", encodeNpy("u8", [R, N], data)), bad: w("bad.npy", new TextEncoder().encode("not an npy file")) };
    }
    return files;
  };
})();

test("alpha outside [0, 1]: exit 2", () => {
  const l = losses();
  assertOneLine(run("select", "--train-losses", l.train, "--test-losses", l.test, "--alpha", "1.5"), 2, /--alpha must be in \[0, 1\], got 1\.5/);
});

test("m larger than the pool: exit 2", () => {
  const l = losses();
  assertOneLine(run("select", "--train-losses", l.train, "--test-losses", l.test, "-m", "501"), 2, /--sample-size 501 exceeds the pool \(500 items/);
});

test("R < 1: exit 2", () => {
  assertOneLine(run("bank", "train", "--out", join(TMP, "r0"), "--count", "0"), 2, /--count \(R, the number of experts\) must be an integer in \[1, 100000\], got 0/);
  assert.ok(!existsSync(join(TMP, "r0")));
});

test("lambda <= 0: exit 2", () => {
  const l = losses();
  assertOneLine(run("route", "--test-losses", l.test, "--lambdas", "0.1,0"), 2, /--lambdas: 0 is not a finite number > 0/);
  assertOneLine(run("route", "--test-losses", l.test, "--lambdas", "-1"), 2, /--lambdas: -1 is not a finite number > 0/);
});

test("workers < 1: exit 2, nothing written", () => {
  const out = join(TMP, "w0");
  assertOneLine(run("reproduce", "--quick", "--out", out, "--workers", "0"), 2, new RegExp(`--workers must be an integer in \\[1, ${maxWorkers()}\\] \\(this machine's .*\\), got 0`));
  assert.ok(!existsSync(out));
});

test("a missing dataset: exit 1 naming the file, nothing written", () => {
  const out = join(TMP, "nodata");
  const f = join(TMP, "nope-images");
  assertOneLine(run("reproduce", "--quick", "--out", out, "--train-images", f, "--train-labels", f, "--test-images", f, "--test-labels", f), 1, /nope-images: no such file/);
  assert.ok(!existsSync(out));
});

test("a malformed dataset: exit 1 naming the file and the problem", () => {
  const f = join(TMP, "bad-images");
  writeFileSync(f, new Uint8Array([0x12, 0, 8, 3, 0, 0, 0, 0]));
  const out = join(TMP, "baddata");
  assertOneLine(run("reproduce", "--quick", "--out", out, "--train-images", f, "--train-labels", f, "--test-images", f, "--test-labels", f), 1, /bad-images: /);
  assert.ok(!existsSync(out));
});

test("a malformed .npy: exit 1 naming the file", () => {
  const l = losses();
  assertOneLine(run("select", "--train-losses", l.bad, "--test-losses", l.test), 1, /bad\.npy: /);
});

test("an unwritable --out: exit 1, nothing written", () => {
  const file = join(TMP, "a-file");
  writeFileSync(file, "x");
  assertOneLine(run("reproduce", "--quick", "--out", join(file, "sub")), 1, /a-file is not a folder/);
  assertOneLine(run("reproduce", "--quick", "--out", file), 1, /--out exists and is not a folder/);
  assert.deepEqual(readdirSync(TMP).filter((n) => n.startsWith("a-file")), ["a-file"]);
});

test("an unknown option: exit 2", () => {
  assertOneLine(run("reproduce", "--bogus"), 2, /Unknown argument: bogus/);
});
