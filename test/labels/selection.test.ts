import { test } from "node:test";
import assert from "node:assert/strict";
import { promptKind, responseKind, type LabelRecord, type ResponseKind } from "../../src/labels/records.js";
import { keeps, selectionStrategies, selectProblem, selectRecords } from "../../src/labels/selection.js";

test("response kinds: passing is correct, failing with a +1 step revised, otherwise wrong", () => {
  assert.equal(responseKind(true, [1, 0, 1]), "correct");
  assert.equal(responseKind(false, [1, 0, -1]), "revised");
  assert.equal(responseKind(false, [0, -1, -1]), "wrong");
  assert.equal(responseKind(false, []), "wrong");
});

test("prompt kinds: all correct is easy, some correct medium, none hard", () => {
  assert.equal(promptKind(["correct", "correct"]), "easy");
  assert.equal(promptKind(["correct", "wrong"]), "medium");
  assert.equal(promptKind(["revised", "correct"]), "medium");
  assert.equal(promptKind(["revised", "wrong"]), "hard");
  assert.equal(promptKind([]), "hard");
});

test("each strategy keeps what PSGPO §4.3 describes", () => {
  const table = {
    full: { easy: "crw", medium: "crw", hard: "crw" },
    "remove-hard": { easy: "crw", medium: "crw", hard: "" },
    "medium-only": { easy: "", medium: "crw", hard: "" },
    "revised-only": { easy: "r", medium: "r", hard: "r" },
  } as const;
  assert.deepEqual(Object.keys(table), [...selectionStrategies]);
  const letter: Record<ResponseKind, string> = { correct: "c", revised: "r", wrong: "w" };
  for (const strategy of selectionStrategies)
    for (const prompt of ["easy", "medium", "hard"] as const)
      for (const response of ["correct", "revised", "wrong"] as const)
        assert.equal(
          keeps(strategy, prompt, response),
          table[strategy][prompt].includes(letter[response]),
          `${strategy} ${prompt} ${response}`,
        );
});

function record(problemId: string, kind: ResponseKind): LabelRecord {
  return {
    problemId,
    prompt: "",
    response: kind,
    steps: [kind],
    labels: [kind === "correct" ? 1 : -1],
    firstError: kind === "correct" ? null : 0,
    kind,
    method: "completion",
    policy: "test",
    cost: { completions: 0, executions: 1, ms: 0 },
  };
}

test("selectRecords groups by problem and keeps the file order", () => {
  const records = [
    record("a", "correct"),
    record("b", "wrong"),
    record("a", "revised"),
    record("c", "correct"),
    record("b", "revised"),
  ];
  const ids = (rs: LabelRecord[]) => rs.map((r) => `${r.problemId}:${r.kind}`);
  assert.deepEqual(ids(selectRecords(records, "full")), ids(records));
  assert.deepEqual(ids(selectRecords(records, "remove-hard")), ["a:correct", "a:revised", "c:correct"]);
  assert.deepEqual(ids(selectRecords(records, "medium-only")), ["a:correct", "a:revised"]);
  assert.deepEqual(ids(selectRecords(records, "revised-only")), ["a:revised", "b:revised"]);
});

test("selectProblem sets the prompt kind on every record, kept or not", () => {
  const { all, kept } = selectProblem([record("a", "correct"), record("a", "wrong")], "revised-only");
  assert.deepEqual(
    all.map((r) => r.promptKind),
    ["medium", "medium"],
  );
  assert.deepEqual(kept, []);
});
