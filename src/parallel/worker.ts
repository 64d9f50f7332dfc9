// A pool worker: its own core instance and copy of the dataset; runs train and eval tasks.
// The same file runs as a Node/Bun worker_threads worker and as a Deno/browser module Worker.
import { Core } from "../../bindings/index.js";
import { nodeBuiltin } from "../../bindings/host.js";
import { Cnn, CoreDataset } from "../model/cnn.js";
import { trainExpert, evaluateBlock } from "../bank/train.js";
import type { FromWorker, ToWorker, TaskResult, Task } from "./protocol.js";

type Post = (m: FromWorker, transfer?: Transferable[]) => void;

let core: Core | null = null;
let train: CoreDataset | null = null;
let test: CoreDataset | null = null;

function run(task: Task, progress: (images: number, total: number) => void): { result: TaskResult; transfer: Transferable[] } {
  if (!core || !train || !test) throw new Error("worker used before init");
  if (task.kind === "train") {
    const params = trainExpert(core, train, task.config, task.r, (p) => progress(p.images, p.total));
    const net = new Cnn(core, task.config.spec);
    try {
      const { losses, preds } = evaluateBlock(core, test, net, params, 1, 0, test.count);
      return { result: { kind: "train", params, testLosses: losses, testPreds: preds }, transfer: [params.buffer, losses.buffer, preds.buffer] };
    } finally {
      net.free();
    }
  }
  const data = task.split === "train" ? train : test;
  const net = new Cnn(core, task.spec);
  try {
    const { losses, preds } = evaluateBlock(core, data, net, task.params, task.R, task.start, task.end);
    return { result: { kind: "eval", losses, preds }, transfer: [losses.buffer, preds.buffer] };
  } finally {
    net.free();
  }
}

async function handle(msg: ToWorker, post: Post): Promise<void> {
  if (msg.type === "init") {
    core = await Core.load({ build: msg.build, source: new URL(msg.coreUrl) });
    train = new CoreDataset(core, msg.train.images, msg.train.labels, msg.train.count);
    test = new CoreDataset(core, msg.test.images, msg.test.labels, msg.test.count);
    post({ type: "ready" });
    return;
  }
  try {
    const { result, transfer } = run(msg.task, (images, total) => post({ type: "progress", id: msg.id, images, total }));
    post({ type: "done", id: msg.id, result }, transfer);
  } catch (e) {
    post({ type: "error", id: msg.id, message: e instanceof Error ? e.message : String(e) });
  }
}

// A node:worker_threads worker in Node and Bun; a module Web Worker in browsers and Deno (pool.ts).
const nodeWorker = typeof process !== "undefined" && typeof process.versions?.node === "string" && typeof (globalThis as { Deno?: unknown }).Deno === "undefined";
if (nodeWorker) {
  const port = nodeBuiltin<typeof import("node:worker_threads")>("node:worker_threads")!.parentPort!;
  port.on("message", (m: ToWorker) => void handle(m, (r, t) => port.postMessage(r, (t ?? []) as never)));
} else {
  const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<ToWorker>) => void) | null; postMessage(m: unknown, t?: Transferable[]): void };
  scope.onmessage = (e) => void handle(e.data, (r, t) => scope.postMessage(r, t ?? []));
}
