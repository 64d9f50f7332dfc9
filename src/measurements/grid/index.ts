// The sensitivity grid of Section III-C: R x subset size n, I_hat / log R per cell and whether
// I_hat is non-decreasing in alpha in every cell. The banks come from the inputs (trained through
// the cache, or read from folders: the caller's choice).
import { DEFAULT_GRID, renderGrid, runGrid, type GridConfig } from "../../experiments/grid.js";
import { checkAlphas, checkInt, checkLevel, checkSeed } from "../checks.js";
import { measurement } from "../measurement.js";

export type GridOptions = GridConfig;

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
  run(inputs, o, hooks = {}) {
    return runGrid(inputs.core, (n, R) => inputs.pair(n, R), {
      ...o,
      ...(hooks.log ? { onProgress: (s: string) => hooks.log!(s) } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    });
  },
  render: renderGrid,
});
