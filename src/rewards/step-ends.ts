/**
 * Where each step's reward or label sits (DESIGN.md, "Line ends"; PSGPO §4.2, PRLCoder §3.3): on the token
 * holding the step's last character — its closing `\n`, or the last character of a final step without one.
 * The mapping goes through character offsets, so it holds for any tokenizer: a token that merges a line's
 * `\n` with the next line's indentation is that line's end token. For line steps it agrees with
 * `lineEndTokens`; it also serves block steps (PRLCoder's segments), which end at their last line's end.
 */
import type { Tokenizer } from "../model/tokenizer/index.js";

/**
 * Token index holding the end of each step. `steps` must concatenate to `response`; `offsets` are each
 * response token's [start, end) in `response` (from `Tokenizer.encode(response)`, or `decodeWithOffsets`
 * for sampled ids). Tokens that cover no character (a dropped special token) are never chosen. Several
 * steps may share one token (e.g. blank lines merged into one `\n\n` token); the index then repeats.
 */
export function stepEndTokens(
  response: string,
  steps: readonly string[],
  offsets: readonly (readonly [number, number])[],
): number[] {
  if (steps.join("") !== response)
    throw new Error("stepEndTokens: the steps do not concatenate to the response");
  const ends: number[] = [];
  let end = 0;
  let t = 0;
  for (const [i, step] of steps.entries()) {
    if (step.length === 0)
      throw new Error(`stepEndTokens: step ${i} is empty; an empty step has no end token`);
    end += step.length;
    const last = end - 1;
    // Offsets increase along the text, so the search resumes where the previous step's end was found.
    while (t < offsets.length && !(offsets[t]![0] <= last && last < offsets[t]![1])) t++;
    if (t === offsets.length)
      throw new Error(`stepEndTokens: no token covers character ${last}, the end of step ${i}`);
    ends.push(t);
  }
  return ends;
}

/** A response's token ids as `tokenizer` encodes it, and the token holding each step's end. */
export function encodeSteps(
  tokenizer: Tokenizer,
  response: string,
  steps: readonly string[],
): { ids: number[]; ends: number[] } {
  const { ids, offsets } = tokenizer.encode(response);
  return { ids, ends: stepEndTokens(response, steps, offsets) };
}
