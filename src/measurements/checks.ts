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

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/**
 * One list syntax for every list option of the CLI and every list of a spec file: values given
 * one after another (`-m 64 128 256`), comma-separated (`-m 64,128,256`), or both; integer lists
 * also take inclusive ranges (`--seeds 0-9`, `--seeds 0-4,7`). A JSON spec may give a list as an
 * array of numbers or of such strings, or as one string. Empty lists and empty or reversed ranges
 * are refused (`where` names the option or the spec key).
 */
export function parseList(where: string, v: unknown, kind: "int" | "number" | "string"): (number | string)[] {
  const items = Array.isArray(v) ? v : [v];
  const out: (number | string)[] = [];
  for (const item of items) {
    if (typeof item === "number") {
      if (kind === "string") throw new UsageError(`${where}: expected names, got the number ${item}`);
      if (kind === "int" && !Number.isSafeInteger(item)) throw new UsageError(`${where}: ${item} is not an integer`);
      if (!Number.isFinite(item)) throw new UsageError(`${where}: ${item} is not a finite number`);
      out.push(item);
      continue;
    }
    if (typeof item !== "string") throw new UsageError(`${where}: expected a list, got ${show(item)}`);
    for (const raw of item.split(",")) {
      const t = raw.trim();
      if (t === "") throw new UsageError(`${where}: an empty item in ${show(item)}`);
      if (kind === "string") {
        out.push(t);
        continue;
      }
      const range = kind === "int" ? /^(\d+)-(\d+)$/.exec(t) : null;
      if (range) {
        const a = Number(range[1]), b = Number(range[2]);
        if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) throw new UsageError(`${where}: ${t} is out of range`);
        if (b < a) throw new UsageError(`${where}: the range ${t} is empty (write it low-high)`);
        if (b - a >= 1_000_000) throw new UsageError(`${where}: the range ${t} has more than a million values`);
        for (let x = a; x <= b; x++) out.push(x);
        continue;
      }
      const x = Number(t);
      if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) || !Number.isFinite(x)) {
        throw new UsageError(`${where}: ${show(t)} is not ${kind === "int" ? "an integer or a range like 0-9" : "a number"}`);
      }
      if (kind === "int" && !Number.isSafeInteger(x)) throw new UsageError(`${where}: ${t} is not an integer`);
      out.push(x);
    }
  }
  if (out.length === 0) throw new UsageError(`${where}: the list is empty`);
  return out;
}
