// The checks of a measurement's options, one place for each: every failure is a one-line
// UsageError naming the option as the CLI spells it (exit 2).
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

/** -M/--runs: Monte Carlo runs, at most RUNS_MAX; with R experts known, their error counts
 *  (i32 [M, R], one buffer in the core) must fit the core's largest buffer. */
export const RUNS_MAX = 0x1000000;
export function checkRuns(M: number, R?: number): void {
  checkInt("runs", M, 1, RUNS_MAX);
  if (R !== undefined && M * R * 4 > MAX_ALLOC_BYTES) {
    throw new UsageError(`--runs ${M} with R = ${R} experts needs ${((M * R * 4) / 0x40000000).toFixed(2)} GiB of error counts (i32 [M, R]), more than the core's largest buffer: at most ${Math.floor(MAX_ALLOC_BYTES / (4 * R))} runs`);
  }
}

/** --points of a lambda grid: each point is one Blahut-Arimoto solve. */
export const POINTS_MAX = 10000;
