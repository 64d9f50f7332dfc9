// Identical numerics in Node and headless Chromium: the same probe (PRNG streams and samplers,
// f64/f32 math over 100k arguments, CNN init + two train steps + evaluation) in both, for the
// simd and the scalar build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Core } from "../bindings/index.js";
import { probe } from "./support/probe.js";
import { openBrowser } from "./support/browser.js";

test("PRNG streams, math, CNN train steps and Blahut-Arimoto give the same bytes in Node and Chromium (simd and scalar builds)", { timeout: 120_000 }, async (t) => {
  const node: Record<string, Record<string, string>> = {};
  for (const build of ["simd", "scalar"] as const) node[build] = await probe(await Core.load({ build }));
  assert.deepEqual(node.simd, node.scalar, "simd and scalar builds agree in Node");
  const session = await openBrowser();
  try {
    const page = await session.page("/test/pages/probe.html");
    await page.waitForFunction(() => "probeResult" in window || "probeError" in window, null, { timeout: 100_000 });
    const error = await page.evaluate(() => (window as unknown as { probeError?: string }).probeError);
    assert.equal(error, undefined, `probe failed in Chromium: ${error}`);
    const chromium = await page.evaluate(() => (window as unknown as { probeResult: unknown }).probeResult);
    t.diagnostic(`chromium ${session.browser.version()}: ${Object.keys(node.simd!).length} digests per build`);
    assert.deepEqual(chromium, node);
  } finally {
    await session.close();
  }
});
