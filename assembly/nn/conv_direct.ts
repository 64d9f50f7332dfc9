// The first convolution as a direct kernel with its whole output stage: conv (k x k, 'same',
// stride 1) + bias -> ReLU -> 2x2 max-pool, written straight into the zero-bordered input of the
// next convolution. A first layer has a small window (K = C*k*k: 9 for MNIST, 27 for colour
// 3x3), the worst shape for im2col + GEMM (the col buffer is K floats per pixel and each tile's
// work is tiny beside its overhead); here each 2x2 pool cell of output pixels is computed for 8
// channels at once in registers (8 f32x4 accumulators), ReLU'd and pooled there, and only the
// pooled values (a quarter of the conv output) are stored.
//
// Bits: each conv output is the chain bias[co] -> + x*w over k = (kh, kw, c) ascending (an f32
// multiply, then an f32 add), exactly conv2d_forward's (im2col + gemm from a bias-filled C);
// ReLU is relu_forward's (v > 0 ? v : +0) and the pool maxpool2_forward's (scan order (0,0),
// (0,1), (1,0), (1,1), a later value wins only if strictly greater or NaN, argmax as u8 0..3).
// So the result equals conv2d_forward -> relu_forward -> maxpool2_forward_padded bit for bit.
// Output pixels that the floor pool drops (odd H or W) are not computed: nothing reads them.
import { madd } from "./gemm";

// @ts-ignore: decorator
@inline function relu4(v: v128): v128 {
  return v128.and(v, f32x4.gt(v, f32x4.splat(0)));
}

/** xpad [B, H+KH-1, W+KW-1, C] (the input with its 'same' zero border); wp [KH*KW*C, Co]
 *  (conv_weight_pack's layout); bias [Co]. Writes y [B, H/2 + 2ypad, W/2 + 2ypad, Co]: the pooled
 *  ReLU'd convolution in the interior, zeros on the border (the padding the next conv reads), and
 *  arg [B, H/2, W/2, Co] u8 (which of the 4 won) if arg != 0. */
export function conv_relu_pool2_direct(
  xpad: usize, B: i32, H: i32, W: i32, C: i32, wp: usize, bias: usize, Co: i32, KH: i32, KW: i32,
  y: usize, ypad: i32, arg: usize,
): void {
  const Ho = H >> 1, Wo = W >> 1, Hy = Ho + 2 * ypad, Wy = Wo + 2 * ypad;
  const Hp = H + KH - 1, Wp = W + KW - 1;
  const run = KW * C;
  const cell = <usize>C << 2, xrow = <usize>(Wp * C) << 2;
  const yrowBytes = <usize>(Wy * Co) << 2, ycell = <usize>Co << 2;
  const wrow = <usize>Co << 2; // bytes between consecutive k rows of wp
  const full = ASC_FEATURE_SIMD ? Co - Co % 8 : 0;
  for (let b = 0; b < B; b++) {
    const yb = y + <usize>(b * Hy) * yrowBytes;
    for (let h = 0; h < ypad; h++) {
      memory.fill(yb + <usize>h * yrowBytes, 0, yrowBytes);
      memory.fill(yb + <usize>(Hy - 1 - h) * yrowBytes, 0, yrowBytes);
    }
    const xb = xpad + <usize>(b * Hp) * xrow;
    for (let ho = 0; ho < Ho; ho++) {
      const yrow = yb + <usize>(ho + ypad) * yrowBytes;
      for (let q = 0; q < ypad; q++) {
        memory.fill(yrow + <usize>q * ycell, 0, ycell);
        memory.fill(yrow + <usize>(Wy - 1 - q) * ycell, 0, ycell);
      }
      for (let wo = 0; wo < Wo; wo++) {
        // top-left of the window of each of the 4 output pixels (2ho + dh, 2wo + dw)
        const p00 = xb + <usize>(2 * ho) * xrow + <usize>(2 * wo) * cell;
        const p01 = p00 + cell, p10 = p00 + xrow, p11 = p10 + cell;
        const out = yrow + <usize>(wo + ypad) * ycell;
        const ao = arg + <usize>(((b * Ho + ho) * Wo + wo) * Co);
        let co = 0;
        if (ASC_FEATURE_SIMD) {
          for (; co < full; co += 8) {
            const bv0 = v128.load(bias + (<usize>co << 2)), bv1 = v128.load(bias + (<usize>co << 2), 16);
            let s00 = bv0, t00 = bv1, s01 = bv0, t01 = bv1, s10 = bv0, t10 = bv1, s11 = bv0, t11 = bv1;
            let wk = wp + (<usize>co << 2);
            for (let kh = 0; kh < KH; kh++) {
              const o = <usize>kh * xrow;
              for (let t = 0; t < run; t++) {
                const w0 = v128.load(wk), w1 = v128.load(wk, 16);
                const ot = o + (<usize>t << 2);
                let x = v128.load32_splat(p00 + ot);
                s00 = madd(x, w0, s00); t00 = madd(x, w1, t00);
                x = v128.load32_splat(p01 + ot);
                s01 = madd(x, w0, s01); t01 = madd(x, w1, t01);
                x = v128.load32_splat(p10 + ot);
                s10 = madd(x, w0, s10); t10 = madd(x, w1, t10);
                x = v128.load32_splat(p11 + ot);
                s11 = madd(x, w0, s11); t11 = madd(x, w1, t11);
                wk += wrow;
              }
            }
            // ReLU, then the pool in scan order (the ReLU'd values are never NaN)
            let m0 = relu4(s00), m1 = relu4(t00);
            let a0 = i32x4.splat(0), a1 = i32x4.splat(0);
            let v0 = relu4(s01), v1 = relu4(t01);
            let k0 = f32x4.gt(v0, m0), k1 = f32x4.gt(v1, m1);
            m0 = v128.bitselect(v0, m0, k0); m1 = v128.bitselect(v1, m1, k1);
            a0 = v128.bitselect(i32x4.splat(1), a0, k0); a1 = v128.bitselect(i32x4.splat(1), a1, k1);
            v0 = relu4(s10); v1 = relu4(t10);
            k0 = f32x4.gt(v0, m0); k1 = f32x4.gt(v1, m1);
            m0 = v128.bitselect(v0, m0, k0); m1 = v128.bitselect(v1, m1, k1);
            a0 = v128.bitselect(i32x4.splat(2), a0, k0); a1 = v128.bitselect(i32x4.splat(2), a1, k1);
            v0 = relu4(s11); v1 = relu4(t11);
            k0 = f32x4.gt(v0, m0); k1 = f32x4.gt(v1, m1);
            m0 = v128.bitselect(v0, m0, k0); m1 = v128.bitselect(v1, m1, k1);
            a0 = v128.bitselect(i32x4.splat(3), a0, k0); a1 = v128.bitselect(i32x4.splat(3), a1, k1);
            v128.store(out + (<usize>co << 2), m0);
            v128.store(out + (<usize>co << 2), m1, 16);
            if (arg != 0) {
              const a16 = i16x8.narrow_i32x4_u(a0, a1);
              v128.store64_lane(ao + <usize>co, i8x16.narrow_i16x8_u(a16, a16), 0);
            }
          }
        }
        // the scalar build, and channels past the last whole 8
        for (; co < Co; co++) {
          const bc = load<f32>(bias + (<usize>co << 2));
          let s00 = bc, s01 = bc, s10 = bc, s11 = bc;
          let wk = wp + (<usize>co << 2);
          for (let kh = 0; kh < KH; kh++) {
            const o = <usize>kh * xrow;
            for (let t = 0; t < run; t++) {
              const wv = load<f32>(wk), ot = o + (<usize>t << 2);
              s00 = s00 + load<f32>(p00 + ot) * wv;
              s01 = s01 + load<f32>(p01 + ot) * wv;
              s10 = s10 + load<f32>(p10 + ot) * wv;
              s11 = s11 + load<f32>(p11 + ot) * wv;
              wk += wrow;
            }
          }
          let m: f32 = s00 > 0 ? s00 : 0, a: u8 = 0;
          let v: f32 = s01 > 0 ? s01 : 0;
          if (v > m) { m = v; a = 1; }
          v = s10 > 0 ? s10 : 0;
          if (v > m) { m = v; a = 2; }
          v = s11 > 0 ? s11 : 0;
          if (v > m) { m = v; a = 3; }
          store<f32>(out + (<usize>co << 2), m);
          if (arg != 0) store<u8>(ao + <usize>co, a);
        }
      }
    }
  }
}
