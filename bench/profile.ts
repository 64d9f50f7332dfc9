// Where the network's time goes, kernel by kernel: V8's sampling CPU profiler attributes samples
// to wasm functions by index; the names come from build/simd.wat (the simd target's text file).
// Not a timing benchmark (the profiler adds overhead and @inline kernels count in their caller):
// the shares say which kernel to work on.
//
//   node --cpu-prof --cpu-prof-dir=prof dist/bench/profile.js train   # 300 train steps, batch 64
//   node --cpu-prof --cpu-prof-dir=prof dist/bench/profile.js eval    # 5 experts x 60 batches of 250
//   node dist/bench/profile.js report prof                            # self time per kernel
// `train relaxed` / `eval relaxed` profile the relaxed build: its functions are the simd build's
// (test/core-build.test.ts), so simd.wat names them too.
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Core } from "../bindings/index.js";
import { Cnn, CoreDataset, DEFAULT_SPEC } from "../src/model/cnn.js";
import { defaultMnistPaths, loadSplit } from "../src/data/files.js";

async function run(what: "train" | "eval", build: "simd" | "relaxed"): Promise<void> {
  const core = await Core.load({ build });
  const paths = defaultMnistPaths();
  const train = await loadSplit(paths.train.images, paths.train.labels);
  const data = new CoreDataset(core, train.images, train.labels, train.count);
  const net = new Cnn(core, DEFAULT_SPEC);
  net.init(1, 0);
  if (what === "train") {
    for (let s = 0; s < 300; s++) net.trainStep(data, Array.from({ length: 64 }, (_, i) => (s * 64 + i) % train.count));
    return;
  }
  const B = 250, R = 5;
  const { ws, idx } = net.workspace(B);
  const p = core.alloc("f32", R * net.size);
  for (let r = 0; r < R; r++) p.view.set(net.params.view, r * net.size);
  const losses = core.alloc("u8", R * B);
  for (let s = 0; s < 60; s++) {
    idx.view.set(Array.from({ length: B }, (_, i) => (s * B + i) % train.count));
    core.exports.cnn_forward_experts(net.specPtr, p.ptr, R, data.images.ptr, data.labels.ptr, idx.ptr, B, ws, losses.ptr, 0, B);
  }
}

interface ProfileNode { id: number; callFrame: { functionName: string } }

function report(dir: string): string {
  const wat = readFileSync(fileURLToPath(new URL("../../build/simd.wat", import.meta.url)), "utf8");
  const names: string[] = [];
  for (const line of wat.split("\n")) {
    if (line.startsWith(" (import ") && line.includes("(func")) names.push(line.split('"').slice(1, 4).join(""));
    else if (line.startsWith(" (func ")) names.push(line.split(" ")[2]!.replace(/^\$/, "").replace(/^assembly\/nn\//, ""));
  }
  const file = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).sort().pop();
  if (!file) throw new Error(`${dir}: no .cpuprofile file (run with node --cpu-prof --cpu-prof-dir=${dir})`);
  const prof = JSON.parse(readFileSync(`${dir}/${file}`, "utf8")) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const m = /wasm-function\[(\d+)\]/.exec(byId.get(id)!.callFrame.functionName);
    if (!m) return;
    const name = names[Number(m[1])] ?? `wasm-function[${m[1]}]`;
    const d = prof.timeDeltas[i] ?? 0;
    self.set(name, (self.get(name) ?? 0) + d);
    total += d;
  });
  const rows = [...self].sort((a, b) => b[1] - a[1]).filter(([, v]) => v / total >= 0.002);
  return [`${file}: ${(total / 1e6).toFixed(2)} s in wasm`, "", "| kernel (self time) | share |", "|---|---:|", ...rows.map(([k, v]) => `| ${k} | ${((100 * v) / total).toFixed(1)}% |`)].join("\n");
}

const [cmd, arg] = process.argv.slice(2);
if ((cmd === "train" || cmd === "eval") && (arg === undefined || arg === "simd" || arg === "relaxed")) await run(cmd, arg ?? "simd");
else if (cmd === "report" && arg) console.log(report(arg));
else {
  console.error("usage: node --cpu-prof --cpu-prof-dir=DIR dist/bench/profile.js train|eval [simd|relaxed]; node dist/bench/profile.js report DIR");
  process.exitCode = 2;
}
