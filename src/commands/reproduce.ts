// `moe-bank reproduce`: the whole paper in one command, reusing every cached stage.
//   dataset -> bank (train, eval) -> selection and estimators -> routing -> report and figures
import type { Argv, ArgumentsCamelCase } from "yargs";
import { join, resolve, dirname } from "node:path";
import { stat, access, constants } from "node:fs/promises";
import { Core } from "../../bindings/index.js";
import { DEFAULT_BANK, type BankConfig } from "../bank/config.js";
import { trainBankDir, evaluateBankDir, coreSha } from "../bank/run.js";
import { writeAtomic } from "../bank/files.js";
import { runSelection } from "../estimators/sweep.js";
import { lossMatrix } from "../estimators/draws.js";
import { sweep, constrainedD } from "../routing/index.js";
import { routeJson } from "./route.js";
import { figures, renderReport, resultsSha256, type Results, type RunInfo } from "../report/report.js";
import { defaultWorkers } from "../parallel/pool.js";
import { MoeBankError, UsageError } from "../errors.js";
import { VERSION } from "../version.js";
import { datasetOptions, resolveDataset, type DatasetArgs } from "./dataset-options.js";
import { emit, progressEnabled, progressReporter, type GlobalOptions } from "../output.js";

interface ReproduceArgs extends GlobalOptions, DatasetArgs {
  out: string;
  quick: boolean;
  workers?: number;
  seed: number;
  cache: string;
}

/** The configuration of a run: the paper's, or the small --quick one (under a minute). */
export function reproduceConfig(quick: boolean, seed: number): { bank: BankConfig; M: number; bootstrap: number } {
  return quick
    ? { bank: { ...DEFAULT_BANK, experts: 5, subsetSize: 3000, seed }, M: 100, bootstrap: 200 }
    : { bank: { ...DEFAULT_BANK, seed }, M: 300, bootstrap: 1000 };
}

// Checks that --out can be written, creating nothing: it is a folder, or it does not exist and
// its nearest existing ancestor is a writable folder. Files appear only when a stage has
// something to write (each atomically), so a failed run leaves nothing half-written.
async function checkOut(out: string): Promise<void> {
  let p = resolve(out);
  for (;;) {
    const st = await stat(p).catch(() => null);
    if (st) {
      if (!st.isDirectory()) throw new MoeBankError(`${out}: ${p === resolve(out) ? "--out exists and is not a folder" : `${p} is not a folder`}`);
      try {
        await access(p, constants.W_OK);
      } catch {
        throw new MoeBankError(`${out}: ${p} is not writable`);
      }
      return;
    }
    const up = dirname(p);
    if (up === p) throw new MoeBankError(`${out}: no existing folder on its path`);
    p = up;
  }
}

async function reproduce(a: ArgumentsCamelCase<ReproduceArgs>): Promise<void> {
  if (!Number.isSafeInteger(a.seed) || a.seed < 0) throw new UsageError(`--seed must be an integer >= 0, got ${a.seed}`);
  if (a.workers !== undefined && (!Number.isInteger(a.workers) || a.workers < 1)) throw new UsageError(`--workers must be an integer >= 1, got ${a.workers}`);
  const say = progressEnabled(a) ? (s: string) => process.stderr.write(`reproduce: ${s}\n`) : () => {};
  const warn = (s: string) => process.stderr.write(`moe-bank: warning: ${s}\n`);
  const timings: Record<string, number> = {};
  const t = async <T>(stage: string, fn: () => Promise<T>): Promise<T> => {
    say(`${stage} ...`);
    const t0 = performance.now();
    const r = await fn();
    timings[stage] = (performance.now() - t0) / 1000;
    return r;
  };
  await checkOut(a.out);
  const cfg = reproduceConfig(a.quick, a.seed);
  const workers = a.workers ?? (await defaultWorkers());
  const data = await t("dataset", () => resolveDataset(a));
  const bankDir = join(a.out, "bank");
  const stage = { cache: a.cache, workers, onProgress: progressReporter(a), warn };
  const trained = await t("bank: train", () => trainBankDir({ ...stage, data, config: cfg.bank, range: { start: 0, end: cfg.bank.experts }, out: bankDir }));
  const { report: ev, mats } = await t("bank: loss matrices", () => evaluateBankDir({ ...stage, bank: bankDir, out: bankDir, dataset: async () => data }));
  const core = await Core.load();
  const selection = await t("selection and estimators", async () =>
    runSelection(core, lossMatrix(mats.train.losses, mats.train.R, mats.train.N, "L_train"), lossMatrix(mats.test.losses, mats.test.R, mats.test.N, "L_test"), {
      M: cfg.M, bootstrap: cfg.bootstrap, seed: a.seed,
    }));
  const routing = await t("routing", async () => {
    const L = { R: mats.test.R, N: mats.test.N, data: mats.test.losses };
    const s = sweep(core, L, {});
    const rhos = [0.05, 0.1, 0.2].map((rho) => constrainedD(core, L, rho, {}));
    return routeJson("losses-test.npy", s, rhos);
  });
  const bank = {
    config: cfg.bank,
    experts: trained.manifest.perExpert,
    testAccuracy: ev.testAccuracy,
    trainAccuracy: ev.trainAccuracy,
    disagreement: { pairs: ev.disagreement.pairs, min: ev.disagreement.min, median: ev.disagreement.median, max: ev.disagreement.max, mean: ev.disagreement.mean },
    oracleTestError: ev.oracleTestError,
    matrices: ev.files,
  };
  const t0 = performance.now();
  const figs = figures(bank, selection, routing);
  const figureShas: Record<string, string> = {};
  for (const [name, svg] of Object.entries(figs)) {
    const { sha256Hex } = await import("../data/idx.js");
    figureShas[name] = await sha256Hex(new TextEncoder().encode(svg));
  }
  const results: Results = { format: "moe-bank/report", formatVersion: 1, dataset: trained.manifest.dataset, bank, selection, routing, figures: figureShas };
  const sha = await resultsSha256(results);
  timings.report = (performance.now() - t0) / 1000;
  const run: RunInfo = { tool: `moe-bank ${VERSION}`, node: process.version, userAgent: null, coreSha256: await coreSha(), workers, quick: a.quick, timings };
  for (const [name, svg] of Object.entries(figs)) await writeAtomic(join(a.out, name), svg);
  await writeAtomic(join(a.out, "report.json"), JSON.stringify({ resultsSha256: sha, results, run }, null, 2) + "\n");
  await writeAtomic(join(a.out, "report.md"), renderReport(results, sha, run));
  emit(a, { out: a.out, resultsSha256: sha, timings, files: ["report.json", "report.md", ...Object.keys(figs), "bank/"] }, (r) =>
    [`report written to ${r.out}: report.md, report.json, ${Object.keys(figs).length} figures, bank/`,
     `results sha-256 ${r.resultsSha256}`,
     ...Object.entries(r.timings).map(([k, v]) => `  ${k.padEnd(26)} ${v.toFixed(1)} s`)].join("\n"));
}

export function reproduceCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command(
    "reproduce",
    "run the whole paper: bank, loss matrices, Table I and II with their readings, the D(rho) curve, report and figures",
    (c) =>
      datasetOptions(c)
        .option("out", { type: "string", default: "reproduction", describe: "folder for report.md, report.json, the figures and the bank" })
        .option("quick", { type: "boolean", default: false, describe: "a small configuration (R = 5, n = 3,000, M = 100) that runs in under a minute" })
        .option("workers", { type: "number", describe: "worker threads (default: one per core); results do not depend on it" })
        .option("seed", { type: "number", default: 0, describe: "the seed of every stream (bank, samples, bootstrap)" })
        .option("cache", { type: "string", default: ".moe-bank-cache", describe: "finished experts and blocks are kept here and reused" })
        .example("$0 reproduce", "the paper's configuration: R = 25, n = 10,000, M = 300 (a few minutes)")
        .example("$0 reproduce --quick --out quick", "the whole pipeline on a small bank, in under a minute"),
    (x) => reproduce(x as unknown as ArgumentsCamelCase<ReproduceArgs>),
  );
}
