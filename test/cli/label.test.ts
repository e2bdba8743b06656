import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExecutor } from "../../src/exec/index.js";
import { ledgerPath } from "../../src/labels/completion-run.js";
import { readLabels, readPairs } from "../../src/labels/records.js";
import { encodePrompt, saveCheckpoint } from "../../src/model/index.js";
import { Tokenizer } from "../../src/model/tokenizer/index.js";
import { packageRoot } from "../../src/paths.js";
import { labelCommand } from "../../src/cli/commands/label.js";
import { UsageError } from "../../src/cli/command.js";
import { referenceResponse } from "../../src/problems/program.js";
import { buildSuite } from "../../src/problems/suite/index.js";
import type { Problem } from "../../src/problems/types.js";
import { memorise, tinyModel } from "../model/tiny.js";

const cli = join(packageRoot, "bin/linewise.js");
const dir = mkdtempSync(join(tmpdir(), "linewise-label-cli-"));
const problemsFile = join(dir, "problems.jsonl");
const responsesFile = join(dir, "responses.jsonl");
const checkpoint = join(dir, "policy");
let problems: Problem[] = [];

/** The reference body with its last line (the final return) changed to return something else. */
function brokenLast(response: string): string {
  const lines = response.split(/(?<=\n)/);
  lines[lines.length - 1] = lines.at(-1)!.replace(/return .*/, "return 12345");
  return lines.join("");
}

// Three suite problems and a tiny policy that has memorised their reference solutions.
before(async () => {
  const executor = createExecutor({ cacheDir: null });
  try {
    problems = await buildSuite({ n: 3, seed: 1, split: "train", executor });
  } finally {
    await executor.close();
  }
  writeFileSync(problemsFile, problems.map((p) => JSON.stringify(p) + "\n").join(""));
  const bodies = problems.map((p) => referenceResponse(p)!);
  writeFileSync(
    responsesFile,
    problems
      .flatMap((p, i) =>
        [
          { problemId: p.id, response: bodies[i] },
          { problemId: p.id, response: brokenLast(bodies[i]!) },
        ].map((r) => JSON.stringify(r) + "\n"),
      )
      .join(""),
  );
  const tokenizer = Tokenizer.train(
    problems.flatMap((p) => [p.prompt, p.solution!]),
    { vocabSize: 300 },
  );
  const model = tinyModel(
    {
      vocabSize: tokenizer.vocabSize,
      maxPositions: 256,
      initializerRange: 0.02,
      bosTokenId: tokenizer.bosId,
      eosTokenId: tokenizer.eosId,
      padTokenId: tokenizer.padId,
    },
    3,
  );
  const examples = problems.map((p, i) => ({
    prompt: encodePrompt(tokenizer, p.prompt),
    response: [...tokenizer.encode(bodies[i]!).ids, tokenizer.eosId],
  }));
  memorise(model, examples, 120);
  saveCheckpoint(checkpoint, model, tokenizer);
  model.dispose();
});
after(() => rmSync(dir, { recursive: true, force: true }));

function linewise(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, CI: "1" } });
}

test("linewise label --method completion labels given responses with a checkpoint policy, and a rerun resumes", async () => {
  const out = join(dir, "labels.jsonl");
  const args = [
    "label",
    "--problems",
    problemsFile,
    "--policy",
    checkpoint,
    "--responses",
    responsesFile,
    "-k",
    "2",
    "--temperature",
    "0.3",
    "--max-tokens",
    "48",
    "--linear",
    "--no-cache",
    "--out",
    out,
  ];
  const r = linewise(...args);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /labelled 3 problems \(0 from an earlier run\), 6 responses: correct 3, revised \d, wrong \d/,
  );
  assert.match(r.stdout, /per failing response: [\d.]+ probes/);
  assert.match(r.stdout, /binary vs linear: same first error on \d\/3 failing responses/);
  const records = readLabels(out);
  assert.equal(records.length, 6);
  for (const record of records) {
    assert.equal(record.steps.join(""), record.response);
    assert.equal(record.labels.length, record.steps.length);
    assert.equal(record.policy, checkpoint);
    if (record.passed) {
      assert.equal(record.kind, "correct");
      assert.deepEqual(record.probes, []);
    } else {
      assert.ok(record.probes!.length >= 1, "a failing response is probed");
      assert.ok(record.linear, "--linear records the scan");
      assert.equal(record.cost.completions, 2 * record.probes!.length);
      // The last code line is wrong in every failing response, so no prefix through it can be rescued.
      assert.equal(record.labels.at(-1), -1);
    }
  }

  const again = linewise(...args);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /labelled 3 problems \(3 from an earlier run\)/);
  assert.equal(readLabels(out).length, 6);

  await assert.rejects(
    labelCommand.run(args.slice(1).map((a) => (a === "2" ? "3" : a))),
    (e: Error) => e instanceof UsageError && /was labelled with other options \(k 2\)/.test(e.message),
  );
});

test("linewise label samples responses from the policy, one shard at a time", () => {
  const out = join(dir, "sampled-0.jsonl");
  const r = linewise(
    "label",
    "--problems",
    problemsFile,
    "--policy",
    checkpoint,
    "--samples",
    "2",
    "-k",
    "2",
    "--max-tokens",
    "48",
    "--shard",
    "0/2",
    "--select",
    "remove-hard",
    "--no-cache",
    "--out",
    out,
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /labelled 2 problems .* 4 responses/);
  const ids = new Set(readLabels(out).map((record) => record.problemId));
  assert.ok([...ids].every((id) => id === problems[0]!.id || id === problems[2]!.id));
  assert.equal(readFileSync(ledgerPath(out), "utf8").trim().split("\n").length, 3);
});

test("linewise label --method mutation writes step records and pairs with the rule teacher", () => {
  const out = join(dir, "mutation.jsonl");
  const r = linewise("label", "--method", "mutation", "--problems", problemsFile, "--out", out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /mutation labels: \d+ records and \d+ pairs written this run/);
  const records = readLabels(out);
  assert.ok(records.length >= problems.length);
  assert.ok(records.every((record) => record.method === "mutation"));
  assert.ok(
    readPairs(join(dir, "mutation.pairs.jsonl")).every((p) =>
      p.prompt.startsWith(problems.find((q) => q.id === p.problemId)!.prompt),
    ),
  );
});

test("linewise label reports user errors in one line", async () => {
  const x = join(dir, "x.jsonl");
  const cases: [string[], RegExp][] = [
    [
      ["--problems", problemsFile, "--out", x, "--samples", "2"],
      /give exactly one of --policy CKPT or --openai URL/,
    ],
    [
      ["--problems", problemsFile, "--out", x, "--policy", checkpoint],
      /give exactly one of --responses FILE or --samples N/,
    ],
    [
      ["--problems", problemsFile, "--out", x, "--policy", dir, "--samples", "1"],
      /is not a checkpoint folder/,
    ],
    [
      ["--problems", problemsFile, "--out", x, "--policy", checkpoint, "--samples", "1", "--select", "best"],
      /--select expects one of full, remove-hard, medium-only, revised-only/,
    ],
    [
      ["--problems", problemsFile, "--out", x, "--policy", checkpoint, "--samples", "1", "--shard", "2/2"],
      /--shard expects I\/N/,
    ],
    [
      ["--method", "mutation", "--problems", problemsFile, "--out", x, "--teacher", "openai"],
      /--teacher openai needs --teacher-url/,
    ],
    [
      ["--method", "mutation", "--problems", problemsFile, "--out", x, "-k", "3"],
      /--k is for --method completion/,
    ],
    [
      ["--problems", join(dir, "missing.jsonl"), "--out", x, "--policy", checkpoint, "--samples", "1"],
      /missing\.jsonl: cannot read/,
    ],
  ];
  const badResponses = join(dir, "bad-responses.jsonl");
  writeFileSync(
    badResponses,
    `{"problemId": "${problems[0]!.id}", "response": "    return 1\\n"}\n{"problemId": "nope", "response": ""}\n`,
  );
  cases.push([
    ["--problems", problemsFile, "--policy", checkpoint, "--responses", badResponses, "--out", x],
    /bad-responses\.jsonl:2: problemId 'nope' is not in the problems file/,
  ]);
  // In process: the dispatcher prints a UsageError's message as the one line (see the spawned run above).
  for (const [args, message] of cases)
    await assert.rejects(
      labelCommand.run(args),
      (e: Error) => e instanceof UsageError && message.test(e.message) && !e.message.includes("\n"),
      args.join(" "),
    );
});
