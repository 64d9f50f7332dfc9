// The bank on disk (docs/DESIGN.md section 5): a folder with manifest.json and experts.safetensors
// holding `expert.{r}.<tensor>` in PyTorch's names, shapes and layouts. The manifest carries
// the config, seeds, dataset hashes, per-expert accuracy and sha-256 and the tool version, and
// nothing else (no timestamps, host names or paths), so its bytes are reproducible. A bank
// covering experts [start, end) of R is a shard; merging shards gives a single run's bytes.
import { join } from "node:path";
import { encodeSafetensors, decodeSafetensors, type SafetensorsInput } from "../formats/safetensors.js";
import { MoeBankError } from "../errors.js";
import { VERSION } from "../version.js";
import { TENSOR_NAMES, Cnn, geometryOf, geometryText, sameGeometry, type TensorLayout } from "../model/cnn.js";
import type { Core } from "../../bindings/index.js";
import { bankConfigProblem, datasetLabel, refGeometry, type BankConfig, type DatasetRef } from "./config.js";
export type { DatasetRef } from "./config.js";
import { writeFolder, readBytes, readVerified } from "../io/files.js";
import { sha256Hex } from "../io/sha256.js";
import { paramsSha256, type StageExpert } from "./stage.js";

/** The files a bank folder may hold (what bank train, merge and eval write). */
export const BANK_FOLDER_FILE = /^(manifest\.json|experts\.safetensors|(losses|preds)-(train|test)\.npy|eval\.json)$/;


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

/** An expert as a bank folder holds it: index, parameters, test error count and accuracy. */
export type BankExpert = Omit<StageExpert, "sha256">;

/** The safetensors bytes of experts (in index order), tensors `expert.{r}.<name>`. */
export function encodeExperts(experts: BankExpert[], layout: { name: string; offset: number; length: number; shape: number[] }[]): Uint8Array {
  const tensors: SafetensorsInput[] = [];
  for (const e of experts) {
    for (const l of layout) tensors.push({ name: `expert.${e.r}.${l.name}`, dtype: "F32", shape: l.shape, data: e.params.subarray(l.offset, l.offset + l.length) });
  }
  return encodeSafetensors(tensors, { format: "moe-bank/bank", "format_version": "1" });
}

export async function makeManifest(config: BankConfig, dataset: DatasetRef, core: { build: string; sha256: string }, range: { start: number; end: number }, experts: BankExpert[], file: Uint8Array): Promise<Manifest> {
  return {
    format: "moe-bank/bank",
    formatVersion: 1,
    tool: { name: "moe-bank", version: VERSION },
    core,
    dataset,
    config,
    experts: range,
    streams: STREAMS,
    files: { "experts.safetensors": { sha256: await sha256Hex(file), bytes: file.length } },
    perExpert: await Promise.all(experts.map(async (e) => ({ r: e.r, sha256: await paramsSha256(e.params), testAccuracy: e.testAccuracy, testErrors: e.testErrors }))),
  };
}

/** Writes the bank folder whole (bank/files.ts writeFolder): experts.safetensors and
 *  manifest.json of one run (with `extra` files of the same run, e.g. its loss matrices), never
 *  a mix of two; an earlier bank there is replaced. */
export async function writeBank(dir: string, manifest: Manifest, file: Uint8Array, extra: Record<string, Uint8Array> = {}): Promise<void> {
  await writeFolder(dir, { "experts.safetensors": file, "manifest.json": JSON.stringify(manifest, null, 2) + "\n", ...extra });
}

/** A manifest that breaks the schema: one line naming the file and the field. */
export class ManifestError extends MoeBankError {
  override name = "ManifestError";
  constructor(readonly file: string, readonly field: string, readonly problem: string) {
    super(`${file}: ${field ? `${field} ` : ""}${problem}`);
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The one schema check of a bank manifest (parsed JSON): types and ranges of every field the
 *  tools read, and the consistency rules: experts [start, end) inside config.experts; perExpert
 *  holds each r of that range exactly once, in order; accuracies agree with the error counts;
 *  the config passes the same ranges as the command line (bank/config.ts). */
export function validateManifest(m: unknown, file: string): Manifest {
  const fail = (field: string, problem: string): never => {
    throw new ManifestError(file, field, problem);
  };
  const obj = (v: unknown, field: string): Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(field, `must be an object, got ${kind(v)}`);
  const str = (v: unknown, field: string, re?: RegExp): string =>
    typeof v !== "string" ? fail(field, `must be a string, got ${kind(v)}`) : re && !re.test(v) ? fail(field, `must match ${re.source}, got ${JSON.stringify(v.slice(0, 80))}`) : v;
  const int = (v: unknown, field: string, min: number, max: number): number =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : fail(field, `must be an integer in [${min}, ${max}], got ${kind(v)}`);
  const top = obj(m, "");
  if (top.format !== "moe-bank/bank" || top.formatVersion !== 1) {
    fail("", `not a moe-bank bank manifest (format ${JSON.stringify(top.format) ?? "missing"}, version ${JSON.stringify(top.formatVersion) ?? "missing"})`);
  }
  const tool = obj(top.tool, "tool");
  str(tool.name, "tool.name");
  str(tool.version, "tool.version");
  const core = obj(top.core, "core");
  str(core.build, "core.build");
  str(core.sha256, "core.sha256", HEX64);
  const ds = obj(top.dataset, "dataset");
  str(ds.name, "dataset.name");
  str(ds.id, "dataset.id", HEX64);
  const dsh = obj(ds.sha256, "dataset.sha256");
  for (const k of ["trainImages", "trainLabels", "testImages", "testLabels"]) str(dsh[k], `dataset.sha256.${k}`, HEX64);
  const trainCount = int(ds.trainCount, "dataset.trainCount", 1, 0x7fffffff);
  const testCount = int(ds.testCount, "dataset.testCount", 1, 0x7fffffff);
  if (ds.geometry !== undefined) {
    const g = obj(ds.geometry, "dataset.geometry");
    for (const k of ["channels", "height", "width", "classes"]) int(g[k], `dataset.geometry.${k}`, 1, 4096);
  }
  const config = obj(top.config, "config") as unknown as BankConfig;
  obj(config.spec, "config.spec");
  const problem = bankConfigProblem(config, trainCount);
  if (problem) fail(`config.${problem[0]}`, problem[1]);
  // the experts' geometry is the dataset's (a bank's spec follows its data)
  const specGeometry = geometryOf(config.spec);
  const dataGeometry = refGeometry(ds as unknown as DatasetRef);
  if (!sameGeometry(specGeometry, dataGeometry)) fail("config.spec", `takes ${geometryText(specGeometry)}, but its dataset ${datasetLabel(ds as unknown as DatasetRef)} has ${geometryText(dataGeometry)}`);
  const range = obj(top.experts, "experts");
  const start = int(range.start, "experts.start", 0, config.experts - 1);
  const end = int(range.end, "experts.end", start + 1, config.experts);
  obj(top.streams, "streams");
  const files = obj(top.files, "files");
  const ef = obj(files["experts.safetensors"], "files.experts.safetensors");
  str(ef.sha256, "files.experts.safetensors.sha256", HEX64);
  int(ef.bytes, "files.experts.safetensors.bytes", 8, Number.MAX_SAFE_INTEGER);
  if (!Array.isArray(top.perExpert)) fail("perExpert", `must be a list, got ${kind(top.perExpert)}`);
  const per = top.perExpert as unknown[];
  if (per.length !== end - start) fail("perExpert", `has ${per.length} entries for experts ${start}-${end - 1} (${end - start})`);
  per.forEach((e, i) => {
    const f = `perExpert[${i}]`;
    const rec = obj(e, f);
    const r = int(rec.r, `${f}.r`, 0, config.experts - 1);
    if (r !== start + i) fail(`${f}.r`, `is ${r}, expected ${start + i} (each expert of ${start}-${end - 1} once, in order)`);
    str(rec.sha256, `${f}.sha256`, HEX64);
    const errors = int(rec.testErrors, `${f}.testErrors`, 0, testCount);
    if (typeof rec.testAccuracy !== "number" || rec.testAccuracy !== 1 - errors / testCount) {
      fail(`${f}.testAccuracy`, `must be 1 - testErrors / dataset.testCount = ${1 - errors / testCount}, got ${kind(rec.testAccuracy)}`);
    }
  });
  return m as Manifest;
}

function kind(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null || typeof v !== "object") return JSON.stringify(v).slice(0, 80);
  return Array.isArray(v) ? "a list" : "an object";
}

/** Reads and checks a bank's manifest.json: one-line errors naming the file and the field. */
export async function readManifest(dir: string): Promise<Manifest> {
  const mpath = join(dir, "manifest.json");
  return parseManifest(await readBytes(mpath, MANIFEST_MAX_BYTES), mpath);
}

/** The bytes of a manifest.json (read from `mpath`), parsed and checked. */
export function parseManifest(bytes: Uint8Array, mpath: string): Manifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new MoeBankError(`${mpath}: not valid JSON`);
  }
  return validateManifest(parsed, mpath);
}

/** A manifest is a few KB per expert; anything larger is not one. */
const MANIFEST_MAX_BYTES = 64 * 0x100000;

/** Opens a bank folder in a core: its manifest, a Cnn of its spec for the layout, and every
 *  expert verified against the manifest (what bank info, merge and eval all start with). */
export async function openBank(core: Core, dir: string, manifest?: Manifest): Promise<{ manifest: Manifest; experts: BankExpert[]; layout: TensorLayout[]; size: number }> {
  const head = manifest ?? (await readManifest(dir));
  const net = new Cnn(core, head.config.spec);
  try {
    return { ...(await readBank(dir, net.layout, net.size, head)), layout: net.layout, size: net.size };
  } finally {
    net.free();
  }
}

/** Reads a bank folder, verifying the file hash and every expert's hash against the manifest. */
export async function readBank(dir: string, layout: { name: string; offset: number; length: number; shape: number[] }[], size: number, checked?: Manifest): Promise<{ manifest: Manifest; experts: BankExpert[] }> {
  const manifest = checked ?? (await readManifest(dir));
  const mpath = join(dir, "manifest.json");
  const fpath = join(dir, "experts.safetensors");
  const bytes = await readVerified(fpath, manifest.files["experts.safetensors"].sha256, mpath);
  if (bytes.length !== manifest.files["experts.safetensors"].bytes) throw new MoeBankError(`${fpath}: ${bytes.length} bytes, but ${mpath} says ${manifest.files["experts.safetensors"].bytes}`);
  const { tensors } = decodeSafetensors(bytes, fpath);
  const experts: BankExpert[] = [];
  for (const rec of manifest.perExpert) {
    const params = new Float32Array(size);
    for (const l of layout) {
      const name = `expert.${rec.r}.${l.name}`;
      const t = tensors.get(name);
      if (!t) throw new MoeBankError(`${fpath}: has no tensor ${name}, which ${mpath} lists`);
      if (t.dtype !== "F32" || t.shape.length !== l.shape.length || t.shape.some((d, i) => d !== l.shape[i])) {
        throw new MoeBankError(`${fpath}: tensor ${name} is ${t.dtype} [${t.shape.join(", ")}], expected F32 [${l.shape.join(", ")}] (the spec in ${mpath})`);
      }
      params.set(t.data as Float32Array, l.offset);
    }
    if ((await paramsSha256(params)) !== rec.sha256) throw new MoeBankError(`${fpath}: expert ${rec.r}'s parameters do not match the sha-256 in ${mpath}`);
    experts.push({ r: rec.r, params, testAccuracy: rec.testAccuracy, testErrors: rec.testErrors });
  }
  if (TENSOR_NAMES.length * manifest.perExpert.length !== tensors.size) throw new MoeBankError(`${fpath}: ${tensors.size} tensors, but ${mpath} lists ${manifest.perExpert.length} experts (${TENSOR_NAMES.length * manifest.perExpert.length} tensors)`);
  return { manifest, experts };
}
