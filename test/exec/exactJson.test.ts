import { test } from "node:test";
import assert from "node:assert/strict";
import { parseJsonExact, stringifyExact } from "../../src/exec/exactJson.js";

test("integers beyond 2^53 are kept exactly as $bigint tags", () => {
  assert.deepEqual(parseJsonExact("[9007199254740993, -123456789012345678901234567890, 9007199254740991]"), [
    { $bigint: "9007199254740993" },
    { $bigint: "-123456789012345678901234567890" },
    9007199254740991,
  ]);
});

test("NaN and Infinity from Python's json become $float tags; floats stay numbers", () => {
  assert.deepEqual(
    parseJsonExact('{"a": NaN, "b": [Infinity, -Infinity], "c": 1.5e300, "d": "NaN 12345678901234567"}'),
    {
      a: { $float: "nan" },
      b: [{ $float: "inf" }, { $float: "-inf" }],
      c: 1.5e300,
      d: "NaN 12345678901234567",
    },
  );
});

test("malformed JSON still throws a SyntaxError on the exact path", () => {
  assert.throws(() => parseJsonExact("[12345678901234567890,"), SyntaxError);
  assert.throws(() => parseJsonExact("[NaN] x"), SyntaxError);
});

test("stringifyExact tags non-finite numbers instead of writing null", () => {
  assert.equal(stringifyExact([NaN, Infinity, 1]), '[{"$float":"nan"},{"$float":"inf"},1]');
});
