/**
 * The teacher of PRLCoder §3.1: given a reference solution split into steps, it rewrites one step either
 * to change the program's behaviour (a mutation: the step becomes a "rejected" example when the tests
 * then fail) or to keep it (a refactoring: "chosen" when the tests still pass). The rule-based teacher
 * (rules.ts) and an LLM teacher over a chat API share this shape.
 */
import type { Step } from "../segment.js";

/** Everything a teacher sees for one step. */
export interface TeacherContext {
  /**
   * The code of `program` that precedes the response (e.g. a signature and docstring the model
   * continued; "" when the response is the whole program). `program` starts with it.
   */
  prompt: string;
  /** The full program the step belongs to, as it runs against the tests: `prompt` + response. */
  program: string;
  /** The response's steps (offsets relative to the response, i.e. to `program.slice(prompt.length)`). */
  steps: Step[];
  /** Which step to rewrite. */
  index: number;
  /** Makes the choice among applicable rewrites reproducible. */
  seed: number;
  /** The problem statement in words, when the prompt does not hold it (an LLM teacher shows it). */
  statement?: string;
}

/** Rewrites one step; each method returns the new text of the step, or null when it has no rewrite. */
export interface Teacher {
  /** A version of the step meant to change the program's behaviour. */
  mutate(ctx: TeacherContext): Promise<string | null>;
  /** A version of the step meant to keep the program's behaviour. */
  refactor(ctx: TeacherContext): Promise<string | null>;
}

/** The step's character range in `ctx.program`; throws when the step's text is not found there. */
export function stepRange(ctx: TeacherContext): { start: number; end: number } {
  const step = ctx.steps[ctx.index];
  if (!step) throw new Error(`teacher: no step ${ctx.index} (the response has ${ctx.steps.length})`);
  if (!ctx.program.startsWith(ctx.prompt))
    throw new Error("teacher: the program does not start with the prompt");
  const start = ctx.prompt.length + step.start;
  const end = ctx.prompt.length + step.end;
  if (ctx.program.slice(start, end) !== step.text) {
    throw new Error(`teacher: step ${ctx.index}'s text is not at its offsets in the program`);
  }
  return { start, end };
}

/** The program with step `index` replaced by `text` (what is run to label the rewrite). */
export function withStepReplaced(ctx: TeacherContext, text: string): string {
  const { start, end } = stepRange(ctx);
  return ctx.program.slice(0, start) + text + ctx.program.slice(end);
}
