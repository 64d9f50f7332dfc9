// The alpha sweep of `moe-bank select` timed end to end (draws in the core, estimators and
// bootstrap in TS: both readings, M = 300, the 6 Table II alphas, 1000 resamples), beside the
// numpy peer bench/select_peer.py doing the same work on the same matrices in the same run.
// Without --train-losses/--test-losses it synthesizes an MNIST-sized 25 x 60000 / 25 x 10000
// bank (src/bench/synthetic-bank.ts) and writes it to a temporary folder for the peer.
// Usage: node dist/bench/select.js [--train-losses F --test-losses F] [--repeats K] [--json] [--no-peer]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Core } from "../bindings/index.js";
import { encodeNpy } from "../src/formats/npy.js";
import { decodeLossMatrix, type LossMatrix } from "../src/formats/losses.js";
import { runSelection, type SelectionResult } from "../src/estimators/sweep.js";
import { syntheticBank } from "../src/bench/synthetic-bank.js";

function arg(name: string): string | undefined {
  const k = process.argv.indexOf(name);
  return k > 0 ? process.argv[k + 1] : undefined;
}

function readLosses(file: string): LossMatrix {
  return decodeLossMatrix(readFileSync(file), file);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function main(): Promise<void> {
  const json = process.argv.includes("--json");
  const repeats = Number(arg("--repeats") ?? 7);
  const core = await Core.load();
  const dir = mkdtempSync(join(tmpdir(), "moe-bank-bench-select-"));
  try {
    let trainFile = arg("--train-losses"), testFile = arg("--test-losses");
    let synth = 0;
    if (trainFile === undefined || testFile === undefined) {
      const t0 = performance.now();
      const { train, test } = syntheticBank(core);
      synth = performance.now() - t0;
      trainFile = join(dir, "train.npy");
      testFile = join(dir, "test.npy");
      writeFileSync(trainFile, encodeNpy("u8", [train.R, train.N], train.data));
      writeFileSync(testFile, encodeNpy("u8", [test.R, test.N], test.data));
    }
    const train = readLosses(trainFile), test = readLosses(testFile);
    const t1 = performance.now();
    let result: SelectionResult = runSelection(core, train, test);
    const first = performance.now() - t1;
    const rounds: number[] = [];
    for (let k = 0; k < repeats; k++) {
      const t = performance.now();
      result = runSelection(core, train, test);
      rounds.push(performance.now() - t);
    }
    let peer: { median_ms: number; numpy_version: string } | { error: string } | null = null;
    if (!process.argv.includes("--no-peer")) {
      const script = fileURLToPath(new URL("../../bench/select_peer.py", import.meta.url));
      const r = spawnSync("python3", [script, trainFile, testFile, "--repeats", String(repeats)], { encoding: "utf8" });
      peer = r.status === 0 ? JSON.parse(r.stdout) : { error: (r.stderr || String(r.error)).trim().split("\n").at(-1)! };
    }
    const out = {
      R: train.R, nPool: train.N, nTest: test.N, M: result.config.M, m: result.config.m, alphas: result.config.alphas, bootstrap: result.config.bootstrap,
      synthesizeMs: synth, firstRunMs: first, roundsMs: rounds, medianMs: median(rounds), peer,
    };
    if (json) process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    else {
      process.stdout.write(
        `alpha sweep, both readings: R ${out.R}, pool ${out.nPool}, test ${out.nTest}, M ${out.M}, m ${out.m}, ${out.alphas.length} alphas, B ${out.bootstrap}\n` +
          `moe-bank: first run ${first.toFixed(1)} ms, median of ${repeats} ${out.medianMs.toFixed(1)} ms\n` +
          (peer === null ? "" : "error" in peer ? `numpy peer: ${peer.error}\n` : `numpy ${peer.numpy_version}: median ${peer.median_ms.toFixed(1)} ms\n`),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
