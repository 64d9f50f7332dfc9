// Kernel and network benchmarks (tinybench): GFLOP/s for each GEMM shape the network uses,
// forward and train-step images/s, each as a ratio to the SIMD peak-register loop measured in
// the same run, and the PyTorch peer (bench/torch_peer.py, 1 thread) side by side when Debian's
// python3-torch is installed. Used by `moe-bank bench` and `npm run bench`.
import { Bench } from "tinybench";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Core, type Build } from "../../bindings/index.js";
import { Cnn, CoreDataset, DEFAULT_SPEC, forwardFlops, networkGemmShapes } from "../model/cnn.js";
import { defaultMnistPaths, loadSplit } from "../data/files.js";

export interface Rate {
  /** median over the samples */
  median: number;
  /** every sample's rate, for the spread */
  samples: number;
}
export interface KernelBenchResult {
  node: string;
  build: Build;
  peak: { gflops: number; samples: number };
  gemm: { m: number; k: number; n: number; gflops: number; ofPeak: number; samples: number; what: string }[];
  forward: { batch: number; imagesPerS: number; gflops: number; ofPeak: number; samples: number };
  trainStep: { batch: number; imagesPerS: number; gflops: number; ofPeak: number; samples: number };
  peer: null | { torchVersion: string; threads: number; blas: string; forward: number; trainStep: number; gemm: { m: number; k: number; n: number; gflops: number }[] } | { skipped: string };
  /** numpy's matmul on the system BLAS (bench/blas_peer.py), OPENBLAS_NUM_THREADS=1 */
  blasPeer: null | { numpyVersion: string; threads: number; blas: string; gemm: { m: number; k: number; n: number; gflops: number }[] } | { skipped: string };
}

/** What blas_peer.blas_info() found, in one line: OpenBLAS's build line (its CPU kernel and
 *  thread count), or the libraries mapped (e.g. the reference BLAS), or "none mapped". */
export function blasLine(b: { libraries: string[]; openblas_config: string | null; openblas_threads: number | null }): string {
  if (b.openblas_config) return `${b.openblas_config}, ${b.openblas_threads} thread${b.openblas_threads === 1 ? "" : "s"} (${b.libraries.join(", ")})`;
  return b.libraries.length ? `${b.libraries.join(", ")} (not OpenBLAS)` : "no BLAS library mapped";
}

/** The environment of a native peer run with `threads` threads: OpenBLAS (pthread build) and
 *  OpenMP pools both capped, so the peer uses the cores it is compared on. */
export function peerEnv(threads: number): NodeJS.ProcessEnv {
  return { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
}

export interface KernelBenchOptions {
  build?: Build;
  /** ms per tinybench task (default 1500) */
  time?: number;
  /** run the PyTorch peer (default true) */
  peer?: boolean;
  peerRepeats?: number;
  log?: (line: string) => void;
}

const GEMM_SHAPES = networkGemmShapes();

/** FLOPs of one training step per image: forward, weight gradients (as many as the forward)
 *  and input gradients for every layer but the first conv. */
export function trainFlops(): number {
  const s = DEFAULT_SPEC;
  const conv1 = 2 * s.height * s.width * s.channels * s.kernel * s.kernel * s.conv1;
  return 3 * forwardFlops(s) - conv1;
}

async function median(bench: Bench): Promise<Map<string, { p50: number; n: number }>> {
  await bench.run();
  const out = new Map<string, { p50: number; n: number }>();
  for (const t of bench.tasks) {
    const r = t.result;
    if (r.state !== "completed") throw new Error(`bench task ${t.name}: ${r.state}`);
    out.set(t.name, { p50: r.latency.p50, n: r.latency.samplesCount });
  }
  return out;
}

/** The python that has torch: Debian's /usr/bin/python3 first, then python3 on PATH. */
export function torchPython(): string | null {
  for (const py of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(py, ["-c", "import torch"], { encoding: "utf8" });
    if (r.status === 0) return py;
  }
  return null;
}

/** Debian's python with numpy (the system BLAS behind it): /usr/bin/python3 first. */
export function numpyPython(): string | null {
  for (const py of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(py, ["-c", "import numpy"], { encoding: "utf8" });
    if (r.status === 0) return py;
  }
  return null;
}

export async function runKernelBench(opts: KernelBenchOptions = {}): Promise<KernelBenchResult> {
  const log = opts.log ?? (() => {});
  const build = opts.build ?? "simd";
  const time = opts.time ?? 1500;
  const core = await Core.load({ build });
  const e = core.exports;

  log("peak loop and GEMMs ...");
  const iters = 2_000_000;
  const shapes = GEMM_SHAPES.map((s) => ({ ...s, a: core.alloc("f32", s.m * s.k), b: core.alloc("f32", s.k * s.n), c: core.alloc("f32", s.m * s.n) }));
  for (const s of shapes) { s.a.view.fill(0.5); s.b.view.fill(0.25); }
  const b1 = new Bench({ time, warmupTime: 300 });
  b1.add("peak", () => { e.peak_f32x4(iters); });
  for (const s of shapes) b1.add(`gemm ${s.m}x${s.k}x${s.n}`, () => e.gemm(s.m, s.n, s.k, s.a.ptr, s.k, 1, s.b.ptr, s.n, 1, s.c.ptr, s.n, 0));
  const r1 = await median(b1);
  const peak = r1.get("peak")!;
  const peakGflops = (iters * e.peak_flops_per_iter()) / peak.p50 / 1e6;
  const gemm = shapes.map((s) => {
    const r = r1.get(`gemm ${s.m}x${s.k}x${s.n}`)!;
    const gflops = (2 * s.m * s.k * s.n) / r.p50 / 1e6;
    return { m: s.m, k: s.k, n: s.n, what: s.what, gflops, ofPeak: gflops / peakGflops, samples: r.n };
  });
  for (const s of shapes) { s.a.free(); s.b.free(); s.c.free(); }

  log("forward and train step on MNIST ...");
  const paths = defaultMnistPaths();
  const train = await loadSplit(paths.train.images, paths.train.labels);
  const test = await loadSplit(paths.test.images, paths.test.labels);
  const trainData = new CoreDataset(core, train.images, train.labels, train.count);
  const testData = new CoreDataset(core, test.images, test.labels, test.count);
  const net = new Cnn(core, DEFAULT_SPEC);
  net.init(1, 0);
  const FB = 256, TB = 64;
  let fOff = 0, tOff = 0;
  const b2 = new Bench({ time, warmupTime: 300 });
  b2.add("forward", () => {
    net.forward(testData, Array.from({ length: FB }, (_, i) => (fOff + i) % test.count));
    fOff = (fOff + FB) % test.count;
  });
  b2.add("train", () => {
    net.trainStep(trainData, Array.from({ length: TB }, (_, i) => (tOff + i) % train.count));
    tOff = (tOff + TB) % train.count;
  });
  const r2 = await median(b2);
  const f = r2.get("forward")!, t = r2.get("train")!;
  const fIps = (FB / f.p50) * 1000, tIps = (TB / t.p50) * 1000;
  const forward = { batch: FB, imagesPerS: fIps, gflops: (fIps * forwardFlops()) / 1e9, ofPeak: (fIps * forwardFlops()) / 1e9 / peakGflops, samples: f.n };
  const trainStep = { batch: TB, imagesPerS: tIps, gflops: (tIps * trainFlops()) / 1e9, ofPeak: (tIps * trainFlops()) / 1e9 / peakGflops, samples: t.n };
  net.free(); trainData.free(); testData.free();

  let peer: KernelBenchResult["peer"] = null;
  if (opts.peer !== false) {
    const py = torchPython();
    if (py === null) peer = { skipped: "python3-torch is not installed (apt-get install python3-torch); the peer column is empty" };
    else {
      log("PyTorch peer (1 thread) ...");
      const script = fileURLToPath(new URL("../../../bench/torch_peer.py", import.meta.url));
      const r = spawnSync(py, [script, "--threads", "1", "--repeats", String(opts.peerRepeats ?? 3)], { encoding: "utf8", maxBuffer: 1 << 24, env: peerEnv(1) });
      if (r.status !== 0) peer = { skipped: `torch_peer.py failed: ${(r.stderr || "").trim().split("\n").pop()}` };
      else {
        const j = JSON.parse(r.stdout);
        peer = {
          torchVersion: j.torch_version, threads: j.threads, blas: blasLine(j.blas), forward: j.forward.images_per_s, trainStep: j.train_step.images_per_s,
          gemm: j.gemm.map((g: { m: number; k: number; n: number; gflops: number }) => ({ m: g.m, k: g.k, n: g.n, gflops: g.gflops })),
        };
      }
    }
  }
  let blasPeer: KernelBenchResult["blasPeer"] = null;
  if (opts.peer !== false) {
    const py = numpyPython();
    if (py === null) blasPeer = { skipped: "python3-numpy is not installed (apt-get install python3-numpy libopenblas0-pthread)" };
    else {
      log("numpy/BLAS GEMM peer (1 thread) ...");
      const script = fileURLToPath(new URL("../../../bench/blas_peer.py", import.meta.url));
      const shapesArg = GEMM_SHAPES.map((g) => `${g.m}x${g.k}x${g.n}`).join(",");
      const r = spawnSync(py, [script, "--shapes", shapesArg, "--repeats", String(opts.peerRepeats ?? 3)], { encoding: "utf8", maxBuffer: 1 << 24, env: peerEnv(1) });
      if (r.status !== 0) blasPeer = { skipped: `blas_peer.py failed: ${(r.stderr || "").trim().split("\n").pop()}` };
      else {
        const j = JSON.parse(r.stdout);
        blasPeer = { numpyVersion: j.numpy_version, threads: 1, blas: blasLine(j.blas), gemm: j.gemm.map((g: { m: number; k: number; n: number; gflops: number }) => ({ m: g.m, k: g.k, n: g.n, gflops: g.gflops })) };
      }
    }
  }
  return { node: process.version, build: core.build, peak: { gflops: peakGflops, samples: peak.n }, gemm, forward, trainStep, peer, blasPeer };
}

/** The result as a Markdown table (what `moe-bank bench` prints). */
export function renderKernelBench(r: KernelBenchResult): string {
  const p = r.peer && "forward" in r.peer ? r.peer : null;
  const n = r.blasPeer && "gemm" in r.blasPeer ? r.blasPeer : null;
  const x = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}x` : "");
  const lines = [
    `moe-bank bench: ${r.build} build${r.build === "relaxed" ? " (non-portable: fused multiply-add)" : ""}, node ${r.node}, one thread; medians of >= ${Math.min(r.peak.samples, r.forward.samples, r.trainStep.samples, ...r.gemm.map((g) => g.samples))} timed runs`,
    `SIMD peak-register loop: ${r.peak.gflops.toFixed(1)} GFLOP/s${r.build === "relaxed" ? " (relaxed_madd chains: this build's own ceiling)" : ""}`,
    p ? `PyTorch ${p.torchVersion}, ${p.threads} thread, BLAS: ${p.blas}` : "",
    n ? `numpy ${n.numpyVersion} matmul, BLAS: ${n.blas}` : "",
    "",
    `| kernel | ours | of peak | PyTorch ${p ? `${p.torchVersion}, ${p.threads} thread` : "(not run)"} | ours / PyTorch | numpy matmul (${n ? "OpenBLAS".concat(n.blas.startsWith("OpenBLAS") ? "" : "?") : "not run"}) | ours / numpy |`,
    "|---|---:|---:|---:|---:|---:|---:|",
    ...r.gemm.map((g) => {
      const pg = p?.gemm.find((q) => q.m === g.m && q.k === g.k && q.n === g.n)?.gflops;
      const ng = n?.gemm.find((q) => q.m === g.m && q.k === g.k && q.n === g.n)?.gflops;
      return `| GEMM ${g.m}x${g.k}x${g.n} (${g.what}) | ${g.gflops.toFixed(1)} GFLOP/s | ${(100 * g.ofPeak).toFixed(0)}% | ${pg ? `${pg.toFixed(1)} GFLOP/s` : ""} | ${x(g.gflops, pg)} | ${ng ? `${ng.toFixed(1)} GFLOP/s` : ""} | ${x(g.gflops, ng)} |`;
    }),
    `| forward, batch ${r.forward.batch} | ${r.forward.imagesPerS.toFixed(0)} images/s (${r.forward.gflops.toFixed(1)} GFLOP/s) | ${(100 * r.forward.ofPeak).toFixed(0)}% | ${p ? `${p.forward.toFixed(0)} images/s` : ""} | ${x(r.forward.imagesPerS, p?.forward)} | | |`,
    `| train step, batch ${r.trainStep.batch} | ${r.trainStep.imagesPerS.toFixed(0)} images/s (${r.trainStep.gflops.toFixed(1)} GFLOP/s) | ${(100 * r.trainStep.ofPeak).toFixed(0)}% | ${p ? `${p.trainStep.toFixed(0)} images/s` : ""} | ${x(r.trainStep.imagesPerS, p?.trainStep)} | | |`,
  ].filter((l, i) => l !== "" || i === 4);
  if (r.peer && "skipped" in r.peer) lines.push("", `PyTorch peer skipped: ${r.peer.skipped}`);
  if (r.blasPeer && "skipped" in r.blasPeer) lines.push("", `numpy peer skipped: ${r.blasPeer.skipped}`);
  return lines.join("\n");
}
