// The selected expert W_i and the gaps of Section VI (eq. 12, 30-33). Sums run over the runs in
// the order given (index order, or a bootstrap resample's order).

/** W_i ~ q_alpha(. | S_i) (eq. 12) through the coupling of the core's select_draws: W_i = r*(S_i)
 *  if u_i < alpha, else v_i (v_i uniform on 0..R-1). So P(W_i = r) = (1 - alpha)/R +
 *  alpha 1{r = r*(S_i)} (eq. 11), and one (u_i, v_i) per run serves every alpha (common random
 *  numbers: W_i moves from v_i to r*(S_i) once, at alpha = u_i). */
export function drawW(alpha: number, rstar: ArrayLike<number>, u: ArrayLike<number>, v: ArrayLike<number>): Int32Array {
  const M = rstar.length;
  const w = new Int32Array(M);
  for (let i = 0; i < M; i++) w[i] = u[i]! < alpha ? rstar[i]! : v[i]!;
  return w;
}

/** Per-run terms of the gap: train[i] = R_hat_{S_i}(W_i) = counts[i R + W_i] / m (eq. 9), and
 *  ref[i] = the reference risk of W_i = refErrors[W_i] / nRef: R_test(W_i) (eq. 31) when
 *  refErrors counts errors on the test split, the pool risk for reading (c). */
export interface GapTerms {
  train: Float64Array;
  ref: Float64Array;
}

export function gapTerms(
  w: ArrayLike<number>, counts: ArrayLike<number>, R: number, m: number, refErrors: ArrayLike<number>, nRef: number,
): GapTerms {
  const M = w.length;
  const train = new Float64Array(M), ref = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    const r = w[i]!;
    train[i] = counts[i * R + r]! / m;
    ref[i] = refErrors[r]! / nRef;
  }
  return { train, ref };
}

/** The gap statistics over runs idx[offset .. offset + M) (default: all runs in order):
 *  rTrain = (1/M) sum_i R_hat_{S_i}(W_i) (eq. 30); rRef = (1/M) sum_i R_ref(W_i) (eq. 31, with
 *  R_ref = R_test); g = rRef - rTrain (eq. 32); gAbs = (1/M) sum_i |R_ref(W_i) - R_hat_{S_i}(W_i)|
 *  (eq. 33). */
export interface GapStats {
  rTrain: number;
  rRef: number;
  g: number;
  gAbs: number;
}

export function gapStats(t: GapTerms, idx?: ArrayLike<number>, offset = 0, M = t.train.length): GapStats {
  const { train, ref } = t;
  let st = 0, sr = 0, sa = 0;
  for (let j = 0; j < M; j++) {
    const i = idx === undefined ? j : idx[offset + j]!;
    const a = train[i]!, b = ref[i]!;
    st += a;
    sr += b;
    sa += Math.abs(b - a);
  }
  const rTrain = st / M, rRef = sr / M;
  return { rTrain, rRef, g: rRef - rTrain, gAbs: sa / M };
}
