// The three solvers of the Blahut-Arimoto dual (assembly/routing/ba.ts has the problem, the dual
// F(pi) and its certificate c(pi)): 0 plain BA (eqs. 28-29), 1 SQUAREM on log pi, 2 Newton/SQP
// (the default of src/routing), behind one export, ba_solve. Each stops on the certificate only.
// Their scratch vectors and counters live in the caller's workspace (workspace.ts: BaWork), never
// in module globals.
import { ba_eval, ba_stride } from "./ba";
import { qpSimplex } from "./qp_simplex";
import { copyVec, ld, maxC, normalize, st } from "./vec";
import { BaWork, baWork } from "./workspace";

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

// Evaluates at x into (Zx, cx); returns F. Counts one evaluation.
// @ts-ignore: decorator
@inline function evalCount(ws: BaWork, E: usize, w: usize, K: i32, R: i32, x: usize, Zx: usize, cx: usize): f64 {
  ws.nEval++;
  return ba_eval(E, w, K, R, x, Zx, cx, 1);
}

// ------------------------------------------------------------------------------------------------
// Method 0: plain Blahut-Arimoto, eqs. 28-29: pi_t <- pi_t c_t (then divided by its sum, which is 1
// up to rounding). Stops at the first pi with max_t c_t - 1 <= tol.

function solvePlain(ws: BaWork, E: usize, w: usize, K: i32, R: i32, pi: usize, tol: f64, maxEval: i32): f64 {
  while (true) {
    ws.nEval++;
    ba_eval(E, w, K, R, pi, ws.Z0, ws.c0, 0);
    const cert = maxC(ws.c0, R) - 1.0;
    if (cert <= tol || ws.nEval >= maxEval) return cert;
    for (let t = 0; t < R; t++) st(pi, t, ld(pi, t) * ld(ws.c0, t));
    normalize(pi, R);
    ws.nIter++;
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

function solveSquarem(ws: BaWork, E: usize, w: usize, K: i32, R: i32, pi: usize, tol: f64, maxEval: i32): f64 {
  let stepMax = 1.0;
  let F0 = evalCount(ws, E, w, K, R, pi, ws.Z0, ws.c0);
  let cert0 = maxC(ws.c0, R) - 1.0;
  while (true) {
    if (cert0 <= tol || ws.nEval >= maxEval) return cert0;
    ws.nIter++;
    // pi1 = G(pi0)
    for (let t = 0; t < R; t++) st(ws.p1, t, ld(pi, t) * ld(ws.c0, t));
    normalize(ws.p1, R);
    const F1 = evalCount(ws, E, w, K, R, ws.p1, ws.Z1, ws.c1);
    const cert1 = maxC(ws.c1, R) - 1.0;
    if (cert1 <= tol || ws.nEval >= maxEval) {
      copyVec(pi, ws.p1, R);
      copyVec(ws.c0, ws.c1, R);
      return cert1;
    }
    // r, v in log coordinates on the live components (pi0 > 0, c0 > 0, c1 > 0).
    let rr = 0.0, vv = 0.0;
    for (let t = 0; t < R; t++) {
      const p0 = ld(pi, t), a = ld(ws.c0, t), b = ld(ws.c1, t);
      if (p0 > 0 && a > 0 && b > 0) {
        const rt = Math.log(a);
        const vt = Math.log(b) - rt;
        st(ws.r, t, rt);
        st(ws.v, t, vt);
        st(ws.th, t, Math.log(p0));
        rr += rt * rt;
        vv += vt * vt;
      } else {
        st(ws.th, t, -Infinity);
        st(ws.r, t, 0.0);
        st(ws.v, t, 0.0);
      }
    }
    let alpha = vv > 0 ? Math.sqrt(rr / vv) : stepMax;
    if (alpha > stepMax) alpha = stepMax;
    if (alpha < 1.0) alpha = 1.0;
    let accepted = false;
    let Fn = 0.0, certn = 0.0;
    for (let bt = 0; bt < 5; bt++) {
      // theta' = theta0 + 2 alpha r + alpha^2 v, pi' = softmax(theta') into ws.q
      let mx = -Infinity;
      for (let t = 0; t < R; t++) {
        const th = ld(ws.th, t);
        const x = th == -Infinity ? th : th + 2.0 * alpha * ld(ws.r, t) + alpha * alpha * ld(ws.v, t);
        st(ws.q, t, x);
        if (x > mx) mx = x;
      }
      for (let t = 0; t < R; t++) {
        const x = ld(ws.q, t);
        st(ws.q, t, x == -Infinity ? 0.0 : Math.exp(x - mx));
      }
      normalize(ws.q, R);
      Fn = evalCount(ws, E, w, K, R, ws.q, ws.Z1, ws.c2);
      certn = maxC(ws.c2, R) - 1.0;
      if (Fn == Fn && Fn <= F1) { // the classical safeguard: F must not increase
        accepted = true;
        break;
      }
      if (alpha == stepMax) stepMax = stepMax / 4.0 < 1.0 ? 1.0 : stepMax / 4.0;
      alpha = (alpha + 1.0) * 0.5;
      if (alpha <= 1.0 || ws.nEval >= maxEval) break;
    }
    if (accepted) {
      ws.nAccel++;
      if (alpha == stepMax) stepMax *= 4.0;
      copyVec(pi, ws.q, R);
      copyVec(ws.c0, ws.c2, R);
      F0 = Fn;
      cert0 = certn;
    } else {
      // Fallback: pi2 = G(pi1), two plain steps from pi0.
      ws.nFallback++;
      for (let t = 0; t < R; t++) st(pi, t, ld(ws.p1, t) * ld(ws.c1, t));
      normalize(pi, R);
      F0 = evalCount(ws, E, w, K, R, pi, ws.Z0, ws.c0);
      cert0 = maxC(ws.c0, R) - 1.0;
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

// The QP of each step is qpSimplex (qp_simplex.ts).

// A = sum_k w_k u u' with u_t = E[k,t] / Z_k (Z = ws.Z0): the upper triangle row by row (a row s
// with u_s = 0 is skipped), each entry A_st += (w_k u_s) u_t, then mirrored. f64x2 over t in
// the simd build; the scalar build does the same per-element operations.
function hessian(ws: BaWork, E: usize, w: usize, K: i32, R: i32, RS: i32): void {
  memory.fill(ws.A, 0, <usize>(RS * RS) << 3);
  for (let k = 0; k < K; k++) {
    const row = E + ((<usize>k * <usize>RS) << 3);
    const iz = 1.0 / ld(ws.Z0, k);
    for (let t = 0; t < RS; t++) st(ws.u, t, ld(row, t) * iz);
    const wk = ld(w, k);
    for (let s = 0; s < R; s++) {
      const us = ld(ws.u, s);
      if (us == 0) continue;
      const h = wk * us;
      const arow = ws.A + ((<usize>s * <usize>RS) << 3);
      const j0 = s & ~1;
      if (ASC_FEATURE_SIMD) {
        const hv = f64x2.splat(h);
        for (let j = j0; j < RS; j += 2) {
          const o = <usize>j << 3;
          v128.store(arow + o, f64x2.add(v128.load(arow + o), f64x2.mul(hv, v128.load(ws.u + o))));
        }
      } else {
        for (let j = j0; j < RS; j++) st(arow, j, ld(arow, j) + h * ld(ws.u, j));
      }
    }
  }
  for (let s = 0; s < R; s++) {
    for (let t = s + 1; t < R; t++) st(ws.A, t * RS + s, ld(ws.A, s * RS + t));
  }
}

// Whether the candidate ws.q zeroes a component that pi had and that the candidate's certificate
// (ws.c1) wants back: c_t - 1 > slack. F may still go down at such a point (other rows gain more),
// but the rows whose best experts were all zeroed are left with Z ~ exp(-1/lambda), and Newton
// climbs back out of that only by doubling pi_t per step (the quadratic model of -log(eps + x)
// far from its optimum): ~1/(lambda ln 2) steps. Such a candidate is refused; the line search
// halves the step, which keeps the component positive.
function killsNeeded(ws: BaWork, pi: usize, R: i32, slack: f64): bool {
  for (let t = 0; t < R; t++) {
    if (ld(ws.q, t) == 0 && ld(pi, t) > 0 && ld(ws.c1, t) - 1.0 > slack) return true;
  }
  return false;
}

function solveNewton(ws: BaWork, E: usize, w: usize, K: i32, R: i32, pi: usize, tol: f64, maxEval: i32): f64 {
  const RS = ba_stride(R);
  let F0 = evalCount(ws, E, w, K, R, pi, ws.Z0, ws.c0);
  let cert0 = maxC(ws.c0, R) - 1.0;
  while (true) {
    if (cert0 <= tol || ws.nEval >= maxEval) return cert0;
    ws.nIter++;
    hessian(ws, E, w, K, R, RS);
    let dmax = 0.0;
    for (let t = 0; t < R; t++) {
      const a = ld(ws.A, t * RS + t);
      if (a > dmax) dmax = a;
    }
    const delta = dmax > 0 ? 1e-13 * dmax : 1e-300;
    qpSimplex(ws, R, RS, pi, ws.c0, delta);
    for (let t = 0; t < R; t++) st(ws.d, t, ld(ws.q, t) - ld(pi, t));
    let accepted = false;
    let s = 1.0;
    let F1 = 0.0, cert1 = 0.0;
    for (let bt = 0; bt < 40; bt++) {
      if (bt > 0) {
        for (let t = 0; t < R; t++) {
          const x = ld(pi, t) + s * ld(ws.d, t);
          st(ws.q, t, x > 0 ? x : 0.0);
        }
        normalize(ws.q, R);
      }
      F1 = evalCount(ws, E, w, K, R, ws.q, ws.Z1, ws.c1);
      cert1 = maxC(ws.c1, R) - 1.0;
      if (F1 == F1 && better(F1, cert1, F0, cert0) && !killsNeeded(ws, pi, R, cert0 > tol ? cert0 : tol)) {
        accepted = true;
        break;
      }
      if (ws.nEval >= maxEval) break;
      s *= 0.5;
    }
    if (accepted) {
      ws.nAccel++;
      copyVec(pi, ws.q, R);
      copyVec(ws.c0, ws.c1, R);
      const tz = ws.Z0;
      ws.Z0 = ws.Z1;
      ws.Z1 = tz;
      F0 = F1;
      cert0 = cert1;
    } else {
      ws.nFallback++;
      for (let t = 0; t < R; t++) st(pi, t, ld(pi, t) * ld(ws.c0, t));
      normalize(pi, R);
      F0 = evalCount(ws, E, w, K, R, pi, ws.Z0, ws.c0);
      cert0 = maxC(ws.c0, R) - 1.0;
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
  const ws = baWork(work, K, R);
  const RS = ba_stride(R);
  for (let t = R; t < RS; t++) st(pi, t, 0.0);
  let cert: f64;
  if (method == 0) cert = solvePlain(ws, E, w, K, R, pi, tol, maxEval);
  else if (method == 1) cert = solveSquarem(ws, E, w, K, R, pi, tol, maxEval);
  else cert = solveNewton(ws, E, w, K, R, pi, tol, maxEval);
  // The reported numbers are evaluated afresh at the returned pi (one more pass, not counted).
  const F = ba_eval(E, w, K, R, pi, ws.Z0, ws.c0, 1);
  cert = maxC(ws.c0, R) - 1.0;
  const ok: i32 = cert <= tol ? 1 : 0;
  st(out, 0, cert);
  st(out, 1, F);
  st(out, 2, <f64>ws.nEval);
  st(out, 3, <f64>ws.nIter);
  st(out, 4, <f64>ws.nAccel);
  st(out, 5, <f64>ws.nFallback);
  st(out, 6, <f64>ok);
  st(out, 7, <f64>ws.nQp);
  return ok;
}
