// `moe-bank gate`: gates set beside the BA frontier. `gate private` and `gate learned` are the
// constrained gates of `gates --gate private|learned` (commands/gates.ts; `gates` stays as an
// alias); `gate measure` measures any gate from its router's probabilities or logits (the
// gate-measure measurement): this file reads its inputs (the rows in blocks, the losses and
// predictions whole) and hands them over.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { Core, MAX_ALLOC_BYTES } from "../../bindings/index.js";
import { MoeBankError } from "../errors.js";
import { decodeNpy } from "../formats/npy.js";
import { openInputBlocks, readInput, type InputBlocks } from "../input.js";
import type { GlobalOptions } from "../output.js";
import type { GateLosses } from "../routing/gate-measure.js";
import { npyGateFile } from "../routing/gate-rows.js";
import { gateMeasure, type GateMeasureOptions } from "../measurements/gate-measure/index.js";
import type { GateInputs } from "../measurements/measurement.js";
import { measureAndEmit } from "./measure.js";
import { gatesBuilder, gatesHandler, type GatesArgs } from "./gates.js";

interface MeasureArgs extends GlobalOptions {
  probs: string;
  losses?: string;
  logits: boolean;
  lossesLayout: "rn" | "nr";
  bootstrap: number;
  level: number;
  seed: number;
  sumTol?: number;
  topK?: number;
  preds?: string;
}

/** Reads per-item expert losses (.npy u8/bool/f32/f64, [R, N] or [N, R] with layout "nr") as
 *  [R, N]: u8 when every value is 0 or 1 (the BA groups the rows by loss pattern), else f64.
 *  what = "preds": the experts' predicted classes (u8, any value), in the same layouts. */
export async function readGateLosses(file: string, layout: "rn" | "nr", N: number, R: number, probsFile: string, what: "losses" | "preds" = "losses"): Promise<GateLosses> {
  const a = decodeNpy(await readInput(file, MAX_ALLOC_BYTES), file);
  if (what === "preds" && a.dtype !== "u8") throw new MoeBankError(`${file}: dtype ${a.dtype}, expected uint8 predicted classes`);
  if (a.dtype === "i32") throw new MoeBankError(`${file}: dtype int32, expected uint8, bool, float32 or float64 losses`);
  const want = layout === "rn" ? [R, N] : [N, R];
  if (a.shape.length !== 2 || a.shape[0] !== want[0] || a.shape[1] !== want[1]) {
    throw new MoeBankError(`${file}: shape (${a.shape.join(", ")}) does not match ${probsFile} (N = ${N} rows, R = ${R} experts): expected (${want.join(", ")}) for --losses-layout ${layout}`);
  }
  const src = a.data;
  let zeroOne = true;
  for (let k = 0; k < src.length && what === "losses"; k++) {
    const v = src[k]!;
    if (!(v >= 0 && v <= 1)) {
      const [i, t] = layout === "rn" ? [k % N, Math.floor(k / N)] : [Math.floor(k / R), k % R];
      throw new MoeBankError(`${file}: the loss of expert ${t} on item ${i} is ${Number.isNaN(v) ? "NaN" : v}, expected a value in [0, 1]`);
    }
    if (v !== 0 && v !== 1) zeroOne = false;
  }
  const out = zeroOne ? new Uint8Array(R * N) : new Float64Array(R * N);
  if (layout === "rn") out.set(src);
  else for (let i = 0; i < N; i++) for (let t = 0; t < R; t++) out[t * N + i] = src[i * R + t]!;
  return { R, N, data: out };
}

async function measure(a: ArgumentsCamelCase<MeasureArgs>): Promise<void> {
  const o: GateMeasureOptions = {
    logits: a.logits, bootstrap: a.bootstrap, level: a.level, seed: a.seed,
    ...(a.sumTol !== undefined ? { sumTol: a.sumTol } : {}),
    ...(a.topK !== undefined ? { topK: a.topK } : {}),
  };
  let src: InputBlocks | null = null;
  try {
    await measureAndEmit(gateMeasure, a, o, async (): Promise<GateInputs> => {
      src = await openInputBlocks(a.probs);
      const f = await npyGateFile(src, a.probs);
      const losses = a.losses !== undefined ? await readGateLosses(a.losses, a.lossesLayout, f.N, f.R, a.probs) : null;
      const preds = a.preds !== undefined ? await readGateLosses(a.preds, a.lossesLayout, f.N, f.R, a.probs, "preds") : undefined;
      return {
        core: await Core.load(),
        layers: Array.from({ length: f.layers }, (_, l) => f.layer(l)),
        losses,
        ...(preds !== undefined ? { preds: { R: preds.R, N: preds.N, data: preds.data as Uint8Array } } : {}),
        names: { probs: a.probs, losses: a.losses ?? null },
        descr: f.descr,
      };
    });
  } finally {
    await (src as InputBlocks | null)?.close();
  }
}

function measureBuilder(c: Argv<GlobalOptions>): Argv<GlobalOptions> {
  const d = gateMeasure.defaults.full;
  return c
    .option("probs", { type: "string", demandOption: true, describe: "the gate's p(t|x): .npy float16/32/64, [N, R] or [L, N, R] (one report per layer); read in blocks" })
    .option("losses", { type: "string", describe: "the experts' per-item losses (0-1 or in [0, 1]): .npy uint8/bool/float32/float64, [R, N] (the bank's losses-*.npy) or [N, R] with --losses-layout nr" })
    .option("logits", { type: "boolean", default: d.logits, describe: "the rows are logits: the gate is their softmax (in the core)" })
    .option("losses-layout", { choices: ["rn", "nr"] as const, default: "rn" as const, describe: "rn: [R, N] (experts x items); nr: [N, R] (also for --preds)" })
    .option("bootstrap", { type: "number", default: d.bootstrap, describe: "bootstrap resamples of the rows for the interval on I(X;T) (0: none)" })
    .option("level", { type: "number", default: d.level, describe: "level of the bootstrap interval" })
    .option("seed", { type: "number", default: d.seed, describe: "seed of the bootstrap resamples" })
    .option("top-k", { type: "number", describe: "also the top-k gate (the k largest p(t|x)): its set's rate, its vote's 0-1 loss and the frontier over k-subsets (needs --preds, --losses)" })
    .option("preds", { type: "string", describe: "the experts' predicted classes, .npy uint8 in the layout of --losses (the bank's preds-*.npy), for --top-k" })
    .option("sum-tol", { type: "number", describe: "largest |row sum - 1| accepted (default 1e-6; R 2^-11 for float16 rows)" })
    .example("$0 gate measure --probs gate.npy --losses losses-test.npy", "a gate's routing information and its distance to the frontier");
}

/** `gate private | learned | measure`. */
export function gateCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command("gate <command>", "gates beside the BA frontier: gate measure (any gate's probabilities), gate private, gate learned (`gates` is an alias of the last two)", (g) =>
    g
      .command("measure", gateMeasure.title, measureBuilder, (x) => measure(x as ArgumentsCamelCase<MeasureArgs>))
      .command("private", "the private gate (eps-randomized response over the experts, I(X;T) <= eps) for a sweep of epsilon, beside the frontier", (c) => gatesBuilder(c, "private"), (x) => gatesHandler({ ...(x as ArgumentsCamelCase<GatesArgs>), gate: "private" }))
      .command("learned", "a CNN gate trained under eq. 26 on the test images after the first n, scored on the first n beside the frontier", (c) => gatesBuilder(c, "learned"), (x) => gatesHandler({ ...(x as ArgumentsCamelCase<GatesArgs>), gate: "learned" }))
      .demandCommand(1, "name a gate command: measure, private or learned"),
  );
}
