// Run by Node, Bun and Deno in the consumer project: the library through the package's own entry
// (import "moe-bank", or "npm:moe-bank" under Deno), the README's example; prints one JSON line.
import { Core, stream, mapF64, VERSION } from "moe-bank";

const runtime = globalThis.Deno ? `deno ${Deno.version.deno}` : globalThis.Bun ? `bun ${Bun.version}` : `node ${process.version}`;
const core = await Core.load();
const s = stream(core, 42, "subset", 3);
const sample = Array.from(s.sample(8, 60000));
s.free();
const exp = Array.from(mapF64(core, "exp", [0, 1, 2]));
console.log(JSON.stringify({ runtime, version: VERSION, entry: import.meta.resolve("moe-bank"), build: core.build, sample, exp }));
