// Tests are findable by name: every module under src/ has its tests in a file named after it
// (the stems of test/README.md) or in the rows of test/README.md's table; every test file the
// table names exists. First shown to catch a planted unmapped module and a planted missing test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function files(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p, ext));
    else if (e.name.endsWith(ext)) out.push(p);
  }
  return out;
}

/** The stems under which a module `folder/.../name.ts` (path relative to src/) is looked for. */
export function stems(module: string): string[] {
  const parts = module.replace(/\.ts$/, "").split("/");
  const name = parts[parts.length - 1]!;
  const folder = parts.length > 1 ? parts[parts.length - 2]! : "";
  const top = parts.length > 1 ? parts[0]! : "";
  const first = name.split("-")[0]!;
  const s = [name, first, `${name}-cli`];
  if (folder) s.push(folder, `${folder}-${name}`, `${folder}-${first}`, top);
  return s;
}

/** The README's table: path prefix under src/ -> test stems. */
export function parseMap(readme: string): { prefix: string; tests: string[] }[] {
  const rows: { prefix: string; tests: string[] }[] = [];
  for (const line of readme.split("\n")) {
    const m = /^\| `([^`]+)` \| ([^|]+) \|$/.exec(line.trim());
    if (m) rows.push({ prefix: m[1]!, tests: m[2]!.split(",").map((t) => t.trim()).filter(Boolean) });
  }
  return rows;
}

/** What is wrong: modules found by no stem and no row, and table entries naming no test file. */
export function unmapped(modules: string[], testStems: Set<string>, rows: { prefix: string; tests: string[] }[]): string[] {
  const problems: string[] = [];
  for (const m of modules) {
    if (stems(m).some((s) => testStems.has(s))) continue;
    if (!rows.some((r) => m.startsWith(r.prefix))) problems.push(`src/${m}: no test file named after it and no row in test/README.md`);
  }
  for (const r of rows) for (const t of r.tests) if (!testStems.has(t)) problems.push(`test/README.md: ${r.prefix} names ${t}.test.ts, which does not exist`);
  return problems;
}

const modules = files(join(ROOT, "src"), ".ts").map((p) => relative(join(ROOT, "src"), p).split("\\").join("/")).sort();
const testStems = new Set(files(join(ROOT, "test"), ".test.ts").map((p) => p.slice(p.lastIndexOf("/") + 1, -".test.ts".length)));
const rows = parseMap(readFileSync(join(ROOT, "test/README.md"), "utf8"));

test("the map catches a planted unmapped module and a planted missing test", () => {
  assert.deepEqual(unmapped(["zzz/unmapped.ts"], testStems, rows), ["src/zzz/unmapped.ts: no test file named after it and no row in test/README.md"]);
  assert.deepEqual(unmapped([], testStems, [{ prefix: "x/", tests: ["no-such-test"] }]), ["test/README.md: x/ names no-such-test.test.ts, which does not exist"]);
  assert.ok(rows.length >= 10, "test/README.md's table was read");
});

test("every module under src/ has findable tests, and every test the map names exists", () => {
  assert.ok(modules.length > 50);
  assert.deepEqual(unmapped(modules, testStems, rows), []);
});
