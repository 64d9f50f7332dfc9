// A sweep's tasks and its cache of cell results (Node-only: files, worker threads). A task is one
// bank: train it (reusing cached experts), evaluate it (reusing cached blocks), run the cell's
// measurements at each m, and write each cell's result as a content-addressed entry
// <cache>/cells/<key>.json (temp file + fsync + rename, so a killed task leaves either no entry or
// a whole one). A task whose entries are all present and verified does nothing: running it twice
// changes nothing, and a task killed part-way resumes from what the caches hold. No locks: two
// runs of one task write the same bytes under the same name.
import { join, resolve } from "node:path";
import { readFile } from "node:fs/promises";
import { Core } from "../../bindings/index.js";
import { canonicalJson, datasetLabel, datasetRef, type DatasetRef } from "../bank/config.js";
import { blockCache, expertCache } from "../bank/cache.js";
import { writeAtomic } from "../io/files.js";
import { sha256Hex } from "../io/sha256.js";
import { coreSha } from "../bank/run.js";
import { bankStage, measureBank, type BankResults } from "../measurements/reproduction.js";
import type { Hooks } from "../measurements/measurement.js";
import { geometryOf } from "../model/cnn.js";
import { loadDataset, loadNamedDataset, type DatasetName, type LoadedDataset } from "../data/datasets.js";
import { WorkerPool, defaultWorkers } from "../parallel/pool.js";
import type { Progress } from "../bank/bank.js";
import type { SelectionResult } from "../estimators/sweep.js";
import type { BoundsResult } from "../estimators/tighter.js";
import type { RouteJson } from "../routing/json.js";
import { MoeBankError } from "../errors.js";
import { bankConfigOf, cellKey, cellLabel, planCells, protocolOf, type CellCoord, type SweepTask } from "./plan.js";
import { checkSpecAgainstData, type DatasetSource, type SweepSpec } from "./spec.js";

/** What a task reports to and is stopped by: the registry's Hooks. */
export type SweepHooks = Hooks;

/** A cell's results: reproduce's sections for its bank at its m, at full precision (the dataset
 *  and bank sections always; selection, bounds and routing as the spec's measurements ask). */
export interface CellResults {
  dataset: DatasetRef;
  bank: BankResults;
  selection?: SelectionResult;
  bounds?: BoundsResult;
  routing?: RouteJson;
}

/** A cell's cache entry: its key, coordinates, results and the sha-256 of their canonical JSON. */
export interface CellEntry {
  format: "moe-bank/sweep-cell";
  formatVersion: 1;
  key: string;
  /** the cell's coordinates, its dataset by name (the key holds the dataset's id) */
  cell: Omit<CellCoord, "dataset"> & { dataset: string };
  results: CellResults;
  resultsSha256: string;
}

/** A cell read back from the cache. */
export interface CellResult {
  cell: CellCoord;
  key: string;
  results: CellResults;
  resultsSha256: string;
}

/** Loads one dataset source: a named dataset (default place or dataDir) or four IDX files. */
export function loadSource(src: DatasetSource): Promise<LoadedDataset> {
  if ("files" in src) {
    const f = src.files;
    return loadDataset("idx", { train: { images: f.trainImages, labels: f.trainLabels }, test: { images: f.testImages, labels: f.testLabels } });
  }
  return loadNamedDataset(src.name as DatasetName, src.dataDir);
}

/** The datasets of a spec, loaded once, with the checks that need their sizes (m and distinct
 *  subsets within the pool): the last step before any work. */
export async function loadSpecData(spec: SweepSpec): Promise<LoadedDataset[]> {
  const data: LoadedDataset[] = [];
  for (const src of spec.datasets) data.push(await loadSource(src));
  checkSpecAgainstData(spec, data.map((d) => d.train.count), data.map((d) => datasetLabel(d)));
  return data;
}

function entryPath(cache: string, key: string): string {
  return join(resolve(cache), "cells", `${key}.json`);
}

/** Reads and verifies a cell's entry: null when absent; a problem string when it is unusable
 *  (not JSON, another key, results whose hash does not match). */
export async function readCell(cache: string, key: string): Promise<CellEntry | null | { problem: string; path: string }> {
  const path = entryPath(cache, key);
  let bytes: string;
  try {
    bytes = await readFile(path, "utf8");
  } catch {
    return null;
  }
  try {
    const e = JSON.parse(bytes) as CellEntry;
    if (e.format !== "moe-bank/sweep-cell" || e.formatVersion !== 1) throw new Error("not a sweep cell entry");
    if (e.key !== key) throw new Error(`it holds key ${String(e.key).slice(0, 16)}…`);
    const got = await sha256Hex(canonicalJson(e.results));
    if (got !== e.resultsSha256) throw new Error(`its results hash ${got.slice(0, 16)}… does not match the recorded ${String(e.resultsSha256).slice(0, 16)}…`);
    return e;
  } catch (err) {
    return { problem: err instanceof Error ? err.message : String(err), path };
  }
}

function isEntry(x: Awaited<ReturnType<typeof readCell>>): x is CellEntry {
  return x !== null && !("problem" in x);
}

/** The shared context of tasks in one process: the core, its hash, and per dataset a loaded
 *  dataset and (created on first need) a worker pool. close() ends the pools. */
export class TaskContext {
  readonly #pools = new Map<number, WorkerPool>();
  private constructor(readonly core: Core, readonly coreSha256: string, readonly data: LoadedDataset[], readonly workers: number) {}

  static async create(data: LoadedDataset[], workers?: number): Promise<TaskContext> {
    return new TaskContext(await Core.load(), await coreSha(), data, workers ?? (await defaultWorkers()));
  }

  async pool(dataset: number): Promise<WorkerPool> {
    let p = this.#pools.get(dataset);
    if (!p) {
      const d = this.data[dataset]!;
      p = await WorkerPool.create({ workers: this.workers, train: d.train, test: d.test });
      this.#pools.set(dataset, p);
    }
    return p;
  }

  /** Ends the pool of one dataset (the next task on it starts a new one). */
  async release(dataset: number): Promise<void> {
    const p = this.#pools.get(dataset);
    this.#pools.delete(dataset);
    await p?.close();
  }

  async close(): Promise<void> {
    for (const k of [...this.#pools.keys()]) await this.release(k);
  }
}

/** The work of a bank in units for progress: a training image weighs 4, an evaluated image 1
 *  (backward + forward against forward), and each cell's measurements a fixed share. */
function taskUnits(spec: SweepSpec, t: SweepTask, poolCount: number): { train: number; evalN: number; cell: number } {
  const train = 4 * t.bank.R * t.bank.n, evalN = t.bank.R * poolCount;
  return { train, evalN, cell: Math.max(1, Math.round((train + evalN) / (spec.quick ? 8 : 12))) };
}

/** A task's total work units (see runTask's progress). */
export function taskWork(spec: SweepSpec, t: SweepTask, poolCount: number): number {
  const u = taskUnits(spec, t, poolCount);
  return u.train + u.evalN + u.cell * t.ms.length;
}

/**
 * Runs one task: the bank of `task` through the caches, then each of its cells whose entry is not
 * already in the cache (verified), written atomically. Returns how many cells it computed and how
 * many it found. Progress: hooks.progress(done, total, label) in taskWork units.
 */
export async function runTask(spec: SweepSpec, task: SweepTask, opts: { cache: string; ctx: TaskContext; hooks?: SweepHooks; warn?: (s: string) => void }): Promise<{ computed: number; reused: number }> {
  const { ctx, hooks } = opts;
  const data = ctx.data[task.bank.dataset]!;
  const geometry = geometryOf(data.train);
  const warn = opts.warn ?? (() => {});
  const cells = task.ms.map((m) => ({ ...task.bank, m }));
  const keys = await Promise.all(cells.map((c) => cellKey(spec, c, data.id, geometry, ctx.coreSha256)));
  const todo: number[] = [];
  for (let i = 0; i < cells.length; i++) {
    const e = await readCell(opts.cache, keys[i]!);
    if (e !== null && !isEntry(e)) warn(`cache entry ${e.path} of cell ${cellLabel(spec, cells[i]!)} is unusable (${e.problem}); recomputing it`);
    if (!isEntry(e)) todo.push(i);
  }
  const total = taskWork(spec, task, data.train.count);
  if (todo.length === 0) {
    hooks?.progress?.(total, total, "cached");
    return { computed: 0, reused: cells.length };
  }
  const u = taskUnits(spec, task, data.train.count);
  const label = cellLabel(spec, task.bank);
  const onProgress = (p: Progress) => {
    const done = p.stage === "train" ? (u.train * p.images) / Math.max(1, p.imagesTotal) : u.train + (u.evalN * p.images) / Math.max(1, p.imagesTotal);
    hooks?.progress?.(done, total, `${label}: ${p.stage} ${p.done}/${p.total}`);
  };
  const bankConfig = bankConfigOf(task.bank, geometry);
  const caches = { experts: expertCache(resolve(opts.cache), warn), blocks: blockCache(resolve(opts.cache), warn) };
  const pool = await ctx.pool(task.bank.dataset);
  const stage = await bankStage({ pool, data, coreSha256: ctx.coreSha256, caches, onProgress, ...(hooks?.signal ? { signal: hooks.signal } : {}) }, bankConfig);
  const dataset = datasetRef(data);
  let done = u.train + u.evalN + u.cell * (cells.length - todo.length);
  for (const i of todo) {
    const c = cells[i]!;
    hooks?.progress?.(done, total, `${label}: measuring m=${c.m}`);
    const results: CellResults = { dataset, bank: stage.bank, ...(await measureBank(ctx.core, stage.mats, protocolOf(spec, c.m), { hooks: hooks?.signal ? { signal: hooks.signal } : {}, only: spec.measurements })) };
    const entry: CellEntry = { format: "moe-bank/sweep-cell", formatVersion: 1, key: keys[i]!, cell: { ...c, dataset: data.name }, results, resultsSha256: await sha256Hex(canonicalJson(results)) };
    await writeAtomic(entryPath(opts.cache, keys[i]!), JSON.stringify(entry) + "\n");
    done += u.cell;
    hooks?.progress?.(done, total, `${label}: m=${c.m} done`);
  }
  return { computed: todo.length, reused: cells.length - todo.length };
}

/** What the cache holds of a sweep: the cells present and verified (plan order), the missing
 *  ones, and the unusable ones (which entry, why). */
export interface Collected {
  cells: CellResult[];
  missing: { cell: CellCoord; key: string; path: string }[];
  corrupt: { cell: CellCoord; key: string; path: string; problem: string }[];
}

/** Reads every cell of the spec from the cache. `coreSha256` defaults to this build's core. */
export async function collect(spec: SweepSpec, cache: string, opts: { data: LoadedDataset[]; coreSha256?: string }): Promise<Collected> {
  const csha = opts.coreSha256 ?? (await coreSha());
  const out: Collected = { cells: [], missing: [], corrupt: [] };
  for (const c of planCells(spec)) {
    const d = opts.data[c.dataset];
    if (!d) throw new MoeBankError(`the sweep names dataset ${c.dataset} but ${opts.data.length} were loaded`);
    const key = await cellKey(spec, c, d.id, geometryOf(d.train), csha);
    const e = await readCell(cache, key);
    if (e === null) out.missing.push({ cell: c, key, path: entryPath(cache, key) });
    else if (!isEntry(e)) out.corrupt.push({ cell: c, key, path: e.path, problem: e.problem });
    else out.cells.push({ cell: c, key, results: e.results, resultsSha256: e.resultsSha256 });
  }
  return out;
}
