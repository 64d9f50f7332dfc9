// f32 GEMM: C[M,N] = (accumulate ? C : 0) + A[M,K] · B[K,N], every operand strided.
//
//   A[i,k] at a + 4*(i*rsA + k*csA)    B[k,j] at b + 4*(k*rsB + j*csB)    C[i,j] at c + 4*(i*ldc + j)
//
// Transposed operands are just swapped strides; packing absorbs them. The numerics contract
// (docs/DESIGN.md section 3): every C[i,j] is the sequential chain c = c + A[i,k]*B[k,j] for
// k = 0, 1, ..., K-1 (an f32 multiply, then an f32 add; never fused), starting from C (or +0).
// The SIMD micro-kernel does exactly this per lane and the scalar micro-kernel per element, so
// the simd and scalar builds, and every blocking, give the same bits; gemm_ref is the naive loop.
//
// Blocking (BLIS order): jc over N by NC, pc over K by KC (pack B into NR-wide panels),
// ic over M by MC (pack A into MR-high panels), then MR x NR micro-tiles. Panels are zero-padded
// at the edges; edge tiles go through a small tile buffer. Packing buffers are allocated once.

export const MR: i32 = 5;
export const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 120; // multiple of MR: 120 x 256 x 4 B = 120 KiB of packed A, in L2
const NC: i32 = 512; // multiple of NR: 256 x 512 x 4 B = 512 KiB of packed B

let packA: usize = 0;
let packB: usize = 0;
let tile: usize = 0;

function buffers(): void {
  if (packA == 0) {
    packA = heap.alloc(<usize>(MC * KC) << 2);
    packB = heap.alloc(<usize>(NC * KC) << 2);
    tile = heap.alloc(<usize>(MR * NR) << 2);
  }
}

// Packs A[i0 .. i0+mc, k0 .. k0+kc] into ceil(mc/MR) panels, each kc x MR (k-major), zero-padded.
function pack_a(a: usize, rsA: i32, csA: i32, i0: i32, mc: i32, k0: i32, kc: i32): void {
  let dst = packA;
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = min(MR, mc - ip);
    for (let k = 0; k < kc; k++) {
      const colBase = a + (<usize>((k0 + k) * csA + (i0 + ip) * rsA) << 2);
      let r = 0;
      for (; r < rows; r++) store<f32>(dst + (<usize>r << 2), load<f32>(colBase + (<usize>(r * rsA) << 2)));
      for (; r < MR; r++) store<f32>(dst + (<usize>r << 2), 0);
      dst += <usize>MR << 2;
    }
  }
}

// Packs B[k0 .. k0+kc, j0 .. j0+nc] into ceil(nc/NR) panels, each kc x NR (k-major), zero-padded.
function pack_b(b: usize, rsB: i32, csB: i32, k0: i32, kc: i32, j0: i32, nc: i32): void {
  let dst = packB;
  for (let jp = 0; jp < nc; jp += NR) {
    const cols = min(NR, nc - jp);
    for (let k = 0; k < kc; k++) {
      const rowBase = b + (<usize>((k0 + k) * rsB + (j0 + jp) * csB) << 2);
      let j = 0;
      if (csB == 1 && cols == NR) {
        if (ASC_FEATURE_SIMD) {
          v128.store(dst, v128.load(rowBase));
          v128.store(dst, v128.load(rowBase, 16), 16);
        } else {
          for (; j < NR; j++) store<f32>(dst + (<usize>j << 2), load<f32>(rowBase + (<usize>j << 2)));
        }
      } else {
        for (; j < cols; j++) store<f32>(dst + (<usize>j << 2), load<f32>(rowBase + (<usize>(j * csB) << 2)));
        for (; j < NR; j++) store<f32>(dst + (<usize>j << 2), 0);
      }
      dst += <usize>NR << 2;
    }
  }
}

// c + a*b per lane. The portable builds (simd, and scalar's twin) multiply, round, add, round:
// the numerics contract. The relaxed build (opt-in, non-portable) emits f32x4.relaxed_madd, which
// an engine may fuse (one rounding: V8 on x64 emits vfmadd) or not (JavaScriptCore), so its
// bytes may differ between engines and CPUs; it is tested for closeness, never for bits.
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// f32-gemm 5x8, SIMD128 splat: acc[r][0..8) += splat(a[k][r]) * b[k][0..8) over kc steps.
// c points at a row-major MR x NR tile with row stride ldc (elements); load = 0 starts from +0.
// @ts-ignore: decorator
@inline function ukernel_5x8_simd(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, load_c: bool): void {
  const ld = <usize>ldc << 2;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  if (load_c) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ld); c11 = v128.load(c + ld, 16);
    c20 = v128.load(c + 2 * ld); c21 = v128.load(c + 2 * ld, 16);
    c30 = v128.load(c + 3 * ld); c31 = v128.load(c + 3 * ld, 16);
    c40 = v128.load(c + 4 * ld); c41 = v128.load(c + 4 * ld, 16);
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    a = v128.load32_splat(ap, 16);
    c40 = madd(a, b0, c40); c41 = madd(a, b1, c41);
    ap += 20;
    bp += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ld, c10); v128.store(c + ld, c11, 16);
  v128.store(c + 2 * ld, c20); v128.store(c + 2 * ld, c21, 16);
  v128.store(c + 3 * ld, c30); v128.store(c + 3 * ld, c31, 16);
  v128.store(c + 4 * ld, c40); v128.store(c + 4 * ld, c41, 16);
}

// f32-gemm 5x8, scalar: the same chains as the SIMD kernel, one element at a time.
function ukernel_5x8_scalar(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, load_c: bool): void {
  for (let r = 0; r < MR; r++) {
    const crow = c + (<usize>(r * ldc) << 2);
    for (let j = 0; j < NR; j++) {
      let acc: f32 = load_c ? load<f32>(crow + (<usize>j << 2)) : 0;
      let pa = ap + (<usize>r << 2), pb = bp + (<usize>j << 2);
      for (let k = 0; k < kc; k++) {
        acc = acc + load<f32>(pa) * load<f32>(pb);
        pa += <usize>MR << 2;
        pb += <usize>NR << 2;
      }
      store<f32>(crow + (<usize>j << 2), acc);
    }
  }
}

// f32-gemm 5x8, SIMD128 splat, A unpacked: row r of the A block starts at its own pointer ar
// with its k values contiguous (a row-major A read in place, or the rows of an indirect
// convolution). Same chains as the packed kernel.
// @ts-ignore: decorator
@inline function ukernel_5x8_simd_ptrs(kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, bp: usize, c: usize, ldc: i32, load_c: bool): void {
  const ld = <usize>ldc << 2;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  if (load_c) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ld); c11 = v128.load(c + ld, 16);
    c20 = v128.load(c + 2 * ld); c21 = v128.load(c + 2 * ld, 16);
    c30 = v128.load(c + 3 * ld); c31 = v128.load(c + 3 * ld, 16);
    c40 = v128.load(c + 4 * ld); c41 = v128.load(c + 4 * ld, 16);
  }
  const end = <usize>kc << 2;
  for (let o: usize = 0; o < end; o += 4) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let x = v128.load32_splat(a0 + o);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(a1 + o);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(a2 + o);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(a3 + o);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    x = v128.load32_splat(a4 + o);
    c40 = madd(x, b0, c40); c41 = madd(x, b1, c41);
    bp += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ld, c10); v128.store(c + ld, c11, 16);
  v128.store(c + 2 * ld, c20); v128.store(c + 2 * ld, c21, 16);
  v128.store(c + 3 * ld, c30); v128.store(c + 3 * ld, c31, 16);
  v128.store(c + 4 * ld, c40); v128.store(c + 4 * ld, c41, 16);
}

// @ts-ignore: decorator
@inline function ukernel_5x8_simd_rowa(kc: i32, a: usize, lda: usize, bp: usize, c: usize, ldc: i32, load_c: bool): void {
  ukernel_5x8_simd_ptrs(kc, a, a + lda, a + 2 * lda, a + 3 * lda, a + 4 * lda, bp, c, ldc, load_c);
}

// The scalar twin of ukernel_5x8_simd_ptrs (row pointers in a small static table).
const rowPtr = new StaticArray<usize>(5);
function ukernel_5x8_scalar_ptrs(kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, bp: usize, c: usize, ldc: i32, load_c: bool): void {
  unchecked(rowPtr[0] = a0); unchecked(rowPtr[1] = a1); unchecked(rowPtr[2] = a2); unchecked(rowPtr[3] = a3); unchecked(rowPtr[4] = a4);
  for (let r = 0; r < MR; r++) {
    const crow = c + (<usize>(r * ldc) << 2);
    const arow = unchecked(rowPtr[r]);
    for (let j = 0; j < NR; j++) {
      let acc: f32 = load_c ? load<f32>(crow + (<usize>j << 2)) : 0;
      let pb = bp + (<usize>j << 2);
      for (let k = 0; k < kc; k++) {
        acc = acc + load<f32>(arow + (<usize>k << 2)) * load<f32>(pb);
        pb += <usize>NR << 2;
      }
      store<f32>(crow + (<usize>j << 2), acc);
    }
  }
}

function ukernel_5x8_scalar_rowa(kc: i32, a: usize, lda: usize, bp: usize, c: usize, ldc: i32, load_c: bool): void {
  ukernel_5x8_scalar_ptrs(kc, a, a + lda, a + 2 * lda, a + 3 * lda, a + 4 * lda, bp, c, ldc, load_c);
}

// One window row of a convolution tile (SIMD128): C[r, j] = (bias != 0 ? bias[j] : C[r, j]) +
// the chain over the kc floats at ar (contiguous) against the packed panel bp. A tile's KH window
// rows are KH calls: the first from the bias (ukernel_5x8_first), the others from C
// (ukernel_5x8_next); between them C holds the partial chains (an f32 store and reload are
// exact), so the bits are those of a bias copy + KH indirect GEMM passes. One small function per
// window row keeps V8's register allocation as tight as the GEMM kernel's: a loop over kh around
// the k loop in one function (accumulators live across both) ran at half the speed, its
// accumulators spilled; a ReLU inside the kernel spilled too (the caller applies it to the tile).
// @ts-ignore: decorator
@inline function ukernel_5x8_step_simd(kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, bp: usize, c: usize, ldc: i32, bias: usize): void {
  const ld = <usize>ldc << 2;
  let c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128, c40: v128, c41: v128;
  if (bias != 0) {
    const bv0 = v128.load(bias), bv1 = v128.load(bias, 16);
    c00 = bv0; c01 = bv1; c10 = bv0; c11 = bv1; c20 = bv0; c21 = bv1; c30 = bv0; c31 = bv1; c40 = bv0; c41 = bv1;
  } else {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ld); c11 = v128.load(c + ld, 16);
    c20 = v128.load(c + 2 * ld); c21 = v128.load(c + 2 * ld, 16);
    c30 = v128.load(c + 3 * ld); c31 = v128.load(c + 3 * ld, 16);
    c40 = v128.load(c + 4 * ld); c41 = v128.load(c + 4 * ld, 16);
  }
  const end = <usize>kc << 2;
  for (let o: usize = 0; o < end; o += 4) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let x = v128.load32_splat(a0 + o);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(a1 + o);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(a2 + o);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(a3 + o);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    x = v128.load32_splat(a4 + o);
    c40 = madd(x, b0, c40); c41 = madd(x, b1, c41);
    bp += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ld, c10); v128.store(c + ld, c11, 16);
  v128.store(c + 2 * ld, c20); v128.store(c + 2 * ld, c21, 16);
  v128.store(c + 3 * ld, c30); v128.store(c + 3 * ld, c31, 16);
  v128.store(c + 4 * ld, c40); v128.store(c + 4 * ld, c41, 16);
}

// The scalar twin of ukernel_5x8_step_simd.
function ukernel_5x8_step_scalar(kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, bp: usize, c: usize, ldc: i32, bias: usize): void {
  unchecked(rowPtr[0] = a0); unchecked(rowPtr[1] = a1); unchecked(rowPtr[2] = a2); unchecked(rowPtr[3] = a3); unchecked(rowPtr[4] = a4);
  for (let r = 0; r < MR; r++) {
    const crow = c + (<usize>(r * ldc) << 2);
    const arow = unchecked(rowPtr[r]);
    for (let j = 0; j < NR; j++) {
      let acc = bias != 0 ? load<f32>(bias + (<usize>j << 2)) : load<f32>(crow + (<usize>j << 2));
      let pb = bp + (<usize>j << 2);
      for (let k = 0; k < kc; k++) {
        acc = acc + load<f32>(arow + (<usize>k << 2)) * load<f32>(pb);
        pb += <usize>NR << 2;
      }
      store<f32>(crow + (<usize>j << 2), acc);
    }
  }
}

// Kernels that must stay functions of their own. Binaryen (as asc -O3 drives it) inlines a
// function into its only caller when the function is under 200 size units; a micro-kernel
// inlined into its large caller has its accumulators spilled by V8 (about half the speed). The
// relaxed build's kernels are smaller (one relaxed_madd where the portable builds have a mul and
// an add), so a kernel that stayed out of line in the simd build was inlined in the relaxed one.
// Such kernels are therefore called from at least two sites (full tiles in place, ragged tiles
// through a buffer), which Binaryen never inlines at this size; test/core-build.test.ts checks
// that every SIMD build keeps the same functions.

/** The first window row of a 5x8 convolution tile: C (row stride ldc) = bias + the chain over
 *  kc floats of each row pointer against the packed panel bp (ukernel_5x8_step_simd). */
export function ukernel_5x8_first(kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, bp: usize, c: usize, ldc: i32, bias: usize): void {
  if (ASC_FEATURE_SIMD) ukernel_5x8_step_simd(kc, a0, a1, a2, a3, a4, bp, c, ldc, bias);
  else ukernel_5x8_step_scalar(kc, a0, a1, a2, a3, a4, bp, c, ldc, bias);
}

/** A later window row: C = C + the chain (ukernel_5x8_step_simd from C). */
export function ukernel_5x8_next(kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, bp: usize, c: usize, ldc: i32): void {
  if (ASC_FEATURE_SIMD) ukernel_5x8_step_simd(kc, a0, a1, a2, a3, a4, bp, c, ldc, 0);
  else ukernel_5x8_step_scalar(kc, a0, a1, a2, a3, a4, bp, c, ldc, 0);
}

/** Packs B[k0 .. k0+kc, 0 .. n) into panels at dst (kc x NR each, zero-padded). */
export function pack_b_into(b: usize, rsB: i32, csB: i32, k0: i32, kc: i32, n: i32, dst: usize): void {
  const saved = packB;
  packB = dst;
  pack_b(b, rsB, csB, k0, kc, 0, n);
  packB = saved;
}

// @ts-ignore: decorator
@inline function ukernel(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, load_c: bool): void {
  if (ASC_FEATURE_SIMD) { if (load_c) packed_load(kc, ap, bp, c, ldc); else packed_zero(kc, ap, bp, c, ldc); }
  else ukernel_5x8_scalar(kc, ap, bp, c, ldc, load_c);
}

// The SIMD micro-kernels as small functions of their own, load_c constant in each: inlined into
// gemm's large body, V8 had to allocate their 10 accumulators among everything live there.
function rowa_load(kc: i32, a: usize, lda: usize, bp: usize, c: usize, ldc: i32): void { ukernel_5x8_simd_rowa(kc, a, lda, bp, c, ldc, true); }
function rowa_zero(kc: i32, a: usize, lda: usize, bp: usize, c: usize, ldc: i32): void { ukernel_5x8_simd_rowa(kc, a, lda, bp, c, ldc, false); }
function packed_load(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32): void { ukernel_5x8_simd(kc, ap, bp, c, ldc, true); }
function packed_zero(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32): void { ukernel_5x8_simd(kc, ap, bp, c, ldc, false); }

/** C = (accumulate ? C : 0) + A·B, strided (see the top of the file). */
export function gemm(
  M: i32, N: i32, K: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32, accumulate: bool,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) for (let i = 0; i < M; i++) memory.fill(c + (<usize>(i * ldc) << 2), 0, <usize>N << 2);
    return;
  }
  buffers();
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const load_c = accumulate || pc > 0;
      pack_b(b, rsB, csB, pc, kc, jc, nc);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        // A row-major (csA == 1): full MR-row panels are read in place; only a ragged last
        // panel is packed (at the start of packA). Otherwise every panel is packed.
        const direct = csA == 1;
        const fullRows = direct ? mc - mc % MR : 0;
        if (!direct) pack_a(a, rsA, csA, ic, mc, pc, kc);
        else if (fullRows < mc) pack_a(a, rsA, csA, ic + fullRows, mc - fullRows, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = packB + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const ap = direct ? packA + (<usize>((ir - fullRows) * kc) << 2) : packA + (<usize>(ir * kc) << 2);
            const cij = c + (<usize>((ic + ir) * ldc + jc + jr) << 2);
            if (direct && ir < fullRows && nr == NR) {
              const arow = a + (<usize>((ic + ir) * rsA + pc) << 2);
              if (ASC_FEATURE_SIMD) { if (load_c) rowa_load(kc, arow, <usize>rsA << 2, bp, cij, ldc); else rowa_zero(kc, arow, <usize>rsA << 2, bp, cij, ldc); }
              else ukernel_5x8_scalar_rowa(kc, arow, <usize>rsA << 2, bp, cij, ldc, load_c);
            } else if (direct && ir < fullRows) {
              // full rows but a ragged column panel: through the tile buffer
              if (load_c) {
                for (let r = 0; r < mr; r++) for (let j = 0; j < nr; j++)
                  store<f32>(tile + (<usize>(r * NR + j) << 2), load<f32>(cij + (<usize>(r * ldc + j) << 2)));
              }
              const arow = a + (<usize>((ic + ir) * rsA + pc) << 2);
              if (ASC_FEATURE_SIMD) { if (load_c) rowa_load(kc, arow, <usize>rsA << 2, bp, tile, NR); else rowa_zero(kc, arow, <usize>rsA << 2, bp, tile, NR); }
              else ukernel_5x8_scalar_rowa(kc, arow, <usize>rsA << 2, bp, tile, NR, load_c);
              for (let r = 0; r < mr; r++) for (let j = 0; j < nr; j++)
                store<f32>(cij + (<usize>(r * ldc + j) << 2), load<f32>(tile + (<usize>(r * NR + j) << 2)));
            } else if (mr == MR && nr == NR) {
              ukernel(kc, ap, bp, cij, ldc, load_c);
            } else {
              // edge tile: through the tile buffer, only the valid part copied back
              if (load_c) {
                for (let r = 0; r < mr; r++) for (let j = 0; j < nr; j++)
                  store<f32>(tile + (<usize>(r * NR + j) << 2), load<f32>(cij + (<usize>(r * ldc + j) << 2)));
              }
              ukernel(kc, ap, bp, tile, NR, load_c);
              for (let r = 0; r < mr; r++) for (let j = 0; j < nr; j++)
                store<f32>(cij + (<usize>(r * ldc + j) << 2), load<f32>(tile + (<usize>(r * NR + j) << 2)));
            }
          }
        }
      }
    }
  }
}

/** The naive reference: the same chains, no packing, no blocking (tests only). */
export function gemm_ref(
  M: i32, N: i32, K: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32, accumulate: bool,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const pc = c + (<usize>(i * ldc + j) << 2);
      let acc: f32 = accumulate ? load<f32>(pc) : 0;
      for (let k = 0; k < K; k++) {
        acc = acc + load<f32>(a + (<usize>(i * rsA + k * csA) << 2)) * load<f32>(b + (<usize>(k * rsB + j * csB) << 2));
      }
      store<f32>(pc, acc);
    }
  }
}

/** Packs A[i0 .. i0+mc, k0 .. k0+kc] (strided) into MR-row panels at dst (pack_a's layout). */
export function pack_a_into(a: usize, rsA: i32, csA: i32, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  const saved = packA;
  packA = dst;
  pack_a(a, rsA, csA, i0, mc, k0, kc);
  packA = saved;
}

/** One MR x NR tile from packed panels: c (row stride ldc) (+)= ap · bp over kc; a ragged
 *  tile (mr < MR or nr < NR) goes through a tile buffer and only its valid part is written. */
export function gemm_tile_packed(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32, load_c: bool): void {
  buffers();
  if (mr == MR && nr == NR) {
    ukernel(kc, ap, bp, c, ldc, load_c);
    return;
  }
  if (load_c) {
    for (let r = 0; r < mr; r++) for (let j = 0; j < nr; j++)
      store<f32>(tile + (<usize>(r * NR + j) << 2), load<f32>(c + (<usize>(r * ldc + j) << 2)));
  }
  ukernel(kc, ap, bp, tile, NR, load_c);
  for (let r = 0; r < mr; r++) for (let j = 0; j < nr; j++)
    store<f32>(c + (<usize>(r * ldc + j) << 2), load<f32>(tile + (<usize>(r * NR + j) << 2)));
}
