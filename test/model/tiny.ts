/** Tiny models for the model tests: small enough that every test runs in well under a second. */
import { AdamW, manualSeed, memory, scope, setNumThreads } from "../../src/torch/index.js";
import {
  Llama,
  disposePacked,
  llamaConfig,
  packPairs,
  scoreResponses,
  type LlamaConfig,
  type RopeScaling,
} from "../../src/model/index.js";

// Tiny matrices gain nothing from a second thread, and OpenMP's barriers cost a lot on a busy 2-core machine.
setNumThreads(1);

/** Llama 3.1's rotary scaling (its config.json's rope_scaling). */
export const llama31Scaling: RopeScaling = {
  type: "llama3",
  factor: 8,
  lowFreqFactor: 1,
  highFreqFactor: 4,
  originalMaxPositions: 8192,
};

/** A seeded random model; a wide initialisation makes its greedy choices far from ties. */
export function tinyModel(overrides: Partial<LlamaConfig> = {}, seed = 0): Llama {
  manualSeed(seed);
  return new Llama(
    llamaConfig({
      vocabSize: 40,
      dModel: 32,
      nLayer: 2,
      nHead: 4,
      nKvHead: 2,
      maxPositions: 64,
      initializerRange: 0.2,
      ...overrides,
    }),
  );
}

/**
 * Trains `model` with AdamW on the mean next-token loss of the responses (full batch, `steps` steps).
 * Returns the first and last losses and the live-tensor counts after the first and the last step.
 */
export function memorise(model: Llama, examples: { prompt: number[]; response: number[] }[], steps: number) {
  const optimizer = new AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0 });
  const packed = packPairs(examples);
  const tokens = examples.reduce((n, e) => n + e.response.length, 0);
  const step = () =>
    scope(() => {
      optimizer.zeroGrad();
      const { logprobs } = scoreResponses(model, packed, { logprobs: true });
      const loss = logprobs!.sum().neg().div(tokens);
      loss.backward();
      optimizer.stepUpdate();
      return loss.item();
    });
  const first = step();
  const tensorsAfterFirst = memory().tensors;
  let last = first;
  for (let i = 1; i < steps; i++) last = step();
  const tensorsAfterLast = memory().tensors;
  disposePacked(packed);
  optimizer.dispose();
  return { first, last, tensorsAfterFirst, tensorsAfterLast };
}
