// `moe-bank bank train | eval | merge | info`: the bank of experts (paper Section III-A).
import type { Argv, ArgumentsCamelCase } from "yargs";
import { Core } from "../../bindings/index.js";
import { geometryOf, specFor } from "../model/cnn.js";
import { DEFAULT_BANK, validateBankConfig, canonicalJson, type BankConfig, type SubsetMode } from "../bank/config.js";
import { makeManifest, encodeExperts, writeBank, openBank, BANK_FOLDER_FILE, type Manifest } from "../bank/store.js";
import { paramsSha256 } from "../bank/stage.js";
import { trainBankDir, evaluateBankDir, summary } from "../bank/run.js";
import { checkOutDir } from "../io/files.js";
import { folderOption } from "./checks.js";
import { workersOption, checkWorkers } from "./workers.js";
import { MoeBankError, UsageError } from "../errors.js";
import { datasetOptions, resolveDataset, type DatasetArgs } from "./dataset-options.js";
import { emit, progressReporter, type GlobalOptions } from "../output.js";

const warn = (s: string) => process.stderr.write(`moe-bank: warning: ${s}\n`);

/** Parses "a-b" (inclusive) or "a" into [start, end). */
export function parseRange(s: string | undefined, R: number): { start: number; end: number } {
  if (s === undefined) return { start: 0, end: R };
  const m = /^(\d+)(?:-(\d+))?$/.exec(s.trim());
  if (!m) throw new UsageError(`--experts must look like 3 or 0-9 (inclusive), got "${s}"`);
  const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
  if (a > b || b >= R) throw new UsageError(`--experts ${s} is not a range inside 0-${R - 1}`);
  return { start: a, end: b + 1 };
}

function fmt(x: number): string {
  return x.toFixed(4);
}

interface TrainArgs extends GlobalOptions, DatasetArgs {
  out: string;
  count: number;
  experts?: string;
  subsetSize: number;
  subset: SubsetMode;
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  workers?: number;
  cache: string;
}

async function train(a: ArgumentsCamelCase<TrainArgs>): Promise<void> {
  const data = await resolveDataset(a);
  const config: BankConfig = { ...DEFAULT_BANK, spec: specFor(geometryOf(data.train)), experts: a.count, subsetSize: a.subsetSize, subset: a.subset, epochs: a.epochs, batch: a.batch, seed: a.seed, adam: { ...DEFAULT_BANK.adam, lr: a.lr } };
  validateBankConfig(config, data.train.count);
  checkWorkers(a.workers);
  const range = parseRange(a.experts, config.experts);
  const { manifest, experts } = await trainBankDir({ data, config, range, out: a.out, cache: a.cache, ...(a.workers !== undefined ? { workers: a.workers } : {}), onProgress: progressReporter(a), warn });
  const acc = summary(experts.map((e) => e.testAccuracy));
  emit(a, { out: a.out, experts: range, testAccuracy: acc, perExpert: manifest.perExpert }, (r) =>
    [`bank: experts ${range.start}-${range.end - 1} of ${config.experts} written to ${r.out}`,
     `test accuracy: min ${fmt(acc.min)}  median ${fmt(acc.median)}  max ${fmt(acc.max)}`].join("\n"));
}

interface EvalArgs extends GlobalOptions, DatasetArgs {
  bank: string;
  out?: string;
  workers?: number;
  cache: string;
}

async function evaluate(a: ArgumentsCamelCase<EvalArgs>): Promise<void> {
  checkWorkers(a.workers);
  const out = a.out ?? a.bank;
  const { report } = await evaluateBankDir({
    bank: a.bank, out, cache: a.cache, ...(a.workers !== undefined ? { workers: a.workers } : {}), onProgress: progressReporter(a), warn,
    dataset: (m) => resolveDataset({ ...a, dataset: a.trainImages ? a.dataset : m.dataset.name === "idx" ? a.dataset : m.dataset.name }),
  });
  emit(a, report, (r) => [
    `loss matrices written to ${out}: ${Object.keys(r.files).join(", ")}`,
    `test accuracy  min ${fmt(r.testAccuracyStats.min)}  median ${fmt(r.testAccuracyStats.median)}  max ${fmt(r.testAccuracyStats.max)}  (paper: 0.89-0.92)`,
    `train accuracy min ${fmt(r.trainAccuracyStats.min)}  median ${fmt(r.trainAccuracyStats.median)}  max ${fmt(r.trainAccuracyStats.max)}`,
    `pairwise test disagreement over ${r.disagreement.pairs} pairs: min ${fmt(r.disagreement.min)}  median ${fmt(r.disagreement.median)}  max ${fmt(r.disagreement.max)}  (paper: 0.06-0.10)`,
    `oracle test error (every expert wrong): ${fmt(r.oracleTestError)}`,
  ].join("\n"));
}

interface MergeArgs extends GlobalOptions {
  out: string;
  shards: string[];
}

async function merge(a: ArgumentsCamelCase<MergeArgs>): Promise<void> {
  await checkOutDir(a.out, { whole: BANK_FOLDER_FILE });
  const core = await Core.load();
  const loaded = [];
  for (const dir of a.shards) loaded.push({ dir, ...(await openBank(core, dir)) }); // each manifest's spec is its dataset's geometry (validateManifest)
  loaded.sort((x, y) => x.manifest.experts.start - y.manifest.experts.start);
  const first = loaded[0]!.manifest;
  const same = (m: Manifest) => canonicalJson({ c: m.config, d: m.dataset, k: m.core, t: m.tool }) === canonicalJson({ c: first.config, d: first.dataset, k: first.core, t: first.tool });
  let next = 0;
  for (const s of loaded) {
    if (!same(s.manifest)) throw new MoeBankError(`${s.dir}: its config, dataset, core or tool version differs from ${loaded[0]!.dir}'s; shards of one bank must agree`);
    if (s.manifest.experts.start !== next) throw new MoeBankError(`${s.dir}: starts at expert ${s.manifest.experts.start}, expected ${next} (shards must tile 0-${first.config.experts - 1} without gaps or overlaps)`);
    next = s.manifest.experts.end;
  }
  if (next !== first.config.experts) throw new MoeBankError(`the shards cover experts 0-${next - 1}, not 0-${first.config.experts - 1}`);
  const experts = loaded.flatMap((s) => s.experts);
  for (const e of experts) if ((await paramsSha256(e.params)) !== loaded.flatMap((s) => s.manifest.perExpert).find((p) => p.r === e.r)!.sha256) throw new MoeBankError(`expert ${e.r}: hash mismatch`);
  const file = encodeExperts(experts, loaded[0]!.layout);
  const manifest = await makeManifest(first.config, first.dataset, first.core, { start: 0, end: first.config.experts }, experts, file);
  await writeBank(a.out, manifest, file);
  emit(a, { out: a.out, experts: experts.length, shards: a.shards }, (r) => `merged ${r.shards.length} shards (${r.experts} experts) into ${r.out}`);
}

interface InfoArgs extends GlobalOptions {
  bank: string;
}

async function info(a: ArgumentsCamelCase<InfoArgs>): Promise<void> {
  const core = await Core.load();
  const { manifest } = await openBank(core, a.bank);
  const acc = summary(manifest.perExpert.map((e) => e.testAccuracy));
  emit(a, manifest, (m) => [
    `bank ${a.bank}: experts ${m.experts.start}-${m.experts.end - 1} of ${m.config.experts} (hashes verified)`,
    `dataset ${m.dataset.name} ${m.dataset.id.slice(0, 16)}…  subset ${m.config.subset} n=${m.config.subsetSize}  epochs ${m.config.epochs}  batch ${m.config.batch}  lr ${m.config.adam.lr}  seed ${m.config.seed}`,
    `test accuracy: min ${fmt(acc.min)}  median ${fmt(acc.median)}  max ${fmt(acc.max)}`,
    ...m.perExpert.map((e) => `  expert ${String(e.r).padStart(3)}  test accuracy ${fmt(e.testAccuracy)}  sha-256 ${e.sha256.slice(0, 16)}…`),
  ].join("\n"));
}

export function bankCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  const cacheOpt = folderOption("cache", "where finished experts and evaluation blocks are kept (reused by later runs)", { default: ".moe-bank-cache" });
  const workersOpt = workersOption;
  return y.command("bank <command>", "train, evaluate, merge and inspect a bank of CNN experts", (b) =>
    b
      .command("train", "train R experts (or a shard of them) on their own subsets", (c) =>
        datasetOptions(c)
          .option("out", folderOption("out", "bank folder to write (manifest.json + experts.safetensors)", { demandOption: true }))
          .option("count", { alias: "R", type: "number", default: DEFAULT_BANK.experts, describe: "number of experts R in the bank" })
          .option("experts", { type: "string", describe: "train only this range, e.g. 0-9 (inclusive): a shard for bank merge" })
          .option("subset-size", { type: "number", default: DEFAULT_BANK.subsetSize, describe: "training images per expert (n)" })
          .option("subset", { choices: ["distinct", "bootstrap"] as const, default: DEFAULT_BANK.subset, describe: "n distinct images per expert, or n draws with replacement" })
          .option("epochs", { type: "number", default: DEFAULT_BANK.epochs })
          .option("batch", { type: "number", default: DEFAULT_BANK.batch })
          .option("lr", { type: "number", default: DEFAULT_BANK.adam.lr, describe: "Adam learning rate" })
          .option("seed", { type: "number", default: DEFAULT_BANK.seed })
          .option("workers", workersOpt)
          .option("cache", cacheOpt)
          .example("$0 bank train --out bank", "the paper's bank: 25 experts, 10,000 distinct images each, 1 epoch")
          .example("$0 bank train --out shard-a --experts 0-12", "a shard; another host trains 13-24, then bank merge")
          .example("$0 bank train --dataset cifar10 --data-dir DIR --out cifar-bank", "CIFAR-10 from files you supply (the binary version): the experts take 3x32x32 images, fc1 2048 -> 64"),
        (x) => train(x as unknown as ArgumentsCamelCase<TrainArgs>))
      .command("eval", "0-1 loss matrices L_train [R, N_train] and L_test [R, N_test] as .npy (MNIST: 60000 and 10000), accuracies, disagreement; the dataset is the manifest's (give --data-dir for cifar10)", (c) =>
        datasetOptions(c)
          .option("bank", { type: "string", demandOption: true, describe: "bank folder" })
          .option("out", folderOption("out", "folder for the .npy files and eval.json (default: the bank folder)", {}))
          .option("workers", workersOpt)
          .option("cache", cacheOpt),
        (x) => evaluate(x as unknown as ArgumentsCamelCase<EvalArgs>))
      .command("merge <shards..>", "join shards (verifying hashes and configs) into one bank", (c) =>
        c.positional("shards", { type: "string", array: true, describe: "shard folders" })
          .option("out", folderOption("out", "merged bank folder", { demandOption: true })),
        (x) => merge(x as unknown as ArgumentsCamelCase<MergeArgs>))
      .command("info", "a bank's manifest, with its hashes verified", (c) =>
        c.option("bank", { type: "string", demandOption: true, describe: "bank folder" }),
        (x) => info(x as unknown as ArgumentsCamelCase<InfoArgs>))
      .demandCommand(1, "name a bank sub-command: train, eval, merge or info"));
}
