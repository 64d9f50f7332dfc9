// e^x - 1 in f64 and f32, in musl's operation order (musl src/math/expm1.c, expm1f.c; the
// algorithm is Sun's fdlibm s_expm1.c via FreeBSD, see its notice below).
//
// Why this file exists: AssemblyScript 0.28.20's NativeMath.expm1 / NativeMathf.expm1 port musl
// but reorder the final reconstruction for 2 <= k <= 56 (x in ~[1.04, 38.9]). With
// r = reduced x, e = correction and 2^k the scale, musl computes
//   (r - e + (1 - 2^-k)) * 2^k            for k < 20 (f32: k < 23),
//   (r - (e + 2^-k) + 1) * 2^k            otherwise,
// while AssemblyScript computes (r + ((1 - 2^-k) - e)) * 2^k, resp. (r + (1 - (e + 2^-k))) * 2^k,
// which rounds a value near 1 (at the quantum of 1) before r is added; for f32 it also switches
// formulas at k < 20 instead of k < 23. It also evaluates the f64 rational approximation in an
// Estrin-like order instead of musl's Horner form. Measured against the exact BigInt reference
// (test/support/exact-math.ts), AssemblyScript's versions reach 2 ulp from the correctly rounded
// result: f64 expm1 1.574 ulp true error (1.5M random x in [0.34, 38.94]; 1.571 at
// x = 37.110406615408145), f32 expm1f 1.582 ulp (exhaustive over all floats; 25216 of them 2 ulp
// off; worst x = 0x4179b5a3 = 15.606844902038574). This file, in musl's order: f64 0.773 ulp on
// the same 1.5M arguments (35.8% -> 9.8% not correctly rounded), f32 0.813 ulp exhaustive over
// all floats (0.771 for 2 <= k <= 56); every result within 1 ulp of the correctly rounded one,
// as fdlibm's error analysis states. Those four worst arguments are now correctly rounded.
//
// One deliberate difference from musl: expm1f's overflow test. musl returns +Infinity for every
// x > o_threshold = 0x42b17180 (88.7216797), which also catches the 151 floats up to 0x42b17217
// whose result is finite (ln FLT_MAX = 88.7228391); FreeBSD only applies that test when
// |x| >= 0x42b17218. Here, as in FreeBSD and AssemblyScript, the overflow starts at 0x42b17218.
//
// ====================================================
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//
// Developed at SunPro, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice
// is preserved.
// ====================================================
//
// Method (both formats): x = k ln2 + r, |r| <= ln2 / 2, with r = hi - lo carried with a
// correction c = (hi - r) - lo. On [-ln2/2, ln2/2], expm1(r) = r + r^2/2 + r^3 R(r^2/2) / ...,
// written as r - (r e - r^2/2) with e from a rational approximation (a polynomial r1 in
// hxs = r^2/2 of degree 5 in f64, 2 in f32). Then expm1(x) = 2^k (expm1(r) + 1) - 1, assembled by
// cases of k so that no step cancels badly.

const ln2_hi = reinterpret<f64>(0x3FE62E42FEE00000); // 6.93147180369123816490e-01
const ln2_lo = reinterpret<f64>(0x3DEA39EF35793C76); // 1.90821492927058770002e-10
const invln2 = reinterpret<f64>(0x3FF71547652B82FE); // 1.44269504088896338700e+00
const o_threshold = reinterpret<f64>(0x40862E42FEFA39EF); // 7.09782712893383973096e+02 = ln DBL_MAX
const Q1 = reinterpret<f64>(0xBFA11111111110F4); // -3.33333333333331316428e-02
const Q2 = reinterpret<f64>(0x3F5A01A019FE5585); //  1.58730158725481460165e-03
const Q3 = reinterpret<f64>(0xBF14CE199EAADBB7); // -7.93650757867487942473e-05
const Q4 = reinterpret<f64>(0x3ED0CFCA86E65239); //  4.00821782732936239552e-06
const Q5 = reinterpret<f64>(0xBE8AFDB76E09C32D); // -2.01099218183624371326e-07
const P1023 = reinterpret<f64>(0x7FE0000000000000); // 2^1023

/** e^x - 1 (f64), musl's expm1 step for step. */
export function expm1(x: f64): f64 {
  const u = reinterpret<u64>(x);
  const hx = <u32>(u >> 32) & 0x7FFFFFFF;
  const neg = (u >> 63) != 0;
  let k: i32;
  let c: f64 = 0.0;

  // |x| >= 56 ln2: NaN, saturation at -1, overflow.
  if (hx >= 0x4043687A) {
    if (isNaN(x)) return x;
    if (neg) return -1.0;
    if (x > o_threshold) return x * P1023;
  }

  // Reduction: x = k ln2 + r.
  if (hx > 0x3FD62E42) { // |x| > ln2 / 2
    let hi: f64, lo: f64;
    if (hx < 0x3FF0A2B2) { // |x| < 3 ln2 / 2: k = +-1
      if (!neg) { hi = x - ln2_hi; lo = ln2_lo; k = 1; }
      else { hi = x + ln2_hi; lo = -ln2_lo; k = -1; }
    } else {
      k = <i32>(invln2 * x + (neg ? -0.5 : 0.5)); // truncation, as C's conversion
      const t = <f64>k;
      hi = x - t * ln2_hi; // t ln2_hi is exact here
      lo = t * ln2_lo;
    }
    x = hi - lo;
    c = (hi - x) - lo;
  } else if (hx < 0x3C900000) { // |x| < 2^-54: x itself (also keeps -0 and subnormals)
    return x;
  } else {
    k = 0;
  }

  // The rational approximation on the reduced range (Horner, as musl).
  const hfx = 0.5 * x;
  const hxs = x * hfx;
  const r1 = 1.0 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
  const t = 3.0 - r1 * hfx;
  let e = hxs * ((r1 - t) / (6.0 - x * t));
  if (k == 0) return x - (x * e - hxs); // c is 0
  e = x * (e - c) - c;
  e -= hxs;

  // Reconstruction: e^x ~ 2^k (r - e + 1).
  if (k == -1) return 0.5 * (x - e) - 0.5;
  if (k == 1) {
    if (x < -0.25) return -2.0 * (e - (x + 0.5));
    return 1.0 + 2.0 * (x - e);
  }
  const twopk = reinterpret<f64>(<u64>(0x3FF + k) << 52); // 2^k (unused when k == 1024)
  if (k < 0 || k > 56) { // 2^k (r - e + 1) - 1 directly: no harmful cancellation for these k
    let y = x - e + 1.0;
    if (k == 1024) y = y * 2.0 * P1023;
    else y = y * twopk;
    return y - 1.0;
  }
  const twomk = reinterpret<f64>(<u64>(0x3FF - k) << 52); // 2^-k
  if (k < 20) return (x - e + (1.0 - twomk)) * twopk;
  return (x - (e + twomk) + 1.0) * twopk;
}

const ln2_hif = reinterpret<f32>(0x3F317180); // 6.9313812256e-01
const ln2_lof = reinterpret<f32>(0x3717F7D1); // 9.0580006145e-06
const invln2f = reinterpret<f32>(0x3FB8AA3B); // 1.4426950216e+00
const Q1f = reinterpret<f32>(0xBD088868); // -3.3333212137e-02
const Q2f = reinterpret<f32>(0x3ACF3010); //  1.5807170421e-03
const P127f = reinterpret<f32>(0x7F000000); // 2^127

/** e^x - 1 (f32), musl's expm1f step for step (overflow threshold: see the header). */
export function expm1f(x: f32): f32 {
  const u = reinterpret<u32>(x);
  const hx = u & 0x7FFFFFFF;
  const neg = (u >> 31) != 0;
  let k: i32;
  let c: f32 = 0.0;

  // |x| >= 27 ln2: NaN, saturation at -1, overflow.
  if (hx >= 0x4195B844) {
    if (hx > 0x7F800000) return x; // NaN
    if (neg) return -1.0;
    if (hx > 0x42B17217) return x * P127f; // x > ln FLT_MAX (and +Infinity)
  }

  // Reduction: x = k ln2 + r.
  if (hx > 0x3EB17218) { // |x| > ln2 / 2
    let hi: f32, lo: f32;
    if (hx < 0x3F851592) { // |x| < 3 ln2 / 2: k = +-1
      if (!neg) { hi = x - ln2_hif; lo = ln2_lof; k = 1; }
      else { hi = x + ln2_hif; lo = -ln2_lof; k = -1; }
    } else {
      k = <i32>(invln2f * x + (neg ? <f32>-0.5 : <f32>0.5));
      const t = <f32>k;
      hi = x - t * ln2_hif;
      lo = t * ln2_lof;
    }
    x = hi - lo;
    c = (hi - x) - lo;
  } else if (hx < 0x33000000) { // |x| < 2^-25: x itself
    return x;
  } else {
    k = 0;
  }

  const hfx: f32 = <f32>0.5 * x;
  const hxs: f32 = x * hfx;
  const r1: f32 = <f32>1.0 + hxs * (Q1f + hxs * Q2f);
  const t: f32 = <f32>3.0 - r1 * hfx;
  let e: f32 = hxs * ((r1 - t) / (<f32>6.0 - x * t));
  if (k == 0) return x - (x * e - hxs);
  e = x * (e - c) - c;
  e -= hxs;

  if (k == -1) return <f32>0.5 * (x - e) - <f32>0.5;
  if (k == 1) {
    if (x < <f32>-0.25) return <f32>-2.0 * (e - (x + <f32>0.5));
    return <f32>1.0 + <f32>2.0 * (x - e);
  }
  const twopk = reinterpret<f32>(<u32>(0x7F + k) << 23); // 2^k (unused when k == 128)
  if (k < 0 || k > 56) {
    let y: f32 = x - e + <f32>1.0;
    if (k == 128) y = y * <f32>2.0 * P127f;
    else y = y * twopk;
    return y - <f32>1.0;
  }
  const twomk = reinterpret<f32>(<u32>(0x7F - k) << 23); // 2^-k
  if (k < 23) return (x - e + (<f32>1.0 - twomk)) * twopk;
  return (x - (e + twomk) + <f32>1.0) * twopk;
}
