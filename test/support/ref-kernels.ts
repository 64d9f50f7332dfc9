// Naive references for the core's kernels, written independently in TypeScript. The `f32`
// forms emulate f32 arithmetic with Math.fround in the core's documented summation order, so
// the core must match them bit for bit; the `f64` forms are for finite differences.
const f = Math.fround;

/** C = (acc ? C : 0) + A·B with the chain c = f32(c + f32(a*b)) over k ascending. */
export function gemmF32(M: number, N: number, K: number, A: (i: number, k: number) => number, B: (k: number, j: number) => number, C0?: Float32Array): Float32Array {
  const C = new Float32Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let c = C0 ? C0[i * N + j]! : 0;
    for (let k = 0; k < K; k++) c = f(c + f(A(i, k) * B(k, j)));
    C[i * N + j] = c;
  }
  return C;
}

/** conv2d NHWC, weight [Co, C, k, k], pad (k-1)/2, chain from bias over (kh, kw, c). */
export function conv2dF32(x: Float32Array, B: number, H: number, W: number, C: number, w: Float32Array, bias: Float32Array, Co: number, k: number): Float32Array {
  const pad = (k - 1) >> 1;
  const y = new Float32Array(B * H * W * Co);
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let ww = 0; ww < W; ww++) for (let co = 0; co < Co; co++) {
    let acc = bias[co]!;
    for (let kh = 0; kh < k; kh++) for (let kw = 0; kw < k; kw++) for (let c = 0; c < C; c++) {
      const hh = h + kh - pad, w2 = ww + kw - pad;
      const v = hh >= 0 && hh < H && w2 >= 0 && w2 < W ? x[((b * H + hh) * W + w2) * C + c]! : 0;
      acc = f(acc + f(v * w[((co * C + c) * k + kh) * k + kw]!));
    }
    y[((b * H + h) * W + ww) * Co + co] = acc;
  }
  return y;
}

/** maxpool 2x2 NHWC, first maximum in (0,0), (0,1), (1,0), (1,1) order. */
export function maxpoolRef(x: Float32Array, B: number, H: number, W: number, C: number): { y: Float32Array; arg: Uint8Array } {
  const Ho = H >> 1, Wo = W >> 1;
  const y = new Float32Array(B * Ho * Wo * C), arg = new Uint8Array(y.length);
  for (let b = 0; b < B; b++) for (let ho = 0; ho < Ho; ho++) for (let wo = 0; wo < Wo; wo++) for (let c = 0; c < C; c++) {
    let best = -Infinity, a = 0;
    for (let q = 0; q < 4; q++) {
      const v = x[((b * H + 2 * ho + (q >> 1)) * W + 2 * wo + (q & 1)) * C + c]!;
      if (q === 0 || v > best) { best = v; a = q; }
    }
    const o = ((b * Ho + ho) * Wo + wo) * C + c;
    y[o] = best;
    arg[o] = a;
  }
  return { y, arg };
}

/** f64 forward of the whole CNN for one image batch (NCHW input as PyTorch, params in the
 *  PyTorch layout); returns the mean cross-entropy. For finite differences. */
export function cnnLossF64(p: Float64Array, layout: { offset: number; length: number }[], x: Float64Array, labels: ArrayLike<number>, B: number,
  s: { channels: number; height: number; width: number; conv1: number; conv2: number; hidden: number; classes: number; kernel: number }): number {
  const T = (t: number) => p.subarray(layout[t]!.offset, layout[t]!.offset + layout[t]!.length);
  const conv = (inp: Float64Array, C: number, H: number, W: number, w: Float64Array, bias: Float64Array, Co: number) => {
    const k = s.kernel, pad = (k - 1) >> 1, out = new Float64Array(Co * H * W);
    for (let co = 0; co < Co; co++) for (let h = 0; h < H; h++) for (let ww = 0; ww < W; ww++) {
      let acc = bias[co]!;
      for (let c = 0; c < C; c++) for (let kh = 0; kh < k; kh++) for (let kw = 0; kw < k; kw++) {
        const hh = h + kh - pad, w2 = ww + kw - pad;
        if (hh >= 0 && hh < H && w2 >= 0 && w2 < W) acc += inp[(c * H + hh) * W + w2]! * w[((co * C + c) * k + kh) * k + kw]!;
      }
      out[(co * H + h) * W + ww] = Math.max(acc, 0);
    }
    return out;
  };
  const pool = (inp: Float64Array, C: number, H: number, W: number) => {
    const Ho = H >> 1, Wo = W >> 1, out = new Float64Array(C * Ho * Wo);
    for (let c = 0; c < C; c++) for (let h = 0; h < Ho; h++) for (let w = 0; w < Wo; w++) {
      const q = (dh: number, dw: number) => inp[(c * H + 2 * h + dh) * W + 2 * w + dw]!;
      out[(c * Ho + h) * Wo + w] = Math.max(q(0, 0), q(0, 1), q(1, 0), q(1, 1));
    }
    return out;
  };
  const dense = (inp: Float64Array, In: number, w: Float64Array, bias: Float64Array, Out: number, relu: boolean) => {
    const out = new Float64Array(Out);
    for (let o = 0; o < Out; o++) {
      let acc = bias[o]!;
      for (let i = 0; i < In; i++) acc += inp[i]! * w[o * In + i]!;
      out[o] = relu ? Math.max(acc, 0) : acc;
    }
    return out;
  };
  const { channels: C, height: H, width: W } = s;
  const H2 = H >> 1, W2 = W >> 1, flat = s.conv2 * (H2 >> 1) * (W2 >> 1);
  let total = 0;
  for (let b = 0; b < B; b++) {
    const img = x.subarray(b * C * H * W, (b + 1) * C * H * W);
    const a1 = pool(conv(img, C, H, W, T(0), T(1), s.conv1), s.conv1, H, W);
    const a2 = pool(conv(a1, s.conv1, H2, W2, T(2), T(3), s.conv2), s.conv2, H2, W2);
    const h = dense(a2, flat, T(4), T(5), s.hidden, true);
    const z = dense(h, s.hidden, T(6), T(7), s.classes, false);
    const m = Math.max(...z);
    let sum = 0;
    for (const v of z) sum += Math.exp(v - m);
    total += Math.log(sum) + m - z[labels[b]!]!;
  }
  return total / B;
}
