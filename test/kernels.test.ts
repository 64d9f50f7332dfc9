// The nn kernels of the core against independent naive references: bit-identical where the
// summation order is the same (all of them: the core documents its order), finite-difference
// gradients of the whole network in f64, and simd == scalar bit for bit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Core, type Build } from "../bindings/index.js";
import { stream } from "../src/prng.js";
import { Cnn, CoreDataset, DEFAULT_SPEC, networkGemmShapes, paramCount, specFor, type CnnSpec } from "../src/model/cnn.js";
import { gemmF32, conv2dF32, maxpoolRef, cnnLossF64 } from "./support/ref-kernels.js";
import { loadCore } from "./support/core.js";

function randn(core: Core, n: number, seed: number, scale = 1): Float32Array {
  const u = stream(core, seed, "test", 999).uniformF32(n);
  return u.map((x) => (x * 2 - 1) * scale);
}

function bitsEqual(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) assert.fail(`${what}: first difference at ${i}: ${a[i]} vs ${b[i]}`);
  }
}

// Shapes (M, N, K): tiny, ragged edges (not multiples of 5 or 8), K over the 256 block, N over the
// 512 block, M over the 120 block, and the network's own shapes (networkGemmShapes: the ones the
// bench times).
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [3, 7, 2], [5, 8, 9], [13, 11, 300], [121, 17, 31], [37, 600, 5], [7, 9, 513], [250, 16, 9],
  ...networkGemmShapes().map((s): [number, number, number] => [s.m, s.n, s.k]),
];

for (const build of ["simd", "scalar"] as Build[]) {
  test(`gemm equals the naive loop bit for bit, all transposes and accumulate (${build})`, async () => {
    const core = await loadCore(build);
    let seed = 1;
    for (const [M, N, K] of SHAPES) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        for (const acc of [false, true]) {
          const A = randn(core, M * K, seed++), Bm = randn(core, K * N, seed++), C0 = randn(core, M * N, seed++);
          // A stored as [M,K] (rs K, cs 1) or transposed storage [K,M] (rs 1, cs M)
          const [rsA, csA] = ta ? [1, M] : [K, 1];
          const [rsB, csB] = tb ? [1, K] : [N, 1];
          const got = core.scoped((alloc) => {
            const a = alloc("f32", M * K).set(A), b = alloc("f32", K * N).set(Bm), c = alloc("f32", M * N).set(C0), r = alloc("f32", M * N).set(C0);
            core.exports.gemm(M, N, K, a.ptr, rsA, csA, b.ptr, rsB, csB, c.ptr, N, acc ? 1 : 0);
            core.exports.gemm_ref(M, N, K, a.ptr, rsA, csA, b.ptr, rsB, csB, r.ptr, N, acc ? 1 : 0);
            return { c: c.toArray(), r: r.toArray() };
          });
          const what = `${M}x${N}x${K} ta=${ta} tb=${tb} acc=${acc}`;
          bitsEqual(got.c, got.r, `gemm vs gemm_ref ${what}`);
          if (M * N * K <= 200_000) {
            const want = gemmF32(M, N, K, (i, k) => A[i * rsA + k * csA]!, (k, j) => Bm[k * rsB + j * csB]!, acc ? C0 : undefined);
            bitsEqual(got.c, want, `gemm vs TS fround reference ${what}`);
          }
        }
      }
    }
  });
}

test("conv2d forward equals the naive convolution bit for bit (chain from the bias, (kh, kw, c) order)", async () => {
  const core = await loadCore();
  for (const [B, H, W, C, Co] of [[2, 28, 28, 1, 16], [3, 14, 14, 16, 32], [1, 5, 7, 3, 5]] as const) {
    const x = randn(core, B * H * W * C, 10 + C), w = randn(core, Co * C * 9, 20 + Co, 0.3), bias = randn(core, Co, 30 + Co, 0.1);
    const y = core.scoped((alloc) => {
      const tx = alloc("f32", x.length).set(x), tw = alloc("f32", w.length).set(w), tb = alloc("f32", Co).set(bias);
      const col = alloc("f32", B * H * W * C * 9), wp = alloc("f32", w.length), ty = alloc("f32", B * H * W * Co);
      core.exports.conv2d_forward(tx.ptr, B, H, W, C, tw.ptr, tb.ptr, Co, 3, 3, 1, col.ptr, wp.ptr, ty.ptr);
      return ty.toArray();
    });
    bitsEqual(y, conv2dF32(x, B, H, W, C, w, bias, Co, 3), `conv2d ${B}x${H}x${W}x${C}->${Co}`);
  }
});

test("maxpool forward/backward match the reference (first maximum wins ties, as PyTorch)", async () => {
  const core = await loadCore();
  const B = 2, H = 6, W = 6, C = 3;
  const x = randn(core, B * H * W * C, 40).map((v) => (v > 0.3 ? 0 : v)); // many ties at 0
  const ref = maxpoolRef(x, B, H, W, C);
  const dy = randn(core, ref.y.length, 41);
  const got = core.scoped((alloc) => {
    const tx = alloc("f32", x.length).set(x), ty = alloc("f32", ref.y.length), ta = alloc("u8", ref.y.length);
    const tdy = alloc("f32", dy.length).set(dy), tdx = alloc("f32", x.length);
    core.exports.maxpool2_forward(tx.ptr, B, H, W, C, ty.ptr, ta.ptr);
    core.exports.maxpool2_backward(tdy.ptr, ta.ptr, B, H, W, C, tdx.ptr);
    return { y: ty.toArray(), arg: ta.toArray(), dx: tdx.toArray() };
  });
  bitsEqual(got.y, ref.y, "maxpool y");
  assert.deepEqual(got.arg, ref.arg);
  const dx = new Float32Array(x.length);
  for (let o = 0; o < ref.y.length; o++) {
    const c = o % C, wo = Math.floor(o / C) % (W >> 1), ho = Math.floor(o / C / (W >> 1)) % (H >> 1), b = Math.floor(o / C / (W >> 1) / (H >> 1));
    const a = ref.arg[o]!;
    dx[((b * H + 2 * ho + (a >> 1)) * W + 2 * wo + (a & 1)) * C + c] = dy[o]!;
  }
  bitsEqual(got.dx, dx, "maxpool dx");
});

test("dense forward and the bias-gradient reduction match the fround references bit for bit", async () => {
  const core = await loadCore();
  const B = 7, In = 33, Out = 10;
  const x = randn(core, B * In, 50), w = randn(core, Out * In, 51), bias = randn(core, Out, 52);
  const got = core.scoped((alloc) => {
    const tx = alloc("f32", x.length).set(x), tw = alloc("f32", w.length).set(w), tb = alloc("f32", Out).set(bias), ty = alloc("f32", B * Out);
    const db = alloc("f32", In);
    core.exports.dense_forward(tx.ptr, B, In, tw.ptr, tb.ptr, Out, ty.ptr);
    core.exports.bias_grad(tx.ptr, B, In, db.ptr);
    return { y: ty.toArray(), db: db.toArray() };
  });
  const want = gemmF32(B, Out, In, (i, k) => x[i * In + k]!, (k, j) => w[j * In + k]!, Float32Array.from({ length: B * Out }, (_, q) => bias[q % Out]!));
  bitsEqual(got.y, want, "dense y");
  const db = new Float32Array(In);
  for (let b = 0; b < B; b++) for (let i = 0; i < In; i++) db[i] = Math.fround(db[i]! + x[b * In + i]!);
  bitsEqual(got.db, db, "bias_grad");
});

test("softmax cross-entropy: loss and gradient against an f64 reference; stable at huge logits", async () => {
  const core = await loadCore();
  const B = 4, K = 10;
  const z = randn(core, B * K, 60, 5);
  z[3] = 1e4; // log-sum-exp must not overflow
  const y = [3, 0, 9, 5];
  const got = core.scoped((alloc) => {
    const tz = alloc("f32", z.length).set(z), ty = alloc("i32", B).set(y), dz = alloc("f32", B * K);
    const loss = core.exports.softmax_xent_forward_backward(tz.ptr, ty.ptr, B, K, dz.ptr);
    return { loss, dz: dz.toArray() };
  });
  let loss = 0;
  const dz = new Float64Array(B * K);
  for (let b = 0; b < B; b++) {
    const row = Array.from(z.subarray(b * K, (b + 1) * K));
    const m = Math.max(...row);
    const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
    loss += Math.log(s) + m - row[y[b]!]!;
    row.forEach((v, k) => (dz[b * K + k] = (Math.exp(v - m) / s - (k === y[b] ? 1 : 0)) / B));
  }
  assert.ok(Number.isFinite(got.loss));
  assert.ok(Math.abs(got.loss - loss / B) <= 1e-6 * Math.max(1, loss / B), `loss ${got.loss} vs ${loss / B}`);
  for (let i = 0; i < dz.length; i++) assert.ok(Math.abs(got.dz[i]! - dz[i]!) <= 2e-7, `dz[${i}] ${got.dz[i]} vs ${dz[i]}`);
});

test("Adam follows PyTorch's update order (emulated in f32 with fround)", async () => {
  const core = await loadCore();
  const n = 37;
  const p0 = randn(core, n, 70), g1 = randn(core, n, 71), g2 = randn(core, n, 72);
  const got = core.scoped((alloc) => {
    const p = alloc("f32", n).set(p0), g = alloc("f32", n), m = alloc("f32", n), v = alloc("f32", n);
    m.view.fill(0); v.view.fill(0);
    for (const [t, gt] of [[1, g1], [2, g2]] as const) {
      g.set(gt);
      core.exports.adam_step(p.ptr, g.ptr, m.ptr, v.ptr, n, t, 1e-3, 0.9, 0.999, 1e-8);
    }
    return p.toArray();
  });
  const f = Math.fround;
  const p = Float32Array.from(p0), m = new Float32Array(n), v = new Float32Array(n);
  for (const [t, g] of [[1, g1], [2, g2]] as const) {
    const bc1 = 1 - 0.9 ** t, bc2 = 1 - 0.999 ** t;
    const ss = f(1e-3 / bc1), bc2s = f(Math.sqrt(bc2));
    for (let i = 0; i < n; i++) {
      m[i] = f(f(m[i]! * f(0.9)) + f(g[i]! * f(1 - 0.9)));
      v[i] = f(f(v[i]! * f(0.999)) + f(f(g[i]! * g[i]!) * f(1 - 0.999)));
      const denom = f(f(f(Math.sqrt(v[i]!)) / bc2s) + f(1e-8));
      p[i] = f(p[i]! - f(ss * f(m[i]! / denom)));
    }
  }
  bitsEqual(got, p, "adam");
});

// A small network for the gradient checks: every code path of the default one, cheaper.
const SMALL: CnnSpec = { channels: 2, height: 8, width: 12, conv1: 3, conv2: 4, hidden: 5, classes: 4, kernel: 3 };

test("the whole network's gradient matches central finite differences of an independent f64 forward", async () => {
  const core = await loadCore();
  const net = new Cnn(core, SMALL);
  net.init(3, 0);
  const B = 3, n = SMALL.channels * SMALL.height * SMALL.width;
  // images as u8, NHWC in the core; the f64 reference takes NCHW
  const img = stream(core, 5, "test", 5).u32(B * n).map((u) => u % 256);
  const images = Uint8Array.from(img), labels = Uint8Array.from([1, 3, 0]);
  const data = new CoreDataset(core, images, labels, B);
  net.lossGrad(data, [0, 1, 2]);
  const grad = net.grads.toArray();
  const xNchw = new Float64Array(B * n);
  for (let b = 0; b < B; b++) for (let h = 0; h < SMALL.height; h++) for (let w = 0; w < SMALL.width; w++) for (let c = 0; c < SMALL.channels; c++) {
    xNchw[b * n + (c * SMALL.height + h) * SMALL.width + w] = Math.fround(images[b * n + (h * SMALL.width + w) * SMALL.channels + c]! / 255);
  }
  const p = Float64Array.from(net.params.view);
  const loss = (q: Float64Array) => cnnLossF64(q, net.layout, xNchw, labels, B, SMALL);
  let worst = 0, where = "";
  for (const l of net.layout) {
    for (let j = 0; j < l.length; j += Math.max(1, Math.floor(l.length / 7))) {
      const i = l.offset + j, eps = 1e-4;
      const save = p[i]!;
      p[i] = save + eps; const up = loss(p);
      p[i] = save - eps; const dn = loss(p);
      p[i] = save;
      const fd = (up - dn) / (2 * eps);
      const err = Math.abs(fd - grad[i]!) / Math.max(1e-3, Math.abs(fd));
      if (err > worst) { worst = err; where = `${l.name}[${j}] fd ${fd} ours ${grad[i]}`; }
    }
  }
  assert.ok(worst < 2e-3, `worst relative error ${worst} at ${where}`);
  net.free();
  data.free();
});

/** The colour expert (issue 24): the paper's widths on CIFAR-10's 3x32x32 images. */
const RGB_SPEC = specFor({ channels: 3, height: 32, width: 32, classes: 10 });

for (const [name, spec] of [["1x28x28", DEFAULT_SPEC], ["3x32x32, the colour expert", RGB_SPEC]] as const) {
  test(`simd and scalar builds give the same bits for a whole train step, twice the same (${name})`, async () => {
    const px = spec.channels * spec.height * spec.width;
    const run = async (build: Build) => {
      const core = await Core.load({ build });
      const net = new Cnn(core, spec);
      net.init(11, 2);
      const u = stream(core, 12, "test", 12).u32(16 * px).map((x) => x & 255);
      const data = new CoreDataset(core, Uint8Array.from(u), Uint8Array.from({ length: 16 }, (_, i) => i % 10), 16);
      const idx = Array.from({ length: 16 }, (_, i) => i);
      const losses = [net.trainStep(data, idx), net.trainStep(data, idx)];
      const out = { losses, params: net.params.toArray(), fwd: net.forward(data, idx).logits };
      net.free();
      data.free();
      return out;
    };
    const a = await run("simd"), b = await run("scalar"), c = await run("simd");
    assert.deepEqual(a.losses, b.losses);
    bitsEqual(a.params, b.params, "params after 2 steps, simd vs scalar");
    bitsEqual(a.fwd, b.fwd, "logits, simd vs scalar");
    bitsEqual(a.params, c.params, "params, run twice");
  });
}

test("the colour expert's layout: 136,874 parameters (conv1 [16,3,3,3], fc1 [64, 2048]) in the core and in paramCount", async () => {
  const core = await loadCore();
  const net = new Cnn(core, RGB_SPEC);
  try {
    assert.equal(net.size, 136_874);
    assert.equal(paramCount(RGB_SPEC), net.size);
    const shape = (n: string) => net.layout.find((l) => l.name === n)!;
    assert.deepEqual(shape("conv1.weight").shape, [16, 3, 3, 3]);
    assert.deepEqual(shape("fc1.weight").shape, [64, 2048]);
    for (const l of net.layout) assert.equal(l.length, l.shape.reduce((a, b) => a * b, 1), l.name);
    assert.equal(net.layout.reduce((a, l) => a + l.length, 0), net.size);
  } finally {
    net.free();
  }
  assert.equal(paramCount(DEFAULT_SPEC), 105_866);
});

test("each layer's backward matches finite differences of its f64 forward (conv2d, dense, softmax-xent)", async () => {
  const core = await loadCore();
  const fdCheck = (what: string, n: number, analytic: Float32Array, loss: (i: number, delta: number) => number) => {
    let worst = 0;
    for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 25))) {
      const eps = 1e-3;
      const fd = (loss(i, eps) - loss(i, -eps)) / (2 * eps);
      worst = Math.max(worst, Math.abs(fd - analytic[i]!) / Math.max(1e-2, Math.abs(fd)));
    }
    assert.ok(worst < 1e-3, `${what}: worst relative error ${worst}`);
  };
  // conv2d: L = sum(y * r), dL/dy = r
  const B = 2, H = 6, W = 5, C = 3, Co = 4, k = 3, pad = 1, P = B * H * W;
  const x = randn(core, P * C, 80), w = randn(core, Co * C * 9, 81, 0.5), bias = randn(core, Co, 82), r = randn(core, P * Co, 83);
  const g = core.scoped((alloc) => {
    const tx = alloc("f32", x.length).set(x), tw = alloc("f32", w.length).set(w), tb = alloc("f32", Co).set(bias);
    const col = alloc("f32", P * C * 9), wp = alloc("f32", w.length), y = alloc("f32", P * Co), dy = alloc("f32", P * Co).set(r);
    const dw = alloc("f32", w.length), db = alloc("f32", Co), dwT = alloc("f32", w.length), dcol = alloc("f32", P * C * 9), dx = alloc("f32", x.length);
    core.exports.conv2d_forward(tx.ptr, B, H, W, C, tw.ptr, tb.ptr, Co, k, k, pad, col.ptr, wp.ptr, y.ptr);
    core.exports.conv2d_backward(dy.ptr, B, H, W, C, wp.ptr, Co, k, k, pad, col.ptr, dw.ptr, db.ptr, dwT.ptr, dcol.ptr, dx.ptr);
    return { dw: dw.toArray(), db: db.toArray(), dx: dx.toArray() };
  });
  const convLoss = (xx: Float64Array, ww: Float64Array, bb: Float64Array) => {
    let L = 0;
    for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let q = 0; q < W; q++) for (let co = 0; co < Co; co++) {
      let acc = bb[co]!;
      for (let c = 0; c < C; c++) for (let kh = 0; kh < k; kh++) for (let kw = 0; kw < k; kw++) {
        const hh = h + kh - pad, qq = q + kw - pad;
        if (hh >= 0 && hh < H && qq >= 0 && qq < W) acc += xx[((b * H + hh) * W + qq) * C + c]! * ww[((co * C + c) * k + kh) * k + kw]!;
      }
      L += acc * r[((b * H + h) * W + q) * Co + co]!;
    }
    return L;
  };
  const X = Float64Array.from(x), Wt = Float64Array.from(w), Bi = Float64Array.from(bias);
  const bump = (arr: Float64Array, i: number, d: number, f: () => number) => { const s = arr[i]!; arr[i] = s + d; const v = f(); arr[i] = s; return v; };
  fdCheck("conv2d dx", x.length, g.dx, (i, d) => bump(X, i, d, () => convLoss(X, Wt, Bi)));
  fdCheck("conv2d dw", w.length, g.dw, (i, d) => bump(Wt, i, d, () => convLoss(X, Wt, Bi)));
  fdCheck("conv2d db", Co, g.db, (i, d) => bump(Bi, i, d, () => convLoss(X, Wt, Bi)));

  // dense: L = sum(y * r)
  const In = 9, Out = 6, Bd = 4;
  const dxv = randn(core, Bd * In, 84), dwv = randn(core, Out * In, 85), dbv = randn(core, Out, 86), dr = randn(core, Bd * Out, 87);
  const gd = core.scoped((alloc) => {
    const tx = alloc("f32", dxv.length).set(dxv), tw = alloc("f32", dwv.length).set(dwv), tb = alloc("f32", Out).set(dbv), y = alloc("f32", Bd * Out);
    const dy = alloc("f32", Bd * Out).set(dr), dw = alloc("f32", dwv.length), db = alloc("f32", Out), dx = alloc("f32", dxv.length);
    core.exports.dense_forward(tx.ptr, Bd, In, tw.ptr, tb.ptr, Out, y.ptr);
    core.exports.dense_backward(dy.ptr, tx.ptr, Bd, In, tw.ptr, Out, dw.ptr, db.ptr, dx.ptr);
    return { dw: dw.toArray(), db: db.toArray(), dx: dx.toArray() };
  });
  const DX = Float64Array.from(dxv), DW = Float64Array.from(dwv), DB = Float64Array.from(dbv);
  const denseLoss = () => {
    let L = 0;
    for (let b = 0; b < Bd; b++) for (let o = 0; o < Out; o++) {
      let acc = DB[o]!;
      for (let i = 0; i < In; i++) acc += DX[b * In + i]! * DW[o * In + i]!;
      L += acc * dr[b * Out + o]!;
    }
    return L;
  };
  fdCheck("dense dx", DX.length, gd.dx, (i, d) => bump(DX, i, d, denseLoss));
  fdCheck("dense dw", DW.length, gd.dw, (i, d) => bump(DW, i, d, denseLoss));
  fdCheck("dense db", DB.length, gd.db, (i, d) => bump(DB, i, d, denseLoss));

  // softmax cross-entropy: dz against FD of the f64 loss
  const Bs = 3, Ks = 5, zs = randn(core, Bs * Ks, 88, 3), ys = [4, 0, 2];
  const gz = core.scoped((alloc) => {
    const tz = alloc("f32", zs.length).set(zs), ty = alloc("i32", Bs).set(ys), dz = alloc("f32", zs.length);
    core.exports.softmax_xent_forward_backward(tz.ptr, ty.ptr, Bs, Ks, dz.ptr);
    return dz.toArray();
  });
  const Z = Float64Array.from(zs);
  const xent = () => {
    let L = 0;
    for (let b = 0; b < Bs; b++) {
      const row = Z.subarray(b * Ks, (b + 1) * Ks);
      L += Math.log(row.reduce((a, v) => a + Math.exp(v), 0)) - row[ys[b]!]!;
    }
    return L / Bs;
  };
  fdCheck("softmax-xent dz", Z.length, gz, (i, d) => bump(Z, i, d, xent));
});

test("the evaluation path's indirect conv and padded pool give the im2col path's bits", async () => {
  const core = await loadCore();
  for (const [B, H, W, C, Co] of [[3, 14, 14, 16, 32], [2, 5, 7, 3, 5], [1, 6, 4, 2, 12], [2, 28, 28, 1, 16]] as const) {
    const x = randn(core, B * H * W * C, 90 + Co), w = randn(core, Co * C * 9, 91, 0.3), bias = randn(core, Co, 92, 0.1);
    const got = core.scoped((alloc) => {
      const tx = alloc("f32", x.length).set(x), tw = alloc("f32", w.length).set(w), tb = alloc("f32", Co).set(bias);
      const col = alloc("f32", B * H * W * C * 9), wp = alloc("f32", w.length), y1 = alloc("f32", B * H * W * Co), y2 = alloc("f32", B * H * W * Co);
      core.exports.conv2d_forward(tx.ptr, B, H, W, C, tw.ptr, tb.ptr, Co, 3, 3, 1, col.ptr, wp.ptr, y1.ptr);
      // the padded input, built here independently
      const xp = alloc("f32", B * (H + 2) * (W + 2) * C);
      xp.view.fill(0);
      for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let q = 0; q < W; q++) for (let c = 0; c < C; c++)
        xp.view[((b * (H + 2) + h + 1) * (W + 2) + q + 1) * C + c] = x[((b * H + h) * W + q) * C + c]!;
      const bpack = alloc("u8", core.exports.conv_indirect_pack_bytes(C, Co, 3, 3));
      core.exports.conv2d_forward_indirect(xp.ptr, B, H, W, C, tw.ptr, tb.ptr, Co, 3, 3, 1, wp.ptr, bpack.ptr, y2.ptr);
      return { a: y1.toArray(), b: y2.toArray() };
    });
    bitsEqual(got.b, got.a, `indirect conv ${B}x${H}x${W}x${C}->${Co}`);
  }
  const B = 2, H = 8, W = 6, C = 5;
  const x = randn(core, B * H * W * C, 95).map((v) => (v > 0.2 ? 0 : v));
  const got = core.scoped((alloc) => {
    const tx = alloc("f32", x.length).set(x), y = alloc("f32", B * 4 * 3 * C), arg = alloc("u8", B * 4 * 3 * C), yp = alloc("f32", B * 6 * 5 * C);
    yp.view.fill(7);
    core.exports.maxpool2_forward(tx.ptr, B, H, W, C, y.ptr, arg.ptr);
    core.exports.maxpool2_forward_padded(tx.ptr, B, H, W, C, yp.ptr, 1, 0);
    return { y: y.toArray(), yp: yp.toArray() };
  });
  for (let b = 0; b < B; b++) for (let h = 0; h < 6; h++) for (let q = 0; q < 5; q++) for (let c = 0; c < C; c++) {
    const v = got.yp[((b * 6 + h) * 5 + q) * C + c]!;
    const inside = h >= 1 && h <= 4 && q >= 1 && q <= 3;
    const want = inside ? got.y[((b * 4 + h - 1) * 3 + q - 1) * C + c]! : 0;
    assert.ok(Object.is(v, want), `padded pool at ${b},${h},${q},${c}: ${v} vs ${want}`);
  }
});

test("an evaluation forward and a training step see the same logits (loss from cnn_forward's logits = the train loss)", async () => {
  // cnn_forward (indirect conv2) and cnn_loss_grad (im2col) must agree: the logits feed the loss;
  // computing the loss from cnn_forward's logits with the core's own softmax-xent gives the
  // training loss bit for bit only if the logits are the same.
  const core = await loadCore();
  const net = new Cnn(core, DEFAULT_SPEC);
  net.init(5, 1);
  const u = stream(core, 6, "test", 6).u32(37 * 784).map((x) => x & 255);
  const labels = Uint8Array.from({ length: 37 }, (_, i) => (i * 3) % 10);
  const data = new CoreDataset(core, Uint8Array.from(u), labels, 37);
  const idx = Array.from({ length: 37 }, (_, i) => i);
  const logits = net.forward(data, idx).logits;
  const lossEval = core.scoped((alloc) => {
    const z = alloc("f32", logits.length).set(logits), y = alloc("i32", 37).set(labels);
    return core.exports.softmax_xent_forward_backward(z.ptr, y.ptr, 37, 10, 0);
  });
  assert.equal(lossEval, net.lossGrad(data, idx));
  net.free();
  data.free();
});

test("conv2d backward without im2col/col2im: dW and db bit for bit, dX within 1e-6 of the im2col path", async () => {
  const core = await loadCore();
  for (const [B, H, W, C, Co] of [[2, 6, 5, 8, 12], [3, 14, 14, 16, 32], [1, 3, 3, 8, 3]] as const) {
    const x = randn(core, B * H * W * C, 100 + Co), w = randn(core, Co * C * 9, 101, 0.3), dyv = randn(core, B * H * W * Co, 102);
    const got = core.scoped((alloc) => {
      const P = B * H * W, K = 9 * C;
      const tx = alloc("f32", x.length).set(x), tw = alloc("f32", w.length).set(w), tb = alloc("f32", Co), dy = alloc("f32", dyv.length).set(dyv);
      tb.view.fill(0);
      const col = alloc("f32", P * K), wp = alloc("f32", w.length), y = alloc("f32", P * Co);
      core.exports.conv2d_forward(tx.ptr, B, H, W, C, tw.ptr, tb.ptr, Co, 3, 3, 1, col.ptr, wp.ptr, y.ptr);
      const dw1 = alloc("f32", w.length), db1 = alloc("f32", Co), dwT = alloc("f32", w.length), dcol = alloc("f32", P * K), dx1 = alloc("f32", x.length);
      core.exports.conv2d_backward(dy.ptr, B, H, W, C, wp.ptr, Co, 3, 3, 1, col.ptr, dw1.ptr, db1.ptr, dwT.ptr, dcol.ptr, dx1.ptr);
      const xp = alloc("f32", B * (H + 2) * (W + 2) * C);
      xp.view.fill(0);
      for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let q = 0; q < W; q++) for (let c = 0; c < C; c++)
        xp.view[((b * (H + 2) + h + 1) * (W + 2) + q + 1) * C + c] = x[((b * H + h) * W + q) * C + c]!;
      const dw2 = alloc("f32", w.length), db2 = alloc("f32", Co), dx2 = alloc("f32", x.length);
      const pack = alloc("u8", core.exports.conv_wgrad_pack_bytes(C, Co, 3, 3)), dypad = alloc("f32", B * (H + 2) * (W + 2) * Co + 4);
      const wflip = alloc("f32", w.length), wp2 = alloc("f32", w.length), bpack2 = alloc("u8", core.exports.conv_indirect_pack_bytes(Co, C, 3, 3));
      core.exports.conv2d_backward_indirect(dy.ptr, xp.ptr, B, H, W, C, tw.ptr, Co, 3, 3, 1, dw2.ptr, db2.ptr, dwT.ptr, pack.ptr, dypad.ptr, wflip.ptr, wp2.ptr, bpack2.ptr, dx2.ptr);
      return { dw1: dw1.toArray(), dw2: dw2.toArray(), db1: db1.toArray(), db2: db2.toArray(), dx1: dx1.toArray(), dx2: dx2.toArray() };
    });
    const what = `${B}x${H}x${W}x${C}->${Co}`;
    bitsEqual(got.dw2, got.dw1, `dW ${what}`);
    bitsEqual(got.db2, got.db1, `db ${what}`);
    const scale = Math.max(...got.dx1.map(Math.abs));
    got.dx1.forEach((v, i) => assert.ok(Math.abs(v - got.dx2[i]!) <= 1e-6 * scale, `dX ${what} [${i}]: ${v} vs ${got.dx2[i]}`));
  }
});

test("the network's gradient on the indirect conv2 path matches finite differences of the f64 forward", async () => {
  const core = await loadCore();
  const spec: CnnSpec = { channels: 1, height: 8, width: 12, conv1: 8, conv2: 4, hidden: 5, classes: 4, kernel: 3 }; // 3 x 8 = 24: indirect
  const net = new Cnn(core, spec);
  net.init(4, 0);
  const B = 3, n = spec.height * spec.width;
  const images = Uint8Array.from(stream(core, 8, "test", 8).u32(B * n), (u) => u % 256), labels = Uint8Array.from([2, 0, 3]);
  const data = new CoreDataset(core, images, labels, B);
  net.lossGrad(data, [0, 1, 2]);
  const grad = net.grads.toArray();
  const x = Float64Array.from(images, (v) => Math.fround(v / 255));
  const p = Float64Array.from(net.params.view);
  let worst = 0, where = "";
  for (const l of net.layout) {
    for (let j = 0; j < l.length; j += Math.max(1, Math.floor(l.length / 9))) {
      const i = l.offset + j, eps = 1e-4, save = p[i]!;
      p[i] = save + eps; const up = cnnLossF64(p, net.layout, x, labels, B, spec);
      p[i] = save - eps; const dn = cnnLossF64(p, net.layout, x, labels, B, spec);
      p[i] = save;
      const fd = (up - dn) / (2 * eps), err = Math.abs(fd - grad[i]!) / Math.max(1e-3, Math.abs(fd));
      if (err > worst) { worst = err; where = `${l.name}[${j}] fd ${fd} ours ${grad[i]}`; }
    }
  }
  assert.ok(worst < 2e-3, `worst relative error ${worst} at ${where}`);
  net.free();
  data.free();
});

// The fused stages of the forward (cnn.ts forward_fused) against the unfused references, in both
// portable builds: conv + bias + ReLU + pool direct into a zero border, the indirect conv with its
// ReLU output stage, pool + flatten, and the pool + ReLU backward.
for (const build of ["simd", "scalar"] as Build[]) {
  test(`fused conv/ReLU/pool stages give the unfused layers' bits (${build})`, async () => {
    const core = await Core.load({ build });
    const relu = (a: Float32Array) => a.map((v) => (v > 0 ? v : 0));
    // [B, H, W, C, Co, k]: MNIST's first layer, colour, odd sizes (the floor pool drops a row and a
    // column), channels past the last whole 8, a 5x5 window
    for (const [B, H, W, C, Co, k] of [[3, 28, 28, 1, 16, 3], [2, 9, 7, 3, 12, 3], [1, 6, 8, 2, 8, 5], [2, 4, 4, 1, 3, 3]] as const) {
      const pad = (k - 1) >> 1, Ho = H >> 1, Wo = W >> 1, ypad = 1;
      const x = randn(core, B * H * W * C, 200 + Co + k), w = randn(core, Co * C * k * k, 201 + Co, 0.5), bias = randn(core, Co, 202 + Co, 0.2);
      const conv = relu(conv2dF32(x, B, H, W, C, w, bias, Co, k));
      const ref = maxpoolRef(conv, B, H, W, Co);
      const got = core.scoped((alloc) => {
        const tx = alloc("f32", x.length).set(x), tw = alloc("f32", w.length).set(w), tb = alloc("f32", Co).set(bias);
        const xp = alloc("f32", B * (H + 2 * pad) * (W + 2 * pad) * C), wp = alloc("f32", w.length);
        const y = alloc("f32", B * (Ho + 2) * (Wo + 2) * Co), arg = alloc("u8", B * Ho * Wo * Co);
        y.view.fill(7);
        core.exports.pad_copy(tx.ptr, B, H, W, C, pad, xp.ptr);
        core.exports.conv_weight_pack(tw.ptr, C, Co, k, k, wp.ptr);
        core.exports.conv_relu_pool2_direct(xp.ptr, B, H, W, C, wp.ptr, tb.ptr, Co, k, k, y.ptr, ypad, arg.ptr);
        // the indirect conv with its ReLU stage
        const bpack = alloc("u8", core.exports.conv_indirect_pack_bytes(C, Co, k, k)), yc = alloc("f32", B * H * W * Co);
        core.exports.conv_indirect_pack(tw.ptr, C, Co, k, k, wp.ptr, bpack.ptr);
        core.exports.conv_indirect_packed(xp.ptr, B, H, W, C, bpack.ptr, tb.ptr, Co, k, k, pad, yc.ptr, 1);
        return { y: y.toArray(), arg: arg.toArray(), yc: yc.toArray() };
      });
      const Wy = Wo + 2, Hy = Ho + 2;
      const inner = new Float32Array(ref.y.length);
      for (let b = 0; b < B; b++) for (let h = 0; h < Hy; h++) for (let q = 0; q < Wy; q++) for (let c = 0; c < Co; c++) {
        const v = got.y[((b * Hy + h) * Wy + q) * Co + c]!;
        if (h >= 1 && h <= Ho && q >= 1 && q <= Wo) inner[((b * Ho + h - 1) * Wo + q - 1) * Co + c] = v;
        else assert.ok(Object.is(v, 0), `direct conv border at ${b},${h},${q},${c}: ${v}`);
      }
      const what = `${B}x${H}x${W}x${C}->${Co} k${k}`;
      bitsEqual(inner, ref.y, `direct conv+relu+pool ${what}`);
      assert.deepEqual(got.arg, ref.arg, `direct conv argmax ${what}`);
      bitsEqual(got.yc, conv, `indirect conv + relu ${what}`);
    }
    // pool + flatten, and the fused pool + ReLU backward in both layouts
    const B = 2, H = 6, W = 8, C = 6, Ho = 3, Wo = 4, S = Ho * Wo;
    const x = relu(randn(core, B * H * W * C, 210)).map((v) => (v > 0.5 ? 0.5 : v)); // ties at 0 and 0.5
    const ref = maxpoolRef(x, B, H, W, C);
    const dy = randn(core, ref.y.length, 211);
    const flat = (a: Float32Array) => { // NHWC pooled -> flatten_forward's layout
      const o = new Float32Array(a.length);
      for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) for (let c = 0; c < C; c++) o[b * S * C + c * S + s] = a[(b * S + s) * C + c]!;
      return o;
    };
    const padded = (a: Float32Array) => {
      const o = new Float32Array(B * (Ho + 2) * (Wo + 2) * C);
      for (let b = 0; b < B; b++) for (let h = 0; h < Ho; h++) for (let q = 0; q < Wo; q++) for (let c = 0; c < C; c++)
        o[((b * (Ho + 2) + h + 1) * (Wo + 2) + q + 1) * C + c] = a[((b * Ho + h) * Wo + q) * C + c]!;
      return o;
    };
    const want = new Float32Array(x.length);
    for (let o = 0; o < ref.y.length; o++) {
      const c = o % C, wo = Math.floor(o / C) % Wo, ho = Math.floor(o / C / Wo) % Ho, b = Math.floor(o / C / Wo / Ho), a = ref.arg[o]!;
      want[((b * H + 2 * ho + (a >> 1)) * W + 2 * wo + (a & 1)) * C + c] = ref.y[o]! > 0 ? dy[o]! : 0;
    }
    const got = core.scoped((alloc) => {
      const tx = alloc("f32", x.length).set(x), f = alloc("f32", ref.y.length), arg = alloc("u8", ref.y.length);
      core.exports.maxpool2_flatten(tx.ptr, B, H, W, C, f.ptr, arg.ptr);
      const dx1 = alloc("f32", x.length), dx2 = alloc("f32", x.length);
      const tdyf = alloc("f32", dy.length).set(flat(dy)), tdy = alloc("f32", dy.length).set(dy), typ = alloc("f32", B * (Ho + 2) * (Wo + 2) * C).set(padded(ref.y));
      core.exports.maxpool2_relu_backward(tdyf.ptr, f.ptr, 0, 1, arg.ptr, B, H, W, C, dx1.ptr);
      core.exports.maxpool2_relu_backward(tdy.ptr, typ.ptr, 1, 0, arg.ptr, B, H, W, C, dx2.ptr);
      return { f: f.toArray(), arg: arg.toArray(), dx1: dx1.toArray(), dx2: dx2.toArray() };
    });
    bitsEqual(got.f, flat(ref.y), "maxpool2_flatten");
    assert.deepEqual(got.arg, ref.arg, "maxpool2_flatten argmax");
    bitsEqual(got.dx1, want, "pool + relu backward, flat layout");
    bitsEqual(got.dx2, want, "pool + relu backward, padded NHWC layout");
  });
}

test("simd and scalar give the same train step on a colour spec and on one without the indirect conv2 backward", async () => {
  for (const spec of [{ ...DEFAULT_SPEC, channels: 3, height: 10, width: 12 }, { ...DEFAULT_SPEC, conv1: 12, conv2: 10, height: 12, width: 14 }] as CnnSpec[]) {
    const run = async (build: Build) => {
      const core = await Core.load({ build });
      const net = new Cnn(core, spec);
      net.init(21, 1);
      const n = spec.height * spec.width * spec.channels;
      const u = stream(core, 22, "test", 22).u32(9 * n).map((x) => x & 255);
      const data = new CoreDataset(core, Uint8Array.from(u), Uint8Array.from({ length: 9 }, (_, i) => i % 10), 9);
      const idx = Array.from({ length: 9 }, (_, i) => i);
      const losses = [net.trainStep(data, idx), net.trainStep(data, idx)];
      const fwd = net.forward(data, idx);
      // the evaluation forward sees the training forward's logits: its loss is the train loss
      const lg = net.lossGrad(data, idx);
      return { losses, lg, params: net.params.toArray(), fwd: fwd.logits };
    };
    const a = await run("simd"), b = await run("scalar");
    assert.deepEqual(a.losses, b.losses, `losses, spec ${JSON.stringify(spec)}`);
    assert.equal(a.lg, b.lg);
    bitsEqual(a.params, b.params, `params after 2 steps, simd vs scalar, spec ${JSON.stringify(spec)}`);
    bitsEqual(a.fwd, b.fwd, `logits, simd vs scalar, spec ${JSON.stringify(spec)}`);
  }
});

test("the relaxed build (fused multiply-add, non-portable) stays close to the portable build: GEMM, forward, train steps", async (t) => {
  const simd = await Core.load({ build: "simd" }), relaxed = await Core.load({ build: "relaxed" });
  assert.equal(relaxed.portable, false);
  // GEMM at the network's fc1 shape: each element within a few ulps of the K-term sum's magnitude
  const M = 64, N = 64, K = 1568;
  const a = randn(simd, M * K, 300), b = randn(simd, K * N, 301);
  const gemmOf = (core: Core) => core.scoped((alloc) => {
    const ta = alloc("f32", a.length).set(a), tb = alloc("f32", b.length).set(b), tc = alloc("f32", M * N);
    core.exports.gemm(M, N, K, ta.ptr, K, 1, tb.ptr, N, 1, tc.ptr, N, 0);
    return tc.toArray();
  });
  const gp = gemmOf(simd), gr = gemmOf(relaxed);
  let worst = 0, differ = 0;
  for (let i = 0; i < M * N; i++) {
    let mag = 0;
    for (let k = 0; k < K; k++) mag += Math.abs(a[Math.floor(i / N) * K + k]! * b[k * N + (i % N)]!);
    worst = Math.max(worst, Math.abs(gr[i]! - gp[i]!) / mag);
    if (gr[i] !== gp[i]) differ++;
  }
  assert.ok(worst < 1e-5, `relaxed GEMM: worst |difference| / sum|terms| = ${worst}`);
  t.diagnostic(`relaxed GEMM: ${differ} of ${M * N} elements differ from the portable bits (0 = this engine does not fuse), worst ${worst.toExponential(2)} of the terms' magnitude`);
  // the network: 3 train steps then a forward, the same start and data in both builds
  const run = (core: Core) => {
    const net = new Cnn(core, DEFAULT_SPEC);
    net.init(31, 0);
    const u = stream(core, 32, "test", 32).u32(32 * 784).map((x) => x & 255);
    const data = new CoreDataset(core, Uint8Array.from(u), Uint8Array.from({ length: 32 }, (_, i) => i % 10), 32);
    const idx = Array.from({ length: 32 }, (_, i) => i);
    const logits0 = net.forward(data, idx).logits;
    const losses = [0, 1, 2].map(() => net.trainStep(data, idx));
    return { logits0, losses, params: net.params.toArray() };
  };
  const p = run(simd), r = run(relaxed);
  for (let i = 0; i < p.logits0.length; i++) assert.ok(Math.abs(r.logits0[i]! - p.logits0[i]!) <= 1e-5 * (1 + Math.abs(p.logits0[i]!)), `logit ${i}: ${r.logits0[i]} vs ${p.logits0[i]}`);
  for (let s = 0; s < 3; s++) assert.ok(Math.abs(r.losses[s]! - p.losses[s]!) <= 1e-5, `loss at step ${s}: ${r.losses[s]} vs ${p.losses[s]}`);
  // Adam's first steps move each weight by about lr = 1e-3 whatever the gradient's size, so a
  // tiny gradient's sign can differ: the parameters agree to a few steps' worth of lr
  let pw = 0;
  for (let i = 0; i < p.params.length; i++) pw = Math.max(pw, Math.abs(r.params[i]! - p.params[i]!));
  assert.ok(pw <= 6e-3, `parameters after 3 steps: worst |difference| ${pw}`);
});

for (const build of ["simd", "scalar"] as Build[]) {
  test(`conv1's weight gradient read in place (no im2col) gives conv2d_backward's bits (${build})`, async () => {
    const core = await Core.load({ build });
    for (const [B, H, W, C, Co, k] of [[3, 28, 28, 1, 16, 3], [2, 9, 7, 3, 8, 3], [1, 6, 8, 2, 16, 5]] as const) {
      const pad = (k - 1) >> 1, K = C * k * k;
      const x = randn(core, B * H * W * C, 220 + k), dy = randn(core, B * H * W * Co, 221 + C).map((v) => (v > 0.4 ? v : 0)); // sparse, as after a pool
      const got = core.scoped((alloc) => {
        const tx = alloc("f32", x.length).set(x), tdy = alloc("f32", dy.length).set(dy);
        const col = alloc("f32", B * H * W * K), wp = alloc("f32", K * Co), dwT = alloc("f32", K * Co), dwA = alloc("f32", K * Co), db = alloc("f32", Co);
        core.exports.conv2d_backward(tdy.ptr, B, H, W, C, wp.ptr, Co, k, k, pad, (core.exports.im2col(tx.ptr, B, H, W, C, k, k, pad, col.ptr), col.ptr), dwA.ptr, db.ptr, dwT.ptr, 0, 0);
        const xp = alloc("f32", B * (H + 2 * pad) * (W + 2 * pad) * C), dwB = alloc("f32", K * Co);
        core.exports.pad_copy(tx.ptr, B, H, W, C, pad, xp.ptr);
        core.exports.conv_wgrad_direct(xp.ptr, B, H, W, C, k, k, tdy.ptr, Co, dwT.ptr, dwB.ptr);
        return { a: dwA.toArray(), b: dwB.toArray() };
      });
      bitsEqual(got.b, got.a, `conv wgrad ${B}x${H}x${W}x${C}->${Co} k${k}`);
    }
  });
}

test("cnn_forward_experts (input padded once for all experts) gives each expert's own forward predictions", async () => {
  const core = await loadCore();
  const R = 3, B = 23;
  const nets = [0, 1, 2].map((r) => { const n = new Cnn(core, DEFAULT_SPEC); n.init(40, r); return n; });
  const u = stream(core, 41, "test", 41).u32(B * 784).map((x) => x & 255);
  const data = new CoreDataset(core, Uint8Array.from(u), Uint8Array.from({ length: B }, (_, i) => i % 10), B);
  const idx = Array.from({ length: B }, (_, i) => B - 1 - i);
  const size = nets[0]!.size;
  const got = core.scoped((alloc) => {
    const p = alloc("f32", R * size);
    nets.forEach((n, r) => p.view.set(n.params.view, r * size));
    const { ws, idx: t } = nets[0]!.workspace(B);
    t.view.set(idx);
    const losses = alloc("u8", R * B), preds = alloc("u8", R * B);
    core.exports.cnn_forward_experts(nets[0]!.specPtr, p.ptr, R, data.images.ptr, data.labels.ptr, t.ptr, B, ws, losses.ptr, preds.ptr, B);
    return { losses: losses.toArray(), preds: preds.toArray() };
  });
  nets.forEach((n, r) => {
    const f = n.forward(data, idx);
    assert.deepEqual([...got.preds.subarray(r * B, (r + 1) * B)], [...f.preds], `expert ${r} predictions`);
    assert.deepEqual([...got.losses.subarray(r * B, (r + 1) * B)], [...f.losses], `expert ${r} losses`);
  });
});

// The small layers are exports of their own (a host may build another network from them) besides
// being fused into the CNN: each against a naive loop, in both builds, with the edge values
// (-0, NaN, ties) where the rule is stated.
for (const build of ["simd", "scalar"] as Build[]) {
  test(`${build}: relu_forward/backward, flatten_forward/backward, argmax_rows, im2col/col2im and conv_weight_pack against naive loops`, async () => {
    const core = await loadCore(build);
    const e = core.exports;
    core.scoped((alloc) => {
      // ReLU: y = x > 0 ? x : +0 (NaN and -0 to +0); dy kept where y > 0. n = 4k + 3 reaches the tail.
      const n = 4 * 5 + 3;
      const x = randn(core, n, 301);
      x[0] = -0; x[1] = NaN; x[2] = 0; x[5] = -Infinity; x[6] = Infinity; x[n - 1] = NaN; x[n - 2] = -0;
      const tx = alloc("f32", n).set(x);
      e.relu_forward(tx.ptr, n);
      bitsEqual(tx.toArray(), Float32Array.from(x, (v) => (v > 0 ? v : 0)), "relu_forward");
      const dy = randn(core, n, 302), tdy = alloc("f32", n).set(dy);
      e.relu_backward(alloc("f32", n).set(x).ptr, tdy.ptr, n);
      bitsEqual(tdy.toArray(), Float32Array.from(dy, (v, i) => (x[i]! > 0 ? v : 0)), "relu_backward");
      // flatten: y[b, c*H*W + h*W + w] = x[b, h, w, c], and back
      const [B, H, W, C] = [2, 3, 5, 4];
      const xf = randn(core, B * H * W * C, 303), tf = alloc("f32", xf.length).set(xf), yf = alloc("f32", xf.length), back = alloc("f32", xf.length);
      e.flatten_forward(tf.ptr, B, H, W, C, yf.ptr);
      const want = new Float32Array(xf.length);
      for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) {
        want[b * H * W * C + c * H * W + h * W + w] = xf[((b * H + h) * W + w) * C + c]!;
      }
      bitsEqual(yf.toArray(), want, "flatten_forward");
      e.flatten_backward(yf.ptr, B, H, W, C, back.ptr);
      bitsEqual(back.toArray(), xf, "flatten_backward");
      // argmax_rows: the first maximum (a tie goes to the lower index), losses against labels; each output optional
      const [Bz, K] = [6, 5];
      const z = randn(core, Bz * K, 304);
      z.set([1, 3, 3, 0, -1], 0); // tie between 1 and 2
      z.set([-2, -2, -2, -2, -2], K); // all equal: 0
      const labels = [1, 3, 0, 4, 2, 2];
      const tz = alloc("f32", z.length).set(z), ty = alloc("i32", Bz).set(labels), preds = alloc("i32", Bz), losses = alloc("u8", Bz);
      e.argmax_rows(tz.ptr, Bz, K, preds.ptr, ty.ptr, losses.ptr);
      const wantP = Array.from({ length: Bz }, (_, b) => {
        let best = 0;
        for (let k = 1; k < K; k++) if (z[b * K + k]! > z[b * K + best]!) best = k;
        return best;
      });
      assert.deepEqual([...preds.toArray()], wantP);
      assert.equal(wantP[0], 1);
      assert.deepEqual([...losses.toArray()], wantP.map((p, b) => (p === labels[b] ? 0 : 1)));
      losses.view.fill(9);
      e.argmax_rows(tz.ptr, Bz, K, 0, ty.ptr, losses.ptr); // no preds buffer
      assert.deepEqual([...losses.toArray()], wantP.map((p, b) => (p === labels[b] ? 0 : 1)));
      // im2col: col[p, (kh, kw, c)] = x at the window (0 outside); col2im: its adjoint, summed in f32
      // in increasing p then (kh, kw, c) order
      {
        const [B2, H2, W2, C2, KH2, KW2] = [2, 4, 5, 3, 3, 3], pad2 = 1, Kc = KH2 * KW2 * C2, P = B2 * H2 * W2;
        const x2 = randn(core, P * C2, 306), tx2 = alloc("f32", x2.length).set(x2), col = alloc("f32", P * Kc);
        e.im2col(tx2.ptr, B2, H2, W2, C2, KH2, KW2, pad2, col.ptr);
        const wantCol = new Float32Array(P * Kc);
        const dcol = randn(core, P * Kc, 307), wantDx = new Float32Array(P * C2);
        for (let b = 0; b < B2; b++) for (let h = 0; h < H2; h++) for (let w = 0; w < W2; w++) {
          const p = (b * H2 + h) * W2 + w;
          for (let kh = 0; kh < KH2; kh++) for (let kw = 0; kw < KW2; kw++) for (let c = 0; c < C2; c++) {
            const hh = h + kh - pad2, ww = w + kw - pad2, k = (kh * KW2 + kw) * C2 + c;
            if (hh < 0 || hh >= H2 || ww < 0 || ww >= W2) continue;
            const xi = ((b * H2 + hh) * W2 + ww) * C2 + c;
            wantCol[p * Kc + k] = x2[xi]!;
            wantDx[xi] = Math.fround(wantDx[xi]! + dcol[p * Kc + k]!);
          }
        }
        bitsEqual(col.toArray(), wantCol, "im2col");
        const tdcol = alloc("f32", dcol.length).set(dcol), dx = alloc("f32", P * C2);
        dx.view.fill(NaN);
        e.col2im(tdcol.ptr, B2, H2, W2, C2, KH2, KW2, pad2, dx.ptr);
        bitsEqual(dx.toArray(), wantDx, "col2im");
      }
      // conv_weight_pack: wp[(kh*KW + kw)*C + c, co] = w[co, c, kh, kw]
      const [Cw, Co, KH, KW] = [3, 5, 3, 2];
      const w = randn(core, Co * Cw * KH * KW, 305), tw = alloc("f32", w.length).set(w), wp = alloc("f32", w.length);
      e.conv_weight_pack(tw.ptr, Cw, Co, KH, KW, wp.ptr);
      const wantW = new Float32Array(w.length);
      for (let co = 0; co < Co; co++) for (let c = 0; c < Cw; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
        wantW[((kh * KW + kw) * Cw + c) * Co + co] = w[((co * Cw + c) * KH + kh) * KW + kw]!;
      }
      bitsEqual(wp.toArray(), wantW, "conv_weight_pack");
    });
  });
}
