// Which numerics this binary implements. The SIMD128 build is the reference; the scalar build
// gives the same bits (every kernel follows the SIMD lane order); the relaxed-SIMD build fuses
// multiply-add and rounds differently per CPU and engine: it is labelled non-portable.

export const BUILD_SIMD: u32 = 0;
export const BUILD_SCALAR: u32 = 1;
export const BUILD_RELAXED: u32 = 2;

/** 0 = simd (reference), 1 = scalar (same bits), 2 = relaxed-simd (non-portable). */
export function build_flavor(): u32 {
  if (ASC_FEATURE_RELAXED_SIMD) return BUILD_RELAXED;
  if (ASC_FEATURE_SIMD) return BUILD_SIMD;
  return BUILD_SCALAR;
}

/** Version of the core's exported ABI; bumped on any incompatible change. */
export function abi_version(): u32 {
  return 1;
}
