// Writes gate probability files for `moe-bank gate measure` from a bank: the learned gate of
// eq. 26 (src/routing/learned.ts: trained on the test images after the first n, its logits on
// the first n saved), its softmax, and the softmax of its logits at other temperatures; beside
// them the bank's losses and predictions on the same n rows, so that the shapes match.
// Usage: node dist/bench/gate-probs.js --bank DIR --out DIR [--n 2000] [--lambda 0.1]
//        [--epochs 3] [--seed 0] [--temperatures 2,5,10] [--dataset mnist ...]
//        [--logits F]   (the logits of an earlier run: no training)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Core } from "../bindings/index.js";
import { decodeNpy, encodeNpy } from "../src/formats/npy.js";
import { resolveDataset } from "../src/commands/dataset-options.js";
import { trainLearnedGate } from "../src/routing/learned.js";
import { softmaxRows } from "../src/routing/gate-measure.js";

function arg(name: string, fallback?: string): string {
  const k = process.argv.indexOf(name);
  const v = k > 0 ? process.argv[k + 1] : fallback;
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
}

function u8Matrix(file: string): { R: number; N: number; data: Uint8Array } {
  const a = decodeNpy(readFileSync(file), file);
  if (a.dtype !== "u8" || a.shape.length !== 2) throw new Error(`${file}: expected u8 [R, N]`);
  return { R: a.shape[0]!, N: a.shape[1]!, data: a.data };
}

/** The first n columns of [R, N]. */
function firstColumns(m: { R: number; N: number; data: Uint8Array }, n: number): Uint8Array {
  const out = new Uint8Array(m.R * n);
  for (let t = 0; t < m.R; t++) out.set(m.data.subarray(t * m.N, t * m.N + n), t * n);
  return out;
}

async function main(): Promise<void> {
  const bank = arg("--bank"), out = arg("--out");
  const n = Number(arg("--n", "2000")), lambda = Number(arg("--lambda", "0.1")), epochs = Number(arg("--epochs", "3")), seed = Number(arg("--seed", "0"));
  const temps = arg("--temperatures", "2,5,10").split(",").map(Number);
  mkdirSync(out, { recursive: true });
  const L = u8Matrix(join(bank, "losses-test.npy"));
  const P = u8Matrix(join(bank, "preds-test.npy"));
  const core = await Core.load();
  let logits: Float32Array | null = null;
  let point: unknown = null;
  const from = process.argv.includes("--logits") ? arg("--logits") : null;
  if (from !== null) {
    const a = decodeNpy(readFileSync(from), from);
    if (a.dtype !== "f32" || a.shape.length !== 2 || a.shape[0] !== n || a.shape[1] !== L.R) throw new Error(`${from}: expected f32 [${n}, ${L.R}]`);
    logits = a.data;
  } else {
    const ds = await resolveDataset({ dataset: arg("--dataset", "mnist") as "mnist" } as Parameters<typeof resolveDataset>[0]);
    point = trainLearnedGate(core, ds.test.images, { channels: ds.test.channels, height: ds.test.rows, width: ds.test.cols }, L, {
      lambda, evalN: n, trainFrom: n, epochs, seed, onEvalLogits: (z) => (logits = z),
    });
  }
  if (logits === null) throw new Error("no logits");
  const z: Float32Array = logits;
  const R = L.R;
  if (from === null) writeFileSync(join(out, "learned-logits.npy"), encodeNpy("f32", [n, R], z));
  writeFileSync(join(out, "learned-probs.npy"), encodeNpy("f64", [n, R], softmaxRows(core, z, n, R)));
  for (const T of temps) {
    const zt = Float64Array.from(z, (v) => v / T);
    writeFileSync(join(out, `softmax-T${T}.npy`), encodeNpy("f64", [n, R], softmaxRows(core, zt, n, R)));
  }
  writeFileSync(join(out, `losses-first${n}.npy`), encodeNpy("u8", [R, n], firstColumns(L, n)));
  writeFileSync(join(out, `preds-first${n}.npy`), encodeNpy("u8", [R, n], firstColumns(P, n)));
  process.stdout.write(JSON.stringify(from !== null ? { logits: from, temperatures: temps } : { lambda, epochs, seed, n, trainRows: [n, L.N], temperatures: temps, point }, null, 2) + "\n");
}

await main();
