// Small f64-vector helpers of the routing kernels (pointer + index, 8-byte elements).

// @ts-ignore: decorator
@inline
export function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline
export function st(p: usize, i: i32, x: f64): void {
  store<f64>(p + (<usize>i << 3), x);
}

/** max_t c_t over t < R; a NaN (a row with Z = 0) is returned as is, so it fails every test. */
// @ts-ignore: decorator
@inline
export function maxC(c: usize, R: i32): f64 {
  let mx = -Infinity;
  for (let t = 0; t < R; t++) {
    const x = ld(c, t);
    if (x != x) return x; // NaN (a row with Z = 0) fails every test
    if (x > mx) mx = x;
  }
  return mx;
}


/** Divides pi[0..R) by its sum (pi stays on the simplex up to rounding). */
export function normalize(pi: usize, R: i32): void {
  let s = 0.0;
  for (let t = 0; t < R; t++) s += ld(pi, t);
  for (let t = 0; t < R; t++) st(pi, t, ld(pi, t) / s);
}


/** Copies n f64 from src to dst. */
export function copyVec(dst: usize, src: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 3);
}

