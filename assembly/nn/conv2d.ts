// conv2d, 3x3-style square kernels with zero padding and stride 1, via im2col + GEMM.
// Shapes (activations NHWC inside the core; weights in PyTorch's layout):
//   x    [B, H, W, C]                 input
//   w    [Co, C, KH, KW]              PyTorch conv weight; row co is the K = C*KH*KW vector
//   bias [Co]
//   col  [B*H*W, K]                   col[p, (c, kh, kw)] = x[b, h+kh-pad, w+kw-pad, c] or 0
//   y    [B, H, W, Co] = [B*H*W, Co]  y[p, co] = bias[co] + sum_k col[p, k] * w[co, k]
// Summation order: for each output element the chain starts at bias[co] and adds the K products
// in (c, kh, kw) order (gemm.ts's contract): a naive loop in that order gives the same bits.
import { gemm } from "./gemm";

/** col[p, k] for p over B*H*W, k over (c, kh, kw); zero where the window leaves the image. */
export function im2col(x: usize, B: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, pad: i32, col: usize): void {
  const K = C * KH * KW;
  let dst = col;
  for (let b = 0; b < B; b++) {
    const xb = x + (<usize>(b * H * W * C) << 2);
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        for (let c = 0; c < C; c++) {
          for (let kh = 0; kh < KH; kh++) {
            const hh = h + kh - pad;
            for (let kw = 0; kw < KW; kw++) {
              const ww = w + kw - pad;
              let v: f32 = 0;
              if (hh >= 0 && hh < H && ww >= 0 && ww < W) v = load<f32>(xb + (<usize>((hh * W + ww) * C + c) << 2));
              store<f32>(dst, v);
              dst += 4;
            }
          }
        }
      }
    }
  }
  // K is implied by the loop order; kept for the reader: row p spans K floats
  if (K < 0) unreachable();
}

/** dx[b, h, w, c] = sum of dcol over every (p, k) that im2col read from it, in increasing p
 *  then k order (a fixed order). dx is overwritten. */
export function col2im(dcol: usize, B: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, pad: i32, dx: usize): void {
  memory.fill(dx, 0, <usize>(B * H * W * C) << 2);
  let src = dcol;
  for (let b = 0; b < B; b++) {
    const xb = dx + (<usize>(b * H * W * C) << 2);
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        for (let c = 0; c < C; c++) {
          for (let kh = 0; kh < KH; kh++) {
            const hh = h + kh - pad;
            for (let kw = 0; kw < KW; kw++) {
              const ww = w + kw - pad;
              if (hh >= 0 && hh < H && ww >= 0 && ww < W) {
                const p = xb + (<usize>((hh * W + ww) * C + c) << 2);
                store<f32>(p, load<f32>(p) + load<f32>(src));
              }
              src += 4;
            }
          }
        }
      }
    }
  }
}

/** y = conv(x, w) + bias (see the shapes above). col is caller scratch of B*H*W*K floats. */
export function conv2d_forward(
  x: usize, B: i32, H: i32, W: i32, C: i32, w: usize, bias: usize, Co: i32, KH: i32, KW: i32, pad: i32,
  col: usize, y: usize,
): void {
  const P = B * H * W, K = C * KH * KW;
  im2col(x, B, H, W, C, KH, KW, pad, col);
  for (let p = 0; p < P; p++) memory.copy(y + (<usize>(p * Co) << 2), bias, <usize>Co << 2);
  gemm(P, Co, K, col, K, 1, w, 1, K, y, Co, true);
}

/** Gradients of conv2d_forward given dy [B*H*W, Co] and the forward's col:
 *    dw[co, k] = sum_p dy[p, co] * col[p, k]   (p ascending; computed as dwT [K, Co] = colT·dy)
 *    db[co]    = sum_p dy[p, co]               (p ascending)
 *    dx        = col2im(dcol), dcol[p, k] = sum_co dy[p, co] * w[co, k]   (only if dx != 0)
 *  dwT is caller scratch of K*Co floats; dcol of B*H*W*K floats (unused when dx == 0). */
export function conv2d_backward(
  dy: usize, B: i32, H: i32, W: i32, C: i32, w: usize, Co: i32, KH: i32, KW: i32, pad: i32,
  col: usize, dw: usize, db: usize, dwT: usize, dcol: usize, dx: usize,
): void {
  const P = B * H * W, K = C * KH * KW;
  gemm(K, Co, P, col, 1, K, dy, Co, 1, dwT, Co, false);
  for (let k = 0; k < K; k++) for (let co = 0; co < Co; co++)
    store<f32>(dw + (<usize>(co * K + k) << 2), load<f32>(dwT + (<usize>(k * Co + co) << 2)));
  bias_grad(dy, P, Co, db);
  if (dx != 0) {
    gemm(P, K, Co, dy, Co, 1, w, K, 1, dcol, K, false);
    col2im(dcol, B, H, W, C, KH, KW, pad, dx);
  }
}

/** db[j] = sum_{i < rows} dy[i, j], i ascending: the one bias-gradient reduction order. */
export function bias_grad(dy: usize, rows: i32, cols: i32, db: usize): void {
  memory.fill(db, 0, <usize>cols << 2);
  if (ASC_FEATURE_SIMD) {
    for (let i = 0; i < rows; i++) {
      const row = dy + (<usize>(i * cols) << 2);
      let j = 0;
      for (; j + 4 <= cols; j += 4) {
        const p = db + (<usize>j << 2);
        v128.store(p, f32x4.add(v128.load(p), v128.load(row + (<usize>j << 2))));
      }
      for (; j < cols; j++) {
        const p = db + (<usize>j << 2);
        store<f32>(p, load<f32>(p) + load<f32>(row + (<usize>j << 2)));
      }
    }
  } else {
    for (let i = 0; i < rows; i++) {
      const row = dy + (<usize>(i * cols) << 2);
      for (let j = 0; j < cols; j++) {
        const p = db + (<usize>j << 2);
        store<f32>(p, load<f32>(p) + load<f32>(row + (<usize>j << 2)));
      }
    }
  }
}
