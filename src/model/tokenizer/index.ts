/** Byte-level BPE tokenizer (Hugging Face tokenizer.json compatible) and the line-end mapping. */
export { Tokenizer, type SpecialTokenNames, type TrainOptions } from "./tokenizer.js";
export { lineEndTokens } from "./line-ends.js";
