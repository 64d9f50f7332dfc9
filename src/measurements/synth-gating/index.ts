// Finite-rate gating (companion paper): D(R_g) by Blahut-Arimoto on a discretized Gaussian
// mixture with exact I(X;T), softmax/MAP gates against it, and each term of
// E[R(W)] <= D(R_g) + delta_m + sqrt((2/m) I(S;W)) for an alpha-mixture learner. Data-free.
import { UsageError } from "../../errors.js";
import { detMath, log10Of } from "../../math.js";
import { gatingOptions, runGating, type GatingOptions } from "../../synth/gating.js";
import { gatingFigures, renderGating } from "../../synth/gating-report.js";
import { checkInt, checkSeed } from "../checks.js";
import { measurement } from "../measurement.js";

export const synthGating = measurement({
  name: "synth-gating",
  title: "finite-rate gating: D(R_g) by Blahut-Arimoto on a discretized Gaussian mixture with exact I(X;T), softmax/MAP gates against it, and each term of E[R(W)] <= D(R_g) + delta_m + sqrt((2/m) I(S;W)) for an alpha-mixture learner",
  inputs: "core",
  defaults: { full: gatingOptions(false), quick: gatingOptions(true) },
  validate(o: GatingOptions) {
    checkSeed(o.seed);
    checkInt("experts", o.model.experts, 2, 100);
    checkInt("candidates", o.candidates, 1, 4096);
    checkInt("runs", o.M, 1, 100_000_000);
    checkInt("sample-size", o.m, 1, 1_000_000);
    if (!(o.model.spacing > 0 && Number.isFinite(o.model.spacing))) throw new UsageError(`--spacing must be > 0, got ${o.model.spacing}`);
    if (!(o.model.noise >= 0 && o.model.noise < 0.5)) throw new UsageError(`--noise must be in [0, 0.5), got ${o.model.noise}`);
  },
  async run({ core }, o, hooks = {}) {
    return runGating(core, o, hooks.progress ? (d, t) => hooks.progress!(d, t, "gates") : undefined);
  },
  render: renderGating,
  figures: (r, core) => gatingFigures(r, log10Of(detMath(core))),
});
