import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExecutor } from "../../src/exec/index.js";
import { evaluate, readResults, type SampleResult } from "../../src/eval/evaluate.js";
import { summarize, summaryMarkdown } from "../../src/eval/summary.js";
import type { Completion, CompletionRequest, Generator } from "../../src/generate/types.js";
import type { Problem } from "../../src/problems/types.js";

/** Answers each prompt with a fixed list of responses: the evaluation's input, chosen by the test. */
class ScriptedGenerator implements Generator {
  calls = 0;
  constructor(private readonly answers: Record<string, string[]>) {}
  async complete(requests: CompletionRequest[]): Promise<Completion[][]> {
    this.calls += 1;
    return requests.map((r) => {
      const list = this.answers[r.prompt]!;
      const picked = r.temperature === 0 ? [list[0]!] : list.slice(0, r.n);
      return picked.map((text) => ({
        text,
        tokens: new Array(text.length).fill(0),
        finishReason: "stop" as const,
      }));
    });
  }
}

const starter = (name: string) => `def ${name}(x):\n    """Return x plus one."""\n`;
const problems: Problem[] = ["a", "b"].map((name, i) => ({
  id: `p/${name}`,
  source: "test",
  prompt: starter(name),
  starter: starter(name),
  tests: {
    kind: "call",
    fnName: name,
    cases: [
      { args: [1], expected: 2 },
      { args: [5], expected: 6 },
    ],
  },
  difficulty: String(i + 1),
}));
const right = "    return x + 1\n";
const wrong = "    return x\n";

test("evaluate runs every response in the sandbox, counts passes, and resumes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-eval-"));
  const path = join(dir, "results.jsonl");
  const gen = new ScriptedGenerator({
    [problems[0]!.prompt]: [right, wrong, right, "    return (\n"],
    [problems[1]!.prompt]: [wrong, wrong, wrong, wrong],
  });
  const executor = createExecutor({ cacheDir: null });
  try {
    const options = { n: 4, temperature: 0.8, greedy: true, maxTokens: 64 };
    const results = await evaluate(problems, gen, executor, options, path);
    assert.deepEqual(
      results[0]!.samples.map((s) => s.status),
      ["pass", "wrong_answer", "pass", "syntax_error"],
    );
    assert.equal(results[0]!.greedy!.passed, true);
    assert.equal(results[1]!.greedy!.passed, false);
    const summary = summarize(results, [1, 2]);
    assert.equal(summary.greedyPass1, 0.5);
    assert.equal(summary.overall.passAtK[0]!.value, (2 / 4 + 0) / 2);
    assert.equal(summary.byDifficulty.length, 2);
    assert.match(summaryMarkdown(summary), /\| all \| 2 \| 8 \| 50\.0% \| 25\.0% \|/);

    // a killed run leaves a torn last line; a rerun keeps the complete rows and evaluates the rest
    const first = readFileSync(path, "utf8").split("\n")[0]!;
    writeFileSync(path, first + "\n" + '{"problemId":"p/b","sam');
    const calls = gen.calls;
    const again = await evaluate(problems, gen, executor, options, path);
    assert.equal(gen.calls, calls + 1);
    assert.deepEqual(
      again.map((r) => r.problemId),
      ["p/a", "p/b"],
    );
    assert.equal(readResults(path).length, 2);
  } finally {
    await executor.close();
  }
});

test("evaluate stops before the next batch when its signal fires, and a rerun finishes the rest", async () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-eval-"));
  const path = join(dir, "results.jsonl");
  const gen = new ScriptedGenerator({
    [problems[0]!.prompt]: [right],
    [problems[1]!.prompt]: [wrong],
  });
  const executor = createExecutor({ cacheDir: null });
  try {
    const stop = new AbortController();
    const options = { n: 1, temperature: 0.8, greedy: false, maxTokens: 64, batchProblems: 1 };
    const first = await evaluate(problems, gen, executor, { ...options, signal: stop.signal }, path, () =>
      stop.abort(),
    );
    assert.deepEqual(
      first.map((r) => r.problemId),
      ["p/a"],
    );
    assert.equal(gen.calls, 1, "no batch starts after the signal");
    const rest = await evaluate(problems, gen, executor, options, path);
    assert.deepEqual(
      rest.map((r) => r.problemId),
      ["p/a", "p/b"],
    );
  } finally {
    await executor.close();
  }
});

test("EvalPlus problems: base inputs alone and base + plus inputs are reported as EvalPlus's two columns", async () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-eval-"));
  const starterOf = (name: string) => `def ${name}(x):\n    """Return x plus one."""\n`;
  // Two base inputs, then two plus inputs (EvalPlus's order; meta.baseTests says where the plus ones start).
  const evalPlus: Problem[] = ["inc", "incr"].map((name, i) => ({
    id: `HumanEval/${i}`,
    source: "humaneval-plus",
    prompt: starterOf(name),
    starter: starterOf(name),
    tests: {
      kind: "call",
      fnName: name,
      cases: [1, 5, -3, 10 ** 6].map((x) => ({ args: [x], expected: x + 1 })),
    },
    meta: { baseTests: 2, compare: { mode: "evalplus", atols: [0, 0, 0, 0] } },
  }));
  const baseOnly = "    return x + 1 if x > 0 and x < 100 else 0\n"; // right on the base inputs only
  const gen = new ScriptedGenerator({
    [evalPlus[0]!.prompt]: [right, baseOnly, wrong, right],
    [evalPlus[1]!.prompt]: [baseOnly, baseOnly, wrong, wrong],
  });
  const executor = createExecutor({ cacheDir: null });
  try {
    const options = { n: 4, temperature: 0.8, greedy: true, maxTokens: 64 };
    const results = await evaluate(evalPlus, gen, executor, options, join(dir, "results.jsonl"));
    assert.deepEqual(
      results.map((r) => r.samples.map((s) => [s.base, s.passed])),
      [
        [
          [true, true],
          [true, false],
          [false, false],
          [true, true],
        ],
        [
          [true, false],
          [true, false],
          [false, false],
          [false, false],
        ],
      ],
    );
    const summary = summarize(results, [1]);
    const columns = summary.evalPlus!;
    assert.equal(columns.base.group, "HumanEval (base tests)");
    assert.equal(columns.plus.group, "HumanEval+ (base + plus tests)");
    assert.equal(columns.base.passAtK[0]!.value, (3 / 4 + 2 / 4) / 2);
    assert.equal(columns.plus.passAtK[0]!.value, (2 / 4 + 0) / 2);
    assert.deepEqual(columns.plus.passAtK, summary.overall.passAtK);
    assert.equal(columns.greedyBase, 1); // greedy answers are each list's first: right, baseOnly
    assert.equal(columns.greedyPlus, 0.5);
    const markdown = summaryMarkdown(summary);
    assert.match(markdown, /\| HumanEval \(base tests\) \| 2 \| 8 \| 100\.0% \| 62\.5% \|/);
    assert.match(markdown, /\| HumanEval\+ \(base \+ plus tests\) \| 2 \| 8 \| 50\.0% \| 25\.0% \|/);
    // Other problems have no such columns.
    const strip = ({ base: _, ...s }: SampleResult): SampleResult => s;
    const plain = results.map((r) => ({ ...r, samples: r.samples.map(strip), greedy: strip(r.greedy!) }));
    assert.equal(summarize(plain, [1]).evalPlus, undefined);
  } finally {
    await executor.close();
  }
});
