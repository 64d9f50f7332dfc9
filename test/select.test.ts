// The core's selection draws (assembly/select/select.ts) against naive TypeScript recomputations:
// the samples are exactly the PRNG's rng_sample / rng_bootstrap draws on the streams
// (seed, sample, i), each expert's error count and r* (smallest index on ties) and the tie count
// are those of a direct recount, the W uniforms are the streams (seed, alphaDraw, i), and every
// build gives the same bits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCore } from "./support/core.js";
import { randomLosses, syntheticBank } from "../src/bench/synthetic-bank.js";
import { stream } from "../src/prng.js";
import { CoreAbortError, type Core } from "../bindings/index.js";
import { drawSamples, drawUniforms, errorCounts, lossMatrix, type LossMatrix, type SampleScheme } from "../src/estimators/draws.js";
import { drawW } from "../src/estimators/gaps.js";
import { runSelection } from "../src/estimators/sweep.js";

/** The naive protocol: indices from the PRNG's own samplers, counts by direct summation. */
function naiveRuns(core: Core, L: LossMatrix, M: number, m: number, seed: number, scheme: SampleScheme, first = 0) {
  const { R, N } = L;
  const counts = new Int32Array(M * R), rstar = new Int32Array(M), nmin = new Int32Array(M);
  for (let k = 0; k < M; k++) {
    const s = stream(core, seed, "sample", first + k);
    const idx = scheme === "distinct" ? s.sample(m, N) : s.bootstrap(m, N);
    s.free();
    let best = Infinity;
    for (let r = 0; r < R; r++) {
      let c = 0;
      for (const j of idx) c += L.data[r * N + j]!;
      counts[k * R + r] = c;
      if (c < best) best = c;
    }
    const tied = [...Array(R).keys()].filter((r) => counts[k * R + r] === best);
    rstar[k] = tied[0]!;
    nmin[k] = tied.length;
  }
  return { counts, rstar, nmin };
}

test("select_samples: indices are rng_sample / rng_bootstrap on (seed, sample, i); counts, r* (smallest index) and ties match a naive recount (simd and scalar)", async () => {
  // Small pools and samples make ties frequent; R around the 16-byte row stride's edges.
  for (const build of ["simd", "scalar"] as const) {
    const core = await loadCore(build);
    for (const [R, N, m] of [[1, 50, 10], [7, 300, 20], [16, 200, 31], [17, 500, 40], [25, 1000, 64], [33, 120, 120]] as const) {
      const L = randomLosses(core, 100 + R, R, N, 0.1, 0.3);
      const M = 40;
      for (const scheme of ["distinct", "iid"] as const) {
        const [got] = drawSamples(core, L, { M, m, seed: 9 }, [scheme]);
        const want = naiveRuns(core, L, M, m, 9, scheme);
        assert.deepEqual(got!.counts, want.counts, `counts R=${R} ${scheme}`);
        assert.deepEqual(got!.rstar, want.rstar, `r* R=${R} ${scheme}`);
        assert.deepEqual(got!.nmin, want.nmin, `ties R=${R} ${scheme}`);
        if (R > 1) assert.ok(want.nmin.some((t) => t > 1), `the case R=${R} ${scheme} exercises ties`);
      }
    }
  }
});

test("select_samples: a chunk (first, M) is the same slice of the full run; the scratch is restored between samples", async () => {
  const core = await loadCore();
  const L = randomLosses(core, 5, 9, 700);
  const e = core.exports;
  const [full] = drawSamples(core, L, { M: 30, m: 50, seed: 3 }, ["distinct"]);
  const chunk = core.scoped((alloc) => {
    const stride = e.select_row_stride(9);
    const l = alloc("u8", L.data.length).set(L.data);
    const lt = alloc("u8", 700 * stride);
    e.select_transpose(l.ptr, 9, 700, lt.ptr);
    const work = alloc("u8", e.select_work_bytes(9, 700, 50));
    const counts = alloc("i32", 10 * 9), rstar = alloc("i32", 10), nmin = alloc("i32", 10);
    e.select_samples(lt.ptr, 9, 700, 10, 50, 0, 3, 0, 12, counts.ptr, rstar.ptr, nmin.ptr, work.ptr);
    // the permutation scratch holds the identity again after the call
    const scratch = new Int32Array(e.memory.buffer, work.ptr + 48, 700);
    assert.ok(scratch.every((x, i) => x === i), "scratch restored to the identity");
    return { counts: counts.toArray(), rstar: rstar.toArray() };
  });
  assert.deepEqual(chunk.counts, full!.counts.slice(12 * 9, 22 * 9));
  assert.deepEqual(chunk.rstar, full!.rstar.slice(12, 22));
});

test("select_transpose pads each row with zeros; select_row_sums are each expert's error count", async () => {
  const core = await loadCore();
  const e = core.exports;
  for (const [R, N] of [[1, 1], [3, 17], [16, 33], [25, 1000], [40, 15]] as const) {
    const L = randomLosses(core, R * N, R, N, 0.2, 0.6);
    const stride = e.select_row_stride(R);
    assert.equal(stride % 16, 0);
    assert.ok(stride >= R && stride < R + 16);
    const lt = core.scoped((alloc) => {
      const l = alloc("u8", R * N).set(L.data);
      const out = alloc("u8", N * stride);
      out.view.fill(0xee);
      e.select_transpose(l.ptr, R, N, out.ptr);
      return out.toArray();
    });
    for (let n = 0; n < N; n++) {
      for (let r = 0; r < stride; r++) assert.equal(lt[n * stride + r], r < R ? L.data[r * N + n] : 0);
    }
    const sums = core.scoped((alloc) => {
      const l = alloc("u8", R * N).set(L.data);
      const out = alloc("i32", R);
      e.select_row_sums(l.ptr, R, N, out.ptr);
      return out.toArray();
    });
    const js = errorCounts(L);
    for (let r = 0; r < R; r++) {
      const naive = L.data.subarray(r * N, (r + 1) * N).reduce((a, b) => a + b, 0);
      assert.equal(sums[r], naive);
      assert.equal(js[r], naive);
    }
  }
});

test("select_draws: u_i, then v_i = below(R), from the stream (seed, alphaDraw, i); W follows q_alpha and is monotone-coupled", async () => {
  const core = await loadCore();
  const R = 7, M = 20000;
  const { u, v } = drawUniforms(core, 11, M, R);
  for (const i of [0, 1, 2, 999, M - 1]) {
    const s = stream(core, 11, "alphaDraw", i);
    assert.equal(u[i], s.uniform(1)[0]);
    assert.equal(v[i], s.below(R));
    s.free();
  }
  const rstar = Int32Array.from({ length: M }, (_, i) => (i * 5) % R);
  let prev = drawW(0, rstar, u, v);
  assert.deepEqual(prev, v, "alpha = 0: W = v, uniform and independent of S");
  assert.deepEqual(drawW(1, rstar, u, v), rstar, "alpha = 1: W = r*");
  for (const alpha of [0.1, 0.3, 0.7, 0.95, 1]) {
    const w = drawW(alpha, rstar, u, v);
    let hits = 0;
    for (let i = 0; i < M; i++) {
      assert.ok(w[i] === v[i] || w[i] === rstar[i]);
      if (prev[i] === rstar[i]) assert.equal(w[i], rstar[i], "once W = r*, it stays r* for larger alpha");
      if (w[i] === rstar[i]) hits++;
    }
    const p = alpha + (1 - alpha) / R; // q_alpha(r* | S), eq. 11
    const sd = Math.sqrt((p * (1 - p)) / M);
    assert.ok(Math.abs(hits / M - p) <= 5 * sd, `P(W = r*) at alpha ${alpha}: ${hits / M} vs ${p}`);
    prev = w;
  }
});

test("every build gives the same bits: draws, uniforms and the whole sweep (simd == scalar == relaxed)", async () => {
  const { train, test: testL } = syntheticBank(await loadCore(), { R: 25, nPool: 6000, nTest: 1000, seed: 2 });
  const results: string[] = [];
  for (const build of ["simd", "scalar", "relaxed"] as const) {
    const core = await loadCore(build);
    const runs = drawSamples(core, train, { M: 120, m: 256, seed: 4 }, ["distinct", "iid"]);
    const uni = drawUniforms(core, 4, 120, 25);
    const sweep = runSelection(core, train, testL, { M: 120, seed: 4, bootstrap: 200 });
    const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
    results.push([...runs.flatMap((r) => [bytes(r.counts), bytes(r.rstar), bytes(r.nmin)]), bytes(uni.u), bytes(uni.v), JSON.stringify(sweep)].join("|"));
  }
  assert.equal(results[1], results[0], "scalar == simd");
  assert.equal(results[2], results[0], "relaxed == simd (integer kernels and scalar math: no fused rounding here)");
});

test("the same seed gives the same draws; another seed others", async () => {
  const core = await loadCore();
  const L = randomLosses(core, 1, 10, 2000);
  const a = drawSamples(core, L, { M: 20, m: 100, seed: 1 }, ["distinct"])[0]!;
  const b = drawSamples(core, L, { M: 20, m: 100, seed: 1 }, ["distinct"])[0]!;
  const c = drawSamples(core, L, { M: 20, m: 100, seed: 2 }, ["distinct"])[0]!;
  assert.deepEqual(a.counts, b.counts);
  assert.notDeepEqual(a.counts, c.counts);
});

test("bad input is refused: m > N without replacement, m out of range, non-0-1 losses, mismatched R", async () => {
  const core = await loadCore();
  const L = randomLosses(core, 1, 4, 30);
  assert.throws(() => drawSamples(core, L, { M: 2, m: 31, seed: 0 }, ["distinct"]), /exceeds the pool/);
  assert.doesNotThrow(() => drawSamples(core, L, { M: 2, m: 31, seed: 0 }, ["iid"]));
  assert.throws(() => drawSamples(core, L, { M: 2, m: 70000, seed: 0 }, ["iid"]), /m must be/);
  assert.throws(() => lossMatrix(new Uint8Array([0, 1, 2, 0]), 2, 2, "L.npy"), /L\.npy: value 2 at \[1, 0\] is not a 0-1 loss/);
  assert.throws(() => lossMatrix(new Uint8Array(5), 2, 2), /5 values for shape \[2, 2\]/);
  // the core's own guard, past the TS checks
  assert.throws(() => core.scoped((alloc) => {
    const w = alloc("u8", 4096), o = alloc("i32", 64);
    core.exports.select_samples(w.ptr, 4, 30, 1, 31, 0, 0, 0, 0, o.ptr, o.ptr, o.ptr, w.ptr);
  }), (e: unknown) => e instanceof CoreAbortError && /m > N without replacement/.test(e.message));
  const other = randomLosses(core, 2, 5, 30);
  assert.throws(() => runSelection(core, L, other, { bootstrap: 0, M: 2, m: 4 }), /disagree on R/);
});
