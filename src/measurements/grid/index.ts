// The sensitivity grid of Section III-C: R x subset size n, I_hat / log R per cell and whether
// I_hat is non-decreasing in alpha in every cell. A sweep over the R and n axes: each cell is the
// bank (n, R) measured by gridCell (the sweep engine, src/sweep/, trains or reads it through the
// cache, or reads a folder of losses); `run` is the same plan on banks in memory.
import { DEFAULT_GRID, gridBanks, gridCell, gridConfig, gridResult, renderGrid, type GridCell, type GridConfig, type GridResult } from "../../experiments/grid.js";
import { MoeBankError } from "../../errors.js";
import { checkAlphas, checkInt, checkLevel, checkSeed } from "../checks.js";
import { measurement, runPerBank, type PerBank } from "../measurement.js";

export type GridOptions = GridConfig;

const perBank: PerBank<GridOptions, GridCell, GridResult> = {
  needs: "pair",
  banks: (o) => gridBanks(gridConfig(o)),
  cellOptions: (o) => {
    const c = gridConfig(o);
    return { M: c.M, m: c.m, alphas: c.alphas, seed: c.seed, bootstrap: c.bootstrap, level: c.level };
  },
  cell(inputs, o, b) {
    const { train, test } = inputs;
    if (!train) throw new MoeBankError("the grid's cells need both loss matrices");
    if (train.R < b.R || test.R < b.R) throw new MoeBankError(`the bank for n = ${b.n} has ${Math.min(train.R, test.R)} experts, the grid needs ${b.R}`);
    return gridCell(inputs.core, train, test, b.R, b.n, gridConfig(o));
  },
  result: (o, cells) => gridResult(gridConfig(o), cells),
};

export const grid = measurement({
  name: "grid",
  title: "the sensitivity grid (Section III-C): R x subset size n, I_hat / log R per cell and whether I_hat rises with alpha in every cell (trains the banks through the cache, or reads --bank folders)",
  inputs: "banks",
  defaults: { full: { ...DEFAULT_GRID }, quick: { ...DEFAULT_GRID, counts: [4, 8], sizes: [1000], M: 1000, bootstrap: 200 } },
  validate(o: GridOptions) {
    for (const R of o.counts) checkInt("counts", R, 2, 100000);
    for (const n of o.sizes) checkInt("sizes", n, 1, 0x7fffffff);
    checkInt("runs", o.M, 1, 0x7fffffff);
    checkInt("sample-size", o.m, 1, 65535);
    checkSeed(o.seed);
    checkInt("bootstrap", o.bootstrap, 0, 1_000_000);
    checkLevel(o.level);
    checkAlphas(o.alphas);
  },
  run: (inputs, o, hooks = {}) => runPerBank(perBank, inputs, o, hooks),
  render: renderGrid,
  perBank,
});
