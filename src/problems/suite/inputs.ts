/**
 * Random test arguments for suite problems. The draws are shaped so that the steps have something to do:
 * small integers of both signs with repeated neighbours (for runs and duplicates), words with capitals,
 * digits, vowels and repeated letters, and one short or empty argument per problem (the edge case).
 */
import type { Json } from "../types.js";
import type { Rng } from "./random.js";
import type { ValueType } from "./steps/index.js";

const lowercase = "aeioustnrlmdbcpk";

function intList(rng: Rng, length: number): number[] {
  const xs: number[] = [];
  for (let i = 0; i < length; i++) xs.push(i > 0 && rng.chance(0.25) ? xs[i - 1]! : rng.int(-9, 9));
  return xs;
}

function word(rng: Rng): string {
  let w = "";
  const length = rng.int(1, 6);
  for (let i = 0; i < length; i++) {
    if (i > 0 && rng.chance(0.15)) w += w[i - 1];
    else if (rng.chance(0.1)) w += String(rng.int(0, 9));
    else w += rng.pick([...lowercase]);
  }
  return rng.chance(0.3) ? w[0]!.toUpperCase() + w.slice(1) : w;
}

function wordList(rng: Rng, length: number): string[] {
  const words: string[] = [];
  for (let i = 0; i < length; i++) words.push(i > 0 && rng.chance(0.15) ? rng.pick(words) : word(rng));
  return words;
}

/** One argument of type `t`; `short` draws the edge case (empty or one element). */
export function sampleArgument(rng: Rng, t: ValueType, short: boolean): Json {
  const length = short ? rng.int(0, 1) : t === "ints" ? rng.int(3, 8) : rng.int(2, 5);
  if (t === "ints") return intList(rng, length);
  if (t === "words") return wordList(rng, length);
  return wordList(rng, length).join(" ");
}

/** `count` argument lists (one argument each) for a function reading type `t`; the first is the edge case. */
export function sampleArgumentLists(rng: Rng, t: ValueType, count: number): Json[][] {
  return Array.from({ length: count }, (_, i) => [sampleArgument(rng, t, i === 0)]);
}
