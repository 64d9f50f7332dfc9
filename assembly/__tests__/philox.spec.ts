// Philox4x32-10 against the published known-answer vectors of Random123 (kat_vectors), and the
// stream helpers' contracts, inside the core (no bindings involved).
import { philox4x32_10, rng_init, rng_next_u32, rng_below, rng_sample, rng_permutation, rng_uniform_f64, RNG_STATE_BYTES } from "../prng/philox";

class Block {
  constructor(public a: u32, public b: u32, public c: u32, public d: u32) {}
}

function block(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): Block {
  const out = heap.alloc(16);
  philox4x32_10(c0, c1, c2, c3, k0, k1, out);
  const b = new Block(load<u32>(out), load<u32>(out, 4), load<u32>(out, 8), load<u32>(out, 12));
  heap.free(out);
  return b;
}

describe("philox4x32_10", () => {
  it("matches Random123 kat_vectors: zero counter and key", () => {
    expect(block(0, 0, 0, 0, 0, 0)).toStrictEqual(new Block(0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8));
  });
  it("matches Random123 kat_vectors: all-ones counter and key", () => {
    expect(block(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff))
      .toStrictEqual(new Block(0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd));
  });
  it("matches Random123 kat_vectors: digits of pi", () => {
    expect(block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0))
      .toStrictEqual(new Block(0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1));
  });
});

describe("streams", () => {
  it("yield block 0 then block 1 of their counter range", () => {
    const st = heap.alloc(RNG_STATE_BYTES);
    rng_init(st, 7, 9, 3, 11);
    const b0 = block(0, 0, 3, 11, 7, 9);
    const b1 = block(1, 0, 3, 11, 7, 9);
    expect(rng_next_u32(st)).toBe(b0.a);
    expect(rng_next_u32(st)).toBe(b0.b);
    expect(rng_next_u32(st)).toBe(b0.c);
    expect(rng_next_u32(st)).toBe(b0.d);
    expect(rng_next_u32(st)).toBe(b1.a);
    heap.free(st);
  });
  it("rng_below stays in range and hits every value", () => {
    const st = heap.alloc(RNG_STATE_BYTES);
    rng_init(st, 1, 0, 1, 0);
    const seen = new StaticArray<i32>(7);
    for (let i = 0; i < 7000; i++) {
      const v = rng_below(st, 7);
      expect(v).toBeLessThan(7);
      seen[v]++;
    }
    for (let v = 0; v < 7; v++) expect(seen[v]).toBeGreaterThan(800);
    heap.free(st);
  });
  it("rng_uniform_f64 is in [0, 1)", () => {
    const st = heap.alloc(RNG_STATE_BYTES);
    rng_init(st, 2, 0, 1, 0);
    for (let i = 0; i < 10000; i++) {
      const u = rng_uniform_f64(st);
      expect(u).toBeGreaterThanOrEqual(0.0);
      expect(u).toBeLessThan(1.0);
    }
    heap.free(st);
  });
  it("rng_sample draws k distinct values and rng_permutation is a permutation", () => {
    const st = heap.alloc(RNG_STATE_BYTES);
    rng_init(st, 3, 0, 2, 5);
    const n: u32 = 100, k: u32 = 40;
    const out = heap.alloc(<usize>n << 2), scratch = heap.alloc(<usize>n << 2);
    rng_sample(st, out, k, n, scratch);
    const seen = new StaticArray<bool>(n);
    for (let i: u32 = 0; i < k; i++) {
      const v = load<i32>(out + (<usize>i << 2));
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(<i32>n);
      expect(seen[v]).toBe(false);
      seen[v] = true;
    }
    rng_permutation(st, out, n);
    const hit = new StaticArray<bool>(n);
    for (let i: u32 = 0; i < n; i++) hit[load<i32>(out + (<usize>i << 2))] = true;
    for (let i: u32 = 0; i < n; i++) expect(hit[i]).toBe(true);
    heap.free(out); heap.free(scratch); heap.free(st);
  });
});
