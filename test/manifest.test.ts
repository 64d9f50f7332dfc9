// Issue 17, points 4, 5 and 14 (safetensors shapes): a bank's manifest.json passes one schema
// check (bank/store.ts validateManifest) that names the file and the field, with consistency
// rules; a fuzz of >= 5,000 mutations of a valid manifest (structural and by value), run in
// process through the same reader `bank info`, `bank merge` and `bank eval` use, gives either a
// verified bank or the project's own one-line error naming manifest.json.
import { createHash } from "node:crypto";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Core } from "../bindings/index.js";
import { Cnn, DEFAULT_SPEC, MNIST_GEOMETRY, geometryOf, sameGeometry, type CnnSpec } from "../src/model/cnn.js";
import { DEFAULT_BANK, type BankConfig } from "../src/bank/config.js";
import { encodeExperts, makeManifest, openBank, parseManifest, validateManifest, type BankExpert, type Manifest } from "../src/bank/store.js";
import { decodeSafetensors, encodeSafetensors } from "../src/formats/safetensors.js";
import { MoeBankError } from "../src/errors.js";
import { rng } from "./support/synthetic.js"; // the tests' one xorshift32

const CLI = fileURLToPath(new URL("../src/cli.js", import.meta.url));
const HEX = (c: string) => c.repeat(64);
const TEST_COUNT = 100;
let tmp = "";
let core: Core;

/** A bank folder of experts [start, end) of R, made in process (initialised, not trained). */
async function makeBank(dir: string, R: number, start: number, end: number, spec: CnnSpec = DEFAULT_SPEC): Promise<Manifest> {
  const seed = 0;
  const config: BankConfig = { ...DEFAULT_BANK, spec, experts: R, subsetSize: 64, seed };
  const net = new Cnn(core, spec);
  const experts: BankExpert[] = [];
  for (let r = start; r < end; r++) {
    net.init(seed, r);
    const testErrors = 10 + r;
    experts.push({ r, params: net.params.toArray(), testErrors, testAccuracy: 1 - testErrors / TEST_COUNT });
  }
  const file = encodeExperts(experts, net.layout);
  net.free();
  const g = geometryOf(spec); // a bank's spec follows its dataset: the manifest records the data's geometry
  const dataset = { name: "idx", id: HEX("a"), sha256: { trainImages: HEX("b"), trainLabels: HEX("c"), testImages: HEX("d"), testLabels: HEX("e") }, trainCount: 600, testCount: TEST_COUNT, ...(sameGeometry(g, MNIST_GEOMETRY) ? {} : { geometry: g }) };
  const manifest = await makeManifest(config, dataset, { build: "simd", sha256: HEX("f") }, { start, end }, experts, file);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "experts.safetensors"), file);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "moe-bank-manifest-"));
  core = await Core.load();
  await makeBank(join(tmp, "bank"), 3, 0, 3);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes `edit(manifest)` into a copy of the bank and opens it. */
async function openEdited(edit: (m: Record<string, any>) => void): Promise<unknown> {
  const dir = join(tmp, `edit-${Math.random().toString(36).slice(2)}`);
  cpSync(join(tmp, "bank"), dir, { recursive: true });
  const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  edit(m);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(m));
  try {
    await openBank(core, dir);
    return null;
  } catch (e) {
    return e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("point 4: manifests with missing, null or mistyped fields are refused, naming the file and the field", async () => {
  const cases: [string, (m: Record<string, any>) => void, RegExp][] = [
    ["no dataset", (m) => delete m.dataset, /manifest\.json: dataset must be an object, got nothing/],
    ["null dataset", (m) => (m.dataset = null), /manifest\.json: dataset must be an object, got null/],
    ["no adam", (m) => delete m.config.adam, /manifest\.json: config\.adam must be an object/],
    ["no experts", (m) => delete m.experts, /manifest\.json: experts must be an object, got nothing/],
    ["null perExpert entry", (m) => (m.perExpert[1] = null), /manifest\.json: perExpert\[1\] must be an object, got null/],
    ["string testAccuracy", (m) => (m.perExpert[0].testAccuracy = "0.5"), /manifest\.json: perExpert\[0\]\.testAccuracy must be 1 - testErrors/],
    ["absurd spec", (m) => (m.config.spec = { channels: 1e9 }), /manifest\.json: config\.spec channels must be an integer in \[1, 64\], got 1000000000/],
    ["huge hidden", (m) => (m.config.spec.hidden = 1e9), /manifest\.json: config\.spec hidden must be an integer/],
    ["infinite-ish lr", (m) => (m.config.adam.lr = 1e308), /manifest\.json: config\.adam\.lr must be a finite number in \(0, 10\]/],
    ["no files", (m) => delete m.files, /manifest\.json: files must be an object/],
    ["negative seed", (m) => (m.config.seed = -1), /manifest\.json: config\.seed must be an integer/],
  ];
  for (const [what, edit, re] of cases) {
    const e = await openEdited(edit);
    assert.ok(e instanceof MoeBankError, `${what}: ${String(e)}`);
    assert.match((e as Error).message, re, what);
  }
  // and through the CLI, as the issue ran it: exit 1, one line, no "internal error"
  const dir = join(tmp, "cli4");
  cpSync(join(tmp, "bank"), dir, { recursive: true });
  const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  delete m.dataset;
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(m));
  const r = cli("bank", "info", "--bank", dir);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `moe-bank: ${join(dir, "manifest.json")}: dataset must be an object, got nothing\n`);
});

test("point 5: duplicate or missing r, ranges that disagree with config.experts, and lying shards are refused", async () => {
  const cases: [string, (m: Record<string, any>) => void, RegExp][] = [
    ["r = 0 twice", (m) => (m.perExpert[1] = m.perExpert[0]), /perExpert\[1\]\.r is 0, expected 1/],
    ["range shorter than perExpert", (m) => (m.experts = { start: 0, end: 2 }), /perExpert has 3 entries for experts 0-1 \(2\)/],
    ["range past config.experts", (m) => (m.experts = { start: 0, end: 4 }), /experts\.end must be an integer in \[1, 3\], got 4/],
    ["config.experts below the range", (m) => (m.config.experts = 2), /experts\.end must be an integer in \[1, 2\], got 3/],
    ["perExpert out of order", (m) => ([m.perExpert[0], m.perExpert[1]] = [m.perExpert[1], m.perExpert[0]]), /perExpert\[0\]\.r is 1, expected 0/],
  ];
  for (const [what, edit, re] of cases) {
    const e = await openEdited(edit);
    assert.ok(e instanceof MoeBankError, `${what}: ${String(e)}`);
    assert.match((e as Error).message, re, what);
  }
  // bank merge of a shard whose manifest says 0-2 but whose file holds 0-1
  const s1 = join(tmp, "s1"), s2 = join(tmp, "s2");
  await makeBank(s1, 4, 0, 2);
  await makeBank(s2, 4, 2, 4);
  const m1 = JSON.parse(readFileSync(join(s1, "manifest.json"), "utf8"));
  m1.experts = { start: 0, end: 3 };
  writeFileSync(join(s1, "manifest.json"), JSON.stringify(m1));
  const r = cli("bank", "merge", s1, s2, "--out", join(tmp, "merged"));
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, `moe-bank: ${join(s1, "manifest.json")}: perExpert has 2 entries for experts 0-2 (3)\n`);
  // the honest shards merge
  m1.experts = { start: 0, end: 2 };
  writeFileSync(join(s1, "manifest.json"), JSON.stringify(m1));
  const ok = cli("bank", "merge", s1, s2, "--out", join(tmp, "merged"));
  assert.equal(ok.code, 0, ok.stderr);
});

test("point 14: a tensor with the right element count but the wrong shape is refused", async () => {
  const dir = join(tmp, "shape");
  await makeBank(dir, 2, 0, 2);
  const bytes = new Uint8Array(readFileSync(join(dir, "experts.safetensors")));
  const { tensors, metadata } = decodeSafetensors(bytes, "x");
  const list = [...tensors.entries()].map(([name, t]) => ({ name, dtype: t.dtype as "F32", shape: name === "expert.0.fc1.weight" ? [...t.shape].reverse() : t.shape, data: t.data as Float32Array }));
  const file = encodeSafetensors(list, metadata);
  writeFileSync(join(dir, "experts.safetensors"), file);
  const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  m.files["experts.safetensors"] = { sha256: createHash("sha256").update(file).digest("hex"), bytes: file.length };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(m));
  await assert.rejects(openBank(core, dir), /tensor expert\.0\.fc1\.weight is F32 \[1568, 64\], expected F32 \[64, 1568\]/);
});

// ---- the fuzz -------------------------------------------------------------------------------


type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === "object") for (const k of Object.keys(v)) paths(v[k]!, [...at, k], out);
  return out;
}

test("fuzz: 6,000 mutations of a valid manifest give a verified bank or one line naming manifest.json", async () => {
  const dir = join(tmp, "fuzz");
  await makeBank(dir, 3, 0, 3, { channels: 1, height: 4, width: 4, conv1: 2, conv2: 2, hidden: 3, classes: 10, kernel: 3 }); // small: the fuzz reads it 6,000 times
  const mpath = join(dir, "manifest.json");
  const valid = JSON.parse(readFileSync(mpath, "utf8")) as Json;
  const all = paths(valid);
  const rand = rng(17);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const VALUES: Json[] = [null, true, false, 0, -1, 1, 2, 3, 0.5, -0.5, 1e9, 1e308, -1e308, 2 ** 31, 2 ** 32 + 1, 2 ** 53, "", "x", "\u009b[31m", "0", HEX("0"), [], [1], {}, { r: 0 }];
  let accepted = 0;
  const outcomes = new Map<string, number>();
  const N = 6000;
  for (let i = 0; i < N; i++) {
    const m = structuredClone(valid) as Json;
    const edits = 1 + Math.floor(rand() * 3);
    let text: string | null = null;
    for (let k = 0; k < edits; k++) {
      const p = pick(all);
      if (p.length === 0) continue;
      let parent: any = m;
      for (const s of p.slice(0, -1)) parent = parent?.[s];
      if (parent === null || typeof parent !== "object") continue;
      const key = p[p.length - 1]!;
      const old = parent[key];
      switch (Math.floor(rand() * 8)) {
        case 0: // structural: delete
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete parent[key];
          break;
        case 1: // structural: duplicate an array entry or wrap a value
          if (Array.isArray(parent)) parent.splice(Number(key), 0, structuredClone(old));
          else parent[key] = [old];
          break;
        case 2: // by value: a value from the list
          parent[key] = structuredClone(pick(VALUES));
          break;
        case 3: // by value: nudge a number
          parent[key] = typeof old === "number" ? old + pick([-1, 1, 0.5, 1e-9, -old, old * 1e6]) : pick(VALUES);
          break;
        case 4: // structural: move a value to another key
          parent[key] = structuredClone(pick(all).reduce((x: any, s) => x?.[s], valid));
          break;
        case 5: // structural: an unknown key beside it, or an object emptied
          if (old !== null && typeof old === "object") parent[key] = Array.isArray(old) ? [] : {};
          else parent[`${key}x`] = old;
          break;
        case 6: // by value: swap two array entries / change a string
          if (Array.isArray(parent) && parent.length > 1) [parent[0], parent[parent.length - 1]] = [parent[parent.length - 1], parent[0]];
          else parent[key] = typeof old === "string" ? old.slice(1) + "0" : null;
          break;
        case 7: // the text: truncated or a byte changed
          text = JSON.stringify(m);
          text = rand() < 0.5 ? text.slice(0, Math.floor(rand() * text.length)) : text.replace(/[0-9a-z]/, "\u0001");
          break;
      }
    }
    try {
      // what readManifest does with the file's bytes, then the bank read against it
      const bank = await openBank(core, dir, parseManifest(new TextEncoder().encode(text ?? JSON.stringify(m)), mpath));
      accepted++;
      // whatever was accepted is a consistent bank
      assert.deepEqual(bank.experts.map((e) => e.r), bank.manifest.perExpert.map((p) => p.r));
      assert.deepEqual(bank.manifest.perExpert.map((p) => p.r), Array.from({ length: bank.manifest.experts.end - bank.manifest.experts.start }, (_, j) => bank.manifest.experts.start + j));
      for (const e of bank.experts) assert.equal(createHash("sha256").update(new Uint8Array(e.params.buffer, e.params.byteOffset, e.params.byteLength)).digest("hex"), bank.manifest.perExpert.find((p) => p.r === e.r)!.sha256);
    } catch (e) {
      assert.ok(e instanceof MoeBankError, `mutation ${i}: not the project's error: ${e instanceof Error ? e.stack : String(e)}\n${text ?? JSON.stringify(m)}`);
      const msg = e.message;
      assert.ok(!msg.includes("\n"), `mutation ${i}: more than one line: ${msg}`);
      assert.ok(msg.includes("manifest.json"), `mutation ${i}: does not name manifest.json: ${msg}`);
      const field = msg.replace(/^.*?manifest\.json:? /, "").split(" ")[0]!.replace(/\[\d+\]/g, "[]");
      outcomes.set(field, (outcomes.get(field) ?? 0) + 1);
    }
  }
  console.log(`fuzz: ${accepted} of ${N} accepted; ${outcomes.size} kinds of error`);
  assert.ok(accepted < N / 2, `${accepted} of ${N} accepted`);
  assert.ok(outcomes.size > 20, `only ${outcomes.size} kinds of error: ${[...outcomes.keys()].join(" ")}`);
  validateManifest(valid, mpath); // the original still passes
});
