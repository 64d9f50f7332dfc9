// The one shape of every measurement the tool makes (layer: experiments; imports only point
// down). A measurement is a name, its defaults (the paper's configuration and a quick one), a
// check of its options, a pure run from inputs to a JSON-safe result (no file I/O), and the
// Markdown (and SVG figures) of that result. The CLI commands, `reproduce`, the page, the bench
// and the smoke tests all go through src/measurements/registry.ts, the list of them.
import type { Core } from "../../bindings/index.js";
import type { LossMatrix } from "../formats/losses.js";
import type { CnnSpec } from "../model/cnn.js";
import type { Split } from "../data/idx.js";
import type { GateLosses } from "../routing/gate-measure.js";
import type { GateRows } from "../routing/gate-rows.js";

/** What a run may report while it works; every hook is optional and never changes the result. */
export interface Hooks {
  progress?(done: number, total: number, label?: string): void;
  log?(line: string): void;
  signal?: AbortSignal;
}

/** Inputs of a data-free measurement (the synthetic experiments). */
export interface CoreInputs {
  core: Core;
}

/** Inputs of a measurement on one bank's test losses L_test [R, N] (routing, gates; LossMatrix:
 *  the one loss-matrix type, src/formats/losses.ts). `name` is
 *  how results quote the matrix (a file name). `images`, when given, are the test split's
 *  images the losses were computed on (the learned gate trains on them). */
export interface TestInputs extends CoreInputs {
  test: LossMatrix;
  names: { test: string };
  images?: () => Promise<{ dataset: string; split: Split }>;
}

/** Inputs of a measurement on one bank's loss matrices L_train [R, N_pool] and L_test [R, N_test]
 *  (the selection protocol and its bounds). */
export interface PairInputs extends CoreInputs {
  train: LossMatrix;
  test: LossMatrix;
  names: { train: string; test: string };
}

/** Inputs of a measurement over several banks of one dataset (the grid, scaling): the banks are
 *  a function of (n, R[, spec]); where they come from (the cache, trained, folders) is the
 *  caller's. */
export interface BanksInputs extends CoreInputs {
  /** both loss matrices of the first R experts of the bank with subset size n */
  pair(n: number, R: number): Promise<{ train: LossMatrix; test: LossMatrix }>;
  /** L_test of the first R experts of the bank with subset size n and the given spec */
  testLosses(n: number, R: number, spec?: CnnSpec): Promise<LossMatrix>;
  /** the experts' spec for the dataset's images, with other conv widths if given */
  spec(widths?: { conv1: number; conv2: number }): CnnSpec;
}

/** Inputs of a measurement of one gate's router (any MoE gate, `gate measure`): its rows
 *  p(t|x_i) (or logits), one GateRows per layer, and optionally the experts' losses [R, N] on the
 *  same items (and their predicted classes, for a top-k vote). */
export interface GateInputs extends CoreInputs {
  layers: GateRows[];
  losses: GateLosses | null;
  preds?: { R: number; N: number; data: Uint8Array };
  names: { probs: string; losses: string | null };
  /** the element type of the rows as stored ('<f2', '<f4', '<f8'): float16 rows sum to 1 only
   *  within about R 2^-11 */
  descr?: string;
}

/** Which inputs a measurement takes: how a generic caller (smoke test, page) builds them. */
export type InputKind = "core" | "test" | "pair" | "banks" | "gate";
export interface InputsOf {
  core: CoreInputs;
  test: TestInputs;
  pair: PairInputs;
  banks: BanksInputs;
  gate: GateInputs;
}

export interface Measurement<Inputs, Options, Result> {
  /** unique, kebab-case: the CLI command (synth-gating: `synth gating`) and the report section id */
  readonly name: string;
  /** one line, for --help and the report */
  readonly title: string;
  readonly inputs: InputKind;
  readonly defaults: { readonly full: Options; readonly quick: Options };
  /** throws a one-line UsageError; without inputs, checks what it can from the options alone */
  validate(options: Options, inputs?: Inputs): void;
  /** pure: a JSON-safe result, no file I/O */
  run(inputs: Inputs, options: Options, hooks?: Hooks): Promise<Result>;
  /** the Markdown (text) of the result */
  render(result: Result): string;
  /** file name -> SVG */
  figures?(result: Result, core: Core): Record<string, string>;
}

/** A measurement whose inputs are of kind K (what the registry holds). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MeasurementOf<K extends InputKind> = Measurement<InputsOf[K], any, any> & { readonly inputs: K };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMeasurement = Measurement<any, any, any>;

/** Declares a measurement (checks its shape at compile time, returns it as is). */
export function measurement<K extends InputKind, Options, Result>(m: Measurement<InputsOf[K], Options, Result> & { readonly inputs: K }): Measurement<InputsOf[K], Options, Result> & { readonly inputs: K } {
  return m;
}
