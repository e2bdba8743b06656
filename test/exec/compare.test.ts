import { test } from "node:test";
import assert from "node:assert/strict";
import { outputsEqual, valuesEqual } from "../../src/exec/compare.js";

test("values compare as Python's == does on plain data", () => {
  assert.ok(valuesEqual([1, 2.0, true], [1.0, 2, 1]));
  assert.ok(valuesEqual({ a: 1, b: [null, "x"] }, { b: [null, "x"], a: 1 }));
  assert.ok(!valuesEqual([1, 2], [1, 2, 3]));
  assert.ok(!valuesEqual("1", 1));
  assert.ok(!valuesEqual(null, 0));
  assert.ok(!valuesEqual({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(!valuesEqual(0.1 + 0.2, 0.3), "exact mode is exact");
});

test("big integers compare exactly, past what a JS number can tell apart", () => {
  const big = { $bigint: "9007199254740993" };
  assert.ok(valuesEqual(big, { $bigint: "9007199254740993" }));
  assert.ok(!valuesEqual(big, { $bigint: "9007199254740992" }));
  assert.ok(!valuesEqual(big, 9007199254740992), "the rounded JS number is a different integer");
  assert.ok(valuesEqual({ $bigint: "18446744073709551616" }, 2 ** 64), "2^64 is exact as a double");
  assert.ok(!valuesEqual({ $bigint: "18446744073709551617" }, 2 ** 64 + 1));
});

test("float mode tolerates rounding and treats NaN as equal to NaN", () => {
  const cmp = { mode: "float", atol: 1e-6 } as const;
  assert.ok(valuesEqual([0.1 + 0.2], [0.3], cmp));
  assert.ok(!valuesEqual([0.31], [0.3], cmp));
  assert.ok(valuesEqual({ $float: "nan" }, { $float: "nan" }, cmp));
  assert.ok(!valuesEqual({ $float: "nan" }, { $float: "nan" }), "exact mode: NaN != NaN, as in Python");
  assert.ok(valuesEqual({ $float: "inf" }, { $float: "inf" }, cmp));
});

test("stdout: lines mode trims each line and trailing blank lines; exact does not", () => {
  assert.ok(outputsEqual("1 2  \r\n3\n\n\n", "1 2\n3"));
  assert.ok(!outputsEqual("1 2\n3", "1  2\n3"), "inner whitespace still counts");
  assert.ok(!outputsEqual("1\n\n2", "1\n2"));
  assert.ok(!outputsEqual("3\n", "3", { mode: "exact" }));
  assert.ok(outputsEqual("3\n", "3\n", { mode: "exact" }));
});

test("stdout: float mode compares numeric tokens with tolerance and others exactly", () => {
  const cmp = { mode: "float", atol: 1e-4 } as const;
  assert.ok(outputsEqual("0.33333 yes\n", "0.333333 yes", cmp));
  assert.ok(!outputsEqual("0.33333 no\n", "0.333333 yes", cmp));
  assert.ok(!outputsEqual("0.34\n", "0.33", cmp));
  assert.ok(!outputsEqual("1 2", "1", cmp));
});
