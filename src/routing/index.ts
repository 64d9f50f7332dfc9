// Routing on a fixed bank (paper Section V): the routing information of a gate (eqs. 23-24) and
// Blahut-Arimoto on the 0-1 loss matrix (eqs. 26-29), the lambda sweep, D(rho) of eq. 27 and the
// closed-form ends of the curve.
export { expertMarginal, routingInformation } from "./information.js";
export { RoutingProblem, WARM_MIX, checkLosses, isZeroOne, resolveMethod } from "./ba.js";
export type { RealDistortions, BaMethod, BaOptions, BaResult, GateStats } from "./ba.js";
export { blahutArimoto, curveEnds, lambdaMaxClosedForm, expertLossSums, lambdaGrid, sweep, constrainedD, routingCurve, paperRoutingN, PAPER_ROUTING_N } from "./curve.js";
export type { RoutingSource, LambdaMax, CurveEnds, EndsOptions, BlahutArimotoOptions, SweepOptions, SweepResult, ConstrainedOptions, ConstrainedD, BracketPoint, RoutingCurve, CurveOptions } from "./curve.js";
export { leastRateFor } from "./frontier-inverse.js";
export type { LeastRate, LeastRateOptions } from "./frontier-inverse.js";
export { measureGate, gateFrontier, lossProblem, softmaxRows, GateRowError } from "./gate-measure.js";
export type { GateLosses, GateMeasurement, GateFrontier, MeasureGateOptions } from "./gate-measure.js";
export { gateRowsOf, bytesSource, npyGateFile } from "./gate-rows.js";
export type { GateRows, ByteSource, NpyGateFile } from "./gate-rows.js";
export { topKGate, topKFrontier, subsetLosses, kSubsets, subsetIndex, voteLoss, labelsFromBank, binomialCount, TOPK_MAX_SUBSETS } from "./topk.js";
export type { BankPredictions, TopKGatePoint, TopKFrontier } from "./topk.js";
export { curveBand, rowSensitivity, curveSummary, lossColumns } from "./curve-uncertainty.js";
export type { CurveBand, CurveSummary, RowSensitivity, Band } from "./curve-uncertainty.js";
