// Exact, correctly rounded references for exp, log, log1p and expm1, in BigInt integer
// arithmetic only: no engine Math beyond the members that are exact everywhere (floor, abs,
// max, fround, clz32), and no `**`. They judge the core's deterministic math (test/math.test.ts).
//
// Method. A finite double is m * 2^e exactly (m, e integers, read off its bits). Each function
// is approximated in fixed point, value ~ n * 2^-f, together with a rigorous bound err on
// |n - exact * 2^f|. If n - err and n + err round to the same float, that float is the correctly
// rounded result (rounding is monotone); if not, the precision is doubled and the computation
// repeated (Ziv's strategy). exp, log, log1p and expm1 of a nonzero rational (resp. of a
// rational != 1) are transcendental, hence never a midpoint, so the loop always ends; the only
// exact results (exp 0 = 1, log 1 = 0, log1p 0 = 0, expm1 0 = 0) are special-cased.
//
//   exp:   x = k ln2 + r, |r| <~ ln2/2; exp(r) = (Taylor series at r / 2^j)^(2^j).
//   log:   x = t 2^E, t in [sqrt(1/2), sqrt(2)], c = i/128 nearest t;
//          log x = E ln2 + log c + 2 atanh((t - c)/(t + c)), log(i/128) tabulated.
//   log1p: log of the exact rational 1 + x (same code).
//   expm1: exp(r) 2^k - 1 in fixed point, with the precision raised by the binary exponent of
//          the result, so that tiny results keep their relative precision.
// ln 2 and the table come from atanh series at a precision above any requested one.

/** Target float format: precision p, smallest quantum exponent qmin, largest qmax. */
interface Fmt {
  readonly p: number;
  readonly qmin: number;
  readonly qmax: number;
  readonly f32: boolean;
}
const FMT64: Fmt = { p: 53, qmin: -1074, qmax: 971, f32: false };
const FMT32: Fmt = { p: 24, qmin: -149, qmax: 104, f32: true };

export type ExactFn = "exp" | "log" | "log1p" | "expm1";
export type Format = "f64" | "f32";

// ---------------------------------------------------------------------------------------------
// Bits.

const dv = new DataView(new ArrayBuffer(8));
const TWO32 = 4294967296;

/** 2^q for q in [-1074, 1023], built from bits. */
const POW2 = new Float64Array(1023 + 1074 + 1);
for (let q = -1074; q <= 1023; q++) {
  if (q >= -1022) {
    dv.setUint32(0, ((q + 1023) << 20) >>> 0);
    dv.setUint32(4, 0);
  } else {
    const s = q + 1074; // 0..51
    dv.setUint32(0, s >= 32 ? 1 << (s - 32) : 0);
    dv.setUint32(4, s < 32 ? (1 << s) >>> 0 : 0);
  }
  POW2[q + 1074] = dv.getFloat64(0);
}
function pow2(q: number): number {
  return POW2[q + 1074]!;
}

/** |x| = m * 2^e exactly, for finite x. */
function decompose(x: number): { neg: boolean; m: bigint; e: number } {
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  const frac = (hi & 0xfffff) * TWO32 + lo; // < 2^52, exact
  const neg = hi >>> 31 === 1;
  if (bexp === 0) return { neg, m: BigInt(frac), e: -1074 };
  return { neg, m: BigInt(frac + 4503599627370496), e: bexp - 1075 };
}

/** floor(log2 |x|) for finite nonzero x (subnormals included). */
function ilog2(x: number): number {
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  if (bexp !== 0) return bexp - 1023;
  const h = hi & 0xfffff;
  return h !== 0 ? 31 - Math.clz32(h) + 32 - 1074 : 31 - Math.clz32(lo) - 1074;
}

/** Number of bits of a > 0. */
function bitLength(a: bigint): number {
  if (a < 9007199254740992n) {
    const v = Number(a);
    return v >= TWO32 ? 64 - Math.clz32(Math.floor(v / TWO32)) : 32 - Math.clz32(v);
  }
  const s = a.toString(16);
  return (s.length - 1) * 4 + (32 - Math.clz32(parseInt(s[0]!, 16)));
}

// ---------------------------------------------------------------------------------------------
// Rounding a dyadic rational n * 2^-f to the format, round-to-nearest-even.

function roundDyadic(n: bigint, f: number, fmt: Fmt): number {
  if (n === 0n) return 0;
  const neg = n < 0n;
  const a = neg ? -n : n;
  const ex = bitLength(a) - 1 - f; // 2^ex <= |value| < 2^(ex+1)
  if (ex >= fmt.qmax + fmt.p) return neg ? -Infinity : Infinity;
  const q = Math.max(ex - (fmt.p - 1), fmt.qmin); // quantum exponent of the result
  const shift = f + q;
  let mant: bigint;
  if (shift <= 0) {
    mant = a << BigInt(-shift);
  } else {
    const sb = BigInt(shift);
    mant = a >> sb;
    const rem = a - (mant << sb);
    const half = 1n << (sb - 1n);
    if (rem > half || (rem === half && (mant & 1n) === 1n)) mant += 1n;
  }
  // mant <= 2^p and mant * 2^q is representable (or is exactly 2^1024 / 2^128: overflow).
  let r = Number(mant) * pow2(q);
  if (fmt.f32) r = Math.fround(r);
  return neg ? -r : r;
}

/** Approximation n * 2^-f of the exact value, |n - exact * 2^f| <= err. */
export interface Approx {
  n: bigint;
  f: number;
  err: bigint;
}

/** Ziv's loop: raise the precision until the rounding is decided. */
function ziv(fmt: Fmt, approx: (guard: number) => Approx): number {
  for (let g = fmt.f32 ? 64 : 96; g <= 1 << 16; g *= 2) {
    const { n, f, err } = approx(g);
    const lo = roundDyadic(n - err, f, fmt);
    const hi = roundDyadic(n + err, f, fmt);
    if (Object.is(lo, hi)) return lo;
  }
  throw new Error("exact-math: rounding undecided at 65536 guard bits (an exact case not special-cased?)");
}

// ---------------------------------------------------------------------------------------------
// Constants: ln 2 and log(i/128) for i in [TAB_LO, TAB_HI], at CF fractional bits, each within
// 1 unit (computed with 32 extra bits, then truncated). At a lower precision F they are shifted
// down (floor): within 2 units at F.

const TAB_LO = 88;
const TAB_HI = 184;
let CF = 0;
let LN2 = 0n;
let LOGTAB: bigint[] = [];

/** 2 atanh(num/den) * 2^P, 0 <= |num| < den, within a few units. */
function atanh2(num: bigint, den: bigint, P: bigint): bigint {
  if (num === 0n) return 0n;
  const neg = num < 0n;
  const a = neg ? -num : num;
  const n2 = a * a;
  const d2 = den * den;
  let pw = (a << P) / den;
  let sum = pw;
  for (let k = 3n; ; k += 2n) {
    pw = (pw * n2) / d2;
    if (pw === 0n) break;
    sum += pw / k;
  }
  return neg ? -2n * sum : 2n * sum;
}

function ensureConsts(F: number): void {
  if (F + 8 <= CF) return;
  CF = Math.max(1024, 2 * F + 64);
  const P = BigInt(CF + 32);
  LN2 = atanh2(1n, 3n, P) >> 32n; // ln 2 = 2 atanh(1/3)
  LOGTAB = [];
  for (let i = TAB_LO; i <= TAB_HI; i++) {
    LOGTAB.push(atanh2(BigInt(i - 128), BigInt(i + 128), P) >> 32n); // log(i/128)
  }
}
function ln2At(F: number): bigint {
  return LN2 >> BigInt(CF - F);
}
function logTabAt(i: number, F: number): bigint {
  return LOGTAB[i - TAB_LO]! >> BigInt(CF - F);
}

// ---------------------------------------------------------------------------------------------
// Cores.

const LOG2E = 1.4426950408889634; // only used to pick k; any nearby value is fine
const POW3: bigint[] = [1n];
for (let j = 1; j <= 64; j++) POW3.push(POW3[j - 1]! * 3n);
/** The reduced argument of exp is taken below 2^-EXP_RED before the Taylor series. */
const EXP_RED = 9;

/**
 * exp(x), x = (neg ? -1 : 1) m 2^e (|x| < 800), with F fractional bits of working precision
 * (raised if needed to hold x exactly). Returns exp(r) at scale 2^-(F+j) shifted by k.
 */
function expCore(x: number, neg: boolean, m: bigint, e: number, F: number): Approx {
  const k = Math.floor(x * LOG2E + 0.5);
  if (e + F < 0) F = -e;
  ensureConsts(F);
  let X = m << BigInt(e + F);
  if (neg) X = -X;
  // r = x - k ln2 at scale F; error <= 2|k| units (ln2 within 2 units).
  const r = X - BigInt(k) * ln2At(F);
  const ra = r < 0n ? -r : r;
  const j = ra === 0n ? 0 : Math.max(0, bitLength(ra) - F + EXP_RED);
  // The same integer r at scale W = F + j is r / 2^j: no rounding.
  const W = F + j;
  const Wb = BigInt(W);
  let sum = (1n << Wb) + r;
  let term = r;
  let nt = 1;
  for (let i = 2n; ; i++) {
    term = ((term * r) >> Wb) / i;
    if (term === 0n) break;
    sum += term;
    nt++;
  }
  // Series: <= 3 units per term + tail 6. Each squaring: d' <= 2 S d + 1 <= 3 d + 1 (S < 1.42).
  for (let s = 0; s < j; s++) sum = (sum * sum) >> Wb;
  // The error of r, 2|k| units at scale F, is relative: <= 1.42 * 2|k| * 2^j units at scale W.
  const err = POW3[j]! * BigInt(3 * nt + 8) + (BigInt(3 * Math.abs(k) + 4) << BigInt(j));
  return { n: sum, f: W - k, err };
}

/** log(A 2^B), A > 0 integer, at F fractional bits. */
function logCore(A: bigint, B: number, F: number): Approx {
  const L = bitLength(A);
  let d = L - 1; // t = A / 2^d in [1, 2)
  const top = L > 31 ? Number(A >> BigInt(L - 31)) : Number(A << BigInt(31 - L)); // t 2^30
  if (top > 1518500250) d = L; // t > sqrt 2: halve, t in [sqrt(1/2), 1)
  const E = B + d;
  const t256 = d >= 8 ? Number(A >> BigInt(d - 8)) : Number(A << BigInt(8 - d)); // floor(t 256)
  const i = (t256 + 1) >> 1; // round(t 128), in [91, 181]
  ensureConsts(F);
  const Fb = BigInt(F);
  let T: bigint;
  let terr = 0;
  if (F >= d) {
    T = A << BigInt(F - d);
  } else {
    T = A >> BigInt(d - F);
    terr = 2;
  }
  const C = BigInt(i) << BigInt(F - 7);
  // s = (t - c)/(t + c), |s| < 2^-8.4, within 1 unit; log(t/c) = 2 atanh(s).
  const sn = ((T - C) << Fb) / (T + C);
  const sneg = sn < 0n;
  const sa = sneg ? -sn : sn;
  const s2 = (sa * sa) >> Fb;
  let sum = sa;
  let pw = sa;
  let nt = 0;
  for (let k = 3n; ; k += 2n) {
    pw = (pw * s2) >> Fb;
    if (pw === 0n) break;
    sum += pw / k;
    nt++;
  }
  let total = sneg ? -2n * sum : 2n * sum;
  if (E !== 0) total += BigInt(E) * ln2At(F);
  if (i !== 128) total += logTabAt(i, F);
  // 2 x (3 units per term + tail 2) + 2 (s) + 2 (table) + 2|E| (ln2) + T truncation.
  const err = BigInt(6 * nt + 16 + 2 * Math.abs(E) + terr);
  return { n: total, f: F, err };
}

// ---------------------------------------------------------------------------------------------
// The functions. Each returns either the result of a special case or the approximator.

type Plan = number | ((guard: number) => Approx);

function planExp(x: number, fmt: Fmt): Plan {
  if (x !== x) return NaN;
  if (x === 0) return 1;
  // exp(x) > 2^1024 (resp. 2^128): overflow; exp(x) < 2^-1076 (2^-151): rounds to +0.
  if (x > (fmt.f32 ? 89 : 710)) return Infinity;
  if (x < (fmt.f32 ? -105 : -746)) return 0;
  // |x| < 2^-(p+1): 1 - 2^-(p+1) < exp(x) < 1 + 2^-p, inside the rounding interval of 1.
  if (Math.abs(x) < pow2(-fmt.p - 1)) return 1;
  const { neg, m, e } = decompose(x);
  return (g) => expCore(x, neg, m, e, g);
}

function planLog(x: number): Plan {
  if (x !== x || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  if (x === 1) return 0;
  const { m, e } = decompose(x);
  // Near 1, |log x| >= |x - 1| / 2 (x - 1 exact there): keep the relative precision.
  const extra = x >= 0.5 && x <= 2 ? Math.max(0, -ilog2(x - 1)) + 2 : 0;
  return (g) => logCore(m, e, g + extra);
}

function planLog1p(x: number): Plan {
  if (x !== x || x < -1) return NaN;
  if (x === -1) return -Infinity;
  if (x === Infinity) return Infinity;
  if (x === 0) return x; // keeps -0
  const { neg, m, e } = decompose(x);
  // 1 + x = A 2^B exactly.
  let A: bigint;
  let B: number;
  if (e >= 0) {
    A = (m << BigInt(e)) + 1n; // x >= 1 here (x > -1 excludes negative x with e >= 0)
    B = 0;
  } else {
    const one = 1n << BigInt(-e);
    A = neg ? one - m : one + m;
    B = e;
  }
  const extra = Math.abs(x) < 0.5 ? Math.max(0, -ilog2(x)) + 2 : 0;
  return (g) => logCore(A, B, g + extra);
}

function planExpm1(x: number, fmt: Fmt): Plan {
  if (x !== x) return NaN;
  if (x === 0) return x; // keeps -0
  if (x > (fmt.f32 ? 89 : 710)) return Infinity;
  // exp(x) < 2^-151: -1 + exp(x) rounds to -1 in either format.
  if (x < (fmt.f32 ? -105 : -746)) return -1;
  const { neg, m, e } = decompose(x);
  const extra = Math.abs(x) < 0.5 ? Math.max(0, -ilog2(x)) + 2 : 0;
  return (g) => {
    const a = expCore(x, neg, m, e, g + extra);
    let { n, f, err } = a;
    if (f < 0) {
      n <<= BigInt(-f);
      err <<= BigInt(-f);
      f = 0;
    }
    return { n: n - (1n << BigInt(f)), f, err };
  };
}

function plan(fn: ExactFn, x: number, fmt: Fmt): Plan {
  switch (fn) {
    case "exp":
      return planExp(x, fmt);
    case "log":
      return planLog(x);
    case "log1p":
      return planLog1p(x);
    case "expm1":
      return planExpm1(x, fmt);
  }
}

/**
 * fn(x) correctly rounded (nearest, ties to even) to f64, or, with format "f32", the exact
 * fn(x) rounded once to f32 (pass an f32 argument, Math.fround(x), for the f32 function).
 */
export function exact(fn: ExactFn, x: number, format: Format = "f64"): number {
  const fmt = format === "f32" ? FMT32 : FMT64;
  const p = plan(fn, x, fmt);
  if (typeof p === "number") return fmt.f32 ? Math.fround(p) : p;
  return ziv(fmt, p);
}

/**
 * The approximation behind exact(), exposed to test the reference itself: fn(x) ~ n 2^-f with
 * |n - fn(x) 2^f| <= err, computed with `guard` guard bits (the first step of Ziv's loop uses
 * 64 for f32 and 96 for f64); or the result itself for the special cases.
 */
export function approximate(fn: ExactFn, x: number, format: Format = "f64", guard = 96): Approx | number {
  const p = plan(fn, x, format === "f32" ? FMT32 : FMT64);
  return typeof p === "number" ? p : p(guard);
}

export const exactExp = (x: number): number => exact("exp", x);
export const exactLog = (x: number): number => exact("log", x);
export const exactLog1p = (x: number): number => exact("log1p", x);
export const exactExpm1 = (x: number): number => exact("expm1", x);
export const exactExpF32 = (x: number): number => exact("exp", x, "f32");
export const exactLogF32 = (x: number): number => exact("log", x, "f32");
export const exactLog1pF32 = (x: number): number => exact("log1p", x, "f32");
export const exactExpm1F32 = (x: number): number => exact("expm1", x, "f32");

/**
 * The error of y as an approximation of fn(x), in units of the last place of the format at the
 * exact value (the quantum of its binade; 2^-1074 resp. 2^-149 below the normal range), to
 * about 2^-40. For special cases (non-finite values, saturated ranges), the ulp distance to the
 * correctly rounded result instead.
 */
export function ulpError(fn: ExactFn, x: number, y: number, format: Format = "f64"): number {
  const fmt = format === "f32" ? FMT32 : FMT64;
  const dist = (a: number, b: number): number => (fmt.f32 ? ulpDistanceF32(a, b) : ulpDistance(a, b));
  const p = plan(fn, x, fmt);
  if (typeof p === "number" || y !== y || y === Infinity || y === -Infinity) return dist(y, exact(fn, x, format));
  const { n, f } = p(192);
  if (n === 0n) return dist(y, 0);
  const ex = bitLength(n < 0n ? -n : n) - 1 - f;
  const q = Math.max(ex - (fmt.p - 1), fmt.qmin);
  // diff = n 2^-f - y, y = ±my 2^ey; over a common scale 2^-S.
  const d = decompose(y);
  const my = d.neg ? -d.m : d.m;
  const S = Math.max(f, -d.e, 0);
  const D = (n << BigInt(S - f)) - (my << BigInt(d.e + S));
  const sh = S + q - 40; // D / 2^(S+q) with 40 fractional bits
  const Z = sh >= 0 ? D >> BigInt(sh) : D << BigInt(-sh);
  return Math.abs(Number(Z)) / 1099511627776;
}

// ---------------------------------------------------------------------------------------------
// Ulp distances.

/**
 * Number of representable doubles between a and b, counted on the ordered line (-0 and +0 are
 * the same point; ±Infinity are one step beyond ±MAX_VALUE). Two NaNs: 0; one NaN: Infinity.
 * Exact up to 2^53.
 */
export function ulpDistance(a: number, b: number): number {
  const an = a !== a;
  const bn = b !== b;
  if (an || bn) return an && bn ? 0 : Infinity;
  // Ordered key as two words (hi signed, lo): sign-magnitude turned into a signed integer.
  dv.setFloat64(0, a);
  let ahi = dv.getUint32(0);
  let alo = dv.getUint32(4);
  dv.setFloat64(0, b);
  let bhi = dv.getUint32(0);
  let blo = dv.getUint32(4);
  if (ahi >>> 31) {
    ahi = -(ahi & 0x7fffffff);
    alo = -alo;
  }
  if (bhi >>> 31) {
    bhi = -(bhi & 0x7fffffff);
    blo = -blo;
  }
  // (ahi - bhi) 2^32 is exact (a power-of-two multiple of a 33-bit integer); the sum is exact
  // whenever the distance is below 2^53.
  return Math.abs((ahi - bhi) * TWO32 + (alo - blo));
}

/** The same for f32 values (arguments are rounded to f32 first). */
export function ulpDistanceF32(a: number, b: number): number {
  const an = a !== a;
  const bn = b !== b;
  if (an || bn) return an && bn ? 0 : Infinity;
  dv.setFloat32(0, a);
  let ka = dv.getInt32(0);
  dv.setFloat32(0, b);
  let kb = dv.getInt32(0);
  if (ka < 0) ka = -(ka & 0x7fffffff);
  if (kb < 0) kb = -(kb & 0x7fffffff);
  return Math.abs(ka - kb);
}
