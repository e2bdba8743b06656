/**
 * How good a teacher is on reference solutions (issue 6, "Tests and figures"): every non-neutral step of
 * every passing reference is mutated and refactored once; a refactoring should still pass the tests, a
 * mutation should fail them. Used by the MBPP measurement test and by bench/teacher.ts.
 */
import { readFileSync } from "node:fs";
import type { Executor, Limits, Status } from "../../exec/types.js";
import type { Tests } from "../../problems/types.js";
import { segmentSteps, type Granularity } from "../segment.js";
import type { RewriteKind, Rewrite } from "./rules.js";
import { withStepReplaced, type Teacher, type TeacherContext } from "./teacher.js";

/** A reference program and its tests. */
export interface Reference {
  id: string;
  program: string;
  tests: Tests;
}

/** Counts for one kind of rewrite or one rule. */
export interface RewriteCounts {
  /** Rewrites proposed (and run). */
  proposed: number;
  /** Of those, programs that passed every test. */
  passed: number;
}

export interface TeacherMeasurement {
  granularity: Granularity;
  references: number;
  /** References that pass their own tests (only these are rewritten). */
  referencesPassing: number;
  /** Non-neutral steps of the passing references. */
  steps: number;
  mutation: RewriteCounts;
  refactoring: RewriteCounts;
  /** Per rule, keyed `kind/rule` (`mutation/swap-operator`). */
  rules: Record<string, RewriteCounts>;
  /** Runs that ended in `sandbox_error` (not counted above). */
  sandboxErrors: number;
  /** Refactorings that failed the tests, for inspection (at most 20). */
  brokenRefactorings: { id: string; rule: string; status: Status; before: string; after: string }[];
  /** Wall time spent choosing rewrites, and in total. */
  teacherMs: number;
  totalMs: number;
}

export interface MeasureOptions {
  teacher: Teacher & { rewrite?: (ctx: TeacherContext, kind: RewriteKind) => Promise<Rewrite | null> };
  executor: Executor;
  references: Reference[];
  granularity: Granularity;
  seed?: number;
  /** Limits for every run; slow references (MBPP 123 needs ~4 s of CPU) need more than the defaults. */
  limits?: Limits;
  /** References measured at once (their runs overlap in the executor's queue). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Mutates and refactors every non-neutral step of every passing reference once, and runs the results. */
export async function measureTeacher(options: MeasureOptions): Promise<TeacherMeasurement> {
  const { teacher, executor, references, granularity, seed = 0, limits = {}, concurrency = 8 } = options;
  const started = performance.now();
  const m: TeacherMeasurement = {
    granularity,
    references: references.length,
    referencesPassing: 0,
    steps: 0,
    mutation: { proposed: 0, passed: 0 },
    refactoring: { proposed: 0, passed: 0 },
    rules: {},
    sandboxErrors: 0,
    brokenRefactorings: [],
    teacherMs: 0,
    totalMs: 0,
  };
  const run = (program: string, tests: Tests) =>
    executor.run(program, tests, { ...limits, stopOnFirstFailure: true });
  const rewrite = async (ctx: TeacherContext, kind: RewriteKind): Promise<Rewrite | null> => {
    if (teacher.rewrite) return teacher.rewrite(ctx, kind);
    const text = kind === "mutation" ? await teacher.mutate(ctx) : await teacher.refactor(ctx);
    return text === null ? null : { rule: "teacher", text };
  };

  const measureOne = async (ref: Reference): Promise<void> => {
    const reference = await run(ref.program, ref.tests);
    if (reference.status !== "pass") return;
    m.referencesPassing++;
    const steps = await segmentSteps(ref.program, granularity);
    const runs: Promise<void>[] = [];
    for (let index = 0; index < steps.length; index++) {
      if (steps[index]!.neutral) continue;
      m.steps++;
      for (const kind of ["mutation", "refactoring"] as const) {
        const ctx: TeacherContext = { prompt: "", program: ref.program, steps, index, seed };
        const begin = performance.now();
        const proposal = await rewrite(ctx, kind);
        m.teacherMs += performance.now() - begin;
        if (!proposal) continue;
        runs.push(
          run(withStepReplaced(ctx, proposal.text), ref.tests).then((verdict) => {
            if (verdict.status === "sandbox_error") {
              m.sandboxErrors++;
              return;
            }
            const passed = verdict.status === "pass" ? 1 : 0;
            for (const counts of [
              m[kind],
              (m.rules[`${kind}/${proposal.rule}`] ??= { proposed: 0, passed: 0 }),
            ]) {
              counts.proposed++;
              counts.passed += passed;
            }
            if (kind === "refactoring" && !passed && m.brokenRefactorings.length < 20) {
              m.brokenRefactorings.push({
                id: ref.id,
                rule: proposal.rule,
                status: verdict.status,
                before: steps[index]!.text,
                after: proposal.text,
              });
            }
          }),
        );
      }
    }
    await Promise.all(runs);
  };

  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < references.length) {
      await measureOne(references[next++]!);
      options.onProgress?.(++done, references.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  m.totalMs = performance.now() - started;
  return m;
}

/** The share of refactorings that pass and of mutations that fail (NaN when none were proposed). */
export function rates(m: TeacherMeasurement): { refactoringPassRate: number; mutationFailRate: number } {
  return {
    refactoringPassRate: m.refactoring.passed / m.refactoring.proposed,
    mutationFailRate: 1 - m.mutation.passed / m.mutation.proposed,
  };
}

/**
 * MBPP's JSONL read just far enough for a measurement (`code`, `test_list`, `test_setup_code`); the
 * problem loaders in src/problems are the full reading.
 */
export function mbppReferences(file: string): Reference[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      const row = JSON.parse(line) as {
        task_id?: number;
        code?: string;
        test_list?: string[];
        test_setup_code?: string;
      };
      if (typeof row.code !== "string" || !Array.isArray(row.test_list)) {
        throw new Error(`${file}:${i + 1}: not an MBPP row (needs 'code' and 'test_list')`);
      }
      return {
        id: String(row.task_id ?? i + 1),
        program: row.code,
        tests: {
          kind: "assert",
          asserts: row.test_list,
          ...(row.test_setup_code ? { setup: row.test_setup_code } : {}),
        },
      };
    });
}
