// A sweep's aggregate: a pure function of its cells' results (sorted into plan order first, so it
// depends neither on the order in which cells ran nor on the worker count). Per configuration
// (dataset, subset reading, n, R, m) across bank seeds: mean, standard deviation, min and max of
// every number of Tables I and II (both readings), the bounds, D(rho) and the least rate, with the
// per-seed values kept; the paper's printed numbers placed against that distribution (z-score,
// inside the seeds' range); and per (dataset, subset, n, R) with two or more m, the gaps and
// bounds against m with fitted power-law slopes beside the theory's -1/2.
// Sums in index order, only + - * / and sqrt here; logs for the slopes are the core's (fit.ts).
import type { DetMath } from "../math.js";
import { canonicalJson, type DatasetRef } from "../bank/config.js";
import { sha256Hex } from "../io/sha256.js";
import { fitPowerLaw } from "../fit.js";
import { PAPER_TABLE_I, PAPER_TABLE_II } from "../estimators/paper.js";
import { cellIndexer, planCells, type CellCoord } from "./plan.js";
import type { CellResult, CellResults } from "./task.js";
import type { SweepSpec } from "./spec.js";
import { MoeBankError } from "../errors.js";

/** A number across the seeds of one configuration: the values in seed order and their summary
 *  (sd: the sample standard deviation, n - 1; null for one seed). */
export interface SeedStat {
  values: number[];
  mean: number;
  sd: number | null;
  min: number;
  max: number;
}

export function seedStat(values: number[]): SeedStat {
  const n = values.length;
  let min = values[0]!, max = values[0]!;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // Seeds that agree exactly have that value as mean and sd 0 (a rounded sum / n may miss it by
  // an ulp, and an sd of 1e-18 would print a z-score for a number no seed moves); otherwise the
  // mean, kept inside [min, max] where rounding would push it out.
  if (min === max) return { values: [...values], mean: min, sd: n > 1 ? 0 : null, min, max };
  let s = 0;
  for (const v of values) s += v;
  const mean = Math.min(max, Math.max(min, s / n));
  let q = 0;
  for (const v of values) q += (v - mean) * (v - mean);
  return { values: [...values], mean, sd: n > 1 ? Math.sqrt(q / (n - 1)) : null, min, max };
}

/** Whether the seeds' spread is that of the doubles' rounding, not of the banks: an sd of at most
 *  4 ulps of the values' magnitude (H(W|S) of two banks may differ in its last bit; its z-score
 *  would then be 1e16). Such seeds agree, and get no z-score. */
export function withinRounding(st: SeedStat): boolean {
  return st.sd !== null && st.sd <= 4 * Number.EPSILON * Math.max(Math.abs(st.min), Math.abs(st.max));
}

/** One named number of a cell: `id` is stable (the JSON key), `label` what the report prints. */
export interface MetricDef {
  id: string;
  label: string;
  group: "bank" | "table" | "bounds" | "routing";
}

const READINGS = [["paper", "paper's reading"], ["pool", "reading (c)"]] as const;

/** Every number the aggregate keeps of a cell, in report order (null where a cell lacks it). */
export function cellMetrics(r: CellResults): { def: MetricDef; value: number | null }[] {
  const out: { def: MetricDef; value: number | null }[] = [];
  const add = (id: string, label: string, group: MetricDef["group"], value: number | null | undefined) => out.push({ def: { id, label, group }, value: value ?? null });
  const b = r.bank;
  const acc = [...b.testAccuracy].sort((x, y) => x - y);
  add("bank.testAccuracy.min", "expert test accuracy, min", "bank", acc[0]);
  add("bank.testAccuracy.median", "expert test accuracy, median", "bank", acc[acc.length >> 1]);
  add("bank.testAccuracy.max", "expert test accuracy, max", "bank", acc[acc.length - 1]);
  add("bank.disagreement.median", "pairwise test disagreement, median", "bank", b.disagreement.median);
  add("bank.oracleTestError", "oracle test error", "bank", b.oracleTestError);
  const s = r.selection;
  if (s) {
    add("selection.bUB", "B_UB = sqrt(log R/(2m)) (eq. 22)", "table", s.bUB);
    for (const [rd, name] of READINGS) {
      const x = s.readings[rd];
      add(`selection.${rd}.hRstar`, `H(r*) (${name})`, "table", x.hRstar);
      add(`selection.${rd}.K`, `distinct r* K (${name})`, "table", x.K);
      add(`selection.${rd}.ties`, `tie share (${name})`, "table", x.ties.share);
      const g = rd === "paper" ? "G" : "G_pool";
      const ref = rd === "paper" ? "R_test" : "R_pool";
      for (const a of x.alphas) {
        const p = `selection.${rd}.alpha=${a.alpha}`;
        const at = ` at alpha = ${a.alpha} (${name})`;
        add(`${p}.hW`, `H(W)${at}`, "table", a.hW);
        add(`${p}.hWgS`, `H(W|S)${at}`, "table", a.hWgS);
        add(`${p}.I`, `I(S;W)${at}`, "table", a.I.value);
        add(`${p}.I.lo`, `I(S;W) 95% CI low${at}`, "table", a.I.ci?.lo);
        add(`${p}.I.hi`, `I(S;W) 95% CI high${at}`, "table", a.I.ci?.hi);
        add(`${p}.iDelta`, `I + delta-method term${at}`, "table", a.iCorrected.delta);
        add(`${p}.iMillerMadow`, `I + (K-1)/(2M)${at}`, "table", a.iCorrected.millerMadow);
        add(`${p}.biasPaper`, `bias term (R-1)/(2M)${at}`, "table", a.corrections.paper);
        add(`${p}.bMI1`, `sqrt(2I/m) (sigma = 1)${at}`, "table", a.bMI.sigma1.value);
        add(`${p}.bMIHalf`, `sqrt(I/(2m)) (sigma = 1/2)${at}`, "table", a.bMI.sigmaHalf.value);
        add(`${p}.rTrain`, `R_train${at}`, "table", a.rTrain.value);
        add(`${p}.rRef`, `${ref}${at}`, "table", a.rRef.value);
        add(`${p}.g`, `${g}${at}`, "table", a.g.value);
        add(`${p}.gAbs`, `${g}_abs${at}`, "table", a.gAbs.value);
      }
    }
  }
  const bd = r.bounds;
  if (bd) {
    for (const a of bd.alphas) {
      const p = `bounds.alpha=${a.alpha}`;
      const at = ` at alpha = ${a.alpha}`;
      add(`${p}.gPaper`, `G (M = ${bd.config.M})${at}`, "bounds", a.gaps.paper.g.value);
      add(`${p}.gPool`, `G_pool (M = ${bd.config.M})${at}`, "bounds", a.gaps.pool.g.value);
      add(`${p}.gAbsPaper`, `G_abs${at}`, "bounds", a.gaps.paper.gAbs.value);
      add(`${p}.gAbsPool`, `G_pool_abs${at}`, "bounds", a.gaps.pool.gAbs.value);
      add(`${p}.xr1`, `Xu-Raginsky, sigma = 1${at}`, "bounds", a.bounds.xr.sigma1.value);
      add(`${p}.xrHalf`, `Xu-Raginsky, sigma = 1/2${at}`, "bounds", a.bounds.xr.sigmaHalf.value);
      add(`${p}.ismi1`, `individual-sample MI, sigma = 1${at}`, "bounds", a.bounds.ismi.sigma1.value);
      add(`${p}.ismiHalf`, `individual-sample MI, sigma = 1/2${at}`, "bounds", a.bounds.ismi.sigmaHalf.value);
      add(`${p}.cmi`, `conditional MI${at}`, "bounds", a.bounds.cmi.value);
      add(`${p}.pacBayes`, `PAC-Bayes-kl gap bound (mean)${at}`, "bounds", a.bounds.pacBayes.meanGapBound);
      add(`${p}.union`, `union bound${at}`, "bounds", a.bounds.union);
      add(`${p}.testSet`, `test-set bound${at}`, "bounds", a.bounds.testSet.value);
    }
  }
  const rt = r.routing;
  if (rt) {
    for (const x of rt.rho) add(`routing.D(rho=${x.rho})`, `D(rho = ${x.rho} nats)`, "routing", x.distortion);
    add("routing.leastRate", "least rate attaining the oracle error (nats)", "routing", rt.ends.leastRate);
    add("routing.oracleError", "oracle error (routing rows)", "routing", rt.ends.oracleError);
    add("routing.bestError", "best single expert's error (routing rows)", "routing", rt.ends.bestError);
  }
  return out;
}

/** A configuration of the sweep: every axis but the bank seed. */
export interface ConfigKey {
  dataset: string;
  datasetId: string;
  subset: string;
  n: number;
  R: number;
  /** the experts' widths, when the sweep has that axis */
  width?: string;
  m: number;
}

export interface MetricStat extends MetricDef {
  stat: SeedStat | null;
}

/** One of the paper's printed numbers against the seeds' distribution. */
export interface Verdict {
  source: "Table I" | "Table II" | "Section IV-A";
  quantity: string;
  metric: string;
  paper: number;
  /** the paper's number as printed (Tables I and II: 4 decimals) */
  printed: string;
  /** half a unit of the paper's last printed digit: the printed value stands for paper +- this */
  printedHalfUnit: number;
  mean: number;
  sd: number | null;
  min: number;
  max: number;
  /** (paper - mean) / sd; null when the seeds agree (sd 0, or within rounding: withinRounding) or
   *  there is one seed */
  z: number | null;
  /** paper within [min - printedHalfUnit, max + printedHalfUnit] */
  inside: boolean;
}

export interface ConfigAggregate {
  config: ConfigKey;
  seeds: number[];
  /** each seed's cell: the sha-256 of its results (its cache key names the core build, so it is
   *  kept out of the results: report.json's run.cellKeys) */
  cells: { seed: number; resultsSha256: string }[];
  metrics: MetricStat[];
  /** whether this is the paper's configuration (MNIST, R = 25, m = 256, M = 300, n = 10,000 distinct) */
  paperConfig: boolean;
  verdicts: Verdict[];
}

/** One quantity against m: the seeds' mean at each m, its fitted power law (slope = -b) and the
 *  per-seed slopes' summary. */
export interface ScalingLine {
  quantity: string;
  label: string;
  /** mean over seeds at each m (|G| for signed gaps) */
  mean: number[];
  lo: number[];
  hi: number[];
  slope: number | null;
  r2: number | null;
  /** why there is no slope (fewer than 2 positive points) */
  reason: string | null;
  seedSlopes: SeedStat | null;
}

export interface ScalingAggregate {
  family: Omit<ConfigKey, "m">;
  ms: number[];
  source: "bounds" | "selection";
  alphas: { alpha: number; lines: ScalingLine[] }[];
}

export interface SweepResults {
  format: "moe-bank/sweep";
  formatVersion: 1;
  /** the spec as run, its datasets by name and id (no paths) */
  spec: Omit<SweepSpec, "datasets"> & { datasets: DatasetRef[] };
  /** every cell in plan order with its full results (reproduce's numbers for its bank, unrounded) */
  cells: { cell: CellCoord; resultsSha256: string; results: CellResults }[];
  configs: ConfigAggregate[];
  scaling: ScalingAggregate[];
}

/** The theory's exponent for every gap and bound here: O(m^-1/2). */
export const THEORY_SLOPE = -0.5;

/** Decimals of a number as written in the paper's prose (0.079, [1.34, 1.42], 0.04). */
function decimals(x: number): number {
  const s = String(x);
  const i = s.indexOf(".");
  return i < 0 ? 0 : s.length - i - 1;
}

/** The paper's printed numbers and the metric each is compared with (MNIST, its configuration).
 *  Tables I and II print 4 decimals (0.0170, 2.5280); the prose of Section IV prints fewer. */
function paperNumbers(): { source: Verdict["source"]; quantity: string; metric: string; paper: number }[] {
  const p = PAPER_TABLE_I;
  const a = `selection.paper.alpha=${p.alpha}`;
  const out: { source: Verdict["source"]; quantity: string; metric: string; paper: number }[] = [
    { source: "Table I", quantity: "R_train (eq. 30)", metric: `${a}.rTrain`, paper: p.rTrain },
    { source: "Table I", quantity: "R_test (eq. 31)", metric: `${a}.rRef`, paper: p.rTest },
    { source: "Table I", quantity: "G (eq. 32; Table II prints 0.0051)", metric: `${a}.g`, paper: p.g },
    { source: "Table I", quantity: "G_abs (eq. 33)", metric: `${a}.gAbs`, paper: p.gAbs },
    { source: "Table I", quantity: "H(W) (eq. 16)", metric: `${a}.hW`, paper: p.hW },
    { source: "Table I", quantity: "H(W|S) (eq. 17)", metric: `${a}.hWgS`, paper: p.hWgS },
    { source: "Table I", quantity: "I(S;W) (eq. 18)", metric: `${a}.I`, paper: p.I },
    { source: "Table I", quantity: "sqrt(2I/m) (eq. 21)", metric: `${a}.bMI1`, paper: p.bMI },
    { source: "Section IV-A", quantity: "B_UB (eq. 22)", metric: "selection.bUB", paper: p.bUB },
    { source: "Section IV-A", quantity: "I(S;W) 95% CI, low", metric: `${a}.I.lo`, paper: p.iCI.lo },
    { source: "Section IV-A", quantity: "I(S;W) 95% CI, high", metric: `${a}.I.hi`, paper: p.iCI.hi },
    { source: "Section IV-A", quantity: "bias term (R-1)/(2M)", metric: `${a}.biasPaper`, paper: p.millerMadow },
  ];
  for (const row of PAPER_TABLE_II) {
    const b = `selection.paper.alpha=${row.alpha}`;
    out.push({ source: "Table II", quantity: `I(S;W), alpha = ${row.alpha}`, metric: `${b}.I`, paper: row.I });
    if (row.bMI !== null) out.push({ source: "Table II", quantity: `sqrt(2I/m), alpha = ${row.alpha}`, metric: `${b}.bMI1`, paper: row.bMI });
    out.push({ source: "Table II", quantity: `G, alpha = ${row.alpha}`, metric: `${b}.g`, paper: row.g });
    out.push({ source: "Table II", quantity: `G_abs, alpha = ${row.alpha}`, metric: `${b}.gAbs`, paper: row.gAbs });
  }
  return out;
}

function verdicts(metrics: MetricStat[]): Verdict[] {
  const byId = new Map(metrics.map((m) => [m.id, m]));
  return paperNumbers().flatMap((p) => {
    const st = byId.get(p.metric)?.stat;
    if (!st) return [];
    const digits = p.source === "Section IV-A" ? decimals(p.paper) : 4;
    const h = 0.5 / Number(`1e${digits}`); // 10^digits, exactly (parsed, not the engine's pow)
    const z = st.sd !== null && !withinRounding(st) ? (p.paper - st.mean) / st.sd : null;
    return [{ ...p, paper: p.paper === 0 ? 0 : p.paper, printed: p.paper.toFixed(digits), printedHalfUnit: h, mean: st.mean, sd: st.sd, min: st.min, max: st.max, z, inside: p.paper >= st.min - h && p.paper <= st.max + h }];
  });
}

const SCALED: readonly { quantity: string; label: string; bounds: (a: string) => string; selection: ((a: string) => string) | null; abs?: boolean }[] = [
  { quantity: "G", label: "|G|", bounds: (a) => `bounds.alpha=${a}.gPaper`, selection: (a) => `selection.paper.alpha=${a}.g`, abs: true },
  { quantity: "G_pool", label: "|G_pool|", bounds: (a) => `bounds.alpha=${a}.gPool`, selection: (a) => `selection.pool.alpha=${a}.g`, abs: true },
  { quantity: "G_abs", label: "G_abs", bounds: (a) => `bounds.alpha=${a}.gAbsPaper`, selection: (a) => `selection.paper.alpha=${a}.gAbs` },
  { quantity: "G_pool_abs", label: "G_pool_abs", bounds: (a) => `bounds.alpha=${a}.gAbsPool`, selection: (a) => `selection.pool.alpha=${a}.gAbs` },
  { quantity: "xr1", label: "Xu-Raginsky s=1", bounds: (a) => `bounds.alpha=${a}.xr1`, selection: (a) => `selection.pool.alpha=${a}.bMI1` },
  { quantity: "xrHalf", label: "Xu-Raginsky s=1/2", bounds: (a) => `bounds.alpha=${a}.xrHalf`, selection: (a) => `selection.pool.alpha=${a}.bMIHalf` },
  { quantity: "ismi1", label: "ISMI s=1", bounds: (a) => `bounds.alpha=${a}.ismi1`, selection: null },
  { quantity: "ismiHalf", label: "ISMI s=1/2", bounds: (a) => `bounds.alpha=${a}.ismiHalf`, selection: null },
  { quantity: "cmi", label: "CMI", bounds: (a) => `bounds.alpha=${a}.cmi`, selection: null },
  { quantity: "pacBayes", label: "PAC-Bayes-kl", bounds: (a) => `bounds.alpha=${a}.pacBayes`, selection: null },
  { quantity: "union", label: "union", bounds: (a) => `bounds.alpha=${a}.union`, selection: () => "selection.bUB" },
  { quantity: "testSet", label: "test set", bounds: (a) => `bounds.alpha=${a}.testSet`, selection: null },
];

function scaling(math: DetMath, family: Omit<ConfigKey, "m">, groups: ConfigAggregate[]): ScalingAggregate {
  const sorted = [...groups].sort((x, y) => x.config.m - y.config.m);
  const ms = sorted.map((g) => g.config.m);
  const has = (id: string) => sorted.every((g) => g.metrics.some((m) => m.id === id && m.stat !== null));
  const source: ScalingAggregate["source"] = sorted[0]!.metrics.some((m) => m.group === "bounds") ? "bounds" : "selection";
  const gapId = source === "bounds" ? /^bounds\.alpha=(.+)\.gPaper$/ : /^selection\.paper\.alpha=(.+)\.g$/;
  const alphaIds = sorted[0]!.metrics.map((m) => gapId.exec(m.id)?.[1]).filter((x): x is string => x !== undefined);
  const alphas = [...new Set(alphaIds)];
  return {
    family, ms, source,
    alphas: alphas.map((a) => ({
      alpha: Number(a),
      lines: SCALED.flatMap((q) => {
        const id = source === "bounds" ? q.bounds(a) : q.selection?.(a);
        if (id === undefined || !has(id)) return [];
        const stats = sorted.map((g) => g.metrics.find((m) => m.id === id)!.stat!);
        const seeds = stats[0]!.values.length;
        const per = (k: number) => stats.map((st) => (q.abs ? Math.abs(st.values[k]!) : st.values[k]!));
        const rows = Array.from({ length: seeds }, (_, k) => per(k));
        const mean = ms.map((_, j) => seedStat(rows.map((r) => r[j]!)).mean);
        const lo = ms.map((_, j) => seedStat(rows.map((r) => r[j]!)).min);
        const hi = ms.map((_, j) => seedStat(rows.map((r) => r[j]!)).max);
        const fit = (ys: number[]): { slope: number; r2: number } | string => {
          try {
            const f = fitPowerLaw(math, ms, ys);
            return { slope: -f.b, r2: f.r2 };
          } catch {
            return "fewer than 2 positive values";
          }
        };
        const f = fit(mean);
        const seedFits = rows.map(fit).flatMap((x) => (typeof x === "string" ? [] : [x.slope]));
        return [{
          quantity: q.quantity, label: q.label, mean, lo, hi,
          slope: typeof f === "string" ? null : f.slope, r2: typeof f === "string" ? null : f.r2, reason: typeof f === "string" ? f : null,
          seedSlopes: seedFits.length === seeds ? seedStat(seedFits) : null,
        }];
      }),
    })),
  };
}

/**
 * The aggregate of a sweep from its cells' results, in any order: sorted into plan order, grouped
 * by configuration across seeds, summarised, compared with the paper, and (two or more m) scaled.
 * `math` is the core's (the slopes' logarithms). Every cell of the spec must be present.
 */
/** The configuration a cell belongs to: its coordinates but the bank seed, the dataset by name and id. */
export function configOf(cell: CellCoord, datasets: readonly DatasetRef[]): ConfigKey {
  const ds = datasets[cell.dataset]!;
  return { dataset: ds.name, datasetId: ds.id, subset: cell.subset, n: cell.n, R: cell.R, ...(cell.width !== undefined ? { width: cell.width } : {}), m: cell.m };
}

export function aggregate(spec: SweepSpec, cells: CellResult[], math: DetMath, datasets: DatasetRef[]): SweepResults {
  const index = cellIndexer(spec);
  const sorted = cells.map((c) => ({ c, i: index(c.cell) }));
  for (const { c, i } of sorted) if (i < 0) throw new MoeBankError(`a cell (${JSON.stringify(c.cell)}) is not in the sweep's spec`);
  sorted.sort((x, y) => x.i - y.i);
  for (let k = 1; k < sorted.length; k++) if (sorted[k]!.i === sorted[k - 1]!.i) throw new MoeBankError(`cell ${JSON.stringify(sorted[k]!.c.cell)} is given twice`);
  const expected = planCells(spec).length;
  if (sorted.length !== expected) throw new MoeBankError(`the sweep has ${expected} cells, ${sorted.length} were given`);
  const ordered = sorted.map((x) => x.c);

  const configs: ConfigAggregate[] = [];
  const byConfig = new Map<string, CellResult[]>();
  for (const c of ordered) {
    const k = canonicalJson({ ...c.cell, seed: 0 });
    byConfig.set(k, [...(byConfig.get(k) ?? []), c]);
  }
  for (const group of byConfig.values()) {
    const config = configOf(group[0]!.cell, datasets);
    const perCell = group.map((c) => cellMetrics(c.results));
    const metrics: MetricStat[] = perCell[0]!.map(({ def }, j) => {
      const vals = perCell.map((pc) => {
        const x = pc[j];
        if (!x || x.def.id !== def.id) throw new MoeBankError(`cells of ${JSON.stringify(config)} disagree on their numbers (${def.id})`);
        return x.value;
      });
      return { ...def, stat: vals.every((v): v is number => v !== null) ? seedStat(vals) : null };
    });
    const paperConfig = config.dataset === "mnist" && config.R === PAPER_TABLE_I.R && config.m === PAPER_TABLE_I.m && spec.runs === PAPER_TABLE_I.M && config.n === 10000 && config.subset === "distinct" && (config.width === undefined || config.width === "16/32");
    configs.push({
      config, seeds: group.map((c) => c.cell.seed), cells: group.map((c) => ({ seed: c.cell.seed, resultsSha256: c.resultsSha256 })),
      metrics, paperConfig, verdicts: verdicts(metrics),
    });
  }

  const families = new Map<string, ConfigAggregate[]>();
  for (const g of configs) {
    const { m: _m, ...family } = g.config;
    const k = canonicalJson(family);
    families.set(k, [...(families.get(k) ?? []), g]);
  }
  const scalings = [...families.values()].filter((gs) => gs.length >= 2).map((gs) => {
    const { m: _m, ...family } = gs[0]!.config;
    return scaling(math, family, gs);
  });

  const { datasets: _d, ...rest } = spec;
  return {
    format: "moe-bank/sweep", formatVersion: 1,
    spec: { ...rest, datasets },
    cells: ordered.map((c) => ({ cell: c.cell, resultsSha256: c.resultsSha256, results: c.results })),
    configs, scaling: scalings,
  };
}

/** sha-256 of the canonical JSON of a sweep's results: what must agree across worker counts,
 *  cell orders and restarts. */
export function sweepSha256(r: SweepResults): Promise<string> {
  return sha256Hex(canonicalJson(r));
}

