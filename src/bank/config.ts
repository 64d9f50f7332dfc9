// A bank's configuration (paper Section III-A; docs/DESIGN.md sections 4, 7, 8) and the keys that
// name its outputs. Expert r of a bank is a pure function of (expert config, seed, r, dataset,
// core version): `expertKey` hashes exactly those, so the cache is per expert and a bank shards
// by expert range at no cost.
import { DEFAULT_SPEC, DEFAULT_ADAM, MNIST_GEOMETRY, validateSpec, geometryOf, geometryText, sameGeometry, type CnnSpec, type AdamConfig, type Geometry } from "../model/cnn.js";
import type { HashedSplit } from "../data/idx.js";
import { sha256Hex } from "../io/sha256.js";
import { MoeBankError, UsageError } from "../errors.js";

export type SubsetMode = "distinct" | "bootstrap";

/** Everything an expert depends on, besides its index and the dataset. */
export interface ExpertConfig {
  spec: CnnSpec;
  adam: AdamConfig;
  /** images per expert (paper: 10,000) */
  subsetSize: number;
  /** "distinct": n distinct images, subsets drawn independently per expert (so they overlap);
   *  "bootstrap": n draws with replacement. */
  subset: SubsetMode;
  epochs: number;
  batch: number;
  seed: number;
}

export interface BankConfig extends ExpertConfig {
  /** number of experts R */
  experts: number;
}

export const DEFAULT_BANK: BankConfig = {
  spec: DEFAULT_SPEC,
  adam: DEFAULT_ADAM,
  subsetSize: 10000,
  subset: "distinct",
  epochs: 1,
  batch: 64,
  seed: 0,
  experts: 25,
};

/** The ranges of a bank's settings, declared once: the CLI checks its options against them
 *  (validateBankConfig) and a manifest's config is checked against them (bank/store.ts). */
export const BANK_LIMITS = {
  experts: { min: 1, max: 100000 },
  epochs: { min: 1, max: 1000 },
  batch: { min: 1, max: 65536 },
  subsetSize: { min: 1, max: 0x7fffffff },
  seed: { min: 0, max: Number.MAX_SAFE_INTEGER },
  /** Adam's learning rate: finite, in (0, LR_MAX] (1e309 is Infinity and trains NaNs) */
  lrMax: 10,
} as const;

/** The first problem of a bank config, as [field, what is wrong], or null. `poolSize` bounds a
 *  distinct subset. Fields are the config's own names (config.adam.lr, ...). */
export function bankConfigProblem(c: BankConfig, poolSize: number): [string, string] | null {
  const show = (v: unknown): string => (typeof v === "number" ? String(v) : JSON.stringify(v) ?? "nothing");
  const int = (name: keyof typeof BANK_LIMITS & string, v: unknown, max?: number): [string, string] | null => {
    const lim = BANK_LIMITS[name] as { min: number; max: number };
    const hi = max ?? lim.max;
    return Number.isInteger(v) && (v as number) >= lim.min && (v as number) <= hi ? null : [name, `must be an integer in [${lim.min}, ${hi}], got ${show(v)}`];
  };
  if (c.subset !== "distinct" && c.subset !== "bootstrap") return ["subset", `must be "distinct" or "bootstrap", got ${show(c.subset)}`];
  const p = int("experts", c.experts) ?? int("subsetSize", c.subsetSize, c.subset === "distinct" ? Math.min(poolSize, BANK_LIMITS.subsetSize.max) : undefined) ??
    int("epochs", c.epochs) ?? int("batch", c.batch) ?? int("seed", c.seed);
  if (p) return p;
  const a = c.adam as Partial<AdamConfig> | null;
  if (a === null || typeof a !== "object") return ["adam", "must be an object {lr, beta1, beta2, eps}"];
  const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  if (!num(a.lr) || !(a.lr > 0 && a.lr <= BANK_LIMITS.lrMax)) return ["adam.lr", `must be a finite number in (0, ${BANK_LIMITS.lrMax}], got ${show(a.lr)}`];
  if (!num(a.eps) || !(a.eps > 0)) return ["adam.eps", `must be a finite number > 0, got ${show(a.eps)}`];
  for (const k of ["beta1", "beta2"] as const) if (!num(a[k]) || !(a[k] >= 0 && a[k] < 1)) return [`adam.${k}`, `must be a number in [0, 1), got ${show(a[k])}`];
  try {
    validateSpec(c.spec);
  } catch (e) {
    return ["spec", (e as Error).message.replace(/^cnn spec: /, "")];
  }
  return null;
}

const OPTION_OF: Record<string, string> = {
  experts: "--count (R, the number of experts)", subsetSize: "--subset-size", epochs: "--epochs", batch: "--batch", seed: "--seed", "adam.lr": "--lr",
};

/** Checks a config built from command-line options: a UsageError naming the option. */
export function validateBankConfig(c: BankConfig, poolSize: number): void {
  const p = bankConfigProblem(c, poolSize);
  if (p) throw new UsageError(`${OPTION_OF[p[0]] ?? `bank config ${p[0]}`} ${p[1]}`);
}

/** JSON with object keys sorted at every level: the canonical form that hashes are taken of. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

export function expertConfigOf(c: BankConfig): ExpertConfig {
  const { spec, adam, subsetSize, subset, epochs, batch, seed } = c;
  return { spec, adam, subsetSize, subset, epochs, batch, seed };
}

/** The cache key of expert r: sha-256 over its config, index, dataset id and core hash. */
export async function expertKey(c: ExpertConfig, r: number, datasetId: string, coreSha256: string): Promise<string> {
  const text = canonicalJson({ kind: "expert", config: expertConfigOf({ ...c, experts: 0 }), r, datasetId, coreSha256 });
  return sha256Hex(text);
}

/** The dataset a bank was trained on, as its manifest and the report record it. */
export interface DatasetRef {
  name: string;
  id: string;
  sha256: { trainImages: string; trainLabels: string; testImages: string; testLabels: string };
  trainCount: number;
  testCount: number;
  /** The images' geometry, recorded only when it is not MNIST's 1x28x28 in 10 classes (so every
   *  bank of MNIST-shaped data keeps the bytes it had before the field existed); absent means
   *  MNIST_GEOMETRY (refGeometry). */
  geometry?: Geometry;
}

/** A loaded dataset's record for a manifest or a report. */
export function datasetRef(d: { name: string; id: string; train: HashedSplit; test: HashedSplit }): DatasetRef {
  const g = geometryOf(d.train);
  return {
    name: d.name, id: d.id,
    sha256: { trainImages: d.train.sha256.images, trainLabels: d.train.sha256.labels, testImages: d.test.sha256.images, testLabels: d.test.sha256.labels },
    trainCount: d.train.count, testCount: d.test.count,
    ...(sameGeometry(g, MNIST_GEOMETRY) ? {} : { geometry: g }),
  };
}

/** The geometry of the dataset a ref names (MNIST's when the ref does not record one). */
export function refGeometry(ref: DatasetRef): Geometry {
  return ref.geometry ?? MNIST_GEOMETRY;
}

/** A short name of a dataset for messages: its name and the start of its id. */
export function datasetLabel(d: { name: string; id: string }): string {
  return `"${d.name}" (${d.id.slice(0, 16)}…)`;
}

/** Refuses a bank whose experts' geometry is not the data's, in one line naming both: `bank`
 *  names the bank (a folder, or what is being trained), `dataset` the data (datasetLabel). */
export function checkGeometry(spec: CnnSpec, data: Geometry, bank: string, dataset: string): void {
  const g = geometryOf(spec);
  if (!sameGeometry(g, data)) throw new MoeBankError(`${bank}: the bank's experts take ${geometryText(g)}, but dataset ${dataset} has ${geometryText(data)}`);
}
