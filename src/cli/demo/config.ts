/** The demo's settings: the defaults (the main job, ≤ 10 minutes on 2 cores for these stages) and `--quick`. */
import { sftDefaults, type SftConfig } from "../../train/sft.js";

export interface DemoConfig {
  seed: number;
  /** Problems in the built-in suite's train split (SFT data). */
  trainProblems: number;
  /** Problems in the held-out test split (evaluation). */
  testProblems: number;
  /** Hardest difficulty level (number of steps). */
  maxSteps: number;
  /** The SFT trainer's configuration (the tokenizer is trained on the train split first). */
  sft: SftConfig;
  /** Samples per test problem for pass@k, besides the greedy response. */
  evalSamples: number;
  evalKs: number[];
  evalTemperature: number;
  /** Longest response, in tokens. */
  maxTokens: number;
  /** Completion labels (PSGPO §3) of policy samples on the first problems of the train split. */
  labels: {
    problems: number;
    /** Responses sampled per problem and labelled. */
    samples: number;
    /** K: completions per probed prefix. */
    k: number;
    temperature: number;
    /** Also probe every step, to measure how often binary search's monotonicity assumption holds. */
    linear: boolean;
  };
}

export const demoDefaults: DemoConfig = {
  seed: 0,
  trainProblems: 2000,
  testProblems: 200,
  maxSteps: 4,
  sft: { ...sftDefaults, steps: 600 },
  evalSamples: 10,
  evalKs: [1, 5, 10],
  evalTemperature: 0.8,
  maxTokens: 256,
  labels: { problems: 40, samples: 4, k: 4, temperature: 0.8, linear: true },
};

/** A first look in a few minutes: fewer problems, a shorter SFT and fewer samples. */
export const demoQuick: DemoConfig = {
  ...demoDefaults,
  trainProblems: 800,
  testProblems: 60,
  sft: { ...sftDefaults, steps: 200, evalEvery: 100, checkpointEvery: 100 },
  evalSamples: 5,
  evalKs: [1, 5],
  labels: { problems: 12, samples: 2, k: 4, temperature: 0.8, linear: true },
};
