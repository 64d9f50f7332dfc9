// moe-bank library entry: the same API in Node, Bun, Deno and browsers.
export { Core, Tensor, CoreAbortError, coreUrl, BUILDS, DTYPE_BYTES } from "../bindings/index.js";
export type { Build, CoreExports, CoreSource, DType, LoadOptions } from "../bindings/index.js";
export { Stream, stream, Purpose, seedWords } from "./prng.js";
export type { PurposeName } from "./prng.js";
export { detMath, mapF64, mapF32, MathFn } from "./math.js";
export { parseIdx, readIdxBytes, makeDataset, labelHistogram, encodeIdx, isGzip, gunzip, datasetId } from "./data/idx.js";
export { sha256Hex } from "./io/sha256.js";
export type { IdxArray, IdxKind, Split } from "./data/idx.js";
export { cifarSplit, checkCifarBatch, encodeCifarBatch, CIFAR10_FILES, CIFAR10_RECORD } from "./data/cifar.js";
export { readTar } from "./data/tar.js";
export type { TarMember } from "./data/tar.js";
export { MoeBankError, UsageError, IdxError } from "./errors.js";
export { VERSION } from "./version.js";
export type { DetMath, MathFnName } from "./math.js";
export * as estimators from "./estimators/index.js";
export { Cnn, CoreDataset, DEFAULT_SPEC, DEFAULT_ADAM, TENSOR_NAMES, MNIST_GEOMETRY, forwardFlops, paramCount, specFor, geometryOf } from "./model/cnn.js";
export type { CnnSpec, AdamConfig, TensorLayout, TensorName, Geometry } from "./model/cnn.js";
export { encodeSafetensors, decodeSafetensors } from "./formats/safetensors.js";
export { encodeNpy, decodeNpy } from "./formats/npy.js";
export { lossMatrix, errorCounts, decodeLossMatrix } from "./formats/losses.js";
export type { LossMatrix } from "./formats/losses.js";
export * as routing from "./routing/index.js";
export * as grid from "./experiments/grid.js";
export * as gating from "./synth/gating.js";
export * as constants from "./synth/constants.js";
export * as scaling from "./experiments/scaling.js";
export { fitPowerLaw, fitSaturatingLaw } from "./fit.js";
export type { PowerLaw, SaturatingLaw } from "./fit.js";
// The whole reproduction (what `moe-bank reproduce` and the browser app run) and the worker pool it
// trains and evaluates the bank on: Node worker_threads, or module Web Workers in Deno and browsers.
export { runPipeline, pipelineConfig } from "./report/pipeline.js";
export type { PipelineConfig, PipelineDataset, PipelineInput, PipelineOutput } from "./report/pipeline.js";
export { WorkerPool, defaultWorkers, workerUrl } from "./parallel/pool.js";
export type { PoolOptions } from "./parallel/pool.js";
export type { Progress, ResultCache, TrainedExpert } from "./bank/bank.js";
export { MemoryCache } from "./bank/bank.js";
export { rawIdxBytes } from "./data/idx.js";
