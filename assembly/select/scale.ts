// Monte Carlo at scale and the draws of the tighter bounds (docs/DESIGN.md section 7.2; paper Sections IV, VI-A,
// VII-B). Everything here is integer arithmetic on the 0-1 loss matrices plus Philox draws, so
// the simd, scalar and relaxed builds give the same bits by construction.
//
// scale_runs draws exactly the samples of select_samples (assembly/select/select.ts): sample i
// is the stream (seed, 4, i) consumed as rng_sample(m, N) (replace = 0) or rng_bootstrap(m, N)
// (replace = 1), so r*(S_i) and the ties are the same numbers (test/bounds.test.ts checks it).
// It is faster, for M up to 10^6: the Philox blocks are computed four at a time with the
// counter in locals (philox_quad: the same words as rng_next_u32, in the same order), the error
// counts are summed in SIMD registers, and instead of the [M, R] count matrix it writes what the
// estimators need per run: r*, the tie count, the count of r*, the count of a given expert v_i
// (the W draw's uniform expert, select_draws), and the sum of all R counts.
//
// ismi_runs: the individual-sample term I(W; Z_1) of Bu, Zou and Veeravalli (2020) for i.i.d. S.
// W depends on Z_1 only through Z_1's loss pattern p (the R-bit column of L at Z_1), since r*(S)
// is a function of the count vector c = c' + p, c' the counts of the other m - 1 items. Run i
// draws the other m - 1 items i.i.d. from the pool (stream (seed, 7, i)) and, for every distinct
// pattern j of the pool, records r*(c' + p_j), with common random numbers across patterns.
// Only experts with c'_r <= min c' + 1 can be r*(c' + p) (any other has c'_r + p_r >= min + 2 >
// c'_{r0} + p_{r0}), and r*(c' + p) = r0 = the smallest index at min c' whenever p_{r0} = 0. So
// the table T[j, r] = #{runs: r*(c' + p_j) = r} is kept as T = D[r] + delta[j, r]: D[r] counts
// the runs with r0 = r (the answer for every pattern with p_{r0} = 0), and only the patterns
// with p_{r0} = 1 (the list E_{r0}, CSR eoff/eidx) are looked at, over the candidates only.
//
// cmi_runs: the conditional mutual information of Steinke and Zakynthinou (2020). Supersample z
// (stream (seed, 8, z)) is 2m items i.i.d. from the pool, drawn in pairs (Z~_{j,0}, Z~_{j,1}) =
// (idx[2j], idx[2j + 1]); then nU selector vectors U in {0,1}^m from the same stream, each
// ceil(m/32) words, U_j = bit (j mod 32) of word floor(j/32); S = (Z~_{j,U_j})_j and
// hist[z, r] = #{U : r*(S) = r}. Only pairs whose two patterns differ move the counts, so the
// counts of S are base + sum over those pairs with U_j = 1 of (p(Z~_{j,1}) - p(Z~_{j,0})).

import { PURPOSE_SAMPLE, select_row_stride } from "./select";
import { align16 } from "../mem";

export const PURPOSE_ISMI: u32 = 7;
export const PURPOSE_SUPERSAMPLE: u32 = 8;

const M0: u32 = 0xD2511F53;
const M1: u32 = 0xCD9E8D57;
const W0: u32 = 0x9E3779B9;
const W1: u32 = 0xBB67AE85;

/** Blocks blk .. blk + 3 of the stream with key (k0, k1) and counter words (block, 0, pur, idx):
 *  16 u32 words into buf, in stream order (block blk's four words first), exactly the words
 *  rng_next_u32 returns. Four independent blocks per loop keep the multipliers busy. The
 *  block's high word is 0: a stream here never passes 2^32 blocks. */
function philox_quad(buf: usize, k0: u32, k1: u32, pur: u32, idx: u32, blk: u32): void {
  assert(blk <= 0xfffffffb, "philox_quad: a stream passed 2^32 blocks");
  let a0 = blk, a1: u32 = 0, a2 = pur, a3 = idx;
  let b0 = blk + 1, b1: u32 = 0, b2 = pur, b3 = idx;
  let c0 = blk + 2, c1: u32 = 0, c2 = pur, c3 = idx;
  let d0 = blk + 3, d1: u32 = 0, d2 = pur, d3 = idx;
  let ka = k0, kb = k1;
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      ka += W0;
      kb += W1;
    }
    const pa0: u64 = <u64>M0 * <u64>a0, pa1: u64 = <u64>M1 * <u64>a2;
    const pb0: u64 = <u64>M0 * <u64>b0, pb1: u64 = <u64>M1 * <u64>b2;
    const pc0: u64 = <u64>M0 * <u64>c0, pc1: u64 = <u64>M1 * <u64>c2;
    const pd0: u64 = <u64>M0 * <u64>d0, pd1: u64 = <u64>M1 * <u64>d2;
    const ta0 = <u32>(pa1 >>> 32) ^ a1 ^ ka, ta2 = <u32>(pa0 >>> 32) ^ a3 ^ kb;
    const tb0 = <u32>(pb1 >>> 32) ^ b1 ^ ka, tb2 = <u32>(pb0 >>> 32) ^ b3 ^ kb;
    const tc0 = <u32>(pc1 >>> 32) ^ c1 ^ ka, tc2 = <u32>(pc0 >>> 32) ^ c3 ^ kb;
    const td0 = <u32>(pd1 >>> 32) ^ d1 ^ ka, td2 = <u32>(pd0 >>> 32) ^ d3 ^ kb;
    a0 = ta0; a1 = <u32>pa1; a2 = ta2; a3 = <u32>pa0;
    b0 = tb0; b1 = <u32>pb1; b2 = tb2; b3 = <u32>pb0;
    c0 = tc0; c1 = <u32>pc1; c2 = tc2; c3 = <u32>pc0;
    d0 = td0; d1 = <u32>pd1; d2 = td2; d3 = <u32>pd0;
  }
  store<u32>(buf, a0, 0); store<u32>(buf, a1, 4); store<u32>(buf, a2, 8); store<u32>(buf, a3, 12);
  store<u32>(buf, b0, 16); store<u32>(buf, b1, 20); store<u32>(buf, b2, 24); store<u32>(buf, b3, 28);
  store<u32>(buf, c0, 32); store<u32>(buf, c1, 36); store<u32>(buf, c2, 40); store<u32>(buf, c3, 44);
  store<u32>(buf, d0, 48); store<u32>(buf, d1, 52); store<u32>(buf, d2, 56); store<u32>(buf, d3, 60);
}

// A stream context (128 bytes, in the workspace): [0] k0 [4] k1 [8] purpose [12] index
// [16] next block to compute [20] next word in the buffer (16 = empty) [64..128) 16 words.
const CTX_BYTES: usize = 128;

// @ts-ignore: decorator
@inline function ctx_init(ctx: usize, k0: u32, k1: u32, pur: u32, idx: u32): void {
  store<u32>(ctx, k0, 0);
  store<u32>(ctx, k1, 4);
  store<u32>(ctx, pur, 8);
  store<u32>(ctx, idx, 12);
  store<u32>(ctx, 0, 16);
  store<u32>(ctx, 16, 20);
}

/** out[0..k) = k integers below n (i32), each exactly rng_below(n) on the context's stream
 *  (Lemire: x * n, rejected while the low word is < 2^32 mod n). */
function draw_iid(ctx: usize, out: usize, k: u32, n: u32): void {
  const k0 = load<u32>(ctx, 0), k1 = load<u32>(ctx, 4), pur = load<u32>(ctx, 8), sid = load<u32>(ctx, 12);
  let blk = load<u32>(ctx, 16), wp = load<u32>(ctx, 20);
  const buf = ctx + 64;
  const t: u32 = (0 - n) % n;
  for (let j: u32 = 0; j < k; j++) {
    if (wp == 16) { philox_quad(buf, k0, k1, pur, sid, blk); blk += 4; wp = 0; }
    let mm: u64 = <u64>load<u32>(buf + (<usize>wp << 2)) * <u64>n;
    wp++;
    while (<u32>mm < t) {
      if (wp == 16) { philox_quad(buf, k0, k1, pur, sid, blk); blk += 4; wp = 0; }
      mm = <u64>load<u32>(buf + (<usize>wp << 2)) * <u64>n;
      wp++;
    }
    store<i32>(out + (<usize>j << 2), <i32>(mm >>> 32));
  }
  store<u32>(ctx, blk, 16);
  store<u32>(ctx, wp, 20);
}

/** k distinct items of 0..n-1 into out (i32), exactly rng_sample(k, n): a partial Fisher-Yates on
 *  scratch (i32 [n], the identity on entry and again on exit: the k swaps are undone, O(k)). */
function draw_distinct(ctx: usize, out: usize, k: u32, n: u32, scratch: usize, swaps: usize): void {
  const k0 = load<u32>(ctx, 0), k1 = load<u32>(ctx, 4), pur = load<u32>(ctx, 8), sid = load<u32>(ctx, 12);
  let blk = load<u32>(ctx, 16), wp = load<u32>(ctx, 20);
  const buf = ctx + 64;
  for (let j: u32 = 0; j < k; j++) {
    const nj = n - j;
    if (wp == 16) { philox_quad(buf, k0, k1, pur, sid, blk); blk += 4; wp = 0; }
    let mm: u64 = <u64>load<u32>(buf + (<usize>wp << 2)) * <u64>nj;
    wp++;
    if (<u32>mm < nj) {
      const t: u32 = (0 - nj) % nj;
      while (<u32>mm < t) {
        if (wp == 16) { philox_quad(buf, k0, k1, pur, sid, blk); blk += 4; wp = 0; }
        mm = <u64>load<u32>(buf + (<usize>wp << 2)) * <u64>nj;
        wp++;
      }
    }
    const s = j + <u32>(mm >>> 32);
    const pj = scratch + (<usize>j << 2), ps = scratch + (<usize>s << 2);
    const v = load<i32>(ps);
    store<i32>(ps, load<i32>(pj));
    store<i32>(pj, v);
    store<i32>(out + (<usize>j << 2), v);
    store<u32>(swaps + (<usize>j << 2), s);
  }
  for (let j = <i32>k - 1; j >= 0; j--) {
    const s = load<u32>(swaps + (<usize>j << 2));
    const pj = scratch + (<usize>j << 2), ps = scratch + (<usize>s << 2);
    const v = load<i32>(ps);
    store<i32>(ps, load<i32>(pj));
    store<i32>(pj, v);
  }
  store<u32>(ctx, blk, 16);
  store<u32>(ctx, wp, 20);
}

/** n raw words of the context's stream into out (u32). */
function draw_words(ctx: usize, out: usize, n: u32): void {
  const k0 = load<u32>(ctx, 0), k1 = load<u32>(ctx, 4), pur = load<u32>(ctx, 8), sid = load<u32>(ctx, 12);
  let blk = load<u32>(ctx, 16), wp = load<u32>(ctx, 20);
  const buf = ctx + 64;
  for (let j: u32 = 0; j < n; j++) {
    if (wp == 16) { philox_quad(buf, k0, k1, pur, sid, blk); blk += 4; wp = 0; }
    store<u32>(out + (<usize>j << 2), load<u32>(buf + (<usize>wp << 2)));
    wp++;
  }
  store<u32>(ctx, blk, 16);
  store<u32>(ctx, wp, 20);
}

/** acc[r] = sum over j < k of lt[idx[j * step] * stride + r] (u16 [stride]): each expert's error
 *  count on the items idx[0], idx[step], ... (integers: every path gives the same numbers).
 *  Strides 16, 32 and 64 sum in SIMD registers; any other stride, and the scalar build, per
 *  expert. Requires k <= 65535. */
function acc_rows(lt: usize, R: u32, stride: usize, idx: usize, k: u32, step: u32, acc: usize): void {
  const st = <usize>step << 2;
  if (ASC_FEATURE_SIMD) {
    if (stride == 16) {
      let a0 = i16x8.splat(0), a1 = i16x8.splat(0);
      for (let j: u32 = 0; j < k; j++) {
        const v = v128.load(lt + <usize>load<i32>(idx + <usize>j * st) * 16);
        a0 = i16x8.add(a0, i16x8.extend_low_i8x16_u(v));
        a1 = i16x8.add(a1, i16x8.extend_high_i8x16_u(v));
      }
      v128.store(acc, a0);
      v128.store(acc, a1, 16);
      return;
    }
    if (stride == 32) {
      let a0 = i16x8.splat(0), a1 = i16x8.splat(0), a2 = i16x8.splat(0), a3 = i16x8.splat(0);
      for (let j: u32 = 0; j < k; j++) {
        const row = lt + <usize>load<i32>(idx + <usize>j * st) * 32;
        const v = v128.load(row), w = v128.load(row, 16);
        a0 = i16x8.add(a0, i16x8.extend_low_i8x16_u(v));
        a1 = i16x8.add(a1, i16x8.extend_high_i8x16_u(v));
        a2 = i16x8.add(a2, i16x8.extend_low_i8x16_u(w));
        a3 = i16x8.add(a3, i16x8.extend_high_i8x16_u(w));
      }
      v128.store(acc, a0);
      v128.store(acc, a1, 16);
      v128.store(acc, a2, 32);
      v128.store(acc, a3, 48);
      return;
    }
    if (stride == 64) {
      let a0 = i16x8.splat(0), a1 = i16x8.splat(0), a2 = i16x8.splat(0), a3 = i16x8.splat(0);
      let a4 = i16x8.splat(0), a5 = i16x8.splat(0), a6 = i16x8.splat(0), a7 = i16x8.splat(0);
      for (let j: u32 = 0; j < k; j++) {
        const row = lt + <usize>load<i32>(idx + <usize>j * st) * 64;
        const v = v128.load(row), w = v128.load(row, 16), x = v128.load(row, 32), y = v128.load(row, 48);
        a0 = i16x8.add(a0, i16x8.extend_low_i8x16_u(v));
        a1 = i16x8.add(a1, i16x8.extend_high_i8x16_u(v));
        a2 = i16x8.add(a2, i16x8.extend_low_i8x16_u(w));
        a3 = i16x8.add(a3, i16x8.extend_high_i8x16_u(w));
        a4 = i16x8.add(a4, i16x8.extend_low_i8x16_u(x));
        a5 = i16x8.add(a5, i16x8.extend_high_i8x16_u(x));
        a6 = i16x8.add(a6, i16x8.extend_low_i8x16_u(y));
        a7 = i16x8.add(a7, i16x8.extend_high_i8x16_u(y));
      }
      v128.store(acc, a0);
      v128.store(acc, a1, 16);
      v128.store(acc, a2, 32);
      v128.store(acc, a3, 48);
      v128.store(acc, a4, 64);
      v128.store(acc, a5, 80);
      v128.store(acc, a6, 96);
      v128.store(acc, a7, 112);
      return;
    }
  }
  for (let r: usize = 0; r < stride; r++) store<u16>(acc + (r << 1), 0);
  for (let j: u32 = 0; j < k; j++) {
    const row = lt + <usize>load<i32>(idx + <usize>j * st) * stride;
    for (let r: u32 = 0; r < R; r++) {
      const a = acc + (<usize>r << 1);
      store<u16>(a, load<u16>(a) + <u16>load<u8>(row + r));
    }
  }
}

/** Bytes of workspace scale_runs, ismi_runs and cmi_runs need for (R, N, m): the stream context,
 *  i32 [2m] indices, u32 [m] swap positions, u16 [stride] x 2 counters, i32 [R] x 2 candidates,
 *  i32 [m] x 3 differing pairs, u32 [ceil(m/32)] selector words, i32 [N] permutation scratch. */
export function scale_work_bytes(R: u32, N: u32, m: u32): usize {
  const stride = <usize>select_row_stride(R);
  return CTX_BYTES + align16(<usize>m << 3) + align16(<usize>m << 2) + 2 * align16(stride << 1) +
    2 * align16(<usize>R << 2) + 3 * align16(<usize>m << 2) + align16(<usize>((m + 31) >> 5) << 2) + align16(<usize>N << 2);
}

// Workspace offsets (see scale_work_bytes).
// @ts-ignore: decorator
@inline function off_idx(): usize { return CTX_BYTES; }
// @ts-ignore: decorator
@inline function off_swaps(m: u32): usize { return off_idx() + align16(<usize>m << 3); }
// @ts-ignore: decorator
@inline function off_acc(m: u32): usize { return off_swaps(m) + align16(<usize>m << 2); }
// @ts-ignore: decorator
@inline function off_base(m: u32, stride: usize): usize { return off_acc(m) + align16(stride << 1); }
// @ts-ignore: decorator
@inline function off_cand(m: u32, stride: usize): usize { return off_base(m, stride) + align16(stride << 1); }
// @ts-ignore: decorator
@inline function off_pairs(m: u32, stride: usize, R: u32): usize { return off_cand(m, stride) + 2 * align16(<usize>R << 2); }
// @ts-ignore: decorator
@inline function off_words(m: u32, stride: usize, R: u32): usize { return off_pairs(m, stride, R) + 3 * align16(<usize>m << 2); }
// @ts-ignore: decorator
@inline function off_scratch(m: u32, stride: usize, R: u32): usize { return off_words(m, stride, R) + align16(<usize>((m + 31) >> 5) << 2); }

/**
 * The protocol's samples first .. first + M - 1 (the samples of select_samples, see the header),
 * summarized per run k (sample i = first + k), all i32 [M]:
 *   rstar[k] = r*(S_i) (eq. 10, smallest index of the least count), nmin[k] = the experts tied at
 *   the least count (1 = no tie), cmin[k] = m R_hat_{S_i}(W_{r*}) (the least count),
 *   cv[k] = m R_hat_{S_i}(W_{v[k]}) (the count of expert v[k], i32 [M] input in 0..R-1: the W
 *   draw's uniform expert from select_draws), csum[k] = the sum over r of m R_hat_{S_i}(W_r).
 * lt = the transposed training losses (select_transpose); replace = 0: m distinct items
 * (rng_sample), 1: m i.i.d. items (rng_bootstrap); work = scale_work_bytes(R, N, m) bytes.
 */
export function scale_runs(
  lt: usize, R: u32, N: u32, M: u32, m: u32, replace: u32, seedLo: u32, seedHi: u32, first: u32,
  v: usize, rstar: usize, nmin: usize, cmin: usize, cv: usize, csum: usize, work: usize,
): void {
  assert(R >= 1 && N >= 1, "scale_runs: empty loss matrix");
  assert(m >= 1 && m <= 65535, "scale_runs: m must be in [1, 65535]");
  assert(replace != 0 || m <= N, "scale_runs: m > N without replacement");
  const stride = <usize>select_row_stride(R);
  const ctx = work, idx = work + off_idx(), swaps = work + off_swaps(m), acc = work + off_acc(m);
  const scratch = work + off_scratch(m, stride, R);
  if (replace == 0) for (let n: u32 = 0; n < N; n++) store<i32>(scratch + (<usize>n << 2), <i32>n);
  for (let k: u32 = 0; k < M; k++) {
    ctx_init(ctx, seedLo, seedHi, PURPOSE_SAMPLE, first + k);
    if (replace == 0) draw_distinct(ctx, idx, m, N, scratch, swaps);
    else draw_iid(ctx, idx, m, N);
    acc_rows(lt, R, stride, idx, m, 1, acc);
    let best: u32 = 0xffffffff, arg: u32 = 0, ties: u32 = 0, sum: u32 = 0;
    for (let r: u32 = 0; r < R; r++) {
      const c = <u32>load<u16>(acc + (<usize>r << 1));
      sum += c;
      if (c < best) { best = c; arg = r; ties = 1; } else if (c == best) ties++;
    }
    const o = <usize>k << 2;
    const vk = <u32>load<i32>(v + o);
    assert(vk < R, "scale_runs: v out of range");
    store<i32>(rstar + o, <i32>arg);
    store<i32>(nmin + o, <i32>ties);
    store<i32>(cmin + o, <i32>best);
    store<i32>(cv + o, <i32>load<u16>(acc + (<usize>vk << 1)));
    store<i32>(csum + o, <i32>sum);
  }
}

/**
 * Runs first .. first + M - 1 of the individual-sample estimator (see the header): run i draws
 * the m - 1 other items i.i.d. from the pool on the stream (seed, 7, i), with counts c'; with
 * r0 = the smallest index of min c', D[r0] += 1 (i32 [R]); and for each pattern j in E_{r0}
 * (eidx[eoff[r0] .. eoff[r0 + 1]), the distinct patterns with p_j(r0) = 1), with
 * r = r*(c' + p_j) (smallest index of the least count): if r != r0, delta[j R + r0] -= 1 and
 * delta[j R + r] += 1 (i32 [K, R]). D and delta accumulate (the caller zeroes them). Then
 * #{runs: r*(c' + p_j) = r} = D[r] + delta[j R + r] for every pattern j. pat: u8 [K, R].
 */
export function ismi_runs(
  lt: usize, R: u32, N: u32, m: u32, pat: usize, K: u32, eoff: usize, eidx: usize,
  M: u32, seedLo: u32, seedHi: u32, first: u32, D: usize, delta: usize, work: usize,
): void {
  assert(R >= 1 && N >= 1, "ismi_runs: empty loss matrix");
  assert(m >= 1 && m <= 65535, "ismi_runs: m must be in [1, 65535]");
  const stride = <usize>select_row_stride(R);
  const ctx = work, idx = work + off_idx(), acc = work + off_acc(m);
  const cand = work + off_cand(m, stride), cval = cand + align16(<usize>R << 2);
  for (let k: u32 = 0; k < M; k++) {
    ctx_init(ctx, seedLo, seedHi, PURPOSE_ISMI, first + k);
    draw_iid(ctx, idx, m - 1, N);
    acc_rows(lt, R, stride, idx, m - 1, 1, acc);
    let mu: u32 = 0xffffffff, r0: u32 = 0;
    for (let r: u32 = 0; r < R; r++) {
      const c = <u32>load<u16>(acc + (<usize>r << 1));
      if (c < mu) { mu = c; r0 = r; }
    }
    let nc: u32 = 0;
    for (let r: u32 = 0; r < R; r++) {
      const c = <u32>load<u16>(acc + (<usize>r << 1));
      if (c <= mu + 1) {
        store<u32>(cand + (<usize>nc << 2), r);
        store<u32>(cval + (<usize>nc << 2), c);
        nc++;
      }
    }
    const pd = D + (<usize>r0 << 2);
    store<i32>(pd, load<i32>(pd) + 1);
    const e1 = load<i32>(eoff + (<usize>(r0 + 1) << 2));
    for (let e = load<i32>(eoff + (<usize>r0 << 2)); e < e1; e++) {
      const j = <usize>load<i32>(eidx + (<usize>e << 2));
      const prow = pat + j * <usize>R;
      let bv: u32 = 0xffffffff, best: u32 = 0;
      for (let t: u32 = 0; t < nc; t++) {
        const r = load<u32>(cand + (<usize>t << 2));
        const val = load<u32>(cval + (<usize>t << 2)) + <u32>load<u8>(prow + r);
        if (val < bv) { bv = val; best = r; }
      }
      if (best != r0) {
        const row = delta + ((j * <usize>R) << 2);
        store<i32>(row + (<usize>r0 << 2), load<i32>(row + (<usize>r0 << 2)) - 1);
        store<i32>(row + (<usize>best << 2), load<i32>(row + (<usize>best << 2)) + 1);
      }
    }
  }
}

/**
 * Supersamples firstZ .. firstZ + nZ - 1 of the conditional-MI estimator (see the header):
 * hist[z R + r] += #{U among the nU selectors of supersample z : r*(Z~_U) = r} (i32 [nZ, R]; the
 * caller zeroes it). Requires m <= 32767 (the counts and their updates are 16-bit).
 */
export function cmi_runs(
  lt: usize, R: u32, N: u32, m: u32, nZ: u32, nU: u32, seedLo: u32, seedHi: u32, firstZ: u32,
  hist: usize, work: usize,
): void {
  assert(R >= 1 && N >= 1, "cmi_runs: empty loss matrix");
  assert(m >= 1 && m <= 32767, "cmi_runs: m must be in [1, 32767]");
  const stride = <usize>select_row_stride(R);
  const ctx = work, idx = work + off_idx(), acc = work + off_acc(m), base = work + off_base(m, stride);
  const pairs = work + off_pairs(m, stride, R);
  const pj = pairs, p0 = pairs + align16(<usize>m << 2), p1 = p0 + align16(<usize>m << 2);
  const words = work + off_words(m, stride, R);
  const nw = (m + 31) >> 5;
  for (let z: u32 = 0; z < nZ; z++) {
    ctx_init(ctx, seedLo, seedHi, PURPOSE_SUPERSAMPLE, firstZ + z);
    draw_iid(ctx, idx, 2 * m, N);
    // base = the counts of the all-zero selector (Z~_{j,0} for every j).
    acc_rows(lt, R, stride, idx, m, 2, base);
    // The pairs whose two loss patterns differ.
    let nd: u32 = 0;
    for (let j: u32 = 0; j < m; j++) {
      const i0 = load<i32>(idx + (<usize>j << 3)), i1 = load<i32>(idx + (<usize>j << 3) + 4);
      const r0 = lt + <usize>i0 * stride, r1 = lt + <usize>i1 * stride;
      let same = true;
      for (let r: u32 = 0; r < R; r++) {
        if (load<u8>(r0 + r) != load<u8>(r1 + r)) { same = false; break; }
      }
      if (!same) {
        store<u32>(pj + (<usize>nd << 2), j);
        store<i32>(p0 + (<usize>nd << 2), i0);
        store<i32>(p1 + (<usize>nd << 2), i1);
        nd++;
      }
    }
    const hz = hist + ((<usize>z * <usize>R) << 2);
    for (let u: u32 = 0; u < nU; u++) {
      draw_words(ctx, words, nw);
      if (ASC_FEATURE_SIMD && stride == 32) {
        let a0 = v128.load(base), a1 = v128.load(base, 16), a2 = v128.load(base, 32), a3 = v128.load(base, 48);
        for (let t: u32 = 0; t < nd; t++) {
          const j = load<u32>(pj + (<usize>t << 2));
          if (((load<u32>(words + (<usize>(j >> 5) << 2)) >>> (j & 31)) & 1) == 0) continue;
          const r1 = lt + <usize>load<i32>(p1 + (<usize>t << 2)) * 32, r0 = lt + <usize>load<i32>(p0 + (<usize>t << 2)) * 32;
          const x1 = v128.load(r1), y1 = v128.load(r1, 16), x0 = v128.load(r0), y0 = v128.load(r0, 16);
          a0 = i16x8.sub(i16x8.add(a0, i16x8.extend_low_i8x16_u(x1)), i16x8.extend_low_i8x16_u(x0));
          a1 = i16x8.sub(i16x8.add(a1, i16x8.extend_high_i8x16_u(x1)), i16x8.extend_high_i8x16_u(x0));
          a2 = i16x8.sub(i16x8.add(a2, i16x8.extend_low_i8x16_u(y1)), i16x8.extend_low_i8x16_u(y0));
          a3 = i16x8.sub(i16x8.add(a3, i16x8.extend_high_i8x16_u(y1)), i16x8.extend_high_i8x16_u(y0));
        }
        v128.store(acc, a0);
        v128.store(acc, a1, 16);
        v128.store(acc, a2, 32);
        v128.store(acc, a3, 48);
      } else {
        for (let r: u32 = 0; r < R; r++) store<u16>(acc + (<usize>r << 1), load<u16>(base + (<usize>r << 1)));
        for (let t: u32 = 0; t < nd; t++) {
          const j = load<u32>(pj + (<usize>t << 2));
          if (((load<u32>(words + (<usize>(j >> 5) << 2)) >>> (j & 31)) & 1) == 0) continue;
          const r1 = lt + <usize>load<i32>(p1 + (<usize>t << 2)) * stride, r0 = lt + <usize>load<i32>(p0 + (<usize>t << 2)) * stride;
          for (let r: u32 = 0; r < R; r++) {
            const a = acc + (<usize>r << 1);
            store<u16>(a, <u16>(<i32>load<u16>(a) + <i32>load<u8>(r1 + r) - <i32>load<u8>(r0 + r)));
          }
        }
      }
      let best: u32 = 0xffffffff, arg: u32 = 0;
      for (let r: u32 = 0; r < R; r++) {
        const c = <u32>load<u16>(acc + (<usize>r << 1));
        if (c < best) { best = c; arg = r; }
      }
      const h = hz + (<usize>arg << 2);
      store<i32>(h, load<i32>(h) + 1);
    }
  }
}
