// Synthetic 0-1 loss matrices with the texture of the paper's MNIST bank (test errors about
// 0.08-0.11, pairwise disagreement about 0.06-0.10, errors concentrated on shared hard items),
// for testing and timing the selection protocol before a real bank exists.
//
// Model. Item n is hard with probability `hardShare`; expert r errs on a hard item with
// probability a_r and on an easy one with b_r, independently across experts given the item,
// a_r ~ U[aLo, aHi], b_r ~ U[bLo, bHi]. Pool items use the same model with both probabilities
// scaled by `poolScale` (> 1: the pool is harder than the test split, as MNIST's training split
// is for these experts, which makes the paper's gap negative at alpha = 0). All uniforms come
// from streams (seed, test, k): k = 0 expert rates, 1 pool items, 2 pool losses, 3 test items,
// 4 test losses.
import type { Core } from "../../bindings/index.js";
import { stream } from "../prng.js";
import type { LossMatrix } from "../estimators/draws.js";

export interface SyntheticBankOptions {
  R: number;
  nPool: number;
  nTest: number;
  seed: number;
  hardShare: number;
  aLo: number;
  aHi: number;
  bLo: number;
  bHi: number;
  poolScale: number;
}

export const MNIST_LIKE: SyntheticBankOptions = {
  R: 25, nPool: 60000, nTest: 10000, seed: 7, hardShare: 0.1, aLo: 0.5, aHi: 0.75, bLo: 0.015, bHi: 0.035, poolScale: 1.1,
};

function uniforms(core: Core, seed: number, k: number, n: number): Float64Array {
  const s = stream(core, seed, "test", k);
  try {
    return s.uniform(n);
  } finally {
    s.free();
  }
}

function matrix(core: Core, o: SyntheticBankOptions, a: Float64Array, b: Float64Array, N: number, scale: number, k: number): LossMatrix {
  const hard = uniforms(core, o.seed, k, N);
  const u = uniforms(core, o.seed, k + 1, o.R * N);
  const data = new Uint8Array(o.R * N);
  for (let r = 0; r < o.R; r++) {
    for (let n = 0; n < N; n++) {
      const p = (hard[n]! < o.hardShare ? a[r]! : b[r]!) * scale;
      data[r * N + n] = u[r * N + n]! < p ? 1 : 0;
    }
  }
  return { R: o.R, N, data };
}

export function syntheticBank(core: Core, options: Partial<SyntheticBankOptions> = {}): { train: LossMatrix; test: LossMatrix } {
  const o = { ...MNIST_LIKE, ...options };
  const rates = uniforms(core, o.seed, 0, 2 * o.R);
  const a = new Float64Array(o.R), b = new Float64Array(o.R);
  for (let r = 0; r < o.R; r++) {
    a[r] = o.aLo + (o.aHi - o.aLo) * rates[2 * r]!;
    b[r] = o.bLo + (o.bHi - o.bLo) * rates[2 * r + 1]!;
  }
  return { train: matrix(core, o, a, b, o.nPool, o.poolScale, 1), test: matrix(core, o, a, b, o.nTest, 1, 3) };
}

/** A small random loss matrix with independent Bernoulli(p_r) losses, p_r in [pLo, pHi]. */
export function randomLosses(core: Core, seed: number, R: number, N: number, pLo = 0.05, pHi = 0.4): LossMatrix {
  const rates = uniforms(core, seed, 10, R);
  const u = uniforms(core, seed, 11, R * N);
  const data = new Uint8Array(R * N);
  for (let r = 0; r < R; r++) {
    const p = pLo + (pHi - pLo) * rates[r]!;
    for (let n = 0; n < N; n++) data[r * N + n] = u[r * N + n]! < p ? 1 : 0;
  }
  return { R, N, data };
}
