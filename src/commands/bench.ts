// `moe-bank bench`: benchmark the core on this machine (one of the product's uses).
import type { Argv, ArgumentsCamelCase } from "yargs";
import { BUILDS, type Build } from "../../bindings/index.js";
import { runKernelBench, renderKernelBench } from "../bench/kernels.js";
import { runCoreBench, renderCoreBench } from "../bench/core.js";
import { runBankBench, renderBankBench } from "../bench/bank.js";
import { runRouteBench, renderRouteBench } from "../bench/route.js";
import { runBoundsBench, renderBoundsBench } from "../bench/bounds.js";
import { runMeasurementsBench, renderMeasurementsBench } from "../bench/measurements.js";
import { emit, progressEnabled, type GlobalOptions } from "../output.js";
import { UsageError } from "../errors.js";

interface BenchArgs extends GlobalOptions {
  suite: "kernels" | "core" | "bank" | "route" | "bounds" | "measurements" | "all";
  workers: number;
  build: Build;
  time: number;
  peer: boolean;
  testLosses?: string;
  trainLosses?: string;
}

async function bench(args: ArgumentsCamelCase<BenchArgs>): Promise<void> {
  const log = progressEnabled(args) ? (s: string) => process.stderr.write(`bench: ${s}\n`) : undefined;
  const result: { kernels?: Awaited<ReturnType<typeof runKernelBench>>; core?: Awaited<ReturnType<typeof runCoreBench>>; bank?: Awaited<ReturnType<typeof runBankBench>>; route?: Awaited<ReturnType<typeof runRouteBench>>; bounds?: Awaited<ReturnType<typeof runBoundsBench>>; measurements?: Awaited<ReturnType<typeof runMeasurementsBench>> } = {};
  const all = args.suite === "all";
  if (args.testLosses !== undefined && !all && args.suite !== "route" && args.suite !== "bounds") throw new UsageError("--test-losses is for --suite route or bounds (or all)");
  if (args.trainLosses !== undefined && !all && args.suite !== "bounds") throw new UsageError("--train-losses is for --suite bounds (or all)");
  if (args.suite === "bank" && args.build === "scalar") throw new UsageError("--suite bank measures the simd build (and after it the relaxed one with --build relaxed), not scalar");
  if (all || args.suite === "kernels") result.kernels = await runKernelBench({ build: args.build, time: args.time, peer: args.peer, ...(log ? { log } : {}) });
  if (all || args.suite === "core") result.core = await runCoreBench({ build: args.build, time: args.time });
  if (args.suite === "bank") result.bank = await runBankBench({ workers: args.workers, peer: args.peer, build: args.build, ...(log ? { log } : {}) });
  if (all || args.suite === "route") result.route = await runRouteBench({ peer: args.peer, ...(args.testLosses !== undefined ? { lossesPath: args.testLosses } : {}), ...(log ? { log } : {}) });
  if (all || args.suite === "bounds") result.bounds = await runBoundsBench({ ...(args.trainLosses !== undefined ? { trainLosses: args.trainLosses } : {}), ...(args.testLosses !== undefined ? { testLosses: args.testLosses } : {}), ...(log ? { log } : {}) });
  if (all || args.suite === "measurements") result.measurements = await runMeasurementsBench(log ? { log } : {});
  emit(args, result, (r) => [r.kernels ? renderKernelBench(r.kernels) : "", r.core ? renderCoreBench(r.core) : "", r.bank ? renderBankBench(r.bank) : "", r.route ? renderRouteBench(r.route) : "", r.bounds ? renderBoundsBench(r.bounds) : "", r.measurements ? renderMeasurementsBench(r.measurements) : ""].filter(Boolean).join("\n\n"));
}

export function benchCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command(
    "bench",
    "benchmark the core on this machine: GEMM GFLOP/s, forward and train-step images/s vs the SIMD peak and PyTorch",
    (c) =>
      c
        .option("suite", { choices: ["kernels", "core", "bank", "route", "bounds", "measurements", "all"] as const, default: "kernels" as const, describe: "kernels: GEMMs and the CNN; core: PRNG and math; bank: the default bank trained and evaluated (minutes; not in all); route: the 25-point Blahut-Arimoto sweep on 2000 x 25 vs numpy plain BA (bench/ba_peer.py; seconds, in all); bounds: M = 10^6 runs of the protocol, I_hat with its bootstrap interval and corrections, and how they settle from M = 300 (seconds, in all); measurements: every measurement of the registry at its quick defaults on a synthetic bank (seconds, in all)" })
        .option("workers", { type: "number", default: 2, describe: "workers for --suite bank (PyTorch gets as many threads)" })
        .option("build", { choices: BUILDS, default: "simd" as Build, describe: "which wasm build to measure; relaxed (fused multiply-add, non-portable; Node 20's flag is switched on for you): --suite kernels measures it alone, --suite bank runs the portable bank and then the relaxed one in the same run" })
        .option("time", { type: "number", default: 1500, describe: "milliseconds per measured task" })
        .option("peer", { type: "boolean", default: true, describe: "also run the PyTorch peer (bench/torch_peer.py) when python3-torch is installed (route: the numpy peer)" })
        .option("test-losses", { type: "string", describe: "--suite route: a 0-1 loss matrix .npy [R, N] (default: a synthetic MNIST-like 25 x 10000 bank); --suite bounds: the test losses for G" })
        .option("train-losses", { type: "string", describe: "--suite bounds: the training-pool 0-1 losses .npy [R, N] (default: a synthetic MNIST-like 25 x 60000 bank)" })
        .example("$0 bench", "the kernel table with the PyTorch column")
        .example("$0 bench --suite route --test-losses losses-test.npy", "the routing sweep on a real bank beside numpy plain BA")
        .example("$0 bench --suite bank --build relaxed", "the bank on the portable build, then on the relaxed build, with the speed-up")
        .example("$0 bench --suite all --json", "everything, as JSON"),
    (a) => bench(a as ArgumentsCamelCase<BenchArgs>),
  );
}
