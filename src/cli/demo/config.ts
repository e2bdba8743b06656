/** The demo's settings: the defaults (the main job, ≤ 20 minutes on 2 cores) and `--quick`. */
import { sftDefaults, type SftConfig } from "../../train/sft.js";
import { prmDefaults, type PrmConfig } from "../../train/prm.js";
import type { PpoConfig } from "../../train/ppo.js";
import type { GrpoConfig } from "../../train/grpo.js";
import type { TestbedConfig } from "./testbed.js";

export interface DemoConfig {
  seed: number;
  /**
   * The RL test-bed (testbed.ts): SFT on short train problems with references; RL on longer train problems
   * that carry tests only; evaluation on held-out problems drawn like the RL ones and on the compositional
   * test split.
   */
  testbed: TestbedConfig;
  /** The SFT trainer's configuration (the tokenizer is trained on the train split first). */
  sft: SftConfig;
  /** Samples per test problem for pass@k, besides the greedy response. */
  evalSamples: number;
  evalKs: number[];
  evalTemperature: number;
  /** Longest response, in tokens. */
  maxTokens: number;
  /** Completion labels (PSGPO §3) of policy samples on the first RL problems (tests only: no reference is needed). */
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
  /** The PRM (PSGPO §3: MSE on the labels), trained from the SFT policy on the labels stage's records; `init` is set to the policy. */
  prm: PrmConfig;
  /**
   * Settings both PPO arms share, laid over each arm's preset (the RL baseline, and PSGPO's DenseReward +
   * ValueInit): the same policy, problems and budget per arm, so only the reward and the value model differ.
   */
  ppo: Partial<PpoConfig>;
  /** Settings the GRPO arms share (`linewise compare`'s GRPO comparison), laid over each arm's preset. */
  grpo: Partial<GrpoConfig>;
}

export const demoDefaults: DemoConfig = {
  seed: 0,
  testbed: {
    sftProblems: 1200,
    sftMaxSteps: 3,
    rlProblems: 600,
    rlHeldoutProblems: 200,
    rlMinSteps: 2,
    maxSteps: 4,
    compositionalProblems: 200,
  },
  sft: { ...sftDefaults, steps: 600 },
  evalSamples: 10,
  evalKs: [1, 5, 10],
  evalTemperature: 0.8,
  maxTokens: 256,
  labels: { problems: 40, samples: 4, k: 4, temperature: 0.8, linear: true },
  prm: { ...prmDefaults, steps: 200, evalEvery: 100, checkpointEvery: 50 },
  // Measured on the test-bed (README, "Does RL improve the policy on the test-bed?"): with minibatches of
  // 16 rollouts every PPO variant lost held-out pass@1; one minibatch of all 64 rollouts per epoch, GAE λ 1
  // and lr 1e-4 stopped the damage. 8 samples of each of 8 problems instead of 4 of 16 (the same 64
  // rollouts): the SFT policy is nearly deterministic (0.03–0.05 nats per token), so 4 samples of a problem
  // mostly share one outcome and carry no contrast. The gain is still within seed noise (README).
  ppo: {
    iterations: 24,
    problemsPerIteration: 8,
    samplesPerProblem: 8,
    minibatchSize: 64,
    gaeLambda: 1,
    policyLr: 1e-4,
    checkpointEvery: 1,
    keepCheckpoints: 1,
    samplesEvery: 4,
  },
  // The same rollouts and steps as PPO's: groups of 8 samples of 8 problems in one minibatch, lr 1e-4.
  grpo: {
    iterations: 24,
    problemsPerIteration: 8,
    samplesPerProblem: 8,
    minibatchSize: 64,
    policyLr: 1e-4,
    checkpointEvery: 1,
    keepCheckpoints: 1,
    samplesEvery: 4,
  },
};

/** A first look in a few minutes: fewer problems, a shorter SFT and fewer samples. */
export const demoQuick: DemoConfig = {
  ...demoDefaults,
  testbed: {
    ...demoDefaults.testbed,
    sftProblems: 500,
    rlProblems: 120,
    rlHeldoutProblems: 60,
    compositionalProblems: 60,
  },
  sft: { ...sftDefaults, steps: 200, evalEvery: 100, checkpointEvery: 100 },
  evalSamples: 5,
  evalKs: [1, 5],
  labels: { problems: 12, samples: 2, k: 4, temperature: 0.8, linear: true },
  prm: { ...prmDefaults, steps: 60, evalEvery: 60, checkpointEvery: 30 },
  ppo: { ...demoDefaults.ppo, iterations: 4, problemsPerIteration: 4 },
};
