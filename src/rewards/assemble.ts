/**
 * Per-token rewards of one rollout for PPO (DESIGN.md, "Training"; PRLCoder §3.3, PSGPO §4.2): every token
 * t gets −β·KL_t, the token ending step i also gets that step's process reward, and the last token also
 * gets the outcome reward. Each part is returned on its own so the trainer can log them separately.
 */

/** A process reward and the response token it sits on (`stepEndTokens`). */
export interface ProcessRewardAt {
  token: number;
  reward: number;
}

export interface RewardInputs {
  /** Response tokens in the rollout (the end token included when it was sampled). */
  responseLength: number;
  /** KL_t per response token, e.g. k1 = log π(a_t) − log π_ref(a_t); length `responseLength`. */
  klPerToken: ArrayLike<number>;
  /** β, the KL coefficient. */
  beta: number;
  /** The outcome reward (outcome.ts), paid on the last token. */
  outcome: number;
  /** Process rewards at step-end tokens; rewards landing on one token add up. Empty: no process reward. */
  processAt: readonly ProcessRewardAt[];
}

/** The reward of every token and its parts; `total[t] = kl[t] + process[t] + outcome[t]`. */
export interface AssembledRewards {
  total: number[];
  /** −β·KL_t. */
  kl: number[];
  /** Process rewards at step ends, 0 elsewhere. */
  process: number[];
  /** The outcome reward on the last token, 0 elsewhere. */
  outcome: number[];
  /** Each part summed over the rollout, for logging. */
  sums: { total: number; kl: number; process: number; outcome: number };
}

/** Assembles one rollout's per-token rewards from the KL penalty, the process rewards and the outcome. */
export function assembleRewards(inputs: RewardInputs): AssembledRewards {
  const { responseLength: n, klPerToken, beta, outcome: outcomeReward, processAt } = inputs;
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`assembleRewards: responseLength must be a positive integer, got ${n}`);
  if (klPerToken.length !== n)
    throw new Error(`assembleRewards: ${klPerToken.length} KL values for ${n} response tokens`);
  const kl = Array.from({ length: n }, (_, t) => -beta * klPerToken[t]!);
  const processPart = new Array<number>(n).fill(0);
  for (const { token, reward } of processAt) {
    if (!Number.isInteger(token) || token < 0 || token >= n)
      throw new Error(
        `assembleRewards: a process reward at token ${token}, outside the ${n} response tokens`,
      );
    processPart[token] = processPart[token]! + reward;
  }
  const outcomePart = new Array<number>(n).fill(0);
  outcomePart[n - 1] = outcomeReward;
  const total = kl.map((k, t) => k + processPart[t]! + outcomePart[t]!);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    total,
    kl,
    process: processPart,
    outcome: outcomePart,
    sums: { total: sum(total), kl: sum(kl), process: sum(processPart), outcome: outcomeReward },
  };
}

/** Pairs per-step rewards with their end tokens, the `processAt` of assembleRewards. */
export function atStepEnds(ends: readonly number[], rewards: readonly number[]): ProcessRewardAt[] {
  if (ends.length !== rewards.length)
    throw new Error(`atStepEnds: ${rewards.length} rewards for ${ends.length} step ends`);
  return ends.map((token, i) => ({ token, reward: rewards[i]! }));
}
