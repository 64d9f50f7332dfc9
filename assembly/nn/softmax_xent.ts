// Softmax cross-entropy, mean over the batch, log-sum-exp stable.
//   z [B, K] logits   y [B] i32 labels   dz [B, K]
// loss_b = log sum_k exp(z_bk - max_b) - (z_b,y - max_b); loss = (sum_b loss_b) / B, b ascending.
// dz_bk = (softmax_bk - [k == y_b]) / B. exp/log are the core's own Mathf (deterministic).

/** Returns the mean loss; writes dz if dz != 0. */
export function softmax_xent_forward_backward(z: usize, y: usize, B: i32, K: i32, dz: usize): f32 {
  let total: f32 = 0;
  const invB: f32 = <f32>1 / <f32>B;
  for (let b = 0; b < B; b++) {
    const row = z + (<usize>(b * K) << 2);
    let m = load<f32>(row);
    for (let k = 1; k < K; k++) m = max(m, load<f32>(row + (<usize>k << 2)));
    let s: f32 = 0;
    for (let k = 0; k < K; k++) s += Mathf.exp(load<f32>(row + (<usize>k << 2)) - m);
    const label = load<i32>(y + (<usize>b << 2));
    const lse = Mathf.log(s);
    total += lse - (load<f32>(row + (<usize>label << 2)) - m);
    if (dz != 0) {
      const drow = dz + (<usize>(b * K) << 2);
      const inv: f32 = <f32>1 / s;
      for (let k = 0; k < K; k++) {
        let p = Mathf.exp(load<f32>(row + (<usize>k << 2)) - m) * inv;
        if (k == label) p -= 1;
        store<f32>(drow + (<usize>k << 2), p * invB);
      }
    }
  }
  return total * invB;
}

/** The first index of the largest of K floats at row (the prediction rule everywhere). */
// @ts-ignore: decorator
@inline export function argmax_row(row: usize, K: i32): i32 {
  let best = 0;
  let m = load<f32>(row);
  for (let k = 1; k < K; k++) {
    const v = load<f32>(row + (<usize>k << 2));
    if (v > m) { m = v; best = k; }
  }
  return best;
}

/** preds[b] = the first argmax of row b; losses[b] = preds[b] != y[b] (u8 0-1). */
export function argmax_rows(z: usize, B: i32, K: i32, preds: usize, y: usize, losses: usize): void {
  for (let b = 0; b < B; b++) {
    const best = argmax_row(z + (<usize>(b * K) << 2), K);
    if (preds != 0) store<i32>(preds + (<usize>b << 2), best);
    if (losses != 0) store<u8>(losses + <usize>b, best != load<i32>(y + (<usize>b << 2)) ? 1 : 0);
  }
}
