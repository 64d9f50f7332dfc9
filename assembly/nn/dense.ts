// Dense (PyTorch Linear): y[b, o] = bias[o] + sum_i x[b, i] * w[o, i], i ascending.
//   x [B, In]   w [Out, In] (PyTorch layout)   bias [Out]   y [B, Out]
import { gemm } from "./gemm";
import { bias_grad } from "./conv2d";

export function dense_forward(x: usize, B: i32, In: i32, w: usize, bias: usize, Out: i32, y: usize): void {
  for (let b = 0; b < B; b++) memory.copy(y + (<usize>(b * Out) << 2), bias, <usize>Out << 2);
  gemm(B, Out, In, x, In, 1, w, 1, In, y, Out, true);
}

/** dw[o, i] = sum_b dy[b, o] x[b, i]; db[o] = sum_b dy[b, o]; dx[b, i] = sum_o dy[b, o] w[o, i]
 *  (each sum in increasing index order); dx skipped when dx == 0. */
export function dense_backward(dy: usize, x: usize, B: i32, In: i32, w: usize, Out: i32, dw: usize, db: usize, dx: usize): void {
  gemm(Out, In, B, dy, 1, Out, x, In, 1, dw, In, false);
  bias_grad(dy, B, Out, db);
  if (dx != 0) gemm(B, In, Out, dy, Out, 1, w, In, 1, dx, In, false);
}
