// Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011), the counter-based generator every random draw of moe-bank comes from.
// Integer-only: the same bits on every engine and CPU.
//
// Streams. A stream is named by (seed: u64, purpose: u32, index: u32):
//   key     = (seed & 0xffffffff, seed >>> 32)
//   counter = (block_lo, block_hi, purpose, index), block = 0, 1, 2, ...
// Block b of the stream is philox4x32_10(counter, key); the stream's u32 sequence is the four
// output words of block 0, then of block 1, and so on. Two streams with different (purpose,
// index) use disjoint counters, so they never share a block (2^64 blocks per stream).
//
// State (RNG_STATE_BYTES = 48, caller-owned, 4-byte aligned):
//   [0] k0 [4] k1 [8] block_lo [12] block_hi [16] purpose [20] index
//   [24..40) buffered words  [40] next word position (4 = buffer empty)

const M0: u32 = 0xD2511F53;
const M1: u32 = 0xCD9E8D57;
const W0: u32 = 0x9E3779B9;
const W1: u32 = 0xBB67AE85;

export const RNG_STATE_BYTES: u32 = 48;

// Scratch for the 4 counter words between rounds; module-level globals, no allocation.
let x0: u32 = 0;
let x1: u32 = 0;
let x2: u32 = 0;
let x3: u32 = 0;

// @ts-ignore: decorator
@inline function philoxRounds(k0: u32, k1: u32): void {
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 += W0;
      k1 += W1;
    }
    const p0: u64 = <u64>M0 * <u64>x0;
    const p1: u64 = <u64>M1 * <u64>x2;
    const hi0 = <u32>(p0 >>> 32), lo0 = <u32>p0;
    const hi1 = <u32>(p1 >>> 32), lo1 = <u32>p1;
    const n0 = hi1 ^ x1 ^ k0;
    const n2 = hi0 ^ x3 ^ k1;
    x0 = n0;
    x1 = lo1;
    x2 = n2;
    x3 = lo0;
  }
}

/** One Philox4x32-10 block: out[0..4) = philox(counter (c0..c3), key (k0, k1)). */
export function philox4x32_10(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32, out: usize): void {
  x0 = c0; x1 = c1; x2 = c2; x3 = c3;
  philoxRounds(k0, k1);
  store<u32>(out, x0);
  store<u32>(out, x1, 4);
  store<u32>(out, x2, 8);
  store<u32>(out, x3, 12);
}

/** Initialises the stream (seed = seedHi * 2^32 + seedLo, purpose, index) at block 0. */
export function rng_init(st: usize, seedLo: u32, seedHi: u32, purpose: u32, index: u32): void {
  store<u32>(st, seedLo, 0);
  store<u32>(st, seedHi, 4);
  store<u32>(st, 0, 8);
  store<u32>(st, 0, 12);
  store<u32>(st, purpose, 16);
  store<u32>(st, index, 20);
  store<u32>(st, 4, 40);
}

function refill(st: usize): void {
  const lo = load<u32>(st, 8);
  const hi = load<u32>(st, 12);
  x0 = lo; x1 = hi; x2 = load<u32>(st, 16); x3 = load<u32>(st, 20);
  philoxRounds(load<u32>(st, 0), load<u32>(st, 4));
  store<u32>(st, x0, 24);
  store<u32>(st, x1, 28);
  store<u32>(st, x2, 32);
  store<u32>(st, x3, 36);
  store<u32>(st, 0, 40);
  const nlo = lo + 1;
  store<u32>(st, nlo, 8);
  store<u32>(st, nlo == 0 ? hi + 1 : hi, 12);
}

/** The next u32 of the stream. */
export function rng_next_u32(st: usize): u32 {
  let pos = load<u32>(st, 40);
  if (pos >= 4) {
    refill(st);
    pos = 0;
  }
  store<u32>(st, pos + 1, 40);
  return load<u32>(st + (<usize>pos << 2), 24);
}

/** out[0..n) = the next n u32 of the stream. */
export function rng_fill_u32(st: usize, out: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) store<u32>(out + (<usize>i << 2), rng_next_u32(st));
}

/** Uniform double in [0, 1) with 53 random bits: ((a >>> 5) * 2^26 + (b >>> 6)) / 2^53,
 *  a and b the next two u32 (the res53 construction of Matsumoto and Nishimura). */
export function rng_uniform_f64(st: usize): f64 {
  const a = rng_next_u32(st) >>> 5;
  const b = rng_next_u32(st) >>> 6;
  return (<f64>a * 67108864.0 + <f64>b) * (1.0 / 9007199254740992.0);
}

/** out[0..n) = n uniform doubles in [0, 1) (f64). */
export function rng_fill_uniform_f64(st: usize, out: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) store<f64>(out + (<usize>i << 3), rng_uniform_f64(st));
}

/** Uniform float in [0, 1) with 24 random bits: (a >>> 8) * 2^-24. */
export function rng_uniform_f32(st: usize): f32 {
  return <f32>(rng_next_u32(st) >>> 8) * <f32>(1.0 / 16777216.0);
}

/** out[0..n) = n uniform floats in [0, 1) (f32). */
export function rng_fill_uniform_f32(st: usize, out: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) store<f32>(out + (<usize>i << 2), rng_uniform_f32(st));
}

/** Uniform integer in [0, n), n >= 1, without modulo bias: Lemire's multiply-and-reject
 *  ("Fast random integer generation in an interval", ACM TOMACS 2019). m = x * n (64-bit);
 *  the low word l is rejected while l < 2^32 mod n; the answer is m >>> 32. */
export function rng_below(st: usize, n: u32): u32 {
  assert(n > 0, "rng_below: n must be >= 1");
  let m: u64 = <u64>rng_next_u32(st) * <u64>n;
  let l = <u32>m;
  if (l < n) {
    const t: u32 = (0 - n) % n;
    while (l < t) {
      m = <u64>rng_next_u32(st) * <u64>n;
      l = <u32>m;
    }
  }
  return <u32>(m >>> 32);
}

/** out[0..n) = a uniformly random permutation of 0..n-1 (i32): out[i] = i, then Fisher-Yates
 *  from the top, for i = n-1 down to 1: swap out[i] and out[rng_below(i + 1)]. */
export function rng_permutation(st: usize, out: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) store<i32>(out + (<usize>i << 2), <i32>i);
  for (let i: u32 = n - 1; n > 1 && i >= 1; i--) {
    const j = rng_below(st, i + 1);
    const pi = out + (<usize>i << 2), pj = out + (<usize>j << 2);
    const t = load<i32>(pi);
    store<i32>(pi, load<i32>(pj));
    store<i32>(pj, t);
  }
}

/** out[0..k) = k distinct values of 0..n-1 (i32), uniformly, in draw order: a partial
 *  Fisher-Yates on scratch[0..n) (i32, caller-owned): scratch[i] = i; for i < k, swap
 *  scratch[i] with scratch[i + rng_below(n - i)], out[i] = scratch[i]. Requires k <= n. */
export function rng_sample(st: usize, out: usize, k: u32, n: u32, scratch: usize): void {
  assert(k <= n, "rng_sample: k must be <= n");
  for (let i: u32 = 0; i < n; i++) store<i32>(scratch + (<usize>i << 2), <i32>i);
  for (let i: u32 = 0; i < k; i++) {
    const j = i + rng_below(st, n - i);
    const pi = scratch + (<usize>i << 2), pj = scratch + (<usize>j << 2);
    const t = load<i32>(pj);
    store<i32>(pj, load<i32>(pi));
    store<i32>(pi, t);
    store<i32>(out + (<usize>i << 2), t);
  }
}

/** out[0..k) = k draws with replacement from 0..n-1 (i32): out[i] = rng_below(n). */
export function rng_bootstrap(st: usize, out: usize, k: u32, n: u32): void {
  for (let i: u32 = 0; i < k; i++) store<i32>(out + (<usize>i << 2), <i32>rng_below(st, n));
}
