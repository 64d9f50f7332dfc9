import { madd } from "./gemm";

// The machine's SIMD ceiling as this build sees it: 12 independent f32x4 chains acc = acc*m + c
// (a mul and an add per lane, 8 flops per chain step; in the relaxed build one relaxed_madd,
// which V8 fuses on x64: that build's own ceiling), registers only. Returns a value derived
// from every chain so nothing is optimised away. flops = 12 * 8 * iters.
export function peak_f32x4(iters: i32): f32 {
  if (ASC_FEATURE_SIMD) {
    const m = f32x4.splat(0.9999), c = f32x4.splat(0.0001);
    let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4);
    let a4 = f32x4.splat(5), a5 = f32x4.splat(6), a6 = f32x4.splat(7), a7 = f32x4.splat(8);
    let a8 = f32x4.splat(9), a9 = f32x4.splat(10), a10 = f32x4.splat(11), a11 = f32x4.splat(12);
    for (let i = 0; i < iters; i++) {
      a0 = madd(a0, m, c); a1 = madd(a1, m, c);
      a2 = madd(a2, m, c); a3 = madd(a3, m, c);
      a4 = madd(a4, m, c); a5 = madd(a5, m, c);
      a6 = madd(a6, m, c); a7 = madd(a7, m, c);
      a8 = madd(a8, m, c); a9 = madd(a9, m, c);
      a10 = madd(a10, m, c); a11 = madd(a11, m, c);
    }
    const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
    const t = f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
    return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 3);
  } else {
    // scalar build: 12 scalar chains, 2 flops per step (flops = 12 * 2 * iters)
    let a0: f32 = 1, a1: f32 = 2, a2: f32 = 3, a3: f32 = 4, a4: f32 = 5, a5: f32 = 6;
    let a6: f32 = 7, a7: f32 = 8, a8: f32 = 9, a9: f32 = 10, a10: f32 = 11, a11: f32 = 12;
    const m: f32 = 0.9999, c: f32 = 0.0001;
    for (let i = 0; i < iters; i++) {
      a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c; a4 = a4 * m + c; a5 = a5 * m + c;
      a6 = a6 * m + c; a7 = a7 * m + c; a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;
    }
    return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
  }
}

/** Flops per iteration of peak_f32x4 in this build. */
export function peak_flops_per_iter(): i32 {
  return ASC_FEATURE_SIMD ? 96 : 24;
}
