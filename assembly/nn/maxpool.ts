// maxpool 2x2, stride 2, floor (PyTorch's default), NHWC.
//   x   [B, H, W, C]     y [B, H/2, W/2, C]     arg [B, H/2, W/2, C] u8: which of the 4 inputs
// Ties and scan order as PyTorch's CPU kernel: (0,0), (0,1), (1,0), (1,1); a later input wins
// only if strictly greater (NaN wins), so the first maximum is kept.

export function maxpool2_forward(x: usize, B: i32, H: i32, W: i32, C: i32, y: usize, arg: usize): void {
  maxpool2_forward_padded(x, B, H, W, C, y, 0, arg);
}

/** dx = 0 except dx[argmax] = dy (each input receives at most one gradient). */
export function maxpool2_backward(dy: usize, arg: usize, B: i32, H: i32, W: i32, C: i32, dx: usize): void {
  const Ho = H >> 1, Wo = W >> 1;
  memory.fill(dx, 0, <usize>(B * H * W * C) << 2);
  let o = 0;
  for (let b = 0; b < B; b++) {
    const xb = dx + (<usize>(b * H * W * C) << 2);
    for (let ho = 0; ho < Ho; ho++) {
      for (let wo = 0; wo < Wo; wo++) {
        for (let c = 0; c < C; c++) {
          const a = <i32>load<u8>(arg + <usize>o);
          const hh = 2 * ho + (a >> 1), ww = 2 * wo + (a & 1);
          store<f32>(xb + (<usize>((hh * W + ww) * C + c) << 2), load<f32>(dy + (<usize>o << 2)));
          o++;
        }
      }
    }
  }
}

/** NHWC -> PyTorch's flatten order: y[b, c*H*W + h*W + w] = x[b, h, w, c]. */
export function flatten_forward(x: usize, B: i32, H: i32, W: i32, C: i32, y: usize): void {
  const S = H * W;
  for (let b = 0; b < B; b++) {
    const base = <usize>(b * S * C) << 2;
    for (let s = 0; s < S; s++) for (let c = 0; c < C; c++)
      store<f32>(y + base + (<usize>(c * S + s) << 2), load<f32>(x + base + (<usize>(s * C + c) << 2)));
  }
}

/** The inverse permutation: dx[b, h, w, c] = dy[b, c*H*W + h*W + w]. */
export function flatten_backward(dy: usize, B: i32, H: i32, W: i32, C: i32, dx: usize): void {
  const S = H * W;
  for (let b = 0; b < B; b++) {
    const base = <usize>(b * S * C) << 2;
    for (let s = 0; s < S; s++) for (let c = 0; c < C; c++)
      store<f32>(dx + base + (<usize>(s * C + c) << 2), load<f32>(dy + base + (<usize>(c * S + s) << 2)));
  }
}

/** maxpool 2x2 with a padded output: the same selection as maxpool2_forward (first maximum, NaN
 *  wins), the argmax written to arg [B, H/2, W/2, C] u8 only if arg != 0, the values into the interior of y [B, H/2 + 2pad, W/2 + 2pad, C] whose border is
 *  set to 0 (the zero padding the next convolution reads). */
export function maxpool2_forward_padded(x: usize, B: i32, H: i32, W: i32, C: i32, y: usize, pad: i32, arg: usize): void {
  const Ho = H >> 1, Wo = W >> 1, Hp = Ho + 2 * pad, Wp = Wo + 2 * pad;
  const rowBytes = <usize>(Wp * C) << 2, cellBytes = <usize>C << 2;
  for (let b = 0; b < B; b++) {
    const yb = y + <usize>(b * Hp) * rowBytes;
    for (let h = 0; h < pad; h++) {
      memory.fill(yb + <usize>h * rowBytes, 0, rowBytes);
      memory.fill(yb + <usize>(Hp - 1 - h) * rowBytes, 0, rowBytes);
    }
    const xb = x + (<usize>(b * H * W * C) << 2);
    for (let ho = 0; ho < Ho; ho++) {
      const yrow = yb + <usize>(ho + pad) * rowBytes;
      for (let q = 0; q < pad; q++) {
        memory.fill(yrow + <usize>q * cellBytes, 0, cellBytes);
        memory.fill(yrow + <usize>(Wp - 1 - q) * cellBytes, 0, cellBytes);
      }
      for (let wo = 0; wo < Wo; wo++) {
        const p00 = xb + (<usize>(((2 * ho) * W + 2 * wo) * C) << 2);
        const p01 = p00 + cellBytes, p10 = p00 + (<usize>(W * C) << 2), p11 = p10 + cellBytes;
        const out = yrow + <usize>(wo + pad) * cellBytes;
        const ao = arg + <usize>(((b * Ho + ho) * Wo + wo) * C);
        let c = 0;
        if (ASC_FEATURE_SIMD) {
          for (; c + 4 <= C; c += 4) {
            const off = <usize>c << 2;
            let m = v128.load(p00 + off), a = i32x4.splat(0);
            let v = v128.load(p01 + off);
            let k = v128.or(f32x4.gt(v, m), f32x4.ne(v, v));
            m = v128.bitselect(v, m, k); a = v128.bitselect(i32x4.splat(1), a, k);
            v = v128.load(p10 + off);
            k = v128.or(f32x4.gt(v, m), f32x4.ne(v, v));
            m = v128.bitselect(v, m, k); a = v128.bitselect(i32x4.splat(2), a, k);
            v = v128.load(p11 + off);
            k = v128.or(f32x4.gt(v, m), f32x4.ne(v, v));
            m = v128.bitselect(v, m, k); a = v128.bitselect(i32x4.splat(3), a, k);
            v128.store(out + off, m);
            if (arg != 0) {
              const a16 = i16x8.narrow_i32x4_u(a, a);
              v128.store32_lane(ao + <usize>c, i8x16.narrow_i16x8_u(a16, a16), 0);
            }
          }
        }
        for (; c < C; c++) {
          const off = <usize>c << 2;
          let m = load<f32>(p00 + off), a: u8 = 0;
          let v = load<f32>(p01 + off);
          if (v > m || isNaN(v)) { m = v; a = 1; }
          v = load<f32>(p10 + off);
          if (v > m || isNaN(v)) { m = v; a = 2; }
          v = load<f32>(p11 + off);
          if (v > m || isNaN(v)) { m = v; a = 3; }
          store<f32>(out + off, m);
          if (arg != 0) store<u8>(ao + <usize>c, a);
        }
      }
    }
  }
}

/** maxpool2_forward then flatten_forward in one pass: f[b, c*S + s] (S = (H/2)(W/2),
 *  s = ho*(W/2) + wo) is the pooled value (maxpool2_forward's selection: first maximum, NaN wins),
 *  arg [B, H/2, W/2, C] u8 written if arg != 0 (maxpool2_forward's layout). */
export function maxpool2_flatten(x: usize, B: i32, H: i32, W: i32, C: i32, f: usize, arg: usize): void {
  pool_flatten(x, B, H, W, C, f, arg, false);
}

/** maxpool2_flatten of ReLU outputs (never NaN): the same values and argmaxes, the running max
 *  by pmax (m < v ? v : m, one instruction: the same selection as "strictly greater wins" when
 *  no value is NaN), and without arg no argmax at all. */
export function maxpool2_flatten_relu(x: usize, B: i32, H: i32, W: i32, C: i32, f: usize, arg: usize): void {
  pool_flatten(x, B, H, W, C, f, arg, true);
}

// @ts-ignore: decorator
@inline function pool_flatten(x: usize, B: i32, H: i32, W: i32, C: i32, f: usize, arg: usize, noNaN: bool): void {
  const Ho = H >> 1, Wo = W >> 1, S = Ho * Wo;
  const cellBytes = <usize>C << 2, sBytes = <usize>S << 2;
  for (let b = 0; b < B; b++) {
    const xb = x + (<usize>(b * H * W * C) << 2);
    const fb = f + (<usize>(b * S * C) << 2);
    for (let ho = 0; ho < Ho; ho++) {
      for (let wo = 0; wo < Wo; wo++) {
        const s = ho * Wo + wo;
        const p00 = xb + (<usize>(((2 * ho) * W + 2 * wo) * C) << 2);
        const p01 = p00 + cellBytes, p10 = p00 + (<usize>(W * C) << 2), p11 = p10 + cellBytes;
        const ao = arg + <usize>(((b * Ho + ho) * Wo + wo) * C);
        const fs = fb + (<usize>s << 2);
        let c = 0;
        if (ASC_FEATURE_SIMD) {
          for (; c + 4 <= C; c += 4) {
            const off = <usize>c << 2;
            let m = v128.load(p00 + off), a = i32x4.splat(0);
            if (noNaN && arg == 0) {
              m = f32x4.pmax(f32x4.pmax(f32x4.pmax(m, v128.load(p01 + off)), v128.load(p10 + off)), v128.load(p11 + off));
            } else if (noNaN) {
              let v = v128.load(p01 + off);
              let k = f32x4.gt(v, m);
              m = f32x4.pmax(m, v); a = v128.and(k, i32x4.splat(1));
              v = v128.load(p10 + off);
              k = f32x4.gt(v, m);
              m = f32x4.pmax(m, v); a = v128.bitselect(i32x4.splat(2), a, k);
              v = v128.load(p11 + off);
              k = f32x4.gt(v, m);
              m = f32x4.pmax(m, v); a = v128.bitselect(i32x4.splat(3), a, k);
            } else {
              let v = v128.load(p01 + off);
              let k = v128.or(f32x4.gt(v, m), f32x4.ne(v, v));
              m = v128.bitselect(v, m, k); a = v128.bitselect(i32x4.splat(1), a, k);
              v = v128.load(p10 + off);
              k = v128.or(f32x4.gt(v, m), f32x4.ne(v, v));
              m = v128.bitselect(v, m, k); a = v128.bitselect(i32x4.splat(2), a, k);
              v = v128.load(p11 + off);
              k = v128.or(f32x4.gt(v, m), f32x4.ne(v, v));
              m = v128.bitselect(v, m, k); a = v128.bitselect(i32x4.splat(3), a, k);
            }
            const fc = fs + <usize>c * sBytes;
            v128.store32_lane(fc, m, 0);
            v128.store32_lane(fc + sBytes, m, 1);
            v128.store32_lane(fc + 2 * sBytes, m, 2);
            v128.store32_lane(fc + 3 * sBytes, m, 3);
            if (arg != 0) {
              const a16 = i16x8.narrow_i32x4_u(a, a);
              v128.store32_lane(ao + <usize>c, i8x16.narrow_i16x8_u(a16, a16), 0);
            }
          }
        }
        for (; c < C; c++) {
          const off = <usize>c << 2;
          let m = load<f32>(p00 + off), a: u8 = 0;
          let v = load<f32>(p01 + off);
          if (v > m || isNaN(v)) { m = v; a = 1; }
          v = load<f32>(p10 + off);
          if (v > m || isNaN(v)) { m = v; a = 2; }
          v = load<f32>(p11 + off);
          if (v > m || isNaN(v)) { m = v; a = 3; }
          store<f32>(fs + <usize>c * sBytes, m);
          if (arg != 0) store<u8>(ao + <usize>c, a);
        }
      }
    }
  }
}

/** The backward of ReLU -> maxpool 2x2 in one pass: dx [B, H, W, C] = 0 except at each window's
 *  argmax, which gets dy where the pooled (ReLU'd) value y > 0 and +0 elsewhere: the bits of
 *  maxpool2_backward then relu_backward (the argmax input is the pooled value, so its ReLU mask is
 *  y > 0; every other input gets 0 from the pool either way). dy, y and arg are in the pooled
 *  layout; `flat` says which: false = NHWC [B, H/2, W/2, C] for dy and arg, y with a zero border
 *  of ypad ([B, H/2 + 2ypad, W/2 + 2ypad, C]); true = dy and y in flatten_forward's layout
 *  [B, C*(H/2)*(W/2)] (ypad unused), arg NHWC. */
export function maxpool2_relu_backward(dy: usize, y: usize, ypad: i32, flat: bool, arg: usize, B: i32, H: i32, W: i32, C: i32, dx: usize): void {
  maxpool2_relu_backward_db(dy, y, ypad, flat, arg, B, H, W, C, dx, 0, 0);
}

/** maxpool2_relu_backward into the interior of dx [B, H + 2dxpad, W + 2dxpad, C] (its border is
 *  not written: the caller keeps it zero, e.g. the padded input of a transposed convolution), and
 *  (if db != 0) the bias gradient of the layer below it in the same pass: db [C] continues
 *  bias_grad(dx, B*H*W, C, db)'s chain over the pixels p ascending (the caller starts it at +0;
 *  successive calls on successive images continue it in order). Each pooling window's row pair is
 *  added while it is in L1, row 2ho then row 2ho + 1, and of a window's two pixels in a row only
 *  one term per row: dx holds +0 (all bits clear) at every pixel but the argmax, so the bitwise or
 *  of the two is the nonzero term or +0. Leaving out +0 terms keeps the bits: x + (+0) = x for
 *  every x but -0, and a chain that starts at +0 is never -0 (round to nearest gives -0 only for
 *  -0 + -0). The pixels the floor pool drops are +0. */
export function maxpool2_relu_backward_db(dy: usize, y: usize, ypad: i32, flat: bool, arg: usize, B: i32, H: i32, W: i32, C: i32, dx: usize, dxpad: i32, db: usize): void {
  const Ho = H >> 1, Wo = W >> 1, S = Ho * Wo;
  const Hy = Ho + 2 * ypad, Wy = Wo + 2 * ypad, Hx = H + 2 * dxpad, Wx = W + 2 * dxpad;
  // every input of a window is written below; only the rows and columns the floor pool drops
  // need zeros first
  if ((H | W) & 1) memory.fill(dx, 0, <usize>(B * Hx * Wx * C) << 2);
  const cell = <usize>C << 2, rowBytes = <usize>(Wx * C) << 2, sBytes = <usize>S << 2;
  let o = 0;
  for (let b = 0; b < B; b++) {
    const xb = dx + <usize>(b * Hx + dxpad) * rowBytes + <usize>dxpad * cell;
    for (let ho = 0; ho < Ho; ho++) {
      for (let wo = 0; wo < Wo; wo++) {
        const s = ho * Wo + wo;
        const d00 = xb + <usize>(2 * ho) * rowBytes + <usize>(2 * wo) * cell;
        const d01 = d00 + cell, d10 = d00 + rowBytes, d11 = d10 + cell;
        // the pooled gradient and value of channel 0 of this window, and the stride between channels
        const gp = flat ? dy + (<usize>(b * S * C + s) << 2) : dy + (<usize>o << 2);
        const yp = flat ? y + (<usize>(b * S * C + s) << 2) : y + (<usize>(((b * Hy + ho + ypad) * Wy + wo + ypad) * C) << 2);
        const step: usize = flat ? sBytes : 4;
        const ap = arg + <usize>o;
        let c = 0;
        if (ASC_FEATURE_SIMD) {
          const z = f32x4.splat(0);
          for (; c + 4 <= C; c += 4) {
            const oc = <usize>c * step;
            let g: v128, yv: v128;
            if (flat) {
              g = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(load<f32>(gp + oc)), 1, load<f32>(gp + oc + step)), 2, load<f32>(gp + oc + 2 * step)), 3, load<f32>(gp + oc + 3 * step));
              yv = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(load<f32>(yp + oc)), 1, load<f32>(yp + oc + step)), 2, load<f32>(yp + oc + 2 * step)), 3, load<f32>(yp + oc + 3 * step));
            } else {
              g = v128.load(gp + oc);
              yv = v128.load(yp + oc);
            }
            g = v128.and(g, f32x4.gt(yv, z));
            const a = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(ap + <usize>c)));
            const oo = <usize>c << 2;
            v128.store(d00 + oo, v128.and(g, i32x4.eq(a, i32x4.splat(0))));
            v128.store(d01 + oo, v128.and(g, i32x4.eq(a, i32x4.splat(1))));
            v128.store(d10 + oo, v128.and(g, i32x4.eq(a, i32x4.splat(2))));
            v128.store(d11 + oo, v128.and(g, i32x4.eq(a, i32x4.splat(3))));
          }
        }
        for (; c < C; c++) {
          const oc = <usize>c * step;
          const g: f32 = load<f32>(yp + oc) > 0 ? load<f32>(gp + oc) : 0;
          const a = <i32>load<u8>(ap + <usize>c), oo = <usize>c << 2;
          store<f32>(d00 + oo, a == 0 ? g : 0);
          store<f32>(d01 + oo, a == 1 ? g : 0);
          store<f32>(d10 + oo, a == 2 ? g : 0);
          store<f32>(d11 + oo, a == 3 ? g : 0);
        }
        o += C;
      }
      if (db != 0) add_row_pair_terms(db, xb + <usize>(2 * ho) * rowBytes, rowBytes, Wo, C);
    }
  }
}

// db[c] += (dx[2wo, c] | dx[2wo + 1, c]) for wo ascending over row `top` of dx, then the same over
// the row below it (see maxpool2_relu_backward_db: at most one of the two is nonzero, the other
// +0). Channels 16 at a time in registers (4 independent chains over the windows), then 4, then
// one by one.
// @ts-ignore: decorator
@inline function add_row_pair_terms(db: usize, top: usize, rowBytes: usize, Wo: i32, C: i32): void {
  const cell = <usize>C << 2, pair = cell << 1, rowEnd = top + <usize>Wo * pair;
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    for (; c + 16 <= C; c += 16) {
      const d = db + (<usize>c << 2);
      let s0 = v128.load(d), s1 = v128.load(d, 16), s2 = v128.load(d, 32), s3 = v128.load(d, 48);
      for (let p = top + (<usize>c << 2), e = rowEnd + (<usize>c << 2); p < e; p += pair) {
        s0 = f32x4.add(s0, v128.or(v128.load(p), v128.load(p + cell)));
        s1 = f32x4.add(s1, v128.or(v128.load(p, 16), v128.load(p + cell, 16)));
        s2 = f32x4.add(s2, v128.or(v128.load(p, 32), v128.load(p + cell, 32)));
        s3 = f32x4.add(s3, v128.or(v128.load(p, 48), v128.load(p + cell, 48)));
      }
      for (let p = top + rowBytes + (<usize>c << 2), e = rowEnd + rowBytes + (<usize>c << 2); p < e; p += pair) {
        s0 = f32x4.add(s0, v128.or(v128.load(p), v128.load(p + cell)));
        s1 = f32x4.add(s1, v128.or(v128.load(p, 16), v128.load(p + cell, 16)));
        s2 = f32x4.add(s2, v128.or(v128.load(p, 32), v128.load(p + cell, 32)));
        s3 = f32x4.add(s3, v128.or(v128.load(p, 48), v128.load(p + cell, 48)));
      }
      v128.store(d, s0); v128.store(d, s1, 16); v128.store(d, s2, 32); v128.store(d, s3, 48);
    }
    for (; c + 4 <= C; c += 4) {
      const d = db + (<usize>c << 2);
      let s0 = v128.load(d);
      for (let p = top + (<usize>c << 2), e = rowEnd + (<usize>c << 2); p < e; p += pair) s0 = f32x4.add(s0, v128.or(v128.load(p), v128.load(p + cell)));
      for (let p = top + rowBytes + (<usize>c << 2), e = rowEnd + rowBytes + (<usize>c << 2); p < e; p += pair) s0 = f32x4.add(s0, v128.or(v128.load(p), v128.load(p + cell)));
      v128.store(d, s0);
    }
  }
  for (; c < C; c++) {
    const d = db + (<usize>c << 2);
    let s0 = load<f32>(d);
    for (let p = top + (<usize>c << 2), e = rowEnd + (<usize>c << 2); p < e; p += pair) s0 = s0 + reinterpret<f32>(load<u32>(p) | load<u32>(p + cell));
    for (let p = top + rowBytes + (<usize>c << 2), e = rowEnd + rowBytes + (<usize>c << 2); p < e; p += pair) s0 = s0 + reinterpret<f32>(load<u32>(p) | load<u32>(p + cell));
    store<f32>(d, s0);
  }
}
