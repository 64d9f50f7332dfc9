// A sweep's plan: its cells (one bank x one sample size m), its tasks (one per bank: train,
// evaluate, measure every m of that bank) and the content-addressed key of each cell's result.
// Pure functions of the spec (and, for keys, of the dataset's id and the core's hash), so a plan
// made on one machine names the same tasks and entries on another.
import { DEFAULT_BANK, canonicalJson, type BankConfig, type SubsetMode } from "../bank/config.js";
import { sha256Hex } from "../io/sha256.js";
import { specFor, type Geometry } from "../model/cnn.js";
import { VERSION } from "../version.js";
import type { Protocol } from "../measurements/reproduction.js";
import type { SweepSpec } from "./spec.js";

/** One bank of the sweep: dataset (its index in spec.datasets), subset reading, n, R, bank seed. */
export interface BankCoord {
  dataset: number;
  subset: SubsetMode;
  n: number;
  R: number;
  seed: number;
}

/** One cell: a bank and the sample size m of its measurements. */
export interface CellCoord extends BankCoord {
  m: number;
}

/** One unit of work that runs alone: train (or reuse) a bank, evaluate it, measure each m. */
export interface SweepTask {
  /** 0-based, in plan order */
  index: number;
  bank: BankCoord;
  ms: number[];
}

/** The format of a cell's cache entry; a change to what a cell holds bumps it (new keys). */
export const CELL_SCHEMA = 1;

/** The banks of a spec in plan order: dataset, subset reading, n, R, then bank seed (a
 *  configuration's seeds are neighbours). */
export function planBanks(spec: SweepSpec): BankCoord[] {
  const out: BankCoord[] = [];
  spec.datasets.forEach((_, dataset) => {
    for (const subset of spec.subsets) for (const n of spec.subsetSizes) for (const R of spec.counts) for (const seed of spec.seeds) out.push({ dataset, subset, n, R, seed });
  });
  return out;
}

/** One task per bank, each measuring every m of the spec. */
export function planTasks(spec: SweepSpec): SweepTask[] {
  return planBanks(spec).map((bank, index) => ({ index, bank, ms: [...spec.ms] }));
}

/** Every cell in plan order (task by task, m in the spec's order). */
export function planCells(spec: SweepSpec): CellCoord[] {
  return planBanks(spec).flatMap((b) => spec.ms.map((m) => ({ ...b, m })));
}

/** A cell's name for messages and file names: "mnist R=25 n=10000 distinct seed=3 m=256". */
export function cellLabel(spec: SweepSpec, c: CellCoord | BankCoord): string {
  const ds = spec.datasets[c.dataset]!;
  return `${ds.name} R=${c.R} n=${c.n} ${c.subset} seed=${c.seed}${"m" in c ? ` m=${c.m}` : ""}`;
}

/** The position of a cell in plan order (for sorting results whatever order they ran in), or -1. */
export function cellIndex(spec: SweepSpec, c: CellCoord): number {
  const b = spec.subsets.indexOf(c.subset), n = spec.subsetSizes.indexOf(c.n), R = spec.counts.indexOf(c.R), s = spec.seeds.indexOf(c.seed), m = spec.ms.indexOf(c.m);
  if (c.dataset < 0 || c.dataset >= spec.datasets.length || [b, n, R, s, m].includes(-1)) return -1;
  return (((((c.dataset * spec.subsets.length + b) * spec.subsetSizes.length + n) * spec.counts.length + R) * spec.seeds.length + s) * spec.ms.length) + m;
}

/** The bank's configuration: reproduce's (DEFAULT_BANK, the experts' spec following the data)
 *  with the cell's R, n, subset reading and seed, so seed s of a default sweep is the bank of
 *  `reproduce --seed s`. */
export function bankConfigOf(b: BankCoord, geometry: Geometry): BankConfig {
  return { ...DEFAULT_BANK, spec: specFor(geometry), experts: b.R, subsetSize: b.n, subset: b.subset, seed: b.seed };
}

/** The protocol of a cell's measurements: the spec's M, bootstrap and bounds' runs, the Monte
 *  Carlo seed (the same for every bank) and the cell's m. With the defaults and m = 256 this is
 *  reproduce's pipelineConfig (seed = the MC seed). */
export function protocolOf(spec: SweepSpec, m: number): Protocol & { m: number } {
  return { M: spec.runs, bootstrap: spec.bootstrap, seed: spec.mcSeed, boundsM: spec.boundsRuns, m };
}

/** The cache key of a cell's result: sha-256 over everything it is a function of (the bank's
 *  config, the dataset's id, the core's hash, the protocol, the measurements, the tool's version
 *  and the entry's schema). */
export async function cellKey(spec: SweepSpec, c: CellCoord, datasetId: string, geometry: Geometry, coreSha256: string): Promise<string> {
  const text = canonicalJson({
    kind: "sweep-cell", schema: CELL_SCHEMA, tool: VERSION, bank: bankConfigOf(c, geometry), datasetId, coreSha256,
    protocol: protocolOf(spec, c.m), measurements: spec.measurements,
  });
  return sha256Hex(text);
}
