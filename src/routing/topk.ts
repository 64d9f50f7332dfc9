// Top-k routing on a fixed bank: sparse MoE layers send each input to k > 1 experts and combine
// their outputs. Here, on a bank's per-item predictions (preds-*.npy, u8 [R, N]) and 0-1 losses:
//
// - A top-k gate chooses a set S of k experts per input, q(S|x), and weights on S. Its RATE is
//   the information about the input carried by the chosen set, I(X;S): eq. 24 with the
//   C(R, k) k-subsets in place of the experts. For the usual deterministic top-k (the k largest
//   p(t|x), lowest index on ties) q(S|x) is one-hot and eq. 24 is the plug-in entropy H(S) of
//   the chosen sets. (The weights on S depend on x too; the rate counts only the set, which is
//   what a dispatcher transmits; the weights are the combination's business.)
// - Its LOSS is the 0-1 loss of the weighted vote: class c gets sum of w_t over the experts t in
//   S predicting c; the class of the largest total wins, ties broken uniformly at random, so the
//   loss of an item is its expected 0-1 loss: 1 - [y among the tied classes] / #tied. (An item
//   on which every expert in S is wrong has loss 1 whatever the weights.) The label is read off
//   the bank: y_i = the prediction of any expert right on item i; if none is, every vote is wrong.
// - The FRONTIER over k-subsets: each subset S is a "super-expert" combined by the equal-weight
//   vote (the only rule a gate that transmits only S can apply), with loss l[i, S] in multiples
//   of 1/m, m = lcm(1..k); eqs. 26-29 over these C(R, k) columns (the same BA on the integer
//   losses m l[i, S]; distortions divided by m). Tractable while C(R, k) is a few thousand.
//   k = 1 is the ordinary frontier.
import type { Core } from "../../bindings/index.js";
import { detMath } from "../math.js";
import { RoutingProblem } from "./ba.js";
import type { LossMatrix } from "../formats/losses.js";
import { constrainedD, curveEnds } from "./curve.js";
import type { GateRows } from "./gate-rows.js";

/** The largest number of k-subsets the frontier is built over (default). */
export const TOPK_MAX_SUBSETS = 5000;

/** C(R, k) (exact below 2^53). */
export function binomialCount(R: number, k: number): number {
  if (k < 0 || k > R) return 0;
  let c = 1;
  for (let j = 1; j <= k; j++) c = (c * (R - k + j)) / j;
  return Math.round(c);
}

/** Every k-subset of 0..R-1 in lexicographic order, flat [C(R, k) * k]. */
export function kSubsets(R: number, k: number): Int32Array {
  const n = binomialCount(R, k);
  const out = new Int32Array(n * k);
  const s = Array.from({ length: k }, (_, j) => j);
  for (let q = 0; q < n; q++) {
    for (let j = 0; j < k; j++) out[q * k + j] = s[j]!;
    let j = k - 1;
    while (j >= 0 && s[j] === R - k + j) j--;
    if (j < 0) break;
    s[j]!++;
    for (let l = j + 1; l < k; l++) s[l] = s[l - 1]! + 1;
  }
  return out;
}

/** The index of subset s (sorted ascending) in kSubsets' order. */
export function subsetIndex(R: number, s: ArrayLike<number>): number {
  const k = s.length;
  let idx = 0, prev = -1;
  for (let j = 0; j < k; j++) {
    for (let v = prev + 1; v < s[j]!; v++) idx += binomialCount(R - v - 1, k - j - 1);
    prev = s[j]!;
  }
  return idx;
}

/** A bank's predictions and losses on N items: u8 [R, N] each. */
export interface BankPredictions {
  readonly R: number;
  readonly N: number;
  readonly preds: Uint8Array;
  readonly losses: Uint8Array;
}

/** The label of each item as the bank tells it (the prediction of a right expert), or -1 where
 *  every expert is wrong. */
export function labelsFromBank(b: BankPredictions): Int32Array {
  const { R, N, preds, losses } = b;
  const y = new Int32Array(N).fill(-1);
  for (let i = 0; i < N; i++) {
    for (let t = 0; t < R; t++) {
      if (losses[t * N + i] === 0) {
        y[i] = preds[t * N + i]!;
        break;
      }
    }
  }
  return y;
}

/** The expected 0-1 loss of the weighted vote of experts `set` (weights w, same order) on item
 *  i, ties broken uniformly: 1 - [y among the top classes] / #top. Exact for equal weights. */
export function voteLoss(b: BankPredictions, y: Int32Array, i: number, set: ArrayLike<number>, w: ArrayLike<number>): number {
  if (y[i]! < 0) return 1;
  const k = set.length;
  // classes of the voters, their totals (k is small: quadratic is fine)
  let best = Number.NEGATIVE_INFINITY, tied = 0, yTop = false;
  for (let j = 0; j < k; j++) {
    const c = b.preds[set[j]! * b.N + i]!;
    let seen = false;
    for (let l = 0; l < j; l++) if (b.preds[set[l]! * b.N + i] === c) seen = true;
    if (seen) continue;
    let tot = 0;
    for (let l = j; l < k; l++) if (b.preds[set[l]! * b.N + i] === c) tot += w[l]!;
    if (tot > best) {
      best = tot;
      tied = 1;
      yTop = c === y[i];
    } else if (tot === best) {
      tied++;
      if (c === y[i]) yTop = true;
    }
  }
  return yTop ? 1 - 1 / tied : 1;
}

/** lcm(1..k): the denominator of every equal-weight vote loss of k voters. */
export function voteDenominator(k: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let m = 1;
  for (let j = 2; j <= k; j++) m = (m * j) / gcd(m, j);
  return m;
}

/** The equal-weight vote loss of every k-subset on the first n items, times m = lcm(1..k), as a
 *  u8 loss matrix [C(R, k), n] (the columns of the top-k frontier). */
export function subsetLosses(b: BankPredictions, k: number, n: number = b.N, maxSubsets = TOPK_MAX_SUBSETS): { losses: LossMatrix; subsets: Int32Array; m: number } {
  const { R } = b;
  if (!Number.isInteger(k) || k < 1 || k > R) throw new RangeError(`k must be an integer in [1, ${R}], got ${k}`);
  const C = binomialCount(R, k);
  if (C > maxSubsets) throw new RangeError(`C(${R}, ${k}) = ${C} subsets, more than ${maxSubsets}: the top-${k} frontier is not tractable here`);
  const m = voteDenominator(k);
  if (m > 255) throw new RangeError(`k = ${k}: vote losses in multiples of 1/${m} do not fit u8`);
  const subsets = kSubsets(R, k);
  const y = labelsFromBank(b);
  const w = new Float64Array(k).fill(1);
  const data = new Uint8Array(C * n);
  for (let q = 0; q < C; q++) {
    const set = subsets.subarray(q * k, q * k + k);
    for (let i = 0; i < n; i++) data[q * n + i] = Math.round(m * voteLoss(b, y, i, set, w));
  }
  return { losses: { R: C, N: n, data }, subsets, m };
}

/** A top-k gate read off probabilities: its sets' rate and its weighted-vote loss. */
export interface TopKGatePoint {
  k: number;
  /** I(X;S) by eq. 24 over k-subsets = H(S) of the chosen sets (nats, plug-in). */
  rate: number;
  /** Mean weighted-vote 0-1 loss (expected over tie-breaks). */
  loss: number;
  /** Mean loss of the equal-weight vote on the same sets. */
  equalWeightLoss: number;
  /** Distinct sets chosen. */
  sets: number;
}

/** The top-k gate of probabilities p [n, R] (the first n items of the bank). */
export function topKGate(core: Core, b: BankPredictions, p: ArrayLike<number>, n: number, k: number): TopKGatePoint {
  if (p.length !== n * b.R) throw new RangeError(`gate: ${p.length} values for [${n}, ${b.R}]`);
  const acc = new TopKAccumulator(b, k);
  acc.add(p, 0, n);
  return acc.result(core);
}

/** The top-k gate of rows read block by block (e.g. an .npy file); `transform` maps a block of
 *  rows to probabilities (the softmax of logits). */
export async function topKGateRows(core: Core, b: BankPredictions, rows: GateRows, k: number, transform?: (block: ArrayLike<number>, start: number, n: number) => ArrayLike<number>, blockRows = 8192): Promise<TopKGatePoint> {
  if (rows.R !== b.R || rows.N > b.N) throw new RangeError(`gate rows [${rows.N}, ${rows.R}] do not fit the bank's [${b.N}, ${b.R}]`);
  const acc = new TopKAccumulator(b, k);
  for (let start = 0; start < rows.N; start += blockRows) {
    const n = Math.min(blockRows, rows.N - start);
    const raw = await rows.read(start, n);
    acc.add(transform ? transform(raw, start, n) : raw, start, n);
  }
  return acc.result(core);
}

/** Sums of a top-k gate over rows in order. */
class TopKAccumulator {
  readonly #y: Int32Array;
  readonly #counts = new Map<number, number>();
  readonly #set: Int32Array;
  readonly #w: Float64Array;
  readonly #ones: Float64Array;
  #loss = 0;
  #eq = 0;
  #n = 0;
  constructor(readonly b: BankPredictions, readonly k: number) {
    if (!Number.isInteger(k) || k < 1 || k > b.R) throw new RangeError(`k must be an integer in [1, ${b.R}], got ${k}`);
    this.#y = labelsFromBank(b);
    this.#set = new Int32Array(k);
    this.#w = new Float64Array(k);
    this.#ones = new Float64Array(k).fill(1);
  }

  /** Rows [start, start + n) of the bank's items, p [n, R]. */
  add(p: ArrayLike<number>, start: number, n: number): void {
    const { R } = this.b, k = this.k, set = this.#set, w = this.#w;
    for (let r = 0; r < n; r++) {
      const i = start + r;
      // the k largest, lowest index on ties, then sorted by expert index for subsetIndex
      const order = Array.from({ length: R }, (_, t) => t).sort((a, c) => p[r * R + c]! - p[r * R + a]! || a - c).slice(0, k).sort((a, c) => a - c);
      let s = 0;
      for (let j = 0; j < k; j++) s += p[r * R + order[j]!]!;
      for (let j = 0; j < k; j++) {
        set[j] = order[j]!;
        w[j] = s > 0 ? p[r * R + order[j]!]! / s : 1;
      }
      this.#loss += voteLoss(this.b, this.#y, i, set, w);
      this.#eq += voteLoss(this.b, this.#y, i, set, this.#ones);
      const q = subsetIndex(R, set);
      this.#counts.set(q, (this.#counts.get(q) ?? 0) + 1);
    }
    this.#n += n;
  }

  result(core: Core): TopKGatePoint {
    const m = detMath(core), n = this.#n;
    let H = 0;
    for (const q of [...this.#counts.keys()].sort((a, c) => a - c)) {
      const f = this.#counts.get(q)! / n;
      H -= f * m.log(f);
    }
    return { k: this.k, rate: Math.max(0, H), loss: this.#loss / n, equalWeightLoss: this.#eq / n, sets: this.#counts.size };
  }
}

/** The k-subset frontier at one rate (eq. 27 over k-subsets on the first n items): D as achieved
 *  and its lower bound. */
export function topKFrontierAt(core: Core, b: BankPredictions, k: number, n: number, rho: number): { distortion: number; lower: number; oracleLoss: number; bestLoss: number } {
  const { losses, m } = subsetLosses(b, k, n);
  const prob = RoutingProblem.create(core, losses);
  try {
    const c = constrainedD(core, prob, rho);
    let best = Number.POSITIVE_INFINITY;
    for (const v of prob.meanLosses()) if (v < best) best = v;
    return { distortion: c.distortion / m, lower: c.lower / m, oracleLoss: prob.floor / m, bestLoss: best / m };
  } finally {
    prob.free();
  }
}

/** The frontier over k-subsets (equal-weight vote) on the first n items. */
export interface TopKFrontier {
  k: number;
  subsets: number;
  /** Distinct loss patterns over the n items. */
  K: number;
  n: number;
  /** The best single subset's loss (rate 0) and which subset it is. */
  bestSubset: number[];
  bestLoss: number;
  /** The least loss any gate over k-subsets reaches, and the least rate that reaches it. */
  oracleLoss: number;
  leastRate: number;
  /** D(rho) of eq. 27 over k-subsets at the given rates (as achieved; its lower bound). */
  rho: { rho: number; distortion: number; lower: number }[];
}

/** The top-k frontier: BA over the C(R, k) subsets' equal-weight vote losses: its ends and D(rho)
 *  at the given rates (no lambda sweep: each D(rho) bisects on lambda itself). */
export function topKFrontier(core: Core, b: BankPredictions, k: number, n: number, rho: readonly number[] = [], method?: "newton" | "squarem"): TopKFrontier {
  const { losses, subsets, m } = subsetLosses(b, k, n);
  const prob = RoutingProblem.create(core, losses);
  try {
    // Newton (an R x R system per step) is the faster of the two at C(25, 2) = 300 columns:
    // 77 s against SQUAREM's 189 s for a 25-point sweep of the default bank's first 2,000 rows
    const it = { accelerate: method ?? "newton" };
    const ends = curveEnds(core, prob, it);
    const means = prob.meanLosses();
    let best = 0;
    for (let q = 1; q < prob.R; q++) if (means[q]! < means[best]!) best = q;
    // the losses are m l: distortions divide by m (rates and the problem's gates are unchanged)
    const at = rho.map((r) => constrainedD(core, prob, r, { ...it, ends }));
    return {
      k,
      subsets: losses.R,
      K: prob.K,
      n,
      bestSubset: Array.from(subsets.subarray(best * k, best * k + k)),
      bestLoss: means[best]! / m,
      oracleLoss: ends.oracleError / m,
      leastRate: ends.leastRate,
      rho: at.map((d) => ({ rho: d.rho, distortion: d.distortion / m, lower: d.lower / m })),
    };
  } finally {
    prob.free();
  }
}
