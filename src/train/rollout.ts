/**
 * The rollout and scoring phases the RL trainers share (ppo.ts, grpo.ts; DESIGN.md, "Training": "same
 * rollout, scoring and KL code as PPO; only advantages differ"): sample n responses per problem from the
 * policy, run them against the unit tests, cut them into lines and steps, have the PRM score every step,
 * and take every sampled token's log-probability under the policy and the frozen reference. Also the
 * process rewards at step ends (PSGPO's λ(o)·PRM_i / L, PRLCoder's PRM_i) that both trainers fold in.
 */
import { noGrad, scope, tensor, type Tensor } from "../torch/index.js";
import {
  Llama,
  disposePacked,
  encodePrompt,
  generate,
  packPairs,
  scoreResponses,
  type PackedPairs,
  type ScoreOptions,
} from "../model/index.js";
import type { Tokenizer } from "../model/tokenizer/index.js";
import type { SandboxExecutor, Verdict } from "../exec/index.js";
import { verdictFor } from "../exec/judge.js";
import { hashString } from "../problems/suite/random.js";
import type { Problem } from "../problems/types.js";
import { segmentResponse, type Granularity, type Step } from "../labels/segment.js";
import {
  atStepEnds,
  prlcoderStepRewards,
  psgpoLineRewards,
  stepEndTokens,
  type OutcomeKind,
  type ProcessRewardAt,
} from "../rewards/index.js";
import { dataFingerprint, shuffled } from "./order.js";
import { DataParallel } from "./distributed.js";
import type { RunData } from "./checkpoint.js";
import type { PrmScorer } from "./prm-scorer.js";
import { lengthPacks } from "./packs.js";
import { PhaseTimer } from "./phase-timer.js";
import { plainPrompting, type Prompting } from "./prompting.js";
import { ConfigError } from "../runs/index.js";

/** The config fields the shared phases read (PpoConfig and GrpoConfig document each). */
export interface RolloutConfig {
  samplesPerProblem: number;
  temperature: number;
  maxNewTokens: number;
  outcomeReward: OutcomeKind;
  granularity: Granularity;
}

/** How PRM scores become step rewards (PpoConfig documents each field). */
export interface ProcessRewardConfig {
  processReward: "psgpo" | "prlcoder";
  lambdaPass: number;
  lambdaFail: number;
}

/** A sampled response as judged: its tokens, text, verdict, lines and steps. */
export interface Judged {
  problem: Problem;
  /** The position of its problem in this iteration's list: the samples of one prompt share it (GRPO's group). */
  group: number;
  /** `<bos>` + prompt tokens. */
  prompt: number[];
  /** Response tokens as sampled; they end with the end token when the policy chose to stop. */
  tokens: number[];
  /**
   * Each token's log-probability under the policy that sampled it, at the sampling temperature, as the
   * sampler computed it: the "old" log-probabilities of the PPO and GRPO ratios, so no trainer recomputes
   * them (a KV-cached decode step and a packed forward pass agree to float rounding; tested).
   */
  sampledLogprobs: number[];
  /** The response's text (the tokens decoded without the end token): the program that runs. */
  text: string;
  verdict: Verdict;
  /** The response's lines (for the metrics) and the steps the PRM scores (the same lines, or blocks). */
  lines: Step[];
  steps: Step[];
}

/** A judged response with its PRM scores and per-token log-probabilities (one entry per response token). */
export interface Scored extends Judged {
  /** PRM score of each step on the label scale; empty without a PRM. */
  scores: number[];
  /** Under the policy that sampled the response (its `sampledLogprobs`). */
  logprobs: number[];
  /** Under the frozen reference. */
  refLogprobs: number[];
}

/**
 * Samples `samplesPerProblem` responses to each problem from `policy` (seeded by `seedKey`), runs each
 * against its problem's tests, and segments it into lines and `granularity` steps. Responses come out
 * grouped by problem, in the order of `problems`; with a data-parallel `world`, only those of this rank's
 * block of problems.
 */
export async function rollOut(
  policy: Llama,
  tokenizer: Tokenizer,
  problems: readonly Problem[],
  config: RolloutConfig,
  executor: SandboxExecutor,
  seedKey: string,
  timer = new PhaseTimer(),
  prompting: Prompting = plainPrompting,
  world: DataParallel = DataParallel.single,
): Promise<Judged[]> {
  const prompts = problems.map((p) => encodePrompt(tokenizer, prompting.text(p)));
  const samples = timer.time("generate", () =>
    noGrad(() =>
      generate(
        policy,
        prompts.map((prompt) => ({
          prompt,
          n: config.samplesPerProblem,
          temperature: config.temperature,
          stop: prompting.stops,
          maxNewTokens: Math.min(config.maxNewTokens, policy.config.maxPositions - prompt.length),
        })),
        { tokenizer, seed: hashString(seedKey) },
      ),
    ),
  );
  // Data-parallel: every rank samples the whole batch (one seeded stream over it, so the samples are one
  // process's), then runs and segments only its block of problems.
  const mine = world.range(problems.length);
  const sampled = problems.flatMap((problem, i) =>
    i < mine.start || i >= mine.end
      ? []
      : samples[i]!.map((s) => ({
          problem,
          group: i,
          prompt: prompts[i]!,
          tokens: s.tokens,
          sampledLogprobs: s.logprobs,
          text: tokenizer.decode(s.tokens, { skipSpecial: true }),
        })),
  );
  // Every test runs when the reward counts them; the problem's own comparison mode comes with verdictFor.
  const limits = config.outcomeReward === "fraction" ? { stopOnFirstFailure: false } : {};
  const verdicts = await timer.timeAsync("sandbox", () =>
    Promise.all(sampled.map((r) => verdictFor(r.problem, r.text, executor, limits))),
  );
  // Steps are parsed in the context of the code the response continues (the starter), not a prose prompt.
  const { lines, steps } = await timer.timeAsync("segment", async () => {
    const lines = await Promise.all(
      sampled.map((r) => segmentResponse(r.problem.starter ?? "", r.text, "line")),
    );
    const steps =
      config.granularity === "line"
        ? lines
        : await Promise.all(
            sampled.map((r) => segmentResponse(r.problem.starter ?? "", r.text, config.granularity)),
          );
    return { lines, steps };
  });
  return sampled.map((r, i) => ({
    ...r,
    verdict: verdicts[i]!,
    lines: lines[i]!.steps,
    steps: steps[i]!.steps,
  }));
}

/** Whether a judged response is trained on: a sandbox failure is not the program's doing (DESIGN.md), and an empty response has no token to update. */
export function trainable(r: Judged): boolean {
  return r.tokens.length > 0 && r.verdict.status !== "sandbox_error";
}

/**
 * The PRM's score of every step (when there is a PRM), then every sampled token's log-probability under
 * the frozen reference, at the sampling temperature; the policy's are the sampler's own.
 */
export function scoreRollouts(
  b: readonly Judged[],
  models: { reference: Llama; prm: PrmScorer | null },
  tokenizer: Tokenizer,
  config: RolloutConfig,
  timer = new PhaseTimer(),
): Scored[] {
  const scores = timer.time("prm", () =>
    models.prm
      ? models.prm.scoreBatch(
          b.map((r) => ({ prompt: r.problem.prompt, response: r.text, steps: r.steps.map((s) => s.text) })),
        )
      : b.map(() => []),
  );
  const refLogprobs = timer.time("reference", () =>
    tokenScores(models.reference, b, tokenizer.padId, { logprobs: true, temperature: config.temperature }),
  );
  return b.map((r, i) => ({
    ...r,
    scores: scores[i]!,
    logprobs: r.sampledLogprobs,
    refLogprobs: refLogprobs[i]!,
  }));
}

/** The process rewards of a scored rollout at its steps' end tokens: PSGPO's λ(o)·PRM_i / L or PRLCoder's PRM_i. */
export function processRewardsAt(
  r: Scored,
  config: ProcessRewardConfig,
  tokenizer: Tokenizer,
): ProcessRewardAt[] {
  return atStepEnds(stepEndTokenIndices(r, tokenizer), stepRewards(r, config));
}

/** A scored rollout's process reward per step: λ(o)·PRM_i/L (PSGPO §4.2) or PRM_i (PRLCoder), 0 on neutral steps. */
export function stepRewards(r: Scored, config: ProcessRewardConfig): number[] {
  const neutral = r.steps.map((s) => s.neutral);
  return config.processReward === "psgpo"
    ? psgpoLineRewards(r.scores, neutral, r.verdict.status === "pass", {
        lambdaPass: config.lambdaPass,
        lambdaFail: config.lambdaFail,
      })
    : prlcoderStepRewards(r.scores, neutral);
}

/** The response token on which each of a rollout's steps ends. */
export function stepEndTokenIndices(r: Judged, tokenizer: Tokenizer): number[] {
  // The sampled ids' own offsets: the ids a re-encoding of the text gives may differ.
  const { offsets } = tokenizer.decodeWithOffsets(r.tokens, { skipSpecial: true });
  return stepEndTokens(
    r.text,
    r.steps.map((s) => s.text),
    offsets,
  );
}

/** Per-token log-probabilities (or values) of every rollout's response, in length packs (packs.ts), without gradients. */
export function tokenScores(
  model: Llama,
  b: readonly { prompt: number[]; tokens: number[] }[],
  padId: number,
  options: ScoreOptions,
): number[][] {
  const out: number[][] = new Array(b.length);
  noGrad(() => {
    for (const pack of lengthPacks(b)) {
      const part = pack.map((i) => b[i]!);
      const packed: PackedPairs = packPairs(
        part.map((r) => ({ prompt: r.prompt, response: r.tokens })),
        padId,
      );
      try {
        const flat = scope(() => {
          const scores = scoreResponses(model, packed, options);
          return (options.values ? scores.values! : scores.logprobs!).toFlatArray(); // (B, R)
        });
        pack.forEach((row, i) => {
          const start = i * packed.responseWidth;
          out[row] = flat.slice(start, start + b[row]!.tokens.length);
        });
      } finally {
        disposePacked(packed);
      }
    }
  });
  return out;
}

/** Rows of numbers right-padded with 0 to `width`, as a (B, width) float tensor. */
export function padded(rows: readonly (readonly number[])[], width: number): Tensor {
  const data = new Float32Array(rows.length * width);
  rows.forEach((row, i) => data.set(row, i * width));
  return tensor(data, { shape: [rows.length, width] });
}

/** The mean of x over the positions where mask is 1. */
export function maskedMean(x: Tensor, mask: Tensor): Tensor {
  return scope(() => x.mul(mask).sum().div(mask.sum()));
}

/** Problems whose prompt leaves room for at least one response token; none at all is a ConfigError naming `trainer`. */
export function usableProblems(
  problems: readonly Problem[],
  policy: Llama,
  tokenizer: Tokenizer,
  trainer: string,
  prompting: Prompting = plainPrompting,
): Problem[] {
  const room = (p: Problem) => policy.config.maxPositions - encodePrompt(tokenizer, prompting.text(p)).length;
  const usable = problems.filter((p) => room(p) >= 1);
  if (usable.length === 0)
    throw new ConfigError(
      `${trainer}: no problem's prompt fits in the policy's ${policy.config.maxPositions} positions`,
    );
  return usable;
}

/**
 * Phases 1 and 2 of an RL iteration, as PPO and GRPO share them: iteration i's problems, n samples of each
 * from the policy run against their tests, then the kept ones scored (PRM, reference log-probabilities).
 * `judged` is every rollout (for the metrics); `scored` leaves out what `trainable` refuses.
 */
export async function rollOutAndScore(
  models: { policy: Llama; reference: Llama; prm: PrmScorer | null },
  tokenizer: Tokenizer,
  usable: readonly Problem[],
  config: RolloutConfig & { problemsPerIteration: number; seed: number },
  executor: SandboxExecutor,
  iteration: number,
  timer: PhaseTimer,
  prompting: Prompting = plainPrompting,
  world: DataParallel = DataParallel.single,
): Promise<{ judged: Judged[]; scored: Scored[] }> {
  const chosen = iterationProblems(usable.length, config.problemsPerIteration, config.seed, iteration).map(
    (i) => usable[i]!,
  );
  // PPO and GRPO use the same key, so their runs of one seed start on the same rollouts.
  const judged = await rollOut(
    models.policy,
    tokenizer,
    chosen,
    config,
    executor,
    `ppo/${config.seed}/rollouts/${iteration}`,
    timer,
    prompting,
    world,
  );
  // A sandbox failure is not the program's doing (DESIGN.md): such a rollout gets no reward and no update.
  const scored = scoreRollouts(judged.filter(trainable), models, tokenizer, config, timer);
  if (world.size === 1) return { judged, scored };
  // Every rank gets the whole batch, in one process's order, for statistics over it (group advantages,
  // whitening, metrics); a rollout travels without its problem, which every rank has.
  const gather = async <T extends Judged>(rows: T[]): Promise<T[]> =>
    (await world.gather(rows.map((r): Omit<T, "problem"> => ({ ...r, problem: undefined })))).map(
      (r) => ({ ...r, problem: chosen[r.group]! }) as T,
    );
  return timer.timeAsync("gather", async () => ({
    judged: await gather(judged),
    scored: await gather(scored),
  }));
}

/**
 * The indices of iteration i's problems: positions i·k … i·k + k − 1 of an endless sequence of seeded
 * shuffles, one per pass. PPO and GRPO draw the same problems for the same seed, so their runs compare
 * on the same prompts.
 */
export function iterationProblems(n: number, k: number, seed: number, iteration: number): number[] {
  const orders = new Map<number, number[]>();
  return Array.from({ length: k }, (_, j) => {
    const position = iteration * k + j;
    const pass = Math.floor(position / n);
    if (!orders.has(pass)) orders.set(pass, shuffled(n, `ppo/${seed}/problems/${pass}`));
    return orders.get(pass)![position % n]!;
  });
}

/** What an RL run trains on, for the resume check: the problems' ids, prompts, tests and starters. */
export function problemsData(problems: readonly Problem[]): RunData {
  return {
    fingerprint: dataFingerprint(problems, (p) => [p.id, p.prompt, p.tests, p.starter ?? null]),
    field: "problems",
    what: "problems",
    remedy: "the same problems file",
  };
}
