// conv2d, square odd kernels with 'same' zero padding and stride 1, via im2col + GEMM.
// Shapes (activations NHWC inside the core; weights in PyTorch's layout):
//   x    [B, H, W, C]                 input
//   w    [Co, C, KH, KW]              PyTorch conv weight
//   wp   [K, Co], K = KH*KW*C         w permuted to (kh, kw, c) rows: wp[(kh*KW+kw)*C + c, co]
//   bias [Co]
//   col  [B*H*W, K]                   col[p, (kh, kw, c)] = x[b, h+kh-pad, w+kw-pad, c] or 0
//   y    [B, H, W, Co] = [B*H*W, Co]  y[p, co] = bias[co] + sum_k col[p, k] * wp[k, co]
// The (kh, kw, c) order makes each window row a contiguous copy of C floats. Summation order:
// each output element is the chain from bias[co] over k = (kh, kw, c) ascending (gemm.ts's
// contract); test/support/ref-kernels.ts repeats it naively and must match bit for bit.
import { gemm, ukernel_5x8_first, ukernel_5x8_next, madd, pack_b_into, pack_a_into, gemm_tile_packed, MR, NR } from "./gemm";

/** wp[(kh*KW + kw)*C + c, co] = w[co, c, kh, kw]. */
export function conv_weight_pack(w: usize, C: i32, Co: i32, KH: i32, KW: i32, wp: usize): void {
  for (let co = 0; co < Co; co++) for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
    const src = w + (<usize>(((co * C + c) * KH + kh) * KW + kw) << 2);
    store<f32>(wp + (<usize>(((kh * KW + kw) * C + c) * Co + co) << 2), load<f32>(src));
  }
}

// dst[0..n) = src[0..n) (f32; exact, so SIMD and scalar give the same bits), inline: a bulk
// memory.copy call per small window row costs more than the copy itself in V8.
// @ts-ignore: decorator
@inline function copy_f32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

// @ts-ignore: decorator
@inline function zero_f32(dst: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const z = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/** col[p, (kh, kw, c)] for p over B*H*W; zero where the window leaves the image. When a
 *  window row lies inside the image its KW*C values are one contiguous run of x. */
export function im2col(x: usize, B: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, pad: i32, col: usize): void {
  const run = KW * C;
  let dst = col;
  for (let b = 0; b < B; b++) {
    const xb = x + (<usize>(b * H * W * C) << 2);
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        const w0 = w - pad;
        const inside = w0 >= 0 && w0 + KW <= W;
        for (let kh = 0; kh < KH; kh++) {
          const hh = h + kh - pad;
          if (hh < 0 || hh >= H) {
            zero_f32(dst, run);
          } else if (inside) {
            copy_f32(dst, xb + (<usize>((hh * W + w0) * C) << 2), run);
          } else {
            for (let kw = 0; kw < KW; kw++) {
              const ww = w0 + kw;
              const d = dst + (<usize>(kw * C) << 2);
              if (ww >= 0 && ww < W) copy_f32(d, xb + (<usize>((hh * W + ww) * C) << 2), C);
              else zero_f32(d, C);
            }
          }
          dst += <usize>run << 2;
        }
      }
    }
  }
}

/** dx[b, h, w, c] = the sum of dcol over every (p, k) that im2col read from it, in increasing
 *  p then k order (a fixed order). dx is overwritten. */
export function col2im(dcol: usize, B: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, pad: i32, dx: usize): void {
  memory.fill(dx, 0, <usize>(B * H * W * C) << 2);
  const rowBytes = <usize>C << 2;
  let src = dcol;
  for (let b = 0; b < B; b++) {
    const xb = dx + (<usize>(b * H * W * C) << 2);
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        for (let kh = 0; kh < KH; kh++) {
          const hh = h + kh - pad;
          for (let kw = 0; kw < KW; kw++) {
            const ww = w + kw - pad;
            if (hh >= 0 && hh < H && ww >= 0 && ww < W) add_into(xb + (<usize>((hh * W + ww) * C) << 2), src, C);
            src += rowBytes;
          }
        }
      }
    }
  }
}

// dst[i] += src[i] for i < n (element-wise: the same bits with or without SIMD).
// @ts-ignore: decorator
@inline function add_into(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/** y = conv(x, w) + bias (see the shapes above). col: B*H*W*K floats, wp: K*Co floats (scratch). */
export function conv2d_forward(
  x: usize, B: i32, H: i32, W: i32, C: i32, w: usize, bias: usize, Co: i32, KH: i32, KW: i32, pad: i32,
  col: usize, wp: usize, y: usize,
): void {
  const P = B * H * W, K = C * KH * KW;
  conv_weight_pack(w, C, Co, KH, KW, wp);
  im2col(x, B, H, W, C, KH, KW, pad, col);
  for (let p = 0; p < P; p++) memory.copy(y + (<usize>(p * Co) << 2), bias, <usize>Co << 2);
  gemm(P, Co, K, col, K, 1, wp, Co, 1, y, Co, true);
}

/** Gradients of conv2d_forward given dy [B*H*W, Co], the forward's col and wp:
 *    dw[co, c, kh, kw] = sum_p dy[p, co] * col[p, (kh, kw, c)]  (p ascending; via dwT [K, Co] = colT·dy)
 *    db[co]            = sum_p dy[p, co]                        (p ascending)
 *    dx = col2im(dcol), dcol[p, k] = sum_co dy[p, co] * wp[k, co]  (only if dx != 0)
 *  dwT: K*Co floats scratch; dcol: B*H*W*K floats scratch (unused when dx == 0). */
export function conv2d_backward(
  dy: usize, B: i32, H: i32, W: i32, C: i32, wp: usize, Co: i32, KH: i32, KW: i32, pad: i32,
  col: usize, dw: usize, db: usize, dwT: usize, dcol: usize, dx: usize,
): void {
  const P = B * H * W, K = C * KH * KW;
  gemm(K, Co, P, col, 1, K, dy, Co, 1, dwT, Co, false);
  for (let co = 0; co < Co; co++) for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
    store<f32>(dw + (<usize>(((co * C + c) * KH + kh) * KW + kw) << 2), load<f32>(dwT + (<usize>(((kh * KW + kw) * C + c) * Co + co) << 2)));
  }
  bias_grad(dy, P, Co, db);
  if (dx != 0) {
    gemm(P, K, Co, dy, Co, 1, wp, 1, Co, dcol, K, false);
    col2im(dcol, B, H, W, C, KH, KW, pad, dx);
  }
}

/** db[j] = sum_{i < rows} dy[i, j], i ascending: the one bias-gradient reduction order. */
export function bias_grad(dy: usize, rows: i32, cols: i32, db: usize): void {
  memory.fill(db, 0, <usize>cols << 2);
  for (let i = 0; i < rows; i++) add_into(db, dy + (<usize>(i * cols) << 2), cols);
}

// Scratch of conv2d_forward_indirect for ragged edge tiles (MR x NR floats).
const edgeTile = new StaticArray<f32>(40);

/** Bytes of packed-weight scratch conv2d_forward_indirect needs. */
export function conv_indirect_pack_bytes(C: i32, Co: i32, KH: i32, KW: i32): i32 {
  return KH * ((Co + NR - 1) / NR) * KW * C * NR * 4;
}

/** conv2d forward without im2col (an indirect GEMM in the manner of XNNPACK's IGEMM): xpad is
 *  the input with a zero border of `pad`, [B, H+2pad, W+2pad, C]. For output position
 *  p = (b, h, w), the window row kh is the KW*C contiguous floats of xpad at (b, h+kh, w), read
 *  in place through row pointers. Each element is the chain bias -> k = (kh, kw, c) ascending:
 *  conv2d_forward's bits exactly. wp: K*Co scratch; bpack: conv_indirect_pack_bytes scratch;
 *  y: [B*H*W, Co]. */
export function conv2d_forward_indirect(
  xpad: usize, B: i32, H: i32, W: i32, C: i32, w: usize, bias: usize, Co: i32, KH: i32, KW: i32, pad: i32,
  wp: usize, bpack: usize, y: usize,
): void {
  conv_indirect_pack(w, C, Co, KH, KW, wp, bpack);
  conv_indirect_packed(xpad, B, H, W, C, bpack, bias, Co, KH, KW, pad, y, false);
}

/** Packs the weights w [Co, C, KH, KW] for conv_indirect_packed: wp (K*Co scratch) then the
 *  KH segments of NR-wide panels at bpack (conv_indirect_pack_bytes). */
export function conv_indirect_pack(w: usize, C: i32, Co: i32, KH: i32, KW: i32, wp: usize, bpack: usize): void {
  const run = KW * C, panels = (Co + NR - 1) / NR;
  conv_weight_pack(w, C, Co, KH, KW, wp);
  const segBytes = <usize>(panels * run * NR) << 2;
  for (let kh = 0; kh < KH; kh++) pack_b_into(wp, Co, 1, kh * run, run, Co, bpack + <usize>kh * segBytes);
}

/** The indirect convolution on weights packed once by conv_indirect_pack, with its output stage:
 *  y[p, co] = bias[co] + the window chain (conv2d_forward_indirect's), then ReLU if relu
 *  (relu_forward's bits): per 5 x 8 tile, one micro-kernel call per window row, the first
 *  starting from the bias, then the ReLU on the tile; ragged edge tiles go through a tile buffer. */
export function conv_indirect_packed(
  xpad: usize, B: i32, H: i32, W: i32, C: i32, bpack: usize, bias: usize, Co: i32, KH: i32, KW: i32, pad: i32,
  y: usize, relu: bool,
): void {
  const run = KW * C, panels = (Co + NR - 1) / NR;
  const Hp = H + 2 * pad, Wp = W + 2 * pad;
  const rowStride = <usize>(Wp * C) << 2;
  const segBytes = <usize>(panels * run * NR) << 2;
  const P = B * H * W;
  const tile = changetype<usize>(edgeTile);
  // the bias zero-padded to whole panels (the kernels read NR at a time)
  const bpad = changetype<usize>(biasPanel);
  assert(panels * NR <= 512, "conv_indirect_packed: Co <= 512");
  memory.fill(bpad, 0, <usize>(panels * NR) << 2);
  memory.copy(bpad, bias, <usize>Co << 2);
  // (h, w) of pixel p0 and the top-left of its window, stepped pixel by pixel (no divisions)
  let h = 0, ww = 0;
  let win = xpad;
  const cellB = <usize>C << 2, rowEnd = <usize>(2 * pad * C) << 2, imageEnd = <usize>(2 * pad) * rowStride;
  for (let p0 = 0; p0 < P; p0 += MR) {
    const rows = min(MR, P - p0);
    // the window's top-left pointer for each of the 5 rows (a missing row repeats the last)
    let a0: usize = 0, a1: usize = 0, a2: usize = 0, a3: usize = 0, a4: usize = 0;
    for (let r = 0; r < MR; r++) {
      if (r < rows) {
        if (r == 0) a0 = win; else if (r == 1) a1 = win; else if (r == 2) a2 = win; else if (r == 3) a3 = win; else a4 = win;
        win += cellB;
        if (++ww == W) { ww = 0; win += rowEnd; if (++h == H) { h = 0; win += imageEnd; } }
      } else {
        if (r == 1) a1 = a0; else if (r == 2) a2 = a1; else if (r == 3) a3 = a2; else a4 = a3;
      }
    }
    for (let jp = 0; jp < panels; jp++) {
      const cols = min(NR, Co - jp * NR);
      const cij = y + (<usize>(p0 * Co + jp * NR) << 2);
      const bp = bpack + (<usize>(jp * run * NR) << 2), bj = bpad + (<usize>(jp * NR) << 2);
      // a full tile in place, a ragged one through the tile buffer (two call sites of each
      // kernel: see the note above ukernel_5x8_first)
      if (rows == MR && cols == NR) {
        window_rows(run, a0, a1, a2, a3, a4, rowStride, bp, segBytes, KH, cij, Co, bj, relu);
      } else {
        window_rows(run, a0, a1, a2, a3, a4, rowStride, bp, segBytes, KH, tile, NR, bj, relu);
        for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++)
          store<f32>(cij + (<usize>(r * Co + j) << 2), load<f32>(tile + (<usize>(r * NR + j) << 2)));
      }
    }
  }
}

const biasPanel = new StaticArray<f32>(512);

// One 5 x 8 tile of conv_indirect_packed: KH window rows (the first from the bias), then the ReLU
// on the tile just stored (in L1).
// @ts-ignore: decorator
@inline function window_rows(run: i32, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, rowStride: usize, bp: usize, segBytes: usize, KH: i32, dst: usize, ld: i32, bias: usize, relu: bool): void {
  ukernel_5x8_first(run, a0, a1, a2, a3, a4, bp, dst, ld, bias);
  for (let kh = 1; kh < KH; kh++) {
    const off = <usize>kh * rowStride;
    ukernel_5x8_next(run, a0 + off, a1 + off, a2 + off, a3 + off, a4 + off, bp + <usize>kh * segBytes, dst, ld);
  }
  if (relu) relu_tile(dst, ld);
}

// relu_forward's bits on one MR x NR tile at c (row stride ldc).
// @ts-ignore: decorator
@inline function relu_tile(c: usize, ldc: i32): void {
  for (let r = 0; r < MR; r++) {
    const row = c + (<usize>(r * ldc) << 2);
    if (ASC_FEATURE_SIMD) {
      const z = f32x4.splat(0);
      const v0 = v128.load(row), v1 = v128.load(row, 16);
      v128.store(row, v128.and(v0, f32x4.gt(v0, z)));
      v128.store(row, v128.and(v1, f32x4.gt(v1, z)), 16);
    } else {
      for (let j = 0; j < NR; j++) {
        const v = load<f32>(row + (<usize>j << 2));
        store<f32>(row + (<usize>j << 2), v > 0 ? v : 0);
      }
    }
  }
}


/** dst [B, H+2pad, W+2pad, C] = src [B, H, W, C] with a zero border. */
export function pad_copy(src: usize, B: i32, H: i32, W: i32, C: i32, pad: i32, dst: usize): void {
  const Hp = H + 2 * pad, Wp = W + 2 * pad, cell = <usize>C << 2, row = <usize>Wp * cell;
  for (let b = 0; b < B; b++) {
    const db = dst + <usize>(b * Hp) * row;
    for (let h = 0; h < pad; h++) {
      memory.fill(db + <usize>h * row, 0, row);
      memory.fill(db + <usize>(Hp - 1 - h) * row, 0, row);
    }
    for (let h = 0; h < H; h++) {
      const drow = db + <usize>(h + pad) * row;
      for (let q = 0; q < pad; q++) {
        memory.fill(drow + <usize>q * cell, 0, cell);
        memory.fill(drow + <usize>(Wp - 1 - q) * cell, 0, cell);
      }
      copy_f32(drow + <usize>pad * cell, src + (<usize>((b * H + h) * W * C) << 2), W * C);
    }
  }
}

/** wflip[c, co, kh, kw] = w[co, c, KH-1-kh, KW-1-kw]: the weight of the transposed
 *  convolution that maps an output gradient back to the input (C and Co swap roles). */
export function conv_weight_flip(w: usize, C: i32, Co: i32, KH: i32, KW: i32, wflip: usize): void {
  for (let co = 0; co < Co; co++) for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
    store<f32>(wflip + (<usize>(((c * Co + co) * KH + kh) * KW + kw) << 2), load<f32>(w + (<usize>(((co * C + c) * KH + KH - 1 - kh) * KW + KW - 1 - kw) << 2)));
  }
}

// Packs col[k0 .. k0+kc (rows p), 0 .. K (cols)] of the implicit im2col matrix into NR-wide
// panels at dst (pack_b's layout), reading each window row in place from xpad: col[p, (kh, kw, c)]
// = xpad[b, h + kh, w + kw, c]. Requires KW*C % NR == 0 (panels never straddle two kh rows).
function pack_col_b(xpad: usize, H: i32, W: i32, C: i32, KH: i32, KW: i32, pad: i32, k0: i32, kc: i32, dst: usize): void {
  const run = KW * C, Wp = W + 2 * pad, Hp = H + 2 * pad;
  const rowStride = <usize>(Wp * C) << 2;
  const panels = KH * run / NR;
  const panelBytes = <usize>(kc * NR) << 2;
  // the window of p = k0 (one division), then stepped pixel by pixel
  let b = k0 / (H * W), rem = k0 - b * H * W, h = rem / W, ww = rem - h * W;
  let d = dst;
  for (let k = 0; k < kc; k++) {
    const win = xpad + (<usize>(((b * Hp + h) * Wp + ww) * C) << 2);
    let dp = d;
    for (let jp = 0; jp < panels; jp++) {
      const e = jp * NR, kh = e / run;
      const src = win + <usize>kh * rowStride + (<usize>(e - kh * run) << 2);
      if (ASC_FEATURE_SIMD) {
        v128.store(dp, v128.load(src));
        v128.store(dp, v128.load(src, 16), 16);
      } else {
        for (let j = 0; j < NR; j++) store<f32>(dp + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
      }
      dp += panelBytes;
    }
    d += <usize>NR << 2;
    if (++ww == W) { ww = 0; if (++h == H) { h = 0; b++; } }
  }
}

// @ts-ignore: decorator
@inline function cell(C: i32): usize { return <usize>C << 2; }

// The weight-gradient micro-kernel over one image (SIMD128), shapes:
//   C [4, 8] (row stride ldc) += sum over the image's H*W pixels, in order, of dy[pixel, r] * x[pixel, j]
// the splat operand the 4 consecutive floats at a (4 channels of dy: advancing sa bytes a pixel,
// and ajump more after each of the H rows of W pixels: dy's border, if it has one), the vector
// operand the 8 at bp (8 floats of the pixel's window row: advancing sb a pixel, and `jump` more
// after each row: the padded input's border). A loop over the rows around a loop over the
// pixels of a row (no per-pixel row-end test); 8 accumulators leave V8 room for its peeled
// copy of the inner loop without spills. 4 rows, not the GEMM's 5: conv2's 32 channels are 8
// whole groups (5-row groups computed the ragged last group twice, 35 rows for 32).
/** Rows (output channels) of a weight-gradient tile of conv_wgrad_indirect_acc. */
export const WG_ROWS: i32 = 4;

// @ts-ignore: decorator
@inline function wgrad_image_simd(n: i32, W: i32, a: usize, sa: usize, ajump: usize, bp: usize, sb: usize, jump: usize, c: usize, ldc: i32): void {
  const ld = <usize>ldc << 2;
  let c00 = v128.load(c), c01 = v128.load(c, 16);
  let c10 = v128.load(c + ld), c11 = v128.load(c + ld, 16);
  let c20 = v128.load(c + 2 * ld), c21 = v128.load(c + 2 * ld, 16);
  let c30 = v128.load(c + 3 * ld), c31 = v128.load(c + 3 * ld, 16);
  for (let h = 0; h < n; h += W) {
    const rowEnd = bp + <usize>W * sb;
    for (; bp < rowEnd; bp += sb) {
      const b0 = v128.load(bp), b1 = v128.load(bp, 16);
      let x = v128.load32_splat(a);
      c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
      x = v128.load32_splat(a, 4);
      c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
      x = v128.load32_splat(a, 8);
      c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
      x = v128.load32_splat(a, 12);
      c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
      a += sa;
    }
    bp += jump; a += ajump;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ld, c10); v128.store(c + ld, c11, 16);
  v128.store(c + 2 * ld, c20); v128.store(c + 2 * ld, c21, 16);
  v128.store(c + 3 * ld, c30); v128.store(c + 3 * ld, c31, 16);
}

function wgrad_image(n: i32, W: i32, a: usize, sa: usize, ajump: usize, bp: usize, sb: usize, jump: usize, c: usize, ldc: i32): void {
  if (ASC_FEATURE_SIMD) {
    wgrad_image_simd(n, W, a, sa, ajump, bp, sb, jump, c, ldc);
  } else {
    for (let r = 0; r < WG_ROWS; r++) {
      const crow = c + (<usize>(r * ldc) << 2);
      for (let j = 0; j < NR; j++) {
        let acc = load<f32>(crow + (<usize>j << 2));
        let pa = a + (<usize>r << 2), pb = bp + (<usize>j << 2), w = 0;
        for (let i = 0; i < n; i++) {
          acc = acc + load<f32>(pa) * load<f32>(pb);
          pa += sa;
          pb += sb;
          if (++w == W) { w = 0; pb += jump; pa += ajump; }
        }
        store<f32>(crow + (<usize>j << 2), acc);
      }
    }
  }
}

/** Bytes of scratch conv2d_backward_indirect needs (packed panels and padded/flipped buffers
 *  excluded: those are passed separately). */
export function conv_wgrad_pack_bytes(C: i32, Co: i32, KH: i32, KW: i32): i32 {
  const K = KH * KW * C;
  return (256 * K + ((Co + MR - 1) / MR) * MR * 256) * 4;
}

/** Gradients of conv2d_forward_indirect given dy [B*H*W, Co] (post-ReLU-mask) and the padded
 *  input xpad [B, H+2pad, W+2pad, C], with no im2col and no col2im (requires KW*C % 8 == 0):
 *    dw[co, c, kh, kw] = sum_p dy[p, co] * xpad[window(p), (kh, kw, c)]   (p ascending: the same
 *                        chain as conv2d_backward, so the same bits)
 *    db[co]            = sum_p dy[p, co]
 *    dx (if dx != 0)   = the transposed convolution: dypad (dy with a zero border, scratch
 *                        [B, H+2pad, W+2pad, Co]) convolved with wflip (scratch, C*Co*KH*KW),
 *                        each element the chain over (kh, kw, co) ascending, via the indirect
 *                        GEMM; wp2: scratch K*C for its weight packing, bpack2 its panels.
 *  dwT: scratch Co x K; pack: conv_wgrad_pack_bytes scratch. */
export function conv2d_backward_indirect(
  dy: usize, xpad: usize, B: i32, H: i32, W: i32, C: i32, w: usize, Co: i32, KH: i32, KW: i32, pad: i32,
  dw: usize, db: usize, dwT: usize, pack: usize,
  dypad: usize, wflip: usize, wp2: usize, bpack2: usize, dx: usize,
): void {
  conv2d_backward_indirect_dw_dx(dy, xpad, B, H, W, C, w, Co, KH, KW, pad, dw, dwT, pack, dypad, wflip, wp2, bpack2, dx);
  bias_grad(dy, B * H * W, Co, db);
}

/** conv2d_backward_indirect without db (for a caller that has the bias gradient already, e.g.
 *  from maxpool2_relu_backward_db). */
export function conv2d_backward_indirect_dw_dx(
  dy: usize, xpad: usize, B: i32, H: i32, W: i32, C: i32, w: usize, Co: i32, KH: i32, KW: i32, pad: i32,
  dw: usize, dwT: usize, pack: usize,
  dypad: usize, wflip: usize, wp2: usize, bpack2: usize, dx: usize,
): void {
  const P = B * H * W, K = KH * KW * C;
  if (Co >= WG_ROWS) {
    memory.fill(dwT, 0, <usize>(Co * K) << 2);
    conv_wgrad_indirect_acc(dy, 0, xpad, B, H, W, C, Co, KH, KW, pad, dwT);
  } else {
    const packBcol = pack, packAdy = pack + (<usize>(256 * K) << 2);
    // dW' [Co, K] (k in (kh, kw, c) order) = dy^T · col, reduction over p in blocks of 256
    for (let pc = 0; pc < P; pc += 256) {
      const kc = min(256, P - pc);
      pack_col_b(xpad, H, W, C, KH, KW, pad, pc, kc, packBcol);
      pack_a_into(dy, 1, Co, 0, Co, pc, kc, packAdy);
      for (let jr = 0; jr < K; jr += NR) {
        const bp = packBcol + (<usize>(jr * kc) << 2);
        for (let ir = 0; ir < Co; ir += MR) {
          const ap = packAdy + (<usize>(ir * kc) << 2);
          gemm_tile_packed(kc, ap, bp, dwT + (<usize>(ir * K + jr) << 2), K, min(MR, Co - ir), min(NR, K - jr), pc > 0);
        }
      }
    }
  }
  conv_dwT_unpack(dwT, C, Co, KH, KW, dw);
  if (dx != 0) {
    pad_copy(dy, B, H, W, Co, pad, dypad);
    conv_transposed_pack(w, C, Co, KH, KW, wflip, wp2, bpack2);
    conv_transposed_packed(dypad, B, H, W, C, Co, KH, KW, pad, bpack2, dx);
  }
}

/** dw[co, c, kh, kw] = dwT[co, (kh*KW + kw)*C + c] (dW' [Co, K] back to PyTorch's layout). */
export function conv_dwT_unpack(dwT: usize, C: i32, Co: i32, KH: i32, KW: i32, dw: usize): void {
  const K = KH * KW * C;
  for (let co = 0; co < Co; co++) for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
    store<f32>(dw + (<usize>(((co * C + c) * KH + kh) * KW + kw) << 2), load<f32>(dwT + (<usize>(co * K + (kh * KW + kw) * C + c) << 2)));
  }
}

/** Packs the transposed convolution of w [Co, C, KH, KW] (the map from an output gradient back
 *  to the input, C and Co swapping roles) for conv_transposed_packed: wflip (C*Co*KH*KW scratch),
 *  wp2 (K*C scratch), then bpack2 (conv_indirect_pack_bytes(Co, C, KH, KW)). */
export function conv_transposed_pack(w: usize, C: i32, Co: i32, KH: i32, KW: i32, wflip: usize, wp2: usize, bpack2: usize): void {
  conv_weight_flip(w, C, Co, KH, KW, wflip);
  conv_indirect_pack(wflip, Co, C, KH, KW, wp2, bpack2);
}

/** The input gradient dx [B*H*W, C] of conv2d_forward_indirect from dypad (the output gradient
 *  with a zero border of pad, [B, H+2pad, W+2pad, Co]): each element the chain from +0 over
 *  (kh, kw, co) ascending, the indirect GEMM on the weights packed by conv_transposed_pack. */
export function conv_transposed_packed(dypad: usize, B: i32, H: i32, W: i32, C: i32, Co: i32, KH: i32, KW: i32, pad: i32, bpack2: usize, dx: usize): void {
  assert(C <= 256, "conv2d_backward_indirect: C <= 256");
  conv_indirect_packed(dypad, B, H, W, Co, bpack2, changetype<usize>(zeroBias), C, KH, KW, pad, dx, false);
}

const zeroBias = new StaticArray<f32>(256);

/** The weight-gradient chains of conv2d_forward_indirect over images 0 .. B-1, continued in
 *  dwT [Co, K] (k in (kh, kw, c) order): dwT[co, k] += dy[p, co] * xpad[window(p), k] for p
 *  ascending (images in order, so calls on successive chunks of images continue each chain in
 *  order). dy [B, H+2dypad, W+2dypad, Co] (its interior read), xpad [B, H+2pad, W+2pad, C];
 *  requires Co >= WG_ROWS and KW*C % NR == 0. dW' is read in place: the splat operand is 4 consecutive
 *  channels of dy (one pointer), the vector operand 8 consecutive window floats of xpad; one call
 *  per image and tile. A ragged last group of channels starts earlier (rows computed twice, the
 *  same values) and only its new rows are kept. */
export function conv_wgrad_indirect_acc(dy: usize, dypad: i32, xpad: usize, B: i32, H: i32, W: i32, C: i32, Co: i32, KH: i32, KW: i32, pad: i32, dwT: usize): void {
  const K = KH * KW * C, run = KW * C, Hp = H + 2 * pad, Wp = W + 2 * pad;
  const rowStride = <usize>(Wp * C) << 2, jump = <usize>(2 * pad * C) << 2;
  const dyRow = <usize>((W + 2 * dypad) * Co) << 2, ajump = <usize>(2 * dypad * Co) << 2;
  const tile = changetype<usize>(edgeTile);
  // image by image (its dy and window rows, ~40 KB for conv2, stay in L1/L2 over all tiles);
  // each tile's chain continues from the previous image's partial sums in dwT
  for (let b = 0; b < B; b++) {
    const ab = dy + <usize>(b * (H + 2 * dypad) + dypad) * dyRow + (<usize>(dypad * Co) << 2);
    const xb = xpad + <usize>(b * Hp) * rowStride;
    for (let g = 0; g < Co; g += WG_ROWS) {
      const co0 = min(g, Co - WG_ROWS), skip = g - co0;
      for (let jr = 0; jr < K; jr += NR) {
        const kh = jr / run, off = (<usize>(jr - kh * run) << 2) + <usize>kh * rowStride;
        if (skip == 0) {
          wgrad_image(H * W, W, ab + (<usize>co0 << 2), <usize>Co << 2, ajump, xb + off, cell(C), jump, dwT + (<usize>(co0 * K + jr) << 2), K);
        } else {
          for (let r = 0; r < WG_ROWS; r++) for (let j = 0; j < NR; j++)
            store<f32>(tile + (<usize>(r * NR + j) << 2), load<f32>(dwT + (<usize>((co0 + r) * K + jr + j) << 2)));
          wgrad_image(H * W, W, ab + (<usize>co0 << 2), <usize>Co << 2, ajump, xb + off, cell(C), jump, tile, NR);
          for (let r = skip; r < WG_ROWS; r++) for (let j = 0; j < NR; j++)
            store<f32>(dwT + (<usize>((co0 + r) * K + jr + j) << 2), load<f32>(tile + (<usize>(r * NR + j) << 2)));
        }
      }
    }
  }
}
