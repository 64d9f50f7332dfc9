// The bank on disk (docs/DESIGN.md section 5): a folder with manifest.json and experts.safetensors
// holding `expert.{r}.<tensor>` in PyTorch's names, shapes and layouts. The manifest carries
// the config, seeds, dataset hashes, per-expert accuracy and sha-256 and the tool version, and
// nothing else (no timestamps, host names or paths), so its bytes are reproducible. A bank
// covering experts [start, end) of R is a shard; merging shards gives a single run's bytes.
import { join } from "node:path";
import { encodeSafetensors, decodeSafetensors, type SafetensorsInput } from "../formats/safetensors.js";
import { MoeBankError } from "../errors.js";
import { VERSION } from "../version.js";
import { TENSOR_NAMES } from "../model/cnn.js";
import type { BankConfig, DatasetRef } from "./config.js";
export type { DatasetRef } from "./config.js";
import { sha256, writeAtomic, readBytes, readVerified } from "./files.js";


export interface ExpertRecord {
  r: number;
  /** sha-256 of the expert's parameters as little-endian f32, PyTorch layout */
  sha256: string;
  testAccuracy: number;
  testErrors: number;
}

export interface Manifest {
  format: "moe-bank/bank";
  formatVersion: 1;
  tool: { name: "moe-bank"; version: string };
  core: { build: string; sha256: string };
  dataset: DatasetRef;
  config: BankConfig;
  /** the experts this folder holds: [start, end) of config.experts */
  experts: { start: number; end: number };
  streams: Record<string, string>;
  files: { "experts.safetensors": { sha256: string; bytes: number } };
  perExpert: ExpertRecord[];
}

export const STREAMS = {
  subset: "Philox4x32-10 stream (seed, 2, r): the expert's training subset",
  init: "stream (seed, 1, r): PyTorch-default init, tensors in layout order",
  shuffle: "stream (seed, 3, r): one permutation of the subset per epoch",
};

export interface BankExpert {
  r: number;
  params: Float32Array;
  testAccuracy: number;
  testErrors: number;
}

export function paramsSha(params: Float32Array): string {
  return sha256(new Uint8Array(params.buffer, params.byteOffset, params.byteLength));
}

/** The safetensors bytes of experts (in index order), tensors `expert.{r}.<name>`. */
export function encodeExperts(experts: BankExpert[], layout: { name: string; offset: number; length: number; shape: number[] }[]): Uint8Array {
  const tensors: SafetensorsInput[] = [];
  for (const e of experts) {
    for (const l of layout) tensors.push({ name: `expert.${e.r}.${l.name}`, dtype: "F32", shape: l.shape, data: e.params.subarray(l.offset, l.offset + l.length) });
  }
  return encodeSafetensors(tensors, { format: "moe-bank/bank", "format_version": "1" });
}

export function makeManifest(config: BankConfig, dataset: DatasetRef, core: { build: string; sha256: string }, range: { start: number; end: number }, experts: BankExpert[], file: Uint8Array): Manifest {
  return {
    format: "moe-bank/bank",
    formatVersion: 1,
    tool: { name: "moe-bank", version: VERSION },
    core,
    dataset,
    config,
    experts: range,
    streams: STREAMS,
    files: { "experts.safetensors": { sha256: sha256(file), bytes: file.length } },
    perExpert: experts.map((e) => ({ r: e.r, sha256: paramsSha(e.params), testAccuracy: e.testAccuracy, testErrors: e.testErrors })),
  };
}

/** Writes the folder: experts.safetensors first, then manifest.json (each atomic). */
export async function writeBank(dir: string, manifest: Manifest, file: Uint8Array): Promise<void> {
  await writeAtomic(join(dir, "experts.safetensors"), file);
  await writeAtomic(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
}

/** Reads and checks a bank's manifest.json: one-line errors naming the file. */
export async function readManifest(dir: string): Promise<Manifest> {
  const mpath = join(dir, "manifest.json");
  let manifest: Manifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(await readBytes(mpath))) as Manifest;
  } catch (e) {
    if (e instanceof MoeBankError) throw e;
    throw new MoeBankError(`${mpath}: not valid JSON`);
  }
  if (manifest === null || typeof manifest !== "object" || manifest.format !== "moe-bank/bank" || manifest.formatVersion !== 1) {
    throw new MoeBankError(`${mpath}: not a moe-bank bank manifest (format ${JSON.stringify(manifest?.format)}, version ${JSON.stringify(manifest?.formatVersion)})`);
  }
  if (typeof manifest.config?.spec !== "object" || !Array.isArray(manifest.perExpert) || typeof manifest.files?.["experts.safetensors"]?.sha256 !== "string") {
    throw new MoeBankError(`${mpath}: the manifest lacks its config, perExpert list or file hashes`);
  }
  return manifest;
}

/** Reads a bank folder, verifying the file hash and every expert's hash against the manifest. */
export async function readBank(dir: string, layout: { name: string; offset: number; length: number; shape: number[] }[], size: number): Promise<{ manifest: Manifest; experts: BankExpert[] }> {
  const manifest = await readManifest(dir);
  const fpath = join(dir, "experts.safetensors");
  const bytes = await readVerified(fpath, manifest.files["experts.safetensors"].sha256);
  const { tensors } = decodeSafetensors(bytes, fpath);
  const experts: BankExpert[] = [];
  for (const rec of manifest.perExpert) {
    const params = new Float32Array(size);
    for (const l of layout) {
      const t = tensors.get(`expert.${rec.r}.${l.name}`);
      if (!t || t.dtype !== "F32" || t.data.length !== l.length) throw new MoeBankError(`${fpath}: tensor expert.${rec.r}.${l.name} is missing or has the wrong shape`);
      params.set(t.data as Float32Array, l.offset);
    }
    if (paramsSha(params) !== rec.sha256) throw new MoeBankError(`${fpath}: expert ${rec.r}'s parameters do not match the manifest's sha-256`);
    experts.push({ r: rec.r, params, testAccuracy: rec.testAccuracy, testErrors: rec.testErrors });
  }
  if (TENSOR_NAMES.length * manifest.perExpert.length !== tensors.size) throw new MoeBankError(`${fpath}: ${tensors.size} tensors, expected ${TENSOR_NAMES.length * manifest.perExpert.length}`);
  return { manifest, experts };
}
