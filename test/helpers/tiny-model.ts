/** A 2-layer, 32-wide Llama over a tokenizer, seeded: the backbone of the tests' tiny policies and PRMs. */
import { Llama, llamaConfig } from "../../src/model/index.js";
import type { Tokenizer } from "../../src/model/tokenizer/index.js";
import { manualSeed } from "../../src/torch/index.js";

export function tinyLlama(tokenizer: Tokenizer, seed = 0): Llama {
  manualSeed(seed);
  return new Llama(
    llamaConfig({
      vocabSize: tokenizer.vocabSize,
      dModel: 32,
      nLayer: 2,
      nHead: 2,
      maxPositions: 128,
      bosTokenId: tokenizer.bosId,
      eosTokenId: tokenizer.eosId,
      padTokenId: tokenizer.padId,
    }),
  );
}
