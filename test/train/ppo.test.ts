import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memory } from "../../src/torch/index.js";
import { loadCheckpoint } from "../../src/model/index.js";
import { createExecutor, type SandboxExecutor } from "../../src/exec/index.js";
import { ConfigError, listCheckpoints, readMetrics } from "../../src/runs/index.js";
import { baselinePreset, trainPpo, type PpoConfig, type PpoMetrics } from "../../src/train/ppo.js";
import { halfRightBodies, tinyPolicy, tinyProblems } from "./ppo-tiny.js";

let dir: string;
let executor: SandboxExecutor;
/** A policy that writes the right body of each tiny function about half the time and the wrong one otherwise. */
let policy: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "linewise-ppo-"));
  executor = createExecutor({ cacheDir: null });
  policy = await tinyPolicy(dir, halfRightBodies);
});

after(async () => {
  await executor.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The RL baseline on the four tiny problems: 8 samples each per iteration, 2 minibatches of 16. */
const tiny = (overrides: Partial<PpoConfig>): PpoConfig => ({
  ...baselinePreset,
  policy,
  problemsPerIteration: 4,
  samplesPerProblem: 8,
  minibatchSize: 16,
  maxNewTokens: 24,
  policyLr: 3e-4,
  valueLr: 1e-3,
  checkpointEvery: 100,
  samplesEvery: 0,
  ...overrides,
});

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test("PPO on unit-test outcomes raises the training pass rate of a policy that is right half the time", async () => {
  const before = memory().tensors;
  const result = await trainPpo(tiny({ iterations: 10 }), tinyProblems, join(dir, "raise"), {
    quiet: true,
    executor,
  });
  const afterTraining = memory().tensors;
  // Whatever merely building and disposing this model leaves behind is not the trainer's doing.
  loadCheckpoint(result.checkpoint).dispose();
  assert.equal(
    afterTraining - before,
    memory().tensors - afterTraining,
    "training leaves no live tensors behind",
  );

  const rows = readMetrics(join(dir, "raise"));
  assert.deepEqual(
    rows.map((r) => r.step),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  const pass = rows.map((r) => r.passRate as number);
  assert.ok(
    mean(pass.slice(-3)) >= mean(pass.slice(0, 2)) + 0.15,
    `pass rates by iteration: ${pass.join(", ")}`,
  );
  // The first rollouts come from the reference itself: their KL is 0 up to the rounding between the
  // sampler's KV-cached log-probabilities and the reference's packed pass.
  assert.ok(Math.abs(rows[0]!.kl as number) < 1e-4, `first iteration KL ${rows[0]!.kl}`);
  assert.ok((rows.at(-1)!.kl as number) > 0, "the trained policy has moved away from the reference");
  for (const row of rows) {
    for (const field of [
      "outcomeReward",
      "processReward",
      "klReward",
      "approxKl",
      "clipFrac",
      "entropy",
      "valueLoss",
      "policyLoss",
      "responseLength",
      "linesPerResponse",
      "commentShare",
    ] satisfies (keyof PpoMetrics)[]) {
      assert.ok(Number.isFinite(row[field]), `${field} in ${JSON.stringify(row)}`);
    }
    assert.equal(row.processReward, 0, "no PRM, no process reward");
    // Where the iteration's time went, phase by phase; without a PRM there is no PRM phase to speak of.
    const phases = ["generate", "sandbox", "segment", "reference", "values", "policyUpdate", "valueUpdate"];
    for (const phase of phases)
      assert.ok((row[`${phase}Seconds`] as number) > 0, `${phase}Seconds in ${JSON.stringify(row)}`);
    const split = phases.reduce((s, phase) => s + (row[`${phase}Seconds`] as number), 0);
    assert.ok(
      split <= (row.rolloutSeconds as number) + (row.updateSeconds as number) + 1e-6,
      "phases within the iteration",
    );
    assert.equal(row.rollouts, 32);
    assert.ok((row.linesPerResponse as number) >= 1, "a response has at least its return line");
    assert.equal(row.outcomeReward, row.passRate, "binary outcome: the mean outcome is the pass rate");
  }
  assert.equal(result.iteration, 10);
  assert.equal(result.stopped, false);
});

test("a PPO run stopped after an iteration and resumed from its last checkpoint ends as an uninterrupted run", async () => {
  const config = tiny({ iterations: 4, checkpointEvery: 2, keepCheckpoints: 3, samplesEvery: 2 });
  await trainPpo(config, tinyProblems, join(dir, "straight"), { quiet: true, executor });

  const run = join(dir, "interrupted");
  const stop = new AbortController();
  const first = await trainPpo(config, tinyProblems, run, {
    quiet: true,
    executor,
    signal: stop.signal,
    onIteration: (m) => m.step === 3 && stop.abort(),
  });
  assert.equal(first.stopped, true);
  assert.deepEqual(
    listCheckpoints(run).map((c) => c.step),
    [2, 3],
  );
  // As if killed during iteration 3 before its checkpoint: iteration 3 is redone from the checkpoint at 2.
  rmSync(join(run, "checkpoints", "step-3"), { recursive: true });
  await assert.rejects(
    trainPpo({ ...config, beta: 0.5 }, tinyProblems, run, { quiet: true, executor, resume: true }),
    (e: Error) => e instanceof ConfigError && /differs .* in beta/.test(e.message),
  );
  await assert.rejects(
    trainPpo(config, tinyProblems.slice(1), run, { quiet: true, executor, resume: true }),
    (e: Error) => e instanceof ConfigError && /problems differ/.test(e.message),
  );
  const resumed = await trainPpo(config, tinyProblems, run, { quiet: true, executor, resume: true });
  assert.deepEqual(
    resumed.metrics.map((m) => m.step),
    [3, 4],
    "this session ran iterations 3 and 4",
  );

  for (const file of [
    "model.safetensors",
    "value/model.safetensors",
    "policy-optimizer.safetensors",
    "value-optimizer.safetensors",
  ]) {
    const read = (r: string) => readFileSync(join(r, "checkpoints", "step-4", file));
    assert.ok(read(join(dir, "straight")).equals(read(run)), `${file} is identical`);
  }
  const numbers = (r: string) =>
    readMetrics(r).map(({ step, passRate, kl, policyLoss, valueLoss, approxKl }) => ({
      step,
      passRate,
      kl,
      policyLoss,
      valueLoss,
      approxKl,
    }));
  assert.deepEqual(numbers(run), numbers(join(dir, "straight")));
  const samples = readFileSync(join(run, "samples", "iteration-4.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(samples.length, 32);
  assert.ok(
    samples.every(
      (s) =>
        typeof s.response === "string" && typeof s.status === "string" && typeof s.reward.total === "number",
    ),
  );
});
