// Node-only. PyTorch's numbers for the CNN expert on one batch (test/fixtures/torch-cnn-v1.safetensors
// for MNIST, torch-cnn-rgb-v1.safetensors for the colour expert on CIFAR-10-format records, both
// written by test/fixtures/make_torch_fixture.py, whose docstring lists every tensor): the input,
// labels, init parameters, forward activations, loss, gradients, and the parameters after 3 Adam
// steps. Each loaded once per test file through decodeSafetensors.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { decodeSafetensors } from "../../src/formats/safetensors.js";

/** The fixtures on disk (tests run from dist/test/, the files live in test/fixtures/). */
export const TORCH_FIXTURES = {
  mnist: fileURLToPath(new URL("../../../test/fixtures/torch-cnn-v1.safetensors", import.meta.url)),
  rgb: fileURLToPath(new URL("../../../test/fixtures/torch-cnn-rgb-v1.safetensors", import.meta.url)),
};
export const TORCH_FIXTURE_PATH = TORCH_FIXTURES.mnist;

/** The names of the 8 parameters, in PyTorch's (and the file's) order. */
export const TORCH_PARAMS = [
  "conv1.weight",
  "conv1.bias",
  "conv2.weight",
  "conv2.bias",
  "fc1.weight",
  "fc1.bias",
  "fc2.weight",
  "fc2.bias",
] as const;

export interface FixtureTensor {
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

export interface TorchFixture {
  /** The file's "__metadata__": format_version, torch_version, batch, seed, definitions. */
  meta: Record<string, string>;
  /** Every tensor name, in file order. */
  names: string[];
  /** The tensor `name` (F32, I32 for "labels", U8 for "records"); throws if the file has no such tensor. */
  get(name: string): FixtureTensor;
  /** The tensor `name` as F32; throws if it is missing or not F32. */
  f32(name: string): { shape: number[]; data: Float32Array };
}

const cached = new Map<string, Promise<TorchFixture>>();

/** Loads (once) and decodes a fixture (default: the MNIST one). */
export function loadTorchFixture(which: keyof typeof TORCH_FIXTURES = "mnist"): Promise<TorchFixture> {
  const TORCH_FIXTURE_PATH = TORCH_FIXTURES[which];
  if (!cached.has(which)) cached.set(which, (async () => {
    const bytes = new Uint8Array(await readFile(TORCH_FIXTURE_PATH));
    const { tensors, metadata } = decodeSafetensors(bytes, TORCH_FIXTURE_PATH);
    const get = (name: string): FixtureTensor => {
      const t = tensors.get(name);
      if (t === undefined) throw new Error(`${TORCH_FIXTURE_PATH}: no tensor ${JSON.stringify(name)}`);
      if (t.dtype !== "F32" && t.dtype !== "I32" && t.dtype !== "U8") throw new Error(`${TORCH_FIXTURE_PATH}: tensor ${JSON.stringify(name)} is ${t.dtype}`);
      return { shape: t.shape, data: t.data };
    };
    const f32 = (name: string): { shape: number[]; data: Float32Array } => {
      const t = get(name);
      if (!(t.data instanceof Float32Array)) throw new Error(`${TORCH_FIXTURE_PATH}: tensor ${JSON.stringify(name)} is not F32`);
      return { shape: t.shape, data: t.data };
    };
    return { meta: metadata, names: [...tensors.keys()], get, f32 };
  })());
  return cached.get(which)!;
}
