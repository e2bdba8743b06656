import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { sharedBenchmarks } from "../../src/paths.js";
import { createExecutor } from "../../src/exec/index.js";
import { RuleTeacher } from "../../src/labels/teachers/rules.js";
import { mbppReferences, measureTeacher, rates } from "../../src/labels/teachers/measure.js";

const mbpp = join(sharedBenchmarks, "mbpp", "mbpp.jsonl");
const skip = existsSync(mbpp) ? false : `no MBPP at ${mbpp} (../shared/benchmarks is absent)`;

test("rule-based refactorings of MBPP references still pass; mutations mostly fail", { skip }, async () => {
  // A deterministic tenth of MBPP keeps this test short; bench/teacher.ts measures all 974.
  const references = mbppReferences(mbpp).filter((_, i) => i % 10 === 3);
  const executor = createExecutor({ cacheDir: null, limits: { wallMs: 15_000, cpuMs: 10_000 } });
  try {
    const m = await measureTeacher({
      teacher: new RuleTeacher(),
      executor,
      references,
      granularity: "block",
      seed: 1,
    });
    const { refactoringPassRate, mutationFailRate } = rates(m);
    const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
    console.log(
      `teacher on ${m.referencesPassing}/${m.references} MBPP references, ${m.steps} steps: ` +
        `${m.refactoring.proposed} refactorings pass ${percent(refactoringPassRate)}, ` +
        `${m.mutation.proposed} mutations fail ${percent(mutationFailRate)}`,
    );
    assert.ok(m.referencesPassing >= 0.95 * m.references, `only ${m.referencesPassing} references pass`);
    assert.ok(
      m.refactoring.proposed >= 0.3 * m.steps,
      `refactorings on only ${m.refactoring.proposed} of ${m.steps} steps`,
    );
    assert.ok(
      m.mutation.proposed >= 0.8 * m.steps,
      `mutations on only ${m.mutation.proposed} of ${m.steps} steps`,
    );
    assert.ok(refactoringPassRate >= 0.95, JSON.stringify(m.brokenRefactorings, null, 1));
    assert.ok(mutationFailRate >= 0.75, `mutations fail only ${percent(mutationFailRate)}`);
    assert.equal(m.sandboxErrors, 0);
  } finally {
    await executor.close();
  }
});
