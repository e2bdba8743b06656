import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { distributedUnsupported } from "../../src/torch/index.js";
import { grpoCommand } from "../../src/cli/commands/grpo.js";
import { ppoCommand } from "../../src/cli/commands/ppo.js";
import { UsageError } from "../../src/cli/command.js";
import { readMetrics } from "../../src/runs/index.js";
import { tinyBodies, tinyPolicy, tinyProblems } from "./ppo-tiny.js";
import { assertSameTraining } from "./data-parallel-helpers.js";

// The ranks are child processes: one thread each, as this process (ppo-tiny.ts), so every run samples alike.
process.env.LINEWISE_THREADS = "1";

const skip = distributedUnsupported() ?? false;
let dir: string;
let policy: string;
let problems: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "linewise-ddp-rl-"));
  // half right and half wrong bodies: groups with different rewards, so advantages are not all zero
  policy = await tinyPolicy(
    dir,
    tinyBodies.map((b, i) => ({ prompt: b.prompt, completion: i % 2 ? b.wrong : b.right })),
    20,
  );
  problems = join(dir, "problems.jsonl");
  writeFileSync(problems, tinyProblems.map((p) => JSON.stringify(p) + "\n").join(""));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Asserts that two RL runs' iteration rows agree: pass rates exactly, `keys` to 1e-3 relative. */
function sameRows(one: string, two: string, keys: readonly string[]): void {
  const rows = (run: string) => readMetrics(run);
  assert.equal(rows(two).length, rows(one).length);
  for (const [a, b] of rows(one).map((r, i) => [r, rows(two)[i]!] as const)) {
    assert.equal(a.passRate, b.passRate);
    for (const key of keys)
      assert.ok(
        Math.abs((a[key] as number) - (b[key] as number)) <=
          1e-3 * Math.max(1e-3, Math.abs(a[key] as number)),
        `iteration ${a.step} ${key}: ${a[key]} vs ${b[key]}`,
      );
  }
}

test(
  "grpo --nproc 2 trains the same policy as one process (rollouts split by problem, statistics over the whole batch), and resumes only with 2 ranks",
  { skip },
  async () => {
    const config = join(dir, "grpo.json");
    // 3 problems (rank 0 runs 1, rank 1 runs 2) × 4 samples; minibatches of 5 split 2 + 3 between the ranks
    writeFileSync(
      config,
      JSON.stringify({
        problemsPerIteration: 3,
        samplesPerProblem: 4,
        minibatchSize: 5,
        maxNewTokens: 12,
        samplesEvery: 1,
        policyLr: 1e-4,
        lossAveraging: "token",
      }),
    );
    const grpo = (run: string, ...flags: string[]) =>
      grpoCommand.run([
        "--policy",
        policy,
        "--problems",
        problems,
        "--out",
        run,
        "--config",
        config,
        "--iterations",
        "2",
        ...flags,
      ]);
    const one = join(dir, "grpo-one");
    const two = join(dir, "grpo-two");
    assert.equal(await grpo(one), 0);
    assert.equal(await grpo(two, "--nproc", "2"), 0);
    sameRows(one, two, ["totalReward", "policyLoss", "policyGradNorm"]);
    const weights = (run: string) => join(run, "checkpoints/step-2/model.safetensors");
    assertSameTraining(join(policy, "model.safetensors"), weights(one), weights(two), 1e-5);
    // rank 0 alone wrote the samples: every rollout once
    const samples = (run: string) => readFileSync(join(run, "samples/iteration-2.jsonl"), "utf8");
    assert.equal(samples(two), samples(one));

    // a resume keeps the number of ranks
    await assert.rejects(
      grpoCommand.run(["--problems", problems, "--out", two, "--resume", "--iterations", "3"]),
      (e: Error) =>
        e instanceof UsageError && /trained by 2 ranks, not 1; resume it with --nproc 2/.test(e.message),
    );
    assert.ok(!existsSync(join(two, "checkpoints/step-3")));

    // … and with it, a run of 1 iteration resumed to 2 is the uninterrupted run
    const resumed = join(dir, "grpo-resumed");
    assert.equal(
      await grpoCommand.run([
        "--policy",
        policy,
        "--problems",
        problems,
        "--out",
        resumed,
        "--config",
        config,
        "--iterations",
        "1",
        "--nproc",
        "2",
      ]),
      0,
    );
    assert.equal(
      await grpoCommand.run([
        "--problems",
        problems,
        "--out",
        resumed,
        "--resume",
        "--iterations",
        "2",
        "--nproc",
        "2",
      ]),
      0,
    );
    sameRows(one, resumed, ["totalReward", "policyLoss", "policyGradNorm"]);
    assertSameTraining(join(policy, "model.safetensors"), weights(one), weights(resumed), 1e-5);
  },
);

test(
  "ppo --nproc 2 trains the same policy and value model as one process: values scored per rank, advantages whitened over the batch",
  { skip },
  async () => {
    const config = join(dir, "ppo.json");
    writeFileSync(
      config,
      JSON.stringify({
        problemsPerIteration: 3,
        samplesPerProblem: 2,
        minibatchSize: 4,
        maxNewTokens: 12,
        policyLr: 1e-4,
        valueLr: 1e-4,
      }),
    );
    const ppo = (run: string, ...flags: string[]) =>
      ppoCommand.run([
        "--preset",
        "baseline",
        "--policy",
        policy,
        "--problems",
        problems,
        "--out",
        run,
        "--config",
        config,
        "--iterations",
        "2",
        ...flags,
      ]);
    const one = join(dir, "ppo-one");
    const two = join(dir, "ppo-two");
    assert.equal(await ppo(one), 0);
    assert.equal(await ppo(two, "--nproc", "2"), 0);
    sameRows(one, two, ["totalReward", "policyLoss", "valueLoss", "policyGradNorm", "valueGradNorm"]);
    const weights = (run: string, model: string) =>
      join(run, "checkpoints/step-2", model, "model.safetensors");
    assertSameTraining(join(policy, "model.safetensors"), weights(one, ""), weights(two, ""), 1e-5);
  },
);
