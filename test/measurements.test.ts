// A smoke test of every measurement in the registry (src/measurements/registry.ts), found by
// iterating it: a unique kebab-case name with a CLI command, quick defaults that validate and run
// in seconds on a small synthetic bank, a JSON-safe result (it survives JSON unchanged: no typed
// arrays, no NaN or Infinity), its Markdown, and well-formed SVG figures. A new entry is tested
// here without a line of this file changing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { registry } from "../src/measurements/registry.js";
import type { CoreInputs } from "../src/measurements/measurement.js";
import { syntheticInputs } from "../src/bench/measurements.js";
import { runCli } from "./support/cli.js";
import { loadCore } from "./support/core.js";

/** The paths in `x` that JSON would change or drop: typed arrays, NaN/Infinity, undefined,
 *  functions, class instances (-0 is allowed: it prints as 0, the paper's "-0.0000"). */
function notJsonSafe(x: unknown, path = "$"): string[] {
  if (x === null || typeof x === "string" || typeof x === "boolean") return [];
  if (typeof x === "number") return Number.isFinite(x) ? [] : [`${path}: ${x}`];
  if (Array.isArray(x)) return x.flatMap((y, i) => notJsonSafe(y, `${path}[${i}]`));
  if (typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) return Object.entries(x).flatMap(([k, y]) => notJsonSafe(y, `${path}.${k}`));
  return [`${path}: ${typeof x === "object" ? x.constructor.name : typeof x}`];
}

test("the JSON-safety check catches a typed array, NaN, undefined and a Map", () => {
  assert.equal(notJsonSafe({ a: [1, "x", null, { b: true, c: -0 }] }).length, 0);
  assert.deepEqual(notJsonSafe({ a: new Float64Array(2), b: [NaN], c: undefined, d: new Map() }), ["$.a: Float64Array", "$.b[0]: NaN", "$.c: undefined", "$.d: Map"]);
});

test("the registry: unique kebab-case names, each a command of the CLI with its title as the description", () => {
  const names = registry.map((m) => m.name);
  assert.equal(new Set(names).size, names.length);
  for (const m of registry) {
    assert.match(m.name, /^[a-z]+(-[a-z]+)*$/);
    assert.ok(m.title.length > 10 && !m.title.includes("\n"));
    // the synth-* and gate-* entries are sub-commands of `synth` and `gate`
    const group = ["synth", "gate"].find((g) => m.name.startsWith(`${g}-`));
    const args = group !== undefined ? [group, m.name.slice(group.length + 1)] : [m.name];
    const r = runCli(...args, "--help");
    assert.equal(r.code, 0, `${args.join(" ")} --help: ${r.stderr}`);
    assert.ok(r.stdout.replace(/\s+/g, " ").includes(m.title.slice(0, 40)), `${m.name}: --help shows its title`);
  }
});

for (const m of registry) {
  test(`${m.name}: quick defaults validate and run; the result is JSON-safe, renders, and its figures are SVG`, { timeout: 120_000 }, async () => {
    const inputs = syntheticInputs(await loadCore(), m.inputs);
    const options = m.defaults.quick as never;
    m.validate(options);
    m.validate(options, inputs as never);
    const lines: string[] = [];
    const result = await m.run(inputs as never, options, { log: (s) => lines.push(s) });
    const json = JSON.stringify(result);
    assert.deepEqual(notJsonSafe(result), [], "JSON-safe: plain objects, arrays, strings, finite numbers, booleans, null");
    assert.equal(JSON.stringify(JSON.parse(json)), json);
    const md = (m.render as (r: unknown) => string)(result);
    assert.ok(typeof md === "string" && md.length > 40, "renders");
    assert.doesNotMatch(md, /NaN|\[object |(?<!(are|=) )\bundefined\b/, "no unprinted values");
    const figures = m.figures ? (m.figures as (r: unknown, c: unknown) => Record<string, string>)(result, (inputs as CoreInputs).core) : {};
    for (const [file, svg] of Object.entries(figures)) {
      assert.match(file, /\.svg$/);
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.doesNotMatch(svg, /NaN|undefined/);
    }
  });
}
