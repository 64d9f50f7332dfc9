// The selection protocol (paper Section III): I(S;W), its bias corrections, the gaps and their
// bounds, with bootstrap intervals, at one alpha or a sweep, on a bank's 0-1 loss matrices.
import { UsageError } from "../../errors.js";
import { DEFAULT_SELECTION, runSelection, type SelectionConfig, type SelectionResult } from "../../estimators/sweep.js";
import { renderSelection } from "../../estimators/tables.js";
import { checkAlphas, checkInt, checkLevel, checkRuns, checkSeed } from "../checks.js";
import { measurement, type Hooks, type PairInputs } from "../measurement.js";

export type SelectionOptions = SelectionConfig;

/** The selection options every protocol measurement checks the same way (select, tables). */
export function validateSelection(o: SelectionOptions, inputs?: PairInputs): void {
  checkRuns(o.M);
  checkInt("sample-size", o.m, 1, 65535);
  checkSeed(o.seed);
  checkInt("bootstrap", o.bootstrap, 0, 1_000_000);
  checkLevel(o.level);
  checkAlphas(o.alphas);
  if (inputs === undefined) return;
  if (o.m > inputs.train.N) throw new UsageError(`--sample-size ${o.m} exceeds the pool (${inputs.train.N} items in ${inputs.names.train})`);
  checkRuns(o.M, inputs.train.R);
}

/** The protocol at o.alphas, counting (reading, alpha) pairs on hooks.progress. */
export async function selection(inputs: PairInputs, o: SelectionOptions, hooks: Hooks = {}): Promise<SelectionResult> {
  return runSelection(inputs.core, inputs.train, inputs.test, {
    M: o.M, m: o.m, alphas: o.alphas, seed: o.seed, bootstrap: o.bootstrap, level: o.level,
    onProgress: hooks.progress ? (done, total) => hooks.progress!(done, total, "(reading, alpha)") : undefined,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  });
}

export const select = measurement({
  name: "select",
  title: "the selection protocol on a bank's 0-1 loss matrices: I(S;W), bias corrections, gaps, bounds, bootstrap intervals, at one alpha or a sweep",
  inputs: "pair",
  defaults: { full: { ...DEFAULT_SELECTION }, quick: { ...DEFAULT_SELECTION, M: 100, bootstrap: 200 } },
  validate: validateSelection,
  run: selection,
  render: renderSelection,
});
