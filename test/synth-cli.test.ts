// The companion commands end to end: `moe-bank synth gating|constants` (--quick, --json, --out,
// bad input as one line) and `moe-bank reproduce --quick --companion` (the report gains the three
// experiments, their figures and their numbers; the paper's results hash is untouched).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, assertOneLineError } from "./support/cli.js";
import { QUICK_RESULTS_SHA256 } from "./support/golden.js";

const TMP = mkdtempSync(join(tmpdir(), "moe-bank-synth-"));
test.after(() => rmSync(TMP, { recursive: true, force: true }));

test("synth gating --quick --out: the JSON on stdout is the file's, with the markdown and three figures; constants likewise", () => {
  const out = join(TMP, "g");
  const r = runCli("synth", "gating", "--quick", "--out", out, "--json");
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.format, "moe-bank/synth-gating");
  assert.deepEqual(JSON.parse(readFileSync(join(out, "synth-gating.json"), "utf8")), j);
  assert.deepEqual(readdirSync(out).sort(), ["synth-gating-alpha.svg", "synth-gating-m.svg", "synth-gating-rd.svg", "synth-gating.json", "synth-gating.md"]);
  // The text form is the markdown section.
  const t = runCli("synth", "gating", "--quick", "--experts", "3", "--noise", "0.1");
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /## Finite-rate gating/);
  assert.match(t.stdout, /3 unit-variance Gaussian components/);
  const c = runCli("synth", "constants", "--quick", "--json", "--out", join(TMP, "c"));
  assert.equal(c.code, 0, c.stderr);
  const cj = JSON.parse(c.stdout);
  assert.ok(existsSync(join(TMP, "c", "synth-constants.md")) && existsSync(join(TMP, "c", "constants-test-error.svg")));
  assert.deepEqual(JSON.parse(readFileSync(join(TMP, "c", "synth-constants.json"), "utf8")), cj);
});

test("synth: bad input is one line with the usage exit code; a file in the way of --out is exit 1", () => {
  assertOneLineError(runCli("synth", "gating", "--quick", "--noise", "0.7"), 2, /--noise must be in \[0, 0.5\), got 0.7/);
  assertOneLineError(runCli("synth", "gating", "--quick", "--experts", "1"), 2, /--experts must be an integer in \[2, 100\], got 1/);
  assertOneLineError(runCli("synth", "gating", "--quick", "--spacing", "0"), 2, /--spacing must be > 0/);
  assertOneLineError(runCli("synth", "constants", "--quick", "--seed", "-3"), 2, /--seed must be an integer >= 0, got -3/);
  const file = join(TMP, "a-file");
  writeFileSync(file, "x");
  assertOneLineError(runCli("synth", "gating", "--quick", "--out", file), 1, /--out exists and is not a folder/);
  assertOneLineError(runCli("synth", "nope"), 2, /name an experiment: gating or constants/);
  assertOneLineError(runCli("synth"), 2, /Not enough non-option arguments/);
});

test("reproduce --quick --companion: the report gains the companion section, figures and results.companion; the paper's part is unchanged", { timeout: 300_000 }, () => {
  const out = join(TMP, "rq");
  const r = runCli("reproduce", "--quick", "--companion", "--out", out, "--cache", join(TMP, "cache"), "--json", "--quiet");
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
  const c = report.results.companion;
  assert.equal(c.gating.format, "moe-bank/synth-gating");
  assert.equal(c.scaling.format, "moe-bank/scaling");
  assert.ok(c.constants.runs.length > 0);
  const files = readdirSync(out);
  for (const f of ["synth-gating-rd.svg", "constants-test-error.svg", "scaling-experts.svg", "scaling-capacity.svg"]) {
    assert.ok(files.includes(f), `missing ${f}`);
    assert.ok(f in report.results.figures, `no hash for ${f}`);
  }
  const md = readFileSync(join(out, "report.md"), "utf8");
  assert.match(md, /## Companion experiments/);
  assert.match(md, /### Finite-rate gating/);
  assert.match(md, /### Expert scaling/);
  assert.match(md, /!\[scaling-experts\]\(scaling-experts.svg\)/);
  // Without the companion keys, the results are the pinned quick results.
  delete report.results.companion;
  for (const f of Object.keys(report.results.figures)) if (/^(synth-|constants-|scaling-)/.test(f)) delete report.results.figures[f];
  assert.notEqual(report.resultsSha256, QUICK_RESULTS_SHA256);
  return import("../src/report/report.js").then(async (m) => assert.equal(await m.resultsSha256(report.results), QUICK_RESULTS_SHA256));
});
