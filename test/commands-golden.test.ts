// Every CLI command that prints JSON, run on a small synthetic bank with small options, against
// its committed golden output (test/fixtures/commands-golden/<name>.json; paths, timings and the
// core's own hash masked): a refactor of the TypeScript layer must not move a byte of any of them.
// MOE_BANK_UPDATE_GOLDEN=1 rewrites the files (only when an output is meant to change).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeNpy } from "../src/formats/npy.js";
import { syntheticBank } from "../src/bench/synthetic-bank.js";
import { loadCore } from "./support/core.js";
import { goldenRuns, runGolden, type GoldenBank } from "./support/commands-golden.js";

const GOLDEN = fileURLToPath(new URL("../../test/fixtures/commands-golden/", import.meta.url));
/** the checkout (data info prints the dataset files under node_modules): masked as <repo> */
const REPO = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
const UPDATE = process.env.MOE_BANK_UPDATE_GOLDEN === "1";
let dir = "";
let bank: GoldenBank;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "moe-bank-golden-"));
  const losses = join(dir, "losses");
  mkdirSync(losses);
  const { train, test: t } = syntheticBank(await loadCore(), { R: 12, nPool: 4000, nTest: 1000, seed: 3 });
  writeFileSync(join(losses, "losses-train.npy"), encodeNpy("u8", [train.R, train.N], train.data));
  writeFileSync(join(losses, "losses-test.npy"), encodeNpy("u8", [t.R, t.N], t.data));
  bank = { losses, subsetSize: 4000, scratch: join(dir, "scratch"), cache: join(dir, "cache") };
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("every command's --json output on the quick bank is byte-identical to its golden file", { timeout: 240_000 }, () => {
  const runs = goldenRuns(bank, true);
  assert.ok(runs.length >= 13);
  const differ: string[] = [];
  for (const r of runs) {
    const got = runGolden(r, { bank: dir, repo: REPO });
    const file = join(GOLDEN, `${r.name}.json`);
    if (UPDATE) writeFileSync(file, got);
    else if (!existsSync(file)) differ.push(`${r.name}: no golden file`);
    else if (readFileSync(file, "utf8") !== got) differ.push(r.name);
  }
  assert.deepEqual(differ, [], `outputs that moved: ${differ.join(", ")}`);
});

test("the masking hides paths, timings and the core's hash, and nothing else", async () => {
  const { maskJson } = await import("./support/commands-golden.js");
  const text = JSON.stringify({ out: "/tmp/x/bank", timings: { a: 1.5 }, core: { sha256: "ab", wasm: "simd.wasm" }, sha256: "cd", seconds: 3, n: 2 });
  assert.deepEqual(JSON.parse(maskJson(text, { bank: "/tmp/x" })), { out: "<bank>/bank", timings: "<masked>", core: { sha256: "<masked>", wasm: "simd.wasm" }, sha256: "cd", seconds: "<masked>", n: 2 });
});
