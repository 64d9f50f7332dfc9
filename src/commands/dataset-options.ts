// The dataset options every data-consuming command shares: a named dataset, or four IDX files.
import type { Argv } from "yargs";
import { DATASETS, loadDataset, loadNamedDataset, type DatasetName, type LoadedDataset } from "../data/datasets.js";
import { UsageError } from "../errors.js";

export interface DatasetArgs {
  dataset: string;
  trainImages?: string;
  trainLabels?: string;
  testImages?: string;
  testLabels?: string;
}

export function datasetOptions<T>(y: Argv<T>): Argv<T & DatasetArgs> {
  return y
    .option("dataset", { choices: DATASETS, default: "mnist", describe: "a named dataset" })
    .option("train-images", { type: "string", describe: "IDX training images (with the other three: a dataset of your own)" })
    .option("train-labels", { type: "string", describe: "IDX training labels" })
    .option("test-images", { type: "string", describe: "IDX test images" })
    .option("test-labels", { type: "string", describe: "IDX test labels" }) as unknown as Argv<T & DatasetArgs>;
}

export async function resolveDataset(a: DatasetArgs): Promise<LoadedDataset> {
  const files = [a.trainImages, a.trainLabels, a.testImages, a.testLabels];
  const given = files.filter((f) => f !== undefined).length;
  if (given === 0) return loadNamedDataset(a.dataset as DatasetName);
  if (given !== 4) throw new UsageError("--train-images, --train-labels, --test-images and --test-labels go together");
  return loadDataset("idx", { train: { images: a.trainImages!, labels: a.trainLabels! }, test: { images: a.testImages!, labels: a.testLabels! } });
}
