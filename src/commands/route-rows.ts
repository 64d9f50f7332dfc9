// `moe-bank route-rows` and `moe-bank topk`: the routing curve's dependence on its rows (a
// bootstrap band, other rows) and the frontier over k-subsets of experts (src/measurements/
// route-rows, src/measurements/topk), from a bank's test losses (and predictions).
import type { Argv, ArgumentsCamelCase } from "yargs";
import { MoeBankError, UsageError } from "../errors.js";
import { MAX_ALLOC_BYTES } from "../../bindings/index.js";
import { decodeNpy } from "../formats/npy.js";
import { readInput } from "../input.js";
import { lossMatrix } from "../formats/losses.js";
import type { GlobalOptions } from "../output.js";
import { PAPER_ROUTING_N } from "../routing/curve.js";
import { routeRows } from "../measurements/route-rows/index.js";
import { topk } from "../measurements/topk/index.js";
import { measureAndEmit, testInputs } from "./measure.js";

interface RowsArgs extends GlobalOptions {
  testLosses: string;
  n?: number;
  rho?: number[];
  resamples: number;
  seed: number;
  level: number;
}

interface TopKArgs extends GlobalOptions {
  testLosses: string;
  testPreds: string;
  n?: number;
  ks: string;
  rho?: number[];
}

const TEST_LOSSES = { type: "string", demandOption: true, describe: "0-1 losses on the test split: .npy, uint8 or bool, shape [R, N]" } as const;
const N_OPTION = { type: "number", describe: `the routing rows: the first n items (default: ${PAPER_ROUTING_N}, or all if fewer)` } as const;

/** The experts' predicted classes (.npy uint8 [R, N]). */
async function readPreds(file: string): Promise<{ R: number; N: number; data: Uint8Array }> {
  const a = decodeNpy(await readInput(file, MAX_ALLOC_BYTES), file);
  if (a.dtype !== "u8" || a.shape.length !== 2) throw new MoeBankError(`${file}: ${a.dtype} (${a.shape.join(", ")}), expected uint8 [R, N] predicted classes`);
  return { R: a.shape[0]!, N: a.shape[1]!, data: a.data as Uint8Array };
}

export function routeRowsCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  const d = routeRows.defaults.full;
  return y.command(
    routeRows.name,
    routeRows.title,
    (c) =>
      c
        .option("test-losses", TEST_LOSSES)
        .option("n", N_OPTION)
        .option("rho", { type: "number", array: true, describe: `rates (nats) of D(rho) (default: ${d.rho.join(" ")})` })
        .option("resamples", { type: "number", default: d.resamples, describe: "bootstrap resamples of the rows" })
        .option("seed", { type: "number", default: d.seed, describe: "seed of the resamples and of the random rows" })
        .option("level", { type: "number", default: d.level, describe: "level of the percentile band" })
        .example("$0 route-rows --test-losses losses-test.npy", "the band of D(rho) over the first 2000 rows, and the curve on a random 2000 and on all"),
    (a) => {
      const x = a as ArgumentsCamelCase<RowsArgs>;
      return measureAndEmit(routeRows, x, { ...(x.n !== undefined ? { n: x.n } : {}), rho: x.rho ?? d.rho, resamples: x.resamples, seed: x.seed, level: x.level }, () => testInputs(x.testLosses));
    },
  );
}

export function topkCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  const d = topk.defaults.full;
  return y.command(
    topk.name,
    topk.title,
    (c) =>
      c
        .option("test-losses", TEST_LOSSES)
        .option("test-preds", { type: "string", demandOption: true, describe: "the experts' predicted classes on the same items: .npy uint8 [R, N] (the bank's preds-test.npy)" })
        .option("n", N_OPTION)
        .option("ks", { type: "string", default: d.ks.join(","), describe: "comma-separated k (each C(R, k) <= 5000)" })
        .option("rho", { type: "number", array: true, describe: `rates (nats) of D(rho) over k-subsets (default: ${d.rho.join(" ")})` })
        .example("$0 topk --test-losses losses-test.npy --test-preds preds-test.npy", "the frontiers over single experts and pairs"),
    (a) => {
      const x = a as ArgumentsCamelCase<TopKArgs>;
      const ks = x.ks.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
      if (ks.length === 0) throw new UsageError(`--ks needs at least one k, got ${x.ks}`);
      return measureAndEmit(topk, x, { ...(x.n !== undefined ? { n: x.n } : {}), ks, rho: x.rho ?? d.rho }, async () => {
        const inputs = await testInputs(x.testLosses);
        const p = await readPreds(x.testPreds);
        if (p.R !== inputs.test.R || p.N !== inputs.test.N) throw new MoeBankError(`${x.testPreds}: [R, N] = [${p.R}, ${p.N}], but ${x.testLosses} is [${inputs.test.R}, ${inputs.test.N}]`);
        return { ...inputs, test: lossMatrix(inputs.test.data, p.R, p.N, x.testLosses, p.data) };
      });
    },
  );
}
