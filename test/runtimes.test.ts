// The library and the CLI in Bun and Deno (both installed from npm as dev dependencies, pinned
// in package.json): in each runtime, (a) a script that imports the library through
// dist/src/index.js prints digests of a Philox stream, deterministic exp/log, a CNN forward pass
// and the browser probe's set, which must equal Node's; (b) `reproduce --quick` gives the pinned
// results hash. A runtime missing from node_modules fails the test (it is a dev dependency).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { canonicalJson } from "../src/bank/config.js";
import { QUICK_RESULTS_SHA256 } from "./support/golden.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "dist/src/cli.js");
const PROBE = join(ROOT, "dist/test/support/runtime-probe.js");
const TMP = mkdtempSync(join(tmpdir(), "moe-bank-runtimes-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));

const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string>; config: Record<string, string> };
// no update checks or telemetry: the tests run offline
const ENV = { ...process.env, DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", DO_NOT_TRACK: "1", NO_COLOR: "1" };

interface Runtime {
  name: "bun" | "deno";
  /** the command line that runs a JS module file */
  run(file: string): string[];
}
const RUNTIMES: Runtime[] = [
  { name: "bun", run: (file) => [file] },
  { name: "deno", run: (file) => ["run", "-A", "--no-lock", file] },
];

function exec(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: TMP, env: ENV, encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The runtime's binary (bun: node_modules/.bin; deno: .tools/node_modules/.bin, installed by
 *  test/support/ensure-deno.mjs), checked to be the pinned version. */
function binary(rt: Runtime): string {
  const bin = rt.name === "deno" ? join(ROOT, ".tools", "node_modules", ".bin", "deno") : join(ROOT, "node_modules", ".bin", rt.name);
  assert.ok(existsSync(bin), `${rt.name} is not installed in node_modules (it is a dev dependency: npm ci)`);
  const v = exec(bin, ["--version"]);
  assert.equal(v.code, 0, `${rt.name} --version failed (was its postinstall blocked?): ${v.stderr}`);
  // bun is a devDependency; deno is pinned in "config" and installed by test/support/ensure-deno.mjs
  const pinned = PKG.devDependencies[rt.name] ?? PKG.config[rt.name]!;
  assert.ok(v.stdout.includes(pinned), `${rt.name} --version says ${JSON.stringify(v.stdout.trim())}, package.json pins ${pinned}`);
  return bin;
}

type ProbeOut = { runtime: string; digests: Record<string, string> };
function runProbe(cmd: string, args: string[]): ProbeOut {
  const r = exec(cmd, args);
  assert.equal(r.code, 0, `probe failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as ProbeOut;
}

let nodeDigests: Record<string, string> | undefined;
function nodeProbe(): Record<string, string> {
  nodeDigests ??= runProbe(process.execPath, [PROBE]).digests;
  return nodeDigests;
}

for (const rt of RUNTIMES) {
  test(`${rt.name}: the library gives Node's bytes, and reproduce --quick gives the pinned results hash`, { timeout: 300_000 }, (t) => {
    const bin = binary(rt);
    // (a) the library: the same digests as Node
    const node = nodeProbe();
    const ours = runProbe(bin, rt.run(PROBE));
    t.diagnostic(`${ours.runtime}: ${Object.keys(ours.digests).length} digests`);
    assert.ok(ours.runtime.startsWith(rt.name), `the probe ran in ${ours.runtime}`);
    assert.ok(Object.keys(node).length >= 20);
    assert.deepEqual(ours.digests, node);
    // (b) the CLI: the quick configuration, its own output and cache folders
    const out = join(TMP, `${rt.name}-out`), cache = join(TMP, `${rt.name}-cache`);
    const t0 = performance.now();
    const r = exec(bin, [...rt.run(CLI), "reproduce", "--quick", "--out", out, "--cache", cache, "--workers", "2", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { resultsSha256: string };
    t.diagnostic(`${rt.name} reproduce --quick: ${((performance.now() - t0) / 1000).toFixed(1)} s, results ${summary.resultsSha256}`);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as { resultsSha256: string; results: unknown };
    assert.equal(createHash("sha256").update(canonicalJson(report.results)).digest("hex"), report.resultsSha256, "report.json's hash is its results' sha-256");
    assert.equal(summary.resultsSha256, report.resultsSha256);
    assert.equal(summary.resultsSha256, QUICK_RESULTS_SHA256, `${rt.name}: the pinned golden hash of the quick configuration`);
  });
}
