/** BPE tokenizers (Hugging Face tokenizer.json: byte-level and sentencepiece-style) and the line-end mapping. */
export { Tokenizer, type SpecialTokenNames, type TrainOptions } from "./tokenizer.js";
export { lineEndTokens } from "./line-ends.js";
