// `moe-bank gates`: constrained gates beside the BA frontier on the same rows
// (src/measurements/gates): the private gate for a sweep of epsilon, or a learned CNN gate.
import type { Argv, ArgumentsCamelCase } from "yargs";
import type { GlobalOptions } from "../output.js";
import { PAPER_ROUTING_N } from "../routing/curve.js";
import { PRIVATE_EPSILONS } from "../routing/private.js";
import { gates, type GatesOptions } from "../measurements/gates/index.js";
import { datasetOptions, resolveDataset, type DatasetArgs } from "./dataset-options.js";
import { measureAndEmit, testInputs } from "./measure.js";
import { listOption } from "./checks.js";

export interface GatesArgs extends GlobalOptions, DatasetArgs {
  testLosses: string;
  n?: number;
  gate: "private" | "learned";
  epsilons?: number[];
  lambdas: number[];
  epochs: number;
  seed: number;
}

export function gatesHandler(a: ArgumentsCamelCase<GatesArgs>): Promise<void> {
  const o: GatesOptions = {
    gate: a.gate,
    ...(a.n !== undefined ? { n: a.n } : {}),
    epsilons: a.epsilons ?? gates.defaults.full.epsilons,
    lambdas: a.lambdas,
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

/** The options of `gates`; `fixed` leaves out --gate (`gate private`, `gate learned`). */
export function gatesBuilder(c: Argv<GlobalOptions>, fixed?: "private" | "learned"): Argv<GlobalOptions> {
  const b = datasetOptions(c)
    .option("test-losses", { type: "string", demandOption: true, describe: "0-1 losses on the test split: .npy, uint8 or bool, shape [R, N]; learned: on the test images of --dataset" })
    .option("n", { type: "number", describe: `use the first n items, the BA rows (default: ${PAPER_ROUTING_N}, or all if fewer)` });
  const g = fixed === undefined ? b.option("gate", { choices: ["private", "learned"] as const, default: "private" as const, describe: "private: eps-randomized response on the best-expert choice; learned: a CNN gate trained under eq. 26 on the test images after the first n" }) : b;
  return g
    .option("lambdas", listOption("lambdas", "number", "learned: lambdas (default: 5 of the BA grid)", { default: [0.001, 0.01, 0.1, 1, 10] }))
    .option("epochs", { type: "number", default: 3, describe: "learned: epochs over the training rows" })
    .option("seed", { type: "number", default: 0, describe: "learned: initialisation and minibatch-order seed" })
    .option("epsilons", listOption("epsilons", "number", `epsilons in nats (default: ${PRIVATE_EPSILONS.join(",")})`))
    .example(fixed === undefined ? "$0 gates --test-losses losses-test.npy --json" : `$0 gate ${fixed} --test-losses losses-test.npy --json`, fixed === "learned" ? "the learned gate's points and the frontier at their rates" : "the private gate's points and the frontier at their rates");
}

export function gatesCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command(gates.name, `${gates.title} (the same as gate private / gate learned)`, (c) => gatesBuilder(c), (a) => gatesHandler(a as ArgumentsCamelCase<GatesArgs>));
}
