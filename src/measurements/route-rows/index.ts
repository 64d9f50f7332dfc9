// How much the routing curve D(rho) (Section V-A, eq. 27) owes to its rows: a bootstrap band over
// the routing rows for D(rho), the oracle error and the least rate reaching it, and the curve on
// the first n rows (the paper's), a random n and all N (src/routing/curve-uncertainty.ts).
import { UsageError } from "../../errors.js";
import { checkInt, checkLevel, checkSeed } from "../checks.js";
import { paperRoutingN } from "../../routing/curve.js";
import { curveBand, rowSensitivity, type CurveBand, type CurveSummary, type RowSensitivity } from "../../routing/curve-uncertainty.js";
import { chart, COLORS as C, PALETTE } from "../../plot/svg.js";
import { markdownTable } from "../../plot/table.js";
import { measurement } from "../measurement.js";

export interface RouteRowsOptions {
  /** the routing rows: the first n (default paperRoutingN(N)) */
  n?: number;
  /** rates (nats) of D(rho) */
  rho: number[];
  /** bootstrap resamples of the n rows */
  resamples: number;
  seed: number;
  level: number;
}

export interface RouteRowsResult {
  file: string;
  N: number;
  R: number;
  units: "nats";
  band: CurveBand;
  sensitivity: RowSensitivity;
}

/** The rates of the band: dense enough to draw the curve, the report's three among them. */
export const ROUTE_ROWS_RHO: readonly number[] = [0.0125, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2];

const FULL: RouteRowsOptions = { rho: [...ROUTE_ROWS_RHO], resamples: 200, seed: 0, level: 0.95 };

const f4 = (x: number): string => x.toFixed(4);

/** The Markdown of the band and the sensitivity. */
export function renderRouteRows(r: RouteRowsResult): string {
  const b = r.band, s = r.sensitivity;
  const pct = `${Math.round(b.level * 100)}%`;
  const bandRows = [
    ...b.rho.map((rho, j) => [`D(${rho})`, f4(b.estimate.d[j]!), `[${f4(b.d[j]!.lo)}, ${f4(b.d[j]!.hi)}]`]),
    ["oracle error", f4(b.estimate.oracleError), `[${f4(b.oracleError.lo)}, ${f4(b.oracleError.hi)}]`],
    ["least rate at the oracle error (nats)", f4(b.estimate.leastRate), `[${f4(b.leastRate.lo)}, ${f4(b.leastRate.hi)}]`],
    ["best single expert's error (rate 0)", f4(b.estimate.bestError), `[${f4(b.bestError.lo)}, ${f4(b.bestError.hi)}]`],
  ];
  const sens = (q: CurveSummary) => [String(q.n), String(q.K), f4(q.bestError), f4(q.oracleError), f4(q.leastRate), ...q.d.map(f4)];
  return [
    `Bootstrap over the routing rows (the first ${b.n} of ${r.N} test items, R = ${r.R}): ${b.resamples} resamples of the ${b.n} rows with replacement (seed ${b.seed}), each solved as the original; ${pct} percentile band. ` +
      "The curve is an in-sample envelope (each row routed by its own losses): the band is how much that envelope moves with the rows, not an interval around a deployable gate. " +
      "A resample repeats rows (about 63% of them distinct), so it has fewer loss patterns to route and its envelope sits a little lower on average than the rows' own.",
    "",
    markdownTable(["quantity", `first ${b.n} rows`, `${pct} band`], bandRows),
    "",
    `The same curve on other rows (random ${s.rows[1]!.summary.n}: seed ${s.seed}, drawn without replacement):`,
    "",
    markdownTable(["rows", "n", "patterns K", "best expert", "oracle error", "least rate", ...s.rho.map((x) => `D(${x})`)], s.rows.map((q) => [q.label, ...sens(q.summary)])),
  ].join("\n");
}

/** The band and the other rows' curves (rate 0: the best expert; then D(rho); the least rate:
 *  the oracle error), with optional extra points (a learned gate's held-out points). */
export function figRouteRows(r: RouteRowsResult, extra?: { label: string; rate: number[]; distortion: number[] }): string {
  const b = r.band;
  const curve = (q: CurveSummary) => {
    const xs = [0, ...b.rho.filter((x) => x < q.leastRate), q.leastRate];
    const ys = [q.bestError, ...q.d.filter((_, j) => b.rho[j]! < q.leastRate), q.oracleError];
    return { x: xs, y: ys };
  };
  const inBand = b.rho.map((x, j) => ({ x, lo: b.d[j]!.lo, hi: b.d[j]!.hi }));
  const bx = [0, ...inBand.map((p) => p.x)], blo = [b.bestError.lo, ...inBand.map((p) => p.lo)], bhi = [b.bestError.hi, ...inBand.map((p) => p.hi)];
  return chart({
    title: "The routing curve D(rho) and its rows",
    subtitle: `${Math.round(b.level * 100)}% bootstrap band over the first ${b.n} rows (${b.resamples} resamples); the same envelope on other rows; R = ${r.R}`,
    x: { label: "rate I(X;T), nats", min: 0 },
    y: { label: "distortion D (0-1 error)", min: 0 },
    series: [
      { kind: "band", label: `band (first ${b.n} rows)`, x: bx, lo: blo, hi: bhi, color: C.blue },
      ...r.sensitivity.rows.map((q, k) => ({ kind: "line" as const, label: `${q.label} rows (in-sample envelope)`, ...curve(q.summary), color: PALETTE[k]!, markers: true, dash: k > 0 })),
      ...(extra ? [{ kind: "points" as const, label: extra.label, x: extra.rate, y: extra.distortion, color: C.red, shape: "diamond" as const }] : []),
    ],
  });
}

export const routeRows = measurement({
  name: "route-rows",
  title: "how the routing curve D(rho) depends on its rows: a bootstrap band over the rows, and the curve on the first n, a random n and all rows",
  inputs: "test",
  defaults: { full: FULL, quick: { ...FULL, rho: [0.05, 0.1, 0.2], resamples: 10 } },
  validate(o: RouteRowsOptions, inputs) {
    checkSeed(o.seed);
    checkLevel(o.level);
    checkInt("resamples", o.resamples, 1, 100_000);
    if (o.rho.length === 0) throw new UsageError("--rho needs at least one rate");
    for (const r of o.rho) if (!(r >= 0) || !Number.isFinite(r)) throw new UsageError(`--rho must be a finite number >= 0, got ${r}`);
    if (inputs !== undefined) {
      const N = inputs.test.N, n = o.n ?? paperRoutingN(N);
      if (!Number.isInteger(n) || n < 1 || n > N) throw new UsageError(`--n must be an integer in [1, ${N}] (the items in ${inputs.names.test}), got ${o.n}`);
    }
  },
  async run({ core, test, names }, o, hooks = {}): Promise<RouteRowsResult> {
    const n = o.n ?? paperRoutingN(test.N);
    const band = curveBand(core, test, n, o.rho, { resamples: o.resamples, seed: o.seed, level: o.level, onProgress: (d, t) => hooks.progress?.(d, t, "resamples") });
    const sensitivity = rowSensitivity(core, test, n, o.rho, o.seed);
    return { file: names.test, N: test.N, R: test.R, units: "nats", band, sensitivity };
  },
  render: renderRouteRows,
  figures: (r) => ({ "d-rho-rows.svg": figRouteRows(r) }),
});
