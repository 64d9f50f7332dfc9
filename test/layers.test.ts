// Imports only point down (docs/DESIGN.md section 2): every relative import in src/, web/ and
// bindings/ goes to a module of the same layer or a lower one, and nothing under src/ imports
// bench/ or test/. The checker is first shown a planted upward import, and must catch it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The layers, bottom first. A module is a folder of src/ (or a top-level file of src/, by its
 *  name without .ts), or the bindings/ or web/ folder. */
export const LAYERS: readonly (readonly string[])[] = [
  ["bindings"],
  ["math", "prng", "formats", "data", "plot", "io", "model", "errors", "version", "stats", "fit", "input"],
  ["estimators", "routing", "bank", "parallel"],
  ["experiments", "measurements", "synth", "sweep", "sweeps"],
  ["report"],
  ["commands", "web", "bench", "cli", "serve", "output", "index", "node"],
];

/** The module of a file, from its path relative to the repository: src/<module>/... or
 *  src/<module>.ts, bindings/..., web/...; bench/ and test/ name themselves. */
export function moduleOf(rel: string): string {
  const parts = rel.split(/[\\/]/);
  if (parts[0] === "src") return parts.length === 2 ? parts[1]!.replace(/\.(ts|js|mjs)$/, "") : parts[1]!;
  return parts[0]!;
}

export function layerOf(module: string): number {
  return LAYERS.findIndex((l) => l.includes(module));
}

/** Every module specifier a source file imports or re-exports (static, side-effect or dynamic),
 *  with comments ignored. */
export function specifiers(src: string): string[] {
  const code = src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const out: string[] = [];
  for (const m of code.matchAll(/\b(?:import|export)\s+(?:type\s+)?(?:[^"'`;]*?\s+from\s+)?["']([^"']+)["']/g)) out.push(m[1]!);
  for (const m of code.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]!);
  return out;
}

/** The upward (or forbidden) imports of one file, as "file -> target (why)". */
export function violations(fileRel: string, src: string): string[] {
  const from = moduleOf(fileRel);
  const lf = layerOf(from);
  if (lf < 0) return [`${fileRel}: module "${from}" is in no layer`];
  const found: string[] = [];
  for (const spec of specifiers(src)) {
    if (!spec.startsWith(".")) continue;
    const targetRel = relative(ROOT, resolve(ROOT, dirname(fileRel), spec)).split(sep).join("/");
    const to = moduleOf(targetRel);
    if (to === "bench" && !targetRel.startsWith("src/") || to === "test") {
      found.push(`${fileRel} -> ${spec} (${to}/ is not library code)`);
      continue;
    }
    const lt = layerOf(to);
    if (lt < 0) found.push(`${fileRel} -> ${spec} (module "${to}" is in no layer)`);
    else if (lt > lf) found.push(`${fileRel} -> ${spec} (${from}, layer ${lf}, imports ${to}, layer ${lt})`);
  }
  return found;
}

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => relative(ROOT, join(e.parentPath ?? e.path, e.name)).split(sep).join("/"));
}

test("the checker catches a planted upward import, a test/ or bench/ import, and an unplaced module", () => {
  // planted: the estimators (layer 2) reaching up into the report (layer 4) and the commands
  const planted = [
    'import { renderReport } from "../report/report.js";',
    'export { routeCommand } from "../commands/route.js";',
    "const m = await import(\"../report/pipeline.js\");",
    'import type { RouteJson } from "../measurements/route/render.js";',
  ].join("\n");
  assert.equal(violations("src/estimators/planted.ts", planted).length, 4);
  assert.match(violations("src/plot/x.ts", 'import { x } from "../routing/ba.js";')[0]!, /plot, layer 1, imports routing, layer 2/);
  assert.match(violations("src/bank/x.ts", 'import { s } from "../../test/support/core.js";')[0]!, /test\/ is not library code/);
  assert.match(violations("src/commands/x.ts", 'import { s } from "../../bench/peer.js";')[0]!, /bench\/ is not library code/);
  assert.match(violations("src/newthing/x.ts", "")[0]!, /is in no layer/);
  // downward, sideways, packages, comments and strings are fine
  const fine = [
    'import { Core } from "../../bindings/index.js";',
    'import { sweep } from "../routing/curve.js";',
    'import type { LossMatrix } from "./draws.js";',
    'import { readFile } from "node:fs/promises";',
    '// import { x } from "../report/report.js";',
    '/* export * from "../commands/route.js"; */',
  ].join("\n");
  assert.deepEqual(violations("src/estimators/fine.ts", fine), []);
});

test("every import in src/, web/ and bindings/ points down", async () => {
  const files = [...(await sources("src")), ...(await sources("web")), ...(await sources("bindings"))];
  assert.ok(files.length > 50, `scanned ${files.length} files`);
  const found: string[] = [];
  for (const f of files) found.push(...violations(f, await readFile(join(ROOT, f), "utf8")));
  assert.deepEqual(found, [], `upward imports:\n${found.join("\n")}`);
});
