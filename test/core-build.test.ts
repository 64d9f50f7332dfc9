// The relaxed build is the simd build with relaxed_madd where the portable builds multiply and
// add: it must keep the same functions. Binaryen inlines a function into its only caller below a
// size limit, and a relaxed kernel is smaller than its portable twin, so a kernel can stay out of
// line in one build and be inlined (its accumulators then spilled by V8) in the other; this
// happened to the conv2 window-row kernel and conv1's weight-gradient kernel, and the relaxed
// network ran at 0.70x the portable one. The check reads the two binaries' type and function
// sections (the signature of every defined function, in order).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { coreUrl } from "../bindings/index.js";

/** The sections of a wasm binary by id (custom sections, id 0, are skipped). */
export function wasmSections(bytes: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  let p = 8;
  const leb = (): number => {
    let r = 0, shift = 0, b: number;
    do { b = bytes[p++]!; r += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return r;
  };
  while (p < bytes.length) {
    const id = bytes[p++]!, n = leb();
    if (id !== 0) out.set(id, bytes.subarray(p, p + n));
    p += n;
  }
  return out;
}

/** The type section and the function section (one type index per defined function), as hex. */
export function functionShape(bytes: Uint8Array): { types: string; functions: string } {
  const s = wasmSections(bytes);
  const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array()).toString("hex");
  return { types: hex(s.get(1)), functions: hex(s.get(3)) };
}

test("the relaxed build defines the same functions as the simd build (no kernel inlined in one only)", async () => {
  const simd = new Uint8Array(await readFile(coreUrl("simd")));
  const relaxed = new Uint8Array(await readFile(coreUrl("relaxed")));
  const a = functionShape(simd), b = functionShape(relaxed);
  assert.ok(a.functions.length > 0, "the simd build has a function section");
  assert.equal(b.types, a.types, "type sections differ");
  assert.equal(b.functions, a.functions, "the builds define different functions (a kernel inlined in one build only?)");
});
