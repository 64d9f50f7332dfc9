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

// The tap-offset table of conv_relu_pool2_direct (u32 per tap), grown on demand.
let tapBuf: usize = 0, tapCap = 0;
function tapTable(n: i32): usize {
  if (n > tapCap) {
    if (tapBuf != 0) heap.free(tapBuf);
    tapBuf = heap.alloc(<usize>n << 2);
    tapCap = n;
  }
  return tapBuf;
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
  // for each window tap k = (kh, kw, c) in order, the byte offset of its input from the window's
  // top-left input; the 4 output pixels of a pool cell, (0, 0), (0, 1), (1, 0), (1, 1), read it
  // at that offset from p00 plus 0, cell, xrow and xrow + cell
  const taps = tapTable(KH * run), tapEnd = taps + (<usize>(KH * run) << 2);
  for (let kh = 0; kh < KH; kh++) for (let t = 0; t < run; t++) {
    store<u32>(taps + (<usize>(kh * run + t) << 2), <u32>(<usize>kh * xrow + (<usize>t << 2)));
  }
  const xrc = xrow + cell;
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
            // one loop over the K window taps in (kh, kw, c) order, each tap's offset from the table
            let wk = wp + (<usize>co << 2);
            for (let q = taps; q < tapEnd; q += 4) {
              const w0 = v128.load(wk), w1 = v128.load(wk, 16);
              const px = p00 + <usize>load<u32>(q);
              let x = v128.load32_splat(px);
              s00 = madd(x, w0, s00); t00 = madd(x, w1, t00);
              x = v128.load32_splat(px + cell);
              s01 = madd(x, w0, s01); t01 = madd(x, w1, t01);
              x = v128.load32_splat(px + xrow);
              s10 = madd(x, w0, s10); t10 = madd(x, w1, t10);
              x = v128.load32_splat(px + xrc);
              s11 = madd(x, w0, s11); t11 = madd(x, w1, t11);
              wk += wrow;
            }
            // ReLU, then the pool in scan order (the ReLU'd values are never NaN): a later value
            // wins only if strictly greater, which is pmax(m, v) = m < v ? v : m (one vmaxps)
            let m0 = relu4(s00), m1 = relu4(t00);
            if (arg == 0) {
              m0 = f32x4.pmax(m0, relu4(s01)); m1 = f32x4.pmax(m1, relu4(t01));
              m0 = f32x4.pmax(m0, relu4(s10)); m1 = f32x4.pmax(m1, relu4(t10));
              m0 = f32x4.pmax(m0, relu4(s11)); m1 = f32x4.pmax(m1, relu4(t11));
            } else {
              let v0 = relu4(s01), v1 = relu4(t01);
              let k0 = f32x4.gt(v0, m0), k1 = f32x4.gt(v1, m1);
              m0 = f32x4.pmax(m0, v0); m1 = f32x4.pmax(m1, v1);
              let a0 = v128.and(k0, i32x4.splat(1)), a1 = v128.and(k1, i32x4.splat(1));
              v0 = relu4(s10); v1 = relu4(t10);
              k0 = f32x4.gt(v0, m0); k1 = f32x4.gt(v1, m1);
              m0 = f32x4.pmax(m0, v0); m1 = f32x4.pmax(m1, v1);
              a0 = v128.bitselect(i32x4.splat(2), a0, k0); a1 = v128.bitselect(i32x4.splat(2), a1, k1);
              v0 = relu4(s11); v1 = relu4(t11);
              k0 = f32x4.gt(v0, m0); k1 = f32x4.gt(v1, m1);
              m0 = f32x4.pmax(m0, v0); m1 = f32x4.pmax(m1, v1);
              a0 = v128.bitselect(i32x4.splat(3), a0, k0); a1 = v128.bitselect(i32x4.splat(3), a1, k1);
              const a16 = i16x8.narrow_i32x4_u(a0, a1);
              v128.store64_lane(ao + <usize>co, i8x16.narrow_i16x8_u(a16, a16), 0);
            }
            v128.store(out + (<usize>co << 2), m0);
            v128.store(out + (<usize>co << 2), m1, 16);
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

// One image row of the first convolution's weight gradient (SIMD128): for the n output pixels
// of the row, acc[r][j] = C[r, j] + sum over the pixels, in order, of x_r(pixel) * dy(pixel, j),
// where x_r is the input value of window tap r (a0..a4, advancing sa bytes a pixel) and dy the
// 8 output-gradient channels at bp (advancing sb bytes a pixel). C is loaded and stored (row r at
// c + r*ldc floats). The GEMM kernel's shape, with both operands read in place.
// @ts-ignore: decorator
@inline function wgrad_row_simd(n: i32, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, sa: usize, bp: usize, sb: usize, c: usize, ldc: i32): void {
  const ld = <usize>ldc << 2;
  let c00 = v128.load(c), c01 = v128.load(c, 16);
  let c10 = v128.load(c + ld), c11 = v128.load(c + ld, 16);
  let c20 = v128.load(c + 2 * ld), c21 = v128.load(c + 2 * ld, 16);
  let c30 = v128.load(c + 3 * ld), c31 = v128.load(c + 3 * ld, 16);
  let c40 = v128.load(c + 4 * ld), c41 = v128.load(c + 4 * ld, 16);
  const end = <usize>n * sa;
  for (let o: usize = 0; o < end; o += sa) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let x = v128.load32_splat(a0 + o);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(a1 + o);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(a2 + o);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(a3 + o);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    x = v128.load32_splat(a4 + o);
    c40 = madd(x, b0, c40); c41 = madd(x, b1, c41);
    bp += sb;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ld, c10); v128.store(c + ld, c11, 16);
  v128.store(c + 2 * ld, c20); v128.store(c + 2 * ld, c21, 16);
  v128.store(c + 3 * ld, c30); v128.store(c + 3 * ld, c31, 16);
  v128.store(c + 4 * ld, c40); v128.store(c + 4 * ld, c41, 16);
}

function wgrad_row(n: i32, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, sa: usize, bp: usize, sb: usize, c: usize, ldc: i32): void {
  if (ASC_FEATURE_SIMD) {
    wgrad_row_simd(n, a0, a1, a2, a3, a4, sa, bp, sb, c, ldc);
  } else {
    for (let r = 0; r < 5; r++) {
      const ar = r == 0 ? a0 : r == 1 ? a1 : r == 2 ? a2 : r == 3 ? a3 : a4;
      const crow = c + (<usize>(r * ldc) << 2);
      for (let j = 0; j < 8; j++) {
        let acc = load<f32>(crow + (<usize>j << 2));
        for (let i = 0; i < n; i++) acc = acc + load<f32>(ar + <usize>i * sa) * load<f32>(bp + <usize>i * sb + (<usize>j << 2));
        store<f32>(crow + (<usize>j << 2), acc);
      }
    }
  }
}

// Every image row of one tap group and channel panel, p ascending: one wgrad_row per row.
// @ts-ignore: decorator
@inline function wgrad_rows(xpad: usize, B: i32, H: i32, W: i32, Hp: i32, xrow: usize, o0: usize, o1: usize, o2: usize, o3: usize, o4: usize, cell: usize, dy: usize, Co: i32, jp: i32, sb: usize, c: usize, ldc: i32): void {
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const base = xpad + <usize>(b * Hp + h) * xrow;
      const bp = dy + (<usize>(((b * H + h) * W) * Co + jp) << 2);
      wgrad_row(W, base + o0, base + o1, base + o2, base + o3, base + o4, cell, bp, sb, c, ldc);
    }
  }
}

// scratch: 5 x 8 tile for a ragged group of taps
const wgTile = new StaticArray<f32>(40);

/** The weight gradient of a convolution read straight from its zero-bordered input, without
 *  im2col: dwT [KH*KW*C, Co] (k in (kh, kw, c) order, conv_weight_pack's layout) with
 *  dwT[k, co] = sum over p = (b, h, w) ascending of xpad[b, h+kh, w+kw, c] * dy[p, co], the chain
 *  from +0: the bits of conv2d_backward's gemm(K, Co, P, col, 1, K, dy, Co, 1, dwT, Co, false)
 *  (its KC blocking stores and reloads exactly), then dw[co, c, kh, kw] = dwT[k, co].
 *  xpad [B, H+KH-1, W+KW-1, C]; dy [B*H*W, Co] with Co % 8 == 0. */
export function conv_wgrad_direct(xpad: usize, B: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, dy: usize, Co: i32, dwT: usize, dw: usize): void {
  memory.fill(dwT, 0, <usize>(KH * KW * C * Co) << 2);
  conv_wgrad_direct_acc(xpad, B, H, W, C, KH, KW, dy, Co, dwT);
  conv_wgrad_unpack(dwT, C, Co, KH, KW, dw);
}

/** dw[co, c, kh, kw] = dwT[(kh*KW + kw)*C + c, co] (conv_weight_pack's layout back to PyTorch's). */
export function conv_wgrad_unpack(dwT: usize, C: i32, Co: i32, KH: i32, KW: i32, dw: usize): void {
  for (let co = 0; co < Co; co++) for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
    store<f32>(dw + (<usize>(((co * C + c) * KH + kh) * KW + kw) << 2), load<f32>(dwT + (<usize>(((kh * KW + kw) * C + c) * Co + co) << 2)));
  }
}

/** conv_wgrad_direct's chains continued in dwT over images 0 .. B-1 (calls on successive chunks
 *  of images continue each chain in order: the bits of one call over all of them). */
export function conv_wgrad_direct_acc(xpad: usize, B: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, dy: usize, Co: i32, dwT: usize): void {
  assert(Co % 8 == 0, "conv_wgrad_direct: Co % 8 == 0");
  const K = KH * KW * C, Hp = H + KH - 1, Wp = W + KW - 1;
  const cell = <usize>C << 2, xrow = <usize>(Wp * C) << 2, sb = <usize>Co << 2;
  const tile = changetype<usize>(wgTile);
  for (let k0 = 0; k0 < K; k0 += 5) {
    const rows = min(5, K - k0);
    // byte offset of tap k0 + r inside a window (a missing tap repeats the last)
    let o0: usize = 0, o1: usize = 0, o2: usize = 0, o3: usize = 0, o4: usize = 0;
    for (let r = 0; r < 5; r++) {
      const k = k0 + min(r, rows - 1);
      const kh = k / (KW * C), rem = k - kh * KW * C;
      const o = <usize>kh * xrow + (<usize>rem << 2);
      if (r == 0) o0 = o; else if (r == 1) o1 = o; else if (r == 2) o2 = o; else if (r == 3) o3 = o; else o4 = o;
    }
    for (let jp = 0; jp < Co; jp += 8) {
      // a whole group of 5 taps in place, a ragged one through the tile (two call sites of
      // wgrad_row: see the note above ukernel_5x8_first in gemm.ts)
      if (rows == 5) {
        wgrad_rows(xpad, B, H, W, Hp, xrow, o0, o1, o2, o3, o4, cell, dy, Co, jp, sb, dwT + (<usize>(k0 * Co + jp) << 2), Co);
      } else {
        // the kept rows continue from dwT; the repeated taps' rows are computed and dropped
        for (let r = 0; r < 5; r++) for (let j = 0; j < 8; j++)
          store<f32>(tile + (<usize>(r * 8 + j) << 2), r < rows ? load<f32>(dwT + (<usize>((k0 + r) * Co + jp + j) << 2)) : 0);
        wgrad_rows(xpad, B, H, W, Hp, xrow, o0, o1, o2, o3, o4, cell, dy, Co, jp, sb, tile, 8);
        for (let r = 0; r < rows; r++) for (let j = 0; j < 8; j++)
          store<f32>(dwT + (<usize>((k0 + r) * Co + jp + j) << 2), load<f32>(tile + (<usize>(r * 8 + j) << 2)));
      }
    }
  }
}
