// The bounds of Section IV-B/C and how loose they are (eq. 21-22; docs/DESIGN.md section 8).
import type { DetMath } from "../math.js";
import { mutualInfo } from "./entropy.js";

/** The two sub-Gaussian constants: eq. 21 as printed (sigma = 1, Xu-Raginsky's sqrt(2 sigma^2
 *  I / m)), and sigma = 1/2, which a loss in [0, 1] has by Hoeffding's lemma (the constant of the
 *  union bound, eq. 22). */
export const SIGMAS = { sigma1: 1, sigmaHalf: 0.5 } as const;
export type SigmaName = keyof typeof SIGMAS;

/** B_MI = sqrt(2 sigma^2 max(I, 0) / m) (eq. 21 at sigma = 1: sqrt(2 I / m); at sigma = 1/2:
 *  sqrt(I / (2m))). I is clamped at 0 here, and only here: report the raw I beside it. */
export function bMI(I: number, m: number, sigma: number): number {
  return Math.sqrt((2 * sigma * sigma * Math.max(I, 0)) / m);
}

/** B_UB = sqrt(log R / (2m)) (eq. 22), the union bound over a bank of R experts. */
export function bUB(math: DetMath, R: number, m: number): number {
  return Math.sqrt(math.log(R) / (2 * m));
}

/** A number or, where it is undefined, null with the reason (never NaN). */
export type Maybe = { value: number; reason: null } | { value: null; reason: string };

/** The alpha at which B_MI(sigma) = B_UB, for the r* histogram `counts` of M runs: B_MI is a
 *  function of I_hat(alpha), which is non-decreasing in alpha (q at alpha' < alpha is q at alpha
 *  mixed with the uniform, a garbling independent of S: data processing), so the crossing is
 *  found by bisection (60 halvings of [0, 1]) for I_hat(alpha) = log R / (4 sigma^2). Returned:
 *  the upper end of the final bracket (B_MI >= B_UB there, B_MI < B_UB at its lower end, 2^-60
 *  below); null with the reason when B_MI < B_UB for every alpha (I_hat(1) = H(r*) is below the
 *  target). Under sigma = 1/2 the target is log R itself, which I_hat reaches only if r* is
 *  uniform: with consistent constants the MI bound never exceeds the union bound. */
export interface Crossover {
  alpha: Maybe;
  /** The I at which the bounds meet: log R / (4 sigma^2). */
  targetI: number;
  /** I_hat at alpha = 1, the most B_MI can reach on these runs. */
  iAtOne: number;
}

export function crossoverAlpha(math: DetMath, R: number, counts: ArrayLike<number>, M: number, sigma: number): Crossover {
  const logR = math.log(R);
  const targetI = logR / (4 * sigma * sigma);
  const iAtOne = mutualInfo(math, 1, R, counts, M).I;
  if (R === 1) return { alpha: { value: null, reason: "R = 1: both bounds are 0 at every alpha" }, targetI, iAtOne };
  if (iAtOne < targetI) {
    return {
      alpha: {
        value: null,
        reason: `B_MI < B_UB at every alpha: I at alpha = 1 (= H(r*)) is ${fmt(iAtOne)} nats, below log R / (4 sigma^2) = ${fmt(targetI)}`,
      },
      targetI,
      iAtOne,
    };
  }
  let lo = 0, hi = 1;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (mutualInfo(math, mid, R, counts, M).I >= targetI) hi = mid;
    else lo = mid;
  }
  return { alpha: { value: hi, reason: null }, targetI, iAtOne };
}

/** A looseness ratio B_MI / d (d = |G| or G_abs), null with the reason where it is undefined:
 *  at alpha = 0 (W is independent of S, so B_MI = 0 and the gap measured there is Monte Carlo
 *  noise plus any train/test shift: the ratio is not a looseness), where I_hat <= 0 (B_MI = 0),
 *  and where d = 0. */
export function loosenessRatio(bound: number, d: number, alpha: number, what: string): Maybe {
  if (alpha === 0) return { value: null, reason: "undefined at alpha = 0: W is independent of S, B_MI = 0, and the gap there is noise (plus any train/test shift), not something the bound bounds" };
  if (bound === 0) return { value: null, reason: "undefined: I <= 0, so B_MI = 0" };
  if (d === 0) return { value: null, reason: `undefined: ${what} = 0` };
  return { value: bound / d, reason: null };
}

function fmt(x: number): string {
  return x.toFixed(4);
}
