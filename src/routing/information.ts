// The routing information of a gate (paper Section V, eqs. 23-24): how many nats about the input
// a gate p(t|x) uses to choose an expert, measured on N inputs.
import type { Core } from "../../bindings/index.js";

function checkGate(pGate: ArrayLike<number>, N: number, R: number): void {
  if (!Number.isInteger(N) || N < 1 || !Number.isInteger(R) || R < 1) throw new RangeError(`gate shape [${N}, ${R}] is empty`);
  if (pGate.length !== N * R) throw new RangeError(`gate: ${pGate.length} values for shape [${N}, ${R}]`);
}

/**
 * The empirical expert marginal of eq. 23,
 *   pi_t = (1/N) sum_i p(t|x_i),   t = 1..R,
 * of a gate given as the row-major matrix pGate[i * R + t] = p(t|x_i). Summed in row order and
 * then divided by N: the same bits as the core's routing_information.
 */
export function expertMarginal(pGate: ArrayLike<number>, N: number, R: number): Float64Array {
  checkGate(pGate, N, R);
  const pi = new Float64Array(R);
  for (let i = 0; i < N; i++) for (let t = 0; t < R; t++) pi[t] = pi[t]! + pGate[i * R + t]!;
  for (let t = 0; t < R; t++) pi[t] = pi[t]! / N;
  return pi;
}

/**
 * The plug-in routing information of eq. 24 (nats),
 *   I(X;T) = (1/N) sum_i sum_t p(t|x_i) log(p(t|x_i) / pi_t),
 * with pi the marginal of eq. 23 and 0 log 0 = 0, for any gate pGate [N, R] (row-major, each row
 * a distribution over the R experts; rows are not renormalised). The logarithms run in the core
 * (deterministic in every engine). Returns the rate and the marginal.
 */
export function routingInformation(core: Core, pGate: ArrayLike<number>, N: number, R: number): { rate: number; marginal: Float64Array } {
  checkGate(pGate, N, R);
  return core.scoped((alloc) => {
    const p = alloc("f64", N * R).set(pGate);
    const marg = alloc("f64", R);
    const rate = core.exports.routing_information(p.ptr, N, R, marg.ptr);
    return { rate, marginal: marg.toArray() };
  });
}
