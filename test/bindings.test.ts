// The bindings: the export table, loading from every kind of source, tensors across memory
// growth, and aborts inside the core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Core, CoreAbortError, CORE_EXPORT_NAMES, coreUrl, BUILDS } from "../bindings/index.js";
import { loadCore } from "./support/core.js";

test("the bindings declare exactly the module's exports, in every build", async () => {
  for (const build of BUILDS) {
    // through Core.load: the relaxed build needs Node 20's relaxed-SIMD flag, which it switches on
    const mod = (await Core.load({ build })).module;
    const names = WebAssembly.Module.exports(mod).map((e) => e.name).sort();
    assert.deepEqual(names, [...CORE_EXPORT_NAMES].sort(), build);
    assert.deepEqual(WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`), ["env.abort"], build);
  }
});

test("each build says what it is; only relaxed is non-portable", async () => {
  for (const build of BUILDS) {
    const core = await Core.load({ build });
    assert.equal(core.build, build);
    assert.equal(core.portable, build !== "relaxed");
  }
});

test("a core loads from a file URL, a path, bytes and a compiled module; a missing file is an error", async () => {
  const url = coreUrl("simd");
  const bytes = new Uint8Array(await readFile(url));
  for (const source of [url, fileURLToPath(url), bytes, await WebAssembly.compile(bytes)]) {
    const core = await Core.load({ source });
    assert.equal(core.exports.exp(0), 1);
  }
  await assert.rejects(Core.load({ source: "/nonexistent/core.wasm" }), /ENOENT/);
});

test("tensor views survive memory growth: a view taken before growth is never used stale", async () => {
  const core = await Core.load(); // own instance: this test grows its memory
  const a = core.alloc("f32", 1000);
  a.view.fill(1.5);
  const before = a.view;
  const bufBefore = core.exports.memory.buffer;
  const big = core.alloc("u8", 64 << 20); // forces memory.grow
  assert.notEqual(core.exports.memory.buffer, bufBefore, "memory grew");
  assert.equal(before.byteLength, 0, "the old view is detached");
  assert.equal(a.view.length, 1000);
  assert.ok(a.view.every((x) => x === 1.5), "contents preserved, read through a fresh view");
  // a core call that may allocate, then a write through the tensor and a read inside the core
  core.exports.rng_init(big.ptr, 1, 0, 1, 0);
  core.exports.rng_fill_uniform_f32(big.ptr, a.ptr, a.length);
  assert.ok(a.view.every((x) => x >= 0 && x < 1));
  a.view[0] = 0.25;
  assert.equal(core.exports.memory_bytes() >= 64 << 20, true);
  const copy = a.toArray();
  big.free();
  a.free();
  assert.equal(copy[0], 0.25);
  assert.throws(() => a.view, /after free/);
});

test("scoped tensors are freed even when the body throws, and memory is reused", async () => {
  const core = await Core.load();
  let ptr = 0;
  assert.throws(() => core.scoped((alloc) => { ptr = alloc("f64", 1 << 16).ptr; throw new Error("boom"); }), /boom/);
  const again = core.alloc("f64", 1 << 16);
  assert.equal(again.ptr, ptr, "the freed block is reused");
  again.free();
});

test("an assertion inside the core surfaces as CoreAbortError with its message and place", async () => {
  const core = await loadCore();
  const st = core.alloc("u8", 48);
  core.exports.rng_init(st.ptr, 1, 0, 1, 0);
  assert.throws(() => core.exports.rng_below(st.ptr, 0), (e: unknown) =>
    e instanceof CoreAbortError && /rng_below: n must be >= 1 \(assembly\/prng\/philox\.ts:\d+:\d+\)/.test(e.message));
  st.free();
});
