/**
 * Turns a composition into the text of a problem.
 *
 * The convention every consumer of the suite relies on (SFT, labels, evaluation), HumanEval-style, as
 * types.ts states it for all problems:
 * - `prompt` (and `starter`, the same text) is a Python function signature and docstring, ending with a
 *   newline:
 *       def sum_numbers(xs):
 *           """Start from the list of integers xs.
 *           Keep the even numbers.
 *           Return the sum of the numbers.
 *           """
 *   The docstring has one line per step, in order, after a line naming the input.
 * - a response (the reference one, and any model's) is the function BODY that continues the prompt: lines
 *   indented by 4 spaces, ending with a newline. Each step is one contiguous block of lines, in docstring
 *   order, so a line-level label can be traced back to the step it belongs to.
 * - The program that is run is `starter + response` (`programFor`); `solution` is the whole reference
 *   program, `prompt + reference response` (`referenceResponse` recovers the body); the tests call
 *   `tests.fnName`.
 */
import type { Composition } from "./compose.js";
import { inputLine, variableOf, type Stage, type Terminal } from "./steps/index.js";
import type { Chosen } from "./compose.js";

const indent = "    ";

/** The function's name: the terminal's, since the terminal says what the function computes. */
export function functionName(c: Composition): string {
  return c.terminal.step.fnName;
}

/** The signature and docstring the model completes. */
export function renderPrompt(c: Composition): string {
  const steps: Chosen<Stage | Terminal>[] = [...c.stages, c.terminal];
  const lines = [inputLine[c.input], ...steps.map((s) => s.step.describe(s.params))];
  const doc = lines.map((line, i) => (i === 0 ? `${indent}"""${line}` : `${indent}${line}`));
  return `def ${functionName(c)}(${variableOf[c.input]}):\n${doc.join("\n")}\n${indent}"""\n`;
}

/** The body lines of each step, unindented, one array per step (stages, then the terminal). */
export function stepBlocks(c: Composition): string[][] {
  return [...c.stages.map((s) => s.step.code(s.params)), c.terminal.step.code(c.terminal.params)];
}

/** Indents blocks of body lines into a function body ending with a newline. */
export function joinBlocks(blocks: string[][]): string {
  return blocks
    .flat()
    .map((line) => indent + line + "\n")
    .join("");
}

/** The reference response: the body that continues the prompt. */
export function renderResponse(c: Composition): string {
  return joinBlocks(stepBlocks(c));
}
