/**
 * Mutation labels (PRLCoder §3.1). Each non-neutral step of a reference solution is rewritten by a teacher
 * twice — mutated (meant to change behaviour) and refactored (meant to keep it) — and the program with that
 * one step replaced runs against the tests (mutation-probe.ts): pass → the new step is chosen, fail →
 * rejected. Later steps are masked: a record's response is the reference steps before the rewritten one,
 * then the rewritten step.
 *
 * Labels and kinds of a record (the mapping onto DESIGN.md's process-label format):
 * - earlier reference steps: +1 (neutral ones 0) — every prefix of a passing reference is correct;
 * - the rewritten step: +1 when chosen, −1 when rejected (then `firstError` is its index);
 * - kind: `correct` when the step is chosen; `revised` when it is rejected after a prefix holding at least
 *   one +1 step; `wrong` when it is rejected and no earlier step is +1 (the first real step of the program);
 * - `passed` is absent (the masked response is not a whole program); `meta.programStatus` is the status of
 *   the whole program with the step replaced.
 * One more record per problem is the whole reference, every non-neutral step +1, kind `correct`
 * (`meta.rewrite: "reference"`), so the last steps of correct programs are positives too.
 *
 * DPO pairs (PRLCoder §3.2), one per step whose mutation failed: `prompt` is the problem's prompt followed
 * by `prefix` (the reference steps before the step), `chosen` is the refactoring when it passed, else the
 * reference step itself, `rejected` is the failed mutation.
 *
 * The outcome-reward-model baseline (PRLCoder §4, "ORM"): `wholeProgramLabels` labels the same rewrites as
 * whole programs — the response is the reference with the step replaced (nothing masked), one step holding
 * all of it, labelled +1 if the program passes and −1 if not — so a reward model trained on these records
 * sees only the outcome, at the last line end.
 */
import type { RunOptions, SandboxExecutor } from "../exec/index.js";
import type { Problem } from "../problems/types.js";
import { probeReference, type ProbedReference, type RewriteOutcome } from "./mutation-probe.js";
import {
  openAppend,
  readLabels,
  readPairs,
  responseKind,
  type LabelRecord,
  type StepLabel,
  type StepPair,
} from "./records.js";
import type { Granularity } from "./segment.js";
import type { Teacher } from "./teachers/teacher.js";

export interface MutationOptions {
  granularity: "line" | "block";
  teacher: Teacher;
  /** Seeds the teacher's choices (mixed with each problem id). */
  seed: number;
  /** Problems probed at once; default 4. */
  concurrency?: number;
  /** Called after each problem with the number done (resumed ones included) and the total. */
  onProblem?: (done: number, total: number) => void;
  /** Recorded as each record's `policy`; default `teacher:` and the teacher's class name. */
  policy?: string;
  /** Limits for every program run (executor defaults otherwise); slow references need more. */
  limits?: RunOptions;
}

/** A step-level DPO pair from mutation labels: a `StepPair` whose `prompt` ends with `prefix`. */
export interface MutationPair extends StepPair {
  /** The reference steps before the step (the end of `prompt`). */
  prefix: string;
  /** Index of the step in the reference's steps. */
  stepIndex: number;
  granularity: Granularity;
}

/** Writes mutation label records (and DPO pairs when `out.pairs` is given) for every problem with a reference. */
export async function mutationLabels(
  problems: Problem[],
  executor: SandboxExecutor,
  options: MutationOptions,
  out: { records: string; pairs?: string },
): Promise<{ records: number; pairs: number }> {
  return labelProblems(problems, executor, options, out, (probed) => ({
    records: stepRecords(probed, policyOf(options)),
    pairs: stepPairs(probed),
  }));
}

/** Writes whole-program records for the ORM baseline (see the file comment); same options and resume. */
export async function wholeProgramLabels(
  problems: Problem[],
  executor: SandboxExecutor,
  options: MutationOptions,
  out: { records: string },
): Promise<{ records: number }> {
  const { records } = await labelProblems(problems, executor, options, out, (probed) => ({
    records: programRecords(probed, policyOf(options)),
    pairs: [],
  }));
  return { records };
}

function policyOf(options: MutationOptions): string {
  return options.policy ?? `teacher:${options.teacher.constructor.name}`;
}

/**
 * Probes the problems not yet in `out.records` (resume), `concurrency` at a time, and appends each
 * problem's records in one write, after its pairs: a killed run loses at most the problem in progress,
 * and pairs already written for a problem are not written twice.
 */
async function labelProblems(
  problems: Problem[],
  executor: SandboxExecutor,
  options: MutationOptions,
  out: { records: string; pairs?: string },
  build: (probed: ProbedReference) => { records: LabelRecord[]; pairs: MutationPair[] },
): Promise<{ records: number; pairs: number }> {
  const recordsOut = openAppend(out.records);
  const pairsOut = out.pairs ? openAppend(out.pairs) : null;
  const labelled = new Set(readLabels(out.records).map((r) => r.problemId));
  const paired = new Set(out.pairs ? readPairs(out.pairs).map((p) => p.problemId) : []);
  const todo = problems.filter((p) => !labelled.has(p.id));
  let done = problems.length - todo.length;
  options.onProblem?.(done, problems.length);
  const written = { records: 0, pairs: 0 };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < todo.length) {
      const problem = todo[next++]!;
      const probed = await probeReference(problem, executor, options);
      if (probed) {
        const { records, pairs } = build(probed);
        if (pairsOut && !paired.has(problem.id)) {
          pairsOut.append(pairs);
          written.pairs += pairs.length;
        }
        recordsOut.append(records);
        written.records += records.length;
      }
      options.onProblem?.(++done, problems.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, lane));
  return written;
}

/** The labels of the reference's steps: +1, neutral 0. */
function referenceLabels(probed: ProbedReference): StepLabel[] {
  return probed.steps.map((s) => (s.neutral ? 0 : 1));
}

/** The fields every record of a probed problem shares. */
function recordBase(probed: ProbedReference, policy: string) {
  const { problem, granularity } = probed;
  return { problemId: problem.id, prompt: problem.prompt, method: "mutation" as const, policy, granularity };
}

/** The reference record and one masked record per rewrite (see the file comment). */
export function stepRecords(probed: ProbedReference, policy: string): LabelRecord[] {
  if (!probed.referencePassed) return [];
  const { steps } = probed;
  const reference = referenceLabels(probed);
  const base = recordBase(probed, policy);
  const records: LabelRecord[] = [
    {
      ...base,
      response: probed.response,
      steps: steps.map((s) => s.text),
      labels: reference,
      firstError: null,
      kind: "correct",
      cost: { completions: 0, executions: 1, ms: probed.referenceMs },
      passed: true,
      meta: { rewrite: "reference" },
    },
  ];
  for (const r of probed.rewrites) {
    const texts = [...steps.slice(0, r.index).map((s) => s.text), r.text];
    const labels: StepLabel[] = [...reference.slice(0, r.index), r.passed ? 1 : -1];
    records.push({
      ...base,
      response: texts.join(""),
      steps: texts,
      labels,
      firstError: r.passed ? null : r.index,
      kind: responseKind(r.passed, labels),
      cost: { completions: 1, executions: 1, ms: r.ms },
      meta: rewriteMeta(probed, r),
    });
  }
  return records;
}

/** One pair per step with a failed mutation: chosen is the passing refactoring, else the reference step. */
export function stepPairs(probed: ProbedReference): MutationPair[] {
  const pairs: MutationPair[] = [];
  for (const mutation of probed.rewrites) {
    if (mutation.kind !== "mutation" || mutation.passed) continue;
    const refactoring = probed.rewrites.find(
      (r) => r.kind === "refactoring" && r.index === mutation.index && r.passed,
    );
    const prefix = probed.steps
      .slice(0, mutation.index)
      .map((s) => s.text)
      .join("");
    pairs.push({
      problemId: probed.problem.id,
      prompt: probed.problem.prompt + prefix,
      prefix,
      chosen: refactoring?.text ?? probed.steps[mutation.index]!.text,
      rejected: mutation.text,
      stepIndex: mutation.index,
      granularity: probed.granularity,
      meta: { chosenFrom: refactoring ? "refactoring" : "reference", rejectedStatus: mutation.status },
    });
  }
  return pairs;
}

/** The ORM baseline's records: each rewrite as a whole program, one step, labelled by the outcome. */
export function programRecords(probed: ProbedReference, policy: string): LabelRecord[] {
  if (!probed.referencePassed) return [];
  const { steps } = probed;
  const base = recordBase(probed, policy);
  const whole = (
    response: string,
    passed: boolean,
    cost: LabelRecord["cost"],
    meta: Record<string, unknown>,
  ): LabelRecord => ({
    ...base,
    response,
    steps: [response],
    labels: [passed ? 1 : -1],
    firstError: passed ? null : 0,
    kind: passed ? "correct" : "wrong",
    cost,
    passed,
    meta: { ...meta, scope: "program" },
  });
  return [
    whole(
      probed.response,
      true,
      { completions: 0, executions: 1, ms: probed.referenceMs },
      { rewrite: "reference" },
    ),
    ...probed.rewrites.map((r) =>
      whole(
        steps.map((s, i) => (i === r.index ? r.text : s.text)).join(""),
        r.passed,
        { completions: 1, executions: 1, ms: r.ms },
        rewriteMeta(probed, r),
      ),
    ),
  ];
}

function rewriteMeta(probed: ProbedReference, r: RewriteOutcome): Record<string, unknown> {
  return {
    rewrite: r.kind,
    stepIndex: r.index,
    original: probed.steps[r.index]!.text,
    programStatus: r.status,
  };
}
