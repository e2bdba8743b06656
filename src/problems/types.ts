/** The contract every layer shares for a programming problem (DESIGN.md, "Contracts between layers"). */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** How a problem's tests are run: stdin/stdout pairs, calls of a named function, or assert statements. */
export type Tests =
  | { kind: "stdio"; cases: { input: string; output: string }[] }
  | { kind: "call"; fnName: string; cases: { args: Json[]; expected: Json }[] }
  | { kind: "assert"; setup?: string; asserts: string[] };

/**
 * One problem. The conventions every layer relies on (see program.ts):
 * - `prompt` is what the model sees;
 * - `starter` is the code a response continues, when the prompt is code (HumanEval, the built-in suite:
 *   a signature and docstring; there `starter === prompt`); absent when the prompt is prose (MBPP, APPS);
 * - the program run for a response is `starter + response` (`programFor`);
 * - `solution`, when known, is a complete runnable reference program, so it starts with `starter`; the
 *   reference *response* is what follows the starter (`referenceResponse`).
 */
export interface Problem {
  id: string;
  source: string;
  prompt: string;
  tests: Tests;
  /** A complete runnable reference program. */
  solution?: string;
  /** Code that responses continue (a prefix of `solution`). */
  starter?: string;
  difficulty?: string;
  meta?: Record<string, Json>;
}
