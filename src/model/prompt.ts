/**
 * How text becomes model input, in one place so supervised training, sampling and scoring agree: a
 * sequence starts with the BOS token, then the prompt's tokens, then the response's.
 */
import type { Tokenizer } from "./tokenizer/index.js";

/**
 * [bos] + encode(prompt): the token ids a response continues. No second bos when the prompt's text already
 * starts with it (a chat template writes it), and none at all for a tokenizer without one (Qwen 2), unless
 * the prompt is empty and something must come first.
 */
export function encodePrompt(tokenizer: Tokenizer, prompt: string): number[] {
  const ids = tokenizer.encode(prompt).ids;
  if ((tokenizer.addBos && ids[0] !== tokenizer.bosId) || ids.length === 0) ids.unshift(tokenizer.bosId);
  return ids;
}

/** Text of generated ids, special tokens (end, padding) dropped. */
export function decodeResponse(tokenizer: Tokenizer, ids: readonly number[]): string {
  return tokenizer.decode(ids, { skipSpecial: true });
}
