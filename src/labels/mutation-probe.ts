/**
 * The experiment behind mutation labels (PRLCoder §3.1): a problem's reference response is split into
 * steps; for each non-neutral step the teacher writes a mutated and a refactored version; the program with
 * that one step replaced runs against the tests. mutation.ts turns the outcomes into label records and
 * DPO pairs.
 */
import type { RunOptions, SandboxExecutor, Status } from "../exec/index.js";
import { checkedVerdictFor } from "../exec/judge.js";
import { hashString } from "../problems/suite/random.js";
import { programFor, referenceResponse } from "../problems/program.js";
import type { Problem } from "../problems/types.js";
import { segmentResponse, type Granularity, type Step } from "./segment.js";
import { withStepReplaced, type Teacher, type TeacherContext } from "./teachers/teacher.js";

export type RewriteKind = "mutation" | "refactoring";

/** One rewritten step and what the tests made of the program with it. */
export interface RewriteOutcome {
  /** Index of the rewritten step in the reference's steps. */
  index: number;
  kind: RewriteKind;
  /** The step's new text (it replaces `steps[index].text`). */
  text: string;
  /** The program with the step replaced passed every test: the step is chosen; otherwise rejected. */
  passed: boolean;
  status: Status;
  /** Time spent asking the teacher and running the program, ms. */
  ms: number;
}

/** A probed reference solution. */
export interface ProbedReference {
  problem: Problem;
  /** The reference response (the solution after its starter). */
  response: string;
  steps: Step[];
  /** The granularity used (`line` when `block` was asked for but the reference does not parse). */
  granularity: Granularity;
  /** Whether the reference passes its own tests; when not, nothing was rewritten. */
  referencePassed: boolean;
  referenceMs: number;
  /** In step order, the mutation before the refactoring of each step; steps the teacher had no rewrite for are absent. */
  rewrites: RewriteOutcome[];
}

export interface ProbeReferenceOptions {
  granularity: Granularity;
  teacher: Teacher;
  /** Mixed with the problem id into the teacher's seed, so each problem draws its own rewrites. */
  seed: number;
  /** Limits for every program run (executor defaults otherwise). */
  limits?: RunOptions;
}

/** Probes every non-neutral step of `problem`'s reference; null when the problem has no reference solution. */
export async function probeReference(
  problem: Problem,
  executor: SandboxExecutor,
  options: ProbeReferenceOptions,
): Promise<ProbedReference | null> {
  const response = referenceResponse(problem);
  if (response === undefined) return null;
  // Steps are parsed in the context of the code the response continues (the starter), not a prose prompt.
  const prompt = problem.starter ?? "";
  const { steps, granularity } = await segmentResponse(prompt, response, options.granularity);
  const started = performance.now();
  const reference = await run(problem, response, executor, options.limits);
  const probed: ProbedReference = {
    problem,
    response,
    steps,
    granularity,
    referencePassed: reference === "pass",
    referenceMs: performance.now() - started,
    rewrites: [],
  };
  if (!probed.referencePassed) return probed;

  const seed = hashString(`${options.seed}/${problem.id}`);
  const program = programFor(problem, response);
  const statement = problem.starter === problem.prompt ? undefined : problem.prompt;
  const jobs = steps.flatMap((step, index) =>
    step.neutral ? [] : (["mutation", "refactoring"] as const).map((kind) => ({ index, kind })),
  );
  const outcomes = await Promise.all(
    jobs.map(async ({ index, kind }): Promise<RewriteOutcome | null> => {
      const begin = performance.now();
      const ctx: TeacherContext = {
        prompt,
        program,
        steps,
        index,
        seed,
        ...(statement ? { statement } : {}),
      };
      const text =
        kind === "mutation" ? await options.teacher.mutate(ctx) : await options.teacher.refactor(ctx);
      // An empty step would carry a label with no line end to sit on.
      if (text === null || text.trim() === "" || text === steps[index]!.text) return null;
      const rewritten = withStepReplaced(ctx, text).slice(prompt.length);
      const status = await run(problem, rewritten, executor, options.limits);
      return { index, kind, text, passed: status === "pass", status, ms: performance.now() - begin };
    }),
  );
  probed.rewrites = outcomes.filter((o): o is RewriteOutcome => o !== null);
  return probed;
}

/** The status of `response`'s program; a sandbox failure is an error (rerun to resume), never a label. */
async function run(
  problem: Problem,
  response: string,
  executor: SandboxExecutor,
  limits: RunOptions = {},
): Promise<Status> {
  return (await checkedVerdictFor(problem, response, executor, { stopOnFirstFailure: true, ...limits }))
    .status;
}
