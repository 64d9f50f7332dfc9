// The selection protocol's Monte Carlo draws (paper Section III-B, eq. 9-12; docs/DESIGN.md section 8).
// Everything here is integer arithmetic or a PRNG draw, so the simd, scalar and relaxed builds
// give the same bits by construction; the estimators (entropies, gaps, bounds) are formed in TS
// (src/estimators/) from the per-sample arrays written here.
//
// Loss matrices. L is a u8 [R, N] matrix of 0-1 losses, row r = expert r, C order (the .npy
// layout). The kernels read its transpose LT, u8 [N, stride] with stride = R rounded up to 16
// (select_row_stride): row n holds the R experts' losses on item n, then zero padding, so the
// losses of one item are one or two aligned v128 loads.
//
// Streams (src/prng.ts Purpose; the numbers are repeated here and tested against the TS names):
//   sample    = 4: Monte Carlo sample S_i is drawn from the stream (seed, 4, i);
//   alphaDraw = 5: the uniforms of sample i's draw of W are (seed, 5, i).
// Sample i's indices: distinct (replace = 0) they are exactly rng_sample(m, N) on its stream (a
// partial Fisher-Yates); i.i.d. from the pool (replace = 1) they are exactly rng_bootstrap(m, N)
// on the same stream. The two readings share streams (common random numbers between them).

import { rng_init, rng_below, rng_uniform_f64, RNG_STATE_BYTES } from "../prng/philox";
import { align16 } from "../mem";

export const PURPOSE_SAMPLE: u32 = 4;
export const PURPOSE_ALPHA_DRAW: u32 = 5;

/** Bytes per row of the transposed loss matrix: R rounded up to a multiple of 16. */
export function select_row_stride(R: u32): u32 {
  return (R + 15) & ~(<u32>15);
}

/** LT = the transpose of L: lt[n * stride + r] = l[r * N + n] for r < R, and 0 for
 *  R <= r < stride (stride = select_row_stride(R)). lt holds N * stride bytes. */
export function select_transpose(l: usize, R: u32, N: u32, lt: usize): void {
  const stride = <usize>select_row_stride(R);
  for (let n: u32 = 0; n < N; n++) {
    const row = lt + <usize>n * stride;
    let r: u32 = 0;
    for (; r < R; r++) store<u8>(row + r, load<u8>(l + <usize>r * <usize>N + n));
    for (; <usize>r < stride; r++) store<u8>(row + r, 0);
  }
}

/** out[r] = sum over n < N of l[r * N + n] (i32 [R]): the row sums of a u8 [R, N] matrix
 *  (each expert's error count on the split; requires N * 255 < 2^31). */
export function select_row_sums(l: usize, R: u32, N: u32, out: usize): void {
  for (let r: u32 = 0; r < R; r++) {
    const row = l + <usize>r * <usize>N;
    let s: u32 = 0;
    let n: u32 = 0;
    if (ASC_FEATURE_SIMD) {
      let acc = i32x4.splat(0);
      for (; n + 16 <= N; n += 16) {
        acc = i32x4.add(acc, i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(v128.load(row + n))));
      }
      s = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
    }
    for (; n < N; n++) s += load<u8>(row + n);
    store<i32>(out + (<usize>r << 2), s);
  }
}

/** Bytes of workspace select_samples needs: the stream state, an i32 [N] permutation scratch,
 *  i32 [m] indices, i32 [m] swap positions, u16 [stride] counters (each 16-byte aligned). */
export function select_work_bytes(R: u32, N: u32, m: u32): usize {
  return align16(RNG_STATE_BYTES) + align16(<usize>N << 2) + 2 * align16(<usize>m << 2) + align16(<usize>select_row_stride(R) << 1);
}

/** The Monte Carlo samples first .. first + M - 1 of the protocol, each of size m from the pool
 *  0..N-1 (LT = the transposed training losses, select_transpose), stream (seed, 4, i):
 *    replace = 0: m distinct indices (the paper's protocol), exactly rng_sample(m, N);
 *    replace = 1: m i.i.d. indices (reading (c)), exactly rng_bootstrap(m, N).
 *  For local k < M (sample i = first + k), writing:
 *    counts[k * R + r] = m * R_hat_{S_i}(W_r), expert r's error count on S_i (eq. 9), i32 [M, R];
 *    rstar[k] = r*(S_i), the smallest index attaining the least count (eq. 10), i32 [M];
 *    nmin[k]  = how many experts attain that least count (1 = no tie), i32 [M].
 *  L must hold only 0 and 1 (the count of an expert fits a u16: m <= 65535). `work` holds
 *  select_work_bytes(R, N, m) bytes. The permutation scratch is reset to the identity once per
 *  call and restored after each sample by undoing its swaps (O(m) per sample, not O(N)). */
export function select_samples(
  lt: usize, R: u32, N: u32, M: u32, m: u32, replace: u32,
  seedLo: u32, seedHi: u32, first: u32,
  counts: usize, rstar: usize, nmin: usize, work: usize,
): void {
  assert(R >= 1, "select_samples: R must be >= 1");
  assert(m >= 1 && m <= 65535, "select_samples: m must be in [1, 65535]");
  assert(N >= 1, "select_samples: the pool is empty");
  assert(replace != 0 || m <= N, "select_samples: m > N without replacement");
  const stride = <usize>select_row_stride(R);
  const st = work;
  const scratch = st + align16(RNG_STATE_BYTES);
  const idx = scratch + align16(<usize>N << 2);
  const swaps = idx + align16(<usize>m << 2);
  const acc = swaps + align16(<usize>m << 2);
  if (replace == 0) {
    for (let n: u32 = 0; n < N; n++) store<i32>(scratch + (<usize>n << 2), <i32>n);
  }
  for (let k: u32 = 0; k < M; k++) {
    rng_init(st, seedLo, seedHi, PURPOSE_SAMPLE, first + k);
    // The sample's indices.
    if (replace == 0) {
      for (let j: u32 = 0; j < m; j++) {
        const s = j + rng_below(st, N - j);
        const pj = scratch + (<usize>j << 2), ps = scratch + (<usize>s << 2);
        const t = load<i32>(ps);
        store<i32>(ps, load<i32>(pj));
        store<i32>(pj, t);
        store<i32>(idx + (<usize>j << 2), t);
        store<u32>(swaps + (<usize>j << 2), s);
      }
      for (let j = <i32>m - 1; j >= 0; j--) {
        const s = load<u32>(swaps + (<usize>j << 2));
        const pj = scratch + (<usize>j << 2), ps = scratch + (<usize>s << 2);
        const t = load<i32>(ps);
        store<i32>(ps, load<i32>(pj));
        store<i32>(pj, t);
      }
    } else {
      for (let j: u32 = 0; j < m; j++) store<i32>(idx + (<usize>j << 2), <i32>rng_below(st, N));
    }
    // Each expert's error count on the sample (integer sums: every build gives the same bits).
    for (let c: usize = 0; c < stride; c += 4) store<u64>(acc + (c << 1), 0);
    if (ASC_FEATURE_SIMD) {
      for (let j: u32 = 0; j < m; j++) {
        const row = lt + <usize>load<i32>(idx + (<usize>j << 2)) * stride;
        for (let c: usize = 0; c < stride; c += 16) {
          const v = v128.load(row + c);
          const a = acc + (c << 1);
          v128.store(a, i16x8.add(v128.load(a), i16x8.extend_low_i8x16_u(v)));
          v128.store(a, i16x8.add(v128.load(a, 16), i16x8.extend_high_i8x16_u(v)), 16);
        }
      }
    } else {
      for (let j: u32 = 0; j < m; j++) {
        const row = lt + <usize>load<i32>(idx + (<usize>j << 2)) * stride;
        for (let r: u32 = 0; r < R; r++) {
          const a = acc + (<usize>r << 1);
          store<u16>(a, load<u16>(a) + <u16>load<u8>(row + r));
        }
      }
    }
    // r* = the smallest index of the least count (eq. 10), and the number of experts tied there.
    const out = counts + ((<usize>k * <usize>R) << 2);
    let best: u32 = 0xffffffff, arg: u32 = 0, ties: u32 = 0;
    for (let r: u32 = 0; r < R; r++) {
      const c = <u32>load<u16>(acc + (<usize>r << 1));
      store<i32>(out + (<usize>r << 2), <i32>c);
      if (c < best) {
        best = c;
        arg = r;
        ties = 1;
      } else if (c == best) {
        ties++;
      }
    }
    store<i32>(rstar + (<usize>k << 2), <i32>arg);
    store<i32>(nmin + (<usize>k << 2), <i32>ties);
  }
}

/** The uniforms that draw W_i ~ q_alpha(. | S_i) (eq. 12) for samples first .. first + M - 1,
 *  from the stream (seed, 5, i): u[k] = rng_uniform_f64 (f64 [M]), then v[k] = rng_below(R)
 *  (i32 [M]). With them W_i = r*(S_i) if u_i < alpha, else v_i: P(W_i = r) = (1 - alpha)/R +
 *  alpha 1{r = r*} (eq. 11), and every alpha uses the same (u_i, v_i) (common random numbers),
 *  so W_i switches from v_i to r*(S_i) once, at alpha = u_i (a monotone coupling). st is a
 *  caller-owned stream state (RNG_STATE_BYTES). */
export function select_draws(seedLo: u32, seedHi: u32, first: u32, M: u32, R: u32, u: usize, v: usize, st: usize): void {
  assert(R >= 1, "select_draws: R must be >= 1");
  for (let k: u32 = 0; k < M; k++) {
    rng_init(st, seedLo, seedHi, PURPOSE_ALPHA_DRAW, first + k);
    store<f64>(u + (<usize>k << 3), rng_uniform_f64(st));
    store<i32>(v + (<usize>k << 2), <i32>rng_below(st, R));
  }
}
