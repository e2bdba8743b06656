/** The linewise tensor API over libtorch. See DESIGN.md, "The tensor engine", for the memory rules. */
export { Tensor, op, callOp, operatorSchema, hasOperator, type TensorLike, type Scalar } from "./tensor.js";
export type { DType, Device } from "./dtype.js";
export { dtypeSize, floatingDTypes, checkDType } from "./dtype.js";
export {
  tensor,
  fromTypedArray,
  fromHalfBits,
  zeros,
  ones,
  full,
  arange,
  rand,
  randn,
  randint,
  eye,
  type CreateOptions,
} from "./creation.js";
export { cat, stack, where } from "./combine.js";
export { scope, keep, type Disposable } from "./scope.js";
export { noGrad, isGradEnabled, dropGrads } from "./autograd.js";
export { checkpointSequential, pendingCheckpoints } from "./checkpoint.js";
export {
  manualSeed,
  setNumThreads,
  numThreads,
  cudaAvailable,
  cudaDeviceCount,
  memory,
  version,
} from "./runtime.js";
export * as F from "./functional.js";
export { attentionPath, type AttentionPath, type AttentionChoice } from "./attentionPath.js";
export { Module } from "./nn/module.js";
export { Linear, Embedding, LayerNorm, RMSNorm, Dropout, ModuleList } from "./nn/layers.js";
export { AdamW, type AdamWOptions, type ParamGroup } from "./optim/adamw.js";
export { SGD } from "./optim/sgd.js";
export { clipGradNorm } from "./optim/clip.js";
export { warmupCosine } from "./optim/schedule.js";
export { saveSafetensors, loadSafetensors } from "./safetensors.js";
export { ProcessGroup, distributedUnsupported, type Rendezvous } from "./distributed.js";
