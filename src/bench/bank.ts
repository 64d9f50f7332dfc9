// The bank benchmark: train and evaluate the paper's default bank (R = 25, n = 10,000, 1 epoch,
// then L_train and L_test) on a worker pool, timing each stage, beside the PyTorch peer running
// the same protocol (bench/torch_bank_peer.py, 2 threads) in the same run. Nothing is cached:
// every expert and block is computed. The work is also set against the SIMD peak of all cores.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Core, type Build } from "../../bindings/index.js";
import { DEFAULT_BANK, type BankConfig } from "../bank/config.js";
import { trainExperts, evaluateSplit, MemoryCache } from "../bank/bank.js";
import { WorkerPool } from "../parallel/pool.js";
import { defaultMnistPaths, loadSplit } from "../data/files.js";
import { Cnn, forwardFlops } from "../model/cnn.js";
import { trainFlops, torchPython, peerEnv, blasLine } from "./kernels.js";

export interface BankBenchResult {
  workers: number;
  config: { experts: number; subsetSize: number; epochs: number };
  peakGflopsPerCore: number;
  stages: { name: string; seconds: number; images: number; imagesPerS: number; tflop: number }[];
  totalSeconds: number;
  totalTflop: number;
  /** seconds the work would take at the measured SIMD peak of `workers` cores */
  peakSeconds: number;
  peer: null | { skipped: string } | { torchVersion: string; threads: number; blas: string; trainSeconds: number; evalSeconds: number; totalSeconds: number };
  /** With build "relaxed": the same bank on the relaxed build (non-portable), after the portable
   *  one in the same run, with its own register peak (relaxed_madd chains). */
  relaxed?: { peakGflopsPerCore: number; stages: Stage[]; totalSeconds: number; speedup: number };
}
type Stage = BankBenchResult["stages"][number];

/** The best of 3 runs of the register-peak loop in a build, GFLOP/s (one core). */
async function peakOf(build: Build): Promise<number> {
  const core = await Core.load({ build });
  const iters = 4_000_000;
  core.exports.peak_f32x4(iters / 10);
  let best = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    core.exports.peak_f32x4(iters);
    best = Math.max(best, (iters * core.exports.peak_flops_per_iter()) / (performance.now() - t0) / 1e6);
  }
  return best;
}

export async function runBankBench(opts: { workers?: number; experts?: number; subsetSize?: number; peer?: boolean; build?: Build; log?: (s: string) => void } = {}): Promise<BankBenchResult> {
  const log = opts.log ?? (() => {});
  const workers = opts.workers ?? 2;
  const config: BankConfig = { ...DEFAULT_BANK, experts: opts.experts ?? DEFAULT_BANK.experts, subsetSize: opts.subsetSize ?? DEFAULT_BANK.subsetSize };
  const best = await peakOf("simd");
  const paths = defaultMnistPaths();
  const train = await loadSplit(paths.train.images, paths.train.labels);
  const test = await loadSplit(paths.test.images, paths.test.labels);
  const F = forwardFlops(config.spec);
  const core = await Core.load();
  const net = new Cnn(core, config.spec);
  const size = net.size;
  net.free();

  // Train the bank, then evaluate L_train, on a fresh pool of `build` workers; seconds per stage.
  const stagesOf = async (build: Build): Promise<Stage[]> => {
    const pool = await WorkerPool.create({ workers, train, test, build });
    const stages: Stage[] = [];
    try {
      log(`training ${config.experts} experts on ${workers} workers (${build} build) ...`);
      let t0 = performance.now();
      const experts = await trainExperts({ pool, config, start: 0, end: config.experts, testCount: test.count, key: async (r) => `e${r}`, cache: new MemoryCache() });
      let s = (performance.now() - t0) / 1000;
      const trainImages = config.experts * config.subsetSize * config.epochs;
      // each training task also evaluates its expert on the test split (the manifest's accuracy)
      stages.push({ name: "train (+ each expert's test accuracy)", seconds: s, images: trainImages, imagesPerS: trainImages / s, tflop: (trainImages * trainFlops() + config.experts * test.count * F) / 1e12 });
      const params = new Float32Array(config.experts * size);
      experts.forEach((e, i) => params.set(e.params, i * size));
      // L_test is assembled from the training tasks' test rows (as `bank eval` does from its
      // cache); only L_train is evaluated here.
      for (const split of ["train"] as const) {
        const N = train.count;
        log(`evaluating the ${split} split (${build} build) ...`);
        t0 = performance.now();
        await evaluateSplit({ pool, spec: config.spec, params, R: config.experts, split, N, key: async (a, b) => `${split}${a}-${b}`, cache: new MemoryCache() });
        s = (performance.now() - t0) / 1000;
        stages.push({ name: `eval ${split} (L_${split})`, seconds: s, images: config.experts * N, imagesPerS: (config.experts * N) / s, tflop: (config.experts * N * F) / 1e12 });
      }
    } finally {
      await pool.close();
    }
    return stages;
  };
  const sum = (st: Stage[], k: "seconds" | "tflop") => st.reduce((a, b) => a + b[k], 0);
  const stages = await stagesOf("simd");
  const totalSeconds = sum(stages, "seconds");
  const totalTflop = sum(stages, "tflop");
  let relaxed: BankBenchResult["relaxed"];
  if (opts.build === "relaxed") {
    const rPeak = await peakOf("relaxed"); // also switches on Node 20's relaxed-SIMD flag for the workers
    const rs = await stagesOf("relaxed");
    relaxed = { peakGflopsPerCore: rPeak, stages: rs, totalSeconds: sum(rs, "seconds"), speedup: totalSeconds / sum(rs, "seconds") };
  }
  let peer: BankBenchResult["peer"] = null;
  if (opts.peer !== false) {
    const py = torchPython();
    if (py === null) peer = { skipped: "python3-torch is not installed" };
    else {
      log(`PyTorch peer (same protocol, ${workers} threads) ...`);
      const script = fileURLToPath(new URL("../../../bench/torch_bank_peer.py", import.meta.url));
      const r = spawnSync(py, [script, "--threads", String(workers), "--experts", String(config.experts), "--subset-size", String(config.subsetSize)], { encoding: "utf8", maxBuffer: 1 << 24, env: peerEnv(workers) });
      if (r.status !== 0) peer = { skipped: `torch_bank_peer.py failed: ${(r.stderr || "").trim().split("\n").pop()}` };
      else {
        const j = JSON.parse(r.stdout);
        peer = { torchVersion: j.torch_version, threads: j.threads, blas: blasLine(j.blas), trainSeconds: j.train.seconds, evalSeconds: j.eval.seconds, totalSeconds: j.total_seconds };
      }
    }
  }
  return { workers, config: { experts: config.experts, subsetSize: config.subsetSize, epochs: config.epochs }, peakGflopsPerCore: best, stages, totalSeconds, totalTflop, peakSeconds: (totalTflop * 1e3) / (best * workers), peer, ...(relaxed ? { relaxed } : {}) };
}

export function renderBankBench(r: BankBenchResult): string {
  const p = r.peer && "trainSeconds" in r.peer ? r.peer : null;
  return [
    `bank bench: R = ${r.config.experts}, n = ${r.config.subsetSize}, ${r.config.epochs} epoch; ${r.workers} workers; SIMD peak ${r.peakGflopsPerCore.toFixed(1)} GFLOP/s per core`,
    "",
    "| stage | seconds | images/s | TFLOP | GFLOP/s |",
    "|---|---:|---:|---:|---:|",
    ...r.stages.map((s) => `| ${s.name} | ${s.seconds.toFixed(1)} | ${s.imagesPerS.toFixed(0)} | ${s.tflop.toFixed(2)} | ${((s.tflop * 1e3) / s.seconds).toFixed(1)} |`),
    `| total | ${r.totalSeconds.toFixed(1)} | | ${r.totalTflop.toFixed(2)} | ${((r.totalTflop * 1e3) / r.totalSeconds).toFixed(1)} |`,
    "",
    `At the measured SIMD peak of ${r.workers} cores the work takes ${r.peakSeconds.toFixed(1)} s: ours is ${(r.totalSeconds / r.peakSeconds).toFixed(2)}x that.`,
    ...(r.relaxed ? [
      "",
      `relaxed build (non-portable: fused multiply-add; register peak ${r.relaxed.peakGflopsPerCore.toFixed(1)} GFLOP/s per core), same bank, same run:`,
      "",
      "| stage | seconds | images/s | GFLOP/s |",
      "|---|---:|---:|---:|",
      ...r.relaxed.stages.map((s) => `| ${s.name} | ${s.seconds.toFixed(1)} | ${s.imagesPerS.toFixed(0)} | ${((s.tflop * 1e3) / s.seconds).toFixed(1)} |`),
      `| total | ${r.relaxed.totalSeconds.toFixed(1)} | | ${((r.totalTflop * 1e3) / r.relaxed.totalSeconds).toFixed(1)} |`,
      "",
      `relaxed / portable: ${r.relaxed.speedup.toFixed(2)}x as fast (${r.relaxed.totalSeconds.toFixed(1)} s against ${r.totalSeconds.toFixed(1)} s; ${(r.relaxed.totalSeconds / r.peakSeconds).toFixed(2)}x the portable peak's time).`,
    ] : []),
    p ? `PyTorch ${p.torchVersion} (BLAS: ${p.blas}), ${p.threads} threads, same protocol: train ${p.trainSeconds.toFixed(1)} s, eval ${p.evalSeconds.toFixed(1)} s, total ${p.totalSeconds.toFixed(1)} s (ours / PyTorch: ${(r.totalSeconds / p.totalSeconds).toFixed(2)}x the time)` : r.peer && "skipped" in r.peer ? `PyTorch peer skipped: ${r.peer.skipped}` : "",
  ].join("\n");
}
