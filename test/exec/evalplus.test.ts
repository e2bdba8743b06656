// EvalPlus's evaluator rules (evalplus/eval/__init__.py `unsafe_execute`), each on a small case.
import { test } from "node:test";
import assert from "node:assert/strict";
import { evalPlusCase, isFloats } from "../../src/exec/evalplus.js";
import type { EvalPlusComparison, EvalPlusOracle } from "../../src/exec/limits.js";
import type { Json } from "../../src/problems/types.js";

const judge = (
  out: unknown,
  exp: unknown,
  opts: { atol?: number; oracle?: EvalPlusOracle; args?: Json[] } = {},
) => {
  const cmp: EvalPlusComparison = {
    mode: "evalplus",
    atols: [opts.atol ?? 0],
    ...(opts.oracle ? { oracle: opts.oracle } : {}),
  };
  return evalPlusCase(out as Json | undefined, exp as Json, opts.args ?? [], 0, cmp);
};

test("EvalPlus: out == exp with Python's types (a tuple is not a list)", () => {
  assert.ok(judge({ $tuple: [1, 2] }, { $tuple: [1, 2] }));
  assert.ok(!judge([1, 2], { $tuple: [1, 2] }));
  assert.ok(judge(1, { $float: "1.0" }));
  assert.ok(!judge(undefined, 1), "an object linewise does not carry never equals a value");
});

test("EvalPlus: with atol, the types must match, lengths too, then np.allclose(rtol=1e-7)", () => {
  assert.ok(judge(0.30000001, 0.3, { atol: 1e-6 }));
  assert.ok(!judge(0.3001, 0.3, { atol: 1e-6 }));
  assert.ok(judge([1.0000001, 2], [1, 2.0000001], { atol: 1e-6 }), "allclose is element-wise");
  assert.ok(!judge({ $tuple: [0.30000001] }, [0.3], { atol: 1e-6 }), "type(out) == type(exp) first");
  assert.ok(!judge(3, 2.9999999, { atol: 1e-6 }), "an int against a float is a type mismatch");
  assert.ok(!judge(["a"], ["b"], { atol: 1e-6 }), "allclose of strings raises in numpy");
  assert.ok(!judge({ $float: "nan" }, { $float: "nan" }, { atol: 1e-6 }), "NaN is not close to NaN");
  assert.ok(judge(1e9 + 50, 1e9 + 1, { atol: 1e-4 }), "rtol 1e-7 of 1e9 is 100");
});

test("EvalPlus: is_floats, which raises an atol of 0 to 1e-6", () => {
  assert.ok(isFloats({ $float: "2.0" }));
  assert.ok(isFloats([0.5, { $float: "1.0" }]));
  assert.ok(!isFloats([0.5, 1]), "every element must be a float");
  assert.ok(!isFloats([]));
  assert.ok(!isFloats(2));
});

test("EvalPlus oracles: set equality, not None, any value, zero, Mbpp/581 and /558, HumanEval/32", () => {
  assert.ok(judge([3, 1, 1], { $tuple: [1, 3] }, { oracle: "set" }));
  assert.ok(!judge([3, 1], [1, 2], { oracle: "set" }));
  assert.ok(!judge([[1]], [[1]], { oracle: "set" }), "set() of lists raises: unhashable");
  assert.ok(judge("ba", ["a", "b"], { oracle: "set" }), "a string is a set of its characters");

  assert.ok(judge(undefined, true, { oracle: "notNone" }), "a re.Match is not None");
  assert.ok(!judge(null, true, { oracle: "notNone" }));
  assert.ok(judge(null, false, { oracle: "notNone" }));
  assert.ok(judge(false, false, { oracle: "notNone" }), "a bool compares as itself");
  assert.ok(!judge(true, false, { oracle: "notNone" }));
  assert.ok(!judge(0, false, { oracle: "notNone" }), "0 is not None");

  assert.ok(judge(undefined, true, { oracle: "any" }));
  assert.ok(judge(0, 7, { oracle: "zero" }));
  assert.ok(!judge(1, 7, { oracle: "zero" }));

  // _surface_Area(3, 4): slant sqrt(1.5² + 16) = 4.272, 9 + 4·3·4.272/2 = 34.63 → 35.
  assert.ok(judge(35, 33, { oracle: "surfaceArea", args: [3, 4] }));
  assert.ok(!judge(34, 33, { oracle: "surfaceArea", args: [3, 4] }));
  // _digit_distance_nums(123, 9): 123 vs 009 → 1 + 2 + 6 = 9.
  assert.ok(judge(9, 6, { oracle: "digitDistance", args: [123, 9] }));
  assert.ok(
    !judge(9, 6, { oracle: "digitDistance", args: [-123, 9] }),
    "str(-123) has a sign: the oracle raises",
  );

  // find_zero([-6, 11, -6, 1]) has roots 1, 2, 3; EvalPlus checks |poly(xs, out)| ≤ atol only.
  assert.ok(judge(2.00000001, 1, { oracle: "polyRoot", atol: 1e-4, args: [[-6, 11, -6, 1]] }));
  assert.ok(!judge(2.1, 2.1, { oracle: "polyRoot", atol: 1e-4, args: [[-6, 11, -6, 1]] }));
  // HumanEval+ input 750: the terms (up to 1e36) cancel to 0.0 in Python only if each math.pow is C's,
  // correctly rounded; an ulp off leaves about 1e20.
  const xs = [-1663750000, 10, 10, -1663750001, 26, -1663750001, -1, -1663750001, -1, 26];
  assert.ok(judge(7999.418311588737, 1, { oracle: "polyRoot", atol: 1e-4, args: [xs] }));
});
