// APPS's and LiveCodeBench's own harness rules (README, "APPS and LiveCodeBench"), each on a small row
// loaded by its loader and judged in the sandbox as `linewise exec` judges it.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExecutor } from "../../src/exec/index.js";
import { verdictFor } from "../../src/exec/judge.js";
import { loadProblems } from "../../src/problems/loaders/index.js";
import type { Problem } from "../../src/problems/types.js";

const dir = mkdtempSync(join(tmpdir(), "lw-rules-"));
const executor = createExecutor({ cacheDir: null, slots: 2 });
after(async () => {
  await executor.close();
  rmSync(dir, { recursive: true, force: true });
});

async function load(name: string, rows: object[]): Promise<Problem[]> {
  const file = join(dir, name);
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return (await loadProblems(file)).problems;
}

const apps = (id: number, io: object, starter = "") => ({
  problem_id: id,
  question: "q",
  solutions: "[]",
  input_output: JSON.stringify(io),
  difficulty: "interview",
  starter_code: starter,
});

test("APPS: stdout lines trimmed, blank lines ignored, single numbers per line with np.allclose", async () => {
  const [p] = await load("apps-stdio.jsonl", [
    apps(1, { inputs: ["3\n"], outputs: ["0.3333333333\n\n1\n"] }),
  ]);
  assert.deepEqual(p!.meta!["compare"], { mode: "apps" });
  const verdicts = await Promise.all(
    [
      "print(round(1 / int(input()), 6))\nprint()\nprint('  1  ')\n", // 0.333333: within rtol 1e-5
      "print(round(1 / int(input()), 3))\nprint(1)\n", // 0.333: not within
    ].map((program) => verdictFor(p!, program, executor)),
  );
  assert.deepEqual(
    verdicts.map((v) => v.status),
    ["pass", "wrong_answer"],
  );
});

test("APPS: call tests unwrap one-element output lists, accept a tuple for a list, and read int dict keys", async () => {
  const [pairs, keys] = await load("apps-call.jsonl", [
    apps(2, { fn_name: "pair", inputs: [[1], [2]], outputs: [[[1, 2]], [[2, 3]]] }),
    apps(3, { fn_name: "total", inputs: [[{ "1": 2, "3": 4 }]], outputs: [[10]] }),
  ]);
  const verdicts = await Promise.all([
    verdictFor(pairs!, "def pair(x):\n    return (x, x + 1)\n", executor),
    // APPS passes the dict alone with int keys: 1 + 2 + 3 + 4 = 10 (with str keys, k + v raises).
    verdictFor(keys!, "def total(d):\n    return sum(k + v for k, v in d.items())\n", executor),
  ]);
  assert.deepEqual(
    verdicts.map((v) => `${v.status} ${v.detail ?? ""}`.trim()),
    ["pass", "pass"],
  );
});

const lcb = (id: string, cases: object[], extra: object = {}) => ({
  question_id: id,
  question_title: "t",
  question_content: "q",
  platform: "atcoder",
  contest_date: "2024-01-01T00:00:00",
  difficulty: "easy",
  starter_code: "",
  public_test_cases: JSON.stringify(cases),
  metadata: "{}",
  ...extra,
});

test("LiveCodeBench: stdout lines compare as text or as Decimals, exactly", async () => {
  const [p] = await load("lcb-stdio.jsonl", [
    lcb("abc1_a", [{ input: "2\n", output: "1.50 2\n", testtype: "stdin" }]),
  ]);
  assert.deepEqual(p!.meta!["compare"], { mode: "lcb" });
  const verdicts = await Promise.all(
    ["print(1.5, int(input()))\n", "print('1.5000001', int(input()))\n", "print()\nprint(1.5, 2)\n"].map(
      (program) => verdictFor(p!, program, executor),
    ),
  );
  assert.deepEqual(
    verdicts.map((v) => v.status),
    ["pass", "wrong_answer", "pass"],
  );
});

test("LiveCodeBench: functional tests call Solution's method with one JSON argument per line", async () => {
  const [p] = await load("lcb-call.jsonl", [
    lcb("7", [{ input: "[1, 2]\n3", output: "[4, 5]", testtype: "functional" }], {
      platform: "leetcode",
      metadata: JSON.stringify({ func_name: "add" }),
    }),
  ]);
  const v = await verdictFor(
    p!,
    "class Solution:\n    def add(self, xs, k):\n        return tuple(x + k for x in xs)\n",
    executor,
  );
  assert.equal(v.status, "pass", "a tuple is taken for the list LeetCode expects, as lcb_runner does");
});
