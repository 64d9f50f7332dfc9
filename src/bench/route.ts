// The routing benchmark (Section V-A; docs/DESIGN.md section 1): the full 25-point lambda sweep of `moe-bank route` (Newton on
// the distinct loss patterns, warm starts, the closed-form vertex past lambda_max, every point
// stopped by its certificate) on the first n = 2,000 items of a 25-expert 0-1 loss matrix, timed
// as the median of `repeats` runs after a warm-up run, beside the numpy peer bench/ba_peer.py
// (plain Blahut-Arimoto, eqs. 28-29, vectorised over all n rows, at most 10,000 updates per
// lambda) on the same file, the same lambdas and the same tol, in the same run.
// Without a loss matrix it synthesizes the MNIST-like 25 x 10,000 test matrix of
// src/bench/synthetic-bank.ts and writes it to a temporary file for the peer.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Core } from "../../bindings/index.js";
import { encodeNpy } from "../formats/npy.js";
import { readLossMatrix } from "../formats/losses.js";
import { MoeBankError } from "../errors.js";
import { lambdaGrid, paperRoutingN, sweep, type SweepResult } from "../routing/curve.js";
import { RoutingProblem } from "../routing/ba.js";
import { syntheticBank } from "./synthetic-bank.js";

export interface RouteBenchOptions {
  /** A 0-1 loss matrix .npy [R, N] (default: the synthetic MNIST-like 25 x 10,000 test matrix). */
  lossesPath?: string;
  /** The first n items (default 2000). */
  n?: number;
  /** Lambdas, log-spaced in [1e-3, 10] (default 25). */
  points?: number;
  /** Certificate tolerance (default 1e-10). */
  tol?: number;
  /** Timed runs after the warm-up (default 5). */
  repeats?: number;
  /** Run the numpy peer (default true). */
  peer?: boolean;
  /** Updates per lambda for the peer (default 10,000). */
  peerMaxIter?: number;
  log?: (line: string) => void;
}

export interface RoutePeerPoint {
  lambda: number;
  iterations: number;
  certificate: number;
  converged: boolean;
  rate: number;
  distortion: number;
}

export interface RouteBenchResult {
  node: string;
  /** The file swept, or "synthetic" (MNIST-like, seed 7). */
  source: string;
  N: number;
  n: number;
  R: number;
  /** Distinct loss patterns among the n items (what our iteration runs over). */
  K: number;
  tol: number;
  lambdas: number[];
  ours: {
    method: string;
    /** Median seconds of a full sweep (grouping the rows into patterns, the curve's ends, every
     *  point), after one warm-up run. */
    medianSeconds: number;
    samples: number[];
    warmupSeconds: number;
    maxCertificate: number;
    /** Every point's certificate <= tol. */
    allCertified: boolean;
    /** Totals over the points (and the lambda = 0 solve of the ends, separately). */
    evaluations: number;
    iterations: number;
    endsEvaluations: number;
    /** Points returned as the closed-form vertex (lambda >= lambda_max). */
    vertexPoints: number;
    lambdaMax: number | null;
    points: { lambda: number; certificate: number; iterations: number; evaluations: number; rate: number; distortion: number; vertex: boolean }[];
  };
  peer:
    | null
    | { skipped: string }
    | {
        numpyVersion: string;
        maxIter: number;
        seconds: number;
        iterations: number;
        converged: number;
        points: number;
        maxCertificate: number;
        /** The largest |difference| in rate and distortion from ours over the points the peer
         *  certified (null if none). */
        agreement: { points: number; rate: number; distortion: number } | null;
        perPoint: RoutePeerPoint[];
      };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** The python that has numpy: Debian's /usr/bin/python3 first, then python3 on PATH. */
export function numpyPython(): string | null {
  for (const py of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(py, ["-c", "import numpy"], { encoding: "utf8" });
    if (r.status === 0) return py;
  }
  return null;
}

export async function runRouteBench(opts: RouteBenchOptions = {}): Promise<RouteBenchResult> {
  const log = opts.log ?? (() => {});
  const tol = opts.tol ?? 1e-10;
  const repeats = opts.repeats ?? 5;
  const points = opts.points ?? 25;
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repeats must be a positive integer, got ${repeats}`);
  const core = await Core.load();
  const dir = mkdtempSync(join(tmpdir(), "moe-bank-bench-route-"));
  try {
    let file = opts.lossesPath;
    if (file === undefined) {
      log("synthesizing the MNIST-like 25 x 10000 test matrix ...");
      const { test } = syntheticBank(core, { nPool: 1 });
      file = join(dir, "test.npy");
      writeFileSync(file, encodeNpy("u8", [test.R, test.N], test.data));
    }
    const L = await readLossMatrix(file);
    const n = opts.n ?? paperRoutingN(L.N);
    if (!Number.isInteger(n) || n < 1 || n > L.N) throw new MoeBankError(`n = ${n}: expected an integer in [1, ${L.N}] (the items in ${file})`);
    const lambdas = lambdaGrid(core, points);
    const run = (): { s: SweepResult; seconds: number } => {
      const t0 = performance.now();
      const p = RoutingProblem.create(core, L, n);
      const s = sweep(core, p, { lambdas, tol });
      p.free();
      return { s, seconds: (performance.now() - t0) / 1000 };
    };
    log(`our sweep: ${points} lambdas on ${n} x ${L.R}, 1 warm-up + ${repeats} timed runs ...`);
    const warm = run();
    const samples: number[] = [];
    let s = warm.s;
    for (let k = 0; k < repeats; k++) {
      const r = run();
      samples.push(r.seconds);
      s = r.s;
    }
    const maxCertificate = Math.max(...s.points.map((p) => p.certificate));
    const ours: RouteBenchResult["ours"] = {
      method: s.method,
      medianSeconds: median(samples),
      samples,
      warmupSeconds: warm.seconds,
      maxCertificate,
      allCertified: s.points.every((p) => p.certificate <= tol),
      evaluations: s.evaluations,
      iterations: s.iterations,
      endsEvaluations: s.ends.small.evaluations,
      vertexPoints: s.points.filter((p) => p.vertex).length,
      lambdaMax: s.ends.large?.lambdaMax ?? null,
      points: s.points.map((p) => ({ lambda: p.lambda, certificate: p.certificate, iterations: p.iterations, evaluations: p.evaluations, rate: p.rate, distortion: p.distortion, vertex: p.vertex })),
    };

    let peer: RouteBenchResult["peer"] = null;
    if (opts.peer !== false) {
      const py = numpyPython();
      if (py === null) peer = { skipped: "python3 with numpy is not installed (apt-get install python3-numpy)" };
      else {
        const maxIter = opts.peerMaxIter ?? 10_000;
        log(`numpy peer: plain BA, at most ${maxIter} updates per lambda ...`);
        const script = fileURLToPath(new URL("../../../bench/ba_peer.py", import.meta.url));
        const args = [script, file, "--n", String(n), "--lambdas", lambdas.map(String).join(","), "--tol", String(tol), "--max-iter", String(maxIter)];
        const r = spawnSync(py, args, { encoding: "utf8", maxBuffer: 1 << 24 });
        if (r.status !== 0) peer = { skipped: `ba_peer.py failed: ${(r.stderr || String(r.error ?? "")).trim().split("\n").pop()}` };
        else {
          const j = JSON.parse(r.stdout) as { numpy_version: string; max_iter: number; seconds: number; iterations_total: number; per_point: RoutePeerPoint[] };
          const pp = j.per_point;
          const agree = { points: 0, rate: 0, distortion: 0 };
          for (let k = 0; k < pp.length; k++) {
            const q = pp[k]!, o = s.points[k];
            if (!q.converged || o === undefined) continue;
            agree.points++;
            agree.rate = Math.max(agree.rate, Math.abs(q.rate - o.rate));
            agree.distortion = Math.max(agree.distortion, Math.abs(q.distortion - o.distortion));
          }
          const agreement = agree.points > 0 ? agree : null;
          peer = {
            numpyVersion: j.numpy_version,
            maxIter: j.max_iter,
            seconds: j.seconds,
            iterations: j.iterations_total,
            converged: pp.filter((q) => q.converged).length,
            points: pp.length,
            maxCertificate: Math.max(...pp.map((q) => q.certificate)),
            agreement,
            perPoint: pp,
          };
        }
      }
    }
    return { node: process.version, source: opts.lossesPath ?? "synthetic", N: L.N, n, R: L.R, K: s.K, tol, lambdas, ours, peer };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The result as a Markdown table (what `moe-bank bench --suite route` prints). */
export function renderRouteBench(r: RouteBenchResult): string {
  const o = r.ours;
  const p = r.peer && "seconds" in r.peer ? r.peer : null;
  const lmax = o.lambdaMax === null ? "n/a" : Number.isFinite(o.lambdaMax) ? o.lambdaMax.toPrecision(4) : String(o.lambdaMax);
  const lines = [
    `route bench: ${r.source === "synthetic" ? "synthetic MNIST-like bank" : r.source}, first n = ${r.n} of ${r.N} items, R = ${r.R} (K = ${r.K} distinct loss patterns); ` +
      `${r.lambdas.length} lambdas log-spaced in [${r.lambdas[0]}, ${r.lambdas.at(-1)}], tol ${r.tol}; node ${r.node}, one thread`,
    "",
    "| solver | seconds | iterations | evaluations (passes over the rows) | points certified | max certificate |",
    "|---|---:|---:|---:|---:|---:|",
    `| moe-bank: ${o.method}, distinct patterns, warm starts (median of ${o.samples.length} after a warm-up) | ${o.medianSeconds.toFixed(3)} | ${o.iterations} | ${o.evaluations} (+${o.endsEvaluations} ends) | ` +
      `${o.points.filter((q) => q.certificate <= r.tol).length} / ${o.points.length}${o.vertexPoints ? ` (${o.vertexPoints} vertex)` : ""} | ${o.maxCertificate.toExponential(1)} |`,
  ];
  if (p) {
    lines.push(
      `| numpy ${p.numpyVersion}: plain BA, all n rows, warm starts, <= ${p.maxIter} updates per lambda | ${p.seconds.toFixed(2)} | ${p.iterations} | ${p.iterations + p.points} | ${p.converged} / ${p.points} | ${p.maxCertificate.toExponential(1)} |`,
    );
  }
  lines.push("");
  lines.push(
    `lambda_max = ${lmax}; ours: ${o.allCertified ? `every certificate <= ${r.tol}` : `SOME CERTIFICATES ABOVE ${r.tol}`}` +
      `; timed runs ${o.samples.map((x) => x.toFixed(3)).join(", ")} s (warm-up ${o.warmupSeconds.toFixed(3)} s). ` +
      `A pass of ours runs over the K = ${r.K} distinct patterns; one of the peer's over all n = ${r.n} rows.`,
  );
  if (p) {
    const failed = p.perPoint.filter((q) => !q.converged);
    lines.push(
      `numpy / ours: ${(p.seconds / o.medianSeconds).toFixed(0)}x the time.` +
        (failed.length ? ` The peer did not certify lambda = ${failed.map((q) => q.lambda.toPrecision(3)).join(", ")} within ${p.maxIter} updates each.` : "") +
        (p.agreement ? ` On its ${p.agreement.points} certified points it agrees with ours to ${p.agreement.rate.toExponential(1)} in rate, ${p.agreement.distortion.toExponential(1)} in distortion.` : ""),
    );
  } else if (r.peer && "skipped" in r.peer) lines.push(`numpy peer skipped: ${r.peer.skipped}`);
  return lines.join("\n");
}
