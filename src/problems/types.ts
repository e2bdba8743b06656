/** The contract every layer shares for a programming problem (DESIGN.md, "Contracts between layers"). */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** How a problem's tests are run: stdin/stdout pairs, calls of a named function, or assert statements. */
export type Tests =
  | { kind: "stdio"; cases: { input: string; output: string }[] }
  | { kind: "call"; fnName: string; cases: { args: Json[]; expected: Json }[] }
  | { kind: "assert"; setup?: string; asserts: string[] };

/** One problem: `prompt` is what the model sees; `solution` a reference program when one is known. */
export interface Problem {
  id: string;
  source: string;
  prompt: string;
  tests: Tests;
  solution?: string;
  starter?: string;
  difficulty?: string;
  meta?: Record<string, Json>;
}
