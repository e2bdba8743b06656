/**
 * The rule-based teacher on all of MBPP (issue 6, "Tests and figures"): every non-neutral step of every
 * reference solution is refactored and mutated once (seed 1), by blocks and by lines, and run against
 * the tests. Figures: the share of refactorings that still pass (target ≥ 95%), of mutations that fail,
 * per rule, and the coverage (steps a rule applied to). The baseline in the same run is the references
 * themselves: only those that pass their own tests are rewritten, so every failure is the rewrite's.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { sharedBenchmarks } from "../src/paths.js";
import { createExecutor } from "../src/exec/index.js";
import { RuleTeacher } from "../src/labels/teachers/rules.js";
import {
  mbppReferences,
  measureTeacher,
  rates,
  type TeacherMeasurement,
} from "../src/labels/teachers/measure.js";

/** Measures the teacher on the full MBPP file (skipped with a note when ../shared/benchmarks is absent). */
export async function benchTeacher(): Promise<Record<string, unknown>> {
  const file = join(sharedBenchmarks, "mbpp", "mbpp.jsonl");
  if (!existsSync(file)) {
    log(`teacher: skipped, no MBPP at ${file}`);
    return { skipped: `no MBPP at ${file}` };
  }
  const references = mbppReferences(file);
  // MBPP 123 needs about 4 s of CPU; generous limits keep slow references from counting as failures.
  const executor = createExecutor({ cacheDir: null, limits: { wallMs: 15_000, cpuMs: 10_000 } });
  const results: Record<string, unknown> = {};
  try {
    for (const granularity of ["block", "line"] as const) {
      const m = await measureTeacher({
        teacher: new RuleTeacher(),
        executor,
        references,
        granularity,
        seed: 1,
        onProgress: (done, total) => {
          if (done % 100 === 0 || done === total) log(`teacher ${granularity}: ${done}/${total} references`);
        },
      });
      report(m);
      results[granularity] = summary(m);
    }
  } finally {
    await executor.close();
  }
  return results;
}

function summary(m: TeacherMeasurement): Record<string, unknown> {
  const { refactoringPassRate, mutationFailRate } = rates(m);
  return {
    references: m.references,
    referencesPassing: m.referencesPassing,
    steps: m.steps,
    refactorings: m.refactoring.proposed,
    refactoringPassRate,
    refactoringCoverage: m.refactoring.proposed / m.steps,
    mutations: m.mutation.proposed,
    mutationFailRate,
    mutationCoverage: m.mutation.proposed / m.steps,
    rules: m.rules,
    sandboxErrors: m.sandboxErrors,
    brokenRefactorings: m.brokenRefactorings,
    teacherMsPerStep: m.teacherMs / m.steps,
    seconds: m.totalMs / 1000,
  };
}

function report(m: TeacherMeasurement): void {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(6);
  const { refactoringPassRate, mutationFailRate } = rates(m);
  log(
    `teacher, ${m.granularity} steps: ${m.referencesPassing}/${m.references} references pass; ${m.steps} steps`,
  );
  log(
    `  refactorings ${String(m.refactoring.proposed).padStart(5)} on ${pct(m.refactoring.proposed / m.steps)} of steps, pass ${pct(refactoringPassRate)}`,
  );
  log(
    `  mutations    ${String(m.mutation.proposed).padStart(5)} on ${pct(m.mutation.proposed / m.steps)} of steps, fail ${pct(mutationFailRate)}`,
  );
  for (const [rule, c] of Object.entries(m.rules).sort()) {
    log(`    ${rule.padEnd(36)} ${String(c.proposed).padStart(5)}  pass ${pct(c.passed / c.proposed)}`);
  }
  for (const b of m.brokenRefactorings.slice(0, 5)) {
    log(
      `  broken refactoring (MBPP ${b.id}, ${b.rule}, ${b.status}): ${JSON.stringify(b.before)} → ${JSON.stringify(b.after)}`,
    );
  }
  log(
    `  teacher ${(m.teacherMs / m.steps).toFixed(1)} ms per step; ${(m.totalMs / 1000).toFixed(0)} s in all`,
  );
}

function log(line: string): void {
  process.stderr.write(line + "\n");
}
