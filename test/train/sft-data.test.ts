import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MalformedRowError, ProblemFileError } from "../../src/problems/loaders/rows.js";
import { readSftData } from "../../src/train/sft-data.js";

function withFile(text: string, fn: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "linewise-sft-data-"));
  try {
    const file = join(dir, "data.jsonl");
    writeFileSync(file, text);
    fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tests = { kind: "call", fnName: "f", cases: [{ args: [1], expected: 1 }] };
/** The built-in suite's shape: the prompt is the starter code, the solution the whole program. */
const problem = {
  id: "p1",
  source: "suite",
  prompt: "def f(x):\n",
  starter: "def f(x):\n",
  solution: "def f(x):\n    return x\n",
  tests,
};
/** MBPP's shape: a prose prompt, no starter; the whole solution is the response. */
const prose = { id: "p2", source: "mbpp", prompt: "Write f.", solution: "def f(x):\n    return x\n", tests };

test("prompt/completion rows and Problem rows become examples; a problem's completion is its reference response", () => {
  const rows = [{ prompt: "a", completion: "b", extra: 1 }, problem, prose];
  withFile(rows.map((r) => JSON.stringify(r)).join("\n") + "\n\n", (file) => {
    assert.deepEqual(readSftData(file), [
      { prompt: "a", completion: "b" },
      { prompt: "def f(x):\n", completion: "    return x\n" },
      { prompt: "Write f.", completion: "def f(x):\n    return x\n" },
    ]);
  });
});

test("a malformed row is an error naming file:line and what is wrong", () => {
  const cases: [string, RegExp][] = [
    [
      '{"prompt": "a", "completion": "b"}\n{"prompt": "a", "completion": 3}\n',
      /data\.jsonl:2: field 'completion' must be a string/,
    ],
    ['{"prompt": "a", "completion": "b"}\n\n{not json\n', /data\.jsonl:3: not valid JSON/],
    [
      JSON.stringify({ ...problem, solution: undefined }) + "\n",
      /data\.jsonl:1: problem "p1" has no solution/,
    ],
    ['{"text": "a"}\n', /data\.jsonl:1: expected \{"prompt", "completion"\} or a Problem row/],
    [JSON.stringify({ ...problem, tests: { kind: "call" } }) + "\n", /data\.jsonl:1: tests\.fnName must be/],
  ];
  for (const [text, message] of cases) {
    withFile(text, (file) =>
      assert.throws(
        () => readSftData(file),
        (e: Error) => e instanceof MalformedRowError && message.test(e.message) && !e.message.includes("\n"),
      ),
    );
  }
  withFile("\n", (file) => assert.throws(() => readSftData(file), ProblemFileError));
  assert.throws(
    () => readSftData("/nonexistent/data.jsonl"),
    (e: Error) => e instanceof ProblemFileError && e.message.startsWith("/nonexistent/data.jsonl: "),
  );
});
