// The report's SVG module: ticks, labels, escaping, well-formed and deterministic documents,
// and refusals (non-finite coordinates, a log axis without a deterministic log).
import { test } from "node:test";
import assert from "node:assert/strict";
import { chart, escapeXml, niceTicks, tickLabel } from "../src/plot/svg.js";
import { detMath } from "../src/math.js";
import { loadCore } from "./support/core.js";

test("nice ticks are round numbers covering the range", () => {
  assert.deepEqual(niceTicks(0, 100, 5).map(tickLabel), ["0", "20", "40", "60", "80", "100"]);
  assert.deepEqual(niceTicks(-0.013, 0.056, 5).map(tickLabel), ["0", "0.02", "0.04"]);
  assert.deepEqual(niceTicks(-0.05, 0.05, 4).map(tickLabel), ["-0.05", "0", "0.05"]);
  assert.deepEqual(niceTicks(0, 1, 5).map(tickLabel), ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
  assert.equal(tickLabel(0.00012), "1.2e-4");
  assert.equal(tickLabel(25000), "2.5e4");
});

test("text is escaped", () => {
  assert.equal(escapeXml(`a<b & "c" 'd'>`), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
  const svg = chart({ title: "I(S;W) < log R & more", x: { label: "x" }, y: { label: "<y>" }, series: [{ kind: "line", label: "a\"b", x: [0, 1], y: [0, 1], color: "#000" }] });
  assert.ok(svg.includes("I(S;W) &lt; log R &amp; more") && svg.includes("&lt;y&gt;") && svg.includes("a&quot;b"));
});

test("a chart is a well-formed SVG document with every element closed, and the same bytes twice", () => {
  const opts = {
    title: "t", subtitle: "s", x: { label: "x" }, y: { label: "y" },
    series: [
      { kind: "band" as const, label: "band", x: [0, 1, 2], lo: [0, 1, 2], hi: [1, 2, 3], color: "#00f" },
      { kind: "line" as const, label: "line", x: [0, 1, 2], y: [0.5, 1.5, 2.5], color: "#f00", markers: true, dash: true },
      { kind: "points" as const, label: "pts", x: [1], y: [1], color: "#0f0", shape: "diamond" as const },
      { kind: "errorbars" as const, label: "err", x: [0.5], y: [1], lo: [0.8], hi: [1.2], color: "#333" },
      { kind: "bars" as const, label: "bars", x: [0, 1], width: 0.5, y: [1, -1], color: "#999" },
    ],
    vlines: [{ at: 1, label: "v", color: "#000", dash: true }, { at: 1.5, label: "", color: "#000" }],
    hlines: [{ at: 0, label: "h", color: "#000" }],
  };
  const svg = chart(opts);
  assert.equal(chart(opts), svg);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="640" height="\d+" viewBox="0 0 640 \d+"/);
  // a minimal XML well-formedness check: every opened element is closed, in order
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3] === "/") continue;
    if (m[1] === "/") assert.equal(stack.pop(), m[2]);
    else stack.push(m[2]!);
  }
  assert.deepEqual(stack, []);
  // the legend lists labelled entries only (the unlabelled vline has none)
  assert.equal((svg.match(/<g transform="translate\(/g) ?? []).length, 7);
  assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
});

test("non-finite data and a log axis without a deterministic log are refused", async () => {
  assert.throws(() => chart({ title: "t", x: { label: "x" }, y: { label: "y" }, series: [{ kind: "line", label: "l", x: [0, 1], y: [0, Number.NaN], color: "#000" }] }), RangeError);
  assert.throws(() => chart({ title: "t", x: { label: "x", log: true }, y: { label: "y" }, series: [{ kind: "line", label: "l", x: [1, 10], y: [0, 1], color: "#000" }] }), /log axis needs options\.log10/);
  const m = detMath(await loadCore());
  const svg = chart({ title: "t", x: { label: "x", log: true }, y: { label: "y" }, log10: (v) => m.log(v) / m.log(10), series: [{ kind: "line", label: "l", x: [1e-3, 10], y: [0, 1], color: "#000" }] });
  for (const t of ["0.001", "0.01", "0.1", "1", "10"]) assert.ok(svg.includes(`>${t}</text>`), `decade tick ${t}`);
});
