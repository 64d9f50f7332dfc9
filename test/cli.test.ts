// The CLI as a user meets it: results on stdout, one line on stderr for any error with the
// right exit code (1 runtime, 2 usage), never a stack trace, and --json everywhere.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeIdx } from "../src/data/idx.js";
import { encodeNpy } from "../src/formats/npy.js";
import { VERSION } from "../src/version.js";

const CLI = fileURLToPath(new URL("../src/cli.js", import.meta.url));
const PKG = fileURLToPath(new URL("../../package.json", import.meta.url));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertOneLineError(r: ReturnType<typeof run>, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, "", "nothing on stdout");
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
}

test("the version is package.json's", () => {
  assert.equal(VERSION, JSON.parse(readFileSync(PKG, "utf8")).version);
  assert.equal(run("--version").stdout.trim(), VERSION);
});

test("data info on the default MNIST: 60000 / 10000 images of 28x28 and both label histograms", () => {
  const r = run("data", "info", "--json");
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.equal(info.dataset, "mnist");
  assert.match(info.id, /^[0-9a-f]{64}$/);
  const { train, test: t } = info.splits;
  assert.deepEqual([train.count, train.rows, train.cols, train.channels], [60000, 28, 28, 1]);
  assert.deepEqual(train.shape, [60000, 28, 28, 1]);
  assert.deepEqual([t.count, t.rows, t.cols], [10000, 28, 28]);
  assert.deepEqual(train.labelHistogram, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.deepEqual(t.labelHistogram, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  const text = run("data", "info");
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^train\s+60000\s+28x28\s+1\s+10\s/m);
  assert.match(text.stdout, /^test\s+10000\s+28x28\s+1\s+10\s/m);
  assert.match(text.stdout, /^train\s+5923\s+6742\s+5958/m);
  assert.match(text.stdout, /^test\s+980\s+1135\s+1032/m);
});

test("bad IDX input: one line naming the file and the problem, exit 1, no stack trace", () => {
  const dir = mkdtempSync(join(tmpdir(), "moe-bank-cli-"));
  try {
    const images = encodeIdx([3, 2, 2], new Uint8Array(12));
    const labels = encodeIdx([3], new Uint8Array([1, 2, 3]));
    const write = (name: string, bytes: Uint8Array) => {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      return p;
    };
    const good = { images: write("images", images), labels: write("labels", labels) };
    const badMagic = images.slice(); badMagic[0] = 0x12;
    const badDtype = images.slice(); badDtype[2] = 0x0d;
    const cases: [string, string, string, RegExp][] = [
      ["wrong magic", write("magic", badMagic), good.labels, /magic: not an IDX file: magic/],
      ["wrong dtype", write("dtype", badDtype), good.labels, /dtype: dtype 0x0d \(f32\): only unsigned-byte/],
      ["truncated", write("trunc", images.subarray(0, images.length - 3)), good.labels, /trunc: truncated: header declares 12 bytes of data, file has 9/],
      ["trailing bytes", write("trail", new Uint8Array([...images, 0, 0])), good.labels, /trail: 2 trailing bytes/],
      ["labels outside 0-9", good.images, write("lab10", encodeIdx([3], new Uint8Array([1, 10, 3]))), /lab10: label 10 at index 1 is outside 0-9/],
      ["count mismatch", good.images, write("lab2", encodeIdx([2], new Uint8Array([1, 2]))), /images: 3 images but 2 labels in .*lab2/],
      ["missing file", join(dir, "nope"), good.labels, /nope: no such file/],
    ];
    for (const [what, img, lab, pattern] of cases) {
      const r = run("data", "info", "--images", img, "--labels", lab);
      assertOneLineError(r, 1, new RegExp(`^moe-bank: .*${pattern.source}`));
      assert.ok(r.stderr.includes(dir), `${what}: the message names the file`);
    }
    const ok = run("data", "info", "--images", good.images, "--labels", good.labels, "--json");
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).splits.split.count, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("usage errors exit 2 with one line", () => {
  assertOneLineError(run("data", "info", "--images", "x"), 2, /--images and --labels go together/);
  assertOneLineError(run("data", "info", "--bogus"), 2, /Unknown argument: bogus/);
  assertOneLineError(run("data", "info", "--dataset", "cifar"), 2, /Invalid values/);
  assertOneLineError(run("frobnicate"), 2, /Unknown argument: frobnicate|unknown command/);
  assertOneLineError(run(), 2, /name a command/);
});

test("--help teaches: commands, options, examples, exit codes", () => {
  const top = run("--help");
  assert.equal(top.code, 0);
  assert.match(top.stdout, /moe-bank data/);
  assert.match(top.stdout, /Exit codes: 0 ok, 1 error, 2 usage error/);
  const info = run("data", "info", "--help");
  assert.match(info.stdout, /--images/);
  assert.match(info.stdout, /Examples:/);
});

test("a reader that closes stdout early (| head -c 1) ends the CLI quietly: exit 0, nothing on stderr", () => {
  const dir = mkdtempSync(join(tmpdir(), "moe-bank-epipe-"));
  try {
    const R = 4, N = 3000, l = new Uint8Array(R * N);
    for (let i = 0; i < l.length; i++) l[i] = (i * 7919) % 13 === 0 ? 1 : 0;
    writeFileSync(join(dir, "l.npy"), encodeNpy("u8", [R, N], l));
    const cmd = `"${process.execPath}" "${CLI}" tables --train-losses l.npy --test-losses l.npy --json 2>err.txt | head -c 1 >/dev/null; echo "\${PIPESTATUS[0]}"`;
    const r = spawnSync("bash", ["-c", cmd], { cwd: dir, encoding: "utf8" });
    assert.equal(r.stdout.trim(), "0");
    assert.equal(readFileSync(join(dir, "err.txt"), "utf8"), "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
