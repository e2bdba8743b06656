// The loaders and the executor agree with the public benchmarks: every HumanEval and MBPP reference solution
// passes its tests in the sandbox, and the same solutions with the last statement of the entry function
// replaced by `return None` do not (DESIGN.md, "The executor"; issue 3, "Tests").
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createExecutor } from "../../src/exec/index.js";
import type { Limits, Verdict } from "../../src/exec/types.js";
import { loadProblems } from "../../src/problems/loaders/index.js";
import type { Problem } from "../../src/problems/types.js";
import { sharedBenchmarks } from "../../src/paths.js";
import { replaceLastStatement } from "./last-statement.js";

const skip = existsSync(sharedBenchmarks) ? false : `no benchmarks folder at ${sharedBenchmarks}`;
// MBPP task 123 (amicable numbers below 10 000) needs about 4 s of CPU.
const limits: Limits = { cpuMs: 20_000, wallMs: 60_000, stopOnFirstFailure: true };
let executor: ReturnType<typeof createExecutor>;

before(() => {
  executor = createExecutor({ cacheDir: null });
});
after(() => executor?.close());

const runAll = (programs: { problem: Problem; program: string }[]): Promise<Verdict[]> =>
  Promise.all(programs.map(({ problem, program }) => executor.run(program, problem.tests, limits)));

for (const [name, file, count] of [
  ["HumanEval", "humaneval/HumanEval.jsonl", 164],
  ["MBPP", "mbpp/mbpp.jsonl", 974],
] as const) {
  test(
    `${name}: all ${count} reference solutions pass; with the last statement made 'return None' they fail (unless the tests never reach it)`,
    { skip },
    async (t) => {
      const { problems } = await loadProblems(join(sharedBenchmarks, file));
      assert.equal(problems.length, count);

      const references = await runAll(problems.map((problem) => ({ problem, program: problem.solution! })));
      const failing = references.flatMap((v, i) =>
        v.status === "pass" ? [] : [`${problems[i]!.id}: ${v.status} ${v.detail ?? ""}`],
      );
      assert.deepEqual(failing, [], "reference solutions that did not pass");

      const entry = (p: Problem) => ({ program: p.solution!, fnName: p.meta!["entryPoint"] as string });
      const mutants = replaceLastStatement(problems.map(entry), "return None");
      assert.ok(
        mutants.every((m) => m !== null),
        "every entry function was found",
      );
      // A solution whose last statement already is `return None` (MBPP 395) has no mutant.
      const mutated = problems.flatMap((problem, i) =>
        mutants[i] === problem.solution ? [] : [{ problem, program: mutants[i]! }],
      );
      assert.ok(mutated.length >= count - 2);
      const verdicts = await runAll(mutated);
      const survivors = mutated.filter((_, i) => verdicts[i]!.status === "pass").map((m) => m.problem);

      // A mutant may only pass when the tests never reach the statement it replaced (a fallback `return -1`
      // after a loop that always returns, or dead code after a `return`): then making that statement raise
      // must pass too. Such solutions are rare, so the mutation still tests the harness.
      const raising = replaceLastStatement(
        survivors.map(entry),
        "raise RuntimeError('linewise test: the last statement was reached')",
      );
      const raised = await runAll(survivors.map((problem, i) => ({ problem, program: raising[i]! })));
      const reached = survivors.filter((_, i) => raised[i]!.status !== "pass").map((p) => p.id);
      assert.deepEqual(reached, [], "mutants that pass although their replaced statement runs");
      assert.ok(
        survivors.length <= 0.05 * count,
        `${survivors.length} of ${count} mutants pass: too many for unreached statements`,
      );
      if (survivors.length)
        t.diagnostic(
          `mutants that pass because the tests never reach the last statement: ${survivors.map((p) => p.id).join(", ")}`,
        );
    },
  );
}
