// Accuracy of the core's deterministic math (AssemblyScript NativeMath / NativeMathf, musl and
// ARM optimized-routines ports; expm1 and expm1f our musl-order port, assembly/math/expm1.ts)
// against the exact, correctly rounded BigInt reference of test/support/exact-math.ts: at most
// 1 ulp from the correctly rounded result over the whole range of each function, and
// bit-identical results from the simd and scalar builds.
// The reference itself is checked first, against published correctly rounded constants and an
// independent naive algorithm (Taylor series without argument reduction, at 1200 bits).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { loadCore } from "./support/core.js";
import { mapF64, mapF32, type MathFnName } from "../src/math.js";
import {
  approximate,
  exact,
  exactExp,
  exactLog,
  exactLog1p,
  exactExpm1,
  exactExpm1F32,
  exactExpF32,
  exactLogF32,
  ulpDistance,
  ulpDistanceF32,
  ulpError,
  type Format,
} from "./support/exact-math.js";

// ---------------------------------------------------------------------------------------------
// Deterministic arguments: xorshift128 (Marsaglia 2003) on 32-bit words; doubles built from bits.

class Rng {
  #x = 123456789;
  #y = 362436069;
  #z = 521288629;
  #w: number;
  constructor(seed: number) {
    this.#w = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    const t = this.#x ^ (this.#x << 11);
    this.#x = this.#y;
    this.#y = this.#z;
    this.#z = this.#w;
    this.#w = (this.#w ^ (this.#w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return this.#w;
  }
  /** Uniform in [0, 1), 53 bits. */
  unit(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.unit();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.unit() * (hi - lo + 1));
  }
  sign(): number {
    return this.u32() & 1 ? -1 : 1;
  }
}

const bits = new DataView(new ArrayBuffer(8));
/** The double with biased exponent field be (0 = subnormal) and a random mantissa. */
function f64Bits(rng: Rng, be: number, neg = false): number {
  bits.setUint32(0, ((neg ? 0x80000000 : 0) | (be << 20) | (rng.u32() & 0xfffff)) >>> 0);
  bits.setUint32(4, rng.u32());
  return bits.getFloat64(0);
}
/** The float with biased exponent field be (0 = subnormal) and a random mantissa. */
function f32Bits(rng: Rng, be: number, neg = false): number {
  bits.setUint32(0, ((neg ? 0x80000000 : 0) | (be << 23) | (rng.u32() & 0x7fffff)) >>> 0);
  return bits.getFloat32(0);
}
/** ±2^E (1 + f), E uniform in [elo, ehi] (unbiased), for the format. */
function logUniform(rng: Rng, elo: number, ehi: number, f32: boolean, sign = rng.sign()): number {
  const e = rng.int(elo, ehi);
  return f32 ? f32Bits(rng, Math.max(0, e + 127), sign < 0) : f64Bits(rng, Math.max(0, e + 1023), sign < 0);
}

/** n values of gen(), then the specials. */
function args(n: number, gen: () => number, specials: number[] = []): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(gen());
  return out.concat(specials);
}

const COMMON_SPECIALS = [0, -0, Infinity, -Infinity, NaN, 1, -1, 2, 0.5, 5e-324, -5e-324, Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 2.2250738585072014e-308];

// ---------------------------------------------------------------------------------------------
// The sweeps.

interface Sweep {
  fn: MathFnName;
  format: Format;
  xs: number[];
}

function expArgs(): number[] {
  const r = new Rng(1);
  return [
    ...args(40000, () => r.uniform(-745.2, 709.79)), // whole range, both ends beyond the edges
    ...args(20000, () => logUniform(r, -60, -1, false)), // dense near 0
    ...args(2000, () => logUniform(r, -1074, -61, false)), // tiny, subnormals included
    ...args(12000, () => r.uniform(700, 709.79)), // near overflow (709.7827...)
    ...args(12000, () => r.uniform(-745.2, -700)), // subnormal results from -708.396...
    ...args(10000, () => r.uniform(-1, 1)),
    ...args(5000, () => r.uniform(-40, 40)),
    ...COMMON_SPECIALS,
    709.782712893384, 709.7827128933841, -745.1332191019411, -745.1332191019412, -745.1332191019410,
    -708.3964185322641, -708.3964185322642, 5.551115123125783e-17, -5.551115123125783e-17,
    1.1102230246251565e-16, -1.1102230246251565e-16, 0.6931471805599453, -0.6931471805599453,
  ];
}

function logArgs(): number[] {
  const r = new Rng(2);
  return [
    ...args(40000, () => f64Bits(r, r.int(0, 2046))), // every binade, subnormals to MAX_VALUE
    ...args(15000, () => f64Bits(r, 0)), // subnormals
    ...args(30000, () => 1 + logUniform(r, -53, -2, false)), // dense near 1, both sides
    ...args(10000, () => r.uniform(0.5, 2)),
    ...args(10000, () => r.uniform(0, 100)),
    ...COMMON_SPECIALS,
    -1e-300, 1.0000000000000002, 0.9999999999999999, 0.9999999999999998, 2.718281828459045, 10,
  ];
}

function log1pArgs(): number[] {
  const r = new Rng(3);
  return [
    ...args(8000, () => logUniform(r, -60, -2, false)), // near 0, both signs
    ...args(1000, () => logUniform(r, -1074, -61, false)), // tiny
    ...args(4000, () => -1 + logUniform(r, -53, -2, false, 1)), // near -1
    ...args(5000, () => r.uniform(-0.5, 1)),
    ...args(4000, () => logUniform(r, -1, 1023, false, 1)), // large
    ...COMMON_SPECIALS,
    -0.5, -0.9999999999999999, 1e-300, -1e-300, 2.220446049250313e-16, -1.1102230246251565e-16, -2,
  ];
}

function expm1Args(): number[] {
  const r = new Rng(4);
  return [
    ...args(8000, () => logUniform(r, -60, -2, false)), // near 0, both signs
    ...args(1000, () => logUniform(r, -1074, -61, false)), // tiny
    ...args(6000, () => r.uniform(-40, 709.79)),
    ...args(6000, () => r.uniform(1.04, 38.9)), // 2 <= k <= 56: the reconstruction AS reorders
    ...args(2000, () => r.uniform(700, 709.79)), // near overflow
    ...args(2000, () => r.uniform(-800, -30)), // saturating at -1
    ...args(3000, () => r.uniform(-1, 1)),
    ...COMMON_SPECIALS,
    709.782712893384, 709.7827128933841, -37.42994775023705, -38, -40,
    // AssemblyScript's NativeMath.expm1: 1.564 and 1.571 ulp (2 ulp from correctly rounded).
    21.89646049498115, 37.110406615408145,
  ];
}

const f = Math.fround;
function expfArgs(): number[] {
  const r = new Rng(5);
  return [
    ...args(8000, () => f(r.uniform(-104, 89))), // whole range, beyond both edges
    ...args(4000, () => logUniform(r, -30, -1, true)), // near 0
    ...args(500, () => logUniform(r, -149, -31, true)), // tiny
    ...args(3000, () => f(r.uniform(85, 89))), // near overflow (88.7228...)
    ...args(3000, () => f(r.uniform(-104, -85))), // subnormal results from -87.336...
    ...args(2000, () => f(r.uniform(-1, 1))),
    ...COMMON_SPECIALS.map(f),
    f(88.72283), f(88.72284), f(-103.27893), f(-103.97208), f(-87.33655), f(0.6931472),
  ];
}
function logfArgs(): number[] {
  const r = new Rng(6);
  return [
    ...args(8000, () => f32Bits(r, r.int(0, 254))), // every binade
    ...args(3000, () => f32Bits(r, 0)), // subnormals
    ...args(6000, () => f(1 + logUniform(r, -24, -2, true))), // near 1
    ...args(3000, () => f(r.uniform(0.5, 2))),
    ...COMMON_SPECIALS.map(f),
    f(1.0000001), f(0.99999994), f(2.7182817), f(10),
  ];
}
function log1pfArgs(): number[] {
  const r = new Rng(7);
  return [
    ...args(7000, () => logUniform(r, -30, -2, true)),
    ...args(500, () => logUniform(r, -149, -31, true)),
    ...args(3500, () => f(-1 + logUniform(r, -24, -2, true, 1))),
    ...args(5000, () => f(r.uniform(-0.5, 1))),
    ...args(4000, () => logUniform(r, -1, 127, true, 1)),
    ...COMMON_SPECIALS.map(f),
    f(-0.99999994), f(-0.5), f(1e-30), f(-1e-30),
  ];
}
function expm1fArgs(): number[] {
  const r = new Rng(8);
  return [
    ...args(7000, () => logUniform(r, -30, -2, true)),
    ...args(500, () => logUniform(r, -149, -31, true)),
    ...args(6000, () => f(r.uniform(-20, 89))),
    ...args(4000, () => f(r.uniform(1.04, 38.9))), // 2 <= k <= 56: the reconstruction AS reorders
    ...args(2000, () => f(r.uniform(85, 89))),
    ...args(1500, () => f(r.uniform(-120, -10))),
    ...args(3000, () => f(r.uniform(-1, 1))),
    ...COMMON_SPECIALS.map(f),
    f(88.72283), f(88.72284), f(-17.32868), f(-16.635532),
    // AssemblyScript's NativeMathf.expm1: 1.582 and 1.574 ulp (2 ulp from correctly rounded).
    fromBits32(0x4179b5a3), fromBits32(0x412122c4),
  ];
}

function hex(x: number, format: Format): string {
  if (format === "f32") {
    bits.setFloat32(0, x);
    return "0x" + bits.getUint32(0).toString(16).padStart(8, "0");
  }
  bits.setFloat64(0, x);
  return "0x" + bits.getBigUint64(0).toString(16).padStart(16, "0");
}

/** The accepted error: ulp distance from the correctly rounded result, and true error (ulps). */
interface Bound {
  dist: number;
  err: number;
}
const ONE_ULP: Bound = { dist: 1, err: 1 };

/** Runs one sweep on both builds, reporting (t.diagnostic) and asserting the bound. */
async function sweep(t: TestContext, { fn, format, xs }: Sweep, minCount: number, bound: Bound = ONE_ULP): Promise<void> {
  assert.ok(xs.length >= minCount, `${xs.length} arguments`);
  const name = format === "f32" ? `${fn}f` : fn;
  const t0 = performance.now();
  const ref = xs.map((x) => exact(fn, x, format));
  const tRef = performance.now() - t0;
  const dist = format === "f32" ? ulpDistanceF32 : ulpDistance;
  const outs: Record<string, Float64Array | Float32Array> = {};
  for (const build of ["simd", "scalar"] as const) {
    const core = await loadCore(build);
    const ys = format === "f32" ? mapF32(core, fn, xs) : mapF64(core, fn, xs);
    outs[build] = ys;
    let maxDist = 0;
    let notCR = 0;
    let maxErr = 0;
    let worst = -1;
    for (let i = 0; i < xs.length; i++) {
      const d = dist(ys[i]!, ref[i]!);
      if (d === 0) continue;
      notCR++;
      if (d > maxDist) maxDist = d;
      // Not correctly rounded: its true error (ulps of the exact value) is the largest kind.
      const err = ulpError(fn, xs[i]!, ys[i]!, format);
      if (err > maxErr || worst < 0) {
        maxErr = err;
        worst = i;
      }
    }
    const where = worst < 0 ? "" : `; worst x = ${xs[worst]} (${hex(xs[worst]!, format)}): got ${ys[worst]}, correctly rounded ${ref[worst]}`;
    t.diagnostic(
      `${name} (${build}): ${xs.length} args, max ${maxDist} ulp from correctly rounded, ` +
        `${notCR} not correctly rounded (${((100 * notCR) / xs.length).toFixed(3)}%), ` +
        `max error ${notCR ? maxErr.toFixed(4) : "<= 0.5"} ulp${where}`,
    );
    assert.ok(maxDist <= bound.dist, `${name} (${build}) is ${maxDist} ulp from the correctly rounded result${where}`);
    assert.ok(maxErr <= bound.err, `${name} (${build}) has an error of ${maxErr} ulp${where}`);
  }
  t.diagnostic(`${name}: reference ${tRef.toFixed(0)} ms`);
  const a = new Uint8Array(outs.simd!.buffer, outs.simd!.byteOffset, outs.simd!.byteLength);
  const b = new Uint8Array(outs.scalar!.buffer, outs.scalar!.byteOffset, outs.scalar!.byteLength);
  assert.ok(Buffer.compare(a, b) === 0, `${name}: simd and scalar builds differ`);
}

// ---------------------------------------------------------------------------------------------
// The reference first.

/** Bits of a double as a BigInt. */
function bitsOf(x: number): bigint {
  bits.setFloat64(0, x);
  return bits.getBigUint64(0);
}
function fromBits(b: bigint): number {
  bits.setBigUint64(0, b);
  return bits.getFloat64(0);
}
function fromBits32(b: number): number {
  bits.setUint32(0, b);
  return bits.getFloat32(0);
}

test("the reference reproduces published correctly rounded constants", () => {
  assert.equal(bitsOf(exactExp(1)), 0x4005bf0a8b145769n); // e
  assert.equal(bitsOf(exactExp(-1)), 0x3fd78b56362cef38n); // 1/e
  assert.equal(bitsOf(exactLog(2)), 0x3fe62e42fefa39efn); // ln 2
  assert.equal(bitsOf(exactLog(10)), 0x40026bb1bbb55516n); // ln 10
  assert.equal(bitsOf(exactLog1p(1)), 0x3fe62e42fefa39efn); // ln 2
  assert.equal(bitsOf(exactExpm1(1)), 0x3ffb7e151628aed3n); // e - 1
  assert.equal(exactExpF32(1), fromBits32(0x402df854)); // e in f32
  assert.equal(exactLogF32(2), fromBits32(0x3f317218)); // ln 2 in f32
  assert.equal(exactLogF32(10), fromBits32(0x40135d8e)); // ln 10 in f32
  // Edges: the largest finite exp, the smallest subnormal, underflow to 0.
  assert.equal(exactExp(709.782712893384), 1.7976931348622732e308);
  assert.equal(exactExp(709.7827128933841), Infinity);
  assert.equal(exactExp(-745.1332191019411), 5e-324);
  assert.equal(exactExp(-745.1332191019412), 0);
  assert.equal(exactLog(5e-324), -744.4400719213812);
  assert.equal(exactLog(Number.MAX_VALUE), 709.782712893384);
  // Specials.
  assert.ok(Number.isNaN(exactLog(-1)) && Number.isNaN(exactLog1p(-2)) && Number.isNaN(exactExp(NaN)));
  assert.equal(exactLog(0), -Infinity);
  assert.equal(exactLog1p(-1), -Infinity);
  assert.equal(exactExpm1(-Infinity), -1);
  assert.equal(exactExp(-Infinity), 0);
  assert.ok(Object.is(exactLog1p(-0), -0) && Object.is(exactExpm1(-0), -0));
  assert.equal(exactLog1p(5e-324), 5e-324);
  assert.equal(exactExpm1(-5e-324), -5e-324);
});

test("the reference: log(2^k) is k ln 2 correctly rounded, ln 2 from an independent series", () => {
  // ln 2 = sum 1/(n 2^n), at 320 bits (a different series from the reference's atanh(1/3)).
  const P = 320n;
  let ln2 = 0n;
  for (let n = 1n; n < 400n; n++) ln2 += (1n << (P - n)) / n;
  for (let k = -1074; k <= 1023; k++) {
    if (k === 0) continue;
    const y = exactLog(fromBits(k >= -1022 ? BigInt(k + 1023) << 52n : 1n << BigInt(k + 1074)));
    // y must be within half an ulp of k ln2 (and ulp(y) >= 2^-52 |y| / 2 holds for normal y).
    const v = BigInt(k) * ln2; // k ln 2 * 2^P, error < 402 |k| units
    const b = bitsOf(Math.abs(y));
    const e = Number(b >> 52n) - 1075;
    const m = (b & ((1n << 52n) - 1n)) | (1n << 52n);
    const ym = (k < 0 ? -m : m) << (P + BigInt(e)); // y * 2^P, exact
    const halfUlp = 1n << (P + BigInt(e) - 1n);
    const diff = v > ym ? v - ym : ym - v;
    assert.ok(diff + 402n * BigInt(Math.abs(k)) < halfUlp, `log(2^${k})`);
  }
});

/** exp(n 2^e) * 2^P by the plain Taylor series (no argument reduction); moderate arguments. */
function naiveExp(num: bigint, e: number, P: number): bigint {
  const Pb = BigInt(P);
  const X = e >= -P ? num << BigInt(e + P) : num >> BigInt(-e - P);
  let sum = 1n << Pb;
  let term = sum;
  for (let n = 1n; ; n++) {
    term = (term * X) / (n << Pb);
    if (term === 0n) break;
    sum += term;
  }
  return sum;
}
/** |x| = m 2^e (signed m). */
function split(x: number): [bigint, number] {
  const b = bitsOf(x);
  const be = Number((b >> 52n) & 0x7ffn);
  let m = b & ((1n << 52n) - 1n);
  if (be !== 0) m |= 1n << 52n;
  return [b >> 63n ? -m : m, be === 0 ? -1074 : be - 1075];
}
/** The two midpoints around y (a nonzero normal result of precision p), as [num, exp] pairs, lower first. */
function midpoints(y: number, p: number): [[bigint, number], [bigint, number]] {
  let [m, e] = split(y);
  const neg = m < 0n;
  let a = neg ? -m : m;
  const bl = a.toString(2).length;
  a <<= BigInt(p - bl); // y from an f32 has p = 24 significant bits at most
  e -= p - bl;
  const lowEdge = a === 1n << BigInt(p - 1); // below a power of two the spacing halves
  const up: [bigint, number] = [2n * a + 1n, e - 1];
  const down: [bigint, number] = lowEdge ? [4n * a - 1n, e - 2] : [2n * a - 1n, e - 1];
  if (!neg) return [down, up];
  return [[-up[0], up[1]], [-down[0], down[1]]];
}

test("the reference agrees with a naive 1200-bit algorithm (rounding decided by midpoints)", () => {
  const P = 1200;
  const fix = ([n, e]: [bigint, number]): bigint => (e >= -P ? n << BigInt(e + P) : n >> BigInt(-e - P));
  const one = 1n << BigInt(P);
  const r = new Rng(99);
  let checked = 0;
  for (const format of ["f64", "f32"] as const) {
    const p = format === "f32" ? 24 : 53;
    const g = format === "f32" ? Math.fround : (v: number) => v;
    for (let i = 0; i < 60; i++) {
      // exp and expm1: y rounds exp(x) (- 1) iff it lies between the midpoints around y.
      for (const fn of ["exp", "expm1"] as const) {
        const x = g(fn === "exp" ? r.uniform(-30, 30) : r.sign() * r.uniform(0, 1) * [1 / 4096, 1, 20][i % 3]!);
        const y = exact(fn, x, format);
        const [lo, hi] = midpoints(y, p);
        const [m, e] = split(x);
        const v = naiveExp(m, e, P) - (fn === "expm1" ? one : 0n);
        assert.ok(fix(lo) < v && v < fix(hi), `${fn}(${x}) ${format}`);
        checked++;
      }
      // log and log1p: y rounds log(z) iff exp(lower midpoint) < z < exp(upper midpoint).
      for (const fn of ["log", "log1p"] as const) {
        const x = g(fn === "log" ? r.uniform(0.01, 60) : r.uniform(-0.95, 20));
        const y = exact(fn, x, format);
        if (y === 0) continue;
        const [lo, hi] = midpoints(y, p);
        const [m, e] = split(x);
        const z = fix([m, e]) + (fn === "log1p" ? one : 0n);
        assert.ok(naiveExp(...lo, P) < z && z < naiveExp(...hi, P), `${fn}(${x}) ${format}`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 450);
});

test("the reference's approximations lie within their claimed error bounds (naive 1200-bit check)", () => {
  // This checks the error analysis and the constants (ln 2, the log table) behind Ziv's loop
  // directly, at the precisions it starts from, rather than only the rounded results.
  const P = 1200;
  const tol = 1n << 16n; // naive algorithm's own error at 2^-P, generously
  const at = (n: bigint, f: number): bigint => (f <= P ? n << BigInt(P - f) : n >> BigInt(f - P));
  const one = 1n << BigInt(P);
  const r = new Rng(7);
  let checked = 0;
  for (const [format, guard] of [["f64", 96], ["f64", 250], ["f32", 64]] as const) {
    for (let i = 0; i < 25; i++) {
      const scale = [1 / 65536, 1, 30][i % 3]!;
      for (const fn of ["exp", "expm1", "log", "log1p"] as const) {
        const x =
          fn === "exp" || fn === "expm1" ? r.sign() * r.uniform(0, scale)
          : fn === "log" ? [r.uniform(0.002, 500), 1 + r.sign() * r.uniform(0, 1 / 4096)][i % 2]!
          : r.sign() * r.uniform(0, Math.min(scale, 0.95));
        const a = approximate(fn, format === "f32" ? Math.fround(x) : x, format, guard);
        if (typeof a === "number") continue;
        const [m, e] = split(format === "f32" ? Math.fround(x) : x);
        if (fn === "exp" || fn === "expm1") {
          const v = naiveExp(m, e, P) - (fn === "expm1" ? one : 0n);
          const d = at(a.n, a.f) - v;
          assert.ok((d < 0n ? -d : d) <= at(a.err, a.f) + tol, `${fn}(${x}) ${format} guard ${guard}`);
        } else {
          // log z in [(n - err) 2^-f, (n + err) 2^-f]  <=>  exp of the ends bracket z.
          const z = (e >= -P ? m << BigInt(e + P) : m >> BigInt(-e - P)) + (fn === "log1p" ? one : 0n);
          assert.ok(naiveExp(a.n - a.err, -a.f, P) <= z + tol, `${fn}(${x}) ${format} guard ${guard}: low end`);
          assert.ok(naiveExp(a.n + a.err, -a.f, P) + tol >= z, `${fn}(${x}) ${format} guard ${guard}: high end`);
        }
        checked++;
      }
    }
  }
  assert.ok(checked >= 280, `${checked} checks`);
});

test("ulp distances count representable values, across zero and to infinity", () => {
  assert.equal(ulpDistance(1, 1.0000000000000002), 1);
  assert.equal(ulpDistance(1, 0.9999999999999999), 1);
  assert.equal(ulpDistance(5e-324, -5e-324), 2);
  assert.equal(ulpDistance(0, -0), 0);
  assert.equal(ulpDistance(Number.MAX_VALUE, Infinity), 1);
  assert.equal(ulpDistance(NaN, NaN), 0);
  assert.equal(ulpDistance(NaN, 1), Infinity);
  assert.equal(ulpDistance(2, 4), 4503599627370496); // 2^52
  assert.equal(ulpDistanceF32(1, Math.fround(1.0000001)), 1);
  assert.equal(ulpDistanceF32(1.401298464324817e-45, -1.401298464324817e-45), 2);
  assert.equal(ulpDistanceF32(3.4028234663852886e38, Infinity), 1);
});

// ---------------------------------------------------------------------------------------------
// The core.

test("f64 exp: <= 1 ulp over [-745.2, 709.79], simd = scalar", async (t) => {
  await sweep(t, { fn: "exp", format: "f64", xs: expArgs() }, 100000);
});
test("f64 log: <= 1 ulp over subnormals to MAX_VALUE, simd = scalar", async (t) => {
  await sweep(t, { fn: "log", format: "f64", xs: logArgs() }, 100000);
});
test("f64 log1p: <= 1 ulp, simd = scalar", async (t) => {
  await sweep(t, { fn: "log1p", format: "f64", xs: log1pArgs() }, 20000);
});
test("f64 expm1: <= 1 ulp, simd = scalar", async (t) => {
  await sweep(t, { fn: "expm1", format: "f64", xs: expm1Args() }, 20000);
});
test("f32 expf: <= 1 ulp, simd = scalar", async (t) => {
  await sweep(t, { fn: "exp", format: "f32", xs: expfArgs() }, 20000);
});
test("f32 logf: <= 1 ulp, simd = scalar", async (t) => {
  await sweep(t, { fn: "log", format: "f32", xs: logfArgs() }, 20000);
});
test("f32 log1pf: <= 1 ulp, simd = scalar", async (t) => {
  await sweep(t, { fn: "log1p", format: "f32", xs: log1pfArgs() }, 20000);
});
test("f32 expm1f: <= 1 ulp, simd = scalar", async (t) => {
  await sweep(t, { fn: "expm1", format: "f32", xs: expm1fArgs() }, 20000);
});
test("expm1, expm1f: AssemblyScript's worst arguments (2 ulp there) are correctly rounded", async () => {
  // [x, correctly rounded expm1(x)]; AssemblyScript 0.28.20's NativeMath(f).expm1 returned
  // 13087141987183644 (1.571 ulp error), 3232302261.292041 (1.564), 5997448 (1.582 ulp) and
  // 23645.90625 (1.574); the musl-order port (assembly/math/expm1.ts) rounds all four correctly.
  const f64Cases: [number, number][] = [
    [37.110406615408145, 13087141987183648],
    [21.89646049498115, 3232302261.29204],
  ];
  const f32Cases: [number, number][] = [
    [fromBits32(0x4179b5a3), 5997449], // x = 15.606844902038574
    [fromBits32(0x412122c4), 23645.91015625], // x = 10.070987701416016
  ];
  for (const build of ["simd", "scalar"] as const) {
    const core = await loadCore(build);
    for (const [x, y] of f64Cases) {
      assert.equal(exactExpm1(x), y, `reference expm1(${x})`);
      assert.equal(core.exports.expm1(x), y, `expm1(${x}) (${build})`);
      assert.equal(mapF64(core, "expm1", [x])[0], y, `map_f64 expm1(${x}) (${build})`);
    }
    for (const [x, y] of f32Cases) {
      assert.equal(exactExpm1F32(x), y, `reference expm1f(${x})`);
      assert.equal(core.exports.expm1f(x), y, `expm1f(${x}) (${build})`);
      assert.equal(mapF32(core, "expm1", [x])[0], y, `map_f32 expm1f(${x}) (${build})`);
    }
  }
});

test("the one-argument exports give map_f64's and map_f32's bits (the maps are what the library calls)", async () => {
  const xs = [-1e30, -700, -88.5, -3.25, -1, -0.75, -1e-9, -0, 0, 1e-300, 1e-9, 0.1, 0.5, 1, 2.5, 10, 88.5, 700, 1e30, Infinity, -Infinity, NaN];
  for (const build of ["simd", "scalar"] as const) {
    const core = await loadCore(build);
    const e = core.exports;
    const pairs: [MathFnName, (x: number) => number, (x: number) => number][] = [
      ["exp", (x) => e.exp(x), (x) => e.expf(x)],
      ["log", (x) => e.log(x), (x) => e.logf(x)],
      ["log1p", (x) => e.log1p(x), (x) => e.log1pf(x)],
      ["expm1", (x) => e.expm1(x), (x) => e.expm1f(x)],
    ];
    for (const [fn, f64, f32] of pairs) {
      const y64 = mapF64(core, fn, xs), y32 = mapF32(core, fn, xs);
      xs.forEach((x, i) => {
        assert.ok(Object.is(f64(x), y64[i]), `${fn}(${x}) (${build})`);
        assert.ok(Object.is(f32(Math.fround(x)), y32[i]), `${fn}f(${x}) (${build})`);
      });
    }
  }
});
