import { after, test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  LabelFileError,
  openAppend,
  readLabels,
  type LabelRecord,
  type StepLabel,
} from "../../src/labels/records.js";
import { labelReport, labelReportMarkdown } from "../../src/labels/report.js";

const dir = mkdtempSync(join(tmpdir(), "linewise-label-report-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A record of `codeLines` one-line steps (plus a leading comment) with the first error at code line `first`. */
function record(
  problemId: string,
  codeLines: number,
  first: number | null,
  passed: boolean,
  extra: Partial<LabelRecord> = {},
): LabelRecord {
  const steps = ["    # comment\n", ...Array.from({ length: codeLines }, (_, i) => `    v${i} = ${i}\n`)];
  const labels: StepLabel[] = [
    0,
    ...Array.from({ length: codeLines }, (_, i): StepLabel => (first === null || i < first ? 1 : -1)),
  ];
  return {
    problemId,
    prompt: "def f():\n",
    response: steps.join(""),
    steps,
    labels,
    firstError: first === null ? null : first + 1,
    kind: passed ? "correct" : labels.includes(1) ? "revised" : "wrong",
    method: "completion",
    policy: "test",
    passed,
    cost: { completions: passed ? 0 : 8, executions: passed ? 1 : 5, ms: 500 },
    probes: passed
      ? []
      : Array.from({ length: 4 }, (_, i) => ({
          step: i + 1,
          correct: true,
          completions: 2,
          executions: 1,
          ms: 100,
        })),
    ...extra,
  };
}

const linear = (executions: number, firstError: number | null, monotone: boolean) => ({
  labels: [],
  firstError,
  monotone,
  cost: { completions: 0, executions, ms: 0 },
});

test("the report counts kinds, bins first errors by code line, and averages cost per response", () => {
  const records = [
    record("a", 3, null, true),
    record("a", 3, 1, false),
    record("b", 12, 0, false),
    record("b", 12, 11, false),
    record("c", 2, null, true, { promptKind: "medium" }),
  ];
  const report = labelReport(records);
  assert.equal(report.responses, 5);
  assert.equal(report.problems, 3);
  assert.deepEqual(report.kinds, { correct: 2, revised: 2, wrong: 1 });
  assert.deepEqual(
    report.promptKinds,
    { easy: 0, medium: 2, hard: 1 },
    "c's recorded prompt kind wins over its one record",
  );
  assert.deepEqual(report.firstError, [
    { position: "1", count: 1 },
    { position: "2", count: 1 },
    { position: "10+", count: 1 },
  ]);
  assert.deepEqual(report.cost.failing, {
    responses: 3,
    probes: 4,
    completions: 8,
    executions: 5,
    seconds: 0.5,
  });
  assert.equal(report.cost.all.executions, (3 * 5 + 2 * 1) / 5);
  assert.equal(report.linear, null);
});

test("binary against linear: agreement, monotonicity, and the execution ratio on failing responses of 8+ code lines", () => {
  const records = [
    record("a", 12, 3, false, { linear: linear(20, 4, true) }),
    record("a", 10, 9, false, { linear: linear(30, 7, false) }),
    record("b", 4, 2, false, { linear: linear(9, 3, true) }),
    record("b", 9, null, true),
  ];
  const { linear: comparison } = labelReport(records);
  assert.deepEqual(comparison, {
    responses: 3,
    monotone: 2,
    agree: 2,
    agreeMonotone: 2,
    long: { responses: 2, binaryExecutions: 10, linearExecutions: 50, ratio: 0.2 },
  });
  const markdown = labelReportMarkdown(labelReport(records));
  for (const text of [
    "### Response and prompt kinds",
    "### First error",
    "### Cost per response",
    "### Binary search against probing every line",
    "20.0% (target: at most 40%)",
  ])
    assert.ok(markdown.includes(text), text);
});

test("the reader skips a torn last line, and openAppend cuts it off before appending", () => {
  const path = join(dir, "torn.jsonl");
  const [one, two] = [record("a", 2, null, true), record("b", 2, 0, false)];
  writeFileSync(path, JSON.stringify(one) + "\n" + JSON.stringify(two).slice(0, 50));
  assert.deepEqual(
    readLabels(path).map((r) => r.problemId),
    ["a"],
  );
  openAppend(path).append([two]);
  assert.deepEqual(
    readLabels(path).map((r) => r.problemId),
    ["a", "b"],
  );
  assert.equal(readFileSync(path, "utf8").split("\n").length, 3);
  assert.deepEqual(readLabels(join(dir, "missing.jsonl")), []);
});

test("a damaged line before the last, or a record that breaks the format, is an error naming the line", () => {
  const path = join(dir, "damaged.jsonl");
  writeFileSync(path, "{not json\n");
  appendFileSync(path, JSON.stringify(record("a", 2, null, true)) + "\n");
  assert.throws(
    () => readLabels(path),
    (e: Error) => e instanceof LabelFileError && /damaged\.jsonl:1: not JSON/.test(e.message),
  );
  writeFileSync(path, JSON.stringify({ ...record("a", 2, null, true), response: "other" }) + "\n");
  assert.throws(
    () => readLabels(path),
    /damaged\.jsonl:1: not a label record: 'steps' do not concatenate to 'response'/,
  );
  writeFileSync(path, JSON.stringify({ ...record("a", 2, null, true), labels: [0, 2, 1] }) + "\n");
  assert.throws(() => readLabels(path), /'labels' must be an array of 1, -1 and 0/);
});
