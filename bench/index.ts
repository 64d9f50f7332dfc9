// Kernel benchmarks of the core (tinybench). Foundation stage: the PRNG and the deterministic
// math, each as items/s from the median latency, next to the engine's own JS Math as the peer.
// Usage: npm run bench [-- --json] [-- --time MS]
import { Bench } from "tinybench";
import { Core } from "../bindings/index.js";

interface Row {
  name: string;
  items: number;
  medianMs: number;
  itemsPerSec: number;
  samples: number;
}

async function main(): Promise<void> {
  const json = process.argv.includes("--json");
  const timeArg = process.argv.indexOf("--time");
  const time = timeArg > 0 ? Number(process.argv[timeArg + 1]) : 1000;
  const core = await Core.load({ build: "simd" });
  const e = core.exports;
  const N = 1 << 20;
  const st = core.alloc("u8", 48);
  e.rng_init(st.ptr, 1, 0, 1, 0);
  const u32 = core.alloc("u32", N);
  const f64 = core.alloc("f64", N);
  const out = core.alloc("f64", N);
  const sample = core.alloc("i32", 10000);
  const scratch = core.alloc("i32", 60000);
  e.rng_fill_uniform_f64(st.ptr, f64.ptr, N);
  const xs = f64.toArray().map((u) => -20 + 40 * u);
  f64.set(xs);
  const js = new Float64Array(N);

  const items: Record<string, number> = {};
  const bench = new Bench({ time, warmupTime: 200 });
  const add = (name: string, n: number, fn: () => void) => {
    items[name] = n;
    bench.add(name, fn);
  };
  add("philox u32 fill (1 Mi words)", N, () => e.rng_fill_u32(st.ptr, u32.ptr, N));
  add("uniform f64 fill (1 Mi)", N, () => e.rng_fill_uniform_f64(st.ptr, out.ptr, N));
  add("sample 10000 of 60000", 10000, () => e.rng_sample(st.ptr, sample.ptr, 10000, 60000, scratch.ptr));
  add("core exp f64 (1 Mi)", N, () => e.map_f64(0, f64.ptr, out.ptr, N));
  add("core log f64 (1 Mi)", N, () => e.map_f64(1, f64.ptr, out.ptr, N)); // NaN for x < 0: same cost path
  add("peer: JS Math.exp (1 Mi, not portable)", N, () => {
    for (let i = 0; i < N; i++) js[i] = Math.exp(xs[i]!);
  });
  await bench.run();

  const rows: Row[] = bench.tasks.map((t) => {
    const r = t.result;
    if (r.state !== "completed") throw new Error(`${t.name}: ${r.state}`);
    const medianMs = r.latency.p50;
    return { name: t.name, items: items[t.name]!, medianMs, itemsPerSec: (items[t.name]! / medianMs) * 1000, samples: r.latency.samplesCount ?? r.latency.df + 1 };
  });
  if (json) {
    process.stdout.write(JSON.stringify({ node: process.version, build: core.build, rows }, null, 2) + "\n");
    return;
  }
  console.log(`moe-bank core bench (${core.build} build, node ${process.version}, median of >= ${Math.min(...rows.map((r) => r.samples))} runs)`);
  console.log("| kernel | median ms | M items/s |\n|---|---:|---:|");
  for (const r of rows) console.log(`| ${r.name} | ${r.medianMs.toFixed(3)} | ${(r.itemsPerSec / 1e6).toFixed(1)} |`);
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
