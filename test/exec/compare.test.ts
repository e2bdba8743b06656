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

test("typed values compare as Python's == does: numbers across types, containers by type", () => {
  const eq = (a: unknown, b: unknown) => valuesEqual(a as never, b as never);
  // Numbers: int, float, bool, Fraction, Decimal and complex meet exactly where Python's do.
  assert.ok(eq({ $fraction: [1, 2] }, 0.5));
  assert.ok(!eq({ $fraction: [1, 10] }, 0.1), "Fraction(1, 10) != 0.1: 0.1 is not a tenth");
  assert.ok(eq({ $decimal: "1.50" }, { $fraction: [3, 2] }));
  assert.ok(!eq({ $decimal: "0.1" }, 0.1));
  assert.ok(eq({ $complex: [{ $float: "2.0" }, 0] }, 2), "2+0j == 2");
  assert.ok(!eq({ $complex: [{ $float: "2.0" }, 1] }, 2));
  assert.ok(eq({ $float: "3.0" }, 3));
  assert.ok(!eq({ $float: "nan" }, { $float: "nan" }));
  assert.ok(!eq({ $decimal: "NaN" }, { $decimal: "NaN" }));
  assert.ok(eq({ $decimal: "-Infinity" }, { $float: "-inf" }));
  // Sets ignore order and equal frozensets; their elements meet by value (1 == 1.0 == True).
  assert.ok(eq({ $set: [3, 1, 2] }, { $frozenset: [1, 2, { $float: "3.0" }] }));
  assert.ok(!eq({ $set: [1, 2] }, [1, 2]));
  assert.ok(eq({ $set: [{ $tuple: [1, "a"] }] }, { $set: [{ $tuple: [true, "a"] }] }));
  // Mappings: keys of any hashable type; Counter ignores zero counts against a Counter; OrderedDict
  // minds order only against an OrderedDict.
  assert.ok(eq({ $dict: [[{ $tuple: [1, 2] }, "x"]] }, { $dict: [[{ $tuple: [1, 2] }, "x"]] }));
  assert.ok(
    eq(
      {
        $counter: [
          ["a", 1],
          ["b", 0],
        ],
      },
      { $counter: [["a", 1]] },
    ),
  );
  assert.ok(
    !eq(
      {
        $counter: [
          ["a", 1],
          ["b", 0],
        ],
      },
      { a: 1 },
    ),
    "against a dict, a Counter is a dict",
  );
  assert.ok(eq({ $counter: [["a", 1]] }, { a: 1 }));
  assert.ok(
    !eq(
      {
        $ordereddict: [
          ["a", 1],
          ["b", 2],
        ],
      },
      {
        $ordereddict: [
          ["b", 2],
          ["a", 1],
        ],
      },
    ),
  );
  assert.ok(
    eq(
      {
        $ordereddict: [
          ["a", 1],
          ["b", 2],
        ],
      },
      { b: 2, a: 1 },
    ),
  );
  assert.ok(eq({ $defaultdict: [["a", [1]]] }, { a: [1] }));
  assert.ok(eq({ $deque: [1, 2] }, { $deque: [1, 2] }));
  assert.ok(!eq({ $deque: [1, 2] }, [1, 2]), "deque([1, 2]) != [1, 2]");
  assert.ok(eq({ $bytes: "6162" }, { $bytearray: "6162" }));
  assert.ok(!eq({ $bytes: "6162" }, "ab"));
});

test("expected values written as JSON: a tuple equals a list and int keys their strings (as before)", () => {
  assert.ok(valuesEqual({ $tuple: [1, [2, { $tuple: [3] }]] }, [1, [2, [3]]]));
  assert.ok(valuesEqual({ $dict: [[1, "a"]] }, { "1": "a" }));
  assert.ok(!valuesEqual({ $set: [1] }, [1]));
});

// APPS's testing_util (standard input), rule by rule.
test("APPS stdout: lines trimmed and blank lines ignored anywhere", () => {
  const apps = { mode: "apps" } as const;
  assert.ok(outputsEqual("\n  1 2 \n\n3\n", "1 2\n3", apps));
  assert.ok(!outputsEqual("1  2\n3", "1 2\n3", apps), "inner whitespace counts");
  assert.ok(!outputsEqual("3\n1 2", "1 2\n3", apps), "line order counts");
});

test("APPS stdout: one number per line compares with np.allclose (rtol 1e-5, atol 1e-8)", () => {
  const apps = { mode: "apps" } as const;
  assert.ok(outputsEqual("0.333333\n2", "0.3333333333\n2.0", apps));
  assert.ok(!outputsEqual("0.3333\n", "0.33333333", apps));
  assert.ok(!outputsEqual("0.333333 1", "0.3333333333 1", apps), "only lines that are one number");
});

// LiveCodeBench's lcb_runner grade_stdio, rule by rule.
test("LiveCodeBench stdout: stripped lines, same count; blank lines inside still count", () => {
  const lcb = { mode: "lcb" } as const;
  assert.ok(outputsEqual("\n\n1 2  \n3\n\n", "1 2\n3", lcb));
  assert.ok(!outputsEqual("1 2\n\n3", "1 2\n3", lcb), "a blank line inside is a line");
  assert.ok(!outputsEqual("1 2\n3\n4", "1 2\n3", lcb));
});

test("LiveCodeBench stdout: a line's tokens equal as Decimals, exactly (no float tolerance)", () => {
  const lcb = { mode: "lcb" } as const;
  assert.ok(outputsEqual("1.50 2\n", "1.5 2.000", lcb));
  assert.ok(outputsEqual("1e3", "1000", lcb));
  assert.ok(!outputsEqual("0.3333", "0.33333", lcb), "Decimal equality is exact");
  assert.ok(!outputsEqual("50000000000000001", "50000000000000000", lcb), "no np.isclose gotcha");
  assert.ok(
    !outputsEqual("1.5 x", "1.50 x", lcb),
    "a token that is not a number: the line must be equal as text",
  );
  assert.ok(outputsEqual("NaN", "NaN ", lcb), "identical text is equal, even NaN");
});

test("a list of numbers with its kinds: hex big ints, and a malformed one is not a list", () => {
  assert.ok(valuesEqual({ $numbers: [[1, 2, 3], "iff"] }, [1, { $float: "2.0" }, 3.0]));
  assert.ok(valuesEqual({ $bigint: "0xff" }, 255));
  assert.ok(valuesEqual({ $bigint: "-0x1f" }, -31));
  assert.ok(
    valuesEqual({ $numbers: [[1, { $bigint: "0x100000000000000000" }], "ii"] }, [
      1,
      { $bigint: String(2n ** 68n) },
    ]),
  );
  assert.ok(!valuesEqual({ $numbers: [[1, 2], "i"] }, [1, 2]), "one kind per item");
  assert.ok(!valuesEqual({ $numbers: [[1, "2"], "ii"] }, [1, "2"]), "numbers only");
});
