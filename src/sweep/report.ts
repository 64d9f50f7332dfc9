// A sweep's report: report.md (the verdict table, the distributions per configuration, the
// slopes against m), the figures (bands over seeds, log-log scaling) and report.json (the spec as
// run, the canonical results with every cell at full precision, their sha-256, and the run's
// versions and timings apart). Pure functions of the results but writeSweep (Node: files).
import { log10Of, type DetMath } from "../math.js";
import { chart, COLORS as C, PALETTE, type Series } from "../plot/svg.js";
import { markdownTable } from "../plot/table.js";
import { writeFolder } from "../io/files.js";
import { canonicalJson } from "../bank/config.js";
import { THEORY_SLOPE, configOf, type ConfigAggregate, type MetricStat, type ScalingAggregate, type SweepResults, type Verdict } from "./aggregate.js";
import type { SweepSpec } from "./spec.js";
import { isBanksResults, renderBanksSweep, type BanksSweepResults } from "./banks-report.js";
import type { RouteJson } from "../routing/json.js";
import { PAPER_TABLE_II } from "../estimators/paper.js";

/** The run's facts that are not results (versions, workers, seconds). */
export interface SweepRunInfo {
  tool: string;
  node: string;
  coreSha256: string;
  workers: number;
  /** seconds: the whole sweep, and how many cells were computed here or found in the cache */
  seconds: number;
  computed: number;
  reused: number;
  /** each cell's cache key (<cache>/cells/<key>.json), in the order of results.cells; outside the
   *  results because a key names the core build that computed the cell */
  cellKeys?: string[];
}

const f4 = (x: number) => x.toFixed(4);
const sig = (x: number | null) => (x === null ? "—" : Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(4) : x.toExponential(2));

/** "mnist R=25 n=10000 distinct m=256". */
export function configLabel(c: ConfigAggregate["config"]): string {
  return `${c.dataset} R=${c.R} n=${c.n}${c.width !== undefined ? ` widths=${c.width}` : ""} ${c.subset} m=${c.m}`;
}

function slug(c: Omit<ConfigAggregate["config"], "m"> & { m?: number }): string {
  return `${c.dataset}-R${c.R}-n${c.n}${c.width !== undefined ? `-w${c.width}` : ""}-${c.subset}${c.m !== undefined ? `-m${c.m}` : ""}`.replace(/[^A-Za-z0-9.-]/g, "_");
}

/** The configurations that get the per-alpha and D(rho) figures: those at m = 256 (the paper's)
 *  or, when 256 is not swept, at the first m. */
function figureConfigs(r: SweepResults): ConfigAggregate[] {
  const m = r.spec.ms.includes(256) ? 256 : r.spec.ms[0]!;
  return r.configs.filter((g) => g.config.m === m);
}

function metric(g: ConfigAggregate, id: string): MetricStat["stat"] {
  return g.metrics.find((m) => m.id === id)?.stat ?? null;
}

/** The seeds' routing curves on one rate grid (each seed's points joined by straight lines, flat
 *  beyond its ends): mean, min and max of D at each rate. */
function dRhoBand(curves: RouteJson[], steps = 40): { x: number[]; mean: number[]; lo: number[]; hi: number[] } {
  let top = 0;
  for (const c of curves) for (const p of c.points) if (p.rate > top) top = p.rate;
  const x = Array.from({ length: steps + 1 }, (_, i) => (top * i) / steps);
  const at = (c: RouteJson, rate: number): number => {
    const pts = [...c.points].sort((a, b) => a.rate - b.rate);
    if (rate <= pts[0]!.rate) return pts[0]!.distortion;
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1]!, b = pts[i]!;
      if (rate <= b.rate) return b.rate === a.rate ? b.distortion : a.distortion + ((b.distortion - a.distortion) * (rate - a.rate)) / (b.rate - a.rate);
    }
    return pts[pts.length - 1]!.distortion;
  };
  const ys = x.map((r) => curves.map((c) => at(c, r)));
  return {
    x,
    mean: ys.map((v) => v.reduce((s, t) => s + t, 0) / v.length),
    lo: ys.map((v) => Math.min(...v)),
    hi: ys.map((v) => Math.max(...v)),
  };
}

/** The sweep's figures: file name -> SVG. */
export function sweepFigures(r: SweepResults, math: DetMath): Record<string, string> {
  const out: Record<string, string> = {};
  const groups = figureConfigs(r);
  const many = groups.length > 1;
  for (const g of groups) {
    const suffix = many ? `-${slug(g.config)}` : "";
    const cells = r.cells.filter((c) => canonicalJson(configOf(c.cell, r.spec.datasets)) === canonicalJson(g.config));
    const sel = cells[0]?.results.selection;
    const seeds = `${g.seeds.length} bank seed${g.seeds.length > 1 ? "s" : ""}`;
    if (sel) {
      const alphas = sel.readings.paper.alphas.map((a) => a.alpha);
      const band = (id: (a: number) => string, label: string, color: string, dash = false): Series[] => {
        const st = alphas.map((a) => metric(g, id(a))!);
        return [
          { kind: "band", label: `${label}: range over seeds`, x: alphas, lo: st.map((s) => s.min), hi: st.map((s) => s.max), color },
          { kind: "line", label: `${label}: mean`, x: alphas, y: st.map((s) => s.mean), color, markers: true, dash },
        ];
      };
      out[`sweep-information${suffix}.svg`] = chart({
        title: "I(S;W) over alpha across banks",
        subtitle: `${configLabel(g.config)}, ${seeds}; band: min-max over seeds`,
        x: { label: "alpha", min: 0, max: 1 },
        y: { label: "nats", min: 0 },
        series: [
          ...band((a) => `selection.paper.alpha=${a}.I`, "I (paper's reading)", C.blue),
          ...band((a) => `selection.pool.alpha=${a}.I`, "I (reading (c))", C.purple, true),
          ...(g.config.dataset === "mnist" ? [{ kind: "points" as const, label: "the paper (Table II)", x: alphas.filter((a) => PAPER_I.has(a)), y: alphas.filter((a) => PAPER_I.has(a)).map((a) => PAPER_I.get(a)!), color: C.red, shape: "diamond" as const }] : []),
        ],
      });
      out[`sweep-gaps${suffix}.svg`] = chart({
        title: "Gaps over alpha across banks",
        subtitle: `${configLabel(g.config)}, ${seeds}; band: min-max over seeds`,
        x: { label: "alpha", min: 0, max: 1 },
        y: { label: "gap" },
        series: [
          ...band((a) => `selection.paper.alpha=${a}.g`, "G (paper's reading)", C.blue),
          ...band((a) => `selection.pool.alpha=${a}.g`, "G_pool (reading (c))", C.purple, true),
          ...band((a) => `selection.paper.alpha=${a}.gAbs`, "G_abs", C.brown, true),
          ...(g.config.dataset === "mnist" ? [{ kind: "points" as const, label: "the paper's G (Table II)", x: alphas.filter((a) => PAPER_G.has(a)), y: alphas.filter((a) => PAPER_G.has(a)).map((a) => PAPER_G.get(a)!), color: C.red, shape: "diamond" as const }] : []),
        ],
        hlines: [{ at: 0, label: "zero", color: C.gray }],
      });
    }
    const routes = cells.flatMap((c) => (c.results.routing ? [c.results.routing] : []));
    if (routes.length === cells.length && routes.length > 0) {
      const b = dRhoBand(routes);
      const least = metric(g, "routing.leastRate");
      out[`sweep-d-rho${suffix}.svg`] = chart({
        title: "D(rho) across banks: eq. 27's in-sample lower envelope",
        subtitle: `${configLabel(g.config)}, ${seeds}; band: min-max over seeds of each seed's curve`,
        x: { label: "rate I(X;T), nats", min: 0 },
        y: { label: "distortion D (0-1 error)", min: 0 },
        series: [
          { kind: "band", label: "D(rho): range over seeds", x: b.x, lo: b.lo, hi: b.hi, color: C.blue },
          { kind: "line", label: "D(rho): mean over seeds", x: b.x, y: b.mean, color: C.blue },
        ],
        ...(least ? { vlines: [{ at: least.mean, label: `least rate at the oracle error: mean ${f4(least.mean)} nats (${f4(least.min)}-${f4(least.max)})`, color: C.gray, dash: true }] } : {}),
      });
    }
  }
  const log10 = log10Of(math);
  for (const s of r.scaling) {
    const suffix = r.scaling.length > 1 ? `-${slug(s.family)}` : "";
    for (const a of s.alphas) {
      if (!SCALING_ALPHAS.includes(a.alpha)) continue;
      const series: Series[] = a.lines.flatMap((l, i): Series[] => {
        const keep = s.ms.map((_, j) => l.mean[j]! > 0 && l.lo[j]! > 0 && l.hi[j]! > 0);
        const x = s.ms.filter((_, j) => keep[j]);
        if (x.length < 2) return [];
        const color = PALETTE[i % PALETTE.length]!;
        const pick = (v: number[]) => v.filter((_, j) => keep[j]);
        const gap = l.quantity.startsWith("G");
        return [
          ...(l.lo.some((v, j) => v !== l.hi[j]) ? [{ kind: "band" as const, label: "", x, lo: pick(l.lo), hi: pick(l.hi), color }] : []),
          { kind: "line", label: `${l.label}: slope ${l.slope === null ? "n/a" : l.slope.toFixed(3)}`, x, y: pick(l.mean), color, markers: true, dash: !gap },
        ];
      });
      if (series.length === 0) continue;
      // the theory's m^-1/2 through the union bound's first point, for the eye
      const ref = a.lines.find((l) => l.quantity === "union");
      if (ref && ref.mean[0]! > 0) series.push({ kind: "line", label: "m^-1/2 (the theory's rate)", x: s.ms, y: s.ms.map((m) => ref.mean[0]! * Math.sqrt(s.ms[0]! / m)), color: C.gray, dash: true });
      out[`sweep-m-alpha${a.alpha}${suffix}.svg`] = chart({
        title: `Gaps and bounds against m, alpha = ${a.alpha}`,
        subtitle: `${s.family.dataset} R=${s.family.R} n=${s.family.n} ${s.family.subset}; mean over seeds (band: min-max); solid: gaps, dashed: bounds; fitted slopes beside ${THEORY_SLOPE}`,
        x: { label: "sample size m", log: true },
        y: { label: "gap / bound", log: true },
        log10,
        series,
      });
    }
  }
  return out;
}

const PAPER_I = new Map(PAPER_TABLE_II.map((r) => [r.alpha, r.I]));
const PAPER_G = new Map(PAPER_TABLE_II.map((r) => [r.alpha, r.g]));

/** The alphas whose gaps and bounds are drawn against m. */
export const SCALING_ALPHAS: readonly number[] = [0.25, 0.7, 1];

function verdictRows(v: Verdict[]): string[][] {
  return v.map((x) => [
    x.source, x.quantity, x.printed, f4(x.mean), x.sd === null ? "—" : sig(x.sd), `${f4(x.min)} – ${f4(x.max)}`,
    x.z === null ? (x.sd === null ? "— (one seed)" : "— (seeds agree)") : x.z.toFixed(2), x.inside ? "inside" : "OUTSIDE",
  ]);
}

/** The verdict table of one configuration: the paper's numbers against the seeds' range. */
export function renderVerdicts(g: ConfigAggregate): string {
  const inside = g.verdicts.filter((v) => v.inside).length;
  return [
    markdownTable(["source", "quantity", "paper", "mean", "sd", "seeds' range", "z", "verdict"], verdictRows(g.verdicts)),
    "",
    `${inside} of ${g.verdicts.length} printed numbers fall inside the range of ${g.seeds.length} bank seeds (widened by half a unit of the paper's last printed digit); z = (paper - mean) / sd.`,
  ].join("\n");
}

function renderScaling(s: ScalingAggregate): string {
  const parts = [
    `### ${s.family.dataset} R=${s.family.R} n=${s.family.n} ${s.family.subset}: against m = ${s.ms.join(", ")}`,
    "",
    `Mean over seeds at each m (${s.source === "bounds" ? "gaps from the tighter bounds' runs" : "gaps from the selection's runs"}; |G| for the signed gaps), and the slope of a least-squares line through log(mean) against log m (the theory: ${THEORY_SLOPE}); per-seed slopes: mean +- sd.`,
    "",
  ];
  for (const a of s.alphas) {
    parts.push(`alpha = ${a.alpha}:`, "");
    parts.push(markdownTable(
      ["quantity", ...s.ms.map((m) => `m=${m}`), "slope", "r^2", "per-seed slopes"],
      a.lines.map((l) => [
        l.label, ...l.mean.map((v) => sig(v)), l.slope === null ? `n/a (${l.reason})` : l.slope.toFixed(3), l.r2 === null ? "—" : l.r2.toFixed(3),
        l.seedSlopes === null ? "—" : `${l.seedSlopes.mean.toFixed(3)} +- ${l.seedSlopes.sd === null ? "—" : l.seedSlopes.sd.toFixed(3)}`,
      ]),
    ), "");
  }
  return parts.join("\n");
}

/** The per-alpha and D(rho) figures of one configuration (see sweepFigures' names). */
function configFigures(r: SweepResults, g: ConfigAggregate, figs: string[]): string[] {
  const suffix = figureConfigs(r).length > 1 ? `-${slug(g.config)}` : "";
  return ["sweep-information", "sweep-gaps", "sweep-d-rho"].map((n) => `${n}${suffix}.svg`).filter((f) => figs.includes(f));
}

function renderConfig(g: ConfigAggregate, suffixFigs: string[]): string {
  const rows = g.metrics.filter((m) => m.stat !== null && !/\.(hWgS|iMillerMadow|biasPaper|I\.lo|I\.hi)$/.test(m.id)).map((m) => {
    const s = m.stat!;
    return [m.label, sig(s.mean), s.sd === null ? "—" : sig(s.sd), sig(s.min), sig(s.max)];
  });
  return [
    `## ${configLabel(g.config)}: ${g.seeds.length} bank seed${g.seeds.length > 1 ? "s" : ""} (${g.seeds.join(", ")})`,
    "",
    g.paperConfig ? "The paper's configuration: its printed numbers against the seeds' distribution." : "Not the paper's configuration (MNIST, R = 25, n = 10,000 distinct, m = 256, M = 300): the paper's numbers are context here, not a target.",
    "",
    renderVerdicts(g),
    "",
    ...suffixFigs.map((f) => `![${f.replace(/\.svg$/, "")}](${f})`),
    "",
    "Every number across seeds (mean, sd, min, max; each seed's value is in report.json):",
    "",
    markdownTable(["quantity", "mean", "sd", "min", "max"], rows),
    "",
  ].join("\n");
}

/** report.md of a sweep. */
export function renderSweep(r: SweepResults, sha: string, figs: string[], run: SweepRunInfo | null): string {
  const sp = r.spec;
  return [
    "# moe-bank sweep: the experiment across banks and configurations",
    "",
    `Axes: datasets ${sp.datasets.map((d) => d.name).join(", ")}; bank seeds ${sp.seeds.join(", ")}; R ${sp.counts.join(", ")}; n ${sp.subsetSizes.join(", ")}; subsets ${sp.subsets.join(", ")}${sp.widths ? `; widths ${sp.widths.join(", ")}` : ""}; m ${sp.ms.join(", ")}.`,
    `Protocol: Monte Carlo seed ${sp.mcSeed} in every cell (a cell differs from another by its bank alone); M = ${sp.runs}, ${sp.bootstrap} bootstrap resamples, ${sp.boundsRuns} runs for the bounds; measurements: ${sp.measurements.join(", ")}${sp.quick ? "; --quick's configuration" : ""}.`,
    `${r.cells.length} cells over ${new Set(r.cells.map((c) => JSON.stringify({ ...c.cell, m: 0 }))).size} banks.`,
    "",
    `sha-256 of the canonical results: \`${sha}\` (every cell's results and the aggregate; the same with any worker count or cell order; see report.json).`,
    "",
    ...r.configs.map((g) => renderConfig(g, configFigures(r, g, figs))),
    ...(r.scaling.length ? ["## Gaps and bounds against m", "", ...r.scaling.map(renderScaling), ...figs.filter((f) => f.startsWith("sweep-m-")).map((f) => `![${f.replace(/\.svg$/, "")}](${f})`), ""] : []),
    ...(run ? ["## This run", "", `${run.tool}; node ${run.node}; ${run.workers} workers; ${run.seconds.toFixed(1)} s; ${run.computed} cells computed, ${run.reused} found in the cache.`, ""] : []),
  ].join("\n");
}

/** The files of a sweep's --out folder (report.md, report.json, the figures), as written. */
export const SWEEP_FOLDER_FILE = /^(report\.(md|json)|sweep-[A-Za-z0-9._-]+\.svg)$/;

/** Writes report.md, report.json and the figures into `out`, whole (writeFolder). report.json:
 *  { resultsSha256, spec (as run, with its paths: --spec takes it back), results, run }. */
export async function writeSweep(out: string, w: SweepOutput): Promise<string[]> {
  const files = sweepFiles(w);
  await writeFolder(out, files);
  return Object.keys(files);
}

export interface SweepOutput {
  spec: SweepSpec;
  results: SweepResults | BanksSweepResults;
  sha: string;
  figures: Record<string, string>;
  run: SweepRunInfo;
}

/** The report's files by name: report.json, report.md and the figures. */
export function sweepFiles(w: SweepOutput): Record<string, string> {
  return {
    "report.json": JSON.stringify({ resultsSha256: w.sha, spec: w.spec, results: w.results, run: w.run }, null, 1) + "\n",
    "report.md": isBanksResults(w.results) ? renderBanksSweep(w.results, w.sha, Object.keys(w.figures), w.run) : renderSweep(w.results, w.sha, Object.keys(w.figures), w.run),
    ...w.figures,
  };
}
