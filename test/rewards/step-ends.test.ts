import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { lineEndTokens, Tokenizer } from "../../src/model/tokenizer/index.js";
import { segmentResponse } from "../../src/labels/segment.js";
import { encodeSteps, stepEndTokens } from "../../src/rewards/index.js";

const fixtures = join(packageRoot, "test/fixtures/tokenizer");

test("step ends on hand-made offsets: \\n merged with indentation, blank lines sharing a token, a final step without \\n", () => {
  // tokens: "x", "=", "1", "\n    ", "y", "\n\n", "z"
  const response = "x=1\n    y\n\nz";
  const offsets: [number, number][] = [
    [0, 1],
    [1, 2],
    [2, 3],
    [3, 8],
    [8, 9],
    [9, 11],
    [11, 12],
  ];
  const steps = ["x=1\n", "    y\n", "\n", "z"];
  assert.deepEqual(stepEndTokens(response, steps, offsets), [3, 5, 5, 6]);
  // A block step ends where its last line ends.
  assert.deepEqual(stepEndTokens(response, ["x=1\n    y\n", "\nz"], offsets), [5, 6]);
  // An end token that covers no character (a dropped special token) is never a step end.
  assert.deepEqual(
    stepEndTokens(
      "ab",
      ["ab"],
      [
        [0, 2],
        [2, 2],
      ],
    ),
    [0],
  );
  assert.throws(() => stepEndTokens(response, ["x=1\n"], offsets), /do not concatenate/);
  assert.throws(
    () =>
      stepEndTokens(
        "a\nb",
        ["a\n", "b"],
        [
          [0, 1],
          [2, 3],
        ],
      ),
    /no token covers character 1, the end of step 0/,
  );
});

test("step ends on a GPT-2-style tokenizer that merges \\n with the next line's indentation agree with line ends", async () => {
  const tokenizer = Tokenizer.load(join(fixtures, "gpt2-tiny.json"));
  const prompt = "def f(x):\n";
  const response = "    y = x\n    # why\n\n    return y\n";
  const { steps } = await segmentResponse(prompt, response, "line");
  const { ids, ends } = encodeSteps(
    tokenizer,
    response,
    steps.map((s) => s.text),
  );
  const { offsets } = tokenizer.encode(response);
  const tokens = ids.map((id) => tokenizer.idToToken(id));
  assert.ok(
    tokens.some((t) => /^Ċ(Ġ)+$/.test(t!)),
    `some token merges \\n with indentation: ${tokens.join(" ")}`,
  );
  assert.deepEqual(ends, lineEndTokens(response, offsets));
  steps.forEach((step, i) => {
    const [start, end] = offsets[ends[i]!]!;
    assert.ok(start <= step.end - 1 && step.end - 1 < end, `step ${i}'s \\n lies in its end token`);
  });
});
