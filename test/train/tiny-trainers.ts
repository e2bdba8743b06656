/**
 * Each trainer's few-step run on the tiny fixture (ppo-tiny.ts), with config fields laid over it: for tests
 * that train every trainer two ways and compare (gradient checkpointing, mixed precision).
 */
import { resolveConfig } from "../../src/runs/index.js";
import type { SandboxExecutor } from "../../src/exec/index.js";
import { sftDefaults, trainSft } from "../../src/train/sft.js";
import { prmDefaults, trainPrm } from "../../src/train/prm.js";
import { dpoDefaults, trainDpo } from "../../src/train/dpo.js";
import { baselinePreset, trainPpo } from "../../src/train/ppo.js";
import { grpoDefaults, trainGrpo } from "../../src/train/grpo.js";
import { tinyBodies, tinyLabelRecords, tinyPairs, tinyProblems, tinyRl } from "./ppo-tiny.js";

/** Fields every trainer has that the tests vary. */
export type TinyOverrides = Partial<{ gradientCheckpointing: boolean; precision: "float32" | "bfloat16" }>;

/** Trains into `run` and returns the checkpoint folder. */
export type TinyTrainer = (overrides: TinyOverrides, run: string) => Promise<string>;

/** The five trainers, each a few steps (RL: one iteration) from `fixture.policy`. */
export function tinyTrainers(fixture: {
  policy: string;
  executor: SandboxExecutor;
}): Record<"sft" | "prm" | "dpo" | "ppo" | "grpo", TinyTrainer> {
  const quiet = { quiet: true };
  const rl = { ...tinyRl, policyLr: 3e-4, iterations: 1, checkpointEvery: 100 };
  const rlOptions = { quiet: true, executor: fixture.executor };
  return {
    sft: async (overrides, run) => {
      const config = resolveConfig(
        sftDefaults,
        { init: fixture.policy, maxLength: 64, batchSize: 4, steps: 3, warmupSteps: 1, evalFraction: 0 },
        "tiny",
      );
      const data = tinyBodies.map((b) => ({ prompt: b.prompt, completion: b.right }));
      return (await trainSft({ ...config, ...overrides }, data, run, quiet)).checkpoint;
    },
    prm: async (overrides, run) => {
      const config = resolveConfig(
        prmDefaults,
        { init: fixture.policy, batchSize: 4, steps: 3, warmupSteps: 1, heldOutFraction: 0 },
        "tiny",
      );
      return (await trainPrm({ ...config, ...overrides }, tinyLabelRecords, run, quiet)).checkpoint;
    },
    dpo: async (overrides, run) => {
      const config = {
        ...dpoDefaults,
        policy: fixture.policy,
        lr: 1e-3,
        epochs: 2,
        batchSize: 2,
        warmupSteps: 1,
      };
      return (await trainDpo({ ...config, evalFraction: 0, ...overrides }, tinyPairs, run, quiet)).checkpoint;
    },
    ppo: async (overrides, run) =>
      (
        await trainPpo(
          { ...baselinePreset, ...rl, policy: fixture.policy, ...overrides },
          tinyProblems,
          run,
          rlOptions,
        )
      ).checkpoint,
    grpo: async (overrides, run) =>
      (
        await trainGrpo(
          { ...grpoDefaults, ...rl, policy: fixture.policy, ...overrides },
          tinyProblems,
          run,
          rlOptions,
        )
      ).checkpoint,
  };
}
