// The step of the Newton solver (solvers.ts): maximise a concave quadratic model over the
// probability simplex by a primal active-set method, with a modified Cholesky of the free block.
// Every array is a slot of the caller's workspace (workspace.ts: BaWork): A the Hessian, M its
// factor, q the result, freeList/W the free list and working set, x, y, pb, d, grad scratch.
import { ld, normalize, st } from "./vec";
import { BaWork } from "./workspace";

// Cholesky of the free block of A (plus the ridge `delta` on its diagonal) into M (nf x nf,
// row-major, lower triangle). A pivot below delta is raised to delta (a modified Cholesky: the
// direction stays an ascent direction; the line search judges it).
function cholFree(ws: BaWork, RS: i32, nf: i32, delta: f64): void {
  for (let a = 0; a < nf; a++) {
    const ta = load<i32>(ws.freeList + (<usize>a << 2));
    for (let b = 0; b <= a; b++) {
      const tb = load<i32>(ws.freeList + (<usize>b << 2));
      let s = ld(ws.A, ta * RS + tb);
      if (a == b) s += delta;
      for (let j = 0; j < b; j++) s -= ld(ws.M, a * nf + j) * ld(ws.M, b * nf + j);
      if (a == b) {
        if (!(s > delta)) s = delta;
        st(ws.M, a * nf + a, Math.sqrt(s));
      } else {
        st(ws.M, a * nf + b, s / ld(ws.M, b * nf + b));
      }
    }
  }
}

// Solves (L L') z = b in place (b, z: nf entries in vector `v`).
function cholSolve(ws: BaWork, nf: i32, v: usize): void {
  for (let a = 0; a < nf; a++) {
    let s = ld(v, a);
    for (let j = 0; j < a; j++) s -= ld(ws.M, a * nf + j) * ld(v, j);
    st(v, a, s / ld(ws.M, a * nf + a));
  }
  for (let a = nf - 1; a >= 0; a--) {
    let s = ld(v, a);
    for (let j = a + 1; j < nf; j++) s -= ld(ws.M, j * nf + a) * ld(v, j);
    st(v, a, s / ld(ws.M, a * nf + a));
  }
}

// grad_t = sum_s A_ts (q_s - pi_s) - c_t: the gradient of the minimised model -(c.d - 1/2 d'Ad).
function modelGrad(ws: BaWork, R: i32, RS: i32, pi: usize, c: usize): void {
  for (let t = 0; t < R; t++) st(ws.d, t, ld(ws.q, t) - ld(pi, t));
  for (let t = 0; t < R; t++) {
    let s = 0.0;
    for (let u = 0; u < R; u++) s += ld(ws.A, t * RS + u) * ld(ws.d, u);
    st(ws.grad, t, s - ld(c, t));
  }
}

// Maximises c.(q - pi) - 1/2 (q - pi)' A (q - pi) over the simplex (primal active set, Nocedal &
// Wright 16.5), from q = pi with working set {t: pi_t = 0}. On a face (free set F, the rest 0):
// the equality-constrained step p solves A_FF p = -grad_F - nu 1, 1'p = 0, i.e. with
// x = A_FF^-1 (-grad_F), y = A_FF^-1 1: nu = 1'x / 1'y, p = x - nu y. A blocking component is
// fixed at 0; at the face's optimum the multipliers of the fixed ones are mu_t = grad_t + nu, and
// the most negative one (below -1e-15) is released. Result in ws.q.
export function qpSimplex(ws: BaWork, R: i32, RS: i32, pi: usize, c: usize, delta: f64): void {
  for (let t = 0; t < R; t++) {
    const p = ld(pi, t);
    st(ws.q, t, p);
    store<u8>(ws.W + <usize>t, p > 0 ? 0 : 1);
  }
  const maxIt = 10 * R + 50;
  for (let it = 0; it < maxIt; it++) {
    ws.nQp++;
    let nf = 0;
    for (let t = 0; t < R; t++) {
      if (load<u8>(ws.W + <usize>t) == 0) {
        store<i32>(ws.freeList + (<usize>nf << 2), t);
        nf++;
      }
    }
    if (nf == 0) break;
    modelGrad(ws, R, RS, pi, c);
    cholFree(ws, RS, nf, delta);
    for (let a = 0; a < nf; a++) {
      const ta = load<i32>(ws.freeList + (<usize>a << 2));
      st(ws.x, a, -ld(ws.grad, ta));
      st(ws.y, a, 1.0);
    }
    cholSolve(ws, nf, ws.x);
    cholSolve(ws, nf, ws.y);
    let sx = 0.0, sy = 0.0;
    for (let a = 0; a < nf; a++) {
      sx += ld(ws.x, a);
      sy += ld(ws.y, a);
    }
    const nu = sx / sy;
    let al = 1.0;
    let blk = -1;
    for (let a = 0; a < nf; a++) {
      const pa = ld(ws.x, a) - nu * ld(ws.y, a);
      st(ws.pb, a, pa);
      const qa = ld(ws.q, load<i32>(ws.freeList + (<usize>a << 2)));
      if (pa < 0 && qa + pa < 0) {
        const s = qa / -pa;
        if (s < al) {
          al = s;
          blk = a;
        }
      }
    }
    for (let a = 0; a < nf; a++) {
      const ta = load<i32>(ws.freeList + (<usize>a << 2));
      const x = ld(ws.q, ta) + al * ld(ws.pb, a);
      st(ws.q, ta, x > 0 ? x : 0.0);
    }
    if (blk >= 0) {
      const tb = load<i32>(ws.freeList + (<usize>blk << 2));
      st(ws.q, tb, 0.0);
      store<u8>(ws.W + <usize>tb, 1);
      continue;
    }
    if (nf == R) break;
    modelGrad(ws, R, RS, pi, c);
    let best = -1e-15;
    let rel = -1;
    for (let t = 0; t < R; t++) {
      if (load<u8>(ws.W + <usize>t) != 0) {
        const mu = ld(ws.grad, t) + nu;
        if (mu < best) {
          best = mu;
          rel = t;
        }
      }
    }
    if (rel < 0) break;
    store<u8>(ws.W + <usize>rel, 0);
  }
  normalize(ws.q, R);
}

