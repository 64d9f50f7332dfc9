// The paper's Table I and Table II from a bank's loss matrices, ours beside the paper's values.
import { TABLE_II_ALPHAS, type SelectionResult } from "../../estimators/sweep.js";
import { notes, renderTables, tableI, tableII } from "../../estimators/tables.js";
import { PAPER_TABLE_I, PAPER_TABLE_II } from "../../estimators/paper.js";
import { measurement } from "../measurement.js";
import { select, selection, validateSelection } from "../select/index.js";

export interface TablesResult {
  tableI: ReturnType<typeof tableI>;
  tableII: ReturnType<typeof tableII>;
  paper: { tableI: typeof PAPER_TABLE_I; tableII: typeof PAPER_TABLE_II };
  notes: string[];
  result: SelectionResult;
}

const at = <T extends object>(o: T) => ({ ...o, alphas: TABLE_II_ALPHAS });

export const tables = measurement({
  name: "tables",
  title: "Table I and Table II of the paper from a bank's 0-1 loss matrices, beside the paper's values (Markdown, or --json)",
  inputs: "pair",
  defaults: { full: at(select.defaults.full), quick: at(select.defaults.quick) },
  validate: (o, inputs) => validateSelection(at(o), inputs),
  async run(inputs, o, hooks): Promise<TablesResult> {
    const result = await selection(inputs, at(o), hooks);
    return { tableI: tableI(result), tableII: tableII(result), paper: { tableI: PAPER_TABLE_I, tableII: PAPER_TABLE_II }, notes: notes(result), result };
  },
  render: (r) => renderTables(r.result),
});
