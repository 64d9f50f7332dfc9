// A pool of workers behind one interface: worker_threads in Node and Bun, module Web Workers
// in Deno and browsers. Each worker has its own core instance and its own copy of the dataset,
// so no shared memory (and no cross-origin isolation) is needed. Tasks are independent and
// results are keyed by task, so outputs never depend on the number of workers.
import { coreUrl, type Build } from "../../bindings/index.js";
import { nodeBuiltin } from "../../bindings/host.js";
import type { FromWorker, SplitBytes, Task, TaskResult, ToWorker } from "./protocol.js";

interface Endpoint {
  post(m: ToWorker): void;
  onMessage(fn: (m: FromWorker) => void): void;
  onError(fn: (e: Error) => void): void;
  terminate(): Promise<void>;
}

const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";
// Deno has node:worker_threads too, but its postMessage takes ~9 s to send the 47 MB training
// images (its Web Workers: ~60 ms), so Deno gets module Web Workers (worker.ts decides alike).
const nodeWorkers = isNode && typeof (globalThis as { Deno?: unknown }).Deno === "undefined";

/** The worker script, next to this module (a bundled app passes its own: PoolOptions.workerUrl). */
export function workerUrl(): URL {
  return new URL("./worker.js", import.meta.url);
}

async function spawn(url: URL): Promise<Endpoint> {
  const wt = nodeWorkers ? nodeBuiltin<typeof import("node:worker_threads")>("node:worker_threads") : null;
  if (wt !== null) {
    const w = new wt.Worker(url);
    return {
      post: (m) => w.postMessage(m),
      onMessage: (fn) => void w.on("message", fn),
      onError: (fn) => void w.on("error", fn),
      terminate: async () => void (await w.terminate()),
    };
  }
  const w = new Worker(url, { type: "module" });
  return {
    post: (m) => w.postMessage(m),
    onMessage: (fn) => w.addEventListener("message", (e) => fn((e as MessageEvent<FromWorker>).data)),
    onError: (fn) => w.addEventListener("error", (e) => fn(new Error((e as ErrorEvent).message || `worker ${url.href} failed to load or crashed`))),
    terminate: async () => w.terminate(),
  };
}

/** Default worker count: one per available core. */
export async function defaultWorkers(): Promise<number> {
  const os = isNode ? nodeBuiltin<typeof import("node:os")>("node:os") : null;
  if (os !== null) return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1);
}

export interface PoolOptions {
  workers: number;
  build?: Build;
  train: SplitBytes;
  test: SplitBytes;
  /** The wasm each worker loads (default coreUrl(build)): a bundled app passes where its bundler
   *  put the file. */
  coreUrl?: URL | string;
  /** The worker script (default workerUrl(), dist/src/parallel/worker.js): a bundled app passes its
   *  bundle of that module. */
  workerUrl?: URL | string;
}

interface Pending {
  task: Task;
  resolve(r: TaskResult): void;
  reject(e: Error): void;
  progress?: (images: number, total: number) => void;
}

export class WorkerPool {
  #idle: Endpoint[] = [];
  #all: Endpoint[] = [];
  #queue: Pending[] = [];
  #running = new Map<number, { ep: Endpoint; p: Pending }>();
  #nextId = 0;
  #closed = false;

  private constructor() {}

  static async create(opts: PoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool();
    const n = Math.max(1, Math.floor(opts.workers));
    const build = opts.build ?? "simd";
    // relative URLs (a page's "/assets/simd.wasm") against the page: workers get absolute ones
    const base = (globalThis as { location?: { href: string } }).location?.href;
    const wasm = new URL(opts.coreUrl ?? coreUrl(build), base), script = new URL(opts.workerUrl ?? workerUrl(), base);
    await Promise.all(Array.from({ length: n }, async () => {
      const ep = await spawn(script);
      await new Promise<void>((ok, ko) => {
        ep.onError(ko);
        ep.onMessage((m) => (m.type === "ready" ? ok() : pool.#onMessage(ep, m)));
        ep.post({ type: "init", build, coreUrl: wasm.href, train: opts.train, test: opts.test });
      });
      ep.onError((e) => pool.#fail(ep, e));
      pool.#all.push(ep);
      pool.#idle.push(ep);
    }));
    return pool;
  }

  get size(): number {
    return this.#all.length;
  }

  /** Runs one task on the next free worker. */
  run(task: Task, progress?: (images: number, total: number) => void): Promise<TaskResult> {
    if (this.#closed) return Promise.reject(new Error("pool is closed"));
    return new Promise((resolve, reject) => {
      this.#queue.push({ task, resolve, reject, ...(progress ? { progress } : {}) });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const ep = this.#idle.shift()!, p = this.#queue.shift()!;
      const id = this.#nextId++;
      this.#running.set(id, { ep, p });
      ep.post({ type: "task", id, task: p.task });
    }
  }

  #onMessage(ep: Endpoint, m: FromWorker): void {
    if (m.type === "ready") return;
    const job = this.#running.get(m.id);
    if (!job) return;
    if (m.type === "progress") return job.p.progress?.(m.images, m.total);
    this.#running.delete(m.id);
    this.#idle.push(ep);
    if (m.type === "done") job.p.resolve(m.result);
    else job.p.reject(new Error(m.message));
    this.#pump();
  }

  #fail(ep: Endpoint, e: Error): void {
    for (const [id, job] of this.#running) if (job.ep === ep) { this.#running.delete(id); job.p.reject(e); }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const p of this.#queue.splice(0)) p.reject(new Error("pool closed"));
    await Promise.all(this.#all.map((ep) => ep.terminate()));
  }
}
