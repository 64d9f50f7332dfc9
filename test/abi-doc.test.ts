// The ABI table (bindings/abi.ts) against everything that restates it: docs/ABI.md's signatures
// (names, parameters in order with their types, result), assembly/index.ts's export lines (name
// and file), the built modules (the only import is env.abort, every build exports the table's
// functions with the table's arities, and nothing else), and the repository (every export has a
// caller or a test outside the core, the table and the doc). Each check is a pure function of
// texts, run first on a planted violation to show it can fail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Core, BUILDS, ABI, type AbiEntry } from "../bindings/index.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const read = (p: string): string => readFileSync(join(ROOT, p), "utf8");
const DOC = read("docs/ABI.md");
const INDEX = read("assembly/index.ts");
const TABLE = ABI as unknown as Record<string, AbiEntry>;

const norm = (s: string): string => s.replace(/\s+/g, " ").trim();
const arity = (params: string): number => (norm(params) === "" ? 0 : norm(params).split(", ").length);

/** name -> [params, result], from the signature lines `name(a, b: i32, c: ptr) -> r` of the doc's code blocks. */
export function documented(doc: string): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  const blocks = doc.split("```").filter((_, i) => i % 2 === 1);
  for (const line of blocks.join("\n").split("\n")) {
    // a line may hold several signatures (the math table)
    for (const m of line.matchAll(/(?:^|\s{2,})([a-z_][a-z0-9_]*)\(([^()]*)\) -> ([a-z0-9]+)/g)) out.set(m[1]!, [norm(m[2]!), m[3]!]);
  }
  return out;
}

/** Differences between the doc's signatures and the table. */
export function docProblems(doc: string, table: Record<string, AbiEntry>): string[] {
  const d = documented(doc), bad: string[] = [];
  for (const [name, [, params, result]] of Object.entries(table)) {
    const got = d.get(name);
    if (!got) bad.push(`docs/ABI.md lacks ${name}`);
    else if (got[0] !== norm(params) || got[1] !== result) bad.push(`docs/ABI.md: ${name}(${got[0]}) -> ${got[1]}, the table says ${name}(${norm(params)}) -> ${result}`);
  }
  for (const name of d.keys()) if (!(name in table)) bad.push(`docs/ABI.md documents ${name}, which the table does not have`);
  return bad;
}

/** Differences between assembly/index.ts's `export { ... } from "./file"` lines and the table. */
export function indexProblems(index: string, table: Record<string, AbiEntry>): string[] {
  const seen = new Map<string, string>(), bad: string[] = [];
  for (const m of index.matchAll(/export\s*\{([^}]*)\}\s*from\s*"\.\/([^"]+)"/g)) {
    for (const name of m[1]!.split(",").map((s) => s.trim()).filter((s) => s !== "")) seen.set(name, m[2]!);
  }
  for (const [name, [file]] of Object.entries(table)) {
    const f = seen.get(name);
    if (f === undefined) bad.push(`assembly/index.ts does not export ${name}`);
    else if (f !== file) bad.push(`assembly/index.ts exports ${name} from ./${f}, the table says ./${file}`);
  }
  for (const name of seen.keys()) if (!(name in table)) bad.push(`assembly/index.ts exports ${name}, which the table does not have`);
  return bad;
}

/** The table's exports that no file of `sources` calls (`name(`) or takes from the exports
 *  (`.name`): a mention in a comment or a test's title is not a caller. */
export function unused(table: Record<string, AbiEntry>, sources: readonly string[]): string[] {
  const text = sources.join("\n");
  return Object.keys(table).filter((name) => !new RegExp(`\\b${name}\\(|\\.${name}\\b`).test(text));
}

/** The callers and tests of the core: the TypeScript layer, the bindings' own code, the page, the
 *  bench, the examples and every test but this one (the table, the doc and the core itself are
 *  what they would be checked against). */
function callerSources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(ROOT, dir))) {
      const p = join(dir, e);
      if (e === "node_modules" || e === "dist" || e === "build") continue;
      if (statSync(join(ROOT, p)).isDirectory()) walk(p);
      else if (/\.(ts|mjs|js|c|py)$/.test(e) && p !== join("test", "abi-doc.test.ts") && p !== join("bindings", "abi.ts")) out.push(read(p));
    }
  };
  for (const d of ["src", "web", "bench", "examples", "test", "bindings", join("assembly", "__tests__")]) walk(d);
  return out;
}

test("the checks catch planted violations: a renamed parameter, a wrong result, a moved export, a missing line, an unused export", () => {
  assert.deepEqual(docProblems(DOC, TABLE), [], "the real doc agrees");
  assert.match(docProblems(DOC.replace("ba_stride(R: i32) -> i32", "ba_stride(S: i32) -> i32"), TABLE).join("\n"), /ba_stride\(S: i32\) -> i32, the table says ba_stride\(R: i32\)/);
  assert.match(docProblems(DOC.replace("memory_bytes() -> i32", "memory_bytes() -> f64"), TABLE).join("\n"), /memory_bytes/);
  assert.match(docProblems(DOC.replace(/^relu_forward\(.*$/m, ""), TABLE).join("\n"), /lacks relu_forward/);
  assert.deepEqual(indexProblems(INDEX, TABLE), [], "the real index agrees");
  assert.match(indexProblems(INDEX.replace('from "./routing/patterns"', 'from "./routing/ba"'), TABLE).join("\n"), /ba_patterns from \.\/routing\/ba, the table says \.\/routing\/patterns/);
  assert.match(indexProblems(INDEX + '\nexport { extra_thing } from "./mem";\n', TABLE).join("\n"), /exports extra_thing/);
  assert.equal(unused(TABLE, ["alloc(1); e.gemm_ref(0) // gemm"]).includes("gemm"), true, "a mention is not a call");
  assert.equal(unused(TABLE, ["alloc(1); e.gemm_ref(0) // gemm"]).includes("gemm_ref"), false);
  assert.equal(unused(TABLE, ["(real ? e.ba_gate_stats_f64 : e.ba_gate_stats)(0)"]).includes("ba_gate_stats"), false);
});

test("docs/ABI.md and assembly/index.ts agree with the ABI table", () => {
  assert.deepEqual(docProblems(DOC, TABLE), []);
  assert.deepEqual(indexProblems(INDEX, TABLE), []);
});

test("every export of the table has a caller or a test", () => {
  assert.deepEqual(unused(TABLE, callerSources()), []);
});

test("the three builds export the table's functions with its arities, and import only env.abort", async (t) => {
  for (const build of BUILDS) {
    let core: Core;
    try {
      core = await Core.load({ build });
    } catch (e) {
      // Node 20 compiles relaxed SIMD only with --experimental-wasm-relaxed-simd
      if (build === "relaxed" && e instanceof WebAssembly.CompileError) { t.diagnostic(`relaxed not compiled here: ${e.message}`); continue; }
      throw e;
    }
    assert.deepEqual(WebAssembly.Module.imports(core.module), [{ module: "env", name: "abort", kind: "function" }]);
    const exps = WebAssembly.Module.exports(core.module);
    assert.deepEqual(exps.filter((e) => e.kind === "memory").map((e) => e.name), ["memory"]);
    const fns = exps.filter((e) => e.kind === "function").map((e) => e.name);
    assert.deepEqual([...fns].sort(), Object.keys(TABLE).sort(), `${build} exports exactly the table's functions`);
    for (const name of fns) {
      const fn = (core.exports as unknown as Record<string, (...a: number[]) => unknown>)[name]!;
      assert.equal(arity(TABLE[name]![1]), fn.length, `${name} takes ${fn.length} parameters in the ${build} build`);
    }
  }
});
