// `moe-bank gates`: constrained gates beside the BA frontier on the same rows
// (src/measurements/gates): the private gate for a sweep of epsilon, or a learned CNN gate.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { UsageError } from "../errors.js";
import type { GlobalOptions } from "../output.js";
import { PAPER_ROUTING_N } from "../routing/curve.js";
import { PRIVATE_EPSILONS } from "../routing/private.js";
import { gates, type GatesOptions } from "../measurements/gates/index.js";
import { datasetOptions, resolveDataset, type DatasetArgs } from "./dataset-options.js";
import { measureAndEmit, testInputs } from "./measure.js";

interface GatesArgs extends GlobalOptions, DatasetArgs {
  testLosses: string;
  n?: number;
  gate: "private" | "learned";
  epsilons?: string;
  lambdas: string;
  epochs: number;
  seed: number;
}

/** "0,0.5,1" -> numbers (each checked by the measurement). */
function list(s: string, flag: string, example: string): number[] {
  const xs = s.split(",").map((x) => x.trim()).filter((x) => x !== "").map(Number);
  if (xs.length === 0) throw new UsageError(`--${flag} needs at least one value, e.g. --${flag} ${example}`);
  return xs;
}

function gatesCmd(a: ArgumentsCamelCase<GatesArgs>): Promise<void> {
  const o: GatesOptions = {
    gate: a.gate,
    ...(a.n !== undefined ? { n: a.n } : {}),
    epsilons: a.epsilons !== undefined ? list(a.epsilons, "epsilons", "0,1,2") : gates.defaults.full.epsilons,
    lambdas: a.lambdas.split(",").map((x) => x.trim()).filter((x) => x !== "").map(Number),
    epochs: a.epochs,
    seed: a.seed,
  };
  return measureAndEmit(gates, a, o, async () => ({
    ...(await testInputs(a.testLosses)),
    images: async () => {
      const ds = await resolveDataset(a);
      return { dataset: ds.name, split: ds.test };
    },
  }));
}

export function gatesCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command(
    gates.name,
    gates.title,
    (c) =>
      datasetOptions(c)
        .option("test-losses", { type: "string", demandOption: true, describe: "0-1 losses on the test split: .npy, uint8 or bool, shape [R, N]; learned: on the test images of --dataset" })
        .option("n", { type: "number", describe: `use the first n items, the BA rows (default: ${PAPER_ROUTING_N}, or all if fewer)` })
        .option("gate", { choices: ["private", "learned"] as const, default: "private" as const, describe: "private: eps-randomized response on the best-expert choice; learned: a CNN gate trained under eq. 26 on the test images after the first n" })
        .option("lambdas", { type: "string", default: "0.001,0.01,0.1,1,10", describe: "learned: comma-separated lambdas (default: 5 of the BA grid)" })
        .option("epochs", { type: "number", default: 3, describe: "learned: epochs over the training rows" })
        .option("seed", { type: "number", default: 0, describe: "learned: initialisation and minibatch-order seed" })
        .option("epsilons", { type: "string", describe: `comma-separated epsilons in nats (default: ${PRIVATE_EPSILONS.join(",")})` })
        .example("$0 gates --test-losses losses-test.npy --json", "the private gate's points and the frontier at their rates"),
    (a) => gatesCmd(a as ArgumentsCamelCase<GatesArgs>),
  );
}
