// `moe-bank bench --suite measurements`: every measurement of the registry at its quick defaults
// on synthetic MNIST-like inputs (no training: a bank is synthetic losses seeded by (n, widths)),
// one timed run each. The same inputs drive the smoke test of every entry
// (test/measurements.test.ts).
import { Core } from "../../bindings/index.js";
import { registry } from "../measurements/registry.js";
import type { BanksInputs, CoreInputs, GateInputs, InputKind, PairInputs, TestInputs } from "../measurements/measurement.js";
import type { LossMatrix } from "../formats/losses.js";
import { gateRowsOf } from "../routing/gate-rows.js";
import { firstExperts } from "../experiments/grid.js";
import { DEFAULT_SPEC, MNIST_GEOMETRY, specFor } from "../model/cnn.js";
import { markdownTable } from "../plot/table.js";
import { syntheticBank } from "./synthetic-bank.js";

/** A small synthetic bank: R experts, pool and test sizes (seconds for every quick default). */
export const SMOKE_BANK = { R: 12, nPool: 3000, nTest: 1000 };

/** Inputs of the given kind from synthetic loss matrices. */
/** Predicted classes consistent with 0-1 losses: label 0 everywhere; a wrong expert t says
 *  1 + (t + i) mod 9. */
export function syntheticPreds(test: LossMatrix): { R: number; N: number; data: Uint8Array } {
  const { R, N, data } = test;
  const preds = new Uint8Array(R * N);
  for (let t = 0; t < R; t++) for (let i = 0; i < N; i++) preds[t * N + i] = data[t * N + i] === 0 ? 0 : 1 + ((t + i) % 9);
  return { R, N, data: preds };
}

/** A gate on the synthetic test items: row i puts weight 1 + 3 [expert t right on i] + (t mod 3)
 *  on expert t, normalized (a gate that knows a little about the losses). */
export function syntheticGate(test: LossMatrix): Float64Array {
  const { R, N, data } = test;
  const p = new Float64Array(N * R);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let t = 0; t < R; t++) s += p[i * R + t] = 1 + 3 * (1 - data[t * N + i]!) + (t % 3);
    for (let t = 0; t < R; t++) p[i * R + t] = p[i * R + t]! / s;
  }
  return p;
}

export function syntheticInputs(core: Core, kind: InputKind, seed = 5): CoreInputs | TestInputs | PairInputs | BanksInputs | GateInputs {
  const { train, test } = syntheticBank(core, { ...SMOKE_BANK, seed });
  switch (kind) {
    case "core":
      return { core };
    case "test":
      return { core, test: { ...test, preds: syntheticPreds(test).data }, names: { test: "losses-test.npy" } };
    case "gate":
      return { core, layers: [gateRowsOf(syntheticGate(test), test.N, test.R)], losses: test, preds: syntheticPreds(test), names: { probs: "gate.npy", losses: "losses-test.npy" } };
    case "pair":
      return { core, train, test, names: { train: "losses-train.npy", test: "losses-test.npy" } };
    case "banks": {
      // a bank per (n, conv1): synthetic losses seeded by them; its first R experts
      const bank = (n: number, conv1: number, R: number) => syntheticBank(core, { ...SMOKE_BANK, R: Math.max(R, 2), seed: seed + n + conv1 });
      return {
        core,
        pair: async (n, R) => {
          const b = bank(n, DEFAULT_SPEC.conv1, R);
          return { train: firstExperts(b.train, R), test: firstExperts(b.test, R) };
        },
        testLosses: async (n, R, spec) => firstExperts(bank(n, (spec ?? DEFAULT_SPEC).conv1, R).test, R),
        spec: (w) => specFor(MNIST_GEOMETRY, w ? { ...DEFAULT_SPEC, ...w } : DEFAULT_SPEC),
      };
    }
  }
}

export interface MeasurementBenchRow {
  name: string;
  inputs: InputKind;
  seconds: number;
}

/** One run of each registry entry at its quick defaults (wall time: a smoke-level number). */
export async function runMeasurementsBench(o: { log?: (s: string) => void } = {}): Promise<MeasurementBenchRow[]> {
  const core = await Core.load();
  const rows: MeasurementBenchRow[] = [];
  for (const m of registry) {
    const inputs = syntheticInputs(core, m.inputs) as never;
    const options = m.defaults.quick as never;
    m.validate(options, inputs);
    const t0 = performance.now();
    await m.run(inputs, options);
    rows.push({ name: m.name, inputs: m.inputs, seconds: (performance.now() - t0) / 1000 });
    o.log?.(`measurements: ${m.name} ${rows.at(-1)!.seconds.toFixed(2)} s`);
  }
  return rows;
}

export function renderMeasurementsBench(rows: MeasurementBenchRow[]): string {
  return [
    `Measurements of the registry at their quick defaults, on a synthetic bank (R = ${SMOKE_BANK.R}, pool ${SMOKE_BANK.nPool}, test ${SMOKE_BANK.nTest}); one run each`,
    markdownTable(["measurement", "inputs", "seconds"], rows.map((r) => [r.name, r.inputs, r.seconds.toFixed(2)])),
  ].join("\n");
}
