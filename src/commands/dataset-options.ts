// The dataset options every data-consuming command shares (one place): a named dataset, from its
// default place or from --data-dir, or four IDX files of one's own.
import type { Argv } from "yargs";
import { DATASETS, DATASET_SOURCES, loadDataset, loadNamedDataset, type DatasetName, type LoadedDataset } from "../data/datasets.js";
import { UsageError } from "../errors.js";
import type { DatasetSource } from "../sweep/spec.js";

export interface DatasetArgs {
  dataset: string;
  dataDir?: string;
  trainImages?: string;
  trainLabels?: string;
  testImages?: string;
  testLabels?: string;
}

/** The dataset of the options as a sweep spec names it (a named dataset, or the four IDX files). */
export function datasetSource(a: DatasetArgs): DatasetSource {
  if (a.trainImages !== undefined && a.trainLabels !== undefined && a.testImages !== undefined && a.testLabels !== undefined) {
    return { name: "idx", files: { trainImages: a.trainImages, trainLabels: a.trainLabels, testImages: a.testImages, testLabels: a.testLabels } };
  }
  return { name: a.dataset, ...(a.dataDir !== undefined ? { dataDir: a.dataDir } : {}) };
}

/** What --help says about the datasets and where their files come from. */
export const DATASET_HELP = DATASETS.map((d) => `${d}: ${DATASET_SOURCES[d]}`).join("; ");

export function datasetOptions<T>(y: Argv<T>): Argv<T & DatasetArgs> {
  return y
    .option("dataset", { choices: DATASETS, default: "mnist", describe: `a named dataset (${DATASET_HELP})` })
    .option("data-dir", {
      type: "string",
      describe: "the folder holding the dataset's files. cifar10 needs it: the binary version's data_batch_1.bin ... data_batch_5.bin and test_batch.bin (in it or in its cifar-10-batches-bin/), or the official cifar-10-binary.tar.gz (its md5 is checked), which you download yourself; mnist and fashion-mnist: the four IDX files (raw or .gz) instead of the default place",
    })
    .option("train-images", { type: "string", describe: "IDX training images (with the other three: a dataset of your own)" })
    .option("train-labels", { type: "string", describe: "IDX training labels" })
    .option("test-images", { type: "string", describe: "IDX test images" })
    .option("test-labels", { type: "string", describe: "IDX test labels" }) as unknown as Argv<T & DatasetArgs>;
}

export async function resolveDataset(a: DatasetArgs): Promise<LoadedDataset> {
  const files = [a.trainImages, a.trainLabels, a.testImages, a.testLabels];
  const given = files.filter((f) => f !== undefined).length;
  if (given === 0) return loadNamedDataset(a.dataset as DatasetName, a.dataDir);
  if (given !== 4) throw new UsageError("--train-images, --train-labels, --test-images and --test-labels go together");
  if (a.dataDir !== undefined) throw new UsageError("--data-dir names a named dataset's folder; with --train-images and the other three files it has no use: give one or the other");
  return loadDataset("idx", { train: { images: a.trainImages!, labels: a.trainLabels! }, test: { images: a.testImages!, labels: a.testLabels! } });
}
