// The result of a sweep of a measurement over banks (grid, scaling): its cells in plan order,
// grouped by dataset, subset reading and bank seed, each group's cells handed to the registry
// entry's perBank.result (the grid's GridResult, the scaling's ScalingResult: the shape its
// command prints), and its report (the entry's Markdown and figures per group). Pure functions of
// the cells, so the results' hash depends neither on the worker count nor on the order of tasks.
import type { Core } from "../../bindings/index.js";
import { canonicalJson, type DatasetRef } from "../bank/config.js";
import { MoeBankError } from "../errors.js";
import { banksEntry } from "./banks.js";
import { cellIndexer, planCells, type CellCoord } from "./plan.js";
import { specOptions, type SweepSpec } from "./spec.js";
import type { BanksCellResults, CellResult } from "./task.js";

export interface BanksGroup {
  dataset: string;
  datasetId: string;
  subset: string;
  seed: number;
  /** the registry entry's result on the group's cells */
  result: unknown;
}

export interface BanksSweepResults {
  format: "moe-bank/sweep";
  formatVersion: 1;
  spec: Omit<SweepSpec, "datasets"> & { datasets: DatasetRef[] };
  measurement: string;
  cells: { cell: CellCoord; resultsSha256: string; results: BanksCellResults }[];
  groups: BanksGroup[];
}

export function isBanksResults(r: object): r is BanksSweepResults {
  return "groups" in r;
}

/** The sweep's results from every cell of the spec (any order; each exactly once). */
export function banksAggregate(spec: SweepSpec, name: string, cells: CellResult<BanksCellResults>[], core: Core, datasets: DatasetRef[]): BanksSweepResults {
  const index = cellIndexer(spec);
  const sorted = cells.map((c) => ({ c, i: index(c.cell) }));
  for (const { c, i } of sorted) if (i < 0) throw new MoeBankError(`a cell (${JSON.stringify(c.cell)}) is not in the sweep's spec`);
  sorted.sort((x, y) => x.i - y.i);
  const want = planCells(spec).length;
  if (sorted.length !== want || sorted.some((x, k) => x.i !== k)) throw new MoeBankError(`the sweep has ${want} cells, ${sorted.length} were given (each once)`);
  const { perBank } = banksEntry(name)!;
  const options = specOptions(spec);
  const byGroup = new Map<string, CellResult<BanksCellResults>[]>();
  for (const { c } of sorted) {
    const k = canonicalJson({ dataset: c.cell.dataset, subset: c.cell.subset, seed: c.cell.seed });
    byGroup.set(k, [...(byGroup.get(k) ?? []), c]);
  }
  const groups = [...byGroup.values()].map((g) => {
    const c0 = g[0]!.cell;
    const ds = datasets[c0.dataset]!;
    return { dataset: ds.name, datasetId: ds.id, subset: c0.subset, seed: c0.seed, result: perBank.result(options, g.map((c) => c.results.cell), core) };
  });
  const { datasets: _d, ...rest } = spec;
  return {
    format: "moe-bank/sweep", formatVersion: 1, spec: { ...rest, datasets }, measurement: name,
    cells: sorted.map(({ c }) => ({ cell: c.cell, resultsSha256: c.resultsSha256, results: c.results })),
    groups,
  };
}

const groupLabel = (g: BanksGroup) => `${g.dataset} ${g.subset} bank seed ${g.seed}`;
const slug = (g: BanksGroup) => `${g.dataset}-${g.subset}-seed${g.seed}`.replace(/[^A-Za-z0-9.-]/g, "_");

/** The figures of each group (the entry's), named sweep-<name>[-<group>].svg. */
export function banksFigures(r: BanksSweepResults, core: Core): Record<string, string> {
  const { entry } = banksEntry(r.measurement)!;
  const out: Record<string, string> = {};
  for (const g of r.groups) {
    for (const [file, svg] of Object.entries(entry.figures?.(g.result, core) ?? {})) out[`sweep-${r.groups.length > 1 ? `${slug(g)}-` : ""}${file}`] = svg;
  }
  return out;
}

/** report.md of such a sweep: per group, the entry's Markdown. */
export function renderBanksSweep(r: BanksSweepResults, sha: string, figs: string[], run: { tool: string; node: string; workers: number; seconds: number; computed: number; reused: number } | null): string {
  const { entry } = banksEntry(r.measurement)!;
  const sp = r.spec;
  return [
    `# moe-bank sweep: ${r.measurement}`,
    "",
    `Axes: datasets ${sp.datasets.map((d) => d.name).join(", ")}; bank seeds ${sp.seeds.join(", ")}; R ${sp.counts.join(", ")}; n ${sp.subsetSizes.join(", ")}; subsets ${sp.subsets.join(", ")}${sp.widths?.length ? `; widths ${sp.widths.join(", ")}` : ""}. ${r.cells.length} cells, one bank each.`,
    "",
    `sha-256 of the canonical results: \`${sha}\` (every cell's results and each group's ${r.measurement}; the same with any worker count or cell order; see report.json).`,
    "",
    ...r.groups.flatMap((g) => [`## ${groupLabel(g)}`, "", entry.render(g.result), "", ...figs.filter((f) => r.groups.length === 1 || f.startsWith(`sweep-${slug(g)}-`)).map((f) => `![${f.replace(/\.svg$/, "")}](${f})`), ""]),
    ...(run ? ["## This run", "", `${run.tool}; node ${run.node}; ${run.workers} workers; ${run.seconds.toFixed(1)} s; ${run.computed} cells computed, ${run.reused} found in the cache.`, ""] : []),
  ].join("\n");
}
