// The learned gate's objective, eq. 26 on one batch (plug-in rate), and its gradient w.r.t. the
// gate logits.
//   z [B, R] f32 gate logits   L [B, R] f32 losses of expert t on item b   dz [B, R] f32
// p_bt = softmax(z_b)_t, pi_t = (1/B) sum_b p_bt,
//   J = (1/B) sum_b sum_t p_bt L_bt + lambda I,   I = (1/B) sum_b sum_t p_bt log(p_bt / pi_t).
// Gradient w.r.t. p (p_bt free): I = (1/B) sum_bt p_bt log p_bt - sum_t pi_t log pi_t, so
//   dI/dp_bt = (1/B)(log p_bt + 1) - (1/B)(log pi_t + 1) = (1/B) log(p_bt / pi_t)
// (the +1 terms cancel, and so do the pi terms hidden in d pi_t/dp_bt = 1/B), and
//   g_bt = dJ/dp_bt = (1/B) (L_bt + lambda log(p_bt / pi_t)).
// Through the softmax: dJ/dz_bk = p_bk (g_bk - sum_t p_bt g_bt).
// Computed in f64 from the f32 logits (log p by log-softmax, so no 0 log 0 NaN); b ascending,
// t ascending; exp/log are the core's own (deterministic). Writes the rate I to out[0] (f64) and
// returns J. An expert with pi_t = 0 (every p_bt underflowed) contributes 0.
//   ws: (B + 2) * R f64 (log p, then pi, then log pi)

export function gate_loss_forward_backward(z: usize, L: usize, B: i32, R: i32, lambda: f64, dz: usize, ws: usize, out: usize): f64 {
  const invB = 1.0 / <f64>B;
  const pi = ws + (<usize>(B * R) << 3), logpi = pi + (<usize>R << 3);
  for (let t = 0; t < R; t++) store<f64>(pi + (<usize>t << 3), 0.0);
  // log p and pi
  for (let b = 0; b < B; b++) {
    const row = z + (<usize>(b * R) << 2);
    let m = <f64>load<f32>(row);
    for (let t = 1; t < R; t++) m = max(m, <f64>load<f32>(row + (<usize>t << 2)));
    let s = 0.0;
    for (let t = 0; t < R; t++) s += Math.exp(<f64>load<f32>(row + (<usize>t << 2)) - m);
    const ls = Math.log(s);
    for (let t = 0; t < R; t++) {
      const lp = <f64>load<f32>(row + (<usize>t << 2)) - m - ls;
      store<f64>(ws + (<usize>(b * R + t) << 3), lp);
      store<f64>(pi + (<usize>t << 3), load<f64>(pi + (<usize>t << 3)) + Math.exp(lp));
    }
  }
  for (let t = 0; t < R; t++) {
    const q = load<f64>(pi + (<usize>t << 3)) * invB;
    store<f64>(pi + (<usize>t << 3), q);
    store<f64>(logpi + (<usize>t << 3), q > 0 ? Math.log(q) : 0.0);
  }
  let D = 0.0, I = 0.0;
  for (let b = 0; b < B; b++) {
    let dot = 0.0;
    for (let t = 0; t < R; t++) {
      const lp = load<f64>(ws + (<usize>(b * R + t) << 3));
      const p = Math.exp(lp);
      const l = <f64>load<f32>(L + (<usize>(b * R + t) << 2));
      const r = load<f64>(pi + (<usize>t << 3)) > 0 ? lp - load<f64>(logpi + (<usize>t << 3)) : 0.0;
      D += p * l;
      I += p * r;
      const g = (l + lambda * r) * invB;
      dot += p * g;
    }
    if (dz != 0) {
      const drow = dz + (<usize>(b * R) << 2);
      for (let t = 0; t < R; t++) {
        const lp = load<f64>(ws + (<usize>(b * R + t) << 3));
        const p = Math.exp(lp);
        const l = <f64>load<f32>(L + (<usize>(b * R + t) << 2));
        const r = load<f64>(pi + (<usize>t << 3)) > 0 ? lp - load<f64>(logpi + (<usize>t << 3)) : 0.0;
        const g = (l + lambda * r) * invB;
        store<f32>(drow + (<usize>t << 2), <f32>(p * (g - dot)));
      }
    }
  }
  D *= invB;
  I *= invB;
  if (out != 0) {
    store<f64>(out, I);
    store<f64>(out + 8, D);
  }
  return D + lambda * I;
}
