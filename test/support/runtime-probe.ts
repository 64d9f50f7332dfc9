// Run as a script in Node, Bun and Deno (test/runtimes.test.ts): imports the library through its
// entry point (dist/src/index.js), runs a few small computations and prints their sha-256
// digests as JSON on stdout, plus the runtime's name. The digests must be equal everywhere.
import { Core, stream, Purpose, mapF64, mapF32, Cnn, CoreDataset, DEFAULT_SPEC, sha256Hex } from "../../src/index.js";
import { probe } from "./probe.js";

function runtime(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.Bun) return `bun ${g.Bun.version}`;
  return `node ${(globalThis as { process?: { version: string } }).process?.version}`;
}

function bytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

const digests: Record<string, string> = {};
const core = await Core.load();
// the README's example: a Philox stream and deterministic exp/log, through the public API
const s = stream(core, 42, "subset", 3);
digests.subset = await sha256Hex(bytes(s.sample(10000, 60000)));
s.free();
const xs = Float64Array.from({ length: 4096 }, (_, i) => (i - 2048) / 7.25);
digests.exp = await sha256Hex(bytes(mapF64(core, "exp", xs)));
digests.log = await sha256Hex(bytes(mapF64(core, "log", xs.map((x) => x * x + 1e-300))));
digests.expf = await sha256Hex(bytes(mapF32(core, "exp", Float32Array.from(xs))));
// a CNN forward pass from PyTorch-default init
const net = new Cnn(core, DEFAULT_SPEC);
net.init(7, 0);
const pix = stream(core, 3, Purpose.test, 1).u32(16 * 784);
const data = new CoreDataset(core, Uint8Array.from(pix, (u) => u & 255), new Uint8Array(16), 16);
digests.logits = await sha256Hex(bytes(net.forward(data, Array.from({ length: 16 }, (_, i) => i)).logits));
net.free();
data.free();
// and the browser probe's full set (streams, samplers, 100k-argument math, train steps, routing)
for (const [k, v] of Object.entries(await probe(core))) digests[`probe.${k}`] = v;
console.log(JSON.stringify({ runtime: runtime(), digests }));
