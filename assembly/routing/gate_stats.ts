// The gate of eq. 28 at a marginal pi and its numbers (rate, distortion, objective), the gate on
// the original rows, and the routing information of any gate (eqs. 23-24). The problem and the
// dual are in ba.ts.
import { ba_eval, ba_stride } from "./ba";
import { ld, maxC, st } from "./vec";
import { baWork } from "./workspace";

/**
 * The gate of eq. 28 at pi, p_kt = pi_t E[k,t] / Z_k, and its numbers (writes out f64 [6]):
 *   [0] rate I, eq. 24 with the gate's own marginal pi'_t = sum_k w_k p_kt (eq. 23), nats:
 *       sum_k w_k sum_t p_kt log(p_kt / pi'_t), terms with p_kt = 0 are 0;
 *   [1] distortion D = sum_k w_k sum_t p_kt pat[k,t];
 *   [2] objective D + lambda I (eq. 26; D at lambda = 0);
 *   [3] F(pi);  [4] certificate max_t c_t(pi) - 1;  [5] sum_t pi'_t (1 up to rounding).
 * The marginal pi' is written to marg (f64 [RS]). work: ba_workspace_bytes(K, R) bytes.
 * For pi = pi* the gate is the minimiser of eq. 26 and pi' = pi (up to the certificate).
 */
export function ba_gate_stats(E: usize, pat: usize, w: usize, K: i32, R: i32, lambda: f64, pi: usize, marg: usize, work: usize, out: usize): void {
  gateStats<u8>(E, pat, w, K, R, lambda, pi, marg, work, out);
}

/** ba_gate_stats with the real-valued distortions of ba_setup_f64 (dist f64 [K, R]). */
export function ba_gate_stats_f64(E: usize, dist: usize, w: usize, K: i32, R: i32, lambda: f64, pi: usize, marg: usize, work: usize, out: usize): void {
  gateStats<f64>(E, dist, w, K, R, lambda, pi, marg, work, out);
}

// The body of both: losses of type T (u8 patterns or f64 distortions), [K, R] row-major.
// @ts-ignore: decorator
@inline
function gateStats<T>(E: usize, pat: usize, w: usize, K: i32, R: i32, lambda: f64, pi: usize, marg: usize, work: usize, out: usize): void {
  const ws = baWork(work, K, R);
  const RS = ba_stride(R);
  const F = ba_eval(E, w, K, R, pi, ws.Z0, ws.c0, 1);
  const cert = maxC(ws.c0, R) - 1.0;
  for (let t = 0; t < RS; t++) st(marg, t, 0.0);
  let D = 0.0;
  for (let k = 0; k < K; k++) {
    const row = E + ((<usize>k * <usize>RS) << 3);
    const prow = pat + <usize>k * <usize>R * sizeof<T>();
    const z = ld(ws.Z0, k);
    const wk = ld(w, k);
    let dk = 0.0;
    for (let t = 0; t < R; t++) {
      const p = ld(pi, t) * ld(row, t) / z;
      st(marg, t, ld(marg, t) + wk * p);
      dk += p * <f64>load<T>(prow + <usize>t * sizeof<T>());
    }
    D += wk * dk;
  }
  let msum = 0.0;
  for (let t = 0; t < R; t++) msum += ld(marg, t);
  let I = 0.0;
  for (let k = 0; k < K; k++) {
    const row = E + ((<usize>k * <usize>RS) << 3);
    const z = ld(ws.Z0, k);
    let ik = 0.0;
    for (let t = 0; t < R; t++) {
      const p = ld(pi, t) * ld(row, t) / z;
      const pm = ld(marg, t);
      if (p > 0 && pm > 0) ik += p * Math.log(p / pm);
    }
    I += ld(w, k) * ik;
  }
  st(out, 0, I);
  st(out, 1, D);
  st(out, 2, lambda == 0 ? D : D + lambda * I);
  st(out, 3, F);
  st(out, 4, cert);
  st(out, 5, msum);
}

/** The gate of eq. 28 at pi on the original rows: out f64 [N, R] (row-major, unpadded),
 *  out[i,t] = pi_t E[k,t] / Z_k with k = rowmap[i]. */
export function ba_gate(E: usize, K: i32, R: i32, pi: usize, rowmap: usize, N: i32, out: usize): void {
  const RS = ba_stride(R);
  for (let i = 0; i < N; i++) {
    const k = <i32>load<u32>(rowmap + (<usize>i << 2));
    const row = E + ((<usize>k * <usize>RS) << 3);
    let a0 = 0.0, a1 = 0.0;
    for (let j = 0; j < RS; j += 2) {
      a0 = a0 + ld(pi, j) * ld(row, j);
      a1 = a1 + ld(pi, j + 1) * ld(row, j + 1);
    }
    const z = a0 + a1;
    const o = out + ((<usize>i * <usize>R) << 3);
    for (let t = 0; t < R; t++) st(o, t, ld(pi, t) * ld(row, t) / z);
  }
}

/**
 * The plug-in routing information of any gate p f64 [N, R] (row-major, rows p(.|x_i)):
 * eq. 23 pi_t = (1/N) sum_i p[i,t] (summed in row order, then divided by N; written to marg,
 * f64 [R]) and returns eq. 24, I = (1/N) sum_i sum_t p[i,t] log(p[i,t] / pi_t) in nats, with
 * 0 log 0 = 0 (rows summed in order, each row's terms in t order, then divided by N).
 */
export function routing_information(p: usize, N: i32, R: i32, marg: usize): f64 {
  for (let t = 0; t < R; t++) st(marg, t, 0.0);
  for (let i = 0; i < N; i++) {
    const row = p + ((<usize>i * <usize>R) << 3);
    for (let t = 0; t < R; t++) st(marg, t, ld(marg, t) + ld(row, t));
  }
  const n = <f64>N;
  for (let t = 0; t < R; t++) st(marg, t, ld(marg, t) / n);
  let I = 0.0;
  for (let i = 0; i < N; i++) {
    const row = p + ((<usize>i * <usize>R) << 3);
    let s = 0.0;
    for (let t = 0; t < R; t++) {
      const x = ld(row, t);
      if (x > 0) s += x * Math.log(x / ld(marg, t));
    }
    I += s;
  }
  return I / n;
}
