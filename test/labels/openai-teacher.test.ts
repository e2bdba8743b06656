import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExecutor } from "../../src/exec/index.js";
import { mutationLabels, type MutationPair } from "../../src/labels/mutation.js";
import { readLabels, readPairs } from "../../src/labels/records.js";
import { segmentResponse } from "../../src/labels/segment.js";
import { extractStep, OpenAITeacher, teacherMessages } from "../../src/labels/teachers/openai.js";
import type { TeacherContext } from "../../src/labels/teachers/teacher.js";
import { encodePrompt, saveCheckpoint } from "../../src/model/index.js";
import { Tokenizer } from "../../src/model/tokenizer/index.js";
import type { Problem } from "../../src/problems/types.js";
import { chatPrompt } from "../../src/server/openai-protocol.js";
import { memorise, tinyModel } from "../model/tiny.js";
import { serveModel } from "../server/serve.js";

test("extraction takes the fenced code, drops markers and re-indents to the step", () => {
  const step = "        total += x\n";
  assert.equal(extractStep("Here you go:\n```python\ntotal -= x\n```\nDone.", step), "        total -= x\n");
  assert.equal(
    extractStep("```\n        total -= x\n```", step),
    "        total -= x\n",
    "absolute indentation kept",
  );
  assert.equal(
    extractStep("total = total - x", step),
    "        total = total - x\n",
    "no fence: the whole reply",
  );
  assert.equal(
    extractStep("```py\n# >>> STEP START\n    total -= x\n# <<< STEP END\n```", step),
    "        total -= x\n",
  );
  assert.equal(extractStep("```python\n\n```", step), null);
  assert.equal(
    extractStep("```python\nreturn 1", "    return 0"),
    "    return 1",
    "no final newline when the step has none; unclosed fence",
  );

  const block = "    for x in xs:\n        if x > 0:\n            total += x\n";
  const relative = "```python\nfor x in xs:\n    if x >= 0:\n        total += x\n```";
  assert.equal(
    extractStep(relative, block),
    "    for x in xs:\n        if x >= 0:\n            total += x\n",
  );
  // The first line stripped, the others at the program's indentation (as `.strip()` leaves a copied block).
  const stripped = "```python\nfor x in xs:\n        if x >= 0:\n            total += x\n```";
  assert.equal(
    extractStep(stripped, block),
    "    for x in xs:\n        if x >= 0:\n            total += x\n",
  );
  assert.equal(
    extractStep("```python\nfor y in xs:\n\n    pass\n```", block),
    "    for y in xs:\n\n        pass\n",
    "blank lines stay blank",
  );
});

const problem: Problem = {
  id: "add",
  source: "test",
  prompt: "def add(a, b):\n",
  starter: "def add(a, b):\n",
  solution: "def add(a, b):\n    x = a\n    return x + b\n",
  tests: {
    kind: "call",
    fnName: "add",
    cases: [
      { args: [1, 2], expected: 3 },
      { args: [5, 0], expected: 5 },
    ],
  },
};

async function contextFor(index: number, statement?: string): Promise<TeacherContext> {
  const response = problem.solution!.slice(problem.starter!.length);
  const { steps } = await segmentResponse(problem.starter!, response, "line");
  return {
    prompt: problem.starter!,
    program: problem.solution!,
    steps,
    index,
    seed: 0,
    ...(statement ? { statement } : {}),
  };
}

test("the teacher's prompt shows the statement and the program with the step marked, and asks for only that step", async () => {
  const [system, user] = teacherMessages(await contextFor(1, "Add two numbers."), "mutation");
  assert.equal(system!.role, "system");
  assert.ok(user!.content.startsWith("Problem:\nAdd two numbers.\n\n"));
  assert.ok(
    user!.content.includes(
      "def add(a, b):\n    x = a\n    # >>> STEP START\n    return x + b\n    # <<< STEP END\n",
    ),
  );
  assert.match(user!.content, /Mutate ONLY this line/);
  assert.match(
    teacherMessages(await contextFor(1), "refactoring")[1]!.content,
    /Refactor ONLY this line[^]*behaviour stays exactly the same/,
  );
});

// Replies a tiny model memorises for the two prompts of step 1: a mutation, and a "refactoring" that does not parse.
const replies = { mutation: "```python\nreturn x - b\n```", refactoring: "```python\nreturn (x +\n```" };

test("OpenAITeacher against a real serve-model: chat protocol, extraction, the parse check, and mutation labels from it", async () => {
  const ctx = await contextFor(1);
  const prompts = {
    mutation: chatPrompt(teacherMessages(ctx, "mutation")),
    refactoring: chatPrompt(teacherMessages(ctx, "refactoring")),
  };
  const texts = [prompts.mutation + replies.mutation, prompts.refactoring + replies.refactoring];
  const tokenizer = Tokenizer.train(texts, { vocabSize: 600 });
  const model = tinyModel(
    {
      vocabSize: tokenizer.vocabSize,
      maxPositions: 512,
      initializerRange: 0.02,
      bosTokenId: tokenizer.bosId,
      eosTokenId: tokenizer.eosId,
      padTokenId: tokenizer.padId,
    },
    3,
  );
  const examples = (["mutation", "refactoring"] as const).map((kind) => ({
    prompt: encodePrompt(tokenizer, prompts[kind]),
    response: [...tokenizer.encode(replies[kind]).ids, tokenizer.eosId],
  }));
  const { last } = memorise(model, examples, 120);
  assert.ok(last < 0.05, `memorised (loss ${last})`);
  const dir = mkdtempSync(join(tmpdir(), "linewise-teacher-"));
  saveCheckpoint(dir, model, tokenizer);
  model.dispose();
  const served = await serveModel(dir);
  const executor = createExecutor({ cacheDir: null });
  try {
    const teacher = new OpenAITeacher({ url: served.url, temperature: 0, attempts: 2, retries: 1 });
    assert.equal(await teacher.chat(teacherMessages(ctx, "mutation")), replies.mutation);
    assert.equal(await teacher.mutate(ctx), "    return x - b\n");
    assert.equal(await teacher.refactor(ctx), null, "a reply that does not parse is no rewrite");

    // Step 1's mutation fails the tests and becomes a pair whose chosen side is the reference step (its
    // refactoring did not parse). Whatever the model answers for step 0, which it never saw, is labelled too.
    const out = { records: join(dir, "labels.jsonl"), pairs: join(dir, "pairs.jsonl") };
    await mutationLabels(
      [problem],
      executor,
      { granularity: "line", teacher, seed: 0, policy: served.url },
      out,
    );
    const records = readLabels(out.records);
    const mutated = records.find((r) => r.meta!["rewrite"] === "mutation" && r.meta!["stepIndex"] === 1)!;
    assert.deepEqual(mutated.steps, ["    x = a\n", "    return x - b\n"]);
    assert.deepEqual(mutated.labels, [1, -1]);
    assert.equal(mutated.kind, "revised");
    assert.equal(mutated.policy, served.url);
    const pairs = (readPairs(out.pairs) as MutationPair[]).filter((p) => p.stepIndex === 1);
    assert.deepEqual(
      pairs.map((p) => [p.prefix, p.chosen, p.rejected]),
      [["    x = a\n", "    return x + b\n", "    return x - b\n"]],
    );

    const down = new OpenAITeacher({ url: "http://127.0.0.1:9", retries: 2, backoffMs: 1 });
    await assert.rejects(down.mutate(ctx), /failed after 2 attempts/);
  } finally {
    await executor.close();
    await served.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
