// Reading 0-1 loss matrices from .npy files for `moe-bank select` and `moe-bank tables`: uint8 or
// bool, shape [R, N], C order, values 0 or 1 (a bank trained anywhere: PyTorch, JAX, moe-bank).
import { readInput } from "../input.js";
import { MoeBankError } from "../errors.js";
import { MAX_ALLOC_BYTES } from "../../bindings/index.js";
import { decodeNpy } from "../formats/npy.js";
import { lossMatrix, type LossMatrix } from "../estimators/draws.js";

/** Reads and checks one loss matrix; every problem is a one-line MoeBankError naming the file. */
export async function readLossMatrix(file: string): Promise<LossMatrix> {
  const bytes = await readInput(file, MAX_ALLOC_BYTES); // the matrix goes into the core whole
  const a = decodeNpy(bytes, file);
  if (a.dtype !== "u8" && a.dtype !== "bool") throw new MoeBankError(`${file}: dtype ${a.dtype}, expected uint8 or bool 0-1 losses`);
  if (a.shape.length !== 2) throw new MoeBankError(`${file}: shape (${a.shape.join(", ")}), expected [R, N] (experts x items)`);
  const [R, N] = a.shape as [number, number];
  return lossMatrix(a.data, R, N, file);
}

/** Both matrices of a bank; they must agree on R. */
export async function readLossPair(trainFile: string, testFile: string): Promise<{ train: LossMatrix; test: LossMatrix }> {
  const [train, test] = await Promise.all([readLossMatrix(trainFile), readLossMatrix(testFile)]);
  if (train.R !== test.R) throw new MoeBankError(`${testFile}: ${test.R} experts, but ${trainFile} has ${train.R}`);
  return { train, test };
}
