import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseCases } from "../../../src/problems/suite/cases.js";

const args = [[[1]], [[2]], [[3]], [[4]], [[5]], [[6]]];

test("keeps the cases where the reference answered, with the reference's answers", () => {
  // [reference, reference without stage 0] per argument list; the 4th call raised in the reference.
  const probe = [
    [1, 0],
    [2, 0],
    [3, 3],
    [{ error: "ValueError" }, 0],
    [5, 5],
    [6, 0],
  ];
  const result = chooseCases(args, probe, 1);
  assert.ok("cases" in result);
  assert.deepEqual(
    result.cases.map((c) => c.expected),
    [1, 2, 3, 5, 6],
  );
  assert.deepEqual(result.cases[3]!.args, [[5]]);
});

test("rejects too few usable cases, constant answers and steps the tests cannot see", () => {
  assert.deepEqual(chooseCases(args, [[1], [2], [3], [4], undefined, [1e12]], 0), {
    rejected: "too_few_cases",
  });
  assert.deepEqual(chooseCases(args, [[0], [0], [1], [0], [1], [0]], 0), { rejected: "constant_answer" });
  assert.ok("cases" in chooseCases(args, [[true], [false], [true], [true], [true], [true]], 0));
  const invisible = [1, 2, 3, 4, 5, 6].map((v) => [v, v + 1, v]);
  assert.deepEqual(chooseCases(args, invisible, 2), { rejected: "invisible_step" });
  const visible = [1, 2, 3, 4, 5, 6].map((v, i) => [v, v + 1, i === 5 ? 0 : v]);
  assert.ok("cases" in chooseCases(args, visible, 2));
});
