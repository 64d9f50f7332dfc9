// Deterministic elementary functions for the TypeScript layer. JS `Math.exp/log/pow/...` are
// not bit-identical across engines (docs/DESIGN.md section 3), so every function here calls the
// core's exports (AssemblyScript's musl-derived NativeMath compiled into the wasm). The only
// Math members src/ may use are those exact in every engine (test/math-allowlist.test.ts).
import type { Core } from "../bindings/index.js";

export interface DetMath {
  exp(x: number): number;
  log(x: number): number;
  log1p(x: number): number;
  expm1(x: number): number;
  pow(x: number, y: number): number;
  log2(x: number): number;
}

/** The deterministic f64 math of a core instance. */
export function detMath(core: Core): DetMath {
  const e = core.exports;
  return { exp: e.exp, log: e.log, log1p: e.log1p, expm1: e.expm1, pow: e.pow, log2: e.log2 };
}

/** log10 through the core's log (the log axes of the SVG figures). */
export function log10Of(math: DetMath): (x: number) => number {
  const ln10 = math.log(10);
  return (x) => math.log(x) / ln10;
}

/** Bulk forms: one boundary crossing per array. */
export const MathFn = { exp: 0, log: 1, log1p: 2, expm1: 3 } as const;
export type MathFnName = keyof typeof MathFn;

/** ys[i] = fn(xs[i]) in f64, inside the core. */
export function mapF64(core: Core, fn: MathFnName, xs: ArrayLike<number>): Float64Array {
  return core.scoped((alloc) => {
    const src = alloc("f64", xs.length).set(xs);
    const dst = alloc("f64", xs.length);
    core.exports.map_f64(MathFn[fn], src.ptr, dst.ptr, xs.length);
    return dst.toArray();
  });
}

/** ys[i] = fn(xs[i]) in f32 (the forms the kernels use), inside the core. */
export function mapF32(core: Core, fn: MathFnName, xs: ArrayLike<number>): Float32Array {
  return core.scoped((alloc) => {
    const src = alloc("f32", xs.length).set(xs);
    const dst = alloc("f32", xs.length);
    core.exports.map_f32(MathFn[fn], src.ptr, dst.ptr, xs.length);
    return dst.toArray();
  });
}
