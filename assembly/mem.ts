// Linear-memory allocation for the pointer API.
//
// The core never allocates on hot paths: callers (bindings/) allocate every buffer once with
// `alloc` and pass (pointer, sizes) to the kernels. Blocks are 16-byte aligned (TLSF), so f32x4
// and f64x2 loads on them are aligned. `alloc` may grow memory, which detaches every JS view of
// the old buffer: bindings/ re-creates views after any call that may allocate.

/** Allocates `bytes` bytes (16-byte aligned, contents undefined). Returns 0 only on `bytes == 0`. */
export function alloc(bytes: usize): usize {
  if (bytes == 0) return 0;
  return heap.alloc(bytes);
}

/** Frees a block returned by `alloc` (0 is ignored). */
export function free(ptr: usize): void {
  if (ptr != 0) heap.free(ptr);
}

/** Current memory size in bytes (for tests and diagnostics). */
export function memory_bytes(): usize {
  return <usize>memory.size() << 16;
}

/** x rounded up to a multiple of 16: the alignment of every block a kernel carves from a workspace. */
// @ts-ignore: decorator
@inline
export function align16(x: usize): usize {
  return (x + 15) & ~(<usize>15);
}
