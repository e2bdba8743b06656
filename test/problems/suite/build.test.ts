import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createExecutor } from "../../../src/exec/index.js";
import { buildSuite } from "../../../src/problems/suite/index.js";
import { programFor, referenceResponse } from "../../../src/problems/program.js";
import type { Problem } from "../../../src/problems/types.js";

// One executor for the file, without the result cache: every build and check below really runs.
const executor = createExecutor({ cacheDir: null });
after(() => executor.close());

const built = new Map<string, Promise<Problem[]>>();
function suite(split: "train" | "test", n = 40, seed = 11): Promise<Problem[]> {
  const key = `${split}/${n}/${seed}`;
  if (!built.has(key)) built.set(key, buildSuite({ n, seed, split, executor }));
  return built.get(key)!;
}

const steps = (p: Problem) => (p.meta!["steps"] as string[]).join(" > ");

test("each split has n problems with at least 5 call tests and a difficulty", async () => {
  for (const split of ["train", "test"] as const) {
    const problems = await suite(split);
    assert.equal(problems.length, 40);
    assert.equal(new Set(problems.map((p) => p.id)).size, 40);
    for (const p of problems) {
      assert.equal(p.tests.kind, "call");
      if (p.tests.kind === "call") assert.ok(p.tests.cases.length >= 5, p.id);
      assert.equal(p.difficulty, String((p.meta!["steps"] as string[]).length));
      assert.ok(p.prompt.startsWith("def ") && p.starter === p.prompt);
      assert.equal(programFor(p, referenceResponse(p)!), p.solution);
    }
  }
});

test("every reference solution passes its tests in the sandbox", async () => {
  for (const split of ["train", "test"] as const) {
    for (const p of await suite(split)) {
      const verdict = await executor.run(programFor(p, referenceResponse(p)!), p.tests);
      assert.equal(verdict.status, "pass", `${p.id}: ${verdict.detail ?? ""}`);
      assert.equal(verdict.passed, verdict.total);
    }
  }
});

test("a wrong body fails the tests: the expected values are not vacuous", async () => {
  let checked = 0;
  for (const p of await suite("train")) {
    const lines = referenceResponse(p)!.split("\n");
    // Drop the first step when it is a one-line list comprehension: no stage is invisible to the tests.
    if ((p.meta!["steps"] as string[]).length < 2 || !/^ {4}xs = \[/.test(lines[0]!)) continue;
    const verdict = await executor.run(programFor(p, lines.slice(1).join("\n")), p.tests);
    assert.notEqual(verdict.status, "pass", p.id);
    checked++;
  }
  assert.ok(checked > 0, "no problem starts with a one-line stage");
});

test("generation is deterministic per seed: a smaller build is a prefix of a larger one", async () => {
  const again = await buildSuite({ n: 12, seed: 11, split: "train", executor });
  assert.deepEqual(again, (await suite("train")).slice(0, 12));
  const other = await buildSuite({ n: 12, seed: 12, split: "train", executor });
  assert.notDeepEqual(
    other.map((p) => p.prompt),
    again.map((p) => p.prompt),
  );
});

test("train and test step compositions are disjoint", async () => {
  const train = await suite("train");
  const test_ = await suite("test");
  const trainCompositions = new Set(train.map(steps));
  assert.ok(test_.every((p) => !trainCompositions.has(steps(p))));
  assert.ok(train.every((p) => (p.meta!["heldOutPairs"] as string[]).length === 0));
  assert.ok(test_.every((p) => (p.meta!["heldOutPairs"] as string[]).length > 0));
});

test("difficulty levels cover one to four steps and bodies reach ten lines", async () => {
  const problems = [...(await suite("train")), ...(await suite("test"))];
  assert.deepEqual([...new Set(problems.map((p) => p.difficulty))].sort(), ["1", "2", "3", "4"]);
  assert.ok(problems.some((p) => (p.meta!["lines"] as number) >= 10));
});
