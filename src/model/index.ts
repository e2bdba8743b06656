/** The transformer layer: Llama-style model with an LM or scalar head, checkpoints, sampling and scoring. */
export {
  type LlamaConfig,
  type Head,
  type Family,
  type RopeScaling,
  llamaConfig,
  headDim,
  eosTokenIds,
} from "./config.js";
export { toHfConfig, fromHfConfig } from "./hf-config.js";
export { Llama, LlamaBackbone, pooledValues, type ForwardOptions } from "./llama.js";
export { KVCache } from "./kv-cache.js";
export { Rotary, inverseFrequencies, applyRotary } from "./rope.js";
export {
  saveCheckpoint,
  loadCheckpoint,
  readCheckpointConfig,
  loadCheckpointTokenizer,
  withHead,
} from "./checkpoint.js";
export { generate, type GenerationRequest, type GeneratedSample, type GenerateOptions } from "./generate.js";
export { RowSampler, type SamplingParams } from "./sampling.js";
export {
  packPairs,
  disposePacked,
  scoreResponses,
  gatherColumns,
  type PackedPairs,
  type ScoreOptions,
  type ResponseScores,
} from "./score.js";
export { encodePrompt, decodeResponse } from "./prompt.js";
export { Tokenizer, lineEndTokens } from "./tokenizer/index.js";
export {
  LoraAdapters,
  loraDefaults,
  readAdapterConfig,
  adapterConfigFile,
  adapterWeightsFile,
  type LoraConfig,
} from "./lora.js";
