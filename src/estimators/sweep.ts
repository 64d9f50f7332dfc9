// The alpha sweep of Section VI (Table II), read both ways (docs/DESIGN.md section 8):
//   paper: S_i = m distinct items of the training pool, the gap against the test split;
//   pool (reading (c)): S_i = m items i.i.d. from the pool, the gap against the pool risk (the
//     row mean of L_train), the setting in which the Xu-Raginsky theorem's assumptions hold.
// One set of draws serves every alpha (common random numbers): the same S_i, r*(S_i) and W
// uniforms, and the same bootstrap resamples, so the sweep is comparable point to point.
import type { Core } from "../../bindings/index.js";
import { detMath, mapF64 } from "../math.js";
import { biasCorrections, type BiasCorrections } from "./bias.js";
import { percentileInterval, resampleIndices, resampledCounts, type Interval } from "./bootstrap.js";
import { bMI, bUB, crossoverAlpha, loosenessRatio, SIGMAS, type Crossover, type Maybe } from "./bounds.js";
import { drawSamples, drawUniforms, errorCounts, type LossMatrix, type SampleRuns, type SampleScheme, type WUniforms } from "./draws.js";
import { checkAlpha, condEntropyClosedForm, condEntropyFromCounts, entropy, mutualInfo, posteriorEntropies, rstarCounts, rstarEntropy } from "./entropy.js";
import { drawW, gapStats, gapTerms, type GapStats, type GapTerms } from "./gaps.js";

/** The alphas of the paper's Table II. */
export const TABLE_II_ALPHAS: readonly number[] = [0, 0.25, 0.5, 0.7, 0.9, 1];

export interface SelectionConfig {
  /** Monte Carlo runs (samples S_i). */
  M: number;
  /** Sample size |S_i|. */
  m: number;
  alphas: readonly number[];
  /** Names every stream: (seed, sample, i), (seed, alphaDraw, i), (seed, bootstrap, b). */
  seed: number;
  /** Bootstrap resamples of the M runs (0: no intervals). */
  bootstrap: number;
  /** Confidence level of the percentile intervals. */
  level: number;
}

export const DEFAULT_SELECTION: Readonly<SelectionConfig> = { M: 300, m: 256, alphas: TABLE_II_ALPHAS, seed: 0, bootstrap: 1000, level: 0.95 };

/** A point estimate with its bootstrap percentile interval (null without resamples). */
export interface Estimate {
  value: number;
  ci: Interval | null;
}

export interface AlphaResult {
  alpha: number;
  /** H_hat(W) (eq. 16). */
  hW: number;
  /** H_hat(W|S) (eq. 17). */
  hWgS: number;
  /** H(q_alpha) in closed form (eq. 19); equals hWgS up to rounding. */
  hWgSClosedForm: number;
  /** I_hat(S;W) = hW - hWgS (eq. 18), raw (not clamped). */
  I: Estimate;
  corrections: BiasCorrections;
  /** I_hat plus each correction. */
  iCorrected: { plugIn: number; paper: number; millerMadow: number; delta: number };
  /** B_MI (eq. 21) with I clamped at 0, under sigma = 1 (the paper's) and sigma = 1/2. */
  bMI: { sigma1: Estimate; sigmaHalf: Estimate };
  /** eq. 30: mean empirical error of W_i on S_i. */
  rTrain: Estimate;
  /** eq. 31: mean reference risk of W_i (R_test for the paper's reading, the pool risk for (c)). */
  rRef: Estimate;
  /** eq. 32: rRef - rTrain (G; G_pool for reading (c)). */
  g: Estimate;
  /** eq. 33: mean |R_ref(W_i) - R_hat_{S_i}(W_i)|. */
  gAbs: Estimate;
  /** The per-run gaps R_ref(W_i) - R_hat_{S_i}(W_i), i = 0..M-1 in run order (Fig. 2's histogram). */
  gaps: number[];
  /** B_MI / |G| and B_MI / G_abs under each constant. */
  looseness: Record<keyof typeof SIGMAS, { overAbsG: Maybe; overGAbs: Maybe }>;
}

/** A share of runs and its binomial standard error sqrt(share (1 - share) / M). */
export interface TieShare {
  share: number;
  se: number;
}

/** k of M runs as a share with its standard error (the runs are independent). */
export function tieShare(k: number, M: number): TieShare {
  const share = k / M;
  return { share, se: Math.sqrt((share * (1 - share)) / M) };
}

export type Trend = "constant" | "non-decreasing" | "non-increasing" | "neither";

export interface ReadingResult {
  reading: "paper" | "pool";
  description: string;
  scheme: SampleScheme;
  reference: "test" | "pool";
  /** Runs whose r* was a tie (more than one expert at the least error), their share with its
   *  binomial standard error, and the largest tie. */
  ties: { samples: number; maxTied: number } & TieShare;
  /** Histogram of r* over the M runs; K = the number of distinct r*. */
  rstarCounts: number[];
  K: number;
  /** H(r*) = I_hat at alpha = 1, and how far it is from log R (0 only if r* is uniform). */
  hRstar: number;
  logRMinusHRstar: number;
  alphas: AlphaResult[];
  /** The alpha where B_MI = B_UB under each constant. */
  crossover: Record<keyof typeof SIGMAS, Crossover>;
  /** Whether I, G and G_abs are monotone over the sorted alphas (I with a 1e-12 tolerance). */
  trends: { I: Trend; g: Trend; gAbs: Trend };
  /** The theorem read against the estimates: at alpha = 0, whether G's interval covers 0; for
   *  alpha > 0, whether |G| <= B_MI(sigma = 1/2) + the half-width of G's interval. */
  checks: {
    gapAtAlpha0: { ci: Interval | null; coversZero: boolean | null } | null;
    bound: { alpha: number; absG: number; bMIHalf: number; halfWidth: number | null; holds: boolean }[];
  };
}

export interface SelectionResult {
  config: SelectionConfig & { R: number; nPool: number; nTest: number };
  logR: number;
  /** B_UB (eq. 22). */
  bUB: number;
  /** Each expert's error rate on the pool (row mean of L_train) and on the test split. */
  experts: { poolRisk: number[]; testRisk: number[] };
  readings: { paper: ReadingResult; pool: ReadingResult };
}

export interface SelectionOptions extends Partial<SelectionConfig> {
  signal?: AbortSignal;
  /** Called after each (reading, alpha) with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
}

const DESCRIPTIONS = {
  paper: "S = m distinct images of the training pool, gap = R_test(W) - R_hat_S(W) (the paper's protocol)",
  pool: "S = m images i.i.d. from the pool, gap = R_pool(W) - R_hat_S(W), R_pool = row mean of L_train (the setting of the Xu-Raginsky theorem)",
} as const;

/** Runs the protocol on a bank's loss matrices and forms every estimator at every alpha. */
export function runSelection(core: Core, train: LossMatrix, test: LossMatrix, options: SelectionOptions = {}): SelectionResult {
  const config = resolveConfig(options);
  if (train.R !== test.R) throw new RangeError(`the loss matrices disagree on R: ${train.R} (train) vs ${test.R} (test)`);
  const { M, m, seed, bootstrap: B, level, alphas } = config;
  const R = train.R;
  const math = detMath(core);
  const poolErrors = errorCounts(train);
  const testErrors = errorCounts(test);
  const [paperRuns, poolRuns] = drawSamples(core, train, { M, m, seed }, ["distinct", "iid"]) as [SampleRuns, SampleRuns];
  const uniforms = drawUniforms(core, seed, M, R);
  const idx = resampleIndices(core, seed, B, M);
  const total = 2 * alphas.length;
  let done = 0;
  const tick = () => {
    options.signal?.throwIfAborted();
    options.onProgress?.(++done, total);
  };
  const paper = runReading(core, "paper", paperRuns, uniforms, testErrors, test.N, config, idx, tick);
  const pool = runReading(core, "pool", poolRuns, uniforms, poolErrors, train.N, config, idx, tick);
  return {
    config: { ...config, alphas: [...alphas], R, nPool: train.N, nTest: test.N },
    logR: math.log(R),
    bUB: bUB(math, R, m),
    experts: {
      poolRisk: Array.from(poolErrors, (c) => c / train.N),
      testRisk: Array.from(testErrors, (c) => c / test.N),
    },
    readings: { paper, pool },
  };
}

export function resolveConfig(options: Partial<SelectionConfig>): SelectionConfig {
  const c: SelectionConfig = {
    M: options.M ?? DEFAULT_SELECTION.M,
    m: options.m ?? DEFAULT_SELECTION.m,
    alphas: options.alphas ?? DEFAULT_SELECTION.alphas,
    seed: options.seed ?? DEFAULT_SELECTION.seed,
    bootstrap: options.bootstrap ?? DEFAULT_SELECTION.bootstrap,
    level: options.level ?? DEFAULT_SELECTION.level,
  };
  if (c.alphas.length === 0) throw new RangeError("give at least one alpha");
  for (const a of c.alphas) checkAlpha(a);
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) throw new RangeError(`seed must be an integer in [0, 2^53), got ${c.seed}`);
  if (!Number.isInteger(c.bootstrap) || c.bootstrap < 0) throw new RangeError(`bootstrap must be an integer >= 0, got ${c.bootstrap}`);
  if (!(c.level > 0 && c.level < 1)) throw new RangeError(`level must be in (0, 1), got ${c.level}`);
  return c;
}

function runReading(
  core: Core, reading: "paper" | "pool", runs: SampleRuns, uniforms: WUniforms, refErrors: Int32Array, nRef: number,
  config: SelectionConfig, idx: Int32Array, tick: () => void,
): ReadingResult {
  const math = detMath(core);
  const { M, R } = runs;
  const { level } = config;
  const counts = rstarCounts(runs.rstar, R);
  const bootCounts = resampledCounts(runs.rstar, R, idx, M);
  let tied = 0, maxTied = 1;
  for (let i = 0; i < M; i++) {
    const t = runs.nmin[i]!;
    if (t > 1) tied++;
    if (t > maxTied) maxTied = t;
  }
  const hRstar = rstarEntropy(math, counts, M);
  const logR = math.log(R);

  const rows = config.alphas.map((alpha) => {
    const row = alphaRow(core, alpha, runs, counts, bootCounts, uniforms, refErrors, nRef, idx, level);
    tick();
    return row;
  });

  const sorted = [...rows].sort((a, b) => a.alpha - b.alpha);
  const checks: ReadingResult["checks"] = { gapAtAlpha0: null, bound: [] };
  for (const row of sorted) {
    const ci = row.g.ci;
    if (row.alpha === 0) {
      checks.gapAtAlpha0 = { ci, coversZero: ci === null ? null : ci.lo <= 0 && 0 <= ci.hi };
    } else {
      const halfWidth = ci === null ? null : (ci.hi - ci.lo) / 2;
      const absG = Math.abs(row.g.value), bound = row.bMI.sigmaHalf.value;
      checks.bound.push({ alpha: row.alpha, absG, bMIHalf: bound, halfWidth, holds: absG <= bound + (halfWidth ?? 0) });
    }
  }
  return {
    reading,
    description: DESCRIPTIONS[reading],
    scheme: runs.scheme,
    reference: reading === "paper" ? "test" : "pool",
    ties: { samples: tied, ...tieShare(tied, M), maxTied },
    rstarCounts: Array.from(counts),
    K: counts.reduce((k, c) => k + (c > 0 ? 1 : 0), 0),
    hRstar,
    logRMinusHRstar: logR - hRstar,
    alphas: rows,
    crossover: {
      sigma1: crossoverAlpha(math, R, counts, M, SIGMAS.sigma1),
      sigmaHalf: crossoverAlpha(math, R, counts, M, SIGMAS.sigmaHalf),
    },
    trends: {
      I: trend(sorted.map((r) => r.I.value), 1e-12),
      g: trend(sorted.map((r) => r.g.value)),
      gAbs: trend(sorted.map((r) => r.gAbs.value)),
    },
    checks,
  };
}

function alphaRow(
  core: Core, alpha: number, runs: SampleRuns, counts: Int32Array, bootCounts: Int32Array, uniforms: WUniforms,
  refErrors: Int32Array, nRef: number, idx: Int32Array, level: number,
): AlphaResult {
  const math = detMath(core);
  const { M, R, m } = runs;
  const { hW, hWgS, I } = mutualInfo(math, alpha, R, counts, M);
  const w = drawW(alpha, runs.rstar, uniforms.u, uniforms.v);
  const terms = gapTerms(w, runs.counts, R, m, refErrors, nRef);
  const gaps = gapStats(terms);
  const corrections = biasCorrections(alpha, R, counts, M);

  const reps = alphaReplicates(core, alpha, runs, bootCounts, terms, idx);
  const est = (value: number, r: Float64Array): Estimate => ({ value, ci: percentileInterval(r, level) });
  const b1 = bMI(I, m, SIGMAS.sigma1), bh = bMI(I, m, SIGMAS.sigmaHalf);
  const absG = Math.abs(gaps.g);
  return {
    alpha,
    hW,
    hWgS,
    hWgSClosedForm: condEntropyClosedForm(math, alpha, R),
    I: est(I, reps.I),
    corrections,
    iCorrected: { plugIn: I, paper: I + corrections.paper, millerMadow: I + corrections.millerMadow, delta: I + corrections.delta },
    bMI: { sigma1: est(b1, reps.bMI1), sigmaHalf: est(bh, reps.bMIHalf) },
    rTrain: est(gaps.rTrain, reps.rTrain),
    rRef: est(gaps.rRef, reps.rRef),
    g: est(gaps.g, reps.g),
    gAbs: est(gaps.gAbs, reps.gAbs),
    gaps: Array.from(terms.ref, (r, i) => r - terms.train[i]!),
    looseness: {
      sigma1: { overAbsG: loosenessRatio(b1, absG, alpha, "|G|"), overGAbs: loosenessRatio(b1, gaps.gAbs, alpha, "G_abs") },
      sigmaHalf: { overAbsG: loosenessRatio(bh, absG, alpha, "|G|"), overGAbs: loosenessRatio(bh, gaps.gAbs, alpha, "G_abs") },
    },
  };
}

/** Bootstrap replicates of every statistic at one alpha: for resample b (runs idx[b M .. b M + M),
 *  with r* histogram bootCounts[b R .. b R + R), see resampledCounts), the same estimators as on
 *  the full set of runs: I_hat (eq. 15-18, logs in bulk through the core: the same bits as
 *  one by one), B_MI under both constants (eq. 21), and the gap statistics (eq. 30-33) from the
 *  per-run terms. The identity resample reproduces the point estimates bit for bit. */
export interface AlphaReplicates {
  I: Float64Array;
  bMI1: Float64Array;
  bMIHalf: Float64Array;
  rTrain: Float64Array;
  rRef: Float64Array;
  g: Float64Array;
  gAbs: Float64Array;
}

export function alphaReplicates(
  core: Core, alpha: number, runs: { M: number; R: number; m: number }, bootCounts: Int32Array, terms: GapTerms, idx: Int32Array,
): AlphaReplicates {
  const math = detMath(core);
  const { M, R, m } = runs;
  const B = idx.length / M;
  const reps: AlphaReplicates = {
    I: new Float64Array(B), bMI1: new Float64Array(B), bMIHalf: new Float64Array(B),
    rTrain: new Float64Array(B), rRef: new Float64Array(B), g: new Float64Array(B), gAbs: new Float64Array(B),
  };
  if (B === 0) return reps;
  const h = posteriorEntropies(math, alpha, R);
  const base = (1 - alpha) / R;
  const P = new Float64Array(B * R);
  for (let k = 0; k < B * R; k++) P[k] = base + (alpha * bootCounts[k]!) / M;
  const logs = mapF64(core, "log", P);
  for (let b = 0; b < B; b++) {
    const o = b * R;
    const Ib = entropy(math, P.subarray(o, o + R), logs.subarray(o, o + R)) - condEntropyFromCounts(h, bootCounts, M, o);
    reps.I[b] = Ib;
    reps.bMI1[b] = bMI(Ib, m, SIGMAS.sigma1);
    reps.bMIHalf[b] = bMI(Ib, m, SIGMAS.sigmaHalf);
    const s: GapStats = gapStats(terms, idx, b * M, M);
    reps.rTrain[b] = s.rTrain;
    reps.rRef[b] = s.rRef;
    reps.g[b] = s.g;
    reps.gAbs[b] = s.gAbs;
  }
  return reps;
}

/** The direction of xs (in the order given): every step >= -tol is non-decreasing, every step
 *  <= tol non-increasing, both constant. */
export function trend(xs: readonly number[], tol = 0): Trend {
  let up = true, down = true;
  for (let k = 1; k < xs.length; k++) {
    const d = xs[k]! - xs[k - 1]!;
    if (d < -tol) up = false;
    if (d > tol) down = false;
  }
  return up && down ? "constant" : up ? "non-decreasing" : down ? "non-increasing" : "neither";
}
