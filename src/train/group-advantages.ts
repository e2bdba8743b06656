/**
 * Critic-free advantages for GRPO and RLOO (grpo.ts): each response is compared with the other responses
 * to the same prompt (its group) instead of with a learnt value.
 *
 * - GRPO (Shao et al. 2024, DeepSeekMath §4.1.2, outcome supervision): A_i = (r_i − mean(r)) / std(r) over
 *   the group, the same for every token; Dr. GRPO (Liu et al. 2025, "Understanding R1-Zero-Like
 *   Training") drops the division by the std, which favours groups whose rewards barely differ.
 * - RLOO (Ahmadian et al. 2024, "Back to Basics"; Kool et al. 2019): A_i = r_i − mean of the other k − 1
 *   rewards of the group.
 * - Process-supervised GRPO (DeepSeekMath §4.1.3): the step rewards of all responses of a group are
 *   normalised together, r̃ = (r − mean(R)) / std(R), and a token's advantage is the sum of the normalised
 *   rewards of the steps from its own step on.
 *
 * Numerics follow TRL's GRPOTrainer and RLOOTrainer so that test/train/grpo-trl.test.ts can compare them:
 * the std is Bessel-corrected and 1e-4 is added to it; a group of one response has advantage 0.
 */

/** TRL's `+ 1e-4` under the std. */
const stdEpsilon = 1e-4;

/** How the outcome advantages are formed. */
export interface GroupAdvantageOptions {
  /** `grpo`: reward minus the group mean; `rloo`: reward minus the mean of the group's other rewards. */
  algo: "grpo" | "rloo";
  /** GRPO only: divide by the group's std (GRPO; TRL scale_rewards "group") or not (Dr. GRPO; scale_rewards "none"). */
  scaleByStd: boolean;
}

/**
 * The advantage of each response from its sequence reward; `groups[i]` names response i's group (responses
 * of one prompt share it, in any order).
 */
export function groupAdvantages(
  rewards: readonly number[],
  groups: readonly number[],
  options: GroupAdvantageOptions,
): number[] {
  if (rewards.length !== groups.length)
    throw new Error(`groupAdvantages: ${rewards.length} rewards for ${groups.length} group labels`);
  const members = byGroup(groups);
  return rewards.map((r, i) => {
    const group = members.get(groups[i]!)!.map((j) => rewards[j]!);
    const k = group.length;
    if (k < 2) return 0;
    const sum = group.reduce((s, x) => s + x, 0);
    if (options.algo === "rloo") return r - (sum - r) / (k - 1);
    const centred = r - sum / k;
    return options.scaleByStd ? centred / (std(group) + stdEpsilon) : centred;
  });
}

/** A step of a response for process supervision: the token it ends on and its reward (null: a neutral step, no reward). */
export interface StepReward {
  end: number;
  reward: number | null;
}

/**
 * Process-supervised GRPO (DeepSeekMath §4.1.3): per response, a per-token advantage of length
 * `lengths[i]`. The rewards of the group's non-neutral steps are normalised together; token t's advantage
 * is the sum of the normalised rewards of the steps ending at or after t. Tokens after the last step's end
 * (the end token) get 0; so does every token of a group with fewer than two rewards.
 */
export function processAdvantages(
  steps: readonly (readonly StepReward[])[],
  lengths: readonly number[],
  groups: readonly number[],
): number[][] {
  if (steps.length !== groups.length || lengths.length !== groups.length)
    throw new Error(
      `processAdvantages: ${steps.length} step lists and ${lengths.length} lengths for ${groups.length} group labels`,
    );
  const members = byGroup(groups);
  return steps.map((own, i) => {
    const pool = members
      .get(groups[i]!)!
      .flatMap((j) => steps[j]!.map((s) => s.reward))
      .filter((r): r is number => r !== null);
    const advantages = new Array<number>(lengths[i]!).fill(0);
    if (pool.length < 2) return advantages;
    const mean = pool.reduce((s, x) => s + x, 0) / pool.length;
    const scale = 1 / (std(pool) + stdEpsilon);
    // Walk the tokens backwards, adding each step's normalised reward from its end token on down.
    const ends = own
      .filter((s) => s.reward !== null)
      .map((s) => ({ end: s.end, reward: (s.reward! - mean) * scale }))
      .sort((a, b) => b.end - a.end);
    let sum = 0;
    let next = 0;
    for (let t = lengths[i]! - 1; t >= 0; t--) {
      while (next < ends.length && ends[next]!.end >= t) sum += ends[next++]!.reward;
      advantages[t] = sum;
    }
    return advantages;
  });
}

/** The response indices of each group label. */
function byGroup(groups: readonly number[]): Map<number, number[]> {
  const members = new Map<number, number[]>();
  groups.forEach((g, i) => members.set(g, [...(members.get(g) ?? []), i]));
  return members;
}

/** Bessel-corrected standard deviation (torch.std's default, TRL's nanstd); at least two numbers. */
function std(xs: readonly number[]): number {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
}
