// Issue 17, points 1 and 2: no size can wrap on its way into the core. Every buffer goes through
// Core.alloc, which checks the byte count (an exact integer at most MAX_ALLOC_BYTES) before the
// core sees it, reads pointers unsigned, and turns a failed memory.grow into a CoreMemoryError;
// byte counts the core computes are checked by Core.bytes against a lower bound exact in doubles.
// After every refusal the same core must still give the same draws as a fresh one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Core, CoreMemoryError, MAX_ALLOC_BYTES, DTYPE_BYTES, type DType } from "../bindings/index.js";
import { Stream, Purpose } from "../src/prng.js";
import { Cnn, DEFAULT_SPEC } from "../src/model/cnn.js";
import { RoutingProblem } from "../src/routing/ba.js";
import { rng } from "./support/synthetic.js"; // the tests' one xorshift32

/** The core still works: a stream's draws equal a fresh core's, a tensor round-trips. */
async function assertUsable(core: Core, reference: number[], label: string): Promise<void> {
  const s = new Stream(core, 17, Purpose.test, 3);
  try {
    assert.deepEqual(Array.from(s.u32(8)), reference, `${label}: the core's draws changed`);
  } finally {
    s.free();
  }
  const t = core.from("f64", [1.5, -2, 3]);
  assert.deepEqual(Array.from(t.toArray()), [1.5, -2, 3], label);
  t.free();
}

async function referenceDraws(): Promise<number[]> {
  const s = new Stream(await Core.load(), 17, Purpose.test, 3);
  return Array.from(s.u32(8));
}


test("property: sizes near 2^32 bytes, 2^31 and the largest block are refused or served exactly; the core stays usable", async () => {
  const ref = await referenceDraws();
  const core = await Core.load();
  const rand = rng(0x17);
  const dtypes = Object.keys(DTYPE_BYTES) as DType[];
  let refused = 0, served = 0, full = 0;
  for (let i = 0; i < 300; i++) {
    const dtype = dtypes[Math.floor(rand() * dtypes.length)]!;
    const size = DTYPE_BYTES[dtype];
    const centre = [2 ** 32, 2 ** 31, MAX_ALLOC_BYTES, 2 ** 33, 2 ** 40][Math.floor(rand() * 5)]!;
    const length = Math.max(0, Math.floor(centre / size) + Math.floor((rand() - 0.5) * 64));
    const bytes = length * size;
    let t;
    try {
      t = core.alloc(dtype, length);
    } catch (e) {
      assert.ok(e instanceof CoreMemoryError, `${dtype}[${length}]: ${String(e)}`);
      if (bytes > MAX_ALLOC_BYTES) refused++;
      else {
        assert.match((e as Error).message, /cannot hold/);
        full++;
      }
      await assertUsable(core, ref, `after ${dtype}[${length}]`);
      continue;
    }
    assert.ok(bytes <= MAX_ALLOC_BYTES, `${dtype}[${length}] (${bytes} bytes) was served`);
    assert.ok(t.ptr > 0 && t.ptr + bytes <= core.exports.memory.buffer.byteLength, `${dtype}[${length}] at ${t.ptr}`);
    assert.equal(t.view.length, length);
    t.view[length - 1] = 7;
    assert.equal(t.view[length - 1], 7);
    t.free();
    served++;
    await assertUsable(core, ref, `after ${dtype}[${length}]`);
  }
  assert.ok(refused > 150 && served > 10, `refused ${refused}, served ${served}, memory full ${full}`);
});

test("point 1: stream draws of 2^30 + 4 u32 (2^32 + 16 bytes) are refused before the core, which stays usable", async () => {
  const ref = await referenceDraws();
  const core = await Core.load();
  for (const [what, n] of [["u32", 2 ** 30 + 4], ["uniform", 2 ** 29 + 2], ["uniformF32", 2 ** 30 + 4]] as const) {
    const s = new Stream(core, 1, Purpose.subset, 0);
    assert.throws(() => s[what](n), CoreMemoryError, what);
    s.free();
    await assertUsable(core, ref, what);
  }
});

test("point 2: pointers above 2 GiB are unsigned, 2^40 bytes and unknown dtypes are refused", async () => {
  const core = await Core.load();
  const big = [core.alloc("u8", 9e8), core.alloc("u8", 9e8), core.alloc("u8", 9e8)];
  const small = core.alloc("f64", 2);
  assert.ok(small.ptr > 2 ** 31, `ptr ${small.ptr}`);
  small.view.set([1.25, 2.5]);
  assert.deepEqual(Array.from(small.toArray()), [1.25, 2.5]);
  for (const t of [...big, small]) t.free();
  assert.throws(() => core.alloc("u8", 2 ** 40), CoreMemoryError);
  assert.throws(() => core.alloc("f16" as DType, 4), /unknown dtype "f16"/);
  assert.throws(() => core.alloc("u8", 1.5), /bad length/);
  assert.throws(() => core.alloc("u8", -1), /bad length/);
});

test("point 2: a Cnn whose buffers do not fit frees what it took; an absurd spec is refused before the core", async () => {
  const core = await Core.load();
  const hold = [core.alloc("u8", 9e8), core.alloc("u8", 9e8)];
  assert.throws(() => new Cnn(core, { ...DEFAULT_SPEC, hidden: 150000 }), CoreMemoryError); // 4 x 947 MB
  for (const t of hold) t.free();
  // everything the failed constructor took is free again: 2.7 GB fit beside nothing else
  const again = [core.alloc("u8", 9e8), core.alloc("u8", 9e8), core.alloc("u8", 9e8)];
  for (const t of again) t.free();
  assert.throws(() => new Cnn(core, { ...DEFAULT_SPEC, hidden: 1e9 }), /hidden must be an integer in \[1, 1048576\]/);
  assert.throws(() => new Cnn(core, { ...DEFAULT_SPEC, conv2: 4000, hidden: 110000 }), /exceed the core's largest buffer/);
  const net = new Cnn(core, DEFAULT_SPEC);
  assert.throws(() => net.workspace(2 ** 24), CoreMemoryError); // the core's i32 plan would wrap
  net.workspace(64);
  net.free();
});

test("Core.bytes: a workspace the core's 32-bit arithmetic would wrap is refused (BA on R = 23171 experts)", async () => {
  const core = await Core.load();
  const R = 23171, N = 2; // 8 R^2 = 4,295,098,528 > 2^32: ba_workspace_bytes wraps
  const data = new Uint8Array(R * N);
  assert.throws(() => RoutingProblem.create(core, { R, N, data }, N), CoreMemoryError);
  await assertUsable(core, await referenceDraws(), "after BA");
});
