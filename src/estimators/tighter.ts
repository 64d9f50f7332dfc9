// Every bound on the generalization gap the finite bank makes computable, per alpha, beside the
// measured gaps (paper Sections IV-B/C, VI-A, VII-B; Monte Carlo at scale, docs/DESIGN.md section 7.2): `moe-bank bounds`.
//
// Readings (docs/DESIGN.md section 8). The information-theoretic bounds are theorems about S drawn
// i.i.d. from a population and the gap against that population's risk: reading (c), S = m items
// i.i.d. from the pool and G_pool = R_pool(W) - R_hat_S(W). They are shown beside the paper's G
// (S = m distinct training images, the gap against the test split), which holds a train/test
// shift no bound here covers, and G_abs (eq. 33). The test-set bound is the truth line for the
// paper's gap: it bounds each expert's population risk from the untouched test split.
//
// The bounds, each with its estimator and constant (BOUND_DESCRIPTIONS carries the same text
// into the output):
//   xr       Xu-Raginsky (eq. 21): sqrt(2 sigma^2 I(S;W) / m), I(S;W) = I_hat on reading (c) (eq. 18,
//            M runs); sigma = 1 (as printed) and sigma = 1/2 (a [0, 1] loss). Expectation bound.
//   ismi     Bu-Zou-Veeravalli: (1/m) sum_i sqrt(2 sigma^2 I(W; Z_i)) = sqrt(2 sigma^2 I(W; Z_1)),
//            I(W; Z_1) over loss patterns (src/estimators/ismi.ts); both sigmas. Expectation bound.
//   cmi      Steinke-Zakynthinou: sqrt(2 CMI / m), CMI = I(W; U | Z~) from supersamples and selectors
//            (src/estimators/cmi.ts), delta-corrected; one constant. Expectation bound.
//   pacBayes PAC-Bayes-kl with the uniform prior: R(Q) <= kl^{-1}(R_hat_S(Q), (log R - H(q_alpha)
//            + log(2 sqrt(m)/delta))/m) for Q = q_alpha(.|S), per run, delta = 0.05: a
//            high-probability bound; the mean over runs of kl^{-1} - R_hat_S(Q) is shown, with the
//            share of runs where R_pool(Q) stayed below its bound (src/estimators/pacbayes.ts).
//   union    eq. 22: sqrt(log R / (2m)) (sigma = 1/2; E max over R experts).
//   testSet  the truth line: mean over the paper's runs of ub(W_i) - R_hat_{S_i}(W_i), ub the
//            binomial tail inversion of W_i's test errors at delta / R (src/estimators/testset.ts).
import type { Core } from "../../bindings/index.js";
import { detMath } from "../math.js";
import { bUB, SIGMAS } from "./bounds.js";
import { resampledBias, type ResampledBias } from "./bias.js";
import { tieShare, type TieShare } from "./sweep.js";
import type { Interval } from "./bootstrap.js";
import { cmiEstimates, cmiHistograms } from "./cmi.js";
import { errorCounts, type LossMatrix } from "./draws.js";
import { rstarCounts } from "./entropy.js";
import { ismiEstimates, ismiTables, lossPatterns } from "./ismi.js";
import { klInverseUpper, klToUniform, pacBayesKlEpsilon } from "./pacbayes.js";
import { gapsAtScale, histBootstrap, infoEstimate, scaleRuns, type GapsAtScale, type ScaleRuns } from "./scale.js";
import { TABLE_II_ALPHAS, type Estimate, type SelectionConfig, type SelectionResult } from "./sweep.js";
import { markdownTable, percentSe } from "./tables.js";
import { testSetBounds } from "./testset.js";

/** The selection protocol's settings (M runs per reading, the paper's protocol and reading (c);
 *  bootstrap: histogram multinomials, supersample resamples for the CMI) and the bounds' own. */
export interface BoundsConfig extends SelectionConfig {
  /** Confidence parameter of the high-probability bounds (PAC-Bayes-kl, test set). */
  delta: number;
  /** Runs of the individual-sample estimator, in `ismiBlocks` jackknife blocks. */
  ismiRuns: number;
  ismiBlocks: number;
  /** Supersamples and selectors per supersample of the CMI estimator. */
  supersamples: number;
  selectors: number;
  /** The M at which the bias of H(p_hat) is measured (the selection's M), and the resamples of
   *  that many runs drawn from the M runs of the paper's protocol (resampledBias). */
  biasM: number;
  biasResamples: number;
}

export const DEFAULT_BOUNDS: Readonly<BoundsConfig> = {
  M: 100_000, m: 256, alphas: TABLE_II_ALPHAS, seed: 0, bootstrap: 1000, level: 0.95, delta: 0.05,
  ismiRuns: 40_000, ismiBlocks: 40, supersamples: 1000, selectors: 1000, biasM: 300, biasResamples: 20_000,
};

/** Each bound's estimator and constant, as shown in the output. */
export const BOUND_DESCRIPTIONS = {
  xr: "Xu-Raginsky (eq. 21): sqrt(2 sigma^2 I(S;W)/m), I(S;W) = I_hat of reading (c) (eq. 18); sigma = 1 (the paper's constant) and sigma = 1/2 (a [0,1] loss is 1/2-sub-Gaussian). Expectation bound on |E G_pool|.",
  ismi: "Individual-sample MI (Bu, Zou, Veeravalli 2020): (1/m) sum_i sqrt(2 sigma^2 I(W;Z_i)) = sqrt(2 sigma^2 I(W;Z_1)) for i.i.d. S; I(W;Z_1) = I(W; loss pattern of Z_1) from the pool's distinct patterns, jackknife interval; sigma = 1 and 1/2. Expectation bound on |E G_pool|; never above Xu-Raginsky with the same sigma.",
  cmi: "Conditional MI (Steinke, Zakynthinou 2020, Thm 1.2 form): sqrt(2 CMI/m) for a [0,1] loss, CMI = I(W;U|Z~) = E_Z~[H(E_U q) - H(q_alpha)] from supersamples of 2m pool items and selector vectors U, plug-in plus the delta-method term; one constant (the loss difference spans [-1,1]). Expectation bound on |E G_pool|; CMI <= I(S;W).",
  pacBayes: "PAC-Bayes-kl (Seeger; Maurer 2004), uniform prior over the bank: kl(R_hat_S(Q) || R(Q)) <= (KL(Q||uniform) + log(2 sqrt(m)/delta))/m, KL = log R - H(q_alpha), inverted by bisection; HIGH-PROBABILITY bound (delta = 0.05) on the Gibbs risk of Q = q_alpha(.|S), per run; shown: mean over reading (c)'s runs of kl^{-1} - R_hat_S(Q), and the share of runs where R_pool(Q) stayed below it.",
  union: "Union bound (eq. 22): sqrt(log R/(2m)), sigma = 1/2, whatever alpha.",
  testSet: "Test-set bound (Langford 2005), the truth line: ub_r = max{p : P(Bin(10000, p) <= test errors of r) >= delta/R}, simultaneous over the R experts at 1 - delta; shown: mean over the paper's runs of ub(W_i) - R_hat_{S_i}(W_i), a high-probability upper bound on the paper's population gap.",
} as const;

export interface BoundsAlpha {
  alpha: number;
  info: {
    /** I_hat(S;W) in the paper's protocol and in reading (c), with histogram-bootstrap intervals. */
    iPaper: Estimate;
    iPool: Estimate;
    /** I(W; Z_1) with its jackknife interval, standard error and bias estimate. */
    iIndividual: { value: number; ci: Interval; se: number; jackknifeBias: number };
    /** CMI, plug-in and delta-corrected. */
    cmi: { plugIn: Estimate; corrected: Estimate };
    /** KL(q_alpha || uniform) = log R - H(q_alpha). */
    kl: number;
  };
  bounds: {
    xr: { sigma1: Estimate; sigmaHalf: Estimate };
    ismi: { sigma1: Estimate; sigmaHalf: Estimate };
    cmi: Estimate;
    pacBayes: { delta: number; epsilon: number; meanEmpirical: number; meanRiskBound: number; meanGapBound: number; meanGibbsGap: number; held: number };
    union: number;
    testSet: Estimate;
  };
  gaps: { paper: GapsAtScale; pool: GapsAtScale };
}

export interface BoundsResult {
  config: BoundsConfig & { R: number; nPool: number; nTest: number };
  logR: number;
  descriptions: typeof BOUND_DESCRIPTIONS;
  experts: { poolRisk: number[]; testRisk: number[]; testUpper: number[] };
  patterns: number;
  /** The share of runs whose r* was a tie, with its binomial standard error sqrt(s (1 - s) / M). */
  ties: { paper: TieShare; pool: TieShare };
  /** The bias of H(p_hat) at biasM runs, measured on the paper's protocol (resampledBias). */
  bias: ResampledBias;
  alphas: BoundsAlpha[];
}

export interface BoundsOptions extends Partial<BoundsConfig> {
  signal?: AbortSignal;
  onProgress?: (stage: string) => void;
}

function checkConfig(c: BoundsConfig): void {
  const int = (name: string, v: number, lo: number, hi = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${name} must be an integer in [${lo}, ${hi}], got ${v}`);
  };
  int("M", c.M, 1, 0x7fffffff);
  int("m", c.m, 8, 32767);
  int("seed", c.seed, 0);
  int("bootstrap", c.bootstrap, 0, 1_000_000);
  int("ismiBlocks", c.ismiBlocks, 2, 100_000);
  int("ismiRuns", c.ismiRuns, c.ismiBlocks);
  if (c.ismiRuns % c.ismiBlocks !== 0) throw new RangeError(`ismiRuns (${c.ismiRuns}) must be a multiple of ismiBlocks (${c.ismiBlocks})`);
  int("supersamples", c.supersamples, 1);
  int("selectors", c.selectors, 1);
  int("biasM", c.biasM, 1, 0x7fffffff);
  int("biasResamples", c.biasResamples, 2, 10_000_000);
  if (!(c.level > 0 && c.level < 1)) throw new RangeError(`level must be in (0, 1), got ${c.level}`);
  if (!(c.delta > 0 && c.delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${c.delta}`);
  if (c.alphas.length === 0) throw new RangeError("give at least one alpha");
  for (const a of c.alphas) if (!(a >= 0 && a <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${a}`);
}

const sqrtBound = (I: number, m: number, sigma: number) => Math.sqrt((2 * sigma * sigma * Math.max(I, 0)) / m);
const mapEstimate = (e: Estimate, f: (x: number) => number): Estimate => ({ value: f(e.value), ci: e.ci === null ? null : { lo: f(e.ci.lo), hi: f(e.ci.hi) } });

/** The PAC-Bayes-kl bound per run of reading (c) at one alpha (see the header of pacbayes.ts). */
function pacBayesRuns(core: Core, runs: ScaleRuns, alpha: number, poolRisk: number[], delta: number) {
  const math = detMath(core);
  const { R, m, M } = runs;
  const kl = klToUniform(math, alpha, R);
  const eps = pacBayesKlEpsilon(math, kl, m, delta);
  const b = (1 - alpha) / R;
  let meanRisk = 0;
  for (let r = 0; r < R; r++) meanRisk += poolRisk[r]!;
  const cache = new Map<number, number>();
  let se = 0, sb = 0, sg = 0, held = 0;
  for (let i = 0; i < M; i++) {
    const emp = (b * runs.csum[i]!) / m + (alpha * runs.cmin[i]!) / m;
    const key = runs.csum[i]! * (m + 1) + runs.cmin[i]!;
    let ub = cache.get(key);
    if (ub === undefined) {
      ub = klInverseUpper(math, Math.min(1, Math.max(0, emp)), eps);
      cache.set(key, ub);
    }
    const risk = b * meanRisk + alpha * poolRisk[runs.rstar[i]!]!;
    se += emp;
    sb += ub;
    sg += risk - emp;
    if (risk <= ub) held++;
  }
  return { delta, epsilon: eps, meanEmpirical: se / M, meanRiskBound: sb / M, meanGapBound: (sb - se) / M, meanGibbsGap: sg / M, held: held / M };
}

/** Runs both readings at scale and every estimator and bound at every alpha. */
export function runBounds(core: Core, train: LossMatrix, test: LossMatrix, options: BoundsOptions = {}): BoundsResult {
  const config: BoundsConfig = { ...DEFAULT_BOUNDS, ...Object.fromEntries(Object.entries(options).filter(([k, v]) => v !== undefined && k in DEFAULT_BOUNDS)) } as BoundsConfig;
  checkConfig(config);
  if (train.R !== test.R) throw new RangeError(`the loss matrices disagree on R: ${train.R} (train) vs ${test.R} (test)`);
  if (config.m > train.N) throw new RangeError(`m = ${config.m} exceeds the pool (${train.N} items)`);
  const { M, m, seed, bootstrap: B, level, delta, alphas } = config;
  const R = train.R;
  const math = detMath(core);
  const step = (s: string) => {
    options.signal?.throwIfAborted();
    options.onProgress?.(s);
  };
  const poolErrors = errorCounts(train), testErrors = errorCounts(test);
  const poolRisk = Array.from(poolErrors, (c) => c / train.N), testRisk = Array.from(testErrors, (c) => c / test.N);
  const testUpper = testSetBounds(math, testErrors, test.N, delta);

  step(`drawing ${M} runs of the paper's protocol`);
  const paperRuns = scaleRuns(core, train, "distinct", { M, m, seed, ...(options.signal ? { signal: options.signal } : {}) });
  step(`drawing ${M} runs of reading (c)`);
  const poolRuns = scaleRuns(core, train, "iid", { M, m, seed, ...(options.signal ? { signal: options.signal } : {}) });
  const cPaper = rstarCounts(paperRuns.rstar, R), cPool = rstarCounts(poolRuns.rstar, R);
  const bPaper = histBootstrap(core, cPaper, B, seed), bPool = histBootstrap(core, cPool, B, seed);

  step(`individual-sample runs (${config.ismiRuns} in ${config.ismiBlocks} blocks)`);
  const pats = lossPatterns(core, train);
  const tables = ismiTables(core, train, pats, { m, runs: config.ismiRuns, blocks: config.ismiBlocks, seed, ...(options.signal ? { signal: options.signal } : {}) });
  const ismi = ismiEstimates(core, pats, tables, alphas, level);
  step(`conditional-MI supersamples (${config.supersamples} x ${config.selectors} selectors)`);
  const hist = cmiHistograms(core, train, { m, supersamples: config.supersamples, selectors: config.selectors, seed, ...(options.signal ? { signal: options.signal } : {}) });
  const cmi = cmiEstimates(core, hist, R, config.selectors, m, alphas, { B, seed, level });
  const union = bUB(math, R, m);

  const rows = alphas.map((alpha, k): BoundsAlpha => {
    step(`alpha = ${alpha}`);
    const iPaper = infoEstimate(core, alpha, R, cPaper, M, bPaper, level).I;
    const iPool = infoEstimate(core, alpha, R, cPool, M, bPool, level).I;
    const is = ismi[k]!, cm = cmi[k]!;
    const isEst: Estimate = { value: is.I, ci: is.ci };
    const gPaper = gapsAtScale(core, paperRuns, alpha, testErrors, test.N, { B, seed, level, upper: testUpper });
    const gPool = gapsAtScale(core, poolRuns, alpha, poolErrors, train.N, { B, seed, level });
    return {
      alpha,
      info: { iPaper, iPool, iIndividual: { value: is.I, ci: is.ci, se: is.se, jackknifeBias: is.jackknifeBias }, cmi: { plugIn: cm.plugIn, corrected: cm.corrected }, kl: klToUniform(math, alpha, R) },
      bounds: {
        xr: { sigma1: mapEstimate(iPool, (x) => sqrtBound(x, m, SIGMAS.sigma1)), sigmaHalf: mapEstimate(iPool, (x) => sqrtBound(x, m, SIGMAS.sigmaHalf)) },
        ismi: { sigma1: mapEstimate(isEst, (x) => sqrtBound(x, 1, SIGMAS.sigma1)), sigmaHalf: mapEstimate(isEst, (x) => sqrtBound(x, 1, SIGMAS.sigmaHalf)) },
        cmi: cm.bound,
        pacBayes: pacBayesRuns(core, poolRuns, alpha, poolRisk, delta),
        union,
        testSet: gPaper.truth!,
      },
      gaps: { paper: gPaper, pool: gPool },
    };
  });
  let tp = 0, tq = 0;
  for (let i = 0; i < M; i++) {
    if (paperRuns.nmin[i]! > 1) tp++;
    if (poolRuns.nmin[i]! > 1) tq++;
  }
  step(`bias of H(p_hat) at M = ${config.biasM} (${config.biasResamples} resamples)`);
  const bias = resampledBias(core, paperRuns.rstar, R, config.biasM, alphas, config.biasResamples, seed);
  return {
    config: { ...config, alphas: [...alphas], R, nPool: train.N, nTest: test.N },
    logR: math.log(R),
    descriptions: BOUND_DESCRIPTIONS,
    experts: { poolRisk, testRisk, testUpper: Array.from(testUpper) },
    patterns: pats.K,
    ties: { paper: tieShare(tp, M), pool: tieShare(tq, M) },
    bias,
    alphas: rows,
  };
}

const f4 = (x: number) => x.toFixed(4);
const ci4 = (e: Estimate) => (e.ci === null ? f4(e.value) : `${f4(e.value)} [${f4(e.ci.lo)}, ${f4(e.ci.hi)}]`);

/** The two tables (information terms; bounds against the gaps) and the notes, as Markdown. */
export function renderBounds(res: BoundsResult, options: { bias?: boolean } = {}): string {
  const c = res.config;
  const info = markdownTable(
    ["alpha", "I(S;W) paper", "I(S;W) reading (c)", "I(W;Z_1) x m", "CMI (corrected)", "KL(q||unif)"],
    res.alphas.map((a) => [
      a.alpha.toFixed(2), ci4(a.info.iPaper), ci4(a.info.iPool),
      `${f4(a.info.iIndividual.value * c.m)} [${f4(a.info.iIndividual.ci.lo * c.m)}, ${f4(a.info.iIndividual.ci.hi * c.m)}]`,
      ci4(a.info.cmi.corrected), f4(a.info.kl),
    ]),
  );
  const bounds = markdownTable(
    ["alpha", "XR s=1", "XR s=1/2", "ISMI s=1", "ISMI s=1/2", "CMI", "PB-kl (d=.05)", "union", "test-set (d=.05)", "G (paper)", "G_abs (paper)", "G_pool"],
    res.alphas.map((a) => [
      a.alpha.toFixed(2), f4(a.bounds.xr.sigma1.value), f4(a.bounds.xr.sigmaHalf.value), f4(a.bounds.ismi.sigma1.value), f4(a.bounds.ismi.sigmaHalf.value),
      f4(a.bounds.cmi.value), `${f4(a.bounds.pacBayes.meanGapBound)} (${(100 * a.bounds.pacBayes.held).toFixed(1)}% held)`, f4(a.bounds.union),
      f4(a.bounds.testSet.value), ci4(a.gaps.paper.g), ci4(a.gaps.paper.gAbs), ci4(a.gaps.pool.g),
    ]),
  );
  const d = res.descriptions;
  return [
    `Bounds on the generalization gap: R = ${c.R}, m = ${c.m}, M = ${c.M} runs per reading, pool ${c.nPool}, test ${c.nTest}, ` +
      `${res.patterns} distinct loss patterns, ${c.level * 100}% intervals (${c.bootstrap} resamples), delta = ${c.delta}.`,
    "",
    "Information terms (nats). I(W;Z_1) is shown times m, to compare with I(S;W) (their ratio is the individual-sample gain):",
    "",
    info,
    "",
    "Bounds on the gap (expectation bounds unless marked d = delta), against the measured gaps:",
    "",
    bounds,
    "",
    ...Object.entries(d).map(([k, v]) => `- ${k}: ${v}`),
    `- G (paper) = mean R_test(W) - R_hat_S(W), S = m distinct training images; G_abs its absolute form (eq. 33); G_pool = mean R_pool(W) - R_hat_S(W), S i.i.d. from the pool (reading (c)).`,
    `- Ties for r* (share of runs, +- standard error): ${percentSe(res.ties.paper)} of the paper's runs, ${percentSe(res.ties.pool)} of reading (c)'s (M = ${c.M} each).`,
    ...(options.bias === false ? [] : ["", renderMeasuredBias(res.bias)]),
  ].join("\n");
}

const CORRECTIONS = [
  ["paper", "(R-1)/(2M) (paper)"],
  ["millerMadow", "(K-1)/(2M) (Miller-Madow)"],
  ["delta", "the delta method"],
] as const;

/** For each alpha of a run's paper reading, the correction of that run nearest the measured bias. */
export function closestCorrections(sel: SelectionResult, bias: ResampledBias): { alpha: number; name: string }[] {
  return sel.readings.paper.alphas.flatMap((a) => {
    const b = bias.alphas.find((x) => x.alpha === a.alpha);
    if (b === undefined) return [];
    let best: (typeof CORRECTIONS)[number] = CORRECTIONS[0];
    for (const c of CORRECTIONS) if (Math.abs(a.corrections[c[0]] - b.exact) < Math.abs(a.corrections[best[0]] - b.exact)) best = c;
    return [{ alpha: a.alpha, name: best[1] }];
  });
}

/** "the delta method at alpha = 0, 0.25, 0.5; (R-1)/(2M) (paper) at alpha = 1": which correction
 *  of a run is closest to the measured bias, where. */
export function closestText(sel: SelectionResult, bias: ResampledBias): string {
  const groups = new Map<string, number[]>();
  for (const { alpha, name } of closestCorrections(sel, bias)) groups.set(name, [...(groups.get(name) ?? []), alpha]);
  return [...groups].map(([name, as]) => `${name} at alpha = ${as.map((a) => String(a)).join(", ")}`).join("; ");
}

/**
 * The measured bias of H(p_hat) (so of I_hat, eq. 16) at M runs, the one table of it: beside each
 * alpha's measured bias, the mean over the same resamples of each correction and the delta method
 * at the true f; with `run` (a selection at the same M: Table II extended), also the corrections
 * that run added and which of them is closest to the measured bias.
 */
export function renderMeasuredBias(b: ResampledBias, run?: SelectionResult): string {
  const closest = run ? new Map(closestCorrections(run, b).map((c) => [c.alpha, c.name])) : null;
  const header = ["alpha", "measured bias", "(R-1)/2M (paper)", "mean (K-1)/2M", "mean delta method", "delta method at the true f", ...(run ? ["this run: (K-1)/2M", "this run: delta method", "closest"] : [])];
  const rows = b.alphas.map((a) => {
    const mine = run?.readings.paper.alphas.find((x) => x.alpha === a.alpha);
    const extra = run ? (mine ? [f4(mine.corrections.millerMadow), f4(mine.corrections.delta), closest!.get(a.alpha)!] : ["—", "—", "—"]) : [];
    return [a.alpha.toFixed(2), `${f4(a.exact)} +- ${f4(a.se)}`, f4(a.paper), f4(a.meanMillerMadow), f4(a.meanDelta), f4(a.deltaAtTruth), ...extra];
  });
  return [
    `The bias of H(p_hat) (so of I_hat, eq. 16) at M = ${b.M} runs, measured: ${b.resamples} resamples of M runs drawn with replacement from the ${b.truthRuns} runs of the paper's protocol${run ? " in the tighter bounds" : ""} (their r* distribution, K = ${b.truthK} experts, taken as the truth); the amount to add to I_hat, +- its Monte Carlo standard error, beside the mean over the same resamples of each correction` +
      (run ? " and the corrections this run adds in Table II extended:" : ":"),
    "",
    markdownTable(header, rows),
    ...(run
      ? ["", `Closest to the measured bias: ${closestText(run, b)}. The delta method evaluated at the observed shares f_hat drops the experts this run never selected, which matters most at alpha = 1, where it equals (K-1)/(2M).`]
      : []),
  ].join("\n");
}
