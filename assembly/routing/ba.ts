// Blahut-Arimoto routing on a finite expert bank (paper Section V, eqs. 23-29).
//
// The problem. N items (rows) i, R experts t, losses l[i,t] (u8: the 0-1 loss matrices, or any
// small integer loss). A gate is p(t|x_i); its expert marginal (eq. 23) and routing information
// (eq. 24) are
//   pi_t = (1/N) sum_i p(t|x_i),      I = (1/N) sum_i sum_t p(t|x_i) log(p(t|x_i) / pi_t)   (nats),
// its distortion D = (1/N) sum_i sum_t p(t|x_i) l[i,t], and the Lagrangian of eq. 26 is D + lambda I.
// For a fixed lambda the minimiser has the form of eq. 28 for a marginal pi:
//   p(t|x_i) = pi_t e_it / Z_i,   e_it = exp(-(l[i,t] - m_i) / lambda),   Z_i = sum_s pi_s e_is,
// with m_i = min_t l[i,t] subtracted first (exact: it cancels in the ratio, and it keeps e_it = 1
// on a row's best experts, so Z_i never underflows even when exp(-1/lambda) does, lambda = 1e-3).
// Substituting it, the optimal pi minimises the convex dual (Csiszar; Blahut 1972)
//   F(pi) = -(1/N) sum_i log Z_i(pi),     L*(lambda) = min_pi [lambda F(pi) + mean_i m_i],
// whose gradient is -c with
//   c_t(pi) = (1/N) sum_i e_it / Z_i(pi)                                               (the certificate)
// (note sum_t pi_t c_t = 1). Eq. 29 is the multiplicative step pi_t <- pi_t c_t. pi is optimal iff
// c_t <= 1 for every t (equality on the support: KKT on the simplex), and for any pi
//   0 <= F(pi) - F(pi*) <= log max_t c_t(pi)
// (Jensen: F(pi) - F(pi*) = (1/N) sum_i log(Z_i(pi*)/Z_i(pi)) <= log sum_t pi*_t c_t <= log max c).
// So max_t c_t - 1 <= tol certifies the Lagrangian to within lambda log(1 + tol), whatever method
// produced pi; the solvers stop on it, never on the step size.
//
// lambda = 0 is allowed: e_it = [l[i,t] == m_i]. Then D = mean_i m_i (the oracle error for 0-1
// losses) for every pi, and min_pi F(pi) is the least rate that attains it (curve end).
//
// Distinct rows. Rows with equal loss vectors get the same gate, so every sum over i runs over
// the K distinct rows k with weights w_k = count_k / N (ba_patterns): with 0-1 losses a row is an
// R-bit pattern and K is at most min(N, 2^R).
//
// Buffers (f64 unless noted; RS = ba_stride(R) = R rounded up to even, so that every per-expert
// vector is whole f64x2 lanes; entries R..RS-1 are kept 0):
//   losses  u8  [R, stride]  expert-major (the .npy layout); the first N columns are used
//   pat     u8  [K, R]       distinct rows, in order of first occurrence (capacity N rows)
//   count   u32 [K]          how many rows share pattern k
//   rowmap  u32 [N]          rowmap[i] = k, the pattern of row i
//   table   u32 [ba_table_len(N)]  hash table scratch of ba_patterns
//   E       f64 [K, RS]      e_kt of the current lambda (ba_setup)
//   w       f64 [K]          w_k = count_k / N
//   m       f64 [K]          m_k = min_t l[k,t]
//   pi      f64 [RS]         a marginal on the simplex (in: start, out: solution)
//   Z       f64 [K],  c  f64 [RS]
//   work    ba_workspace_bytes(K, R) bytes, 16-byte aligned
//
// Lane order. The hot loops (Z_k = sum_t pi_t e_kt, c_t += g_k e_kt, and the Hessian's rank-one
// updates A_st += h_s u_t) run on f64x2 in the simd build. The dot product of the scalar build
// keeps two partial sums (even t, odd t) and adds them at the end, exactly as the lanes do; the
// other two are per-element updates, the same in both. So the simd, scalar and relaxed builds give
// the same bits (no fused multiply-add anywhere).
//
// Methods (ba_solve): 0 plain BA, 1 SQUAREM on log pi, 2 Newton/SQP (the default of src/routing).
// Each stops on the certificate only.
//
// Files, by idea: this one holds the per-lambda setup and the dual F(pi) with its certificate
// (ba_setup, ba_setup_f64, ba_eval); patterns.ts the distinct rows (ba_patterns); solvers.ts the
// three methods (ba_solve); qp_simplex.ts Newton's QP on the simplex and its Cholesky;
// gate_stats.ts the gate and its numbers (ba_gate_stats, ba_gate, routing_information);
// workspace.ts the caller-owned workspace and its record (ba_workspace_bytes); vec.ts f64 helpers.


import { ld, st } from "./vec";


/** RS: R rounded up to even, the stride of E rows and of every per-expert f64 vector. */
export function ba_stride(R: i32): i32 {
  return (R + 1) & ~1;
}

// exp(-j / lambda) for j = 0..255: scratch of one ba_setup call (filled at its start, read only by
// it; nothing is kept from one call to the next).
const EXP_TABLE: usize = memory.data(256 * 8, 16);

/**
 * The per-lambda inputs of eq. 28 on the K distinct rows: m_k = min_t pat[k,t],
 * E[k,t] = exp(-(pat[k,t] - m_k) / lambda) (lambda > 0; +Infinity gives all ones) or
 * [pat[k,t] == m_k] (lambda = 0), E's padding columns R..RS-1 = 0, and w_k = count_k / N.
 * Returns mbar = sum_k w_k m_k (the part of the distortion no gate can avoid).
 */
export function ba_setup(pat: usize, count: usize, K: i32, R: i32, N: i32, lambda: f64, E: usize, w: usize, m: usize): f64 {
  const RS = ba_stride(R);
  for (let j = 0; j < 256; j++) {
    let e: f64;
    if (lambda == 0) e = j == 0 ? 1.0 : 0.0;
    else e = Math.exp(-(<f64>j / lambda));
    st(EXP_TABLE, j, e);
  }
  let mbar = 0.0;
  const n = <f64>N;
  for (let k = 0; k < K; k++) {
    const row = pat + <usize>k * <usize>R;
    let mk: i32 = 255;
    for (let t = 0; t < R; t++) {
      const b = <i32>load<u8>(row + <usize>t);
      if (b < mk) mk = b;
    }
    const er = E + ((<usize>k * <usize>RS) << 3);
    for (let t = 0; t < R; t++) st(er, t, ld(EXP_TABLE, <i32>load<u8>(row + <usize>t) - mk));
    for (let t = R; t < RS; t++) st(er, t, 0.0);
    const wk = <f64>load<u32>(count + (<usize>k << 2)) / n;
    st(w, k, wk);
    st(m, k, <f64>mk);
    mbar += wk * <f64>mk;
  }
  return mbar;
}

/**
 * ba_setup for real-valued distortions with explicit weights (a finite source X with
 * probabilities w_k, e.g. a discretized density): dist f64 [K, R] row-major (row k = d(x_k, .)),
 * wts f64 [K] (summing to 1). m_k = min_t dist[k,t], E[k,t] = exp(-(dist[k,t] - m_k) / lambda)
 * (lambda > 0) or [dist[k,t] == m_k] (lambda = 0), w_k = wts[k]. Returns sum_k w_k m_k. Every
 * other kernel (ba_eval, ba_solve, ba_gate) is the same for both forms; the distortion of a gate
 * is ba_gate_stats_f64.
 */
export function ba_setup_f64(dist: usize, wts: usize, K: i32, R: i32, lambda: f64, E: usize, w: usize, m: usize): f64 {
  const RS = ba_stride(R);
  let mbar = 0.0;
  for (let k = 0; k < K; k++) {
    const row = dist + ((<usize>k * <usize>R) << 3);
    let mk = ld(row, 0);
    for (let t = 1; t < R; t++) {
      const d = ld(row, t);
      if (d < mk) mk = d;
    }
    const er = E + ((<usize>k * <usize>RS) << 3);
    for (let t = 0; t < R; t++) {
      const d = ld(row, t) - mk;
      st(er, t, lambda == 0 ? (d == 0 ? 1.0 : 0.0) : Math.exp(-(d / lambda)));
    }
    for (let t = R; t < RS; t++) st(er, t, 0.0);
    const wk = ld(wts, k);
    st(w, k, wk);
    st(m, k, mk);
    mbar += wk * mk;
  }
  return mbar;
}

/**
 * One pass over the distinct rows at pi: Z_k = sum_t pi_t E[k,t] (eq. 28's denominator),
 * c_t = sum_k w_k E[k,t] / Z_k (the certificate, eq. 29 is pi_t c_t), and, if wantF,
 * returns F(pi) = -sum_k w_k log Z_k (else 0). Z and c are written (c: RS entries).
 */
export function ba_eval(E: usize, w: usize, K: i32, R: i32, pi: usize, Z: usize, c: usize, wantF: i32): f64 {
  const RS = ba_stride(R);
  for (let t = 0; t < RS; t++) st(c, t, 0.0);
  let F = 0.0;
  for (let k = 0; k < K; k++) {
    const row = E + ((<usize>k * <usize>RS) << 3);
    let z: f64;
    if (ASC_FEATURE_SIMD) {
      let acc = f64x2.splat(0.0);
      for (let j = 0; j < RS; j += 2) {
        const o = <usize>j << 3;
        acc = f64x2.add(acc, f64x2.mul(v128.load(pi + o), v128.load(row + o)));
      }
      z = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    } else {
      let a0 = 0.0, a1 = 0.0;
      for (let j = 0; j < RS; j += 2) {
        a0 = a0 + ld(pi, j) * ld(row, j);
        a1 = a1 + ld(pi, j + 1) * ld(row, j + 1);
      }
      z = a0 + a1;
    }
    st(Z, k, z);
    const wk = ld(w, k);
    if (wantF) F -= wk * Math.log(z);
    const g = wk / z;
    if (ASC_FEATURE_SIMD) {
      const gv = f64x2.splat(g);
      for (let j = 0; j < RS; j += 2) {
        const o = <usize>j << 3;
        v128.store(c + o, f64x2.add(v128.load(c + o), f64x2.mul(gv, v128.load(row + o))));
      }
    } else {
      for (let j = 0; j < RS; j++) st(c, j, ld(c, j) + g * ld(row, j));
    }
  }
  return F;
}
