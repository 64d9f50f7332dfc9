// The moe-bank WebAssembly core: every export takes numbers (pointers into linear memory and
// sizes) and returns a number. See bindings/ for the only code that touches this memory.
export { alloc, free, memory_bytes } from "./mem";
export { build_flavor, abi_version } from "./build";
export {
  philox4x32_10, rng_init, rng_next_u32, rng_fill_u32, rng_uniform_f64, rng_fill_uniform_f64,
  rng_uniform_f32, rng_fill_uniform_f32, rng_below, rng_permutation, rng_sample, rng_bootstrap,
} from "./prng/philox";
export { exp, log, log1p, expm1, pow, log2, expf, logf, log1pf, expm1f, map_f64, map_f32 } from "./math/index";
