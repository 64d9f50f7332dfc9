// A small web app on the installed package, bundled by esbuild for the browser
// (test/install/install.test.ts): the quick configuration (seed 0, MNIST) through the library's
// runPipeline on two module Web Workers; the page shows the canonical results hash.
//   esbuild page.ts moe-bank/worker --bundle --format=esm --platform=browser --loader:.wasm=file
// esbuild does not rewrite new URL(..., import.meta.url), so the wasm comes in as a file import
// (its URL in the output) and goes to Core.load and to the workers; Vite and webpack find the
// package's own coreUrl() and need neither.
import { Core, WorkerPool, runPipeline, pipelineConfig, rawIdxBytes, parseIdx, makeDataset, sha256Hex, datasetId, MemoryCache, type IdxKind, type PipelineDataset, type TrainedExpert } from "moe-bank";
import wasmFile from "moe-bank/wasm/simd.wasm";


const FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] as const;
const KINDS: IdxKind[] = ["images", "labels", "images", "labels"];
const out = document.getElementById("out")!;
const say = (state: string, text: string) => {
  document.body.dataset.state = state;
  out.textContent = text;
};

async function fetchBytes(url: URL | string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${String(url)}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function main(): Promise<void> {
  const wasm = new URL(wasmFile, import.meta.url);
  const core = await Core.load(wasm);
  const coreSha256 = await sha256Hex(await fetchBytes(wasm));
  const parsed = await Promise.all(FILES.map(async (f, i) => {
    const raw = await rawIdxBytes(await fetchBytes(`/data/mnist/${f}`), f);
    return { arr: parseIdx(raw, f, KINDS[i]), sha: await sha256Hex(raw), name: f };
  }));
  const [ti, tl, si, sl] = parsed as [(typeof parsed)[0], (typeof parsed)[0], (typeof parsed)[0], (typeof parsed)[0]];
  const data: PipelineDataset = {
    name: "mnist",
    id: await datasetId(parsed.map((p) => p.sha)),
    train: { ...makeDataset(ti.arr, tl.arr, { images: ti.name, labels: tl.name }), sha256: { images: ti.sha, labels: tl.sha } },
    test: { ...makeDataset(si.arr, sl.arr, { images: si.name, labels: sl.name }), sha256: { images: si.sha, labels: sl.sha } },
  };
  say("running", `core ${core.build} loaded; training the quick bank`);
  // esbuild writes the worker entry (moe-bank/worker) beside this bundle as worker.js
  const pool = await WorkerPool.create({ workers: 2, train: data.train, test: data.test, coreUrl: wasm, workerUrl: new URL("./worker.js", import.meta.url) });
  try {
    const caches = { experts: new MemoryCache<TrainedExpert>(), blocks: new MemoryCache<{ losses: Uint8Array; preds: Uint8Array }>() };
    const run = await runPipeline({ core, pool, data, config: pipelineConfig(true, 0), coreSha256, caches });
    say("done", run.sha);
  } finally {
    await pool.close();
  }
}

main().catch((e: unknown) => say("error", e instanceof Error ? e.message : String(e)));
