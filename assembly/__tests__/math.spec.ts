// Spot checks of the deterministic math inside the core; the 1-ulp accuracy sweep against an
// exact BigInt reference runs through the bindings (test/math.test.ts).
import { exp, log, log1p, expm1, expf, logf, expm1f } from "../math/index";

describe("math", () => {
  it("has the exact values at exact points", () => {
    expect(exp(0.0)).toBe(1.0);
    expect(log(1.0)).toBe(0.0);
    expect(log1p(0.0)).toBe(0.0);
    expect(expm1(0.0)).toBe(0.0);
    expect(expf(0.0)).toBe(<f32>1.0);
    expect(logf(1.0)).toBe(<f32>0.0);
  });
  it("rounds e and ln 2 correctly", () => {
    expect(reinterpret<u64>(exp(1.0))).toBe(0x4005BF0A8B145769);
    expect(reinterpret<u64>(log(2.0))).toBe(0x3FE62E42FEFA39EF);
  });
  it("handles the edges", () => {
    expect(exp(-Infinity)).toBe(0.0);
    expect(exp(710.0)).toBe(Infinity);
    expect(isNaN(log(-1.0))).toBe(true);
    expect(log(0.0)).toBe(-Infinity);
    expect(log1p(-1.0)).toBe(-Infinity);
  });
  it("expm1, expm1f (our musl-order port, math/expm1.ts): exact points and specials", () => {
    // Signed zeros by their bits (toBe compares -0 and 0 equal).
    expect(reinterpret<u64>(expm1(0.0))).toBe(0);
    expect(reinterpret<u64>(expm1(-0.0))).toBe(0x8000000000000000);
    expect(expm1(-Infinity)).toBe(-1.0);
    expect(expm1(Infinity)).toBe(Infinity);
    expect(isNaN(expm1(NaN))).toBe(true);
    expect(expm1(-800.0)).toBe(-1.0);
    expect(expm1(710.0)).toBe(Infinity);
    // |x| < 2^-54: e^x - 1 rounds to x itself (subnormals included).
    expect(expm1(1e-20)).toBe(1e-20);
    expect(expm1(-1e-20)).toBe(-1e-20);
    expect(expm1(5e-324)).toBe(5e-324);
    // e - 1 within 1 ulp of the correctly rounded 0x3FFB7E151628AED3 (it returns ...AED2).
    const em1 = reinterpret<i64>(expm1(1.0)) - 0x3FFB7E151628AED3;
    expect(em1 >= -1 && em1 <= 1).toBe(true);
    expect(reinterpret<u32>(expm1f(<f32>0.0))).toBe(0);
    expect(reinterpret<u32>(expm1f(<f32>-0.0))).toBe(0x80000000);
    expect(expm1f(-Infinity)).toBe(<f32>-1.0);
    expect(expm1f(Infinity)).toBe(<f32>Infinity);
    expect(isNaN(expm1f(NaN))).toBe(true);
    expect(expm1f(<f32>-100.0)).toBe(<f32>-1.0);
    expect(expm1f(<f32>89.0)).toBe(<f32>Infinity);
    // The overflow edge (ln FLT_MAX = 88.7228391): the last finite result, then +Infinity
    // (musl's expm1f overflows from 0x42B17181 on; see math/expm1.ts).
    expect(reinterpret<u32>(expm1f(reinterpret<f32>(0x42B17217)))).toBe(0x7F7FFF84);
    expect(expm1f(reinterpret<f32>(0x42B17218))).toBe(<f32>Infinity);
    expect(expm1f(<f32>1e-10)).toBe(<f32>1e-10); // |x| < 2^-25
    expect(expm1f(<f32>-1e-10)).toBe(<f32>-1e-10);
    // Where AssemblyScript's NativeMath(f).expm1 was 2 ulp off: now correctly rounded.
    expect(expm1(37.110406615408145)).toBe(13087141987183648.0);
    expect(expm1f(reinterpret<f32>(0x4179B5A3))).toBe(<f32>5997449.0);
  });
});
