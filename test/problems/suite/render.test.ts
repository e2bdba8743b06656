import { test } from "node:test";
import assert from "node:assert/strict";
import type { Composition } from "../../../src/problems/suite/compose.js";
import { renderPrompt, renderResponse, stepBlocks } from "../../../src/problems/suite/render.js";
import { allStages, allTerminals } from "../../../src/problems/suite/steps/index.js";
import { candidates } from "../../../src/problems/suite/candidates.js";

const stage = (id: string) => allStages.find((s) => s.id === id)!;
const terminal = (id: string) => allTerminals.find((s) => s.id === id)!;

const example: Composition = {
  input: "ints",
  stages: [
    { step: stage("ints.keep_greater"), params: [3] },
    { step: stage("ints.multiply"), params: [2] },
  ],
  terminal: { step: terminal("ints.sum"), params: [] },
};

test("the prompt is a signature and a docstring with one line per step", () => {
  assert.equal(
    renderPrompt(example),
    'def sum_numbers(xs):\n    """Start from the list of integers xs.\n    Keep the numbers greater than 3.\n    Multiply each number by 2.\n    Return the sum of the numbers.\n    """\n',
  );
});

test("the reference response is the indented body continuing the prompt, one block per step", () => {
  assert.equal(
    renderResponse(example),
    "    xs = [x for x in xs if x > 3]\n    xs = [x * 2 for x in xs]\n    return sum(xs)\n",
  );
  assert.deepEqual(
    stepBlocks(example).map((b) => b.length),
    [1, 1, 1],
  );
});

test("every generated body is indented, ends with a newline and returns", () => {
  let count = 0;
  for (const c of candidates({ seed: 3, split: "train", maxSteps: 4, argsPerProblem: 1 })) {
    const lines = c.response.split("\n");
    assert.equal(lines.pop(), "");
    assert.ok(
      lines.every((l) => l.startsWith("    ")),
      c.response,
    );
    assert.ok(
      lines.some((l) => /^ {4}(?: {4})*return /.test(l)),
      c.response,
    );
    assert.ok(c.prompt.startsWith(`def ${c.fnName}(`));
    if (++count === 300) break;
  }
});

test("bodies run from one line to more than ten", () => {
  const lengths: number[] = [];
  for (const c of candidates({ seed: 1, split: "train", maxSteps: 4, argsPerProblem: 1 })) {
    lengths.push(c.response.split("\n").length - 1);
    if (lengths.length === 500) break;
  }
  assert.equal(Math.min(...lengths), 1);
  assert.ok(Math.max(...lengths) > 10);
});
