// A sweep's spec: the axes of its grid of cells (bank seed, R, subset size n, subset reading,
// dataset, sample size m), the Monte Carlo seed that fixes the protocol's streams, the
// measurements each cell runs and the protocol's sizes. Written as command-line options or as a
// JSON file with the same names; both go through one normalisation, so every bad spec (an
// unknown axis, an empty range, a malformed list or file) is one UsageError line before any work.
// The command reads a spec file and passes its text here.
import { DEFAULT_BANK, type SubsetMode } from "../bank/config.js";
import { DATASETS } from "../data/datasets.js";
import { UsageError } from "../errors.js";
import { SAMPLE_SIZE_MAX } from "../estimators/draws.js";
import { RUNS_MAX } from "../measurements/checks.js";
import { REPORT_MEASUREMENT_NAMES } from "../measurements/reproduction.js";
import { parseList } from "../measurements/checks.js";
export { parseList };

/** The measurements a cell can run: the registry's entries of reproduce's sections (the selection
 *  sweep over alpha with Tables I and II, the routing curve D(rho), the tighter bounds). */
export const SWEEP_MEASUREMENTS: readonly string[] = REPORT_MEASUREMENT_NAMES;
export type SweepMeasurement = string;

/** Where a dataset's files come from: a named dataset (from its default place or `dataDir`), or
 *  four IDX files of one's own (`name` "idx"). */
export type DatasetSource =
  | { name: string; dataDir?: string }
  | { name: "idx"; files: { trainImages: string; trainLabels: string; testImages: string; testLabels: string } };

export interface SweepSpec {
  /** each cell uses reproduce --quick's configuration (R = 5, n = 3,000, M = 100) by default */
  quick: boolean;
  /** bank seeds: cell s differs from cell 0 by its bank alone */
  seeds: number[];
  /** bank sizes R */
  counts: number[];
  /** training images per expert n */
  subsetSizes: number[];
  /** subset readings: n distinct images per expert, or n draws with replacement */
  subsets: SubsetMode[];
  datasets: DatasetSource[];
  /** sample sizes m of the selection and the bounds */
  ms: number[];
  /** the seed of every Monte Carlo stream (samples, alpha-draws, bootstrap), the same in every cell */
  mcSeed: number;
  measurements: SweepMeasurement[];
  /** Monte Carlo runs M of the selection, its bootstrap resamples, and the bounds' runs */
  runs: number;
  bootstrap: number;
  boundsRuns: number;
}

/** The spec's keys, in the order they are documented and written. */
export const SPEC_KEYS = ["quick", "seeds", "counts", "subsetSizes", "subsets", "datasets", "ms", "mcSeed", "measurements", "runs", "bootstrap", "boundsRuns"] as const;

/** How each key is written on the command line (for messages). */
export const SPEC_OPTIONS: Record<(typeof SPEC_KEYS)[number], string> = {
  quick: "--quick", seeds: "--seeds", counts: "--count", subsetSizes: "--subset-size", subsets: "--subset", datasets: "--dataset", ms: "-m",
  mcSeed: "--mc-seed", measurements: "--measure", runs: "--runs", bootstrap: "--bootstrap", boundsRuns: "--bounds-runs",
};

/** The defaults: reproduce's configuration (the paper's, or --quick's), seeds 0-9 (quick: 0-1). */
export function defaultSpec(quick: boolean): SweepSpec {
  return {
    quick,
    seeds: quick ? [0, 1] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    counts: [quick ? 5 : DEFAULT_BANK.experts],
    subsetSizes: [quick ? 3000 : DEFAULT_BANK.subsetSize],
    subsets: [DEFAULT_BANK.subset],
    datasets: [{ name: "mnist" }],
    ms: [256],
    mcSeed: 0,
    measurements: [...SWEEP_MEASUREMENTS],
    runs: quick ? 100 : 300,
    bootstrap: quick ? 200 : 1000,
    boundsRuns: quick ? 10_000 : 100_000,
  };
}

const show = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));

/** parseList of integers, each in [lo, hi], without repeats (a repeated value would be a
 *  repeated cell). */
function intList(where: string, v: unknown, lo: number, hi: number): number[] {
  const xs = parseList(where, v, "int") as number[];
  for (const x of xs) if (x < lo || x > hi) throw new UsageError(`${where}: ${x} is outside [${lo}, ${hi}]`);
  return unique(where, xs);
}

function unique<T>(where: string, xs: T[]): T[] {
  const seen = new Set<string>();
  for (const x of xs) {
    const k = JSON.stringify(x);
    if (seen.has(k)) throw new UsageError(`${where}: ${k} is given twice`);
    seen.add(k);
  }
  return xs;
}

function oneInt(where: string, v: unknown, lo: number, hi: number): number {
  const x = typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof x !== "number" || !Number.isSafeInteger(x) || x < lo || x > hi) throw new UsageError(`${where} must be an integer in [${lo}, ${hi}], got ${show(v)}`);
  return x;
}

function datasetSources(where: string, v: unknown): DatasetSource[] {
  const items = Array.isArray(v) ? v : [v];
  const out: DatasetSource[] = [];
  for (const item of items) {
    if (typeof item === "string") {
      for (const name of parseList(where, item, "string") as string[]) {
        if (!(DATASETS as readonly string[]).includes(name)) throw new UsageError(`${where}: unknown dataset ${show(name)} (known: ${DATASETS.join(", ")})`);
        out.push({ name });
      }
      continue;
    }
    if (item === null || typeof item !== "object") throw new UsageError(`${where}: expected dataset names or {"name": ..., "dataDir": ...} / {"name": "idx", "files": {...}}, got ${show(item)}`);
    const o = item as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => !["name", "dataDir", "files"].includes(k));
    if (extra.length) throw new UsageError(`${where}: a dataset has the unknown key ${show(extra[0])} (keys: name, dataDir, files)`);
    if (o.name === "idx") {
      const f = o.files as Record<string, unknown> | undefined;
      const keys = ["trainImages", "trainLabels", "testImages", "testLabels"] as const;
      if (f === null || typeof f !== "object" || keys.some((k) => typeof f[k] !== "string" || f[k] === "") || Object.keys(f).length !== 4) {
        throw new UsageError(`${where}: an "idx" dataset needs "files": {${keys.map((k) => `"${k}": PATH`).join(", ")}}`);
      }
      if (o.dataDir !== undefined) throw new UsageError(`${where}: an "idx" dataset names its four files; "dataDir" has no use there`);
      out.push({ name: "idx", files: { trainImages: f.trainImages as string, trainLabels: f.trainLabels as string, testImages: f.testImages as string, testLabels: f.testLabels as string } });
      continue;
    }
    if (typeof o.name !== "string" || !(DATASETS as readonly string[]).includes(o.name)) throw new UsageError(`${where}: unknown dataset ${show(o.name)} (known: ${DATASETS.join(", ")}, or "idx" with its files)`);
    if (o.files !== undefined) throw new UsageError(`${where}: "files" belongs to a dataset named "idx"`);
    if (o.dataDir !== undefined && (typeof o.dataDir !== "string" || o.dataDir === "")) throw new UsageError(`${where}: "dataDir" must name a folder`);
    out.push({ name: o.name, ...(o.dataDir !== undefined ? { dataDir: o.dataDir as string } : {}) });
  }
  if (out.length === 0) throw new UsageError(`${where}: the list is empty`);
  return unique(where, out);
}

/**
 * A spec from raw values: a JSON object (`where` = the file) or the command line's options under
 * the same keys (`where` = null: messages name the options). Keys left out take defaultSpec's
 * values (of `quick`). Every problem is one UsageError line naming the key and the value.
 */
export function normalizeSpec(raw: Record<string, unknown>, where: string | null): SweepSpec {
  const at = (k: (typeof SPEC_KEYS)[number]) => (where === null ? SPEC_OPTIONS[k] : `${where}: "${k}"`);
  for (const k of Object.keys(raw)) {
    if (!(SPEC_KEYS as readonly string[]).includes(k)) {
      throw new UsageError(`${where ?? "sweep"}: unknown axis or setting ${show(k)} (known: ${SPEC_KEYS.join(", ")})`);
    }
  }
  const has = (k: string) => raw[k] !== undefined;
  if (has("quick") && typeof raw.quick !== "boolean") throw new UsageError(`${at("quick")} must be true or false, got ${show(raw.quick)}`);
  const d = defaultSpec(raw.quick === true);
  const spec: SweepSpec = {
    quick: d.quick,
    seeds: has("seeds") ? intList(at("seeds"), raw.seeds, 0, Number.MAX_SAFE_INTEGER) : d.seeds,
    counts: has("counts") ? intList(at("counts"), raw.counts, 2, 100000) : d.counts,
    subsetSizes: has("subsetSizes") ? intList(at("subsetSizes"), raw.subsetSizes, 1, 0x7fffffff) : d.subsetSizes,
    subsets: has("subsets") ? unique(at("subsets"), (parseList(at("subsets"), raw.subsets, "string") as string[]).map((s) => {
      if (s !== "distinct" && s !== "bootstrap") throw new UsageError(`${at("subsets")}: ${show(s)} is not a subset reading (distinct or bootstrap)`);
      return s as SubsetMode;
    })) : d.subsets,
    datasets: has("datasets") ? datasetSources(at("datasets"), raw.datasets) : d.datasets,
    ms: has("ms") ? intList(at("ms"), raw.ms, 1, SAMPLE_SIZE_MAX) : d.ms,
    mcSeed: has("mcSeed") ? oneInt(at("mcSeed"), raw.mcSeed, 0, Number.MAX_SAFE_INTEGER) : d.mcSeed,
    measurements: has("measurements") ? unique(at("measurements"), (parseList(at("measurements"), raw.measurements, "string") as string[]).map((s) => {
      if (!(SWEEP_MEASUREMENTS as readonly string[]).includes(s)) throw new UsageError(`${at("measurements")}: unknown measurement ${show(s)} (known: ${SWEEP_MEASUREMENTS.join(", ")})`);
      return s as SweepMeasurement;
    })) : d.measurements,
    runs: has("runs") ? oneInt(at("runs"), raw.runs, 2, RUNS_MAX) : d.runs,
    bootstrap: has("bootstrap") ? oneInt(at("bootstrap"), raw.bootstrap, 0, 1_000_000) : d.bootstrap,
    boundsRuns: has("boundsRuns") ? oneInt(at("boundsRuns"), raw.boundsRuns, 2, RUNS_MAX) : d.boundsRuns,
  };
  // keep the measurements in their canonical order: the cell's results do not depend on how they were listed
  spec.measurements = SWEEP_MEASUREMENTS.filter((m) => spec.measurements.includes(m));
  return spec;
}

/** A spec from a JSON file's text (`file` names it in messages): malformed JSON or anything but
 *  an object is one UsageError line. */
export function specFromJson(text: string, file: string): SweepSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new UsageError(`${file}: a sweep spec is a JSON object of axes (${SPEC_KEYS.join(", ")})`);
  return normalizeSpec(raw as Record<string, unknown>, file);
}

/** The checks that need the datasets' sizes (after loading them, before any training): each
 *  m and each distinct subset fit the training pool. `pools[i]` is dataset i's training count. */
export function checkSpecAgainstData(spec: SweepSpec, pools: number[], labels: string[]): void {
  spec.datasets.forEach((_, i) => {
    const N = pools[i]!;
    for (const m of spec.ms) if (m > N) throw new UsageError(`-m ${m} is larger than the training pool of ${labels[i]} (${N} images)`);
    if (spec.subsets.includes("distinct")) for (const n of spec.subsetSizes) if (n > N) throw new UsageError(`--subset-size ${n} is larger than the training pool of ${labels[i]} (${N} images), which distinct subsets draw from`);
  });
}
