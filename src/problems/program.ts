/** How a model response becomes a program, and the reference response of a problem (types.ts conventions). */
import type { Problem } from "./types.js";

/** The program that runs for `response`: the starter code it continues, then the response itself. */
export function programFor(problem: Problem, response: string): string {
  return (problem.starter ?? "") + response;
}

/** The reference solution as a response: what follows the starter (the whole solution when there is none). */
export function referenceResponse(problem: Problem): string | undefined {
  const { solution, starter } = problem;
  if (solution === undefined) return undefined;
  if (starter && solution.startsWith(starter)) return solution.slice(starter.length);
  return solution;
}
