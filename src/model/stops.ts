/**
 * Stop strings during and after generation. While sampling, a cheap check decodes only the last few
 * tokens of a row; the final cut searches the whole decoded text, so the returned text is exact even
 * when a stop string straddles tokens in a way the running check could not see.
 */
import type { Tokenizer } from "./tokenizer/index.js";

/** Tokens to decode so that any stop string fits in the window (a token holds at least one byte). */
export function stopWindow(stops: readonly string[]): number {
  return Math.max(0, ...stops.map((s) => Buffer.byteLength(s))) + 1;
}

/** Whether the last `window` tokens of `tokens` contain a stop string. */
export function tailHasStop(
  tokenizer: Tokenizer,
  tokens: readonly number[],
  stops: readonly string[],
  window: number,
): boolean {
  const tail = tokenizer.decode(tokens.slice(Math.max(0, tokens.length - window)), { skipSpecial: true });
  return stops.some((s) => s.length > 0 && tail.includes(s));
}

/**
 * Cuts a response before its first stop string. `text` is everything before the stop; `kept` counts the
 * tokens that end at or before the cut (a token straddling it goes with the stop string).
 */
export function cutAtStop(
  tokenizer: Tokenizer,
  tokens: readonly number[],
  stops: readonly string[],
): { text: string; kept: number; stopped: boolean } {
  const { text, offsets } = tokenizer.decodeWithOffsets(tokens, { skipSpecial: true });
  let cut = -1;
  for (const s of stops) {
    const at = s.length > 0 ? text.indexOf(s) : -1;
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  if (cut < 0) return { text, kept: tokens.length, stopped: false };
  let kept = 0;
  while (
    kept < offsets.length &&
    offsets[kept]![1] <= cut &&
    !(offsets[kept]![0] === cut && offsets[kept]![1] === cut)
  )
    kept++;
  return { text: text.slice(0, cut), kept, stopped: true };
}
