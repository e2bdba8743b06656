import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memory } from "../../src/torch/index.js";
import { loadCheckpoint, saveCheckpoint, withHead } from "../../src/model/index.js";
import { Tokenizer } from "../../src/model/tokenizer/index.js";
import { createExecutor, type SandboxExecutor } from "../../src/exec/index.js";
import { ConfigError, listCheckpoints, readMetrics } from "../../src/runs/index.js";
import { writePrmInfo } from "../../src/train/prm-scorer.js";
import { grpoDefaults, rlooPreset, trainGrpo, type GrpoConfig } from "../../src/train/grpo.js";
import { halfRightBodies, tinyPolicy, tinyProblems } from "./ppo-tiny.js";

let dir: string;
let executor: SandboxExecutor;
/** A policy that writes the right body of each tiny function about half the time and the wrong one otherwise. */
let policy: string;
/** A PRM on the policy's backbone (untrained: these tests check the plumbing, not its advice). */
let prm: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "linewise-grpo-"));
  executor = createExecutor({ cacheDir: null });
  policy = await tinyPolicy(dir, halfRightBodies);
  prm = join(dir, "prm");
  const model = loadCheckpoint(policy);
  const scalar = withHead(model, "scalar");
  saveCheckpoint(prm, scalar, Tokenizer.load(policy));
  writePrmInfo(prm, { loss: "mse" });
  model.dispose();
  scalar.dispose();
});

after(async () => {
  await executor.close();
  rmSync(dir, { recursive: true, force: true });
});

/** GRPO on the four tiny problems: groups of 8, 2 minibatches of 16 (PPO's test settings). */
const tiny = (overrides: Partial<GrpoConfig>, base: GrpoConfig = grpoDefaults): GrpoConfig => ({
  ...base,
  policy,
  problemsPerIteration: 4,
  samplesPerProblem: 8,
  minibatchSize: 16,
  maxNewTokens: 24,
  policyLr: 3e-4,
  checkpointEvery: 100,
  samplesEvery: 0,
  ...overrides,
});

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

for (const [algo, base] of [
  ["GRPO", grpoDefaults],
  ["RLOO", rlooPreset],
] as const) {
  test(`${algo} on unit-test outcomes raises the training pass rate of a policy that is right half the time`, async () => {
    const run = join(dir, `raise-${algo}`);
    const before = memory().tensors;
    const result = await trainGrpo(tiny({ iterations: 8 }, base), tinyProblems, run, {
      quiet: true,
      executor,
    });
    const afterTraining = memory().tensors;
    loadCheckpoint(result.checkpoint).dispose();
    assert.equal(
      afterTraining - before,
      memory().tensors - afterTraining,
      "training leaves no live tensors behind",
    );

    const rows = readMetrics(run);
    assert.deepEqual(
      rows.map((r) => r.step),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    const pass = rows.map((r) => r.passRate as number);
    assert.ok(
      mean(pass.slice(-3)) >= mean(pass.slice(0, 2)) + 0.15,
      `pass rates by iteration: ${pass.join(", ")}`,
    );
    // The first rollouts come from the reference itself: their KL is 0 up to the rounding between the
    // sampler's KV-cached log-probabilities and the reference's packed pass.
    assert.ok(Math.abs(rows[0]!.kl as number) < 1e-4, `first iteration KL ${rows[0]!.kl}`);
    for (const row of rows) {
      for (const field of [
        "approxKl",
        "clipFrac",
        "entropy",
        "policyLoss",
        "refKl",
        "zeroStdGroups",
        "meanAbsAdvantage",
      ])
        assert.ok(Number.isFinite(row[field]), `${field} in ${JSON.stringify(row)}`);
      assert.equal(row.rollouts, 32);
      assert.equal(row.valueLoss, undefined, "no value model");
    }
  });
}

test("a GRPO run stopped after an iteration and resumed from its last checkpoint ends as an uninterrupted run", async () => {
  const config = tiny({ iterations: 4, checkpointEvery: 2, keepCheckpoints: 3, samplesEvery: 2 });
  await trainGrpo(config, tinyProblems, join(dir, "straight"), { quiet: true, executor });

  const run = join(dir, "interrupted");
  const stop = new AbortController();
  const first = await trainGrpo(config, tinyProblems, run, {
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
    trainGrpo({ ...config, beta: 0.5 }, tinyProblems, run, { quiet: true, executor, resume: true }),
    (e: Error) => e instanceof ConfigError && /differs .* in beta/.test(e.message),
  );
  await assert.rejects(
    trainGrpo(config, tinyProblems.slice(1), run, { quiet: true, executor, resume: true }),
    (e: Error) => e instanceof ConfigError && /problems differ/.test(e.message),
  );
  const resumed = await trainGrpo(config, tinyProblems, run, { quiet: true, executor, resume: true });
  assert.deepEqual(
    resumed.metrics.map((m) => m.step),
    [3, 4],
  );
  for (const file of ["model.safetensors", "policy-optimizer.safetensors"]) {
    const read = (r: string) => readFileSync(join(r, "checkpoints", "step-4", file));
    assert.ok(read(join(dir, "straight")).equals(read(run)), `${file} is identical`);
  }
  const numbers = (r: string) =>
    readMetrics(r).map(({ step, passRate, kl, policyLoss, approxKl, refKl }) => ({
      step,
      passRate,
      kl,
      policyLoss,
      approxKl,
      refKl,
    }));
  assert.deepEqual(numbers(run), numbers(join(dir, "straight")));
  const samples = readFileSync(join(run, "samples", "iteration-4.jsonl"), "utf8")
    .trim()
    .split("\n");
  assert.equal(samples.length, 32);
});

test("GRPO with the PRM's process rewards: PSGPO's line rewards in the reward, and process-supervised step advantages", async () => {
  for (const processReward of ["psgpo", "steps"] as const) {
    const run = join(dir, `dense-${processReward}`);
    const result = await trainGrpo(
      tiny({
        iterations: 1,
        prm,
        denseReward: true,
        processReward,
        problemsPerIteration: 2,
        samplesPerProblem: 4,
      }),
      tinyProblems,
      run,
      { quiet: true, executor },
    );
    assert.equal(result.iteration, 1);
    const row = readMetrics(run)[0]!;
    assert.notEqual(row.processReward, 0, `${processReward}: the PRM's scores reach the rewards`);
    assert.ok(Number.isFinite(row.policyLoss));
  }
});

test("GRPO refuses configurations that cannot work, naming the field", async () => {
  const refused = async (overrides: Partial<GrpoConfig>, message: RegExp) =>
    assert.rejects(
      trainGrpo(tiny(overrides), tinyProblems, join(dir, "refused"), { quiet: true, executor }),
      (e: Error) => e instanceof ConfigError && message.test(e.message) && !e.message.includes("\n"),
    );
  await refused({ denseReward: true }, /grpo config: prm must be a PRM checkpoint when denseReward is on/);
  await refused(
    { samplesPerProblem: 1 },
    /grpo config: samplesPerProblem must be at least 2 \(a group of 1 sample/,
  );
  await refused({ algo: "rloo", samplesPerProblem: 1 }, /rloo config: samplesPerProblem must be at least 2/);
  await refused({ klPenalty: "both" as never }, /klPenalty must be "loss" or "reward"/);
  await refused(
    { lossAveraging: "mean" as never },
    /lossAveraging must be "sequence", "token" or "constant"/,
  );
});
