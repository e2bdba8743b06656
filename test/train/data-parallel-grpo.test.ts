import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { distributedUnsupported } from "../../src/torch/index.js";
import { grpoCommand } from "../../src/cli/commands/grpo.js";
import { UsageError } from "../../src/cli/command.js";
import { readMetrics } from "../../src/runs/index.js";
import { tinyBodies, tinyPolicy, tinyProblems } from "./ppo-tiny.js";
import { assertSameTraining } from "./data-parallel-helpers.js";

// The ranks are child processes: one thread each, as this process (ppo-tiny.ts), so every run samples alike.
process.env.LINEWISE_THREADS = "1";

const skip = distributedUnsupported() ?? false;

test("grpo --nproc 2 trains the same policy as one process: rollouts split by problem, statistics over the whole batch", { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-ddp-grpo-"));
  try {
    // half right and half wrong bodies: groups with different rewards, so advantages are not all zero
    const policy = await tinyPolicy(
      dir,
      tinyBodies.map((b, i) => ({ prompt: b.prompt, completion: i % 2 ? b.wrong : b.right })),
      20,
    );
    const problems = join(dir, "problems.jsonl");
    writeFileSync(problems, tinyProblems.map((p) => JSON.stringify(p) + "\n").join(""));
    const config = join(dir, "config.json");
    // 3 problems (rank 0 runs 1, rank 1 runs 2) × 4 samples; minibatches of 5 split 2 + 3 between the ranks
    writeFileSync(
      config,
      JSON.stringify({ problemsPerIteration: 3, samplesPerProblem: 4, minibatchSize: 5, maxNewTokens: 12, samplesEvery: 1, policyLr: 1e-4, lossAveraging: "token" }),
    );
    const grpo = (run: string, ...flags: string[]) =>
      grpoCommand.run(["--policy", policy, "--problems", problems, "--out", run, "--config", config, "--iterations", "2", ...flags]);
    const one = join(dir, "one");
    const two = join(dir, "two");
    assert.equal(await grpo(one), 0);
    assert.equal(await grpo(two, "--nproc", "2"), 0);
    const rows = (run: string) => readMetrics(run);
    for (const [a, b] of rows(one).map((r, i) => [r, rows(two)[i]!] as const)) {
      assert.equal(a.passRate, b.passRate);
      for (const key of ["totalReward", "policyLoss", "policyGradNorm"])
        assert.ok(
          Math.abs((a[key] as number) - (b[key] as number)) <= 1e-3 * Math.max(1e-3, Math.abs(a[key] as number)),
          `iteration ${a.step} ${key}: ${a[key]} vs ${b[key]}`,
        );
    }
    const weights = (run: string) => join(run, "checkpoints/step-2/model.safetensors");
    assertSameTraining(join(policy, "model.safetensors"), weights(one), weights(two), 1e-5);
    // rank 0 alone wrote the samples: every rollout once
    const samples = (run: string) => readFileSync(join(run, "samples/iteration-2.jsonl"), "utf8");
    assert.equal(samples(two), samples(one));

    // a resume keeps the number of ranks
    await assert.rejects(
      grpoCommand.run(["--problems", problems, "--out", two, "--resume", "--iterations", "3"]),
      (e: Error) => e instanceof UsageError && /trained by 2 ranks, not 1; resume it with --nproc 2/.test(e.message),
    );
    assert.ok(!existsSync(join(two, "checkpoints/step-3")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
