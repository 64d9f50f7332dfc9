// The companion papers' experiments as `reproduce --companion` runs them: the registry's entries
// filed under results.companion, each at its full or quick defaults with the run's seed.
import type { GatingResult } from "../synth/gating.js";
import type { ConstantsResult } from "../synth/constants.js";
import type { ScalingResult } from "../experiments/scaling.js";
import type { BanksInputs, Hooks } from "./measurement.js";
import { registry } from "./registry.js";

export interface CompanionResults {
  gating: GatingResult;
  constants: ConstantsResult;
  /** Node only: its banks are trained through the cache */
  scaling?: ScalingResult;
}

/** The key of each companion measurement in CompanionResults, in the order they run. */
export const COMPANION_KEYS: Readonly<Record<string, keyof CompanionResults>> = { "synth-gating": "gating", "synth-constants": "constants", scaling: "scaling" };

/** Runs every companion measurement of the registry (`banks`: without them, scaling is left out). */
export async function companion(inputs: BanksInputs | { core: BanksInputs["core"] }, quick: boolean, seed: number, hooks: Hooks = {}): Promise<CompanionResults> {
  const out: Partial<Record<keyof CompanionResults, unknown>> = {};
  for (const m of registry) {
    const key = COMPANION_KEYS[m.name];
    if (key === undefined || (m.inputs === "banks" && !("pair" in inputs))) continue;
    const options = { ...m.defaults[quick ? "quick" : "full"], seed };
    m.validate(options as never);
    out[key] = await m.run(inputs as never, options as never, hooks);
  }
  return out as CompanionResults;
}
