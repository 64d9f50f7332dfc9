// Zero-compute experts: a Mixture-of-Experts for regression whose experts are constants, one per
// region of a segmentation of the input space (Dar 2025, "Mixture of Many Zero-Compute Experts: A
// High-Rate Quantization Theory Perspective", arXiv 2510.03151). Only the paper's abstract is
// available; the predictions below are derived here from classical high-rate quantization theory
// and then measured. Browser-safe: no node: imports, no engine Math (src/math.ts), random draws
// from the core's Philox streams (src/prng.ts).
//
// The theory (derivations, quadrature, cell statistics, predictions) is in constants-theory.ts, the
// training draws in constants-sim.ts, the Markdown and SVG in constants-report.ts; this file runs
// the experiment and is the entry that exports all of them.
//
// ---------------------------------------------------------------------------------------------
// Defaults and why
// ---------------------------------------------------------------------------------------------
// 1-D: p(x) = 1/2 + x (sampled by x = sqrt(1/4 + 2u) - 1/2), f(x) = exp(2x), sigma = 1. f spans
// [1, e^2] and p f'^2 varies by 3 e^4 ~ 160 over [0, 1], so companding helps visibly (A / A_u ~ 0.6),
// and with sigma = 1 the predicted best K at n = 10^3, 10^4, 10^5 (~ 19, 40, 87 companded) lies inside
// the K grid 1..~300 with both error terms far above the trial-to-trial noise. A larger sigma would
// only shift the best K down by sigma^(-2/3); a flat f or p would make A = A_u and hide companding.
// 2-D: p uniform on [0, 1]^2, f = exp(x1 + 2 x2) / 10 (||grad f||^2 = 5 f^2 > 0, increasing in both
// coordinates, so its max over a rectangle is at the upper-right corner), sigma = 1; the factor 1/10
// puts sqrt(A2h n) at ~ 13, 42, 134 for n = 10^3, 10^4, 10^5, inside the grid of squares 1..289.
//
// Randomness: the training set of trial t for the i-th n is the Philox stream
// (seed, "synthConstants", 16 t + i) in 1-D and (seed, "synthConstants", 16 t + 8 + i) in 2-D
// (so at most 8 values of n); one training set serves every K and both segmentations of its trial
// (common random numbers), and no draw depends on the order of the work.
// The draws themselves are described in constants-sim.ts.
import type { Core } from "../../bindings/index.js";
import { detMath, type DetMath } from "../math.js";
import { meanSe, type MeanSe } from "../stats.js";
import {
  cellStats, cellStats2D, compandedBoundaries, companderWeight, defaultModel1D, defaultModel2D, expectedEstimationError,
  highRateConstants, highRateConstants2D, marginalWeights, powerLawFit, predictedBestK, predictedTestError, total,
  uniformBoundaries, type CellStats2D, type Constants2D,
} from "./constants-theory.js";
import { drawTraining1D, drawTraining2D, estimationError, learnConstants, learnConstants2D } from "./constants-sim.js";
export * from "./constants-theory.js";
export * from "./constants-sim.js";
export { renderConstants, constantsFigures } from "./constants-report.js";
export type { MeanSe };

// ---------------------------------------------------------------------------------------------
// The experiment
// ---------------------------------------------------------------------------------------------

export interface ConstantsOptions {
  /** small grids for a run of a few seconds */
  quick: boolean;
  seed: number;
  /** training set sizes (at most 8) */
  ns?: number[];
  /** numbers of experts K of the 1-D runs, ascending */
  Ks?: number[];
  trials?: number;
  sigma?: number;
  /** run the 2-D block (default true) */
  twoD?: boolean;
  /** sides k of the k x k grids of the 2-D block, ascending */
  ks2?: number[];
  /** K of the 2-D aspect-ratio study (every k1 x k2 = K) */
  aspectK?: number;
}

const FULL = {
  ns: [1000, 10000, 100000],
  Ks: [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 19, 22, 26, 31, 37, 44, 52, 62, 74, 88, 104, 124, 147, 175, 208, 247, 294],
  trials: 40,
  ks2: [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 17],
  aspectK: 144,
};
const QUICK = {
  ns: [1000, 10000],
  Ks: [1, 2, 3, 4, 6, 8, 11, 16, 22, 32, 45, 64, 90, 128, 181, 256],
  trials: 8,
  ks2: [1, 2, 3, 4, 6, 8, 11, 16],
  aspectK: 36,
};
/** The fits of the approximation error use K >= FIT_K_MIN (the high-rate regime). */
export const FIT_K_MIN = 8;


export interface ApproxCurve {
  /** D(K) = exact approximation error of the optimal constants (no noise), per K */
  error: number[];
  /** K^2 D(K) */
  K2error: number[];
  /** least-squares slope of log D on log K over K >= FIT_K_MIN (prediction -2) */
  slope: number;
  /** exp(mean(log D + 2 log K)) over K >= FIT_K_MIN (prediction: A or A_u) */
  constant: number;
  /** K^2 D at the largest K (prediction: A or A_u) */
  K2errorAtMaxK: number;
  predictedConstant: number;
}

export interface Curve1D {
  segmentation: "companded" | "uniform";
  /** mean over trials of the exact test error of the learned constants, per K, and its standard error */
  testMean: number[];
  testSe: (number | null)[];
  /** sigma^2 + A / K^2 + K sigma^2 / n (A_u for the uniform segmentation) */
  predicted: number[];
  /** sigma^2 + D(K) + K sigma^2 / n (the exact approximation error with the high-rate estimation term) */
  predictedExactApprox: number[];
  /** mean estimation error sum_k P_k (c^_k - c_k*)^2 and its standard error */
  estimationMean: number[];
  estimationSe: (number | null)[];
  /** K sigma^2 / n */
  estimationPredicted: number[];
  /** (K sigma^2 + sum_k v_k) / n: with the within-cell variance of f */
  estimationPredictedCells: number[];
  /** the exact expectation of the estimation error (binomial cell counts, empty-cell rule: expectedEstimationError) */
  estimationExpected: number[];
  /** sigma^2 + D(K) + estimationExpected: the exact expected test error */
  expected: number[];
  /** mean number of empty cells */
  emptyCells: number[];
  /** z_k = sum_t (c^_kt - c_k*) / sqrt(sum_t (v_k + sigma^2) / n_kt) over trials with n_kt >= 1: max |z_k| and mean z_k^2 over cells */
  unbiased: { maxAbsZ: (number | null)[]; meanZ2: (number | null)[]; cells: number[] };
  /** predictedOnGridK / expectedOnGridK: the argmins of `predicted` / `expected` over the K grid */
  best: { measuredK: number; measuredTest: number; predictedK: number; predictedOnGridK: number; expectedOnGridK: number; ratio: number };
}

export interface Run1D {
  n: number;
  companded: Curve1D;
  uniform: Curve1D;
}

export interface GridErrors2D {
  approx: number[];
  bound: number[];
  boundHighRate: number[];
  highRate: number[];
}

export interface Run2D {
  n: number;
  testMean: number[];
  testSe: (number | null)[];
  /** sigma^2 + A2highRate / K + K sigma^2 / n */
  predictedHighRate: number[];
  /** sigma^2 + A2bound / K + K sigma^2 / n (the bound's high-rate form as the approximation term) */
  predictedBound: number[];
  estimationMean: number[];
  estimationSe: (number | null)[];
  estimationPredicted: number[];
  /** exact expectation of the estimation error (expectedEstimationError) and sigma^2 + D + it */
  estimationExpected: number[];
  expected: number[];
  emptyCells: number[];
  best: { measuredK: number; measuredTest: number; predictedHighRateK: number; predictedBoundK: number; predictedOnGridK: number; expectedOnGridK: number; ratioHighRate: number; ratioBound: number };
}

export interface AspectRow {
  k1: number;
  k2: number;
  uniform: { approx: number; bound: number; boundHighRate: number };
  companded: { approx: number; bound: number; boundHighRate: number };
}

export interface TwoDResult {
  model: { p: string; f: string; sigma: number; gradSqMax: string };
  constants: Constants2D;
  /** k x k grids, K = k^2 */
  squares: {
    k: number[];
    K: number[];
    uniform: GridErrors2D;
    companded: GridErrors2D;
    /** least squares of log approx on log K (prediction -1), K approx at the largest K (prediction A2highRate), K bound (A2bound) */
    fit: { slope: number; constant: number; KapproxAtMaxK: number; KboundAtMaxK: number; KboundHighRateAtMaxK: number };
  };
  runs: Run2D[];
  aspect: {
    K: number;
    rows: AspectRow[];
    /** the k1 x k2 minimizing each column */
    argmin: { uniformBound: [number, number]; uniformApprox: [number, number]; compandedBound: [number, number]; compandedApprox: [number, number] };
    /** the exact error at the grid minimizing the bound / at the grid minimizing the exact error (>= 1) */
    uniformCostOfBoundChoice: number;
    compandedCostOfBoundChoice: number;
    /** exact error and bound of the bound-minimizing companded grid over those of the bound-minimizing uniform grid */
    compandedOverUniformApprox: number;
    compandedOverUniformBound: number;
  };
}

export interface ConstantsResult {
  experiment: string;
  config: { quick: boolean; seed: number; ns: number[]; Ks: number[]; trials: number; sigma: number; fitKMin: number; streams: string; emptyCell: string };
  model: { p: string; f: string; sigma: number; sampling: string };
  constants: { A: number; Au: number; AOverAu: number; companderNorm: number };
  approximation: { K: number[]; companded: ApproxCurve; uniform: ApproxCurve };
  runs: Run1D[];
  twoD: TwoDResult | null;
}


function argminIndex(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! < xs[best]!) best = i;
  return best;
}

function checkOptions(ns: number[], Ks: number[], trials: number, sigma: number, ks2: number[], aspectK: number): void {
  if (ns.length < 1 || ns.length > 8 || ns.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError("ns: 1 to 8 integers >= 1");
  if (Ks.length < 2 || Ks.some((K, i) => !Number.isInteger(K) || K < 1 || (i > 0 && K <= Ks[i - 1]!))) throw new RangeError("Ks: at least two ascending integers >= 1");
  if (Ks.filter((K) => K >= FIT_K_MIN).length < 2) throw new RangeError(`Ks: at least two values >= ${FIT_K_MIN} for the fit`);
  if (!Number.isInteger(trials) || trials < 1) throw new RangeError("trials: an integer >= 1");
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new RangeError("sigma: a positive number");
  if (ks2.length < 2 || ks2.some((k, i) => !Number.isInteger(k) || k < 1 || (i > 0 && k <= ks2[i - 1]!))) throw new RangeError("ks2: at least two ascending integers >= 1");
  if (!Number.isInteger(aspectK) || aspectK < 1) throw new RangeError("aspectK: an integer >= 1");
}

/** Runs the experiment: the 1-D constants and approximation curves, the learned-constant test
 *  error over (n, K, trial) for both segmentations, and (unless twoD: false) the 2-D block.
 *  onProgress(done, total) counts training sets. */
export function runConstants(core: Core, options: ConstantsOptions, onProgress?: (done: number, total: number) => void): ConstantsResult {
  const m = detMath(core);
  const base = options.quick ? QUICK : FULL;
  const ns = [...(options.ns ?? base.ns)], Ks = [...(options.Ks ?? base.Ks)];
  const trials = options.trials ?? base.trials, sigma = options.sigma ?? 1;
  const ks2 = [...(options.ks2 ?? base.ks2)], aspectK = options.aspectK ?? base.aspectK;
  const doTwoD = options.twoD ?? true;
  checkOptions(ns, Ks, trials, sigma, ks2, aspectK);
  const s2 = sigma * sigma;
  const totalUnits = ns.length * trials * (doTwoD ? 2 : 1);
  let done = 0;
  const tick = () => {
    done++;
    onProgress?.(done, totalUnits);
  };

  // ---- 1-D population side
  const model = defaultModel1D(m, sigma);
  const { A, Au, norm } = highRateConstants(model, m);
  const g = companderWeight(model, m);
  const segs = [
    { name: "companded" as const, C: A, bounds: Ks.map((K) => compandedBoundaries(g, K)) },
    { name: "uniform" as const, C: Au, bounds: Ks.map((K) => uniformBoundaries(K)) },
  ];
  const stats = segs.map((s) => s.bounds.map((b) => cellStats(model, b)));
  const D = stats.map((row) => row.map((st) => total(st.err)));
  const sumV = stats.map((row) => row.map((st) => total(st.err.map((e, k) => (st.P[k]! > 0 ? e / st.P[k]! : 0)))));
  const fitIdx = Ks.map((K, i) => (K >= FIT_K_MIN ? i : -1)).filter((i) => i >= 0);
  const approxCurve = (si: number): ApproxCurve => {
    const err = D[si]!;
    const fit = powerLawFit(fitIdx.map((i) => Ks[i]!), fitIdx.map((i) => err[i]!), -2, m);
    const K2 = err.map((e, i) => e * Ks[i]! * Ks[i]!);
    return { error: err, K2error: K2, slope: fit.slope, constant: fit.constant, K2errorAtMaxK: K2[K2.length - 1]!, predictedConstant: segs[si]!.C };
  };

  // ---- 1-D runs
  const runs: Run1D[] = [];
  ns.forEach((n, ni) => {
    // per segmentation, per K: trial values and the unbiasedness accumulators per cell
    const test = segs.map(() => Ks.map(() => [] as number[]));
    const est = segs.map(() => Ks.map(() => [] as number[]));
    const empty = segs.map(() => Ks.map(() => 0));
    const zNum = segs.map(() => Ks.map((K) => new Float64Array(K)));
    const zVar = segs.map(() => Ks.map((K) => new Float64Array(K)));
    for (let t = 0; t < trials; t++) {
      const tr = drawTraining1D(core, model, n, options.seed, 16 * t + ni);
      segs.forEach((seg, si) => {
        Ks.forEach((_K, ki) => {
          const st = stats[si]![ki]!;
          const L = learnConstants(tr.x, tr.y, seg.bounds[ki]!);
          const e = estimationError(st, L.c);
          est[si]![ki]!.push(e);
          test[si]![ki]!.push(s2 + D[si]![ki]! + e);
          const num = zNum[si]![ki]!, vr = zVar[si]![ki]!;
          for (let k = 0; k < L.counts.length; k++) {
            const nk = L.counts[k]!;
            if (nk === 0) {
              empty[si]![ki]!++;
              continue;
            }
            const vk = st.P[k]! > 0 ? st.err[k]! / st.P[k]! : 0;
            num[k] = num[k]! + (L.c[k]! - st.c[k]!);
            vr[k] = vr[k]! + (vk + s2) / nk;
          }
        });
      });
      tick();
    }
    const curve = (si: number): Curve1D => {
      const seg = segs[si]!;
      const tm = test[si]!.map(meanSe), em = est[si]!.map(meanSe);
      const predicted = Ks.map((K) => predictedTestError(seg.C, K, n, sigma));
      const maxAbsZ: (number | null)[] = [], meanZ2: (number | null)[] = [], cells: number[] = [];
      Ks.forEach((K, ki) => {
        let mx = -1, sz = 0, c = 0;
        for (let k = 0; k < K; k++) {
          const v = zVar[si]![ki]![k]!;
          if (!(v > 0)) continue;
          const z = zNum[si]![ki]![k]! / Math.sqrt(v);
          mx = Math.max(mx, Math.abs(z));
          sz += z * z;
          c++;
        }
        maxAbsZ.push(c > 0 ? mx : null);
        meanZ2.push(c > 0 ? sz / c : null);
        cells.push(c);
      });
      const means = tm.map((x) => x.mean);
      const bi = argminIndex(means);
      const predictedK = predictedBestK(seg.C, n, sigma, m);
      const estimationExpected = Ks.map((_K, ki) => expectedEstimationError(stats[si]![ki]!, n, sigma));
      const expected = Ks.map((_K, ki) => s2 + D[si]![ki]! + estimationExpected[ki]!);
      return {
        segmentation: seg.name,
        testMean: means,
        testSe: tm.map((x) => x.se),
        predicted,
        predictedExactApprox: Ks.map((K, ki) => s2 + D[si]![ki]! + (K * s2) / n),
        estimationMean: em.map((x) => x.mean),
        estimationSe: em.map((x) => x.se),
        estimationPredicted: Ks.map((K) => (K * s2) / n),
        estimationPredictedCells: Ks.map((K, ki) => (K * s2 + sumV[si]![ki]!) / n),
        estimationExpected,
        expected,
        emptyCells: empty[si]!.map((e) => e / trials),
        unbiased: { maxAbsZ, meanZ2, cells },
        best: { measuredK: Ks[bi]!, measuredTest: means[bi]!, predictedK, predictedOnGridK: Ks[argminIndex(predicted)]!, expectedOnGridK: Ks[argminIndex(expected)]!, ratio: Ks[bi]! / predictedK },
      };
    };
    runs.push({ n, companded: curve(0), uniform: curve(1) });
  });

  const result: ConstantsResult = {
    experiment: "Zero-compute constant experts (Dar 2025, arXiv 2510.03151): high-rate quantization predictions vs measurement",
    config: {
      quick: options.quick, seed: options.seed, ns, Ks, trials, sigma, fitKMin: FIT_K_MIN,
      streams: "training set of trial t, i-th n: Philox (seed, synthConstants, 16 t + i) in 1-D, (seed, synthConstants, 16 t + 8 + i) in 2-D",
      emptyCell: "an empty cell predicts the mean of all training y's",
    },
    model: { p: model.text.p, f: model.text.f, sigma, sampling: model.text.sampling },
    constants: { A, Au, AOverAu: A / Au, companderNorm: norm },
    approximation: { K: Ks, companded: approxCurve(0), uniform: approxCurve(1) },
    runs,
    twoD: doTwoD ? runTwoD(core, m, options.seed, ns, trials, sigma, ks2, aspectK, tick) : null,
  };
  return result;
}

function gridErrors(st: CellStats2D): { approx: number; bound: number; boundHighRate: number; highRate: number } {
  return { approx: total(st.err), bound: total(st.bound), boundHighRate: total(st.boundHighRate), highRate: total(st.highRate) };
}

function runTwoD(core: Core, m: DetMath, seed: number, ns: number[], trials: number, sigma: number, ks2: number[], aspectK: number, tick: () => void): TwoDResult {
  const model = defaultModel2D(m, sigma);
  const s2 = sigma * sigma;
  const C = highRateConstants2D(model, m);
  const { W1, W2 } = marginalWeights(model);
  const cache = new Map<string, number[]>();
  const companded = (axis: 1 | 2, k: number): number[] => {
    const key = `${axis}:${k}`;
    let b = cache.get(key);
    if (!b) {
      const W = axis === 1 ? W1 : W2;
      b = compandedBoundaries((x) => m.pow(W(x), 1 / 3), k);
      cache.set(key, b);
    }
    return b;
  };
  // squares: uniform and companded
  const Ksq = ks2.map((k) => k * k);
  const uniStats = ks2.map((k) => cellStats2D(model, uniformBoundaries(k), uniformBoundaries(k)));
  const cmpStats = ks2.map((k) => cellStats2D(model, companded(1, k), companded(2, k)));
  const collect = (sts: CellStats2D[]): GridErrors2D => {
    const e = sts.map(gridErrors);
    return { approx: e.map((x) => x.approx), bound: e.map((x) => x.bound), boundHighRate: e.map((x) => x.boundHighRate), highRate: e.map((x) => x.highRate) };
  };
  const uniform = collect(uniStats), comp = collect(cmpStats);
  const fitIdx = Ksq.map((K, i) => (K >= FIT_K_MIN ? i : -1)).filter((i) => i >= 0);
  const fit = powerLawFit(fitIdx.map((i) => Ksq[i]!), fitIdx.map((i) => uniform.approx[i]!), -1, m);
  const last = Ksq.length - 1, Kmax = Ksq[last]!;

  // runs on the uniform squares
  const runs: Run2D[] = ns.map((n, ni) => {
    const test = Ksq.map(() => [] as number[]), est = Ksq.map(() => [] as number[]), empty = Ksq.map(() => 0);
    for (let t = 0; t < trials; t++) {
      const tr = drawTraining2D(core, model, n, seed, 16 * t + 8 + ni);
      ks2.forEach((k, ki) => {
        const b = uniformBoundaries(k);
        const L = learnConstants2D(tr, b, b);
        const st = uniStats[ki]!;
        let e = 0;
        for (let c = 0; c < st.P.length; c++) {
          const d = L.c[c]! - st.c[c]!;
          e += st.P[c]! * d * d;
          if (L.counts[c] === 0) empty[ki]!++;
        }
        est[ki]!.push(e);
        test[ki]!.push(s2 + uniform.approx[ki]! + e);
      });
      tick();
    }
    const tm = test.map(meanSe);
    const means = tm.map((x) => x.mean);
    const bi = argminIndex(means);
    const kh = Math.sqrt((C.A2highRate * n) / s2), kb = Math.sqrt((C.A2bound * n) / s2);
    const em = est.map(meanSe);
    const predictedHighRate = Ksq.map((K) => s2 + C.A2highRate / K + (K * s2) / n);
    const estimationExpected = uniStats.map((st) => expectedEstimationError(st, n, sigma));
    const expected = estimationExpected.map((e, ki) => s2 + uniform.approx[ki]! + e);
    return {
      n,
      testMean: means,
      testSe: tm.map((x) => x.se),
      predictedHighRate,
      predictedBound: Ksq.map((K) => s2 + C.A2bound / K + (K * s2) / n),
      estimationMean: em.map((x) => x.mean),
      estimationSe: em.map((x) => x.se),
      estimationPredicted: Ksq.map((K) => (K * s2) / n),
      estimationExpected,
      expected,
      emptyCells: empty.map((e) => e / trials),
      best: {
        measuredK: Ksq[bi]!, measuredTest: means[bi]!, predictedHighRateK: kh, predictedBoundK: kb,
        predictedOnGridK: Ksq[argminIndex(predictedHighRate)]!, expectedOnGridK: Ksq[argminIndex(expected)]!, ratioHighRate: Ksq[bi]! / kh, ratioBound: Ksq[bi]! / kb },
    };
  });

  // aspect study at K = aspectK: every k1 x k2 = K, uniform and companded
  const rows: AspectRow[] = [];
  for (let k1 = 1; k1 <= aspectK; k1++) {
    if (aspectK % k1 !== 0) continue;
    const k2 = aspectK / k1;
    const u = gridErrors(cellStats2D(model, uniformBoundaries(k1), uniformBoundaries(k2)));
    const c = gridErrors(cellStats2D(model, companded(1, k1), companded(2, k2)));
    rows.push({ k1, k2, uniform: { approx: u.approx, bound: u.bound, boundHighRate: u.boundHighRate }, companded: { approx: c.approx, bound: c.bound, boundHighRate: c.boundHighRate } });
  }
  const am = (pick: (r: AspectRow) => number): [number, number] => {
    const r = rows[argminIndex(rows.map(pick))]!;
    return [r.k1, r.k2];
  };
  const at = (kk: [number, number]) => rows.find((r) => r.k1 === kk[0])!;
  const argmin = { uniformBound: am((r) => r.uniform.bound), uniformApprox: am((r) => r.uniform.approx), compandedBound: am((r) => r.companded.bound), compandedApprox: am((r) => r.companded.approx) };
  return {
    model: { p: model.text.p, f: model.text.f, sigma, gradSqMax: model.text.gradSqMax },
    constants: C,
    squares: {
      k: ks2, K: Ksq, uniform, companded: comp,
      fit: { slope: fit.slope, constant: fit.constant, KapproxAtMaxK: Kmax * uniform.approx[last]!, KboundAtMaxK: Kmax * uniform.bound[last]!, KboundHighRateAtMaxK: Kmax * uniform.boundHighRate[last]! },
    },
    runs,
    aspect: {
      K: aspectK, rows, argmin,
      uniformCostOfBoundChoice: at(argmin.uniformBound).uniform.approx / at(argmin.uniformApprox).uniform.approx,
      compandedCostOfBoundChoice: at(argmin.compandedBound).companded.approx / at(argmin.compandedApprox).companded.approx,
      compandedOverUniformApprox: at(argmin.compandedBound).companded.approx / at(argmin.uniformBound).uniform.approx,
      compandedOverUniformBound: at(argmin.compandedBound).companded.bound / at(argmin.uniformBound).uniform.bound,
    },
  };
}
