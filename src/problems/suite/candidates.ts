/**
 * The deterministic stream of candidate problems for a seed and split, before any execution. Candidate i
 * draws from its own PRNG stream (keyed by seed, split and i), so the stream does not depend on how many
 * candidates the executor later rejects or in which order their runs finish.
 */
import type { Json } from "../types.js";
import { sampleComposition, stepCount, type Composition, type Split } from "./compose.js";
import { sampleArgumentLists } from "./inputs.js";
import { Rng } from "./random.js";
import { functionName, renderPrompt, renderResponse } from "./render.js";

/** A problem before its expected outputs are known. */
export interface Candidate {
  /** Position in the stream: part of the problem id, so ids are stable per seed. */
  index: number;
  composition: Composition;
  prompt: string;
  /** The reference response: the function body that continues the prompt (render.ts). */
  response: string;
  fnName: string;
  /** Argument lists for the test calls; the executor fills in the expected values. */
  argsList: Json[][];
}

export interface CandidateOptions {
  seed: number;
  split: Split;
  /** The largest number of steps (the hardest difficulty level). */
  maxSteps: number;
  /** The smallest number of steps (the easiest level); 1 unless a pool of longer problems is wanted. */
  minSteps?: number;
  /** Test calls drawn per candidate; those whose reference raises or overflows are dropped later. */
  argsPerProblem: number;
}

/** Consecutive duplicate or unsplittable draws after which the stream is taken to be exhausted. */
const exhaustedAfter = 10_000;

/**
 * A difficulty level, with weight proportional to the level: longer chains more often have a step the tests
 * cannot see (sorting before a sum, …) and are rejected more often (about 1/3 of 2-step and 3/4 of 4-step
 * candidates), so this keeps the built levels roughly balanced.
 */
function drawLevel(rng: Rng, minSteps: number, maxSteps: number): number {
  const levels = Array.from({ length: maxSteps - minSteps + 1 }, (_, i) => minSteps + i);
  return rng.weighted(levels.map((level) => [level, level] as const));
}

/** Candidates in stream order, without duplicate prompts; ends only when no new prompt can be drawn. */
export function* candidates(options: CandidateOptions): Generator<Candidate> {
  const seen = new Set<string>();
  let misses = 0;
  for (let index = 0; misses < exhaustedAfter; index++) {
    const rng = new Rng(`linewise-suite/${options.seed}/${options.split}/${index}`);
    const composition = sampleComposition(
      rng,
      options.split,
      drawLevel(rng, options.minSteps ?? 1, options.maxSteps),
    );
    const prompt = composition && renderPrompt(composition);
    if (!composition || !prompt || seen.has(prompt)) {
      misses++;
      continue;
    }
    misses = 0;
    seen.add(prompt);
    const argsList = sampleArgumentLists(rng, composition.input, options.argsPerProblem);
    yield {
      index,
      composition,
      prompt,
      response: renderResponse(composition),
      fnName: functionName(composition),
      argsList,
    };
  }
}

/** The difficulty label of a composition: its number of steps, "1" for a one-step problem. */
export function difficultyOf(c: Composition): string {
  return String(stepCount(c));
}
