// Messages between the pool and its workers (structured-clone safe).
import type { Build } from "../../bindings/index.js";
import type { ExpertConfig } from "../bank/config.js";
import type { CnnSpec } from "../model/cnn.js";

export interface SplitBytes {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export type Task =
  | { kind: "train"; config: ExpertConfig; r: number }
  | { kind: "eval"; split: "train" | "test"; spec: CnnSpec; params: Float32Array; R: number; start: number; end: number };

export type TaskResult =
  | { kind: "train"; params: Float32Array; testLosses: Uint8Array; testPreds: Uint8Array }
  | { kind: "eval"; losses: Uint8Array; preds: Uint8Array };

export type ToWorker =
  | { type: "init"; build: Build; coreUrl: string; train: SplitBytes; test: SplitBytes }
  | { type: "task"; id: number; task: Task };

export type FromWorker =
  | { type: "ready" }
  | { type: "progress"; id: number; images: number; total: number }
  | { type: "done"; id: number; result: TaskResult }
  | { type: "error"; id: number; message: string };
