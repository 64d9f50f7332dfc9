// The browser app (web/) in Debian's Chromium, served by `moe-bank serve`'s own server: the page
// runs the quick configuration (seed 0, MNIST) on Web Workers, and the report.json its button
// downloads carries the pinned results hash, the same as Node's, Bun's and Deno's. A screenshot
// of the finished page goes to test-results/web.png. Then the sliders: alpha recomputes Table
// II's row (equal to the table's at alpha = 0.7), lambda moves the marked D(rho) point; Cancel
// stops a run of the paper's configuration; a second quick run comes from the tab's cache.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "./support/browser.js";
import { QUICK_RESULTS_SHA256 } from "./support/golden.js";
import { startAppServer, APP_ROOT } from "../src/commands/serve.js";
import { canonicalJson } from "../src/bank/config.js";
import { coreSha } from "../src/bank/run.js";
import { RHO_HEADER, renderRoute, rhoRows, routingSummary } from "../src/measurements/route/render.js";

const SHOT = join(APP_ROOT, "test-results", "web.png");

test("the browser app runs the quick configuration with Node's results hash; sliders recompute; Cancel stops a run; bad files are one line", { timeout: 300_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  const server = await startAppServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1180, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(server.url + "/");
    assert.ok(page.url().endsWith("/web/"), `/ redirects to the page: ${page.url()}`);
    await page.waitForSelector('body[data-state="idle"]', { timeout: 30_000 });
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true, "COOP/COEP make the page cross-origin isolated");

    // ---- the user's own IDX files: a missing one and a malformed one are one line each
    await page.check('input[name="dataset"][value="files"]');
    assert.equal(await page.isVisible("#f-train-images"), true, "the file inputs appear");
    await page.click("#run");
    await page.waitForSelector('body[data-state="error"]');
    assert.equal(await page.textContent("#status"), "Error: choose the train images, train labels, test images and test labels files (or MNIST)");
    const junk = (name: string) => ({ name, mimeType: "application/octet-stream", buffer: Buffer.from("not an idx file") });
    for (const [id, name] of [["#f-train-images", "my-train-images.idx"], ["#f-train-labels", "l1"], ["#f-test-images", "i2"], ["#f-test-labels", "l2"]] as const) await page.setInputFiles(id, junk(name));
    await page.click("#run");
    await page.waitForFunction(() => document.body.dataset.state === "error" && /my-train-images/.test(document.getElementById("status")!.textContent ?? ""));
    assert.match((await page.textContent("#status"))!, /^Error: my-train-images\.idx: not an IDX file/);

    // ---- the quick configuration, seed 0, MNIST, 2 workers
    await page.check('input[name="dataset"][value="mnist"]');
    await page.check('input[name="config"][value="quick"]');
    await page.fill("#seed", "0");
    await page.fill("#workers", "2");
    const t0 = performance.now();
    await page.click("#run");
    // the progress line shows a count, a rate and the time left while the bank trains
    await page.waitForFunction(() => /experts trained · [\d,]+ \/ [\d,]+ images · [\d,]+ images\/s · about .* left/.test(document.getElementById("progress-text")!.textContent ?? ""), null, { timeout: 60_000 });
    await page.waitForFunction(() => ["done", "error", "cancelled"].includes(document.body.dataset.state ?? ""), null, { timeout: 200_000 });
    const seconds = (performance.now() - t0) / 1000;
    const status = await page.textContent("#status");
    assert.equal(await page.evaluate(() => document.body.dataset.state), "done", `the run ended: ${status}`);
    t.diagnostic(`quick configuration in Chromium ${browser.version()}: ${seconds.toFixed(1)} s`);
    assert.equal((await page.textContent("#sha"))?.trim(), QUICK_RESULTS_SHA256, "the page shows the pinned hash");

    // ---- report.json from its button: the pinned hash, the canonical results, run.userAgent
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-json")]);
    assert.equal(download.suggestedFilename(), "report.json");
    const report = JSON.parse(readFileSync((await download.path())!, "utf8"));
    assert.deepEqual(Object.keys(report), ["resultsSha256", "results", "run"]);
    assert.equal(report.resultsSha256, QUICK_RESULTS_SHA256, "Chromium's results hash equals Node's");
    assert.equal(createHash("sha256").update(canonicalJson(report.results)).digest("hex"), QUICK_RESULTS_SHA256, "the hash is the canonical results'");
    assert.equal(report.run.node, null);
    assert.match(report.run.userAgent, /Chrome\//);
    assert.equal(report.run.coreSha256, await coreSha(), "the page hashed the same core bytes as Node");
    assert.equal(report.run.quick, true);
    assert.equal(report.run.workers, 2);
    assert.deepEqual(Object.keys(report.run.timings), ["dataset", "bank: train", "bank: loss matrices", "selection and estimators", "routing", "tighter bounds", "report"]);
    const [md] = await Promise.all([page.waitForEvent("download"), page.click("#download-md")]);
    const mdText = readFileSync((await md.path())!, "utf8");
    assert.ok(mdText.includes(QUICK_RESULTS_SHA256), "report.md carries the hash");

    // ---- the routing numbers: the page, its report.md and its report.json are one source rendered
    const summary = routingSummary(report.results.routing);
    assert.equal(await page.textContent("#routing-summary"), summary, "the page's routing paragraph is report.json's, rendered");
    assert.ok(mdText.includes(`\n${summary}\n`), "and report.md's");
    assert.deepEqual(await page.locator("#drho-table thead th").allTextContents(), [...RHO_HEADER]);
    const drho = await page.locator("#drho-table tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    assert.deepEqual(drho, rhoRows(report.results.routing), "the page's D(rho) table is report.json's rows");
    assert.ok(mdText.includes(renderRoute(report.results.routing)), "report.md's routing block is the same rows");

    // ---- the tables and figures are on the page
    assert.equal(await page.locator("#table1 tbody tr").count(), 20, "Table I's rows");
    assert.equal(await page.locator("#table2 tbody tr").count(), 6, "Table II: one row per alpha");
    for (const id of ["#fig-drho", "#fig-gaps"]) {
      const w = await page.locator(id).evaluate((img: HTMLImageElement) => img.naturalWidth);
      assert.ok(w > 0, `${id} shows an SVG`);
    }
    mkdirSync(join(APP_ROOT, "test-results"), { recursive: true });
    await page.screenshot({ path: SHOT, fullPage: true });
    t.diagnostic(`screenshot: ${SHOT}`);

    // ---- alpha: at 0.70 the recomputed row's point estimates are the table's; at 0.30 a new row
    const cells = (sel: string) => page.locator(`${sel} td`).allTextContents();
    const row07 = await cells("#alpha-row");
    const table07 = await cells("#table2 tbody tr:nth-child(4)");
    assert.equal(row07[0], "0.70");
    assert.equal(table07[0], "0.70");
    assert.deepEqual(row07, table07, "alpha = 0.7: the slider row equals Table II's (the quick configuration's B = 200 is the slider's too)");
    const setRange = (sel: string, v: string) => page.locator(sel).evaluate((e: HTMLInputElement, value: string) => {
      e.value = value;
      e.dispatchEvent(new Event("input", { bubbles: true }));
    }, v);
    await setRange("#alpha", "0.3");
    await page.waitForFunction(() => document.getElementById("alpha-row")?.dataset.alpha === "0.30");
    const row03 = await cells("#alpha-row");
    assert.equal(row03[0], "0.30");
    assert.notEqual(row03[1], row07[1], "I changes with alpha");
    assert.ok(Number(row03[1]) < Number(row07[1]), "less information at a smaller alpha");
    assert.equal(await page.textContent("#alpha-value"), "0.30");

    // ---- lambda: the point moves along the curve
    const point = () => page.locator("#lambda-readout").evaluate((e) => {
      const d = (e as HTMLElement).dataset;
      return { lambda: d.lambda!, rate: d.rate!, distortion: d.distortion!, src: (document.getElementById("fig-drho") as HTMLImageElement).src };
    });
    const p0 = await point();
    await setRange("#lambda", "100"); // lambda = 10^(-3 + 0.1 * 4) ~ 0.0025
    await page.waitForFunction((l) => document.getElementById("lambda-readout")?.dataset.lambda !== l, p0.lambda);
    const p1 = await point();
    assert.ok(Number(p1.lambda) < Number(p0.lambda));
    assert.ok(Number(p1.rate) > Number(p0.rate), "a smaller lambda buys more rate");
    assert.ok(Number(p1.distortion) < Number(p0.distortion), "and less distortion");
    assert.notEqual(p1.src, p0.src, "the figure is redrawn with the new point");
    assert.match((await page.textContent("#lambda-value"))!, /^2\.5\d e-3$|^2\.5\de-3$/);
    await setRange("#lambda", "1000");
    await page.waitForFunction(() => document.getElementById("lambda-readout")?.dataset.lambda === "10");
    assert.match((await page.textContent("#lambda-readout"))!, /closed-form vertex|iterations/);

    // ---- Cancel: a run of the paper's configuration stops within seconds
    await page.check('input[name="config"][value="paper"]');
    await page.click("#run");
    await page.waitForFunction(() => /experts trained/.test(document.getElementById("progress-text")!.textContent ?? ""), null, { timeout: 60_000 });
    const c0 = performance.now();
    await page.click("#cancel");
    await page.waitForSelector('body[data-state="cancelled"]', { timeout: 10_000 });
    t.diagnostic(`cancelled in ${(performance.now() - c0).toFixed(0)} ms`);
    assert.equal(await page.isEnabled("#run"), true, "Run is available again");
    assert.equal(await page.isDisabled("#cancel"), true);

    // ---- the quick configuration again: every expert and block from the tab's cache, the same hash
    await page.check('input[name="config"][value="quick"]');
    const a0 = performance.now();
    await page.click("#run");
    await page.waitForFunction(() => ["done", "error"].includes(document.body.dataset.state ?? ""), null, { timeout: 120_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.state), "done", (await page.textContent("#status"))!);
    assert.equal((await page.textContent("#sha"))?.trim(), QUICK_RESULTS_SHA256, "a cached re-run gives the same hash");
    t.diagnostic(`the same run from the tab's cache: ${((performance.now() - a0) / 1000).toFixed(1)} s`);
    assert.deepEqual(errors, [], "no errors on the page");
  } finally {
    await browser.close();
    server.server.closeAllConnections();
    await server.close();
  }
});
