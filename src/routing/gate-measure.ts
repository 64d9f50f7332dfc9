// Measuring any gate (paper Section V): given the router of a gate as probabilities p(t|x_i) (or
// logits) on N inputs, and optionally the experts' per-item losses l[i,t], how much information
// about the input it uses (eq. 24), how it spreads the load, and how far it sits from the best
// gate at the same rate (the BA frontier of eq. 27 on the same rows).
//
// Two passes over the rows, block by block (gate-rows.ts), so N is bounded by the disk only:
//   pass 1: every row checked (finite, >= 0, sums to 1 within 1e-6), the marginal of eq. 23
//           pi_t = (1/N) sum_i p(t|x_i) (summed in row order, then divided by N), the top-1 counts
//           and the expected loss (1/N) sum_i sum_t p(t|x_i) l[i,t];
//   pass 2: eq. 24, I = (1/N) sum_i sum_t p(t|x_i) log(p(t|x_i) / pi_t) with 0 log 0 = 0, in the
//           order and with the logarithm of the core's routing_information (same bits: rows in
//           order, each row's terms in t order, log(p / pi_t) by the core's log), the row
//           entropies h_i, the per-expert variances and the bootstrap sums.
//
// Bias of the plug-in over soft rows (second-order delta method, as Miller 1955 for counts; see
// Paninski 2003, Neural Computation 15, sec. 3). With rows p_i i.i.d. (x_i drawn from the input
// distribution), I = H(pi) - E h(p(.|x)), and eq. 24 is exactly H(pi_hat) - (1/N) sum_i h_i. The
// second term is an unbiased mean; pi_hat is a mean of N i.i.d. vectors, and a second-order Taylor
// expansion of H at pi (Hessian -diag(1/pi_t)) gives
//   E H(pi_hat) = H(pi) - (1/2) sum_t Var(pi_hat_t) / pi_t + O(N^-2) = H(pi) - (1/(2N)) sum_t Var_x p(t|x) / pi_t,
// so eq. 24 is biased DOWN by (1/(2N)) sum_t s_t^2 / pi_t, estimated with the sample variances
// s_t^2 = (1/(N-1)) sum_i (p(t|x_i) - pi_hat_t)^2. For one-hot rows s_t^2 = N/(N-1) pi_t (1 - pi_t)
// and the correction is Miller-Madow's (R_used - 1)/(2(N-1)); for a constant gate it is 0.
//
// Bootstrap over rows: B resamples of N rows with replacement, each drawn in two stages so that
// the rows never need to be in memory at once: first which chunk of 4,096 rows each of its N
// draws falls in, then, chunk by chunk, which rows of the chunk (uniform given the chunk's count:
// together exactly N i.i.d. uniform draws); each resample's value is H(pi*) - mean* h (eq. 24
// on the resampled rows, by the identity above). The interval is the basic (pivotal) bootstrap
// interval [2 I - q_hi, 2 I - q_lo] (clamped at 0), which carries the bootstrap's estimate of the
// downward bias: the replicates sit below I as I sits below the truth.
import type { Core } from "../../bindings/index.js";
import { MoeBankError } from "../errors.js";
import { quantileSorted } from "../stats.js";
import { detMath, mapF64 } from "../math.js";
import { stream, type Stream } from "../prng.js";
import { RoutingProblem } from "./ba.js";
import { constrainedD, curveEnds } from "./curve.js";
import { leastRateFor } from "./frontier-inverse.js";
import type { GateRows } from "./gate-rows.js";

/** The experts' losses on the N items, expert-major [R, N] (as the bank's loss files): 0-1 (u8)
 *  or real-valued in [0, 1] (f64). */
export interface GateLosses {
  readonly R: number;
  readonly N: number;
  readonly data: Uint8Array | Float64Array;
}

export interface MeasureGateOptions {
  /** The rows are logits: each row's softmax (in the core's arithmetic) is the gate. */
  logits?: boolean;
  /** Bootstrap resamples of the rows (default 200; 0: no interval). */
  bootstrap?: number;
  /** Level of the bootstrap interval (default 0.95). */
  level?: number;
  /** Seed of the resamples (default 0). */
  seed?: number;
  /** Rows per block (default: about 2^18 values per block). */
  blockRows?: number;
  /** Largest |row sum - 1| accepted (default 1e-6). */
  sumTol?: number;
  /** Names the input in error messages (default "gate"). */
  label?: string;
}

/** Where the gate sits against the BA frontier on the same rows (rates in nats). */
export interface GateFrontier {
  /** Distinct loss patterns among the rows (N if the losses are real-valued). */
  K: number;
  /** mean_i min_t l[i,t]: no gate goes below (the oracle error for 0-1 losses). */
  oracleError: number;
  /** The least rate at which a gate reaches the oracle error. */
  leastRate: number;
  /** The best single expert's mean loss: the frontier at rate 0. */
  bestExpertLoss: number;
  /** D(rho) of eq. 27 at the gate's rate: as achieved (upper) and its certified lower bound. */
  atRate: { distortion: number; lower: number };
  /** gate loss - atRate.lower: the loss the gate leaves at its rate (>= 0 up to rounding). */
  lossGap: number;
  /** The least rate a gate needs for the gate's loss: achieved (upper) and lower bound. */
  rateNeeded: { rate: number; lower: number };
  /** gate rate - rateNeeded.rate: at least this much rate the gate spends beyond the frontier. */
  rateGap: number;
}

export interface GateMeasurement {
  N: number;
  R: number;
  units: "nats";
  logits: boolean;
  /** eq. 24, the plug-in (a rounding-level negative value is clamped to 0). */
  rate: number;
  /** (1/(2N)) sum_t s_t^2 / pi_t: the plug-in's estimated downward bias (see the header). */
  biasCorrection: number;
  /** rate + biasCorrection. */
  rateCorrected: number;
  /** The basic bootstrap interval for I(X;T) over rows, or null (bootstrap 0 or N = 1). */
  interval: { lo: number; hi: number; level: number; resamples: number; seed: number } | null;
  /** H(T) of the marginal pi (eq. 23), and H(T|X) = (1/N) sum_i h_i; rate = H(T) - H(T|X). */
  entropy: number;
  conditionalEntropy: number;
  /** exp(H(T)): the effective number of experts. */
  effectiveExperts: number;
  logR: number;
  /** pi_t (eq. 23): each expert's share of the gate's probability mass (the soft load). */
  load: number[];
  /** Coefficient of variation of load over the R experts: sqrt((1/R) sum_t (load_t - 1/R)^2) / (1/R). */
  loadCv: number;
  /** Each expert's share of the rows on which it has the largest probability (lowest index on
   *  ties): the load of top-1 dispatch, and its coefficient of variation. */
  top1Load: number[];
  top1Cv: number;
  /** Experts that are no row's top-1 choice. */
  dead: number[];
  /** Experts with pi_t = 0 (no probability on any row). */
  unused: number[];
  /** With losses: (1/N) sum_i sum_t p(t|x_i) l[i,t], and the frontier at the gate. */
  expectedLoss: number | null;
  frontier: GateFrontier | null;
}

/** Rows per chunk of the bootstrap's two-stage draw (see the header). */
const BOOT_CHUNK = 4096;

/** A data problem in the gate's rows: one line naming the row (exit 1). */
export class GateRowError extends MoeBankError {
  override name = "GateRowError";
}

function fmt(x: number): string {
  return Number.isNaN(x) ? "NaN" : String(x);
}

/** The softmax of logits rows z [n, R] as the learned gate's kernel computes it
 *  (assembly/nn/gate_loss.ts): m = max_t z_t, s = sum_t exp(z_t - m) in t order, and
 *  p_t = exp((z_t - m) - log s), with the core's exp and log. -Infinity logits give p_t = 0; a
 *  NaN or +Infinity logit, or a row of -Infinity, is a GateRowError. */
export function softmaxRows(core: Core, z: ArrayLike<number>, n: number, R: number, first = 0, label = "gate"): Float64Array {
  const sh = new Float64Array(n * R);
  for (let i = 0; i < n; i++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < R; t++) {
      const v = z[i * R + t]!;
      if (Number.isNaN(v) || v === Number.POSITIVE_INFINITY) throw new GateRowError(`${label}: row ${first + i}: logit of expert ${t} is ${fmt(v)}`);
      if (v > m) m = v;
    }
    if (m === Number.NEGATIVE_INFINITY) throw new GateRowError(`${label}: row ${first + i}: every logit is -Infinity`);
    for (let t = 0; t < R; t++) sh[i * R + t] = z[i * R + t]! - m;
  }
  const e = mapF64(core, "exp", sh);
  const sums = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < R; t++) s += e[i * R + t]!;
    sums[i] = s;
  }
  const ls = mapF64(core, "log", sums);
  for (let i = 0; i < n; i++) for (let t = 0; t < R; t++) sh[i * R + t] = sh[i * R + t]! - ls[i]!;
  return mapF64(core, "exp", sh);
}

/** Coefficient of variation of R shares (mean 1/R). */
function cv(x: ArrayLike<number>): number {
  const R = x.length;
  let v = 0;
  for (let t = 0; t < R; t++) v += (x[t]! - 1 / R) * (x[t]! - 1 / R);
  return Math.sqrt(v / R) * R;
}

/** -sum_t q_t log q_t over q_t > 0, with the core's log. */
function entropyOf(core: Core, q: ArrayLike<number>): number {
  const lq = mapF64(core, "log", Array.from(q, (x) => (x > 0 ? x : 1)));
  let h = 0;
  for (let t = 0; t < q.length; t++) if (q[t]! > 0) h -= q[t]! * lq[t]!;
  return h;
}

/** The frontier of the rows' losses: a RoutingProblem (integer losses grouped by pattern; real
 *  losses as a finite source of N equally likely items). Free it when done. */
export function lossProblem(core: Core, losses: GateLosses): RoutingProblem {
  if (losses.data instanceof Uint8Array) return RoutingProblem.create(core, { R: losses.R, N: losses.N, data: losses.data });
  const { R, N, data } = losses;
  const dist = new Float64Array(N * R);
  for (let t = 0; t < R; t++) for (let i = 0; i < N; i++) dist[i * R + t] = data[t * N + i]!;
  return RoutingProblem.fromDistortions(core, { R, dist, weights: new Float64Array(N).fill(1 / N) });
}

/**
 * Measures a gate (see the header): eq. 24 with its bias correction and bootstrap interval, H(T),
 * the load and its spread, and with losses [R, N] the expected loss and the frontier at the gate.
 * Throws a GateRowError naming the first bad row (negative, NaN, infinite, or a row not summing
 * to 1 within sumTol), or a MoeBankError if the losses' shape does not match the rows'.
 */
export async function measureGate(core: Core, probs: GateRows, losses: GateLosses | null = null, options: MeasureGateOptions = {}): Promise<GateMeasurement> {
  const { N, R } = probs;
  const label = options.label ?? "gate";
  const B = options.bootstrap ?? 200, level = options.level ?? 0.95, seed = options.seed ?? 0, sumTol = options.sumTol ?? 1e-6;
  const blockRows = options.blockRows ?? Math.max(1, Math.floor(262144 / R));
  if (!Number.isInteger(B) || B < 0) throw new RangeError(`bootstrap must be an integer >= 0, got ${B}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(blockRows) || blockRows < 1) throw new RangeError(`blockRows must be a positive integer, got ${blockRows}`);
  if (!(sumTol >= 0)) throw new RangeError(`sumTol must be >= 0, got ${sumTol}`);
  if (losses !== null && (losses.R !== R || losses.N !== N)) throw new MoeBankError(`${label}: ${N} rows of ${R} experts, but the losses are [R, N] = [${losses.R}, ${losses.N}]`);
  if (losses !== null) {
    const d = losses.data;
    for (let k = 0; k < d.length; k++) {
      const v = d[k]!;
      if (!(v >= 0 && v <= 1)) throw new MoeBankError(`${label}: the loss of expert ${Math.floor(k / N)} on item ${k % N} is ${fmt(v)}, expected a value in [0, 1]`);
    }
  }
  const blocks = Math.ceil(N / blockRows);
  const readBlock = async (j: number): Promise<{ p: ArrayLike<number>; start: number; n: number }> => {
    const start = j * blockRows, n = Math.min(blockRows, N - start);
    const raw = await probs.read(start, n);
    if (raw.length !== n * R) throw new RangeError(`${label}: read ${raw.length} values for ${n} rows`);
    return { p: options.logits ? softmaxRows(core, raw, n, R, start, label) : raw, start, n };
  };

  // pass 1: check, marginal (eq. 23), top-1 counts, expected loss
  const piSum = new Float64Array(R);
  const top1 = new Float64Array(R);
  let lossSum = 0;
  for (let j = 0; j < blocks; j++) {
    const { p, start, n } = await readBlock(j);
    for (let i = 0; i < n; i++) {
      const row = i * R;
      let s = 0, arg = 0;
      for (let t = 0; t < R; t++) {
        const v = p[row + t]!;
        if (!(v >= 0) || v === Number.POSITIVE_INFINITY) throw new GateRowError(`${label}: row ${start + i}: p(expert ${t}) = ${fmt(v)}, ${Number.isNaN(v) ? "not a number" : v < 0 ? "negative" : "not finite"}`);
        s += v;
        if (v > p[row + arg]!) arg = t;
      }
      if (!options.logits && !(Math.abs(s - 1) <= sumTol)) throw new GateRowError(`${label}: row ${start + i} sums to ${s}, not 1 within ${sumTol}`);
      for (let t = 0; t < R; t++) piSum[t] = piSum[t]! + p[row + t]!;
      top1[arg] = top1[arg]! + 1;
      if (losses !== null) {
        let r = 0;
        for (let t = 0; t < R; t++) r += p[row + t]! * losses.data[t * N + start + i]!;
        lossSum += r;
      }
    }
  }
  const pi = new Float64Array(R);
  for (let t = 0; t < R; t++) pi[t] = piSum[t]! / N;

  // the bootstrap's chunk counts: how many of resample b's N draws fall in each chunk of
  // BOOT_CHUNK rows (fixed, so the draws do not depend on how the rows are read)
  const chunks = Math.ceil(N / BOOT_CHUNK);
  const streams: Stream[] = [];
  const chunkCounts = new Int32Array(B * chunks);
  const accP = new Float64Array(B * R), accH = new Float64Array(B);
  try {
    for (let b = 0; b < B && N > 1; b++) {
      const st = stream(core, seed, "gateBootstrap", b);
      streams.push(st);
      for (let done = 0; done < N; ) {
        const k = Math.min(1 << 20, N - done);
        const idx = st.bootstrap(k, N);
        for (let q = 0; q < k; q++) chunkCounts[b * chunks + Math.floor(idx[q]! / BOOT_CHUNK)]!++;
        done += k;
      }
    }
    // counts[b * BOOT_CHUNK + r]: how often resample b draws row r of the current chunk
    const counts = new Int32Array(streams.length * BOOT_CHUNK);
    let chunk = -1;

    // pass 2: eq. 24, row entropies, variances, bootstrap sums
    let I = 0, Hcond = 0;
    const varSum = new Float64Array(R);
    for (let j = 0; j < blocks; j++) {
      const { p, start, n } = await readBlock(j);
      const q = new Float64Array(n * R), pp = new Float64Array(n * R);
      for (let k = 0; k < n * R; k++) {
        const v = p[k]!;
        q[k] = v > 0 ? v / pi[k % R]! : 1;
        pp[k] = v > 0 ? v : 1;
      }
      const lq = mapF64(core, "log", q), lp = mapF64(core, "log", pp);
      const h = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0, hi = 0;
        for (let t = 0; t < R; t++) {
          const v = p[i * R + t]!;
          if (v > 0) {
            s += v * lq[i * R + t]!;
            hi -= v * lp[i * R + t]!;
          }
          const dv = v - pi[t]!;
          varSum[t] = varSum[t]! + dv * dv;
        }
        I += s;
        h[i] = hi;
        Hcond += hi;
      }
      for (let i = 0; i < n; i++) {
        const row = start + i;
        if (Math.floor(row / BOOT_CHUNK) !== chunk) {
          chunk = Math.floor(row / BOOT_CHUNK);
          const rows = Math.min(BOOT_CHUNK, N - chunk * BOOT_CHUNK);
          counts.fill(0);
          for (let b = 0; b < streams.length; b++) {
            const m = chunkCounts[b * chunks + chunk]!;
            if (m === 0) continue;
            const idx = streams[b]!.bootstrap(m, rows);
            for (let r = 0; r < m; r++) counts[b * BOOT_CHUNK + idx[r]!]!++;
          }
        }
        const r = row - chunk * BOOT_CHUNK;
        for (let b = 0; b < streams.length; b++) {
          const c = counts[b * BOOT_CHUNK + r]!;
          if (c === 0) continue;
          for (let t = 0; t < R; t++) accP[b * R + t] = accP[b * R + t]! + c * p[i * R + t]!;
          accH[b] = accH[b]! + c * h[i]!;
        }
      }
    }
    const rate = Math.max(0, I / N);
    let bias = 0;
    if (N > 1) for (let t = 0; t < R; t++) if (pi[t]! > 0) bias += varSum[t]! / (N - 1) / pi[t]!;
    bias /= 2 * N;
    let interval: GateMeasurement["interval"] = null;
    if (streams.length > 0) {
      const reps = new Float64Array(streams.length);
      for (let b = 0; b < streams.length; b++) {
        const q = new Float64Array(R);
        for (let t = 0; t < R; t++) q[t] = accP[b * R + t]! / N;
        reps[b] = entropyOf(core, q) - accH[b]! / N;
      }
      reps.sort();
      const qLo = quantileSorted(reps, (1 - level) / 2), qHi = quantileSorted(reps, (1 + level) / 2);
      interval = { lo: Math.max(0, 2 * rate - qHi), hi: Math.max(0, 2 * rate - qLo), level, resamples: streams.length, seed };
    }
    const m = detMath(core);
    const H = entropyOf(core, pi);
    const top1Load = Array.from(top1, (c) => c / N);
    const out: GateMeasurement = {
      N,
      R,
      units: "nats",
      logits: options.logits === true,
      rate,
      biasCorrection: bias,
      rateCorrected: rate + bias,
      interval,
      entropy: H,
      conditionalEntropy: Hcond / N,
      effectiveExperts: m.exp(H),
      logR: m.log(R),
      load: Array.from(pi),
      loadCv: cv(pi),
      top1Load,
      top1Cv: cv(top1Load),
      dead: top1Load.flatMap((x, t) => (x === 0 ? [t] : [])),
      unused: Array.from(pi).flatMap((x, t) => (x === 0 ? [t] : [])),
      expectedLoss: losses !== null ? lossSum / N : null,
      frontier: null,
    };
    if (losses !== null) out.frontier = gateFrontier(core, losses, rate, lossSum / N);
    return out;
  } finally {
    for (const s of streams) s.free();
  }
}

/** The frontier on the losses' rows at a gate of (rate, expected loss). */
export function gateFrontier(core: Core, losses: GateLosses, rate: number, loss: number): GateFrontier {
  const prob = lossProblem(core, losses);
  try {
    const ends = curveEnds(core, prob);
    const at = constrainedD(core, prob, rate, { ends });
    const means = prob.meanLosses();
    let best = means[0]!;
    for (let t = 1; t < prob.R; t++) if (means[t]! < best) best = means[t]!;
    // a gate's loss is >= the oracle error; a rounding-level shortfall is read as the floor
    const need = leastRateFor(core, prob, Math.max(loss, ends.oracleError), { ends });
    const needRate = need.rate ?? ends.leastRate;
    return {
      K: prob.K,
      oracleError: ends.oracleError,
      leastRate: ends.leastRate,
      bestExpertLoss: best,
      atRate: { distortion: at.distortion, lower: at.lower },
      lossGap: loss - at.lower,
      rateNeeded: { rate: needRate, lower: Math.min(need.lower, needRate) },
      rateGap: rate - needRate,
    };
  } finally {
    prob.free();
  }
}
