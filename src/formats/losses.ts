// A bank's loss matrix: the one shape every layer above reads (the estimators, routing, the bank,
// the report, the page), with its reader (.npy files: uint8 or bool, shape [R, N], C order, values
// 0 or 1; a bank trained anywhere: PyTorch, JAX, moe-bank) and its writer (the bank folder's
// losses-*.npy and preds-*.npy). Browser-safe: a file is read through src/input.ts.
import { MAX_ALLOC_BYTES } from "../../bindings/index.js";
import { MoeBankError } from "../errors.js";
import { readInput } from "../input.js";
import { decodeNpy, encodeNpy } from "./npy.js";

/** A loss matrix [R, N], C order: data[r * N + n] = the loss of expert r on item n (u8; 0 or 1
 *  for the estimators, small integers allowed by routing), and, where a bank has them (bank eval,
 *  reproduce, the page), preds[r * N + n] = expert r's predicted label of item n. */
export interface LossMatrix {
  readonly R: number;
  readonly N: number;
  readonly data: Uint8Array;
  readonly preds?: Uint8Array;
}

/** Checks shape and values (0 or 1 only; preds, when given, of the same shape) and returns the
 *  matrix; `what` names it in errors. */
export function lossMatrix(data: Uint8Array, R: number, N: number, what = "loss matrix", preds?: Uint8Array): LossMatrix {
  if (!Number.isInteger(R) || R < 1 || !Number.isInteger(N) || N < 1) throw new MoeBankError(`${what}: shape [${R}, ${N}] is empty`);
  if (data.length !== R * N) throw new MoeBankError(`${what}: ${data.length} values for shape [${R}, ${N}]`);
  for (let k = 0; k < data.length; k++) {
    if (data[k]! > 1) throw new MoeBankError(`${what}: value ${data[k]} at [${Math.floor(k / N)}, ${k % N}] is not a 0-1 loss`);
  }
  if (preds === undefined) return { R, N, data };
  if (preds.length !== R * N) throw new MoeBankError(`${what}: ${preds.length} predictions for shape [${R}, ${N}]`);
  return { R, N, data, preds };
}

/** Each expert's error count (loss sum) on the first n items: out[r] = sum_{i < n} data[r N + i]
 *  (exact integer row sums; n = N: the whole split). */
export function errorCounts(m: LossMatrix, n: number = m.N): Int32Array {
  const out = new Int32Array(m.R);
  for (let r = 0; r < m.R; r++) {
    let e = 0;
    for (let i = r * m.N, end = i + n; i < end; i++) e += m.data[i]!;
    out[r] = e;
  }
  return out;
}

/** A loss matrix from .npy bytes; every problem is a one-line MoeBankError naming `file`. */
export function decodeLossMatrix(bytes: Uint8Array, file: string): LossMatrix {
  const a = decodeNpy(bytes, file);
  if (a.dtype !== "u8" && a.dtype !== "bool") throw new MoeBankError(`${file}: dtype ${a.dtype}, expected uint8 or bool 0-1 losses`);
  if (a.shape.length !== 2) throw new MoeBankError(`${file}: shape (${a.shape.join(", ")}), expected [R, N] (experts x items)`);
  const [R, N] = a.shape as [number, number];
  return lossMatrix(a.data, R, N, file);
}

/** Reads and checks one loss matrix file. */
export async function readLossMatrix(file: string): Promise<LossMatrix> {
  return decodeLossMatrix(await readInput(file, MAX_ALLOC_BYTES), file); // the matrix goes into the core whole
}

/** Both matrices of a bank; they must agree on R. */
export async function readLossPair(trainFile: string, testFile: string): Promise<{ train: LossMatrix; test: LossMatrix }> {
  const [train, test] = await Promise.all([readLossMatrix(trainFile), readLossMatrix(testFile)]);
  if (train.R !== test.R) throw new MoeBankError(`${testFile}: ${test.R} experts, but ${trainFile} has ${train.R}`);
  return { train, test };
}

/** A bank's matrices as the bank folder holds them: losses-{split}.npy and preds-{split}.npy,
 *  u8 [R, N], by file name (train first, losses before preds). */
export function lossFiles(mats: Record<"train" | "test", Required<LossMatrix>>): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const split of ["train", "test"] as const) {
    const m = mats[split];
    out[`losses-${split}.npy`] = encodeNpy("u8", [m.R, m.N], m.data);
    out[`preds-${split}.npy`] = encodeNpy("u8", [m.R, m.N], m.preds);
  }
  return out;
}
