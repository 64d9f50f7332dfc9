// docs/ABI.md against the modules themselves: the only import is env.abort, every build exports
// the same functions, and every exported function is documented with its number of parameters
// (and nothing documented is missing from the module).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Core, BUILDS } from "../bindings/index.js";

const DOC = readFileSync(fileURLToPath(new URL("../../docs/ABI.md", import.meta.url)), "utf8");

/** name -> parameter count, from the signature lines `name(a, b: i32, c: ptr) -> r` of the code blocks. */
function documented(): Map<string, number> {
  const out = new Map<string, number>();
  const blocks = DOC.split("```").filter((_, i) => i % 2 === 1);
  for (const line of blocks.join("\n").split("\n")) {
    // a line may hold several signatures (the math table)
    for (const m of line.matchAll(/(?:^|\s{2,})([a-z_][a-z0-9_]*)\(([^()]*)\) ->/g)) {
      const params = m[2]!.trim();
      out.set(m[1]!, params === "" ? 0 : params.split(",").length);
    }
  }
  return out;
}

test("docs/ABI.md documents the core's import and every export with its arity; the three builds export the same", async (t) => {
  const doc = documented();
  let names: string[] | undefined;
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
    names ??= fns;
    assert.deepEqual(fns, names, `${build} exports the same functions as simd`);
    for (const name of fns) {
      assert.ok(doc.has(name), `docs/ABI.md lacks ${name}`);
      const fn = (core.exports as unknown as Record<string, (...a: number[]) => unknown>)[name]!;
      assert.equal(doc.get(name), fn.length, `docs/ABI.md: ${name} takes ${fn.length} parameters`);
    }
  }
  for (const name of doc.keys()) assert.ok(names!.includes(name), `docs/ABI.md documents ${name}, which the core does not export`);
});
