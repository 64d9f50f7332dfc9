// moe-bank's entry in Node, Bun and Deno (package.json "exports": the "node" condition, which all
// three set): the universal API of index.ts, which browsers get, plus what needs a file system.
export * from "./index.js";
export { loadDataset, datasetPaths, DATASETS } from "./data/datasets.js";
export type { DatasetName, LoadedDataset } from "./data/datasets.js";
export { coreSha } from "./bank/run.js";
