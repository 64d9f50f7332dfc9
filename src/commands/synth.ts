// `moe-bank synth gating` and `moe-bank synth constants`: the companion papers' synthetic
// experiments (src/synth/gating.ts, src/synth/constants.ts). Both are deterministic functions of
// their options and seed; --out writes the result as JSON, a markdown section and the figures.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { join } from "node:path";
import { Core } from "../../bindings/index.js";
import { detMath, log10Of } from "../math.js";
import { UsageError } from "../errors.js";
import { checkOutDir, writeAtomic } from "../io/files.js";
import { emit, progressEnabled, type GlobalOptions } from "../output.js";
import { gatingOptions, runGating, type GatingResult } from "../synth/gating.js";
import { gatingFigures, renderGating } from "../synth/gating-report.js";
import { runConstants, renderConstants, constantsFigures, type ConstantsResult } from "../synth/constants.js";
import { checkOptionalInt, checkSeed, folderOption } from "./checks.js";

interface CommonArgs extends GlobalOptions {
  quick: boolean;
  seed: number;
  out?: string;
}

interface GatingArgs extends CommonArgs {
  experts?: number;
  spacing?: number;
  noise?: number;
  candidates?: number;
  runs?: number;
  sampleSize?: number;
}

/** Writes `${name}.json`, `${name}.md` and the figures into `out` (each file atomically). */
export async function writeExperiment(out: string, name: string, result: unknown, md: string, figures: Record<string, string>): Promise<string[]> {
  for (const [file, svg] of Object.entries(figures)) await writeAtomic(join(out, file), svg);
  await writeAtomic(join(out, `${name}.json`), JSON.stringify(result, null, 2) + "\n");
  await writeAtomic(join(out, `${name}.md`), md);
  return [`${name}.json`, `${name}.md`, ...Object.keys(figures)];
}

/** Progress "label: done/total" lines on stderr (when enabled). */
export function counter(a: GlobalOptions, label: string): ((done: number, total: number) => void) | undefined {
  if (!progressEnabled(a)) return undefined;
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done < total && now - last < 2000) return;
    last = now;
    process.stderr.write(`${label}: ${done}/${total}\n`);
  };
}

async function gating(a: ArgumentsCamelCase<GatingArgs>): Promise<void> {
  checkSeed(a.seed);
  checkOptionalInt("experts", a.experts, 2, 100);
  checkOptionalInt("candidates", a.candidates, 1, 4096);
  checkOptionalInt("runs", a.runs, 1, 100_000_000);
  checkOptionalInt("sample-size", a.sampleSize, 1, 1_000_000);
  if (a.spacing !== undefined && !(a.spacing > 0 && Number.isFinite(a.spacing))) throw new UsageError(`--spacing must be > 0, got ${a.spacing}`);
  if (a.noise !== undefined && !(a.noise >= 0 && a.noise < 0.5)) throw new UsageError(`--noise must be in [0, 0.5), got ${a.noise}`);
  if (a.out !== undefined) await checkOutDir(a.out);
  const o = gatingOptions(a.quick, a.seed);
  if (a.experts !== undefined) o.model.experts = a.experts;
  if (a.spacing !== undefined) o.model.spacing = a.spacing;
  if (a.noise !== undefined) o.model.noise = a.noise;
  if (a.candidates !== undefined) o.candidates = a.candidates;
  if (a.runs !== undefined) o.M = a.runs;
  if (a.sampleSize !== undefined) o.m = a.sampleSize;
  const core = await Core.load();
  const r = runGating(core, o, counter(a, "synth gating: gates"));
  await finish(a, "synth-gating", r, renderGating(r), gatingFigures(r, log10Of(detMath(core))));
}

async function constants(a: ArgumentsCamelCase<CommonArgs>): Promise<void> {
  checkSeed(a.seed);
  if (a.out !== undefined) await checkOutDir(a.out);
  const core = await Core.load();
  const r = runConstants(core, { quick: a.quick, seed: a.seed }, counter(a, "synth constants"));
  await finish(a, "synth-constants", r, renderConstants(r), constantsFigures(r, log10Of(detMath(core))));
}

async function finish(a: CommonArgs, name: string, r: GatingResult | ConstantsResult, md: string, figures: Record<string, string>): Promise<void> {
  const files = a.out !== undefined ? await writeExperiment(a.out, name, r, md, figures) : [];
  emit(a, r, () => (a.out !== undefined ? `${md}\nwritten to ${a.out}: ${files.join(", ")}` : md));
}

export function synthCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  const common = <T>(c: Argv<T>) =>
    c
      .option("quick", { type: "boolean", default: false, describe: "a small configuration (seconds; the tests' size)" })
      .option("seed", { type: "number", default: 0, describe: "the seed of every random stream" })
      .option("out", folderOption("out", "folder for the result (.json), its markdown section (.md) and the figures (.svg)", {}));
  return y.command("synth <experiment>", "the companion papers' synthetic experiments: finite-rate gating, zero-compute constant experts", (b) =>
    b
      .command(
        "gating",
        "finite-rate gating: D(R_g) by Blahut-Arimoto on a discretized Gaussian mixture with exact I(X;T), softmax/MAP gates against it, and each term of E[R(W)] <= D(R_g) + delta_m + sqrt((2/m) I(S;W)) for an alpha-mixture learner",
        (c) =>
          common(c)
            .option("experts", { type: "number", describe: "n, components = experts (default 4)" })
            .option("spacing", { type: "number", describe: "distance between component means, in component sd (default 2.5)" })
            .option("noise", { type: "number", describe: "label noise eta in [0, 0.5) (default 0.05)" })
            .option("candidates", { alias: "B", type: "number", describe: "candidate expert sets the learner selects from (default 32; quick 16)" })
            .option("runs", { alias: "M", type: "number", describe: "independent samples S (default 4000; quick 300)" })
            .option("sample-size", { alias: "m", type: "number", describe: "items per sample (default 100)" })
            .example("$0 synth gating --out synth", "the full run (seconds), with synth-gating.{json,md} and three figures")
            .example("$0 synth gating --quick --json", "the small run as JSON"),
        (x) => gating(x as unknown as ArgumentsCamelCase<GatingArgs>),
      )
      .command(
        "constants",
        "zero-compute constant experts (Dar 2025): test error vs the number of experts K for several n, optimal (companded) vs uniform segmentations, against the high-rate predictions A/K^2 + K sigma^2/n and K* = (2 A n / sigma^2)^(1/3); a 2-D case with an upper bound",
        (c) =>
          common(c)
            .example("$0 synth constants --out synth", "the full run, with synth-constants.{json,md} and the figures")
            .example("$0 synth constants --quick --json", "the small run as JSON"),
        (x) => constants(x as unknown as ArgumentsCamelCase<CommonArgs>),
      )
      .demandCommand(1, "name an experiment: gating or constants"),
  );
}
