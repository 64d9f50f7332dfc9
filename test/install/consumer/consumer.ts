// A consumer's TypeScript against the installed package's types (test/install/install.test.ts
// type-checks it under strict NodeNext and strict Bundler resolution): the README's example.
import { Core, stream, mapF64, pipelineConfig, type Build, type PipelineConfig } from "moe-bank";

const build: Build = "simd";
const core: Core = await Core.load({ build });
const s = stream(core, 42, "subset", 3);
const subset: Int32Array = s.sample(10000, 60000);
s.free();
const ys: Float64Array = mapF64(core, "exp", [0, 1, 2]);
const config: PipelineConfig = pipelineConfig(true, 0);
// a wasm URL of one's own (a browser app)
const elsewhere: Promise<Core> = Core.load(new URL("https://example.org/assets/simd.wasm"));
void elsewhere;
console.log(subset.length, ys[0], config.bank.experts);
