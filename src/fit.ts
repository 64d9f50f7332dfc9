// Least-squares laws fitted to measured curves (browser-safe; every log and exp is the core's,
// every sum in index order, so a fit is the same bits in every engine):
//   power law        y = a x^(-b)        least squares of log y on log x
//   saturating law   y = c + a x^(-b)    c in [0, min y]; (c, a) by least squares at each b, b by
//                                         a profile search
import type { DetMath } from "./math.js";

export interface PowerLaw {
  a: number;
  b: number;
  /** coefficient of determination on the log scale */
  r2: number;
  /** points used (those with x > 0 and y > 0) */
  points: number;
}

export interface SaturatingLaw {
  c: number;
  a: number;
  b: number;
  /** root mean square residual */
  rmse: number;
  /** b is at the search's upper end (3): the true exponent may be larger */
  atEdge: boolean;
}

/** Least squares of log y on log x: y = a x^(-b), over the points with x > 0 and y > 0 (a zero
 *  has no logarithm; clamping it would let one point set the exponent). Throws with fewer than 2. */
export function fitPowerLaw(math: DetMath, x0: number[], y0: number[]): PowerLaw {
  if (x0.length !== y0.length) throw new RangeError("a power law needs as many y as x");
  const keep = x0.map((v, i) => v > 0 && y0[i]! > 0);
  const x = x0.filter((_, i) => keep[i]), y = y0.filter((_, i) => keep[i]);
  if (x.length < 2) throw new RangeError(`a power law needs at least 2 points with x > 0 and y > 0, got ${x.length}`);
  const lx = x.map((v) => math.log(v)), ly = y.map((v) => math.log(v));
  const n = x.length;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) {
    mx += lx[i]!;
    my += ly[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) * (lx[i]! - mx);
    syy += (ly[i]! - my) * (ly[i]! - my);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const r2 = syy > 0 && sxx > 0 ? (sxy * sxy) / (sxx * syy) : 1;
  return { a: math.exp(my - slope * mx), b: -slope, r2, points: n };
}

/** y = c + a x^(-b): for each b the least-squares (c, a) with c clamped to [0, min y]; b minimises
 *  the residual over a grid of 600 values in (0, 3] refined by golden section. */
export function fitSaturatingLaw(math: DetMath, x: number[], y: number[]): SaturatingLaw {
  if (x.length < 3 || x.length !== y.length) throw new RangeError("a saturating law needs at least 3 points");
  const n = x.length;
  const ymin = Math.min(...y);
  const lx = x.map((v) => math.log(v));
  const at = (b: number): { c: number; a: number; sse: number } => {
    const t = lx.map((l) => math.exp(-b * l));
    let mt = 0, my = 0;
    for (let i = 0; i < n; i++) {
      mt += t[i]!;
      my += y[i]!;
    }
    mt /= n;
    my /= n;
    let stt = 0, sty = 0;
    for (let i = 0; i < n; i++) {
      stt += (t[i]! - mt) * (t[i]! - mt);
      sty += (t[i]! - mt) * (y[i]! - my);
    }
    let a = stt > 0 ? sty / stt : 0;
    let c = my - a * mt;
    if (c < 0 || c > ymin) {
      // Clamp c and refit a with c fixed: a = sum t (y - c) / sum t^2.
      c = c < 0 ? 0 : ymin;
      let s1 = 0, s2 = 0;
      for (let i = 0; i < n; i++) {
        s1 += t[i]! * (y[i]! - c);
        s2 += t[i]! * t[i]!;
      }
      a = s2 > 0 ? s1 / s2 : 0;
    }
    let sse = 0;
    for (let i = 0; i < n; i++) {
      const r = y[i]! - c - a * t[i]!;
      sse += r * r;
    }
    return { c, a, sse };
  };
  const G = 600;
  let bestK = 1, best = at(3 / G);
  for (let k = 2; k <= G; k++) {
    const f = at((3 * k) / G);
    if (f.sse < best.sse) {
      best = f;
      bestK = k;
    }
  }
  let lo = (3 * Math.max(bestK - 1, 0.01)) / G, hi = (3 * Math.min(bestK + 1, G)) / G;
  const phi = 0.6180339887498949;
  for (let it = 0; it < 60; it++) {
    const m1 = hi - phi * (hi - lo), m2 = lo + phi * (hi - lo);
    if (at(m1).sse <= at(m2).sse) hi = m2;
    else lo = m1;
  }
  const b = (lo + hi) / 2;
  const f = at(b).sse <= best.sse ? { ...at(b), b } : { ...best, b: (3 * bestK) / G };
  return { c: f.c, a: f.a, b: f.b, rmse: Math.sqrt(f.sse / n), atEdge: f.b >= 3 - 3 / G };
}

