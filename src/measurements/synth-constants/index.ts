// Zero-compute constant experts (Dar 2025): test error vs the number of experts K for several n,
// optimal (companded) vs uniform segmentations, against the high-rate predictions; a 2-D case
// with an upper bound. Data-free; wraps src/synth/constants.ts.
import { detMath, log10Of } from "../../math.js";
import { constantsFigures, renderConstants, runConstants, type ConstantsOptions } from "../../synth/constants.js";
import { checkSeed } from "../checks.js";
import { measurement } from "../measurement.js";

export const synthConstants = measurement({
  name: "synth-constants",
  title: "zero-compute constant experts (Dar 2025): test error vs the number of experts K for several n, optimal (companded) vs uniform segmentations, against the high-rate predictions A/K^2 + K sigma^2/n and K* = (2 A n / sigma^2)^(1/3); a 2-D case with an upper bound",
  inputs: "core",
  defaults: { full: { quick: false, seed: 0 } as ConstantsOptions, quick: { quick: true, seed: 0 } as ConstantsOptions },
  validate: (o: ConstantsOptions) => checkSeed(o.seed),
  run: async ({ core }, o, hooks = {}) => runConstants(core, o, hooks.progress),
  render: renderConstants,
  figures: (r, core) => constantsFigures(r, log10Of(detMath(core))),
});
