// `moe-bank tables`: the paper's Table I and Table II from a bank's loss matrices, ours beside
// the paper's values, as Markdown (or --json with every number).
import type { Argv, ArgumentsCamelCase } from "yargs";
import { emit, type GlobalOptions } from "../output.js";
import { protocolOptions, runProtocol, type ProtocolArgs } from "./select.js";
import { TABLE_II_ALPHAS } from "../estimators/sweep.js";
import { notes, renderTables, tableI, tableII } from "../estimators/tables.js";
import { PAPER_TABLE_I, PAPER_TABLE_II } from "../estimators/paper.js";

export function tablesCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command(
    "tables",
    "Table I and Table II of the paper from a bank's 0-1 loss matrices, beside the paper's values (Markdown, or --json)",
    (c) =>
      protocolOptions(c)
        .example("$0 tables --train-losses losses-train.npy --test-losses losses-test.npy", "both tables as Markdown")
        .example("$0 tables --train-losses a.npy --test-losses b.npy --json", "every number (both readings, every alpha) as JSON"),
    async (a) => {
      const args = a as ArgumentsCamelCase<ProtocolArgs>;
      const result = await runProtocol(args, TABLE_II_ALPHAS);
      emit(args, { tableI: tableI(result), tableII: tableII(result), paper: { tableI: PAPER_TABLE_I, tableII: PAPER_TABLE_II }, notes: notes(result), result }, () => renderTables(result));
    },
  );
}
