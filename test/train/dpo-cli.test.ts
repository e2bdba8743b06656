import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../src/cli/command.js";
import { dpoCommand } from "../../src/cli/commands/dpo.js";
import type { LabelRecord } from "../../src/labels/records.js";
import { readMetrics, readRunConfig } from "../../src/runs/index.js";
import { wholeResponsePairs } from "../../src/train/dpo-data.js";
import { tinyBodies, tinyPolicy } from "./ppo-tiny.js";

let dir: string;
let policy: string;
let pairsFile: string;
let labelsFile: string;

/** A completion label record of a whole response (only the fields the pairs use matter here). */
const record = (problemId: string, prompt: string, response: string, passed: boolean): LabelRecord => ({
  problemId,
  prompt,
  response,
  steps: [response],
  labels: [passed ? 1 : -1],
  firstError: passed ? null : 0,
  kind: passed ? "correct" : "wrong",
  method: "completion",
  policy: "test",
  cost: { completions: 0, executions: 1, ms: 1 },
  passed,
});

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r) + "\n").join("");

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "linewise-dpo-cli-"));
  policy = await tinyPolicy(
    dir,
    tinyBodies.map((b) => ({ prompt: b.prompt, completion: b.wrong })),
    30,
  );
  // Step pairs as the mutation labeller writes them: the prompt ends with the prefix (here the first step).
  pairsFile = join(dir, "pairs.jsonl");
  writeFileSync(
    pairsFile,
    jsonl(
      tinyBodies.map((b) => {
        const prefix = "    # compute\n";
        return {
          problemId: b.id,
          prompt: b.prompt + prefix,
          prefix,
          chosen: b.right,
          rejected: b.wrong,
          stepIndex: 1,
          granularity: "line",
        };
      }),
    ),
  );
  labelsFile = join(dir, "labels.jsonl");
  writeFileSync(
    labelsFile,
    jsonl(
      tinyBodies.flatMap((b) => [
        record(b.id, b.prompt, b.right, true),
        record(b.id, b.prompt, b.wrong, false),
      ]),
    ),
  );
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("whole-response pairs pair each distinct failing response of a problem with a passing one", () => {
  const records = [
    record("p", "P", "a", true),
    record("p", "P", "b", true),
    record("p", "P", "x", false),
    record("p", "P", "y", false),
    record("p", "P", "z", false),
    record("p", "P", "x", false),
    record("q", "Q", "w", false),
    { ...record("r", "R", "ok", true), method: "mutation" as const },
  ];
  assert.deepEqual(
    wholeResponsePairs(records).map((p) => [p.problemId, p.chosen, p.rejected, p.whole]),
    [
      ["p", "a", "x", true],
      ["p", "b", "y", true],
      ["p", "a", "z", true],
    ],
  );
});

test("whole-response pairs come in problem order whatever order labelling finished the problems in", () => {
  const records = [
    record("b", "B", "b-ok", true),
    record("b", "B", "b-bad", false),
    record("a", "A", "a-ok", true),
    record("a", "A", "a-bad", false),
  ];
  const finishedOtherWay = [...records.slice(2), ...records.slice(0, 2)];
  const ordered = [
    ["a", "a-ok", "a-bad"],
    ["b", "b-ok", "b-bad"],
  ];
  for (const file of [records, finishedOtherWay])
    assert.deepEqual(
      wholeResponsePairs(file).map((p) => [p.problemId, p.chosen, p.rejected]),
      ordered,
    );
});

test("linewise dpo trains on step pairs and whole-response pairs, evaluates held-out problems, and resumes with more --epochs", async () => {
  const run = join(dir, "run");
  const config = join(dir, "config.json");
  writeFileSync(
    config,
    JSON.stringify({ batchSize: 4, lr: 1e-3, evalFraction: 0.25, evalEvery: 2, logEvery: 1 }),
  );
  const data = ["--pairs", pairsFile, "--labels", labelsFile, "--out", run];
  assert.equal(
    await dpoCommand.run([...data, "--policy", policy, "--config", config, "--beta", "0.2", "--epochs", "1"]),
    0,
  );
  // 8 pairs over 4 problems, 1 problem (2 pairs) held out: 6 training pairs, 2 steps an epoch.
  const rows = readMetrics(run);
  assert.deepEqual(
    rows.map((r) => r.step),
    [1, 2],
  );
  for (const field of [
    "loss",
    "rewards/margins",
    "rewards/chosen",
    "rewards/rejected",
    "rewards/accuracies",
    "logps/chosen",
    "logps/rejected",
    "eval/loss",
    "eval/rewards/accuracies",
  ]) {
    assert.ok(Number.isFinite(rows[1]![field]), `${field} in ${JSON.stringify(rows[1])}`);
  }
  assert.equal((readRunConfig(run) as { beta: number }).beta, 0.2);
  assert.equal(
    await dpoCommand.run([...data, "--resume", "--epochs", "2", "--gradient-checkpointing", "on"]),
    0,
  );
  assert.deepEqual(
    readMetrics(run).map((r) => r.step),
    [1, 2, 3, 4],
  );
});

test("linewise dpo reports bad input in one line", async () => {
  const usage = async (argv: string[], message: RegExp) =>
    assert.rejects(
      dpoCommand.run(argv),
      (e: Error) => e instanceof UsageError && message.test(e.message) && !e.message.includes("\n"),
    );
  const out = (name: string) => ["--out", join(dir, name)];
  await usage(["--policy", policy, ...out("a")], /give --pairs FILE .* or --labels FILE/);
  await usage(
    ["--policy", policy, "--pairs", labelsFile, ...out("b")],
    /labels\.jsonl:1: not a pair .*pass label files with --labels/,
  );
  writeFileSync(
    join(dir, "bad-prefix.jsonl"),
    jsonl([{ problemId: "p", prompt: "def f():\n", prefix: "    x = 1\n", chosen: "a", rejected: "b" }]),
  );
  await usage(
    ["--policy", policy, "--pairs", join(dir, "bad-prefix.jsonl"), ...out("c")],
    /'prompt' does not end with 'prefix'/,
  );
  writeFileSync(join(dir, "one-sided.jsonl"), jsonl([record("p", "P", "ok", true)]));
  await usage(
    ["--policy", policy, "--labels", join(dir, "one-sided.jsonl"), ...out("d")],
    /no problem has both a passing and a failing/,
  );
  await usage(
    ["--policy", policy, "--pairs", join(dir, "missing.jsonl"), ...out("e")],
    /missing\.jsonl: not found/,
  );
  await usage(
    ["--policy", policy, "--pairs", pairsFile, "--beta", "0", ...out("f")],
    /--beta expects a positive number/,
  );
  await usage(
    ["--pairs", pairsFile, "--out", join(dir, "run"), "--resume", "--beta", "0.3"],
    /drop --config and --beta/,
  );
});
