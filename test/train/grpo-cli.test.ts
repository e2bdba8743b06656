import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../src/cli/command.js";
import { grpoCommand } from "../../src/cli/commands/grpo.js";
import { readMetrics, readRunConfig } from "../../src/runs/index.js";
import { tinyBodies, tinyPolicy, tinyProblems } from "./ppo-tiny.js";

let dir: string;
let policy: string;
let problems: string;
let config: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "linewise-grpo-cli-"));
  policy = await tinyPolicy(
    dir,
    tinyBodies.map((b) => ({ prompt: b.prompt, completion: b.right })),
    30,
  );
  problems = join(dir, "problems.jsonl");
  writeFileSync(problems, tinyProblems.map((p) => JSON.stringify(p) + "\n").join(""));
  config = join(dir, "config.json");
  writeFileSync(
    config,
    JSON.stringify({
      problemsPerIteration: 2,
      samplesPerProblem: 2,
      minibatchSize: 4,
      maxNewTokens: 16,
      samplesEvery: 1,
    }),
  );
});

after(() => rmSync(dir, { recursive: true, force: true }));

const grpo = (run: string, ...flags: string[]) =>
  grpoCommand.run(["--policy", policy, "--problems", problems, "--out", run, "--config", config, ...flags]);

test("linewise grpo --algo rloo takes the rloo preset, and a run resumes with more --iterations (and gradient checkpointing on)", async () => {
  const run = join(dir, "rloo");
  assert.equal(await grpo(run, "--algo", "rloo", "--iterations", "1"), 0);
  for (const file of ["model.safetensors", "tokenizer.json", "policy-optimizer.safetensors"])
    assert.ok(existsSync(join(run, "checkpoints", "step-1", file)), file);
  assert.ok(existsSync(join(run, "samples", "iteration-1.jsonl")));
  const saved = readRunConfig(run) as Record<string, unknown>;
  assert.deepEqual(
    [saved.algo, saved.klPenalty, saved.beta, saved.samplesPerProblem],
    ["rloo", "reward", 0.05, 2],
  );
  assert.equal(
    await grpoCommand.run([
      ...["--problems", problems, "--out", run, "--resume", "--iterations", "2"],
      ...["--gradient-checkpointing", "on"],
    ]),
    0,
  );
  assert.deepEqual(
    readMetrics(run).map((r) => r.step),
    [1, 2],
  );
});

test("linewise grpo reports configurations that cannot work in one line naming the option or field", async () => {
  const usage = async (argv: string[], message: RegExp) =>
    assert.rejects(
      grpoCommand.run(argv),
      (e: Error) => e instanceof UsageError && message.test(e.message) && !e.message.includes("\n"),
    );
  const base = ["--policy", policy, "--problems", problems];
  await usage(
    [...base, "--out", join(dir, "a"), "--preset", "grpo-steps"],
    /uses dense rewards; pass --prm CKPT/,
  );
  await usage(
    [...base, "--out", join(dir, "b"), "--value-init", "prm"],
    /--value-init: GRPO and RLOO have no value model/,
  );
  writeFileSync(join(dir, "value.json"), '{"valueInit": "prm"}');
  await usage(
    [...base, "--out", join(dir, "c"), "--config", join(dir, "value.json")],
    /value\.json: field "valueInit" has no meaning for GRPO and RLOO/,
  );
  writeFileSync(join(dir, "one.json"), '{"samplesPerProblem": 1}');
  await usage(
    [...base, "--out", join(dir, "d"), "--config", join(dir, "one.json")],
    /grpo config: samplesPerProblem must be at least 2 \(a group of 1 sample/,
  );
  await usage([...base, "--out", join(dir, "e"), "--algo", "ppo"], /--algo expects grpo or rloo/);
  await usage(
    [...base, "--out", join(dir, "f"), "--loss-averaging", "mean"],
    /--loss-averaging expects sequence or token or constant/,
  );
  assert.ok(!existsSync(join(dir, "d", "config.json")), "a refused config leaves no run folder behind");
});
