/** Tiny models for the model tests: small enough that every test runs in well under a second. */
import { manualSeed, setNumThreads } from "../../src/torch/index.js";
import { Llama, llamaConfig, type LlamaConfig } from "../../src/model/index.js";

// Tiny matrices gain nothing from a second thread, and OpenMP's barriers cost a lot on a busy 2-core machine.
setNumThreads(1);

/** A seeded random model; a wide initialisation makes its greedy choices far from ties. */
export function tinyModel(overrides: Partial<LlamaConfig> = {}, seed = 0): Llama {
  manualSeed(seed);
  return new Llama(llamaConfig({ vocabSize: 40, dModel: 32, nLayer: 2, nHead: 4, nKvHead: 2, maxPositions: 64, initializerRange: 0.2, ...overrides }));
}
