// The README's routing paragraph is the report's routing section rendered (routingSummary), not
// text typed by hand: test/fixtures/default-bank-losses-test-2000.npy holds the first 2,000 rows
// of bank/losses-test.npy of the default bank (`npm run reproduce`, seed 0; the whole matrix has
// sha-256 2ef24fee09065da1613706aa09e99990d8e3f9c0195786255803af8a49041837), the rows the report
// routes. The report's routing (reportRouting) on them, rendered, must appear in README.md word
// for word, and its numbers must be the ones `route` prints for those rows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadCore } from "./support/core.js";
import { decodeNpy } from "../src/formats/npy.js";
import { reportRouting } from "../src/report/pipeline.js";
import { routingSummary } from "../src/measurements/route/render.js";
import { runCli } from "./support/cli.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURE = `${ROOT}test/fixtures/default-bank-losses-test-2000.npy`;
const oneLine = (s: string) => s.replace(/\s+/g, " ");

test("README's routing paragraph is the default bank's routing section rendered, and route agrees on those rows", async () => {
  const core = await loadCore();
  const a = decodeNpy(new Uint8Array(readFileSync(FIXTURE)), FIXTURE);
  const [R, N] = a.shape as [number, number];
  assert.deepEqual([R, N], [25, 2000]);
  const routing = await reportRouting(core, { R, N, data: a.data as Uint8Array });
  assert.equal(routing.N, 2000);
  const summary = routingSummary(routing);
  const readme = oneLine(readFileSync(`${ROOT}README.md`, "utf8"));
  assert.ok(readme.includes(summary), `README.md does not carry the routing section as rendered:\n${summary}`);
  assert.match(summary, /in-sample lower envelope of eq\. 27/);
  // `route` on the same rows: the same D(rho) and ends
  const r = runCli("route", "--test-losses", FIXTURE, "--rho", ...routing.rho.map((c) => String(c.rho)), "--json");
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual({ ...j, file: routing.file }, routing);
});
