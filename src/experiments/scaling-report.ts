// The expert-scaling experiment as markdown and SVG (browser-safe; pure functions of the result).
//   scaling-experts.svg   D(rho) over the number of experts R, per rho, with the fitted laws
//   scaling-width.svg     D(rho) over the parameters per expert at fixed R, with the fitted laws
//   scaling-capacity.svg  more experts vs wider experts on the axis of total parameters
import { chart, PALETTE, type Series } from "../plot/svg.js";
import { log10Of, type DetMath } from "../math.js";
import type { ScalingFit, ScalingResult, ScalingRow } from "./scaling.js";

const f4 = (x: number): string => x.toFixed(4);
const rhoLabel = (rho: number | null): string => (rho === null ? "unconstrained" : `rho = ${rho}`);

/** 40 log-spaced x in [lo, hi] and the fitted law's y there. */
function lawCurve(math: DetMath, fit: ScalingFit, lo: number, hi: number, kind: "power" | "saturating"): { x: number[]; y: number[] } {
  const a = math.log(lo), b = math.log(hi);
  const x = Array.from({ length: 40 }, (_, k) => math.exp(a + (k / 39) * (b - a)));
  const sat = fit.saturating;
  const pw = fit.power;
  if ((kind === "power" || sat === null) && pw === null) return { x: [], y: [] };
  const y = x.map((v) => (kind === "power" || sat === null ? pw!.a * math.exp(-pw!.b * math.log(v)) : sat.c + sat.a * math.exp(-sat.b * math.log(v))));
  return { x, y };
}

function measured(rows: ScalingRow[], k: number, x: (r: ScalingRow) => number, color: string, label: string): Series[] {
  return [
    { kind: "errorbars", label: "", x: rows.map(x), y: rows.map((r) => r.cells[k]!.mean), lo: rows.map((r) => r.cells[k]!.mean - 2 * r.cells[k]!.se), hi: rows.map((r) => r.cells[k]!.mean + 2 * r.cells[k]!.se), color },
    { kind: "points", label, x: rows.map(x), y: rows.map((r) => r.cells[k]!.mean), color },
  ];
}

export function scalingFigures(r: ScalingResult, math: DetMath): Record<string, string> {
  const log10 = log10Of(math);
  const cr = r.byCount.rows, wr = r.byWidth.rows;
  const experts = chart({
    title: "Routing distortion D(rho) over the number of experts",
    subtitle: `experts ${r.byCount.bank} (random subsets of R, ${r.byCount.subsets} per R, +-2 se); dashed: D = c + a R^-b fitted per rho (a R^-b with < 4 points); N = ${r.N} test images`,
    x: { label: "experts R (log scale)", log: true },
    y: { label: "D(rho): test 0-1 loss of the best gate with I(X;T) <= rho", min: 0 },
    log10,
    series: r.rhos.flatMap((rho, k) => {
      const color = PALETTE[k % PALETTE.length]!;
      const fit = r.byCount.fits[k]!;
      const c = lawCurve(math, fit, cr[0]!.R, cr[cr.length - 1]!.R, "saturating");
      const law = fit.saturating ? `c = ${f4(fit.saturating.c)}, b = ${fit.saturating.b.toFixed(2)}` : fit.power ? `b = ${fit.power.b.toFixed(2)}` : "no fit";
      return [...measured(cr, k, (row) => row.R, color, `${rhoLabel(rho)}: ${law}`), ...(c.x.length ? [{ kind: "line", label: "", x: c.x, y: c.y, color, dash: true } as Series] : [])];
    }),
  });
  const width = wr.length >= 2
    ? chart({
        title: "Routing distortion D(rho) over each expert's width (fixed R)",
        subtitle: `R = ${r.byWidth.R} experts of widths ${wr.map((w) => w.label).join(", ")} filters; dashed: D = a P^-b fitted per rho`,
        x: { label: "parameters per expert P (log scale)", log: true },
        y: { label: "D(rho)", min: 0 },
        log10,
        series: r.rhos.flatMap((rho, k) => {
          const color = PALETTE[k % PALETTE.length]!;
          const fit = r.byWidth.fits[k]!;
          const c = lawCurve(math, fit, wr[0]!.params, wr[wr.length - 1]!.params, "power");
          return [...measured(wr, k, (row) => row.params, color, `${rhoLabel(rho)}: ${fit.power ? `b = ${fit.power.b.toFixed(2)}` : "no fit"}`), ...(c.x.length ? [{ kind: "line", label: "", x: c.x, y: c.y, color, dash: true } as Series] : [])];
        }),
      })
    : null;
  // The comparison: two budgets, both axes in total parameters.
  const pick = [r.rhos.findIndex((x) => x !== null && x > 0), r.rhos.findIndex((x) => x === null)].filter((k) => k >= 0);
  const capacity = wr.length >= 2
    ? chart({
        title: "More experts or wider experts? D(rho) over total parameters",
        subtitle: `solid: more experts (R = ${cr[0]!.R}..${cr[cr.length - 1]!.R} of ${r.byCount.bank}); dashed: wider experts (R = ${r.byWidth.R}); active parameters per input = one expert's`,
        x: { label: "total parameters R P (log scale)", log: true },
        y: { label: "D(rho)", min: 0 },
        log10,
        series: pick.flatMap((k, i) => {
          const color = PALETTE[(i * 3) % PALETTE.length]!;
          return [
            { kind: "line", label: `more experts, ${rhoLabel(r.rhos[k]!)}`, x: cr.map((row) => row.params), y: cr.map((row) => row.cells[k]!.mean), color, markers: true } as Series,
            { kind: "line", label: `wider experts, ${rhoLabel(r.rhos[k]!)}`, x: wr.map((row) => row.params * row.R), y: wr.map((row) => row.cells[k]!.mean), color, dash: true, markers: true } as Series,
          ];
        }),
      })
    : null;
  const out: Record<string, string> = { "scaling-experts.svg": experts };
  if (width) out["scaling-width.svg"] = width;
  if (capacity) out["scaling-capacity.svg"] = capacity;
  return out;
}

function table(rows: ScalingRow[], rhos: (number | null)[], first: string, params: string): string[] {
  const L = [`| ${first} | ${params} | ${rhos.map(rhoLabel).join(" | ")} | least rate at the oracle (nats) |`, `| --- | --- | ${rhos.map(() => "---").join(" | ")} | --- |`];
  for (const r of rows) L.push(`| ${r.label} | ${r.params} | ${r.cells.map((c) => (c.se > 0 ? `${f4(c.mean)} (${f4(c.se)})` : f4(c.mean))).join(" | ")} | ${f4(r.leastRate)} |`);
  return L;
}

function fitTable(fits: ScalingFit[], x: string): string[] {
  const L = [`| rho | power law b (D = a ${x}^-b) | r^2 (log) | saturating c | a | b | rmse |`, "| --- | --- | --- | --- | --- | --- | --- |"];
  for (const f of fits) {
    const s = f.saturating, p = f.power;
    const pw = p ? `${p.b.toFixed(3)} | ${p.r2.toFixed(3)}` : "— (fewer than 2 positive points) | —";
    L.push(`| ${f.rho === null ? "unconstrained" : f.rho} | ${pw} | ${s ? `${f4(s.c)} | ${s.a.toPrecision(4)} | ${s.b.toFixed(3)}${s.atEdge ? " (at the search's edge)" : ""} | ${s.rmse.toExponential(2)}` : "— | — | — | — (fewer than 4 points)"} |`);
  }
  return L;
}

/** The markdown section. */
export function renderScaling(r: ScalingResult): string {
  const L: string[] = ["## Expert scaling: more experts or more active capacity, at a fixed gate rate", ""];
  L.push(`D(rho) of eq. 27 (Blahut-Arimoto on the test 0-1 loss matrix, N = ${r.N}) at rate budgets rho (nats). More experts: random subsets of R of the ${r.byCount.bank} bank (${r.byCount.subsets} per R; mean with its standard error). Wider experts: R = ${r.byWidth.R} at each width. Active parameters per input are one expert's in both.`);
  L.push("");
  L.push(...table(r.byCount.rows, r.rhos, "R", "total params (R P)"));
  L.push("");
  L.push("Fitted over R:");
  L.push("");
  L.push(...fitTable(r.byCount.fits, "R"));
  if (r.byWidth.rows.length > 0) {
    L.push("");
    L.push(...table(r.byWidth.rows, r.rhos, "width", "params per expert P"));
    L.push("");
    L.push("Fitted over parameters per expert P:");
    L.push("");
    L.push(...fitTable(r.byWidth.fits, "P"));
  }
  L.push("");
  const c = r.checks;
  L.push(`Predictions, as measured: D falls with rho at every size: ${c.fallsWithRho ? "yes" : "NO"}; with R at every rho (within 2 se): ${c.fallsWithR ? "yes" : "NO"}; with width at every rho: ${c.fallsWithWidth ? "yes" : "NO"}. Saturation level c over R by rho: ${r.byCount.fits.map((f) => `${f.rho === null ? "inf" : f.rho}: ${f.saturating ? f4(f.saturating.c) : "—"}`).join(", ")}.`);
  L.push("");
  return L.join("\n");
}
