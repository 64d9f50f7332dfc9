// Makes @as-pect 8.1.0 work with the pinned AssemblyScript compiler (docs/DESIGN.md section 9).
// @as-pect/transform has the compiler's NodeKind numbers baked in as literals, e.g.
// `statement.kind === 51 /* NodeKind.ClassDeclaration */`; AssemblyScript 0.28.17 inserted
// NodeKind.TupleType and shifted every later kind by one, so the transform stops injecting its
// comparison helpers into classes. This rewrites each literal from the installed compiler's
// own NodeKind enum (so it is right for any compiler version, and idempotent). Run by
// `preprepare` and before the as-pect suite.
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let libDir;
try {
  libDir = join(dirname(require.resolve("@as-pect/transform/package.json")), "lib");
} catch {
  process.exit(0); // as-pect not installed (e.g. a production install): nothing to patch
}
const { NodeKind } = await import("assemblyscript");
const literal = /\b(\d+)( \/\* NodeKind\.(\w+) \*\/)/g;
let changed = 0;
for (const name of readdirSync(libDir).filter((f) => f.endsWith(".js"))) {
  const file = join(libDir, name);
  const src = readFileSync(file, "utf8");
  const out = src.replace(literal, (whole, num, comment, kind) => {
    const value = NodeKind[kind];
    if (typeof value !== "number") throw new Error(`patch-aspect: NodeKind.${kind} unknown to the installed compiler (${file})`);
    if (String(value) !== num) changed++;
    return `${value}${comment}`;
  });
  if (out !== src) writeFileSync(file, out);
}
console.log(`patch-aspect: @as-pect/transform NodeKind literals ${changed ? `renumbered (${changed})` : "already match"} assemblyscript's`);
