// Node's entry (the "node" export condition) adds what needs a file system; type-checked under
// NodeNext only (a bundler's browser build gets the universal entry, without these).
import { Core, loadDataset, datasetPaths, coreSha, type LoadedDataset } from "moe-bank";

const core = await Core.load();
const mnist: LoadedDataset = await loadDataset("mnist", datasetPaths("mnist"));
const sha: string = await coreSha();
console.log(core.build, mnist.train.count, sha.length);
