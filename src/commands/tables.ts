// `moe-bank tables`: the paper's Table I and Table II from a bank's loss matrices, ours beside
// the paper's values, as Markdown (or --json with every number) (src/measurements/tables).
import type { Argv, ArgumentsCamelCase } from "yargs";
import type { GlobalOptions } from "../output.js";
import { tables } from "../measurements/tables/index.js";
import { protocolOptions, type ProtocolArgs } from "./select.js";
import { measureAndEmit, pairInputs, selectionOf } from "./measure.js";

export function tablesCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command(
    tables.name,
    tables.title,
    (c) =>
      protocolOptions(c)
        .example("$0 tables --train-losses losses-train.npy --test-losses losses-test.npy", "both tables as Markdown")
        .example("$0 tables --train-losses a.npy --test-losses b.npy --json", "every number (both readings, every alpha) as JSON"),
    (x) => {
      const a = x as unknown as ArgumentsCamelCase<ProtocolArgs>;
      return measureAndEmit(tables, a, selectionOf(a, tables.defaults.full.alphas), () => pairInputs(a.trainLosses, a.testLosses));
    },
  );
}
