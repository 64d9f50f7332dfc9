// The selection protocol and its estimators (paper Sections III-B, IV, VI): draws in the core,
// small pure estimator functions here, and the alpha sweep that ties them together.
export { qAlpha, rstarCounts, pHat, entropy, posteriorEntropies, condEntropyFromCounts, condEntropyClosedForm, mutualInfo, rstarEntropy } from "./entropy.js";
export type { MutualInfo } from "./entropy.js";
export { biasCorrections, deltaBias, deltaBiasOf } from "./bias.js";
export type { BiasCorrections } from "./bias.js";
export { resampleIndices, quantileSorted, percentileInterval, resampledCounts } from "./bootstrap.js";
export type { Interval } from "./bootstrap.js";
export { drawW, gapTerms, gapStats } from "./gaps.js";
export type { GapTerms, GapStats } from "./gaps.js";
export { SIGMAS, bMI, bUB, crossoverAlpha, loosenessRatio } from "./bounds.js";
export type { SigmaName, Maybe, Crossover } from "./bounds.js";
export { lossMatrix, drawSamples, drawUniforms, errorCounts } from "./draws.js";
export type { LossMatrix, SampleScheme, SampleRuns, DrawOptions, WUniforms } from "./draws.js";
export { TABLE_II_ALPHAS, DEFAULT_SELECTION, runSelection, resolveConfig, alphaReplicates, trend } from "./sweep.js";
export type { SelectionConfig, SelectionOptions, SelectionResult, ReadingResult, AlphaResult, AlphaReplicates, Estimate, Trend } from "./sweep.js";
export { PAPER_TABLE_I, PAPER_TABLE_II } from "./paper.js";
export { tableI, tableII, notes, renderTables, renderSelection, markdownTable, fmt, fmtCI } from "./tables.js";
export type { TableIRow, TableIIRow } from "./tables.js";
// Monte Carlo at scale and the tighter bounds (docs/DESIGN.md section 7.2).
export { scaleRuns, histBootstrap, iFromHistograms, infoEstimate, settle, gapsAtScale } from "./scale.js";
export type { ScaleRuns, ScaleOptions, InfoEstimate, SettleRow, GapsAtScale } from "./scale.js";
export { lossPatterns, ismiTables, ismiInformation, ismiEstimates, normalQuantile } from "./ismi.js";
export type { LossPatterns, IsmiTables, IsmiOptions, IsmiAlpha } from "./ismi.js";
export { cmiHistograms, cmiEstimates } from "./cmi.js";
export type { CmiOptions, CmiAlpha } from "./cmi.js";
export { binaryKl, klInverseUpper, pacBayesKlEpsilon, klToUniform } from "./pacbayes.js";
export { logFactorial, binomialCdf, testSetUpper, testSetBounds } from "./testset.js";
export { DEFAULT_BOUNDS, BOUND_DESCRIPTIONS, runBounds, renderBounds } from "./tighter.js";
export type { BoundsConfig, BoundsAlpha, BoundsResult, BoundsOptions } from "./tighter.js";
