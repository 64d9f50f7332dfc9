// Deterministic elementary functions, exported so that no number of moe-bank depends on the
// JS engine's Math (which differs between V8 and JavaScriptCore: docs/DESIGN.md section 3).
// They are AssemblyScript's own NativeMath / NativeMathf (ports of musl's exp, log, log1p,
// expm1, pow), compiled into the core: the same wasm instructions, hence the same bits, in
// every engine. Accuracy is tested against exact BigInt references (test/math.test.ts).
// Exception: expm1 and expm1f are our own (./expm1.ts), in musl's operation order, since
// AssemblyScript's port reorders the final step and reaches 2 ulp.
import { expm1 as expm1_musl, expm1f as expm1f_musl } from "./expm1";

/** e^x (f64). */
export function exp(x: f64): f64 { return Math.exp(x); }
/** ln x (f64). */
export function log(x: f64): f64 { return Math.log(x); }
/** ln(1 + x) (f64), accurate near 0. */
export function log1p(x: f64): f64 { return Math.log1p(x); }
/** e^x - 1 (f64), accurate near 0. */
export function expm1(x: f64): f64 { return expm1_musl(x); }
/** x^y (f64). */
export function pow(x: f64, y: f64): f64 { return Math.pow(x, y); }
/** log2 x (f64). */
export function log2(x: f64): f64 { return Math.log2(x); }

/** e^x (f32), the form the kernels use. */
export function expf(x: f32): f32 { return Mathf.exp(x); }
/** ln x (f32). */
export function logf(x: f32): f32 { return Mathf.log(x); }
/** ln(1 + x) (f32). */
export function log1pf(x: f32): f32 { return Mathf.log1p(x); }
/** e^x - 1 (f32). */
export function expm1f(x: f32): f32 { return expm1f_musl(x); }

/** out[i] = fn(in[i]) for i < n over f64 buffers: fn 0 = exp, 1 = log, 2 = log1p, 3 = expm1.
 *  One call per array, for bulk use from TS without a boundary crossing per element. */
export function map_f64(fn: u32, src: usize, dst: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    const p = <usize>i << 3;
    const x = load<f64>(src + p);
    let y: f64;
    switch (fn) {
      case 0: y = Math.exp(x); break;
      case 1: y = Math.log(x); break;
      case 2: y = Math.log1p(x); break;
      case 3: y = expm1_musl(x); break;
      default: y = NaN;
    }
    store<f64>(dst + p, y);
  }
}

/** The f32 counterpart of map_f64 (same function numbers). */
export function map_f32(fn: u32, src: usize, dst: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    const p = <usize>i << 2;
    const x = load<f32>(src + p);
    let y: f32;
    switch (fn) {
      case 0: y = Mathf.exp(x); break;
      case 1: y = Mathf.log(x); break;
      case 2: y = Mathf.log1p(x); break;
      case 3: y = expm1f_musl(x); break;
      default: y = NaN;
    }
    store<f32>(dst + p, y);
  }
}
