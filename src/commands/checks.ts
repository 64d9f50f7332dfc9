// The CLI's argument checks, one place for each: every failure is a one-line UsageError naming
// the option (exit 2).
import { UsageError } from "../errors.js";

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

/** --workers, when given: 1 to 1024 threads. */
export function checkWorkers(x: number | undefined): void {
  checkOptionalInt("workers", x, 1, 1024);
}

/** A confidence level in (0, 1). */
export function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new UsageError(`--level must be in (0, 1), got ${level}`);
}

/** The alphas of the selection rule, each in [0, 1]. */
export function checkAlphas(alphas: readonly number[]): void {
  for (const a of alphas) if (!(a >= 0 && a <= 1)) throw new UsageError(`--alpha must be in [0, 1], got ${a}`);
}
