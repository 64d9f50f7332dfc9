// A small SVG chart module (browser-safe): axes with nice ticks, lines, markers, bands, error
// bars, bars, reference lines and a legend. Output bytes are a pure function of the input: no
// engine Math (a log axis takes the caller's deterministic log), numbers printed with toFixed
// (exactly specified by ECMA-262), text escaped.

/** The figures' colours (matplotlib's tab10), by name and as a cycle for series. */
export const COLORS = { blue: "#1f77b4", orange: "#ff7f0e", green: "#2ca02c", red: "#d62728", purple: "#9467bd", gray: "#7f7f7f", brown: "#8c564b" } as const;
export const PALETTE: readonly string[] = [COLORS.blue, COLORS.orange, COLORS.green, COLORS.red, COLORS.purple, COLORS.brown, COLORS.gray];

export interface Axis {
  label: string;
  min?: number;
  max?: number;
  /** a log10 axis: needs `log10` in the chart options */
  log?: boolean;
}

export type Series =
  | { kind: "line"; label: string; x: number[]; y: number[]; color: string; dash?: boolean; markers?: boolean }
  | { kind: "points"; label: string; x: number[]; y: number[]; color: string; shape?: "circle" | "square" | "diamond" }
  | { kind: "band"; label: string; x: number[]; lo: number[]; hi: number[]; color: string }
  | { kind: "errorbars"; label: string; x: number[]; y: number[]; lo: number[]; hi: number[]; color: string }
  | { kind: "bars"; label: string; x: number[]; width: number; y: number[]; color: string };

export interface RefLine {
  at: number;
  label: string;
  color: string;
  dash?: boolean;
}

export interface ChartOptions {
  title: string;
  width?: number;
  height?: number;
  x: Axis;
  y: Axis;
  series: Series[];
  vlines?: RefLine[];
  hlines?: RefLine[];
  /** base-10 logarithm for log axes (pass the core's: results must not depend on engine Math) */
  log10?: (v: number) => number;
  /** a note under the title */
  subtitle?: string;
}

/** Escapes text for SVG/XML content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function num(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`svg: non-finite coordinate ${v}`);
  const s = v.toFixed(2);
  return s === "-0.00" ? "0.00" : s;
}

/** Round numbers covering [lo, hi]: about `count` ticks at 1, 2 or 5 times a power of ten. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  let p = 1;
  while (p > raw) p /= 10;
  while (p * 10 <= raw) p *= 10;
  const step = raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

/** A tick label: at most 4 significant digits, no float noise. */
export function tickLabel(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1).replace("e+", "e");
  return String(Number(v.toPrecision(4)));
}

function decades(lo: number, hi: number): number[] {
  const out: number[] = [];
  let d = 1;
  while (d > lo) d /= 10;
  while (d * 10 <= lo) d *= 10;
  for (; d <= hi * (1 + 1e-12); d *= 10) if (d >= lo * (1 - 1e-12)) out.push(d);
  return out;
}

// The axis range: the data's, widened by 5% on each side that is not fixed (so nothing sits on
// the frame), or a unit around a single value. A log axis is widened by a factor instead.
function extent(values: number[], axis: Axis): [number, number] {
  let lo = Math.min(...values), hi = Math.max(...values);
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const span = hi - lo;
  if (axis.log) {
    lo = axis.min ?? lo / 1.2;
    hi = axis.max ?? hi * 1.2;
  } else {
    lo = axis.min ?? lo - 0.05 * span;
    hi = axis.max ?? hi + 0.05 * span;
  }
  return [lo, hi];
}

const PALETTE_TEXT = "#222";

/** Renders a chart to an SVG document string. */
export function chart(o: ChartOptions): string {
  // the plot keeps its size; the legend below it adds to the height
  const m = { l: 64, r: 16, t: o.subtitle ? 52 : 36, b: 48 };
  const legendRows = [...o.series, ...(o.vlines ?? []), ...(o.hlines ?? [])].filter((e) => e.label !== "").length;
  const legendH = 16 * legendRows + 8;
  const W = o.width ?? 640, H = (o.height ?? 360) + legendH;
  const pw = W - m.l - m.r, ph = H - m.t - m.b - legendH;
  const xs: number[] = [], ys: number[] = [];
  for (const s of o.series) {
    xs.push(...(s.kind === "bars" ? s.x.flatMap((x) => [x, x + s.width]) : s.x));
    if (s.kind === "band" || s.kind === "errorbars") ys.push(...s.lo, ...s.hi);
    if (s.kind !== "band") ys.push(...s.y);
    if (s.kind === "bars") ys.push(0);
  }
  for (const v of o.vlines ?? []) xs.push(v.at);
  for (const h of o.hlines ?? []) ys.push(h.at);
  const log = (v: number) => {
    if (!o.log10) throw new Error("svg: a log axis needs options.log10");
    if (!(v > 0)) throw new RangeError(`svg: ${v} on a log axis`);
    return o.log10(v);
  };
  const [x0, x1] = extent(o.x.log ? xs.filter((v) => v > 0) : xs, o.x);
  const [y0, y1] = extent(o.y.log ? ys.filter((v) => v > 0) : ys, o.y);
  const tx = (v: number) => m.l + (o.x.log ? (log(v) - log(x0)) / (log(x1) - log(x0)) : (v - x0) / (x1 - x0)) * pw;
  const ty = (v: number) => m.t + ph - (o.y.log ? (log(v) - log(y0)) / (log(y1) - log(y0)) : (v - y0) / (y1 - y0)) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${num(W / 2)}" y="20" text-anchor="middle" font-size="15" font-weight="bold" fill="${PALETTE_TEXT}">${escapeXml(o.title)}</text>`);
  if (o.subtitle) out.push(`<text x="${num(W / 2)}" y="38" text-anchor="middle" font-size="11" fill="#555">${escapeXml(o.subtitle)}</text>`);
  // grid and ticks
  const xt = o.x.log ? decades(x0, x1) : niceTicks(x0, x1, 6);
  const yt = o.y.log ? decades(y0, y1) : niceTicks(y0, y1, 5);
  for (const t of xt) {
    const X = num(tx(t));
    out.push(`<line x1="${X}" y1="${num(m.t)}" x2="${X}" y2="${num(m.t + ph)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${X}" y="${num(m.t + ph + 16)}" text-anchor="middle" fill="${PALETTE_TEXT}">${escapeXml(tickLabel(t))}</text>`);
  }
  for (const t of yt) {
    const Y = num(ty(t));
    out.push(`<line x1="${num(m.l)}" y1="${Y}" x2="${num(m.l + pw)}" y2="${Y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${num(m.l - 6)}" y="${Y}" dy="4" text-anchor="end" fill="${PALETTE_TEXT}">${escapeXml(tickLabel(t))}</text>`);
  }
  out.push(`<rect x="${num(m.l)}" y="${num(m.t)}" width="${num(pw)}" height="${num(ph)}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${num(m.l + pw / 2)}" y="${num(m.t + ph + 36)}" text-anchor="middle" fill="${PALETTE_TEXT}">${escapeXml(o.x.label)}</text>`);
  out.push(`<text transform="translate(16 ${num(m.t + ph / 2)}) rotate(-90)" text-anchor="middle" fill="${PALETTE_TEXT}">${escapeXml(o.y.label)}</text>`);
  out.push(`<clipPath id="plot"><rect x="${num(m.l)}" y="${num(m.t)}" width="${num(pw)}" height="${num(ph)}"/></clipPath>`);
  out.push(`<g clip-path="url(#plot)">`);
  for (const s of o.series) {
    if (s.kind === "band") {
      const top = s.x.map((x, i) => `${num(tx(x))},${num(ty(s.hi[i]!))}`);
      const bottom = s.x.map((x, i) => `${num(tx(x))},${num(ty(s.lo[i]!))}`).reverse();
      out.push(`<polygon points="${[...top, ...bottom].join(" ")}" fill="${s.color}" fill-opacity="0.18" stroke="none"/>`);
    } else if (s.kind === "bars") {
      s.x.forEach((x, i) => {
        const yv = s.y[i]!, a = ty(Math.max(yv, 0)), b = ty(Math.min(yv, 0));
        out.push(`<rect x="${num(tx(x))}" y="${num(a)}" width="${num(Math.max(0.5, tx(x + s.width) - tx(x) - 1))}" height="${num(Math.max(0, b - a))}" fill="${s.color}" fill-opacity="0.75"/>`);
      });
    } else if (s.kind === "line") {
      out.push(`<polyline points="${s.x.map((x, i) => `${num(tx(x))},${num(ty(s.y[i]!))}`).join(" ")}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ' stroke-dasharray="6 4"' : ""}/>`);
      if (s.markers) s.x.forEach((x, i) => out.push(`<circle cx="${num(tx(x))}" cy="${num(ty(s.y[i]!))}" r="3" fill="${s.color}"/>`));
    } else if (s.kind === "points") {
      s.x.forEach((x, i) => out.push(marker(s.shape ?? "circle", tx(x), ty(s.y[i]!), s.color)));
    } else {
      s.x.forEach((x, i) => {
        const X = num(tx(x));
        out.push(`<line x1="${X}" y1="${num(ty(s.lo[i]!))}" x2="${X}" y2="${num(ty(s.hi[i]!))}" stroke="${s.color}" stroke-width="1.5"/>`);
        out.push(`<circle cx="${X}" cy="${num(ty(s.y[i]!))}" r="3.5" fill="${s.color}"/>`);
      });
    }
  }
  for (const v of o.vlines ?? []) {
    const X = num(tx(v.at));
    out.push(`<line x1="${X}" y1="${num(m.t)}" x2="${X}" y2="${num(m.t + ph)}" stroke="${v.color}" stroke-width="1.5"${v.dash ? ' stroke-dasharray="5 4"' : ""}/>`);
  }
  for (const h of o.hlines ?? []) {
    const Y = num(ty(h.at));
    out.push(`<line x1="${num(m.l)}" y1="${Y}" x2="${num(m.l + pw)}" y2="${Y}" stroke="${h.color}" stroke-width="1.5"${h.dash ? ' stroke-dasharray="5 4"' : ""}/>`);
  }
  out.push(`</g>`);
  // legend
  let ly = m.t + ph + 52;
  const entry = (sw: string, label: string) => {
    if (label === "") return; // an unlabelled line (e.g. the second of a +- pair) has no legend row
    out.push(`<g transform="translate(${num(m.l)} ${num(ly)})">${sw}<text x="26" y="4" fill="${PALETTE_TEXT}">${escapeXml(label)}</text></g>`);
    ly += 16;
  };
  for (const s of o.series) {
    const sw = s.kind === "band" ? `<rect x="0" y="-5" width="20" height="10" fill="${s.color}" fill-opacity="0.25"/>`
      : s.kind === "bars" ? `<rect x="4" y="-5" width="12" height="10" fill="${s.color}" fill-opacity="0.75"/>`
      : s.kind === "points" ? marker(s.shape ?? "circle", 10, 0, s.color)
      : s.kind === "errorbars" ? `<line x1="10" y1="-6" x2="10" y2="6" stroke="${s.color}"/><circle cx="10" cy="0" r="3.5" fill="${s.color}"/>`
      : `<line x1="0" y1="0" x2="20" y2="0" stroke="${s.color}" stroke-width="2"${s.dash ? ' stroke-dasharray="6 4"' : ""}/>`;
    entry(sw, s.label);
  }
  for (const l of [...(o.vlines ?? []), ...(o.hlines ?? [])]) entry(`<line x1="0" y1="0" x2="20" y2="0" stroke="${l.color}" stroke-width="1.5"${l.dash ? ' stroke-dasharray="5 4"' : ""}/>`, l.label);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

function marker(shape: "circle" | "square" | "diamond", x: number, y: number, color: string): string {
  if (shape === "square") return `<rect x="${num(x - 4)}" y="${num(y - 4)}" width="8" height="8" fill="${color}"/>`;
  if (shape === "diamond") return `<polygon points="${num(x)},${num(y - 5)} ${num(x + 5)},${num(y)} ${num(x)},${num(y + 5)} ${num(x - 5)},${num(y)}" fill="${color}"/>`;
  return `<circle cx="${num(x)}" cy="${num(y)}" r="4" fill="${color}"/>`;
}
