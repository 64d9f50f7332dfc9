// Deterministic synthetic inputs shared by the tests (no dependence on the core's PRNG, so a
// change there cannot hide a bug in what is tested with these).
import type { LossMatrix } from "../../src/formats/losses.js";

/** xorshift32 uniforms in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** A 0-1 loss matrix [R, N] with item difficulty d_i = u^power and expert skill e_t uniform in
 *  [skillMin, 1]: expert t is wrong on item i with probability d_i e_t (errors correlated through
 *  the items, as in a bank). */
export function bankLike(R: number, N: number, seed: number, power = 4, skillMin = 0.4): LossMatrix {
  const u = rng(seed);
  const d = Array.from({ length: N }, () => u() ** power);
  const e = Array.from({ length: R }, () => skillMin + (1 - skillMin) * u());
  const data = new Uint8Array(R * N);
  for (let t = 0; t < R; t++) for (let i = 0; i < N; i++) data[t * N + i] = u() < d[i]! * e[t]! ? 1 : 0;
  return { R, N, data };
}
