// A conditional-MI bound in the style of Steinke and Zakynthinou (2020, "Reasoning about
// generalization via conditional mutual information", COLT), on reading (c) (the pool as the
// population, S i.i.d. from it).
//
// Setting. A supersample Z~ = (Z~_{j,0}, Z~_{j,1}), j = 1..m, holds 2m items i.i.d. from the pool;
// a selector U uniform on {0,1}^m picks S = (Z~_{j,U_j})_j, which is then m i.i.d. items, and
// W ~ q_alpha(. | S). CMI = I(W; U | Z~). Their Theorem 1.2 form, for a loss in [0, 1]:
//   |E[R(W) - R_hat_S(W)]| <= sqrt(2 CMI / m).
// The constant: the gap equals E (1/m) sum_j (-1)^{U_j} (l(W, Z~_{j,1}) - l(W, Z~_{j,0})); under
// the product of P(W | Z~) and an independent uniform U that is a sum of m independent terms
// eps_j a_j / m with |a_j| <= 1 (the difference of two [0, 1] losses), each (a_j/m)-sub-Gaussian,
// so the sum is sub-Gaussian with variance proxy 1/m and Donsker-Varadhan gives sqrt(2 CMI / m).
// The difference of two [0, 1] losses spans [-1, 1], so there is no sigma = 1/2 reading here: one
// constant, as stated. CMI <= I(S; W) (Haghifam et al. 2020), and CMI <= m log 2.
//
// Estimator. With q = q_alpha(. | Z~_U), E_U H(q) = H(q_alpha) (eq. 19, the same for every S), so
//   CMI = E_Z~ [ H(E_U q) - H(q_alpha) ],   E_U q = (1 - alpha)/R + alpha P(r*(Z~_U) = . | Z~).
// For each of `supersamples` supersamples, `selectors` U are drawn (the core's cmi_runs) and
// P(r* | Z~) is their r* histogram; the inner term is then exactly the paper's I_hat (eq. 15-18)
// with the U draws as its runs, and the plug-in H of E_U q is biased down by about the
// delta-method term of src/estimators/bias.ts with M = selectors. Reported: the plug-in mean
// over supersamples, and the mean of (plug-in + delta term) per supersample (the one the bound
// uses: a downward-biased information term would make the bound look tighter than it is), each
// with a percentile interval from B bootstrap resamples of the supersamples.
import type { Core } from "../../bindings/index.js";
import { detMath } from "../math.js";
import { seedWords } from "../prng.js";
import { deltaBias } from "./bias.js";
import { percentileInterval, resampleIndices } from "./bootstrap.js";
import { transposedLosses, type LossMatrix } from "./draws.js";
import { mutualInfo } from "./entropy.js";
import type { Estimate } from "./sweep.js";

export interface CmiOptions {
  m: number;
  supersamples: number;
  selectors: number;
  seed: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** hist[z R + r] = #{U among the selectors of supersample z : r*(Z~_U) = r}, flat [nZ * R]. */
export function cmiHistograms(core: Core, train: LossMatrix, opts: CmiOptions): Int32Array {
  const { m, supersamples: nZ, selectors: nU, seed } = opts;
  const { R, N } = train;
  if (!Number.isInteger(m) || m < 1 || m > 32767) throw new RangeError(`m must be an integer in [1, 32767], got ${m}`);
  if (!Number.isInteger(nZ) || nZ < 1) throw new RangeError(`supersamples must be a positive integer, got ${nZ}`);
  if (!Number.isInteger(nU) || nU < 1) throw new RangeError(`selectors must be a positive integer, got ${nU}`);
  const [lo, hi] = seedWords(seed);
  const e = core.exports;
  const out = new Int32Array(nZ * R);
  const chunk = Math.max(1, Math.min(nZ, Math.floor(4_000_000 / Math.max(1, nU * m))));
  core.scoped((alloc) => {
    const lt = transposedLosses(core, alloc, train);
    const work = alloc("u8", core.bytes("scale_work_bytes", e.scale_work_bytes(R, N, m), 24 * m + 4 * N + 8 * R));
    const hist = alloc("i32", chunk * R);
    for (let z = 0; z < nZ; z += chunk) {
      opts.signal?.throwIfAborted();
      const k = Math.min(chunk, nZ - z);
      hist.view.fill(0);
      e.cmi_runs(lt.ptr, R, N, m, k, nU, lo, hi, z, hist.ptr, work.ptr);
      out.set(hist.view.subarray(0, k * R), z * R);
      opts.onProgress?.(z + k, nZ);
    }
  });
  return out;
}

export interface CmiAlpha {
  alpha: number;
  /** The plug-in CMI (mean over supersamples of H_hat(E_U q) - H(q_alpha)), nats. */
  plugIn: Estimate;
  /** The plug-in plus the per-supersample delta-method term (what the bound uses). */
  corrected: Estimate;
  /** sqrt(2 CMI / m) with the corrected CMI (clamped at 0), and its interval. */
  bound: Estimate;
}

/** The CMI and its bound at each alpha from the histograms (see the header); the intervals
 *  resample the supersamples B times (streams (seed, bootstrap, b)). */
export function cmiEstimates(
  core: Core, hist: Int32Array, R: number, selectors: number, m: number, alphas: readonly number[],
  opts: { B: number; seed: number; level: number },
): CmiAlpha[] {
  const math = detMath(core);
  const nZ = hist.length / R;
  const idx = resampleIndices(core, opts.seed, opts.B, nZ);
  const bound = (x: number) => Math.sqrt((2 * Math.max(x, 0)) / m);
  return alphas.map((alpha) => {
    const v = new Float64Array(nZ), w = new Float64Array(nZ);
    for (let z = 0; z < nZ; z++) {
      const c = hist.subarray(z * R, z * R + R);
      v[z] = mutualInfo(math, alpha, R, c, selectors).I;
      w[z] = v[z]! + deltaBias(alpha, R, c, selectors);
    }
    const mean = (x: Float64Array) => {
      let s = 0;
      for (let z = 0; z < nZ; z++) s += x[z]!;
      return s / nZ;
    };
    const reps = (x: Float64Array) => {
      const out = new Float64Array(opts.B);
      for (let b = 0; b < opts.B; b++) {
        let s = 0;
        for (let j = 0; j < nZ; j++) s += x[idx[b * nZ + j]!]!;
        out[b] = s / nZ;
      }
      return out;
    };
    const rv = reps(v), rw = reps(w);
    const pv = mean(v), pw = mean(w);
    const ciW = percentileInterval(rw, opts.level);
    return {
      alpha,
      plugIn: { value: pv, ci: percentileInterval(rv, opts.level) },
      corrected: { value: pw, ci: ciW },
      bound: { value: bound(pw), ci: ciW === null ? null : { lo: bound(ciW.lo), hi: bound(ciW.hi) } },
    };
  });
}
