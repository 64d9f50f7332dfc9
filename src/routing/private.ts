// The privacy-constrained gate (paper Section VII-A, local differential privacy): randomized
// response over the R experts on top of a deterministic best-expert choice. Its routing
// information (eq. 24) is at most epsilon, and its (rate, distortion) points for a sweep of
// epsilon can be set beside the BA frontier of eqs. 26-27 on the same rows.
import type { Core } from "../../bindings/index.js";
import { detMath } from "../math.js";
import { routingInformation } from "./information.js";
import { errorCounts, type LossMatrix } from "../formats/losses.js";

/**
 * The best-expert choice b(x_i) under the gate: the overall best expert b* (least total loss over
 * the N rows, lowest index on ties) wherever it is among the least-loss experts of row i;
 * otherwise the lowest-index expert with the least loss on row i. For 0-1 losses: b* if b* is
 * right on row i, else the lowest-index right expert, else (every expert wrong) b*.
 * Returns the choices (length N) and b*.
 */
export function bestExpertChoice(losses: LossMatrix, n: number = losses.N): { choice: Int32Array; best: number } {
  const { R, N, data } = losses;
  if (!Number.isInteger(n) || n < 1 || n > N) throw new RangeError(`n must be in [1, ${N}], got ${n}`);
  const sums = errorCounts(losses, n);
  let best = 0;
  for (let t = 1; t < R; t++) if (sums[t]! < sums[best]!) best = t;
  const choice = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let m = data[best * N + i]!;
    let c = best;
    for (let t = 0; t < R; t++) {
      const l = data[t * N + i]!;
      if (l < m) {
        m = l;
        c = t;
      }
    }
    choice[i] = c;
  }
  return { choice, best };
}

/** One point of the private gate. */
export interface PrivateGatePoint {
  epsilon: number;
  /** The probability of keeping the chosen expert, e^eps / (e^eps + R - 1). */
  keep: number;
  /** I(X;T) of eq. 24 for the gate matrix, computed in the core (routing_information); a
   *  rounding-level negative value (about -1e-14 at eps = 0, where I = 0) is clamped to 0. */
  rate: number;
  /** D = (1/N) sum_i sum_t p(t|x_i) L[t, i]. */
  distortion: number;
}

/**
 * The gate matrix [n, R] of eps-randomized response on the choices:
 *   p(t|x_i) = e^eps / (e^eps + R - 1)  if t = b(x_i),   1 / (e^eps + R - 1)  otherwise.
 *
 * Why I(X;T) <= epsilon. For any two inputs x, x' and any expert t,
 *   p(t|x) / p(t|x') <= e^eps,
 * since each of the two values is either e^eps / Z or 1 / Z with the same Z = e^eps + R - 1
 * (this is eps-local differential privacy). The marginal of eq. 23 is the average
 * pi_t = (1/N) sum_j p(t|x_j) >= (1/N) sum_j e^-eps p(t|x_i) = e^-eps p(t|x_i), so every log
 * ratio in eq. 24 is log(p(t|x_i) / pi_t) <= eps, and
 *   I(X;T) = (1/N) sum_i sum_t p(t|x_i) log(p(t|x_i) / pi_t) <= (1/N) sum_i sum_t p(t|x_i) eps = eps.
 * (Also I <= H(T) <= log R, and I <= H(b(X)) by data processing, since T depends on x only
 * through b(x).) At eps = 0 the gate is uniform and I = 0; as eps grows it tends to the
 * deterministic choice b(x), with distortion the oracle error on 0-1 losses.
 */
export function privateGateMatrix(core: Core, choice: Int32Array, R: number, epsilon: number): Float64Array {
  if (!(epsilon >= 0) || !Number.isFinite(epsilon)) throw new RangeError(`epsilon must be finite and >= 0, got ${epsilon}`);
  if (R < 2) throw new RangeError(`randomized response needs R >= 2 experts, got ${R}`);
  const ee = detMath(core).exp(epsilon);
  const z = ee + (R - 1);
  const hi = ee / z;
  const lo = 1 / z;
  const n = choice.length;
  const p = new Float64Array(n * R).fill(lo);
  for (let i = 0; i < n; i++) p[i * R + choice[i]!] = hi;
  return p;
}

/** The distortion (1/n) sum_i sum_t p(t|x_i) L[t, i] of any gate [n, R] on the first n rows. */
export function gateDistortion(losses: LossMatrix, pGate: ArrayLike<number>, n: number): number {
  const { R, N, data } = losses;
  if (pGate.length !== n * R) throw new RangeError(`gate: ${pGate.length} values for shape [${n}, ${R}]`);
  let d = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let t = 0; t < R; t++) row += pGate[i * R + t]! * data[t * N + i]!;
    d += row;
  }
  return d / n;
}

/** The default epsilon sweep: 0, 0.25, ..., 2, then 2.5, 3, 4, 5, 6, 8 (nats). */
export const PRIVATE_EPSILONS: readonly number[] = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 8];

/** The private gate's (rate, distortion) for each epsilon, on the first n rows (default all). */
export function privateGateSweep(core: Core, losses: LossMatrix, epsilons: readonly number[] = PRIVATE_EPSILONS, n: number = losses.N): { best: number; points: PrivateGatePoint[] } {
  const { choice, best } = bestExpertChoice(losses, n);
  const points = epsilons.map((epsilon) => {
    const p = privateGateMatrix(core, choice, losses.R, epsilon);
    const rate = Math.max(0, routingInformation(core, p, n, losses.R).rate);
    const ee = detMath(core).exp(epsilon);
    return { epsilon, keep: ee / (ee + losses.R - 1), rate, distortion: gateDistortion(losses, p, n) };
  });
  return { best, points };
}
