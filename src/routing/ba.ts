// Blahut-Arimoto on a bank's loss matrix (paper Section V, eqs. 26-29), driving the core's
// kernels (assembly/routing/ba.ts, where the equations are written out).
//
// Losses come as the .npy layout: u8 [R, N], expert-major, C order (0-1 losses, or any small
// integer losses). A RoutingProblem groups the first n rows (items) into K distinct loss
// patterns once and then solves eq. 26 for any lambda:
//   min over gates p(t|x) of  D + lambda I,   D = (1/N) sum_i sum_t p(t|x_i) l[i,t],  I of eq. 24,
// through its dual in the expert marginal pi (eq. 28 gives the gate of a marginal):
//   F(pi) = -(1/N) sum_i log sum_t pi_t exp(-(l[i,t] - m_i) / lambda),   m_i = min_t l[i,t],
//   L*(lambda) = min_pi lambda F(pi) + mean_i m_i.
// Every result carries the certificate c = max_t c_t(pi) - 1, c_t = (1/N) sum_i e_it / Z_i, with
// c <= 0 only at the optimum and  objective - L* <= lambda log(1 + c)  (gapBound).
import { MAX_ALLOC_BYTES, type Core, type Tensor } from "../../bindings/index.js";
import { detMath } from "../math.js";
import type { LossMatrix } from "../formats/losses.js";

/** How the marginal is iterated: "none" = plain BA (eqs. 28-29); "squarem" = squared
 *  extrapolation on log pi (Varadhan & Roland 2008) with a monotone safeguard; "newton" = exact
 *  Newton steps on F as a QP over the simplex with a line search (the default). */
export type BaMethod = "none" | "squarem" | "newton";
const METHOD_CODE: Record<BaMethod, number> = { none: 0, squarem: 1, newton: 2 };

export interface BaOptions {
  /** Stop when max_t c_t - 1 <= tol (default 1e-10). The certificate's own rounding is about
   *  1e-15 * (number of rows): below ~1e-13 a run may end unconverged. */
  tol?: number;
  /** At most this many evaluations (passes over the distinct rows; default 100,000). */
  maxIter?: number;
  /** true or "newton" (default), "squarem", false or "none". */
  accelerate?: boolean | BaMethod;
  /** A marginal to start from (length R), e.g. the solution at a neighbouring lambda. It is
   *  mixed with the uniform distribution, (1 - 1e-6) pi + 1e-6 / R, so that no pi_t is zero
   *  (a zero is absorbing for the plain and SQUAREM iterations). Default: uniform. */
  warmStart?: ArrayLike<number> | null;
}

/** Share of the uniform distribution mixed into a warm start. */
export const WARM_MIX = 1e-6;

/** One solution of eq. 26 at one lambda, with its certificate. Rates in nats. */
export interface BaResult {
  lambda: number;
  /** The expert marginal pi (length R) that defines the gate via eq. 28. */
  pi: Float64Array;
  /** I of eq. 24 for the gate of eq. 28 at pi, with that gate's own marginal (eq. 23). */
  rate: number;
  /** D = (1/N) sum_i sum_t p(t|x_i) l[i,t] of that gate. */
  distortion: number;
  /** D + lambda I (eq. 26) of that gate; D at lambda = 0. */
  objective: number;
  /** lambda F(pi) + mean_i m_i: >= objective >= the optimum L*(lambda). */
  dual: number;
  /** F(pi) = -(1/N) sum_i log Z_i. At lambda = 0 this bounds the least rate from above. */
  F: number;
  /** max_t c_t(pi) - 1: <= 0 only at the optimum. */
  certificate: number;
  /** lambda log(1 + certificate) (0 if the certificate is <= 0): objective - L* <= gapBound. At
   *  lambda = 0 read log(1 + certificate) as the bound on rate - least rate (rateGapBound). */
  gapBound: number;
  /** log(1 + certificate), or 0: F(pi) - min F <= rateGapBound. */
  rateGapBound: number;
  converged: boolean;
  /** Outer steps: BA steps, SQUAREM cycles or Newton steps. */
  iterations: number;
  /** Passes over the K distinct rows (each computes every Z_i and c_t). */
  evaluations: number;
  /** Accepted extrapolations (SQUAREM) or Newton steps. */
  accelerated: number;
  /** Fallbacks to plain steps. */
  fallbacks: number;
  /** Active-set QP iterations (Newton). */
  qpIterations: number;
  method: BaMethod;
  /** True if the closed-form vertex (lambda >= lambda_max) was returned without iterating. */
  vertex: boolean;
}

export function resolveMethod(accelerate: BaOptions["accelerate"]): BaMethod {
  if (accelerate === undefined || accelerate === true) return "newton";
  if (accelerate === false) return "none";
  if (accelerate === "none" || accelerate === "squarem" || accelerate === "newton") return accelerate;
  throw new RangeError(`accelerate: expected true, false, "none", "squarem" or "newton", got ${String(accelerate)}`);
}

/** Checks a loss matrix and the number of its first rows to use. */
export function checkLosses(losses: LossMatrix, n: number = losses.N): void {
  const { R, N, data } = losses;
  if (!Number.isInteger(R) || R < 1 || !Number.isInteger(N) || N < 1) throw new RangeError(`losses: shape [${R}, ${N}] is empty`);
  if (data.length !== R * N) throw new RangeError(`losses: ${data.length} values for shape [${R}, ${N}]`);
  if (!Number.isInteger(n) || n < 1 || n > N) throw new RangeError(`n = ${n}: expected an integer in [1, ${N}]`);
}

/** True if every loss of the first n items is 0 or 1. */
export function isZeroOne(losses: LossMatrix, n: number = losses.N): boolean {
  const { R, N, data } = losses;
  for (let t = 0; t < R; t++) for (let i = 0; i < n; i++) if (data[t * N + i]! > 1) return false;
  return true;
}

/** A real-valued routing problem: dist f64 [K, R] (row k = d(x_k, .)) on a finite source with
 *  probabilities weights [K]. */
export interface RealDistortions {
  readonly R: number;
  readonly dist: ArrayLike<number>;
  readonly weights: ArrayLike<number>;
}

/** The numbers of the gate of eq. 28 at a given pi (ba_gate_stats). */
export interface GateStats {
  rate: number;
  distortion: number;
  objective: number;
  F: number;
  certificate: number;
  /** The gate's own marginal (eq. 23). */
  marginal: Float64Array;
}

/**
 * The first n items of a loss matrix, grouped into K distinct loss patterns (rows with equal
 * losses get equal gates), with the core buffers to solve eq. 26 at any lambda. Holds core
 * memory: call free() when done.
 */
/** Entries of ba_patterns' hash table for N rows (the core's ba_table_len, >= 2N), its byte
 *  count checked (Core.bytes) before the core's i32 doubling loop could overflow. */
export function baTableLen(core: Core, N: number): number {
  return core.bytes("ba_table_len", 8 * N <= MAX_ALLOC_BYTES ? 4 * core.exports.ba_table_len(N) : 0, 8 * N) / 4;
}

export class RoutingProblem {
  readonly R: number;
  readonly N: number;
  readonly K: number;
  readonly RS: number;
  readonly zeroOne: boolean;
  /** True for a problem built by fromDistortions (real-valued losses on a weighted finite source). */
  readonly real: boolean;
  /** counts[k] = how many items have pattern k (empty for a real-valued problem). */
  readonly counts: Uint32Array;
  /** patterns[k * R + t] = expert t's loss on pattern k (empty for a real-valued problem). */
  readonly patterns: Uint8Array;
  /** rowmap[i] = the pattern of item i (the identity for a real-valued problem). */
  readonly rowmap: Uint32Array;
  readonly core: Core;
  /** u8 [K, R] patterns, or f64 [K, R] distortions of a real-valued problem. */
  #pat: Tensor<"u8"> | Tensor<"f64">;
  /** f64 [K] source weights of a real-valued problem (else null: weights are counts / N). */
  #wts: Tensor<"f64"> | null = null;
  #count: Tensor<"u32">;
  #rowmap: Tensor<"u32">;
  #E: Tensor<"f64">;
  #w: Tensor<"f64">;
  #m: Tensor<"f64">;
  #pi: Tensor<"f64">;
  #marg: Tensor<"f64">;
  #out: Tensor<"f64">;
  #work: Tensor<"u8">;
  #lambda = Number.NaN;
  #mbar = 0;
  #freed = false;

  private constructor(core: Core, losses: LossMatrix | RealDistortions, n: number) {
    this.core = core;
    const { R } = losses;
    const e = core.exports;
    this.R = R;
    this.N = n;
    this.RS = e.ba_stride(R);
    this.real = "weights" in losses;
    this.zeroOne = "weights" in losses ? false : isZeroOne(losses, n);
    const owned: Tensor[] = [];
    const alloc = <D extends "u8" | "u32" | "f64">(d: D, len: number): Tensor<D> => {
      const t = core.alloc(d, Math.max(len, 1));
      owned.push(t);
      return t;
    };
    if ("weights" in losses) {
      try {
        this.K = n;
        this.#pat = alloc("f64", n * R).set(losses.dist);
        this.#wts = alloc("f64", n).set(losses.weights);
        this.#count = alloc("u32", 1);
        this.#rowmap = alloc("u32", n).set(Uint32Array.from({ length: n }, (_, i) => i));
        this.#E = alloc("f64", n * this.RS);
        this.#w = alloc("f64", n);
        this.#m = alloc("f64", n);
        this.#pi = alloc("f64", this.RS);
        this.#marg = alloc("f64", this.RS);
        this.#out = alloc("f64", 8);
        this.#work = alloc("u8", core.bytes("ba_workspace_bytes", e.ba_workspace_bytes(n, R), 16 * n + 16 * R * R));
      } catch (err) {
        for (const t of owned) t.free();
        throw err;
      }
      this.counts = new Uint32Array(0);
      this.patterns = new Uint8Array(0);
      this.rowmap = this.#rowmap.toArray();
      return;
    }
    const { N } = losses;
    try {
      const l = alloc("u8", R * N).set(losses.data);
      const table = alloc("u32", baTableLen(core, n));
      this.#pat = alloc("u8", n * R);
      this.#count = alloc("u32", n);
      this.#rowmap = alloc("u32", n);
      this.K = e.ba_patterns(l.ptr, R, n, N, this.#pat.ptr, this.#count.ptr, this.#rowmap.ptr, table.ptr);
      l.free();
      table.free();
      owned.splice(0, 2);
      this.#E = alloc("f64", this.K * this.RS);
      this.#w = alloc("f64", this.K);
      this.#m = alloc("f64", this.K);
      this.#pi = alloc("f64", this.RS);
      this.#marg = alloc("f64", this.RS);
      this.#out = alloc("f64", 8);
      this.#work = alloc("u8", core.bytes("ba_workspace_bytes", e.ba_workspace_bytes(this.K, R), 16 * this.K + 16 * R * R));
    } catch (err) {
      for (const t of owned) t.free();
      throw err;
    }
    this.counts = this.#count.view.slice(0, this.K);
    this.patterns = (this.#pat as Tensor<"u8">).view.slice(0, this.K * R);
    this.rowmap = this.#rowmap.toArray();
  }

  /** Groups the first n items (default all) of `losses` into distinct patterns. */
  static create(core: Core, losses: LossMatrix, n: number = losses.N): RoutingProblem {
    checkLosses(losses, n);
    return new RoutingProblem(core, losses, n);
  }

  /**
   * A real-valued problem: a finite source x_k (k < K) with probabilities weights[k] and the
   * distortion dist[k * R + t] = d(x_k, t) of routing x_k to expert t, e.g. a discretized density
   * and expected losses. Eqs. 23-29 hold with (1/N) sum_i replaced by sum_k weights[k], so the
   * rate of every gate is the exact I(X;T) of that source. Weights must sum to 1 within 1e-9; they
   * are divided by their sum.
   */
  static fromDistortions(core: Core, source: RealDistortions): RoutingProblem {
    const { R, dist, weights } = source;
    const K = weights.length;
    if (!Number.isInteger(R) || R < 1 || K < 1) throw new RangeError(`distortions: shape [${K}, ${R}] is empty`);
    if (dist.length !== K * R) throw new RangeError(`distortions: ${dist.length} values for shape [${K}, ${R}]`);
    let total = 0;
    for (let k = 0; k < K; k++) {
      const wk = weights[k]!;
      if (!(wk >= 0) || !Number.isFinite(wk)) throw new RangeError(`weights[${k}] = ${wk} is not a probability`);
      total += wk;
    }
    if (Math.abs(total - 1) > 1e-9) throw new RangeError(`weights sum to ${total}, not 1`);
    for (let i = 0; i < dist.length; i++) if (!Number.isFinite(dist[i]!)) throw new RangeError(`dist[${i}] = ${dist[i]} is not finite`);
    // Normalized: at the optimum every c_t on the support equals sum_k w_k, so a sum of 1 + 5e-10
    // would keep the certificate at 5e-10 (never <= tol) and one of 1 - 5e-10 would loosen it.
    // Rounding-level sums (|total - 1| <= 1e-13, below any usable tol) are kept as given, so
    // weights count_k / N give the bits of the integer-loss path.
    const w = Math.abs(total - 1) <= 1e-13 ? Float64Array.from(weights) : Float64Array.from(weights, (v) => v / total);
    return new RoutingProblem(core, { R, dist, weights: w }, K);
  }

  /** Each expert's mean loss over the items (sum_i l[i,t] / N; sum_k w_k d[k,t] if real). */
  meanLosses(): Float64Array {
    const R = this.R;
    const out = new Float64Array(R);
    if (this.real) {
      const d = (this.#pat as Tensor<"f64">).view, w = this.#wts!.view;
      for (let k = 0; k < this.K; k++) for (let t = 0; t < R; t++) out[t] = out[t]! + w[k]! * d[k * R + t]!;
      return out;
    }
    for (let k = 0; k < this.K; k++) {
      const c = this.counts[k]!;
      for (let t = 0; t < R; t++) out[t] = out[t]! + c * this.patterns[k * R + t]!;
    }
    for (let t = 0; t < R; t++) out[t] = out[t]! / this.N;
    return out;
  }

  /** mean_i m_i, the distortion no gate avoids (the oracle error for 0-1 losses). */
  get floor(): number {
    if (Number.isNaN(this.#lambda)) this.#setLambda(0);
    return this.#mbar;
  }

  #check(): void {
    if (this.#freed) throw new Error("RoutingProblem used after free");
  }

  #setLambda(lambda: number): void {
    this.#check();
    if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`lambda must be finite and >= 0, got ${lambda}`);
    if (Object.is(lambda, this.#lambda)) return;
    const e = this.core.exports;
    this.#mbar = this.#wts !== null
      ? e.ba_setup_f64(this.#pat.ptr, this.#wts.ptr, this.K, this.R, lambda, this.#E.ptr, this.#w.ptr, this.#m.ptr)
      : e.ba_setup(this.#pat.ptr, this.#count.ptr, this.K, this.R, this.N, lambda, this.#E.ptr, this.#w.ptr, this.#m.ptr);
    this.#lambda = lambda;
  }

  #setPi(pi: ArrayLike<number>): void {
    if (pi.length !== this.R) throw new RangeError(`pi: ${pi.length} values for R = ${this.R}`);
    const v = this.#pi.view;
    v.fill(0);
    for (let t = 0; t < this.R; t++) v[t] = pi[t]!;
  }

  /** The start of a solve: uniform, or a warm start mixed with the uniform (WARM_MIX). */
  startingPoint(warmStart?: ArrayLike<number> | null): Float64Array {
    const R = this.R;
    const pi = new Float64Array(R);
    if (warmStart == null) {
      pi.fill(1 / R);
      return pi;
    }
    if (warmStart.length !== R) throw new RangeError(`warmStart: ${warmStart.length} values for R = ${R}`);
    let s = 0;
    for (let t = 0; t < R; t++) {
      const x = warmStart[t]!;
      if (!(x >= 0)) throw new RangeError(`warmStart[${t}] = ${x} is not a probability`);
      s += x;
    }
    if (!(s > 0)) throw new RangeError("warmStart sums to 0");
    for (let t = 0; t < R; t++) pi[t] = (1 - WARM_MIX) * (warmStart[t]! / s) + WARM_MIX / R;
    return pi;
  }

  /** The gate of eq. 28 at (lambda, pi): its rate, distortion, objective, F and certificate. */
  stats(lambda: number, pi: ArrayLike<number>): GateStats {
    this.#setLambda(lambda);
    this.#setPi(pi);
    const e = this.core.exports;
    (this.real ? e.ba_gate_stats_f64 : e.ba_gate_stats)(this.#E.ptr, this.#pat.ptr, this.#w.ptr, this.K, this.R, lambda, this.#pi.ptr, this.#marg.ptr, this.#work.ptr, this.#out.ptr);
    const o = this.#out.view;
    return { rate: o[0]!, distortion: o[1]!, objective: o[2]!, F: o[3]!, certificate: o[4]!, marginal: this.#marg.view.slice(0, this.R) };
  }

  /** The gate of eq. 28 at (lambda, pi) on the N items: f64 [N, R], row i = p(.|x_i). */
  gate(lambda: number, pi: ArrayLike<number>): Float64Array {
    this.#setLambda(lambda);
    this.#setPi(pi);
    return this.core.scoped((alloc) => {
      const out = alloc("f64", this.N * this.R);
      this.core.exports.ba_gate(this.#E.ptr, this.K, this.R, this.#pi.ptr, this.#rowmap.ptr, this.N, out.ptr);
      return out.toArray();
    });
  }

  #result(lambda: number, pi: Float64Array, st: GateStats, method: BaMethod, tol: number, counters: number[], vertex: boolean): BaResult {
    const m = detMath(this.core);
    const cert = st.certificate;
    const rateGap = cert > 0 ? m.log1p(cert) : 0;
    return {
      lambda,
      pi,
      rate: st.rate,
      distortion: st.distortion,
      objective: st.objective,
      dual: lambda * st.F + this.#mbar,
      F: st.F,
      certificate: cert,
      gapBound: lambda * rateGap,
      rateGapBound: rateGap,
      converged: cert <= tol,
      iterations: counters[0]!,
      evaluations: counters[1]!,
      accelerated: counters[2]!,
      fallbacks: counters[3]!,
      qpIterations: counters[4]!,
      method,
      vertex,
    };
  }

  /** Solves eq. 26 at lambda (>= 0; 0 = the least rate at the least distortion). */
  solve(lambda: number, options: BaOptions = {}): BaResult {
    const method = resolveMethod(options.accelerate);
    const tol = options.tol ?? 1e-10;
    const maxIter = options.maxIter ?? 100_000;
    if (!(tol >= 0)) throw new RangeError(`tol must be >= 0, got ${tol}`);
    if (!Number.isInteger(maxIter) || maxIter < 1 || maxIter > 0x7fffffff) throw new RangeError(`maxIter must be a positive integer, got ${maxIter}`);
    this.#setLambda(lambda);
    this.#setPi(this.startingPoint(options.warmStart));
    const e = this.core.exports;
    e.ba_solve(this.#E.ptr, this.#w.ptr, this.K, this.R, this.#pi.ptr, METHOD_CODE[method], tol, maxIter, this.#work.ptr, this.#out.ptr);
    const o = this.#out.view;
    const counters = [o[3]!, o[2]!, o[4]!, o[5]!, o[7]!];
    const pi = this.#pi.view.slice(0, this.R);
    return this.#result(lambda, pi, this.stats(lambda, pi), method, tol, counters, false);
  }

  /** The vertex pi = e_t (expert t alone) at lambda, evaluated like a solution (0 iterations). */
  vertex(lambda: number, t: number, options: BaOptions = {}): BaResult {
    if (!Number.isInteger(t) || t < 0 || t >= this.R) throw new RangeError(`expert ${t} out of range`);
    const pi = new Float64Array(this.R);
    pi[t] = 1;
    return this.#result(lambda, pi, this.stats(lambda, pi), resolveMethod(options.accelerate), options.tol ?? 1e-10, [0, 0, 0, 0, 0], true);
  }

  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    for (const t of [this.#pat, this.#count, this.#rowmap, this.#E, this.#w, this.#m, this.#pi, this.#marg, this.#out, this.#work]) t.free();
    this.#wts?.free();
  }
}
