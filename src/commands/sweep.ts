// `moe-bank sweep`: the experiment over a grid of cells (bank seed x R x n x subset reading x
// dataset x m), each cell a bank (through the cache) measured as reproduce measures it, and the
// aggregate across seeds with the paper's printed numbers placed in it. The work is src/sweep/;
// this file turns options (or a --spec file) into a spec, checks everything before any work,
// shows progress and writes the report.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError } from "../errors.js";
import { emit, progressEnabled, type GlobalOptions } from "../output.js";
import { checkOutDir } from "../io/files.js";
import { coreSha } from "../bank/run.js";
import { VERSION } from "../version.js";
import { folderOption } from "./checks.js";
import { checkWorkers, workersOption } from "./workers.js";
import { DATASET_HELP } from "./dataset-options.js";
import { normalizeSpec, specFromJson, SPEC_KEYS, type SweepSpec } from "../sweep/spec.js";
import { loadSpecData } from "../sweep/task.js";
import { runSweep, type SweepProgress } from "../sweep/run.js";
import { SWEEP_FOLDER_FILE, writeSweep, type SweepRunInfo } from "../sweep/report.js";
import type { SweepResults } from "../sweep/aggregate.js";
import { isBanksResults, type BanksSweepResults } from "../sweep/banks-report.js";
import { clusterOptions, planSweep, wantsPlan, type ClusterArgs } from "./sweep-cluster.js";
import { defaultWorkers } from "../parallel/pool.js";

/** The options that make a sweep's spec (every command that takes "the same options" as sweep). */
export interface SweepSpecArgs {
  spec?: string;
  quick?: boolean;
  seeds?: string[];
  count?: string[];
  subsetSize?: string[];
  subset?: string[];
  dataset?: string[];
  dataDir?: string;
  trainImages?: string;
  trainLabels?: string;
  testImages?: string;
  testLabels?: string;
  m?: string[];
  mcSeed?: string;
  measure?: string[];
  runs?: string;
  bootstrap?: string;
  boundsRuns?: string;
  widths?: string[];
}

interface SweepArgs extends GlobalOptions, SweepSpecArgs, ClusterArgs {
  workers?: number;
  cache: string;
  out: string;
}

/** The spec's raw values from the options (only those given; normalizeSpec fills the rest). */
function rawFromFlags(a: SweepSpecArgs): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => {
    if (v !== undefined) raw[k] = v;
  };
  put("quick", a.quick);
  put("seeds", a.seeds);
  put("counts", a.count);
  put("subsetSizes", a.subsetSize);
  put("subsets", a.subset);
  put("ms", a.m);
  put("mcSeed", a.mcSeed);
  put("measurements", a.measure);
  put("runs", a.runs);
  put("bootstrap", a.bootstrap);
  put("boundsRuns", a.boundsRuns);
  put("widths", a.widths);
  const files = [a.trainImages, a.trainLabels, a.testImages, a.testLabels];
  const given = files.filter((f) => f !== undefined).length;
  if (given > 0) {
    if (given !== 4) throw new UsageError("--train-images, --train-labels, --test-images and --test-labels go together");
    if (a.dataset !== undefined || a.dataDir !== undefined) throw new UsageError("--train-images and the other three files are the sweep's one dataset: give them without --dataset and --data-dir");
    raw.datasets = [{ name: "idx", files: { trainImages: a.trainImages, trainLabels: a.trainLabels, testImages: a.testImages, testLabels: a.testLabels } }];
  } else if (a.dataset !== undefined || a.dataDir !== undefined) {
    const names = a.dataset ?? ["mnist"];
    if (a.dataDir !== undefined) {
      const one = normalizeSpec({ datasets: names }, null).datasets;
      if (one.length !== 1) throw new UsageError("--data-dir names one dataset's folder: give one --dataset with it");
      raw.datasets = [{ name: one[0]!.name, dataDir: a.dataDir }];
    } else raw.datasets = names;
  }
  return raw;
}

/** The spec of a command line: --spec FILE, or the options (not both); a UsageError otherwise. */
export async function specFromArgs(a: SweepSpecArgs): Promise<SweepSpec> {
  const raw = rawFromFlags(a);
  if (a.spec === undefined) return normalizeSpec(raw, null);
  if (Object.keys(raw).length > 0) throw new UsageError(`--spec ${a.spec} gives the axes; leave out ${Object.keys(raw).join(", ")} (or write them into the file)`);
  let text: string;
  try {
    text = await readFile(a.spec, "utf8");
  } catch (e) {
    throw new UsageError(`--spec ${a.spec}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return specFromJson(text, a.spec);
}

function duration(s: number): string {
  return s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}

/** Warnings on stderr, one line each. */
export const cliWarn = (s: string): void => void process.stderr.write(`moe-bank: warning: ${s}\n`);

/** Progress of the whole sweep on stderr: rewritten in place on a terminal, a line every few
 *  seconds otherwise (--progress), nothing with --quiet. */
export function sweepReporter(a: GlobalOptions): (p: SweepProgress) => void {
  if (!progressEnabled(a)) return () => {};
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return (p) => {
    const now = Date.now();
    const finished = p.banksDone === p.banks;
    if (!finished && now - last < (tty ? 250 : 5000)) return;
    last = now;
    const line = `sweep: banks ${p.banksDone}/${p.banks}, cells ${p.cellsDone}/${p.cells} | ${p.label}${p.etaSeconds === null ? "" : ` | ETA ${duration(p.etaSeconds)}`}`;
    process.stderr.write(tty ? `\r${line.slice(0, 118).padEnd(118)}${finished ? "\n" : ""}` : line + "\n");
  };
}

async function sweep(a: ArgumentsCamelCase<SweepArgs>): Promise<void> {
  const spec = await specFromArgs(a);
  checkWorkers(a.workers);
  if (wantsPlan(a)) return planSweep(a, spec);
  await checkOutDir(a.out, { whole: SWEEP_FOLDER_FILE });
  await checkOutDir(a.cache, { option: "--cache" });
  const data = await loadSpecData(spec);
  const workers = a.workers ?? (await defaultWorkers());
  const warn = (s: string) => process.stderr.write(`moe-bank: warning: ${s}\n`);
  const t0 = performance.now();
  const r = await runSweep(spec, { cache: resolve(a.cache), data, workers, onProgress: sweepReporter(a), warn });
  const seconds = (performance.now() - t0) / 1000;
  const run: SweepRunInfo = { tool: `moe-bank ${VERSION}`, node: process.version, coreSha256: await coreSha(), workers, seconds, computed: r.computed, reused: r.reused, cellKeys: r.cellKeys };
  const files = await writeSweep(a.out, { spec, results: r.results, sha: r.sha, figures: r.figures, run });
  emitSweep(a, a.out, { results: r.results, sha: r.sha, run }, files);
}

/** What a finished sweep prints (here, and after sweep-finish or sweep --slurm --wait). */
export function emitSweep(a: GlobalOptions, out: string, r: { results: SweepResults | BanksSweepResults; sha: string; run: SweepRunInfo }, files: string[]): void {
  const res = r.results;
  if (isBanksResults(res)) {
    emit(a, { out, resultsSha256: r.sha, seconds: r.run.seconds, computed: r.run.computed, reused: r.run.reused, files, measurement: res.measurement, groups: res.groups.length }, (x) =>
      [
        `sweep written to ${x.out}: report.md, report.json, ${files.length - 2} figures`,
        `results sha-256 ${x.resultsSha256}`,
        `${res.cells.length} cells of ${res.measurement} (${x.computed} computed, ${x.reused} from the cache) in ${x.seconds.toFixed(1)} s; ${res.groups.length} result${res.groups.length > 1 ? "s" : ""} (one per dataset, subset reading and bank seed) in report.json's results.groups`,
      ].join("\n"));
    return;
  }
  emit(a, { out, resultsSha256: r.sha, seconds: r.run.seconds, computed: r.run.computed, reused: r.run.reused, files, configs: res.configs, scaling: res.scaling }, (x) =>
    [
      `sweep written to ${x.out}: report.md, report.json, ${files.length - 2} figures`,
      `results sha-256 ${x.resultsSha256}`,
      `${res.cells.length} cells (${x.computed} computed, ${x.reused} from the cache) in ${x.seconds.toFixed(1)} s`,
      ...x.configs.map((g) => `  ${g.config.dataset} R=${g.config.R} n=${g.config.n} ${g.config.subset} m=${g.config.m}: ${g.verdicts.filter((v) => v.inside).length}/${g.verdicts.length} of the paper's numbers inside the range of ${g.seeds.length} seeds`),
    ].join("\n"));
}

const list = (describe: string) => ({ type: "string" as const, array: true as const, describe });

/** The options that make a sweep's spec (specFromArgs reads them). */
export function sweepSpecOptions<T>(c: Argv<T>): Argv<T & SweepSpecArgs> {
  return c
        .option("spec", { type: "string", describe: `a JSON file of the axes (${SPEC_KEYS.join(", ")}) instead of the options; report.json's "spec" is one` })
        .option("quick", { type: "boolean", describe: "each cell uses reproduce --quick's configuration (R = 5, n = 3,000, M = 100); default seeds 0-1" })
        .option("seeds", list("bank seeds, e.g. 0-9 or 0 3 7 (default 0-9; --quick: 0-1)"))
        .option("count", { ...list("bank sizes R (default 25; --quick: 5)"), alias: "R" })
        .option("subset-size", { ...list("training images per expert n (default 10000; --quick: 3000)"), alias: "n" })
        .option("subset", list("subset readings: distinct, bootstrap (default distinct)"))
        .option("dataset", list(`datasets (default mnist): ${DATASET_HELP}`))
        .option("data-dir", { type: "string", describe: "the folder of the one named dataset's files (see reproduce --help)" })
        .option("train-images", { type: "string", describe: "IDX training images (with the other three: the sweep's one dataset, of your own)" })
        .option("train-labels", { type: "string", describe: "IDX training labels" })
        .option("test-images", { type: "string", describe: "IDX test images" })
        .option("test-labels", { type: "string", describe: "IDX test labels" })
        .option("m", { ...list("sample sizes m of the selection and the bounds, e.g. 64 128 256 (default 256)"), alias: "sample-size" })
        .option("mc-seed", { type: "string", describe: "the seed of every Monte Carlo stream, the same in every cell (default 0)" })
        .option("measure", list("the measurements of each cell: select, bounds, route (default all three); or, alone, a measurement over banks with its own defaults and the report its command writes: grid (Section III-C: a cell per R and n) or scaling (a cell per bank: max R, and one per --widths); their other settings go in a --spec file's \"options\" (grid: alphas, level; scaling: widthExperts, subsets, rhos) and the grid's bank folders in its \"bankDirs\" ({\"n\": DIR})"))
        .option("widths", list("the experts' conv1/conv2 filter counts, e.g. 8/16 16/32: an axis of banks (default: the paper's 16/32, no axis); with --measure scaling, its width banks"))
        .option("runs", { type: "string", alias: "M", describe: "Monte Carlo runs M of the selection (default 300; --quick: 100)" })
        .option("bootstrap", { type: "string", describe: "bootstrap resamples of the selection (default 1000; --quick: 200)" })
        .option("bounds-runs", { type: "string", describe: "Monte Carlo runs of the tighter bounds (default 100000; --quick: 10000)" }) as unknown as Argv<T & SweepSpecArgs>;
}

export function sweepCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command(
    "sweep",
    "the experiment across bank seeds and configurations: a grid of cells, each a bank measured as reproduce measures it, aggregated with the paper's numbers placed in the seeds' distribution",
    (c) =>
      clusterOptions(sweepSpecOptions(c))
        .option("workers", workersOption)
        .option("cache", folderOption("cache", "finished experts, blocks and cells are kept here and reused (a killed sweep resumes from it)", { default: ".moe-bank-cache" }))
        .option("out", folderOption("out", "folder for report.md, report.json and the figures (written whole)", { default: "sweep" }))
        .example("$0 sweep --seeds 0-9 --out sweep10", "the paper's configuration over 10 bank seeds: the verdict table (about 20 minutes on 2 cores)")
        .example("$0 sweep --seeds 0 -m 64 128 256 512 1024 2048 4096", "gaps and bounds against m with their fitted slopes")
        .example("$0 sweep --quick", "two quick banks, in about a minute")
        .example("$0 sweep --measure grid --out grid", "the Section III-C grid (R in 10, 25, 50 x n in 5k, 10k, 20k) as a sweep: what `moe-bank grid` prints, in report.json's results.groups")
        .example("$0 sweep --measure scaling --quick --widths 4/8 8/16", "the scaling experiment as a sweep (add --plan DIR or --slurm for a cluster)")
        .example("$0 sweep --seeds 0-9 --cache /shared/cache --out /shared/sweep10 --slurm --max-parallel 10 --time 00:30:00 --submit --wait", "the same as Slurm job arrays on a cluster: one task per bank, then the finish job"),
    (x) => sweep(x as unknown as ArgumentsCamelCase<SweepArgs>),
  );
}
