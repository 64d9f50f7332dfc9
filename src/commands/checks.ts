// The CLI's argument checks, one place for each: every failure is a one-line UsageError naming
// the option (exit 2).
import { totalmem } from "node:os";
import { UsageError } from "../errors.js";
import { MAX_ALLOC_BYTES } from "../../bindings/index.js";

/** An integer in [lo, hi]. */
export function checkInt(name: string, x: number, lo: number, hi: number): void {
  if (!Number.isInteger(x) || x < lo || x > hi) throw new UsageError(`--${name} must be an integer in [${lo}, ${hi}], got ${x}`);
}

/** checkInt when the option was given. */
export function checkOptionalInt(name: string, x: number | undefined, lo: number, hi: number): void {
  if (x !== undefined) checkInt(name, x, lo, hi);
}

/** A seed: a safe integer >= 0 (it names streams; src/prng.ts seedWords). */
export function checkSeed(x: number, name = "seed"): void {
  if (!Number.isSafeInteger(x) || x < 0) throw new UsageError(`--${name} must be an integer >= 0, got ${x}`);
}

/** A confidence level in (0, 1). */
export function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new UsageError(`--level must be in (0, 1), got ${level}`);
}

/** The alphas of the selection rule, each in [0, 1]. */
export function checkAlphas(alphas: readonly number[]): void {
  for (const a of alphas) if (!(a >= 0 && a <= 1)) throw new UsageError(`--alpha must be in [0, 1], got ${a}`);
}

/** Memory one worker may hold: its own core, a copy of the dataset and the training workspaces
 *  (measured: 160 MB per worker training on MNIST, /usr/bin/time maxrss of bank train at 1 and 4
 *  workers); 256 MiB leaves room for larger datasets. */
export const WORKER_BYTES = 256 * 2 ** 20;

/** The most worker threads this machine can hold: half its memory at WORKER_BYTES each (at
 *  least 1, at most 1024). */
export function maxWorkers(): number {
  return Math.max(1, Math.min(1024, Math.floor(totalmem() / 2 / WORKER_BYTES)));
}

/** --workers, when given: 1 to maxWorkers() threads. */
export function checkWorkers(x: number | undefined): void {
  if (x !== undefined && (!Number.isInteger(x) || x < 1 || x > maxWorkers())) {
    throw new UsageError(`--workers must be an integer in [1, ${maxWorkers()}] (this machine's ${(totalmem() / 2 ** 30).toFixed(1)} GiB hold ${maxWorkers()} workers of ${WORKER_BYTES / 2 ** 20} MiB in half its memory), got ${x}`);
  }
}

/** The --workers option of every command that runs a worker pool. */
export const workersOption = {
  type: "number",
  describe: `worker threads (default: one per core; at most ${maxWorkers()} here, by memory); results do not depend on it`,
} as const;

/** A folder option (--out, --cache): one non-empty path; "" or a bare --out is a usage error,
 *  never the current folder. */
export function folderOption<E extends { demandOption?: true; default?: string }>(name: string, describe: string, extra: E) {
  return {
    type: "string" as const,
    describe,
    ...extra,
    coerce: (v: unknown): string => {
      if (Array.isArray(v)) throw new UsageError(`--${name} was given ${v.length} times; give it once`);
      if (typeof v !== "string" || v.trim() === "") throw new UsageError(`--${name} must name a folder, got ${v === "" ? "an empty value" : JSON.stringify(v)}`);
      return v;
    },
  };
}

/** -M/--runs: Monte Carlo runs, at most RUNS_MAX; with R experts known, their error counts
 *  (i32 [M, R], one buffer in the core) must fit the core's largest buffer. */
export const RUNS_MAX = 2 ** 24;
export function checkRuns(M: number, R?: number): void {
  checkInt("runs", M, 1, RUNS_MAX);
  if (R !== undefined && M * R * 4 > MAX_ALLOC_BYTES) {
    throw new UsageError(`--runs ${M} with R = ${R} experts needs ${((M * R * 4) / 2 ** 30).toFixed(2)} GiB of error counts (i32 [M, R]), more than the core's largest buffer: at most ${Math.floor(MAX_ALLOC_BYTES / (4 * R))} runs`);
  }
}

/** --points of a lambda grid: each point is one Blahut-Arimoto solve. */
export const POINTS_MAX = 10000;
