// Spot checks of the deterministic math inside the core; the 1-ulp accuracy sweep against an
// exact BigInt reference runs through the bindings (test/math.test.ts).
import { exp, log, log1p, expm1, expf, logf } from "../math/index";

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
});
