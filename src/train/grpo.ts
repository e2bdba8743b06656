/**
 * GRPO and RLOO with process supervision (DESIGN.md, "Training"): the critic-free trainers of TRL, verl
 * and OpenRLHF. Like PPO (ppo.ts, with the same rollout, scoring and KL code from rollout.ts) the policy
 * samples n responses to each training problem and the sandbox runs them; unlike PPO there is no value
 * model: each response's advantage is its reward relative to the other responses to the same prompt.
 *
 * - rewards: the outcome reward of the verdict; with `denseReward` and `processReward: "psgpo"`, plus
 *   PSGPO's λ(o)·PRM_i / L summed over the lines (§4.2), folded into the response's reward; with
 *   `klPenalty: "reward"`, minus β·Σ_t KL_t (k1, as PPO and TRL's RLOOTrainer).
 * - advantages (group-advantages.ts): GRPO (r − mean)/std over the group (DeepSeekMath §4.1.2; without the
 *   std, Dr. GRPO), or RLOO's leave-one-out mean; with `processReward: "steps"`, process-supervised GRPO
 *   (DeepSeekMath §4.1.3): the PRM's step rewards normalised over the group, each token advantaged by the
 *   sum of those from its own step on, added to the outcome's advantage.
 * - loss (grpo-loss.ts): the clipped ratio, with `klPenalty: "loss"` plus β·k3 to the reference per token
 *   (DeepSeekMath eq. 4, TRL's GRPOTrainer), averaged per sequence, per token, or by a constant (Dr. GRPO).
 *
 * The run folder is PPO's: config.json, metrics.jsonl (one row per iteration), TensorBoard events,
 * samples/ and checkpoints/step-N (the policy checkpoint, policy-optimizer.safetensors, trainer.json).
 * Every random draw of iteration i is seeded by (seed, i), so a resumed run repeats an uninterrupted one;
 * problems and samples use PPO's keys, so PPO and GRPO runs of one seed start on the same rollouts.
 */
import { AdamW, manualSeed } from "../torch/index.js";
import { loadCheckpoint, scoreResponses } from "../model/index.js";
import { loraOff, trainablePolicy } from "./policy.js";
import { Tokenizer } from "../model/tokenizer/index.js";
import type { Problem } from "../problems/types.js";
import type { Granularity } from "../labels/segment.js";
import {
  assembleRewards,
  outcomeReward,
  prlcoderStepRewards,
  type AssembledRewards,
  type OutcomeKind,
} from "../rewards/index.js";
import { ConfigError } from "../runs/index.js";
import { RlSession, type RlResult, type RlSessionConfig, type RlSessionOptions } from "./rl-session.js";
import { checkOptimiser, checkPositiveIntegers, checkPrecision, configFailure } from "./config-checks.js";
import { MixedPrecision, computeIn } from "./mixed-precision.js";
import { optimiserStep, startInSync } from "./optimiser-step.js";
import { shuffled } from "./order.js";
import { PrmScorer } from "./prm-scorer.js";
import { overPacks } from "./packs.js";
import { PhaseTimer } from "./phase-timer.js";
import { groupAdvantages, processAdvantages } from "./group-advantages.js";
import { grpoPolicyLoss, type LossAveraging } from "./grpo-loss.js";
import { writeSamples } from "./ppo-metrics.js";
import { grpoIterationMetrics, type GrpoMetrics, type GrpoUpdateStats } from "./grpo-metrics.js";
import {
  maskedMean,
  rollOutAndScore,
  padded,
  processRewardsAt,
  stepRewards as lineRewards,
  stepEndTokenIndices,
  type Scored,
} from "./rollout.js";

export type { GrpoMetrics } from "./grpo-metrics.js";

export interface GrpoConfig extends RlSessionConfig {
  /** `grpo`: advantages (r − mean)/std over each prompt's group (DeepSeekMath); `rloo`: r minus the mean of the group's other rewards (Ahmadian et al. 2024). */
  algo: "grpo" | "rloo";
  /** Seeds, with the iteration number, every iteration's problems, samples and minibatch order. */
  seed: number;
  /** The checkpoint training starts from (an SFT run's checkpoint, with its tokenizer); it is also the frozen KL reference. */
  policy: string | null;
  /** A PRM checkpoint (scalar head, from 'linewise train-prm'): needed for `denseReward`. */
  prm: string | null;

  /** The outcome reward of a response: `binary` (1 pass, 0 fail), `compiler` (CodeRL levels) or `fraction` of tests passed. */
  outcomeReward: OutcomeKind;
  /** Adds the PRM's process rewards. */
  denseReward: boolean;
  /**
   * How PRM scores enter: `psgpo` adds λ(o)·PRM_i / L over the lines to the response's reward (PSGPO §4.2);
   * `steps` is process-supervised GRPO (DeepSeekMath §4.1.3): step rewards PRM_i normalised over the group,
   * a token advantaged by the sum from its own step on.
   */
  processReward: "psgpo" | "steps";
  /** The steps the PRM scores: lines or blocks. */
  granularity: Granularity;
  /** λ_pass of the `psgpo` process reward: its weight on responses that pass. */
  lambdaPass: number;
  /** λ_fail: its weight on responses that fail. */
  lambdaFail: number;
  /** β, the KL coefficient (DeepSeekMath 0.04; TRL's GRPOConfig 0, its RLOOConfig 0.05). */
  beta: number;
  /** With the KL in the loss, weight each token's k3 by the ratio π/π_old, which makes it an estimate of π's KL for samples drawn from π_old (TRL's use_bias_correction_kl, default on). */
  klRatio: boolean;
  /** Where the KL to the reference goes: `loss` adds β·k3 per token to the loss (GRPO, TRL's GRPOTrainer); `reward` subtracts β·Σ k1 from the response's reward (RLOO, TRL's RLOOTrainer). */
  klPenalty: "loss" | "reward";
  /** GRPO only (RLOO never divides): divide by the group's reward std (TRL scale_rewards "group"); false is Dr. GRPO (Liu et al. 2025), which found the division biases towards too easy and too hard prompts. */
  scaleRewards: boolean;
  /** How the loss averages tokens: `sequence` (GRPO, TRL "grpo"), `token` (DAPO, TRL "bnpo"/"dapo"), `constant` (Dr. GRPO: sum / (responses × maxNewTokens), TRL "dr_grpo"). */
  lossAveraging: LossAveraging;

  /** Iterations: roll out, score, update. */
  iterations: number;
  /** Training problems per iteration (prompts per batch), in a seeded order that covers every problem once per pass. */
  problemsPerIteration: number;
  /** Responses per problem: the group size G (DeepSeekMath 64, TRL num_generations 8; at least 2). */
  samplesPerProblem: number;
  /** Sampling temperature; log-probabilities are taken at the same temperature. */
  temperature: number;
  /** Longest response in tokens; also the Dr. GRPO loss's constant length. */
  maxNewTokens: number;

  /** Passes over each batch of rollouts (TRL num_iterations μ 1; 2 here, as PPO's epochs). */
  epochs: number;
  /** Rollouts per minibatch, one optimiser step each. */
  minibatchSize: number;
  /** ε of the clipped ratio (TRL epsilon 0.2). */
  clipRange: number;
  /** Weight of an entropy bonus in the loss (TRL: 0). */
  entropyCoef: number;
  /** AdamW learning rate of the policy (PPO's measured 2e-5 for the demo's 1M-parameter policy; TRL 1e-6 for billion-parameter ones). */
  policyLr: number;
}

/** GRPO as DeepSeekMath (§4.1): outcome reward, (r − mean)/std, per-sequence averaging, β·k3 in the loss; PPO's batch sizes. */
export const grpoDefaults: GrpoConfig = {
  algo: "grpo",
  seed: 0,
  policy: null,
  prm: null,
  outcomeReward: "binary",
  denseReward: false,
  processReward: "psgpo",
  granularity: "line",
  lambdaPass: 0.5,
  lambdaFail: 1,
  beta: 0.04,
  klRatio: true,
  klPenalty: "loss",
  scaleRewards: true,
  lossAveraging: "sequence",
  iterations: 30,
  chatTemplate: null,
  problemsPerIteration: 16,
  samplesPerProblem: 4,
  temperature: 1,
  maxNewTokens: 256,
  epochs: 2,
  minibatchSize: 16,
  clipRange: 0.2,
  entropyCoef: 0,
  policyLr: 2e-5,
  weightDecay: 0,
  betas: [0.9, 0.999],
  gradClip: 1,
  gradientCheckpointing: false,
  precision: "float32",
  lora: loraOff,
  checkpointEvery: 10,
  keepCheckpoints: 2,
  samplesEvery: 10,
};

/** Dr. GRPO (Liu et al. 2025): no std division, sum over tokens / (responses × maxNewTokens), no KL term. */
export const drGrpoPreset: GrpoConfig = {
  ...grpoDefaults,
  scaleRewards: false,
  lossAveraging: "constant",
  beta: 0,
};

/** RLOO (Ahmadian et al. 2024; TRL's RLOOTrainer): leave-one-out baseline, β·Σ k1 subtracted from the reward (β 0.05). */
export const rlooPreset: GrpoConfig = {
  ...grpoDefaults,
  algo: "rloo",
  klPenalty: "reward",
  beta: 0.05,
};

/** GRPO with PSGPO's dense reward folded in: binary outcome + Σ λ(o)·PRM_i / L over the lines, group-normalised. */
export const grpoPsgpoPreset: GrpoConfig = {
  ...grpoDefaults,
  denseReward: true,
  processReward: "psgpo",
};

/** Process-supervised GRPO (DeepSeekMath §4.1.3): PRM step rewards normalised over the group and summed from each token's step on, plus the outcome's advantage. */
export const grpoStepsPreset: GrpoConfig = {
  ...grpoDefaults,
  denseReward: true,
  processReward: "steps",
};

export type GrpoPresetName = "grpo" | "dr-grpo" | "rloo" | "grpo-psgpo" | "grpo-steps";

export const grpoPresets: Record<GrpoPresetName, GrpoConfig> = {
  grpo: grpoDefaults,
  "dr-grpo": drGrpoPreset,
  rloo: rlooPreset,
  "grpo-psgpo": grpoPsgpoPreset,
  "grpo-steps": grpoStepsPreset,
};

export type GrpoOptions = RlSessionOptions<GrpoMetrics>;

/** The newest checkpoint folder holds the policy, with its tokenizer. */
export type GrpoResult = RlResult<GrpoMetrics>;

/** A scored rollout (rollout.ts) and what GRPO adds: its reward parts and per-token advantages. */
interface Rollout extends Scored {
  rewards: AssembledRewards;
  advantages: number[];
}

/** Trains the policy with GRPO or RLOO on `problems` into `runDir`; resolves after `iterations` (or when `signal` stops it). */
export async function trainGrpo(
  config: GrpoConfig,
  problems: readonly Problem[],
  runDir: string,
  options: GrpoOptions = {},
): Promise<GrpoResult> {
  checkGrpoConfig(config);
  const policyDir = config.policy!;
  const session = new RlSession<GrpoMetrics>(config.algo, config, problems, runDir, options);
  const { tokenizer, resumed, executor } = session;
  const own = <T extends { dispose(): void }>(x: T): T => session.own(x);
  try {
    // The models: the policy is trained; the reference (the starting policy) and the PRM are frozen.
    manualSeed(config.seed);
    const trainedPolicy = own(trainablePolicy(policyDir, resumed?.dir ?? null, config));
    const policy = trainedPolicy.model;
    const reference = own(loadCheckpoint(policyDir, { head: "lm" }));
    const prm = config.denseReward ? own(PrmScorer.load(config.prm!)) : null;
    computeIn(config.precision, [reference, ...(prm ? [prm.model] : [])]);
    const precision = own(MixedPrecision.setUp(config.precision, [policy], trainedPolicy.params));
    const params = precision.params;
    const opt = own(
      new AdamW(params, { lr: config.policyLr, betas: config.betas, weightDecay: config.weightDecay }),
    );
    const usable = session.start(
      [{ name: "policy", model: policy, optimizer: opt, folder: "", save: trainedPolicy.save, precision }],
      problems,
      (usable) =>
        `${(policy.numParameters() / 1e6).toFixed(2)}M-parameter policy, ${usable.length} problems` +
        (usable.length < problems.length
          ? ` (${problems.length - usable.length} with prompts too long left out)`
          : "") +
        `, groups of ${config.samplesPerProblem}; ${config.outcomeReward} outcome` +
        (config.denseReward ? ` + ${config.processReward} process reward over ${config.granularity}s` : "") +
        `; KL in the ${config.klPenalty}`,
    );

    // Data-parallel: every rank starts from rank 0's weights (already alike: the same checkpoint).
    const world = session.world;
    await startInSync(world, precision);

    // The line rewards a PRM's scores give (logged, and with "psgpo" in the reward): "steps" logs PRLCoder's PRM_i.
    const lineRewardConfig = {
      ...config,
      processReward: config.processReward === "psgpo" ? ("psgpo" as const) : ("prlcoder" as const),
    };
    while (await session.continues()) {
      const iteration = session.iteration;
      const began = performance.now();

      // 1–2. roll out and score: n samples per problem from the current policy, each run against its problem's
      // tests; then the PRM's score of every step and the reference's log-probabilities (rollout.ts)
      const timer = new PhaseTimer();
      const { judged, scored } = await rollOutAndScore(
        { policy, reference, prm },
        tokenizer,
        usable,
        config,
        executor,
        iteration,
        timer,
        session.prompting,
        world,
      );

      // 3. KL penalty and rewards: outcome (+ PSGPO's line rewards) (− β·Σ KL_t when the KL is a reward penalty)
      const b: Rollout[] = scored.map((r) => ({
        ...r,
        rewards: assembleRewards({
          responseLength: r.tokens.length,
          klPerToken: r.logprobs.map((lp, t) => lp - r.refLogprobs[t]!),
          beta: config.klPenalty === "reward" ? config.beta : 0,
          outcome: outcomeReward(r.verdict, config.outcomeReward),
          // With `steps` the PRM's scores are logged here (as PRLCoder's PRM_i) but enter through step 4.
          processAt: prm ? processRewardsAt(r, lineRewardConfig, tokenizer) : [],
        }),
        advantages: [],
      }));

      // 4. advantages: each response's reward against its group's; process-supervised GRPO adds the
      // group-normalised step rewards from each token's step on
      const groups = b.map((r) => r.group);
      const stepwise = prm !== null && config.processReward === "steps";
      const sequenceRewards = b.map((r) =>
        stepwise ? r.rewards.sums.outcome + r.rewards.sums.kl : r.rewards.sums.total,
      );
      const outcomeAdvantages = groupAdvantages(sequenceRewards, groups, {
        algo: config.algo,
        scaleByStd: config.scaleRewards,
      });
      const stepAdvantages = stepwise
        ? processAdvantages(
            b.map((r) => stepRewards(r, tokenizer)),
            b.map((r) => r.tokens.length),
            groups,
          )
        : null;
      b.forEach(
        (r, i) =>
          (r.advantages = r.tokens.map((_, t) => outcomeAdvantages[i]! + (stepAdvantages?.[i]![t] ?? 0))),
      );
      const rolloutSeconds = (performance.now() - began) / 1000;

      // 5. policy updates: epochs × minibatches of the clipped loss (+ β·k3 when the KL is a loss term).
      // Data-parallel: each rank backpropagates its share of the minibatch, weighted by its share of the
      // whole (rows or tokens), and the summed gradients are the minibatch's.
      const updateBegan = performance.now();
      const stats: GrpoUpdateStats[] = [];
      for (let epoch = 0; epoch < config.epochs && b.length > 0; epoch++) {
        const order = shuffled(b.length, `grpo/${config.seed}/update/${iteration}/${epoch}`);
        for (let start = 0; start < b.length; start += config.minibatchSize) {
          const mb = order.slice(start, start + config.minibatchSize).map((i) => b[i]!);
          // A minibatch runs as length packs whose losses add up to the minibatch's (packs.ts).
          const share = config.lossAveraging === "token" ? "tokens" : "rows";
          const total = share === "rows" ? mb.length : mb.reduce((n, r) => n + r.tokens.length, 0);
          stats.push(
            await timer.timeAsync("policyUpdate", async () => {
              const figures = overPacks(
                world.share(mb),
                tokenizer.padId,
                (part, packed, weight) => {
                  const column = (pick: (r: Rollout) => number[]) =>
                    padded(part.map(pick), packed.responseWidth); // (B, R)
                  const mask = packed.responseMask; // (B, R)
                  const { logprobs, entropy } = scoreResponses(policy, packed, {
                    logprobs: true,
                    entropy: true,
                    temperature: config.temperature,
                  });
                  const pg = grpoPolicyLoss(
                    logprobs!,
                    column((r) => r.logprobs),
                    column((r) => r.refLogprobs),
                    column((r) => r.advantages),
                    mask,
                    {
                      clipRange: config.clipRange,
                      beta: config.klPenalty === "loss" ? config.beta : 0,
                      klRatio: config.klRatio,
                      averaging: config.lossAveraging,
                      maxNewTokens: config.maxNewTokens,
                    },
                  );
                  const meanEntropy = maskedMean(entropy!, mask);
                  const loss =
                    config.entropyCoef > 0 ? pg.loss.sub(meanEntropy.mul(config.entropyCoef)) : pg.loss;
                  loss.mul(weight).backward();
                  return {
                    policyLoss: pg.loss.item(),
                    approxKl: pg.approxKl.item(),
                    clipFrac: pg.clipFrac.item(),
                    refKl: pg.refKl.item(),
                    entropy: meanEntropy.item(),
                  };
                },
                { by: share, total },
              );
              const policyGradNorm = await optimiserStep(world, precision, opt, config.gradClip);
              const keys = ["policyLoss", "approxKl", "clipFrac", "refKl", "entropy"] as const;
              const sums = await world.sum(keys.map((k) => figures[k] ?? 0));
              return {
                ...Object.fromEntries(keys.map((k, i) => [k, sums[i]!])),
                policyGradNorm,
              } as GrpoUpdateStats;
            }),
          );
        }
      }
      // metrics, samples, checkpoint
      const updateSeconds = (performance.now() - updateBegan) / 1000;
      await session.endIteration(
        (done) =>
          grpoIterationMetrics(done, judged, b, sequenceRewards, stats, {
            rolloutSeconds,
            updateSeconds,
            ...timer.seconds(),
          }),
        (done) =>
          writeSamples(runDir, done, b, prm ? (i) => lineRewards(b[i]!, lineRewardConfig) : undefined),
      );
    }
    return session.finish();
  } finally {
    await session.close();
  }
}

/** A rollout's steps for process-supervised GRPO: each step's end token and PRM score, null on neutral steps (no reward, PSGPO §4.2). */
function stepRewards(r: Rollout, tokenizer: Tokenizer): { end: number; reward: number | null }[] {
  const ends = stepEndTokenIndices(r, tokenizer);
  const rewards = prlcoderStepRewards(
    r.scores,
    r.steps.map((s) => s.neutral),
  );
  return ends.map((end, i) => ({ end, reward: r.steps[i]!.neutral ? null : rewards[i]! }));
}

/**
 * A GRPO/RLOO config from JSON laid over `base`: refuses `valueInit` (there is no value model) before the
 * generic unknown-field error would, so the message says why.
 */
export function refuseValueInit(json: unknown, where: string): void {
  if (json !== null && typeof json === "object" && "valueInit" in json)
    throw new ConfigError(
      `${where}: field "valueInit" has no meaning for GRPO and RLOO (they have no value model to initialise); drop it, or use linewise ppo for PSGPO's ValueInit`,
    );
}

/** Range and consistency checks a JSON type check cannot make; the error names the field. */
export function checkGrpoConfig(c: GrpoConfig): void {
  const fail = configFailure(c.algo === "rloo" ? "rloo" : "grpo");
  if (!["grpo", "rloo"].includes(c.algo)) fail("algo", `"grpo" or "rloo"`, c.algo);
  if (c.policy === null) fail("policy", "a checkpoint folder (the SFT policy)", c.policy);
  checkPositiveIntegers(
    {
      iterations: c.iterations,
      problemsPerIteration: c.problemsPerIteration,
      samplesPerProblem: c.samplesPerProblem,
      maxNewTokens: c.maxNewTokens,
      epochs: c.epochs,
      minibatchSize: c.minibatchSize,
      checkpointEvery: c.checkpointEvery,
      keepCheckpoints: c.keepCheckpoints,
    },
    fail,
  );
  if (c.samplesPerProblem < 2)
    fail(
      "samplesPerProblem",
      "at least 2 (a group of 1 sample has nothing to be relative to, so every advantage would be 0)",
      c.samplesPerProblem,
    );
  if (!Number.isInteger(c.samplesEvery) || c.samplesEvery < 0)
    fail("samplesEvery", "an integer ≥ 0", c.samplesEvery);
  if (!["binary", "compiler", "fraction"].includes(c.outcomeReward))
    fail("outcomeReward", `"binary", "compiler" or "fraction"`, c.outcomeReward);
  if (!["psgpo", "steps"].includes(c.processReward))
    fail("processReward", `"psgpo" or "steps"`, c.processReward);
  if (!["line", "block"].includes(c.granularity)) fail("granularity", `"line" or "block"`, c.granularity);
  if (!["loss", "reward"].includes(c.klPenalty)) fail("klPenalty", `"loss" or "reward"`, c.klPenalty);
  if (!["sequence", "token", "constant"].includes(c.lossAveraging))
    fail("lossAveraging", `"sequence", "token" or "constant"`, c.lossAveraging);
  if (!(c.temperature > 0)) fail("temperature", "positive (GRPO needs sampled responses)", c.temperature);
  if (!(c.beta >= 0)) fail("beta", "≥ 0", c.beta);
  if (!(c.clipRange > 0)) fail("clipRange", "positive", c.clipRange);
  if (!(c.entropyCoef >= 0)) fail("entropyCoef", "≥ 0", c.entropyCoef);
  if (!(c.policyLr > 0)) fail("policyLr", "positive", c.policyLr);
  checkOptimiser(c, fail);
  checkPrecision(c, fail);
  if (c.denseReward && c.prm === null) fail("prm", "a PRM checkpoint when denseReward is on", c.prm);
}
