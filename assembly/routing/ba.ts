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

// @ts-ignore: decorator
@inline function align16(x: usize): usize {
  return (x + 15) & ~(<usize>15);
}

// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function st(p: usize, i: i32, x: f64): void {
  store<f64>(p + (<usize>i << 3), x);
}

/** RS: R rounded up to even, the stride of E rows and of every per-expert f64 vector. */
export function ba_stride(R: i32): i32 {
  return (R + 1) & ~1;
}

/** Entries of the u32 hash table ba_patterns needs: the least power of two >= 2N (at least 16). */
export function ba_table_len(N: i32): i32 {
  let n = 16;
  while (n < 2 * N) n <<= 1;
  return n;
}

/**
 * Distinct rows of the loss matrix losses u8 [R, stride] (columns 0..N-1 are the rows i): writes
 * pat u8 [K, R] (each distinct row once, in order of first occurrence), count u32 [K] and
 * rowmap u32 [N], and returns K. table: u32 [ba_table_len(N)] scratch. Hash: FNV-1a over the R
 * bytes, open addressing with linear probing; a hit is confirmed byte by byte.
 */
export function ba_patterns(losses: usize, R: i32, N: i32, stride: i32, pat: usize, count: usize, rowmap: usize, table: usize): i32 {
  const tlen = ba_table_len(N);
  const mask = <u32>(tlen - 1);
  memory.fill(table, 0, <usize>tlen << 2);
  let K = 0;
  for (let i = 0; i < N; i++) {
    // Gather row i into the next free pattern slot, hashing as we go.
    const slot = pat + <usize>K * <usize>R;
    let h: u32 = 0x811c9dc5;
    for (let t = 0; t < R; t++) {
      const b = load<u8>(losses + <usize>t * <usize>stride + <usize>i);
      store<u8>(slot + <usize>t, b);
      h = (h ^ <u32>b) * 0x01000193;
    }
    let pos = h & mask;
    let found = -1;
    while (true) {
      const e = load<u32>(table + (<usize>pos << 2));
      if (e == 0) break;
      const k = <i32>e - 1;
      if (memory.compare(pat + <usize>k * <usize>R, slot, <usize>R) == 0) {
        found = k;
        break;
      }
      pos = (pos + 1) & mask;
    }
    if (found < 0) {
      store<u32>(table + (<usize>pos << 2), <u32>(K + 1));
      store<u32>(count + (<usize>K << 2), 1);
      found = K;
      K++;
    } else {
      const cp = count + (<usize>found << 2);
      store<u32>(cp, load<u32>(cp) + 1);
    }
    store<u32>(rowmap + (<usize>i << 2), <u32>found);
  }
  return K;
}

// exp(-j / lambda) for j = 0..255, filled by ba_setup.
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

// @ts-ignore: decorator
@inline function maxC(c: usize, R: i32): f64 {
  let mx = -Infinity;
  for (let t = 0; t < R; t++) {
    const x = ld(c, t);
    if (x != x) return x; // NaN (a row with Z = 0) fails every test
    if (x > mx) mx = x;
  }
  return mx;
}

// Divides pi[0..R) by its sum (pi stays on the simplex up to rounding).
function normalize(pi: usize, R: i32): void {
  let s = 0.0;
  for (let t = 0; t < R; t++) s += ld(pi, t);
  for (let t = 0; t < R; t++) st(pi, t, ld(pi, t) / s);
}

// Acceptance of a candidate (F1, cert1) against the current point (F0, cert0): F must not go up.
// Near the optimum F is flat to rounding (its changes fall below K ulps while the certificate,
// a gradient, still moves), so within a relative 1e-13 of F0 the certificate decides.
// F >= 0 always (Z_k <= 1 because E <= 1 and pi sums to 1).
// @ts-ignore: decorator
@inline function better(F1: f64, cert1: f64, F0: f64, cert0: f64): bool {
  const dF = 1e-13 * F0;
  if (F1 < F0 - dF) return true;
  return F1 <= F0 + dF && cert1 < cert0;
}

// ------------------------------------------------------------------------------------------------
// Workspace. Slots of f64 (each block 16-byte aligned):
//   Z0, Z1 [K]: Z at the current point and at the candidate;
//   c0, c1, c2 [RS]: certificates; p1, p2, th, r, v, q, d, u, grad, x, y, pb [RS]: vectors;
//   A [RS*RS]: Hessian of F; M [R*R]: Cholesky factor of its free block;
//   fre i32 [RS], Wset u8 [RS]: the QP's free list and working set.

const NVEC: i32 = 15;

/** Bytes of workspace ba_solve and ba_gate_stats need for K distinct rows and R experts. */
export function ba_workspace_bytes(K: i32, R: i32): usize {
  const RS = <usize>ba_stride(R);
  return 2 * align16(<usize>K << 3) + <usize>NVEC * align16(RS << 3) + align16((RS * RS) << 3) + align16(<usize>(R * R) << 3) + align16(RS << 2) + align16(RS);
}

// Workspace pointers, set by carve().
let wZ0: usize = 0, wZ1: usize = 0;
let wc0: usize = 0, wc1: usize = 0, wc2: usize = 0;
let wp1: usize = 0, wp2: usize = 0, wth: usize = 0, wr: usize = 0, wv: usize = 0, wq: usize = 0, wd: usize = 0;
let wu: usize = 0, wgrad: usize = 0, wx: usize = 0, wy: usize = 0, wpb: usize = 0;
let wA: usize = 0, wM: usize = 0, wfree: usize = 0, wW: usize = 0;

function carve(work: usize, K: i32, R: i32): void {
  const RS = <usize>ba_stride(R);
  const kb = align16(<usize>K << 3), vb = align16(RS << 3);
  let p = work;
  wZ0 = p; p += kb;
  wZ1 = p; p += kb;
  wc0 = p; p += vb; wc1 = p; p += vb; wc2 = p; p += vb;
  wp1 = p; p += vb; wp2 = p; p += vb; wth = p; p += vb; wr = p; p += vb; wv = p; p += vb;
  wq = p; p += vb; wd = p; p += vb; wu = p; p += vb; wgrad = p; p += vb; wx = p; p += vb;
  wy = p; p += vb; wpb = p; p += vb;
  wA = p; p += align16((RS * RS) << 3);
  wM = p; p += align16(<usize>(R * R) << 3);
  wfree = p; p += align16(RS << 2);
  wW = p;
}

// Solver counters (written to out by ba_solve).
let nEval: i32 = 0;
let nIter: i32 = 0;
let nAccel: i32 = 0;
let nFallback: i32 = 0;
let nQp: i32 = 0;

// Evaluates at x into (Zx, cx); returns F. Counts one evaluation.
// @ts-ignore: decorator
@inline function evalCount(E: usize, w: usize, K: i32, R: i32, x: usize, Zx: usize, cx: usize): f64 {
  nEval++;
  return ba_eval(E, w, K, R, x, Zx, cx, 1);
}

function copyVec(dst: usize, src: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 3);
}

// ------------------------------------------------------------------------------------------------
// Method 0: plain Blahut-Arimoto, eqs. 28-29: pi_t <- pi_t c_t (then divided by its sum, which is 1
// up to rounding). Stops at the first pi with max_t c_t - 1 <= tol.

function solvePlain(E: usize, w: usize, K: i32, R: i32, pi: usize, tol: f64, maxEval: i32): f64 {
  while (true) {
    nEval++;
    ba_eval(E, w, K, R, pi, wZ0, wc0, 0);
    const cert = maxC(wc0, R) - 1.0;
    if (cert <= tol || nEval >= maxEval) return cert;
    for (let t = 0; t < R; t++) st(pi, t, ld(pi, t) * ld(wc0, t));
    normalize(pi, R);
    nIter++;
  }
}

// ------------------------------------------------------------------------------------------------
// Method 1: SQUAREM (Varadhan & Roland 2008, scheme S3) on theta = log pi, with the plain step of
// method 0 as the fixed-point map G. In log coordinates G is theta + log c, so a component that
// decays geometrically (pi_t c_t^k, an expert leaving the support) is a straight line that the
// extrapolation follows. One cycle from pi0 (with c0 known):
//   pi1 = G(pi0), pi2 = G(pi1);  r = log c0,  v = log c1 - log c0  (on live components);
//   alpha = clamp(sqrt(|r|^2 / |v|^2), 1, stepMax);  theta' = theta0 + 2 alpha r + alpha^2 v;
//   pi' = softmax(theta') (on the simplex by construction);
//   accept pi' if better() than pi1; else halve alpha towards 1 (up to 4 times); else take pi2
//   (two plain steps: the fallback). stepMax starts at 1 and is multiplied by 4 each time the
//   largest step is accepted, divided by 4 when it fails.
// A zero pi_t stays zero (absorbing, as in plain BA): start from a pi with full support.

function solveSquarem(E: usize, w: usize, K: i32, R: i32, pi: usize, tol: f64, maxEval: i32): f64 {
  let stepMax = 1.0;
  let F0 = evalCount(E, w, K, R, pi, wZ0, wc0);
  let cert0 = maxC(wc0, R) - 1.0;
  while (true) {
    if (cert0 <= tol || nEval >= maxEval) return cert0;
    nIter++;
    // pi1 = G(pi0)
    for (let t = 0; t < R; t++) st(wp1, t, ld(pi, t) * ld(wc0, t));
    normalize(wp1, R);
    const F1 = evalCount(E, w, K, R, wp1, wZ1, wc1);
    const cert1 = maxC(wc1, R) - 1.0;
    if (cert1 <= tol || nEval >= maxEval) {
      copyVec(pi, wp1, R);
      copyVec(wc0, wc1, R);
      return cert1;
    }
    // r, v in log coordinates on the live components (pi0 > 0, c0 > 0, c1 > 0).
    let rr = 0.0, vv = 0.0;
    for (let t = 0; t < R; t++) {
      const p0 = ld(pi, t), a = ld(wc0, t), b = ld(wc1, t);
      if (p0 > 0 && a > 0 && b > 0) {
        const rt = Math.log(a);
        const vt = Math.log(b) - rt;
        st(wr, t, rt);
        st(wv, t, vt);
        st(wth, t, Math.log(p0));
        rr += rt * rt;
        vv += vt * vt;
      } else {
        st(wth, t, -Infinity);
        st(wr, t, 0.0);
        st(wv, t, 0.0);
      }
    }
    let alpha = vv > 0 ? Math.sqrt(rr / vv) : stepMax;
    if (alpha > stepMax) alpha = stepMax;
    if (alpha < 1.0) alpha = 1.0;
    let accepted = false;
    let Fn = 0.0, certn = 0.0;
    for (let bt = 0; bt < 5; bt++) {
      // theta' = theta0 + 2 alpha r + alpha^2 v, pi' = softmax(theta') into wq
      let mx = -Infinity;
      for (let t = 0; t < R; t++) {
        const th = ld(wth, t);
        const x = th == -Infinity ? th : th + 2.0 * alpha * ld(wr, t) + alpha * alpha * ld(wv, t);
        st(wq, t, x);
        if (x > mx) mx = x;
      }
      for (let t = 0; t < R; t++) {
        const x = ld(wq, t);
        st(wq, t, x == -Infinity ? 0.0 : Math.exp(x - mx));
      }
      normalize(wq, R);
      Fn = evalCount(E, w, K, R, wq, wZ1, wc2);
      certn = maxC(wc2, R) - 1.0;
      if (Fn == Fn && Fn <= F1) { // the classical safeguard: F must not increase
        accepted = true;
        break;
      }
      if (alpha == stepMax) stepMax = stepMax / 4.0 < 1.0 ? 1.0 : stepMax / 4.0;
      alpha = (alpha + 1.0) * 0.5;
      if (alpha <= 1.0 || nEval >= maxEval) break;
    }
    if (accepted) {
      nAccel++;
      if (alpha == stepMax) stepMax *= 4.0;
      copyVec(pi, wq, R);
      copyVec(wc0, wc2, R);
      F0 = Fn;
      cert0 = certn;
    } else {
      // Fallback: pi2 = G(pi1), two plain steps from pi0.
      nFallback++;
      for (let t = 0; t < R; t++) st(pi, t, ld(wp1, t) * ld(wc1, t));
      normalize(pi, R);
      F0 = evalCount(E, w, K, R, pi, wZ0, wc0);
      cert0 = maxC(wc0, R) - 1.0;
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Method 2: Newton (sequential quadratic programming on the simplex). F is convex with gradient
// -c and Hessian
//   A_st = sum_k w_k E[k,s] E[k,t] / Z_k^2,
// so the quadratic model of -F around pi is  c.(q - pi) - 1/2 (q - pi)' A (q - pi).  Each step
// maximises that model over the simplex exactly (an active-set QP on R variables, qpSimplex),
// then searches along d = q - pi: pi + s d for s = 1, 1/2, 1/4, ... (always on the simplex: a
// convex combination), accepting the first better() point. The QP sets components exactly to
// zero and releases a zero component whose multiplier says it should enter (c_t > model's
// level), so zeros are not absorbing here. If 40 halvings fail, one plain step is taken (the
// fallback, monotone in exact arithmetic). Near pi* the step is Newton's: quadratic convergence
// of the certificate, a handful of steps per lambda.

// Cholesky of the free block of A (plus the ridge `delta` on its diagonal) into wM (nf x nf,
// row-major, lower triangle). A pivot below delta is raised to delta (a modified Cholesky: the
// direction stays an ascent direction; the line search judges it).
function cholFree(RS: i32, nf: i32, delta: f64): void {
  for (let a = 0; a < nf; a++) {
    const ta = load<i32>(wfree + (<usize>a << 2));
    for (let b = 0; b <= a; b++) {
      const tb = load<i32>(wfree + (<usize>b << 2));
      let s = ld(wA, ta * RS + tb);
      if (a == b) s += delta;
      for (let j = 0; j < b; j++) s -= ld(wM, a * nf + j) * ld(wM, b * nf + j);
      if (a == b) {
        if (!(s > delta)) s = delta;
        st(wM, a * nf + a, Math.sqrt(s));
      } else {
        st(wM, a * nf + b, s / ld(wM, b * nf + b));
      }
    }
  }
}

// Solves (L L') z = b in place (b, z: nf entries in vector `v`).
function cholSolve(nf: i32, v: usize): void {
  for (let a = 0; a < nf; a++) {
    let s = ld(v, a);
    for (let j = 0; j < a; j++) s -= ld(wM, a * nf + j) * ld(v, j);
    st(v, a, s / ld(wM, a * nf + a));
  }
  for (let a = nf - 1; a >= 0; a--) {
    let s = ld(v, a);
    for (let j = a + 1; j < nf; j++) s -= ld(wM, j * nf + a) * ld(v, j);
    st(v, a, s / ld(wM, a * nf + a));
  }
}

// grad_t = sum_s A_ts (q_s - pi_s) - c_t: the gradient of the minimised model -(c.d - 1/2 d'Ad).
function modelGrad(R: i32, RS: i32, pi: usize, c: usize): void {
  for (let t = 0; t < R; t++) st(wd, t, ld(wq, t) - ld(pi, t));
  for (let t = 0; t < R; t++) {
    let s = 0.0;
    for (let u = 0; u < R; u++) s += ld(wA, t * RS + u) * ld(wd, u);
    st(wgrad, t, s - ld(c, t));
  }
}

// Maximises c.(q - pi) - 1/2 (q - pi)' A (q - pi) over the simplex (primal active set, Nocedal &
// Wright 16.5), from q = pi with working set {t: pi_t = 0}. On a face (free set F, the rest 0):
// the equality-constrained step p solves A_FF p = -grad_F - nu 1, 1'p = 0, i.e. with
// x = A_FF^-1 (-grad_F), y = A_FF^-1 1: nu = 1'x / 1'y, p = x - nu y. A blocking component is
// fixed at 0; at the face's optimum the multipliers of the fixed ones are mu_t = grad_t + nu, and
// the most negative one (below -1e-15) is released. Result in wq.
function qpSimplex(R: i32, RS: i32, pi: usize, c: usize, delta: f64): void {
  for (let t = 0; t < R; t++) {
    const p = ld(pi, t);
    st(wq, t, p);
    store<u8>(wW + <usize>t, p > 0 ? 0 : 1);
  }
  const maxIt = 10 * R + 50;
  for (let it = 0; it < maxIt; it++) {
    nQp++;
    let nf = 0;
    for (let t = 0; t < R; t++) {
      if (load<u8>(wW + <usize>t) == 0) {
        store<i32>(wfree + (<usize>nf << 2), t);
        nf++;
      }
    }
    if (nf == 0) break;
    modelGrad(R, RS, pi, c);
    cholFree(RS, nf, delta);
    for (let a = 0; a < nf; a++) {
      const ta = load<i32>(wfree + (<usize>a << 2));
      st(wx, a, -ld(wgrad, ta));
      st(wy, a, 1.0);
    }
    cholSolve(nf, wx);
    cholSolve(nf, wy);
    let sx = 0.0, sy = 0.0;
    for (let a = 0; a < nf; a++) {
      sx += ld(wx, a);
      sy += ld(wy, a);
    }
    const nu = sx / sy;
    let al = 1.0;
    let blk = -1;
    for (let a = 0; a < nf; a++) {
      const pa = ld(wx, a) - nu * ld(wy, a);
      st(wpb, a, pa);
      const qa = ld(wq, load<i32>(wfree + (<usize>a << 2)));
      if (pa < 0 && qa + pa < 0) {
        const s = qa / -pa;
        if (s < al) {
          al = s;
          blk = a;
        }
      }
    }
    for (let a = 0; a < nf; a++) {
      const ta = load<i32>(wfree + (<usize>a << 2));
      const x = ld(wq, ta) + al * ld(wpb, a);
      st(wq, ta, x > 0 ? x : 0.0);
    }
    if (blk >= 0) {
      const tb = load<i32>(wfree + (<usize>blk << 2));
      st(wq, tb, 0.0);
      store<u8>(wW + <usize>tb, 1);
      continue;
    }
    if (nf == R) break;
    modelGrad(R, RS, pi, c);
    let best = -1e-15;
    let rel = -1;
    for (let t = 0; t < R; t++) {
      if (load<u8>(wW + <usize>t) != 0) {
        const mu = ld(wgrad, t) + nu;
        if (mu < best) {
          best = mu;
          rel = t;
        }
      }
    }
    if (rel < 0) break;
    store<u8>(wW + <usize>rel, 0);
  }
  normalize(wq, R);
}

// A = sum_k w_k u u' with u_t = E[k,t] / Z_k (Z = wZ0): the upper triangle row by row (a row s
// with u_s = 0 is skipped), each entry A_st += (w_k u_s) u_t, then mirrored. f64x2 over t in
// the simd build; the scalar build does the same per-element operations.
function hessian(E: usize, w: usize, K: i32, R: i32, RS: i32): void {
  memory.fill(wA, 0, <usize>(RS * RS) << 3);
  for (let k = 0; k < K; k++) {
    const row = E + ((<usize>k * <usize>RS) << 3);
    const iz = 1.0 / ld(wZ0, k);
    for (let t = 0; t < RS; t++) st(wu, t, ld(row, t) * iz);
    const wk = ld(w, k);
    for (let s = 0; s < R; s++) {
      const us = ld(wu, s);
      if (us == 0) continue;
      const h = wk * us;
      const arow = wA + ((<usize>s * <usize>RS) << 3);
      const j0 = s & ~1;
      if (ASC_FEATURE_SIMD) {
        const hv = f64x2.splat(h);
        for (let j = j0; j < RS; j += 2) {
          const o = <usize>j << 3;
          v128.store(arow + o, f64x2.add(v128.load(arow + o), f64x2.mul(hv, v128.load(wu + o))));
        }
      } else {
        for (let j = j0; j < RS; j++) st(arow, j, ld(arow, j) + h * ld(wu, j));
      }
    }
  }
  for (let s = 0; s < R; s++) {
    for (let t = s + 1; t < R; t++) st(wA, t * RS + s, ld(wA, s * RS + t));
  }
}

// Whether the candidate wq zeroes a component that pi had and that the candidate's certificate
// (wc1) wants back: c_t - 1 > slack. F may still go down at such a point (other rows gain more),
// but the rows whose best experts were all zeroed are left with Z ~ exp(-1/lambda), and Newton
// climbs back out of that only by doubling pi_t per step (the quadratic model of -log(eps + x)
// far from its optimum): ~1/(lambda ln 2) steps. Such a candidate is refused; the line search
// halves the step, which keeps the component positive.
function killsNeeded(pi: usize, R: i32, slack: f64): bool {
  for (let t = 0; t < R; t++) {
    if (ld(wq, t) == 0 && ld(pi, t) > 0 && ld(wc1, t) - 1.0 > slack) return true;
  }
  return false;
}

function solveNewton(E: usize, w: usize, K: i32, R: i32, pi: usize, tol: f64, maxEval: i32): f64 {
  const RS = ba_stride(R);
  let F0 = evalCount(E, w, K, R, pi, wZ0, wc0);
  let cert0 = maxC(wc0, R) - 1.0;
  while (true) {
    if (cert0 <= tol || nEval >= maxEval) return cert0;
    nIter++;
    hessian(E, w, K, R, RS);
    let dmax = 0.0;
    for (let t = 0; t < R; t++) {
      const a = ld(wA, t * RS + t);
      if (a > dmax) dmax = a;
    }
    const delta = dmax > 0 ? 1e-13 * dmax : 1e-300;
    qpSimplex(R, RS, pi, wc0, delta);
    for (let t = 0; t < R; t++) st(wd, t, ld(wq, t) - ld(pi, t));
    let accepted = false;
    let s = 1.0;
    let F1 = 0.0, cert1 = 0.0;
    for (let bt = 0; bt < 40; bt++) {
      if (bt > 0) {
        for (let t = 0; t < R; t++) {
          const x = ld(pi, t) + s * ld(wd, t);
          st(wq, t, x > 0 ? x : 0.0);
        }
        normalize(wq, R);
      }
      F1 = evalCount(E, w, K, R, wq, wZ1, wc1);
      cert1 = maxC(wc1, R) - 1.0;
      if (F1 == F1 && better(F1, cert1, F0, cert0) && !killsNeeded(pi, R, cert0 > tol ? cert0 : tol)) {
        accepted = true;
        break;
      }
      if (nEval >= maxEval) break;
      s *= 0.5;
    }
    if (accepted) {
      nAccel++;
      copyVec(pi, wq, R);
      copyVec(wc0, wc1, R);
      const tz = wZ0;
      wZ0 = wZ1;
      wZ1 = tz;
      F0 = F1;
      cert0 = cert1;
    } else {
      nFallback++;
      for (let t = 0; t < R; t++) st(pi, t, ld(pi, t) * ld(wc0, t));
      normalize(pi, R);
      F0 = evalCount(E, w, K, R, pi, wZ0, wc0);
      cert0 = maxC(wc0, R) - 1.0;
    }
  }
}

/**
 * Minimises F(pi) (the dual of eq. 26 at the lambda E was built for) from the start pi (f64 [RS],
 * on the simplex, padding 0), overwriting pi with the solution. method: 0 = plain BA (eqs.
 * 28-29), 1 = SQUAREM on log pi, 2 = Newton/SQP (see above). Stops when max_t c_t - 1 <= tol at
 * the returned pi, or after maxEval evaluations (passes over the K rows). Writes out f64 [8]:
 *   [0] certificate max_t c_t(pi) - 1 at the returned pi   [1] F(pi) = -sum_k w_k log Z_k
 *   [2] evaluations   [3] iterations (BA steps / SQUAREM cycles / Newton steps)
 *   [4] accepted accelerated steps   [5] fallbacks to plain steps   [6] 1 if certificate <= tol
 *   [7] QP iterations (method 2)
 * and returns out[6]. work: ba_workspace_bytes(K, R) bytes.
 */
export function ba_solve(E: usize, w: usize, K: i32, R: i32, pi: usize, method: i32, tol: f64, maxEval: i32, work: usize, out: usize): i32 {
  carve(work, K, R);
  nEval = 0;
  nIter = 0;
  nAccel = 0;
  nFallback = 0;
  nQp = 0;
  const RS = ba_stride(R);
  for (let t = R; t < RS; t++) st(pi, t, 0.0);
  let cert: f64;
  if (method == 0) cert = solvePlain(E, w, K, R, pi, tol, maxEval);
  else if (method == 1) cert = solveSquarem(E, w, K, R, pi, tol, maxEval);
  else cert = solveNewton(E, w, K, R, pi, tol, maxEval);
  // The reported numbers are evaluated afresh at the returned pi (one more pass, not counted).
  const F = ba_eval(E, w, K, R, pi, wZ0, wc0, 1);
  cert = maxC(wc0, R) - 1.0;
  const ok: i32 = cert <= tol ? 1 : 0;
  st(out, 0, cert);
  st(out, 1, F);
  st(out, 2, <f64>nEval);
  st(out, 3, <f64>nIter);
  st(out, 4, <f64>nAccel);
  st(out, 5, <f64>nFallback);
  st(out, 6, <f64>ok);
  st(out, 7, <f64>nQp);
  return ok;
}

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
  carve(work, K, R);
  const RS = ba_stride(R);
  const F = ba_eval(E, w, K, R, pi, wZ0, wc0, 1);
  const cert = maxC(wc0, R) - 1.0;
  for (let t = 0; t < RS; t++) st(marg, t, 0.0);
  let D = 0.0;
  for (let k = 0; k < K; k++) {
    const row = E + ((<usize>k * <usize>RS) << 3);
    const prow = pat + <usize>k * <usize>R * sizeof<T>();
    const z = ld(wZ0, k);
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
    const z = ld(wZ0, k);
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
