/**
 * How text becomes model input, in one place so supervised training, sampling and scoring agree: a
 * sequence starts with the BOS token, then the prompt's tokens, then the response's.
 */
import type { Tokenizer } from "./tokenizer/index.js";

/** [bos] + encode(prompt): the token ids a response continues. */
export function encodePrompt(tokenizer: Tokenizer, prompt: string): number[] {
  return [tokenizer.bosId, ...tokenizer.encode(prompt).ids];
}

/** Text of generated ids, special tokens (end, padding) dropped. */
export function decodeResponse(tokenizer: Tokenizer, ids: readonly number[]): string {
  return tokenizer.decode(ids, { skipSpecial: true });
}
