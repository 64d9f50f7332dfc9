// Random streams for every draw moe-bank makes (docs/DESIGN.md section 3). The generator is the
// core's Philox4x32-10 (assembly/prng/philox.ts); a stream is named by (seed, purpose, index),
// and distinct names give disjoint counter ranges, so streams are independent and a draw never
// depends on how work is split across workers.
import type { Core, Tensor } from "../bindings/index.js";

/** What a stream is for; the second part of a stream's name. Never renumber: results depend on it. */
export const Purpose = {
  init: 1, // weight initialisation of expert `index`
  subset: 2, // training subset of expert `index`
  shuffle: 3, // minibatch order of expert `index`
  sample: 4, // Monte Carlo sample S_i, i = index
  alphaDraw: 5, // the uniforms that draw W ~ q_alpha
  bootstrap: 6, // bootstrap resamples of the estimators
  ismi: 7, // run i of the individual-sample MI estimator: the m - 1 other items (assembly/select/scale.ts)
  supersample: 8, // supersample z of the conditional-MI estimator and its selectors U
  histBootstrap: 9, // bootstrap resample b of a histogram, drawn as a multinomial (assembly/select/multinomial.ts)
  gate: 10, // minibatch order of the learned gate, run `index` (src/routing/learned.ts)
  synthGating: 11, // finite-rate gating synthetic experiment: candidate banks and samples (src/synth/gating.ts)
  synthConstants: 12, // zero-compute constant experts: training sets of trial `index` (src/synth/constants.ts)
  scaling: 13, // expert scaling: the random expert subsets of size R (src/experiments/scaling.ts)
  biasResample: 14, // resample b of M runs from the large-M runs: the measured bias of H(p_hat) (src/estimators/bias.ts)
  gateBootstrap: 15, // resample b of a measured gate's rows (src/routing/gate-measure.ts)
  routeBootstrap: 16, // resample b of the routing rows of a D(rho) curve (src/routing/curve-uncertainty.ts)
  routeRows: 17, // the random subset of routing rows (src/routing/curve-uncertainty.ts)
  test: 0x7e57, // tests and examples
} as const;
export type PurposeName = keyof typeof Purpose;

const TWO32 = 4294967296;

/** Splits a seed (a safe integer >= 0 or a bigint < 2^64) into the key words (lo, hi). */
export function seedWords(seed: number | bigint): [number, number] {
  if (typeof seed === "bigint") {
    if (seed < 0n || seed >= 1n << 64n) throw new RangeError(`seed ${seed} is outside [0, 2^64)`);
    return [Number(seed & 0xffffffffn), Number(seed >> 32n)];
  }
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed ${seed} is not an integer in [0, 2^53)`);
  return [seed >>> 0, Math.floor(seed / TWO32)];
}

function checkCount(what: string, n: number, max = 0xffffffff): void {
  if (!Number.isInteger(n) || n < 0 || n > max) throw new RangeError(`${what} must be an integer in [0, ${max}], got ${n}`);
}

/** One random stream (seed, purpose, index) living in a core instance. Free it when done. */
export class Stream {
  readonly #state: Tensor<"u8">;
  constructor(readonly core: Core, readonly seed: number | bigint, readonly purpose: number, readonly index: number) {
    checkCount("purpose", purpose);
    checkCount("index", index);
    const [lo, hi] = seedWords(seed);
    this.#state = core.alloc("u8", 48);
    core.exports.rng_init(this.#state.ptr, lo, hi, purpose, index);
  }
  get ptr(): number {
    return this.#state.ptr;
  }
  /** The next u32. */
  nextU32(): number {
    return this.core.exports.rng_next_u32(this.ptr) >>> 0;
  }
  /** The next n u32. */
  u32(n: number): Uint32Array {
    checkCount("n", n);
    return this.core.scoped((alloc) => {
      const out = alloc("u32", n);
      this.core.exports.rng_fill_u32(this.ptr, out.ptr, n);
      return out.toArray();
    });
  }
  /** n uniform doubles in [0, 1), 53 bits each (two u32 per draw). */
  uniform(n: number): Float64Array {
    checkCount("n", n);
    return this.core.scoped((alloc) => {
      const out = alloc("f64", n);
      this.core.exports.rng_fill_uniform_f64(this.ptr, out.ptr, n);
      return out.toArray();
    });
  }
  /** n uniform floats in [0, 1), 24 bits each. */
  uniformF32(n: number): Float32Array {
    checkCount("n", n);
    return this.core.scoped((alloc) => {
      const out = alloc("f32", n);
      this.core.exports.rng_fill_uniform_f32(this.ptr, out.ptr, n);
      return out.toArray();
    });
  }
  /**
   * n standard normal draws by Marsaglia's polar method: pairs (u, v) uniform in (-1, 1)^2 with
   * s = u^2 + v^2 in (0, 1) give u f and v f, f = sqrt(-2 log(s) / s) (the core's log; sqrt is
   * exact in every engine). Uniforms come in batches of 2 * (ceil(0.64 k) + 8) doubles for the k
   * draws still missing (mean acceptance pi / 4); leftovers of the last batch are dropped, so the
   * draws are a pure function of (stream state, n).
   */
  normal(n: number): Float64Array {
    checkCount("n", n, 0x7fffffff);
    const out = new Float64Array(n);
    const log = this.core.exports.log;
    let k = 0;
    while (k < n) {
      const u = this.uniform(2 * (Math.ceil(0.64 * (n - k)) + 8));
      for (let j = 0; j + 1 < u.length && k < n; j += 2) {
        const a = 2 * u[j]! - 1, b = 2 * u[j + 1]! - 1;
        const s = a * a + b * b;
        if (s >= 1 || s === 0) continue;
        const f = Math.sqrt((-2 * log(s)) / s);
        out[k++] = a * f;
        if (k < n) out[k++] = b * f;
      }
    }
    return out;
  }
  /** A uniform integer in [0, n), 1 <= n <= 2^32 - 1, without modulo bias (Lemire). */
  below(n: number): number {
    checkCount("n", n);
    if (n === 0) throw new RangeError("below(n) needs n >= 1");
    return this.core.exports.rng_below(this.ptr, n) >>> 0;
  }
  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    checkCount("n", n, 0x7fffffff);
    return this.core.scoped((alloc) => {
      const out = alloc("i32", n);
      this.core.exports.rng_permutation(this.ptr, out.ptr, n);
      return out.toArray();
    });
  }
  /** k distinct values of 0..n-1, uniformly, in draw order (partial Fisher-Yates). */
  sample(k: number, n: number): Int32Array {
    checkCount("n", n, 0x7fffffff);
    checkCount("k", k, n);
    return this.core.scoped((alloc) => {
      const out = alloc("i32", k);
      const scratch = alloc("i32", n);
      this.core.exports.rng_sample(this.ptr, out.ptr, k, n, scratch.ptr);
      return out.toArray();
    });
  }
  /** k draws with replacement from 0..n-1 (a bootstrap resample of indices). */
  bootstrap(k: number, n: number): Int32Array {
    checkCount("n", n, 0x7fffffff);
    checkCount("k", k);
    if (n === 0 && k > 0) throw new RangeError("bootstrap from an empty set");
    return this.core.scoped((alloc) => {
      const out = alloc("i32", k);
      this.core.exports.rng_bootstrap(this.ptr, out.ptr, k, n);
      return out.toArray();
    });
  }
  free(): void {
    this.#state.free();
  }
}

/** Convenience: opens the stream (seed, purpose, index) on `core`. */
export function stream(core: Core, seed: number | bigint, purpose: PurposeName | number, index = 0): Stream {
  return new Stream(core, seed, typeof purpose === "number" ? purpose : Purpose[purpose], index);
}
