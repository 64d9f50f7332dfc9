// `moe-bank synth gating` and `moe-bank synth constants`: the companion papers' synthetic
// experiments (src/measurements/synth-gating, src/measurements/synth-constants). Both are
// deterministic functions of their options and seed; --out writes the result as JSON, a markdown
// section and the figures.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { Core } from "../../bindings/index.js";
import { checkOutDir } from "../io/files.js";
import type { GlobalOptions } from "../output.js";
import { synthGating } from "../measurements/synth-gating/index.js";
import { synthConstants } from "../measurements/synth-constants/index.js";
import { checkOptionalInt, checkSeed, folderOption } from "./checks.js";
import { emitExperiment, measure } from "./measure.js";
import { UsageError } from "../errors.js";

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

async function gating(a: ArgumentsCamelCase<GatingArgs>): Promise<void> {
  // the flags are checked as given (before they override the defaults), in the order of --help
  checkSeed(a.seed);
  checkOptionalInt("experts", a.experts, 2, 100);
  checkOptionalInt("candidates", a.candidates, 1, 4096);
  checkOptionalInt("runs", a.runs, 1, 100_000_000);
  checkOptionalInt("sample-size", a.sampleSize, 1, 1_000_000);
  if (a.spacing !== undefined && !(a.spacing > 0 && Number.isFinite(a.spacing))) throw new UsageError(`--spacing must be > 0, got ${a.spacing}`);
  if (a.noise !== undefined && !(a.noise >= 0 && a.noise < 0.5)) throw new UsageError(`--noise must be in [0, 0.5), got ${a.noise}`);
  const d = a.quick ? synthGating.defaults.quick : synthGating.defaults.full;
  const o = {
    ...d, seed: a.seed,
    model: { ...d.model, ...(a.experts !== undefined ? { experts: a.experts } : {}), ...(a.spacing !== undefined ? { spacing: a.spacing } : {}), ...(a.noise !== undefined ? { noise: a.noise } : {}) },
    ...(a.candidates !== undefined ? { candidates: a.candidates } : {}),
    ...(a.runs !== undefined ? { M: a.runs } : {}),
    ...(a.sampleSize !== undefined ? { m: a.sampleSize } : {}),
  };
  if (a.out !== undefined) await checkOutDir(a.out);
  const core = await Core.load();
  await emitExperiment(a, synthGating, await measure(synthGating, a, o, async () => ({ core })), core);
}

async function constants(a: ArgumentsCamelCase<CommonArgs>): Promise<void> {
  checkSeed(a.seed);
  if (a.out !== undefined) await checkOutDir(a.out);
  const core = await Core.load();
  const o = { ...(a.quick ? synthConstants.defaults.quick : synthConstants.defaults.full), seed: a.seed };
  await emitExperiment(a, synthConstants, await measure(synthConstants, a, o, async () => ({ core })), core);
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
        synthGating.title,
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
        synthConstants.title,
        (c) =>
          common(c)
            .example("$0 synth constants --out synth", "the full run, with synth-constants.{json,md} and the figures")
            .example("$0 synth constants --quick --json", "the small run as JSON"),
        (x) => constants(x as unknown as ArgumentsCamelCase<CommonArgs>),
      )
      .demandCommand(1, "name an experiment: gating or constants"),
  );
}
