import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../src/cli/command.js";
import { ppoCommand } from "../../src/cli/commands/ppo.js";
import { loadCheckpoint, saveCheckpoint, withHead } from "../../src/model/index.js";
import { Tokenizer } from "../../src/model/tokenizer/index.js";
import { readMetrics, readRunConfig } from "../../src/runs/index.js";
import { writePrmInfo } from "../../src/train/prm-scorer.js";
import { tinyBodies, tinyPolicy, tinyProblems } from "./ppo-tiny.js";

let dir: string;
let policy: string;
/** A PRM on the policy's backbone and tokenizer (untrained: these tests check the plumbing, not its advice). */
let prm: string;
let problems: string;
let config: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "linewise-ppo-cli-"));
  policy = await tinyPolicy(
    dir,
    tinyBodies.map((b) => ({ prompt: b.prompt, completion: b.right })),
    30,
  );
  prm = join(dir, "prm");
  const model = loadCheckpoint(policy);
  const scalar = withHead(model, "scalar");
  saveCheckpoint(prm, scalar, Tokenizer.load(policy));
  writePrmInfo(prm, { loss: "mse" });
  model.dispose();
  scalar.dispose();
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

/** `linewise ppo` for one iteration of the tiny config into RUN, with `flags` added. */
const ppo = (run: string, ...flags: string[]) =>
  ppoCommand.run([
    "--policy",
    policy,
    "--problems",
    problems,
    "--out",
    run,
    "--config",
    config,
    "--iterations",
    "1",
    ...flags,
  ]);

/** The run's config.json fields `keys`, in order. */
const saved = (run: string, keys: string[]) =>
  keys.map((k) => (readRunConfig(run) as Record<string, unknown>)[k]);

test("linewise ppo with the psgpo preset: dense PRM rewards, value model from the PRM, resumable with more --iterations", async () => {
  const run = join(dir, "psgpo");
  assert.equal(await ppo(run, "--prm", prm), 0);
  const files = [
    "model.safetensors",
    "tokenizer.json",
    "value/model.safetensors",
    "policy-optimizer.safetensors",
    "value-optimizer.safetensors",
  ];
  for (const file of files) assert.ok(existsSync(join(run, "checkpoints", "step-1", file)), file);
  assert.ok(existsSync(join(run, "samples", "iteration-1.jsonl")));
  assert.deepEqual(saved(run, ["denseReward", "valueInit", "processReward", "prm", "problemsPerIteration"]), [
    true,
    "prm",
    "psgpo",
    prm,
    2,
  ]);
  assert.notEqual(readMetrics(run)[0]!.processReward, 0, "the PRM's scores reach the rewards");

  assert.equal(
    await ppoCommand.run(["--problems", problems, "--out", run, "--resume", "--iterations", "2"]),
    0,
  );
  assert.deepEqual(
    readMetrics(run).map((r) => r.step),
    [1, 2],
  );
});

test("linewise ppo with the prlcoder and baseline presets", async () => {
  const prl = join(dir, "prlcoder");
  assert.equal(await ppo(prl, "--prm", prm, "--preset", "prlcoder"), 0);
  assert.deepEqual(saved(prl, ["outcomeReward", "processReward", "valueInit"]), [
    "compiler",
    "prlcoder",
    "policy",
  ]);
  const base = join(dir, "baseline");
  assert.equal(await ppo(base, "--preset", "baseline", "--reward", "compiler", "--beta", "0.1"), 0);
  assert.deepEqual(saved(base, ["denseReward", "outcomeReward", "beta", "prm"]), [
    false,
    "compiler",
    0.1,
    null,
  ]);
  assert.equal(readMetrics(base)[0]!.processReward, 0);
});

test("linewise ppo reports bad input in one line", async () => {
  const usage = async (argv: string[], message: RegExp) =>
    assert.rejects(
      ppoCommand.run(argv),
      (e: Error) => e instanceof UsageError && message.test(e.message) && !e.message.includes("\n"),
    );
  const base = ["--policy", policy, "--problems", problems];
  await usage(
    [...base, "--out", join(dir, "a")],
    /uses dense rewards and the PRM value init; pass --prm CKPT, or --preset baseline/,
  );
  await usage(
    [...base, "--out", join(dir, "b"), "--preset", "grpo"],
    /--preset expects one of psgpo, prlcoder, baseline/,
  );
  await usage(
    [...base, "--out", join(dir, "c"), "--dense-reward", "yes"],
    /--dense-reward expects on or off/,
  );
  await usage(
    [...base, "--out", join(dir, "d"), "--prm", join(dir, "nowhere")],
    /--prm: .*not a checkpoint folder/,
  );
  await usage(
    [...base, "--out", join(dir, "e"), "--preset", "baseline", "--iterations", "0"],
    /--iterations expects a positive integer/,
  );
  writeFileSync(join(dir, "typo.json"), '{"clip": 0.3}');
  await usage(
    [...base, "--out", join(dir, "f"), "--preset", "baseline", "--config", join(dir, "typo.json")],
    /typo\.json: unknown field "clip"/,
  );
  await usage(
    ["--problems", problems, "--out", join(dir, "psgpo"), "--resume", "--beta", "0.2"],
    /drop the options that change it \(beta\)/,
  );
  await usage(["--prm", prm, ...base, "--out", join(dir, "psgpo")], /already holds a run/);
});
