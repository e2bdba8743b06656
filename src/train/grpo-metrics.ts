/**
 * What a GRPO or RLOO iteration logs (src/train/grpo.ts): PPO's rollout fields under the same names
 * (ppo-metrics.ts), the update's numbers without the value model's, and how much contrast the groups
 * carry — a group whose responses all earn the same reward has advantage 0 everywhere and teaches nothing.
 */
import { mean, rolloutMetrics, type PpoMetrics } from "./ppo-metrics.js";

/** One row of metrics.jsonl. */
export interface GrpoMetrics extends Omit<
  PpoMetrics,
  "valueLoss" | "valueClipFrac" | "explainedVariance" | "valueGradNorm"
> {
  /** Mean per-token k3 KL to the reference over the updates (the loss's KL term before β). */
  refKl: number;
  /** Share of groups whose responses' rewards are all equal (TRL's frac_reward_zero_std): no signal there. */
  zeroStdGroups: number;
  /** Mean over responses of |advantage| at the first token. */
  meanAbsAdvantage: number;
}

/** One minibatch update's figures. */
export interface GrpoUpdateStats {
  policyLoss: number;
  approxKl: number;
  clipFrac: number;
  refKl: number;
  entropy: number;
  policyGradNorm: number;
}

/** The metrics row of an iteration; `sequenceRewards[i]` is the reward response i was compared on within its group. */
export function grpoIterationMetrics(
  step: number,
  judged: Parameters<typeof rolloutMetrics>[0],
  b: readonly (Parameters<typeof rolloutMetrics>[1][number] & {
    group: number;
    advantages: readonly number[];
  })[],
  sequenceRewards: readonly number[],
  updates: readonly GrpoUpdateStats[],
  seconds: { rolloutSeconds: number; updateSeconds: number; [phase: `${string}Seconds`]: number },
): GrpoMetrics {
  const of = (key: keyof GrpoUpdateStats) => mean(updates.map((u) => u[key]));
  const byGroup = new Map<number, number[]>();
  b.forEach((r, i) => byGroup.set(r.group, [...(byGroup.get(r.group) ?? []), sequenceRewards[i]!]));
  const flat = [...byGroup.values()].filter((rs) => Math.max(...rs) === Math.min(...rs)).length;
  return {
    step,
    ...rolloutMetrics(judged, b),
    approxKl: of("approxKl"),
    clipFrac: of("clipFrac"),
    entropy: of("entropy"),
    policyLoss: of("policyLoss"),
    refKl: of("refKl"),
    policyGradNorm: of("policyGradNorm"),
    zeroStdGroups: byGroup.size ? flat / byGroup.size : 0,
    meanAbsAdvantage: mean(b.map((r) => Math.abs(r.advantages[0] ?? 0))),
    ...seconds,
  };
}
