/**
 * Process rewards: what each step of a rollout earns from the PRM, before they are placed on the steps'
 * end tokens (step-ends.ts) and added to the KL and outcome parts (assemble.ts).
 *
 * PRM scores are on the label scale: +1 correct, −1 wrong, 0 neutral (`PrmScorer` maps a BCE-trained
 * PRM's logit z to 2σ(z) − 1 so both losses give scores on this scale).
 *
 * Neutral steps (blank, comment-only and docstring lines; `Step.neutral` from segment.ts) earn exactly 0,
 * whatever the PRM outputs there: 0 is the label PSGPO gives comment lines (§4.2), the target an
 * MSE-trained PRM learns for them, and a constant can not be farmed by padding a rollout with comments —
 * the reward hacking PSGPO's neutral label guards against (§4.2).
 */

/** PSGPO's dense-reward weights λ(o), chosen by the rollout's outcome o. */
export interface ProcessWeights {
  /** λ_pass: the weight of the process reward on rollouts that pass all their tests. */
  lambdaPass: number;
  /** λ_fail: the weight on rollouts that fail. */
  lambdaFail: number;
}

/**
 * PSGPO's dense reward (§4.2): λ(o) · PRM_i / L for line i of a rollout with L lines, λ(o) = λ_pass when it
 * passed, λ_fail when it failed. Dividing by L keeps the total process reward of a rollout independent of
 * its length, so more lines do not mean more reward. L counts every line, neutral ones included.
 */
export function psgpoLineRewards(
  scores: readonly number[],
  neutral: readonly boolean[],
  passed: boolean,
  weights: ProcessWeights,
): number[] {
  sameLength(scores, neutral);
  const lambda = passed ? weights.lambdaPass : weights.lambdaFail;
  const lines = scores.length;
  return scores.map((score, i) => (neutral[i] ? 0 : (lambda * score) / lines));
}

/** PRLCoder's process reward (§3.3): PRM_i at the end of each segment (line or block), not normalised by length. */
export function prlcoderStepRewards(scores: readonly number[], neutral: readonly boolean[]): number[] {
  sameLength(scores, neutral);
  return scores.map((score, i) => (neutral[i] ? 0 : score));
}

function sameLength(scores: readonly number[], neutral: readonly boolean[]): void {
  if (scores.length !== neutral.length)
    throw new Error(`process rewards: ${scores.length} scores for ${neutral.length} steps`);
}
