/**
 * Stop strings during and after generation. While sampling, a cheap check decodes only the last few
 * tokens of a row; the final cut searches the whole decoded text, so the returned text is exact even
 * when a stop string straddles tokens in a way the running check could not see.
 */
import type { TextTokenizer } from "./text.js";

/** Tokens to decode so that any stop string fits in the window (a token holds at least one byte). */
export function stopWindow(stops: readonly string[]): number {
  return Math.max(0, ...stops.map((s) => Buffer.byteLength(s))) + 1;
}

/** Whether the last `window` tokens of `tokens` contain a stop string. */
export function tailHasStop(tokenizer: TextTokenizer, tokens: readonly number[], stops: readonly string[], window: number): boolean {
  const tail = tokenizer.decode(tokens.slice(Math.max(0, tokens.length - window)));
  return stops.some((s) => tail.includes(s));
}

/**
 * Cuts a response before its first stop string. `text` is everything before the stop; `kept` counts the
 * tokens that lie wholly inside that text (a token straddling the cut is dropped with the stop).
 */
export function cutAtStop(tokenizer: TextTokenizer, tokens: readonly number[], stops: readonly string[]): { text: string; kept: number; stopped: boolean } {
  const full = tokenizer.decode(tokens);
  let cut = -1;
  for (const s of stops) {
    const at = s.length > 0 ? full.indexOf(s) : -1;
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  if (cut < 0) return { text: full, kept: tokens.length, stopped: false };
  // Decoded prefix lengths grow with the token count, so the last token ending at or before the cut is
  // found by bisection.
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tokenizer.decode(tokens.slice(0, mid)).length <= cut) lo = mid;
    else hi = mid - 1;
  }
  return { text: full.slice(0, cut), kept: lo, stopped: true };
}
