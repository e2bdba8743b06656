import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExecutor } from "../../src/exec/index.js";
import { runOptionsFor, verdictFor } from "../../src/exec/judge.js";
import { evaluate } from "../../src/eval/evaluate.js";
import type { Completion, CompletionRequest, Generator } from "../../src/generate/types.js";
import { labelResponse } from "../../src/labels/completion.js";
import { probeReference } from "../../src/labels/mutation-probe.js";
import { RuleTeacher } from "../../src/labels/teachers/rules.js";
import type { Problem } from "../../src/problems/types.js";

/** An EvalPlus-style problem (as the loader writes it) whose expected value is a float. */
const prompt = 'def tenths(a, b):\n    """Return a tenths plus b tenths."""\n';
const tolerant: Problem = {
  id: "HumanEval/float",
  source: "humaneval-plus",
  prompt,
  starter: prompt,
  tests: { kind: "call", fnName: "tenths", cases: [{ args: [1, 2], expected: 0.3 }] },
  meta: { entryPoint: "tenths", atol: 0, compare: { mode: "float", atol: 1e-6, rtol: 1e-7 } },
};
/** The same problem without its tolerance: return values compare exactly. */
const exact: Problem = { ...tolerant, meta: { entryPoint: "tenths", atol: 0 } };
/** 0.1 + 0.2 is 0.30000000000000004: right within EvalPlus's tolerance, wrong to the last bit. */
const response = "    return a / 10 + b / 10\n";

/** Answers every request with `response`; labelling a passing response must not ask at all. */
class FixedGenerator implements Generator {
  requests = 0;
  async complete(requests: CompletionRequest[]): Promise<Completion[][]> {
    this.requests += requests.length;
    return requests.map((r) =>
      Array.from({ length: r.n }, () => ({ text: response, finishReason: "stop" as const })),
    );
  }
}

test("runOptionsFor adds the problem's comparison to the limits, and only when it has one", () => {
  assert.deepEqual(runOptionsFor(tolerant, { cpuMs: 500 }), {
    cpuMs: 500,
    compare: { mode: "float", atol: 1e-6, rtol: 1e-7 },
  });
  assert.deepEqual(runOptionsFor(exact, { cpuMs: 500 }), { cpuMs: 500 });
  assert.deepEqual(runOptionsFor(exact), {});
});

test("a float within the problem's tolerance passes through verdictFor, eval, completion and mutation labels", async (t) => {
  const executor = createExecutor({ cacheDir: null, slots: 1 });
  const dir = mkdtempSync(join(tmpdir(), "linewise-judge-"));
  t.after(async () => {
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  });

  assert.equal((await verdictFor(tolerant, response, executor)).status, "pass");
  const wrong = await verdictFor(exact, response, executor);
  assert.equal(wrong.status, "wrong_answer", "without the tolerance the last bit counts");

  const generator = new FixedGenerator();
  const options = { n: 1, temperature: 0.8, greedy: false, maxTokens: 32 };
  const [evaluated] = await evaluate([tolerant], generator, executor, options, join(dir, "tolerant.jsonl"));
  assert.equal(evaluated!.samples[0]!.status, "pass");
  const [strict] = await evaluate([exact], generator, executor, options, join(dir, "exact.jsonl"));
  assert.equal(strict!.samples[0]!.status, "wrong_answer");

  const requests = generator.requests;
  const probe = {
    k: 1,
    temperature: 0.8,
    maxTokens: 32,
    seed: 0,
    granularity: "line" as const,
    policy: "fixed",
  };
  const record = await labelResponse(tolerant, response, { generator, executor }, probe);
  assert.equal(record.passed, true);
  assert.equal(record.kind, "correct");
  assert.equal(generator.requests, requests, "a passing response is labelled without probes");

  // Mutation labels rewrite only references that pass their own tests: the float one does only with its tolerance.
  const mutation = { granularity: "line" as const, teacher: new RuleTeacher(), seed: 0 };
  const withSolution = (p: Problem): Problem => ({ ...p, solution: prompt + response });
  const probed = await probeReference(withSolution(tolerant), executor, mutation);
  assert.equal(probed!.referencePassed, true);
  assert.equal((await probeReference(withSolution(exact), executor, mutation))!.referencePassed, false);
});
