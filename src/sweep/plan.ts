// A sweep's plan: its cells (one bank x one sample size m), its tasks (one per bank: train,
// evaluate, measure every m of that bank) and the content-addressed key of each cell's result.
// Pure functions of the spec (and, for keys, of the dataset's id and the core's hash), so a plan
// made on one machine names the same tasks and entries on another.
import { DEFAULT_BANK, canonicalJson, type BankConfig, type SubsetMode } from "../bank/config.js";
import { sha256Hex } from "../io/sha256.js";
import { DEFAULT_SPEC, parseConvWidths, specFor, type Geometry } from "../model/cnn.js";
import { VERSION } from "../version.js";
import type { Protocol } from "../measurements/reproduction.js";
import { banksMeasurement, specOptions, type SweepSpec } from "./spec.js";
import { banksEntry } from "./banks.js";

/** One bank of the sweep: dataset (its index in spec.datasets), subset reading, n, R, bank seed,
 *  and the experts' conv1/conv2 widths when the spec has that axis ("16/32"; absent: the paper's). */
export interface BankCoord {
  dataset: number;
  subset: SubsetMode;
  n: number;
  R: number;
  seed: number;
  width?: string;
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

/** The banks of a spec in plan order: dataset, subset reading, n, R, width, then bank seed (a
 *  configuration's seeds are neighbours). A measurement over banks (grid, scaling) names its own
 *  banks from the spec's axes (its perBank.banks, in its order), for each dataset, subset reading
 *  and bank seed. */
export function planBanks(spec: SweepSpec): BankCoord[] {
  const out: BankCoord[] = [];
  const name = banksMeasurement(spec);
  const needs = name === null ? null : banksEntry(name)!.perBank.banks(specOptions(spec));
  const widths: (string | undefined)[] = spec.widths ?? [undefined];
  spec.datasets.forEach((_, dataset) => {
    for (const subset of spec.subsets) {
      if (needs !== null) {
        for (const seed of spec.seeds) for (const b of needs) out.push({ dataset, subset, n: b.n, R: b.R, seed, ...(b.width !== undefined ? { width: b.width } : {}) });
        continue;
      }
      for (const n of spec.subsetSizes) for (const R of spec.counts) for (const width of widths) for (const seed of spec.seeds) out.push({ dataset, subset, n, R, seed, ...(width !== undefined ? { width } : {}) });
    }
  });
  return out;
}

/** The sample sizes m of each bank's cells: the spec's (a measurement over banks: its first, one
 *  cell per bank; scaling does not use it). */
function cellMs(spec: SweepSpec): number[] {
  return banksMeasurement(spec) === null ? [...spec.ms] : [spec.ms[0]!];
}

/** One task per bank, each measuring every m of the spec. */
export function planTasks(spec: SweepSpec): SweepTask[] {
  return planBanks(spec).map((bank, index) => ({ index, bank, ms: cellMs(spec) }));
}

/** Every cell in plan order (task by task, m in the spec's order). */
export function planCells(spec: SweepSpec): CellCoord[] {
  return planBanks(spec).flatMap((b) => cellMs(spec).map((m) => ({ ...b, m })));
}

/** A cell's name for messages and file names: "mnist R=25 n=10000 distinct seed=3 m=256". */
export function cellLabel(spec: SweepSpec, c: CellCoord | BankCoord): string {
  const ds = spec.datasets[c.dataset]!;
  return `${ds.name} R=${c.R} n=${c.n}${c.width !== undefined ? ` widths=${c.width}` : ""} ${c.subset} seed=${c.seed}${"m" in c && banksMeasurement(spec) === null ? ` m=${c.m}` : ""}`;
}

/** The position of each cell in plan order (for sorting results whatever order they ran in):
 *  index(c) is -1 for a cell not in the plan. */
export function cellIndexer(spec: SweepSpec): (c: CellCoord) => number {
  const at = new Map(planCells(spec).map((c, i) => [canonicalJson(c), i]));
  return (c) => at.get(canonicalJson(c)) ?? -1;
}

/** The bank's configuration: reproduce's (DEFAULT_BANK, the experts' spec following the data)
 *  with the cell's R, n, subset reading and seed, so seed s of a default sweep is the bank of
 *  `reproduce --seed s`. */
export function bankConfigOf(b: BankCoord, geometry: Geometry): BankConfig {
  const spec = b.width === undefined ? specFor(geometry) : specFor(geometry, { ...DEFAULT_SPEC, ...parseConvWidths(b.width) });
  return { ...DEFAULT_BANK, spec, experts: b.R, subsetSize: b.n, subset: b.subset, seed: b.seed };
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
export async function cellKey(spec: SweepSpec, c: CellCoord, datasetId: string, geometry: Geometry, coreSha256: string, folder?: FolderBank): Promise<string> {
  const name = banksMeasurement(spec);
  if (name === null) {
    return sha256Hex(canonicalJson({
      kind: "sweep-cell", schema: CELL_SCHEMA, tool: VERSION, bank: bankConfigOf(c, geometry), datasetId, coreSha256,
      protocol: protocolOf(spec, c.m), measurements: spec.measurements,
    }));
  }
  // a measurement over banks: its bank (trained: its config; a folder: its losses' hashes and R),
  // and the options its cell depends on
  const bank = folder ? { folder: folder.sha256, R: c.R } : bankConfigOf(c, geometry);
  const need = { n: c.n, R: c.R, ...(c.width !== undefined ? { width: c.width } : {}) };
  return sha256Hex(canonicalJson({
    kind: "sweep-cell", schema: CELL_SCHEMA, tool: VERSION, bank, datasetId, coreSha256,
    measurement: name, options: banksEntry(name)!.perBank.cellOptions(specOptions(spec), need),
  }));
}

/** A grid bank read from a folder (spec.bankDirs): the sha-256 of its two loss files. */
export interface FolderBank {
  dir: string;
  sha256: { train: string; test: string };
}
