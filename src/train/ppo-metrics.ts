/**
 * What a PPO iteration logs (src/train/ppo.ts): the numbers every PPO user looks for under their usual names
 * (approxKl, clipFrac, entropy, valueLoss, policyLoss), the reward split into its parts, and the shape of the
 * responses — length, lines, share of comment lines — where reward hacking shows first (PSGPO §4.2). Also
 * the samples/ files that let a reader look at the responses themselves.
 */
import { join } from "node:path";
import type { Status, Verdict } from "../exec/types.js";
import type { Step } from "../labels/segment.js";
import type { AssembledRewards } from "../rewards/index.js";
import { writeFileAtomic } from "../runs/index.js";

/** One row of metrics.jsonl: what every PPO user looks for, plus the reward parts and signs of reward hacking. */
export interface PpoMetrics {
  /** Iterations completed. */
  step: number;
  /** Share of this iteration's rollouts that passed every test. */
  passRate: number;
  /** Share that did not parse (the compiler-feedback reward's −1). */
  syntaxErrorRate: number;
  /** Mean per rollout of the outcome reward, the process rewards summed, −β·KL summed, and their total. */
  outcomeReward: number;
  processReward: number;
  klReward: number;
  totalReward: number;
  /** Mean per rollout of Σ_t KL_t (k1) against the reference. */
  kl: number;
  /** Means over the minibatch updates: CleanRL's approx KL ((r − 1) − log r), share of ratios clipped, entropy per token. */
  approxKl: number;
  clipFrac: number;
  entropy: number;
  policyLoss: number;
  valueLoss: number;
  /** Share of tokens whose value loss took the clipped branch. */
  valueClipFrac: number;
  /** 1 − Var(returns − values) / Var(returns) over the batch's tokens (CleanRL's explained_variance). */
  explainedVariance: number;
  policyGradNorm: number;
  valueGradNorm: number;
  /** Mean response length in tokens (the end token included when sampled). */
  responseLength: number;
  /** Mean non-blank lines per response, and the share of them that are comments or docstrings (padding that farms line rewards). */
  linesPerResponse: number;
  commentShare: number;
  /** Rollouts this iteration, and those left out of the update (no response token, or a sandbox failure). */
  rollouts: number;
  dropped: number;
  rolloutSeconds: number;
  updateSeconds: number;
  /** Wall seconds per phase: generateSeconds, sandboxSeconds, segmentSeconds, prmSeconds, referenceSeconds, valuesSeconds, policyUpdateSeconds, valueUpdateSeconds (phase-timer.ts). */
  [phase: `${string}Seconds`]: number;
}

/** One minibatch update's figures. */
export interface UpdateStats {
  policyLoss: number;
  approxKl: number;
  clipFrac: number;
  entropy: number;
  valueLoss: number;
  valueClipFrac: number;
  policyGradNorm: number;
  valueGradNorm: number;
}

/** A sampled response as judged: its tokens, verdict and lines. */
interface Judged {
  tokens: readonly number[];
  verdict: Verdict;
  lines: readonly Step[];
}

/** A rollout trained on: its reward parts, per-token log-probabilities, values and returns. */
interface Trained {
  rewards: AssembledRewards;
  logprobs: readonly number[];
  refLogprobs: readonly number[];
  values: readonly number[];
  returns: readonly number[];
}

/** What every RL trainer logs of an iteration's rollouts (PPO and GRPO rows share these fields). */
export type RolloutMetrics = Pick<
  PpoMetrics,
  | "passRate"
  | "syntaxErrorRate"
  | "outcomeReward"
  | "processReward"
  | "klReward"
  | "totalReward"
  | "kl"
  | "responseLength"
  | "linesPerResponse"
  | "commentShare"
  | "rollouts"
  | "dropped"
>;

/** Outcomes and shapes over every response, reward parts and KL over those trained on. */
export function rolloutMetrics(
  judged: readonly Judged[],
  b: readonly Pick<Trained, "rewards" | "logprobs" | "refLogprobs">[],
): RolloutMetrics {
  const share = (status: Status) =>
    judged.filter((r) => r.verdict.status === status).length / Math.max(1, judged.length);
  const written = judged.map((r) => r.lines.filter((l) => l.text.trim() !== ""));
  const lineCount = written.reduce((n, ls) => n + ls.length, 0);
  const commentLines = written.reduce((n, ls) => n + ls.filter((l) => l.neutral).length, 0);
  return {
    passRate: share("pass"),
    syntaxErrorRate: share("syntax_error"),
    outcomeReward: mean(b.map((r) => r.rewards.sums.outcome)),
    processReward: mean(b.map((r) => r.rewards.sums.process)),
    klReward: mean(b.map((r) => r.rewards.sums.kl)),
    totalReward: mean(b.map((r) => r.rewards.sums.total)),
    kl: mean(b.map((r) => r.logprobs.reduce((s, lp, t) => s + lp - r.refLogprobs[t]!, 0))),
    responseLength: mean(judged.map((r) => r.tokens.length)),
    linesPerResponse: lineCount / Math.max(1, judged.length),
    commentShare: lineCount ? commentLines / lineCount : 0,
    rollouts: judged.length,
    dropped: judged.length - b.length,
  };
}

/** The metrics row of a PPO iteration: the rollouts' metrics, the update's, and the value model's fit. */
export function iterationMetrics(
  step: number,
  judged: readonly Judged[],
  b: readonly Trained[],
  updates: readonly UpdateStats[],
  seconds: { rolloutSeconds: number; updateSeconds: number; [phase: `${string}Seconds`]: number },
): PpoMetrics {
  const of = (key: keyof UpdateStats) => mean(updates.map((u) => u[key]));
  const returns = b.flatMap((r) => r.returns);
  const residuals = b.flatMap((r) => r.returns.map((ret, t) => ret - r.values[t]!));
  const returnVariance = variance(returns);
  return {
    step,
    ...rolloutMetrics(judged, b),
    approxKl: of("approxKl"),
    clipFrac: of("clipFrac"),
    entropy: of("entropy"),
    policyLoss: of("policyLoss"),
    valueLoss: of("valueLoss"),
    valueClipFrac: of("valueClipFrac"),
    explainedVariance: returnVariance > 0 ? 1 - variance(residuals) / returnVariance : 0,
    policyGradNorm: of("policyGradNorm"),
    valueGradNorm: of("valueGradNorm"),
    ...seconds,
  };
}

/** samples/iteration-N.jsonl: each trained-on rollout's response, verdict, steps, PRM scores, step rewards and reward parts. */
export function writeSamples(
  runDir: string,
  iteration: number,
  b: readonly {
    problem: { id: string };
    text: string;
    verdict: Verdict;
    steps: readonly Step[];
    scores: readonly number[];
    rewards: AssembledRewards;
  }[],
  /** Each rollout's process reward per step (the PRM runs only); absent without a PRM. */
  stepRewards?: (i: number) => number[],
): void {
  const rows = b.map((r, i) => ({
    problemId: r.problem.id,
    response: r.text,
    status: r.verdict.status,
    steps: r.steps.map((s) => s.text),
    prmScores: r.scores,
    ...(stepRewards ? { stepRewards: stepRewards(i) } : {}),
    reward: r.rewards.sums,
  }));
  writeFileAtomic(
    join(runDir, "samples", `iteration-${iteration}.jsonl`),
    rows.map((row) => JSON.stringify(row) + "\n").join(""),
  );
}

/** The mean; 0 for no numbers. */
export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0;
}

/** Population variance; 0 for fewer than two numbers. */
function variance(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return mean(xs.map((x) => (x - m) ** 2));
}
