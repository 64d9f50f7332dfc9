// The determinism probe: digests of everything the foundation computes that results depend
// on (PRNG streams and samplers, f64/f32 math over 100k arguments). Browser-safe: it runs in
// Node directly and in Chromium through test/pages/probe.html, and the digests must match.
import type { Core } from "../../bindings/index.js";
import { stream, Purpose } from "../../src/prng.js";
import { mapF64, mapF32 } from "../../src/math.js";
import { Cnn, CoreDataset, DEFAULT_SPEC } from "../../src/model/cnn.js";
import { sweep, curveEnds } from "../../src/routing/index.js";
import { canonicalJson } from "../../src/bank/config.js";
import { gatingOptions, runGating } from "../../src/synth/gating.js";
import { runConstants } from "../../src/synth/constants.js";

async function hex(a: ArrayBufferView): Promise<string> {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  const d = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Arguments spread over each function's range, drawn from the PRNG (no JS Math involved). */
export function mathArguments(core: Core, n: number): Record<"exp" | "log" | "log1p" | "expm1", Float64Array> {
  const s = stream(core, 1, Purpose.test, 100);
  const u = s.uniform(4 * n);
  const out = { exp: new Float64Array(n), log: new Float64Array(n), log1p: new Float64Array(n), expm1: new Float64Array(n) };
  const bits = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < n; i++) {
    out.exp[i] = -745 + 1455 * u[i]!; // [-745, 710]: subnormal results to overflow
    // log: a random positive double by its bit pattern (exponent and mantissa uniform)
    bits.setUint32(0, Math.floor(u[n + i]! * 0x7fefffff));
    bits.setUint32(4, s.nextU32());
    out.log[i] = bits.getFloat64(0);
    out.log1p[i] = -1 + 3 * u[2 * n + i]! * u[2 * n + i]!; // (-1, 2], dense near -1
    out.expm1[i] = (u[3 * n + i]! - 0.5) * 80; // [-40, 40]
  }
  s.free();
  return out;
}

export async function probe(core: Core): Promise<Record<string, string>> {
  const r: Record<string, string> = {};
  const s = stream(core, 20261124, Purpose.sample, 7);
  r.u32 = await hex(s.u32(100000));
  r.uniform = await hex(s.uniform(100000));
  r.uniformF32 = await hex(s.uniformF32(100000));
  r.sample = await hex(s.sample(10000, 60000));
  r.permutation = await hex(s.permutation(60000));
  r.bootstrap = await hex(s.bootstrap(100000, 256));
  s.free();
  const args = mathArguments(core, 100000);
  for (const fn of ["exp", "log", "log1p", "expm1"] as const) {
    r[`${fn}_f64`] = await hex(mapF64(core, fn, args[fn]));
    r[`${fn}_f32`] = await hex(mapF32(core, fn, Float32Array.from(args[fn])));
  }
  // the CNN: init from a stream, two train steps and an evaluation on synthetic images
  const net = new Cnn(core, DEFAULT_SPEC);
  net.init(20261124, 3);
  const pix = stream(core, 7, Purpose.test, 7).u32(32 * 784);
  const data = new CoreDataset(core, Uint8Array.from(pix, (u) => u & 255), Uint8Array.from({ length: 32 }, (_, i) => (i * 7) % 10), 32);
  const idx = Array.from({ length: 32 }, (_, i) => 31 - i);
  const losses = Float32Array.from([net.trainStep(data, idx), net.trainStep(data, idx)]);
  r.cnn_losses = await hex(losses);
  r.cnn_params = await hex(net.params.view);
  r.cnn_logits = await hex(net.forward(data, idx).logits);
  net.free();
  data.free();
  // Blahut-Arimoto: a 25-point sweep (Newton) and the curve's ends on a random 0-1 matrix
  const R = 12, N = 600;
  const bits = stream(core, 9, Purpose.test, 9).u32(R * N);
  const lm = { R, N, data: Uint8Array.from(bits, (u) => (u % 7 < 2 ? 1 : 0)) };
  const sw = sweep(core, lm, { tol: 1e-10 });
  const nums: number[] = [];
  for (const p of sw.points) nums.push(p.lambda, p.rate, p.distortion, p.certificate);
  const ends = curveEnds(core, lm);
  nums.push(ends.oracleError, ends.leastRate, ends.large?.lambdaMax ?? -1);
  r.ba = await hex(Float64Array.from(nums));
  // The companion experiments (quick): real-valued BA with exact I(X;T), the alpha-mixture learner,
  // normal draws, the 1-D/2-D constant experts; their whole canonical results.
  r.synth_gating = await hex(new TextEncoder().encode(canonicalJson(runGating(core, gatingOptions(true)))));
  r.synth_constants = await hex(new TextEncoder().encode(canonicalJson(runConstants(core, { quick: true, seed: 0 }))));
  return r;
}
