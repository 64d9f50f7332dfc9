// A command is a thin adapter over a measurement (src/measurements/): options from the
// measurement's defaults and the flags, validate, load the inputs, validate against them, run,
// emit (--json prints the result; otherwise the measurement's text). This file is the adapter
// and the flags the selection measurements share.
import type { Argv } from "yargs";
import { join } from "node:path";
import { Core } from "../../bindings/index.js";
import { writeAtomic } from "../io/files.js";
import { emit, progressEnabled, type GlobalOptions } from "../output.js";
import type { Hooks, Measurement } from "../measurements/measurement.js";
import type { SelectionConfig } from "../estimators/sweep.js";
import { readLossMatrix, readLossPair } from "../formats/losses.js";
import { listOption } from "./checks.js";
import type { PairInputs, TestInputs } from "../measurements/measurement.js";

/** Progress and log lines on stderr, prefixed with the measurement's name (when enabled). */
export function cliHooks(a: GlobalOptions, name: string): Hooks {
  if (!progressEnabled(a)) return {};
  let last = 0;
  return {
    progress(done, total, label) {
      const now = Date.now();
      if (done < total && now - last < 2000) return;
      last = now;
      process.stderr.write(`${name}: ${done}/${total}${label ? ` ${label}` : ""}\n`);
    },
    log: (line) => process.stderr.write(`${name}: ${line}\n`),
  };
}

/** Validates `options`, loads the inputs, validates them together (then calls `ready`, e.g. for
 *  a hint on stderr), runs and returns the result. */
export async function measure<I, O, R>(m: Measurement<I, O, R>, a: GlobalOptions, options: O, load: () => Promise<I>, ready?: (inputs: I) => void): Promise<R> {
  m.validate(options);
  const inputs = await load();
  m.validate(options, inputs);
  ready?.(inputs);
  return m.run(inputs, options, cliHooks(a, m.name));
}

/** measure, then print the result (--json) or its text. */
export async function measureAndEmit<I, O, R>(m: Measurement<I, O, R>, a: GlobalOptions, options: O, load: () => Promise<I>, ready?: (inputs: I) => void): Promise<void> {
  emit(a, await measure(m, a, options, load, ready), (r) => m.render(r));
}

/** Writes `${name}.json`, `${name}.md` and the figures into `out` (each file atomically). */
export async function writeExperiment(out: string, name: string, result: unknown, md: string, figures: Record<string, string>): Promise<string[]> {
  for (const [file, svg] of Object.entries(figures)) await writeAtomic(join(out, file), svg);
  await writeAtomic(join(out, `${name}.json`), JSON.stringify(result, null, 2) + "\n");
  await writeAtomic(join(out, `${name}.md`), md);
  return [`${name}.json`, `${name}.md`, ...Object.keys(figures)];
}

/** Prints a measurement's result; with --out, first writes it there (result, Markdown, figures). */
export async function emitExperiment<I, O, R>(a: GlobalOptions & { out?: string }, m: Measurement<I, O, R>, r: R, core: Core): Promise<void> {
  const md = m.render(r);
  const files = a.out !== undefined ? await writeExperiment(a.out, m.name, r, md, m.figures?.(r, core) ?? {}) : [];
  emit(a, r, () => (a.out !== undefined ? `${md}\nwritten to ${a.out}: ${files.join(", ")}` : md));
}

/** A bank's two loss matrices (.npy) and the core: the inputs of select, tables and bounds. */
export async function pairInputs(train: string, test: string): Promise<PairInputs> {
  const pair = await readLossPair(train, test);
  return { core: await Core.load(), ...pair, names: { train, test } };
}

/** A bank's test loss matrix (.npy) and the core: the inputs of route and gates. */
export async function testInputs(test: string): Promise<TestInputs> {
  const L = await readLossMatrix(test);
  return { core: await Core.load(), test: L, names: { test } };
}

export const TRAIN_LOSSES = { type: "string", demandOption: true, describe: "0-1 losses on the training pool: .npy, uint8 or bool, shape [R, Npool]" } as const;
export const TEST_LOSSES = { type: "string", demandOption: true, describe: "0-1 losses on the test split: .npy, uint8 or bool, shape [R, Ntest]" } as const;

export interface SelectionArgs {
  runs: number;
  sampleSize: number;
  alpha: number[];
  seed: number;
  bootstrap: number;
  level: number;
}

/** The selection protocol's flags (-M, -m, --alpha, --seed, -B, --level), declared once for
 *  select, tables, bounds and grid; each command says what its runs and seed mean. */
export function selectionFlags<T>(c: Argv<T>, d: SelectionConfig, say: { runs: string; sampleSize?: string; seed: string; bootstrap: string; level: string; alpha?: string }) {
  const base = c
    .option("runs", { alias: "M", type: "number", default: d.M, describe: say.runs })
    .option("sample-size", { alias: "m", type: "number", default: d.m, describe: say.sampleSize ?? "sample size m = |S|" });
  const withAlpha = say.alpha === undefined ? base : base.option("alpha", listOption("alpha", "number", say.alpha, { default: [...d.alphas] }));
  return withAlpha
    .option("seed", { type: "number", default: d.seed, describe: say.seed })
    .option("bootstrap", { alias: "B", type: "number", default: d.bootstrap, describe: say.bootstrap })
    .option("level", { type: "number", default: d.level, describe: say.level });
}

/** The flags as a SelectionConfig (alphas: the flag, or `alphas` when the command fixes them). */
export function selectionOf(a: Omit<SelectionArgs, "alpha"> & { alpha?: number[] }, alphas?: readonly number[]): SelectionConfig {
  return { M: a.runs, m: a.sampleSize, alphas: alphas ?? a.alpha!, seed: a.seed, bootstrap: a.bootstrap, level: a.level };
}
