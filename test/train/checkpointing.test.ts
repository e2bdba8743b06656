/**
 * Every trainer with `gradientCheckpointing` on trains the same model as with it off: a few steps (one RL
 * iteration) from the same seed end at the same weights, up to float rounding.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { memory, scope } from "../../src/torch/index.js";
import { loadCheckpoint } from "../../src/model/index.js";
import { responseKind, type LabelRecord } from "../../src/labels/records.js";
import { resolveConfig } from "../../src/runs/index.js";
import { sftDefaults, trainSft } from "../../src/train/sft.js";
import { prmDefaults, trainPrm } from "../../src/train/prm.js";
import { dpoDefaults, trainDpo, type DpoPair } from "../../src/train/dpo.js";
import { baselinePreset, trainPpo } from "../../src/train/ppo.js";
import { grpoDefaults, trainGrpo } from "../../src/train/grpo.js";
import { halfRightFixture, tinyBodies, tinyProblems, tinyRl } from "./ppo-tiny.js";

const fixture = halfRightFixture();

/** Runs `train(gradientCheckpointing, runDir)` both ways and compares the checkpoints it returns. */
async function sameWeights(
  name: string,
  train: (on: boolean, runDir: string) => Promise<string>,
  models = [""],
): Promise<void> {
  const before = memory().tensors;
  const plain = await train(false, join(fixture.dir, `${name}-plain`));
  const checkpointed = await train(true, join(fixture.dir, `${name}-checkpointed`));
  assert.equal(memory().tensors, before, `${name}: no tensor outlives training`);
  for (const sub of models) compare(`${name} ${sub}`, join(plain, sub), join(checkpointed, sub));
}

function compare(name: string, plain: string, checkpointed: string): void {
  const a = loadCheckpoint(plain);
  const b = loadCheckpoint(checkpointed);
  const other = new Map(b.namedParameters());
  for (const [param, p] of a.namedParameters())
    scope(() => {
      const q = other.get(param)!;
      const gap = p.sub(q).abs().max().item() as number;
      const size = p.abs().max().item() as number;
      assert.ok(gap <= 1e-5 * size, `${name} ${param}: weights differ by ${gap} (max |w| ${size})`);
    });
  const moved = scope(() => {
    const start = loadCheckpoint(fixture.policy);
    const gap = start.model.norm.weight.sub(a.model.norm.weight).abs().max().item() as number;
    start.dispose();
    return gap;
  });
  assert.ok(moved > 0, `${name}: training changed the weights`);
  a.dispose();
  b.dispose();
}

test("SFT with gradient checkpointing ends at the same weights", async () => {
  await sameWeights("sft", async (on, run) => {
    const config = resolveConfig(
      sftDefaults,
      { init: fixture.policy, maxLength: 64, batchSize: 4, steps: 3, warmupSteps: 1, evalFraction: 0 },
      "tiny",
    );
    const data = tinyBodies.map((b) => ({ prompt: b.prompt, completion: b.right }));
    return (await trainSft({ ...config, gradientCheckpointing: on }, data, run, { quiet: true })).checkpoint;
  });
});

test("PRM training with gradient checkpointing ends at the same weights", async () => {
  const records: LabelRecord[] = tinyBodies.flatMap((b) =>
    [b.right, b.wrong].map((response, i) => ({
      problemId: b.id,
      prompt: b.prompt,
      response,
      steps: [response],
      labels: [i === 0 ? 1 : -1],
      firstError: i === 0 ? null : 0,
      kind: responseKind(i === 0, [i === 0 ? 1 : -1]),
      method: "mutation" as const,
      policy: "tiny",
      cost: { completions: 0, executions: 0, ms: 0 },
    })),
  );
  await sameWeights("prm", async (on, run) => {
    const config = resolveConfig(
      prmDefaults,
      { init: fixture.policy, batchSize: 4, steps: 3, warmupSteps: 1, heldOutFraction: 0 },
      "tiny",
    );
    return (await trainPrm({ ...config, gradientCheckpointing: on }, records, run, { quiet: true }))
      .checkpoint;
  });
});

test("DPO with gradient checkpointing ends at the same weights", async () => {
  const pairs: DpoPair[] = tinyBodies.map((b) => ({
    problemId: b.id,
    prompt: b.prompt,
    chosen: b.right,
    rejected: b.wrong,
    whole: true,
  }));
  await sameWeights("dpo", async (on, run) => {
    const config = {
      ...dpoDefaults,
      policy: fixture.policy,
      lr: 1e-3,
      epochs: 2,
      batchSize: 2,
      warmupSteps: 1,
    };
    return (
      await trainDpo({ ...config, evalFraction: 0, gradientCheckpointing: on }, pairs, run, {
        quiet: true,
      })
    ).checkpoint;
  });
});

const rl = { ...tinyRl, policyLr: 3e-4, iterations: 1, checkpointEvery: 100 };

test("PPO with gradient checkpointing ends at the same policy and value weights", async () => {
  await sameWeights(
    "ppo",
    async (on, run) =>
      (
        await trainPpo(
          { ...baselinePreset, ...rl, policy: fixture.policy, gradientCheckpointing: on },
          tinyProblems,
          run,
          {
            quiet: true,
            executor: fixture.executor,
          },
        )
      ).checkpoint,
    ["", "value"],
  );
});

test("GRPO with gradient checkpointing ends at the same weights", async () => {
  await sameWeights(
    "grpo",
    async (on, run) =>
      (
        await trainGrpo(
          { ...grpoDefaults, ...rl, policy: fixture.policy, gradientCheckpointing: on },
          tinyProblems,
          run,
          {
            quiet: true,
            executor: fixture.executor,
          },
        )
      ).checkpoint,
  );
});
