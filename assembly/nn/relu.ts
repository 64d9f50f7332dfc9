// ReLU over n floats, in place. Forward: y = max(x, 0) (with -0 and NaN mapped like x > 0 ? x : 0).
// Backward: dx = dy where y > 0, else 0 (the subgradient 0 at 0, as PyTorch).

export function relu_forward(x: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const z = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const p = x + (<usize>i << 2);
      const v = v128.load(p);
      v128.store(p, v128.and(v, f32x4.gt(v, z)));
    }
  }
  for (; i < n; i++) {
    const p = x + (<usize>i << 2);
    const v = load<f32>(p);
    store<f32>(p, v > 0 ? v : 0);
  }
}

/** dy *= (y > 0), in place on dy. */
export function relu_backward(y: usize, dy: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const z = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(dy + off, v128.and(v128.load(dy + off), f32x4.gt(v128.load(y + off), z)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    if (!(load<f32>(y + off) > 0)) store<f32>(dy + off, 0);
  }
}
