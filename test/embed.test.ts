// The embedding example (examples/embed-c): build/scalar.wasm translated to C by wabt's wasm2c,
// compiled by gcc with -ffp-contract=off (no -ffast-math) beside a C host that speaks the raw
// ABI (docs/ABI.md). It reads an expert out of a bank written by `moe-bank bank train` and the
// first 64 MNIST test images out of the IDX files, runs cnn_forward, and prints the logits' bits:
// their sha-256 must equal the library's (the SIMD build in Node), bit for bit. Needs wasm2c
// and gcc (.ci/run installs Debian's wabt and gcc); a missing tool fails the test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { Core } from "../bindings/index.js";
import { Cnn, CoreDataset, DEFAULT_SPEC } from "../src/model/cnn.js";
import { readBank } from "../src/bank/store.js";
import { defaultMnistPaths } from "../src/data/files.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "dist/src/cli.js");
const TMP = mkdtempSync(join(tmpdir(), "moe-bank-embed-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));

const B = 64, EXPERT = 1;

function sh(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message} (is it installed? .ci/run: apt-get install wabt gcc)`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

test("the forward pass of a stored expert from C (wasm2c of the scalar build) gives the library's logits, bit for bit", { timeout: 180_000 }, async (t) => {
  for (const tool of ["wasm2c", "gcc"]) {
    const v = sh(tool, ["--version"]);
    assert.equal(v.code, 0, `${tool} --version: ${v.stderr}`);
    t.diagnostic(`${tool} ${v.stdout.split("\n")[0]}`);
  }
  // the C program, built by the example's own script
  const built = sh("sh", [join(ROOT, "examples/embed-c/build.sh"), join(TMP, "out")]);
  assert.equal(built.code, 0, `build.sh failed:\n${built.stderr}`);
  const exe = built.stdout.trim();

  // a stored expert: a small bank written by the CLI
  const bank = join(TMP, "bank");
  const trained = sh(process.execPath, [CLI, "bank", "train", "--out", bank, "--count", "2", "--subset-size", "2000", "--workers", "1", "--cache", join(TMP, "cache"), "--quiet"]);
  assert.equal(trained.code, 0, trained.stderr);

  // the C host: one line per image (index, prediction, label, 10 logits as f32 bit patterns)
  const mnist = defaultMnistPaths();
  const run = sh(exe, [join(bank, "experts.safetensors"), String(EXPERT), mnist.test.images, mnist.test.labels, String(B)]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split("\n");
  assert.equal(lines.length, B + 1);
  const cLogits = new Uint8Array(B * 10 * 4);
  const dv = new DataView(cLogits.buffer);
  const cPreds: number[] = [];
  for (let b = 0; b < B; b++) {
    const f = lines[b]!.split(" ");
    assert.equal(f.length, 13, lines[b]);
    assert.equal(Number(f[0]), b);
    cPreds.push(Number(f[1]));
    for (let k = 0; k < 10; k++) dv.setUint32(4 * (b * 10 + k), parseInt(f[3 + k]!, 16), true);
  }
  const cSha = sha256(cLogits);

  // the library, in Node: the same expert read back from the bank, the same images
  const images = readFileSync(mnist.test.images).subarray(16, 16 + B * 784);
  const labels = readFileSync(mnist.test.labels).subarray(8, 8 + B);
  const idx = Array.from({ length: B }, (_, i) => i);
  const ours: Record<string, { sha: string; preds: number[]; correct: number }> = {};
  for (const build of ["simd", "scalar"] as const) {
    const core = await Core.load({ build });
    const net = new Cnn(core, DEFAULT_SPEC);
    const { experts } = await readBank(bank, net.layout, net.size);
    net.params.set(experts[EXPERT]!.params);
    const data = new CoreDataset(core, images, labels, B);
    const out = net.forward(data, idx);
    ours[build] = {
      sha: sha256(new Uint8Array(out.logits.buffer, out.logits.byteOffset, out.logits.byteLength)),
      preds: Array.from(out.preds),
      correct: B - out.losses.reduce((a, x) => a + x, 0),
    };
    net.free();
    data.free();
  }
  t.diagnostic(`logits sha-256: C ${cSha}, Node simd ${ours.simd!.sha}; ${ours.simd!.correct}/${B} correct`);
  assert.equal(cSha, ours.simd!.sha, "the C program's logits are the SIMD build's, bit for bit");
  assert.equal(ours.scalar!.sha, ours.simd!.sha);
  assert.deepEqual(cPreds, ours.simd!.preds);
  assert.equal(lines[B], `correct ${ours.simd!.correct}/${B}`);
  assert.ok(ours.simd!.correct >= B / 2, "a trained expert, not noise");

  // the core's abort import: a spec the core refuses is reported with the core's message (exit 3)
  const bad = sh(exe, [join(bank, "experts.safetensors"), "0", mnist.test.images, mnist.test.labels, "8", "--spec", "1,28,28,16,32,64,10,2"]);
  assert.equal(bad.code, 3, bad.stderr);
  assert.match(bad.stderr, /^embed-cnn: the core aborted: cnn: only 'same' convolutions .*\(assembly\/nn\/cnn\.ts:\d+:\d+\)\n$/);
  // bad input: one line, exit 1
  const missing = sh(exe, [join(bank, "experts.safetensors"), "7", mnist.test.images, mnist.test.labels]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no tensor expert\.7\.conv1\.weight/);
});
