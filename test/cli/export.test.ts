import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../src/cli/command.js";
import { exportCommand, preferenceRows, stepwiseRow } from "../../src/cli/commands/export.js";
import type { LabelRecord, ResponseKind, StepLabel } from "../../src/labels/records.js";
import { packageRoot } from "../../src/paths.js";

const dir = mkdtempSync(join(tmpdir(), "linewise-export-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function record(problemId: string, kind: ResponseKind, steps: string[], labels: StepLabel[]): LabelRecord {
  return {
    problemId,
    prompt: `def ${problemId}(x):\n`,
    response: steps.join(""),
    steps,
    labels,
    firstError: labels.indexOf(-1) < 0 ? null : labels.indexOf(-1),
    kind,
    method: "completion",
    policy: "test",
    cost: { completions: 0, executions: 1, ms: 0 },
  };
}

const revised = record(
  "f",
  "revised",
  ["    # start\n", "    y = x + 1\n", "\n", "    return y * 3\n", "    # done\n"],
  [0, 1, 0, -1, 0],
);
const correct = record("f", "correct", ["    y = x + 1\n", "    return y * 2\n"], [1, 1]);
const wrong = record("f", "wrong", ["    return 0\n"], [-1]);
const lonely = record("g", "wrong", ["    return 1"], [-1]);

test("stepwise rows merge neutral steps into the next labelled one and drop one line end per step", () => {
  const row = stepwiseRow(revised)!;
  assert.deepEqual(row, {
    prompt: revised.prompt,
    completions: ["    # start\n    y = x + 1", "\n    return y * 3\n    # done"],
    labels: [true, false],
  });
  // Joined with TRL's step_separator "\n", the steps give back the response.
  assert.equal(row.completions.join("\n") + "\n", revised.response);
  assert.deepEqual(
    stepwiseRow(lonely)!.completions,
    ["    return 1"],
    "a last line without a line end is kept whole",
  );
  assert.equal(stepwiseRow(record("h", "wrong", ["\n"], [0])), null, "nothing labelled, no row");
});

test("preference rows pair each failing response with a passing one of the same problem", () => {
  const other = record("f", "correct", ["    return (x + 1) * 2\n"], [1]);
  const rows = preferenceRows([revised, correct, wrong, lonely, other, wrong]);
  assert.deepEqual(rows, [
    { prompt: revised.prompt, chosen: correct.response, rejected: revised.response },
    { prompt: revised.prompt, chosen: other.response, rejected: wrong.response },
    { prompt: revised.prompt, chosen: correct.response, rejected: wrong.response },
  ]);
});

test("linewise export writes both formats, from label records and from a pairs file", () => {
  const labels = join(dir, "labels.jsonl");
  writeFileSync(labels, [revised, correct, wrong, lonely].map((r) => JSON.stringify(r) + "\n").join(""));
  const cli = join(packageRoot, "bin/linewise.js");
  const stepwise = join(dir, "stepwise.jsonl");
  const r = spawnSync(
    process.execPath,
    [cli, "export", "--labels", labels, "--format", "trl-stepwise", "--out", stepwise],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote 4 trl-stepwise rows to .*stepwise\.jsonl \(from 4 label records\)/);
  const rows = readFileSync(stepwise, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(rows[0], stepwiseRow(revised));
  assert.ok(
    rows.every(
      (row) =>
        row.completions.length === row.labels.length &&
        row.labels.every((l: unknown) => typeof l === "boolean"),
    ),
  );
});

test("pairs become preference rows; pairs cannot be exported stepwise; damaged files are one-line errors", async () => {
  const pairs = join(dir, "pairs.jsonl");
  const pair = {
    problemId: "f",
    prompt: "def f(x):\n    y = x + 1\n",
    chosen: "    return y * 2\n",
    rejected: "    return y * 3\n",
    prefix: "    y = x + 1\n",
    stepIndex: 1,
  };
  writeFileSync(pairs, JSON.stringify(pair) + "\n" + JSON.stringify(pair).slice(0, 30));
  const out = join(dir, "preference.jsonl");
  await exportCommand.run(["--labels", pairs, "--format", "trl-preference", "--out", out]);
  assert.deepEqual(JSON.parse(readFileSync(out, "utf8")), {
    prompt: pair.prompt,
    chosen: pair.chosen,
    rejected: pair.rejected,
  });

  await assert.rejects(
    exportCommand.run(["--labels", pairs, "--format", "trl-stepwise", "--out", out]),
    (e: Error) => e instanceof UsageError && /holds step pairs/.test(e.message),
  );
  const damaged = join(dir, "damaged.jsonl");
  writeFileSync(damaged, JSON.stringify(correct) + "\n{oops\n" + JSON.stringify(wrong) + "\n");
  await assert.rejects(
    exportCommand.run(["--labels", damaged, "--format", "trl-stepwise", "--out", out]),
    (e: Error) => e instanceof UsageError && /damaged\.jsonl:2: not JSON/.test(e.message),
  );
  const mismatched = join(dir, "mismatched.jsonl");
  writeFileSync(mismatched, JSON.stringify({ ...correct, labels: [1] }) + "\n");
  await assert.rejects(
    exportCommand.run(["--labels", mismatched, "--format", "trl-stepwise", "--out", out]),
    (e: Error) =>
      e instanceof UsageError &&
      /mismatched\.jsonl:1: not a label record: 2 steps but 1 labels/.test(e.message),
  );
  await assert.rejects(
    exportCommand.run(["--labels", pairs, "--format", "csv", "--out", out]),
    (e: Error) =>
      e instanceof UsageError && /--format expects one of trl-stepwise, trl-preference/.test(e.message),
  );
});
