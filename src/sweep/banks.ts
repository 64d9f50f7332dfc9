// The registry's measurements over several banks (those with a `perBank` facet: the grid,
// scaling) as sweeps: which they are, and their options written as a sweep's spec and read back,
// in one place. The spec's axes are the measurement's: R (counts), n (subsetSizes), the experts'
// widths (widths), one bank seed per result; M, m, bootstrap and the Monte Carlo seed are the
// spec's runs, ms, bootstrap and mcSeed; the rest of its options are the spec's "options". Keys a
// measurement has no use for (scaling: ms, runs, bootstrap; both: boundsRuns) keep their defaults
// and are not part of any cell's key.
import { UsageError } from "../errors.js";
import { registry } from "../measurements/registry.js";
import type { AnyMeasurement, PerBank } from "../measurements/measurement.js";
import { parseList } from "../measurements/checks.js";

/** The registry's entries a sweep runs bank by bank, by name. */
export const BANKS_MEASUREMENTS: readonly string[] = registry.filter((m) => (m as AnyMeasurement).perBank !== undefined).map((m) => m.name);

/** A measurement over banks and its perBank facet (null for any other name). */
export function banksEntry(name: string): { entry: AnyMeasurement; perBank: PerBank<unknown, unknown, unknown> } | null {
  const entry = registry.find((m) => m.name === name) as AnyMeasurement | undefined;
  return entry?.perBank ? { entry, perBank: entry.perBank as PerBank<unknown, unknown, unknown> } : null;
}

/** The spec's values of a measurement's axes and settings (see the header). */
export interface BanksSpecPart {
  counts: number[];
  subsetSizes: number[];
  widths?: string[];
  ms: number[];
  runs?: number;
  bootstrap?: number;
  mcSeed: number;
  options: Record<string, unknown>;
}

/** How each measurement's options map onto the spec, both ways, and its own option keys. */
const MAPS: Record<string, { optionKeys: readonly string[]; toSpec(o: Record<string, unknown>): BanksSpecPart; fromSpec(p: BanksSpecPart): Record<string, unknown>; parse(key: string, v: unknown, where: string): unknown }> = {
  grid: {
    optionKeys: ["alphas", "level"],
    toSpec: (o) => ({ counts: o.counts as number[], subsetSizes: o.sizes as number[], ms: [o.m as number], runs: o.M as number, bootstrap: o.bootstrap as number, mcSeed: o.seed as number, options: { alphas: o.alphas, level: o.level } }),
    fromSpec: (p) => ({ counts: p.counts, sizes: p.subsetSizes, M: p.runs, m: p.ms[0], alphas: p.options.alphas, seed: p.mcSeed, bootstrap: p.bootstrap, level: p.options.level }),
    parse: (key, v, where) => (key === "alphas" ? parseList(where, v, "number") : number(where, v)),
  },
  scaling: {
    optionKeys: ["widthExperts", "subsets", "rhos"],
    toSpec: (o) => ({ counts: o.counts as number[], subsetSizes: [o.subsetSize as number], widths: o.widths as string[], ms: [256], mcSeed: o.seed as number, options: { widthExperts: o.widthExperts, subsets: o.subsets, rhos: o.rhos } }),
    fromSpec: (p) => ({ counts: p.counts, widths: p.widths ?? [], widthExperts: p.options.widthExperts, subsetSize: p.subsetSizes[0], subsets: p.options.subsets, rhos: p.options.rhos, seed: p.mcSeed }),
    parse: (key, v, where) => {
      if (key !== "rhos") return number(where, v);
      // null is the unconstrained oracle (the command always adds it)
      if (!Array.isArray(v) || v.length === 0) throw new UsageError(`${where} must be a non-empty list of rates in nats (null: unconstrained)`);
      return v.map((x) => (x === null ? null : (parseList(where, x, "number")[0] as number)));
    },
  },
};

function number(where: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new UsageError(`${where} must be a number, got ${JSON.stringify(v) ?? String(v)}`);
  return v;
}

/** A measurement's options as the spec's values. */
export function banksSpecOf(name: string, options: Record<string, unknown>): BanksSpecPart {
  return MAPS[name]!.toSpec(options);
}

/** The measurement's options of a spec's values. */
export function banksOptionsOf(name: string, p: BanksSpecPart): Record<string, unknown> {
  return MAPS[name]!.fromSpec(p);
}

/** The spec's "options" of a measurement: its defaults (full or quick) with the given keys over
 *  them, each checked; an unknown key is one UsageError line. */
export function banksOptions(name: string, raw: unknown, quick: boolean, where: string): Record<string, unknown> {
  const map = MAPS[name]!;
  const defaults = banksSpecOf(name, banksEntry(name)!.entry.defaults[quick ? "quick" : "full"] as Record<string, unknown>).options;
  if (raw === undefined) return defaults;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new UsageError(`${where} must be an object of ${name}'s settings (${map.optionKeys.join(", ")})`);
  const out = { ...defaults };
  for (const [k, v] of Object.entries(raw)) {
    if (!map.optionKeys.includes(k)) throw new UsageError(`${where}: ${JSON.stringify(k)} is not a setting of ${name} (${map.optionKeys.join(", ")})`);
    out[k] = map.parse(k, v, `${where}: "${k}"`);
  }
  return out;
}
