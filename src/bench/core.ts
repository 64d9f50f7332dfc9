// Benchmarks of the core's PRNG and deterministic math (tinybench): items/s from the median
// latency, next to the engine's own JS Math.exp as the (non-portable) peer.
import { Bench } from "tinybench";
import { Core, type Build } from "../../bindings/index.js";

export interface CoreBenchRow {
  name: string;
  items: number;
  medianMs: number;
  itemsPerSec: number;
  samples: number;
}

export async function runCoreBench(opts: { build?: Build; time?: number } = {}): Promise<CoreBenchRow[]> {
  const core = await Core.load({ build: opts.build ?? "simd" });
  const e = core.exports;
  const N = 1 << 20;
  const st = core.alloc("u8", 48);
  e.rng_init(st.ptr, 1, 0, 1, 0);
  const u32 = core.alloc("u32", N), f64 = core.alloc("f64", N), out = core.alloc("f64", N);
  const sample = core.alloc("i32", 10000), scratch = core.alloc("i32", 60000);
  e.rng_fill_uniform_f64(st.ptr, f64.ptr, N);
  const xs = f64.toArray().map((u) => -20 + 40 * u);
  f64.set(xs);
  const pos = xs.map((x) => x + 20.5);
  const fpos = core.from("f64", pos);
  const js = new Float64Array(N);
  const items: Record<string, number> = {};
  const bench = new Bench({ time: opts.time ?? 1000, warmupTime: 200 });
  const add = (name: string, n: number, fn: () => void) => {
    items[name] = n;
    bench.add(name, fn);
  };
  add("philox u32 fill (1 Mi words)", N, () => e.rng_fill_u32(st.ptr, u32.ptr, N));
  add("uniform f64 fill (1 Mi)", N, () => e.rng_fill_uniform_f64(st.ptr, out.ptr, N));
  add("sample 10000 of 60000", 10000, () => e.rng_sample(st.ptr, sample.ptr, 10000, 60000, scratch.ptr));
  add("core exp f64 (1 Mi)", N, () => e.map_f64(0, f64.ptr, out.ptr, N));
  add("core log f64 (1 Mi)", N, () => e.map_f64(1, fpos.ptr, out.ptr, N));
  add("peer: JS Math.exp (1 Mi, not portable)", N, () => {
    for (let i = 0; i < N; i++) js[i] = Math.exp(xs[i]!);
  });
  await bench.run();
  return bench.tasks.map((t) => {
    const r = t.result;
    if (r.state !== "completed") throw new Error(`${t.name}: ${r.state}`);
    return { name: t.name, items: items[t.name]!, medianMs: r.latency.p50, itemsPerSec: (items[t.name]! / r.latency.p50) * 1000, samples: r.latency.samplesCount };
  });
}

export function renderCoreBench(rows: CoreBenchRow[]): string {
  return [
    `PRNG and math (median of >= ${Math.min(...rows.map((r) => r.samples))} runs)`,
    "| kernel | median ms | M items/s |",
    "|---|---:|---:|",
    ...rows.map((r) => `| ${r.name} | ${r.medianMs.toFixed(3)} | ${(r.itemsPerSec / 1e6).toFixed(1)} |`),
  ].join("\n");
}
