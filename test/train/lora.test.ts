/**
 * LoRA on the policy in every trainer that updates one: only the target layers change, the checkpoint is a
 * plain model equal to the base with its saved PEFT adapter, and a resumed LoRA run ends as an uninterrupted one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { memory, noGrad, scope, tensor } from "../../src/torch/index.js";
import { LoraAdapters, loadCheckpoint, type Llama } from "../../src/model/index.js";
import { resolveConfig } from "../../src/runs/index.js";
import { sftDefaults, trainSft } from "../../src/train/sft.js";
import { dpoDefaults, trainDpo } from "../../src/train/dpo.js";
import { baselinePreset, trainPpo } from "../../src/train/ppo.js";
import { grpoDefaults, trainGrpo } from "../../src/train/grpo.js";
import { halfRightFixture, tinyBodies, tinyPairs, tinyProblems, tinyRl } from "./ppo-tiny.js";

const fixture = halfRightFixture();

const lora = { r: 4, alpha: 8, targetModules: ["q_proj", "v_proj"] };

const ids = [[5, 9, 14, 3, 22, 7]];
const logits = (model: Llama) =>
  noGrad(() => scope(() => model.logits(model.forward(tensor(ids, { dtype: "int64" }))).toFlatArray()));
const maxGap = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

/** The checkpoint changed only the target layers, and equals the base with the adapter saved next to it. */
function checkLoraCheckpoint(name: string, checkpoint: string): void {
  const base = loadCheckpoint(fixture.policy);
  const merged = loadCheckpoint(checkpoint);
  const start = new Map(base.namedParameters());
  let changed = 0;
  for (const [param, p] of merged.namedParameters())
    scope(() => {
      const gap = p.sub(start.get(param)!).abs().max().item() as number;
      const target = lora.targetModules.some((t) => param.endsWith(`${t}.weight`));
      if (!target) assert.equal(gap, 0, `${name}: ${param} is frozen`);
      else if (gap > 0) changed++;
    });
  assert.ok(changed > 0, `${name}: the target layers changed`);
  assert.ok(existsSync(join(checkpoint, "adapter", "adapter_config.json")));
  const adapters = LoraAdapters.load(join(checkpoint, "adapter"), base);
  assert.ok(maxGap(logits(base), logits(merged)) <= 1e-5, `${name}: base + adapter = merged checkpoint`);
  adapters.dispose();
  base.dispose();
  merged.dispose();
}

test("SFT with LoRA trains adapters on a frozen base; the checkpoint is base + adapter", async () => {
  const before = memory().tensors;
  const config = resolveConfig(
    sftDefaults,
    {
      init: fixture.policy,
      maxLength: 64,
      batchSize: 4,
      steps: 3,
      warmupSteps: 1,
      evalFraction: 0,
      lr: 1e-2,
      lora,
    },
    "tiny",
  );
  const data = tinyBodies.map((b) => ({ prompt: b.prompt, completion: b.right }));
  const result = await trainSft(config, data, join(fixture.dir, "sft-lora"), { quiet: true });
  assert.equal(memory().tensors, before);
  checkLoraCheckpoint("sft", result.checkpoint);
  await assert.rejects(
    trainSft({ ...config, init: null }, data, join(fixture.dir, "sft-new"), { quiet: true }),
    /sft config: lora\.r must be 0 without init/,
  );
});

test("DPO and PPO with LoRA train adapters on a frozen policy", async () => {
  const dpo = await trainDpo(
    {
      ...dpoDefaults,
      policy: fixture.policy,
      lr: 1e-2,
      epochs: 2,
      batchSize: 2,
      warmupSteps: 1,
      evalFraction: 0,
      lora,
    },
    tinyPairs,
    join(fixture.dir, "dpo"),
    { quiet: true },
  );
  checkLoraCheckpoint("dpo", dpo.checkpoint);
  const ppo = await trainPpo(
    { ...baselinePreset, ...rl, policy: fixture.policy, lora, gradientCheckpointing: true },
    tinyProblems,
    join(fixture.dir, "ppo"),
    { quiet: true, executor: fixture.executor },
  );
  checkLoraCheckpoint("ppo", ppo.checkpoint);
});

const rl = { ...tinyRl, policyLr: 1e-2, checkpointEvery: 1 };

test("GRPO with LoRA, stopped after an iteration and resumed, ends as an uninterrupted run", async () => {
  const config = { ...grpoDefaults, ...rl, policy: fixture.policy, lora, iterations: 2 };
  const straight = await trainGrpo(config, tinyProblems, join(fixture.dir, "grpo-straight"), {
    quiet: true,
    executor: fixture.executor,
  });
  checkLoraCheckpoint("grpo", straight.checkpoint);
  const run = join(fixture.dir, "grpo-resumed");
  await trainGrpo({ ...config, iterations: 1 }, tinyProblems, run, {
    quiet: true,
    executor: fixture.executor,
  });
  const resumed = await trainGrpo(config, tinyProblems, run, {
    quiet: true,
    executor: fixture.executor,
    resume: true,
  });
  const a = loadCheckpoint(straight.checkpoint);
  const b = loadCheckpoint(resumed.checkpoint);
  assert.ok(maxGap(logits(a), logits(b)) <= 1e-5, "the same policy");
  a.dispose();
  b.dispose();
});
