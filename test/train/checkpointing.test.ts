/**
 * Every trainer with `gradientCheckpointing` on trains the same model as with it off: a few steps (one RL
 * iteration) from the same seed end at the same weights, up to float rounding.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { memory, scope } from "../../src/torch/index.js";
import { loadCheckpoint } from "../../src/model/index.js";
import { halfRightFixture } from "./ppo-tiny.js";
import { tinyTrainers, type TinyTrainer } from "./tiny-trainers.js";

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

const trainers = tinyTrainers(fixture);
const both = (trainer: TinyTrainer) => (on: boolean, run: string) =>
  trainer({ gradientCheckpointing: on }, run);

test("SFT with gradient checkpointing ends at the same weights", async () => {
  await sameWeights("sft", both(trainers.sft));
});

test("PRM training with gradient checkpointing ends at the same weights", async () => {
  await sameWeights("prm", both(trainers.prm));
});

test("DPO with gradient checkpointing ends at the same weights", async () => {
  await sameWeights("dpo", both(trainers.dpo));
});

test("PPO with gradient checkpointing ends at the same policy and value weights", async () => {
  await sameWeights("ppo", both(trainers.ppo), ["", "value"]);
});

test("GRPO with gradient checkpointing ends at the same weights", async () => {
  await sameWeights("grpo", both(trainers.grpo));
});
