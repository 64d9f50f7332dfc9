// Adam (Kingma & Ba), PyTorch's update order (torch.optim.Adam, 1.13, no weight decay):
//   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g
//   p = p - (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps),  bc1 = 1 - b1^t, bc2 = 1 - b2^t
// bc1 and bc2 are computed in f64 (as Python does) and rounded once to f32.
//   p, g, m, v: [n] f32

export function adam_step(p: usize, g: usize, m: usize, v: usize, n: i32, t: i32, lr: f64, b1: f64, b2: f64, eps: f64): void {
  const bc1 = 1.0 - Math.pow(b1, <f64>t);
  const bc2 = 1.0 - Math.pow(b2, <f64>t);
  const stepSize = <f32>(lr / bc1);
  const bc2s = <f32>Math.sqrt(bc2);
  const fb1 = <f32>b1, fb2 = <f32>b2, ob1 = <f32>(1.0 - b1), ob2 = <f32>(1.0 - b2), feps = <f32>eps;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(fb1), vb2 = f32x4.splat(fb2), vo1 = f32x4.splat(ob1), vo2 = f32x4.splat(ob2);
    const veps = f32x4.splat(feps), vss = f32x4.splat(stepSize), vbc = f32x4.splat(bc2s);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const gi = v128.load(g + off);
      const mi = f32x4.add(f32x4.mul(v128.load(m + off), vb1), f32x4.mul(gi, vo1));
      const vi = f32x4.add(f32x4.mul(v128.load(v + off), vb2), f32x4.mul(f32x4.mul(gi, gi), vo2));
      v128.store(m + off, mi);
      v128.store(v + off, vi);
      const denom = f32x4.add(f32x4.div(f32x4.sqrt(vi), vbc), veps);
      v128.store(p + off, f32x4.sub(v128.load(p + off), f32x4.mul(vss, f32x4.div(mi, denom))));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const gi = load<f32>(g + off);
    const mi = load<f32>(m + off) * fb1 + gi * ob1;
    const vi = load<f32>(v + off) * fb2 + (gi * gi) * ob2;
    store<f32>(m + off, mi);
    store<f32>(v + off, vi);
    const denom = Mathf.sqrt(vi) / bc2s + feps;
    store<f32>(p + off, load<f32>(p + off) - stepSize * (mi / denom));
  }
}
