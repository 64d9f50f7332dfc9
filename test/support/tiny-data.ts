// A small IDX dataset for tests that run the whole pipeline quickly: the first `train` and
// `test` images of MNIST written as the four IDX files of a dataset of one's own.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeIdx } from "../../src/data/idx.js";
import { defaultMnistPaths, loadSplit } from "../../src/data/files.js";

/** Writes the four files into `dir` and returns the CLI options that name them. */
export async function writeTinyMnist(dir: string, train: number, test: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const paths = defaultMnistPaths();
  for (const [name, n] of [["train", train], ["test", test]] as const) {
    const s = await loadSplit(paths[name].images, paths[name].labels);
    writeFileSync(join(dir, `${name}-images`), encodeIdx([n, s.rows, s.cols], s.images.subarray(0, n * s.rows * s.cols)));
    writeFileSync(join(dir, `${name}-labels`), encodeIdx([n], s.labels.subarray(0, n)));
  }
  return (["train-images", "train-labels", "test-images", "test-labels"] as const).flatMap((f) => [`--${f}`, join(dir, f)]);
}
