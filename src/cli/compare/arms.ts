/**
 * The arms `linewise compare` trains, the PRMs they use, and the comparisons (report tables) they appear
 * in. Every PPO arm starts from the same SFT policy with the same PPO budget (CompareConfig.ppo); an arm
 * differs from another only in what its preset says: the reward, the value model's start, the PRM.
 */
import { baselinePreset, prlcoderPreset, psgpoPreset, type PpoConfig } from "../../train/ppo.js";
import { grpoDefaults, grpoPsgpoPreset, grpoStepsPreset, type GrpoConfig } from "../../train/grpo.js";
import type { PrmLoss } from "../../train/prm.js";
import type { SelectionStrategy } from "../../labels/selection.js";
import type { ComparisonName } from "./config.js";

/** A PRM to train: on the completion labels with a selection strategy (PSGPO), or on mutation labels of a granularity (PRLCoder). */
export interface PrmSpec {
  name: string;
  labels:
    | { method: "completion"; select: SelectionStrategy }
    | { method: "mutation"; granularity: "line" | "block" };
  /** PSGPO regresses onto {+1, −1, 0} (MSE); PRLCoder classifies chosen/rejected steps (BCE). */
  loss: PrmLoss;
}

export const prmSpecs: readonly PrmSpec[] = [
  ...(["full", "remove-hard", "medium-only", "revised-only"] as const).map((select) => ({
    name: `completion-${select}`,
    labels: { method: "completion" as const, select },
    loss: "mse" as const,
  })),
  ...(["line", "block"] as const).map((granularity) => ({
    name: `mutation-${granularity}`,
    labels: { method: "mutation" as const, granularity },
    loss: "bce" as const,
  })),
];

/** One arm: a PPO or GRPO preset (with the PRM it reads, if any) or DPO on mutation pairs. */
export interface ArmSpec {
  name: string;
  title: string;
  comparisons: ComparisonName[];
  /** The headline arms (RL baseline vs DenseReward + ValueInit) get CompareConfig.headlineSeeds seeds. */
  headline: boolean;
  trainer:
    | { kind: "ppo"; preset: PpoConfig; prm: string | null }
    | { kind: "grpo"; preset: GrpoConfig; prm: string | null }
    | { kind: "dpo"; pairs: "line" | "block" };
}

const ppo = (preset: PpoConfig, prm: string | null) => ({ kind: "ppo" as const, preset, prm });
const grpo = (preset: GrpoConfig, prm: string | null) => ({ kind: "grpo" as const, preset, prm });

export const armSpecs: readonly ArmSpec[] = [
  // PSGPO Table 1: the RL baseline, each half of the recipe alone, and both.
  {
    name: "rl-baseline",
    title: "RL baseline (binary outcome)",
    comparisons: ["table1", "selection"],
    headline: true,
    trainer: ppo(baselinePreset, null),
  },
  {
    name: "value-init",
    title: "ValueInit only",
    comparisons: ["table1"],
    headline: false,
    trainer: ppo({ ...psgpoPreset, denseReward: false }, "completion-full"),
  },
  {
    name: "dense-reward",
    title: "DenseReward only",
    comparisons: ["table1"],
    headline: false,
    trainer: ppo({ ...psgpoPreset, valueInit: "policy" }, "completion-full"),
  },
  {
    name: "psgpo",
    title: "DenseReward + ValueInit (PRM on full data)",
    comparisons: ["table1", "selection"],
    headline: true,
    trainer: ppo(psgpoPreset, "completion-full"),
  },
  // PSGPO's data selection: the same recipe with PRMs trained on a subset of the labelled responses.
  ...(["remove-hard", "medium-only", "revised-only"] as const).map((select) => ({
    name: `psgpo-${select}`,
    title: `DenseReward + ValueInit (PRM on ${select})`,
    comparisons: ["selection" as const],
    headline: false,
    trainer: ppo(psgpoPreset, `completion-${select}`),
  })),
  // GRPO (critic-free): the outcome alone, PSGPO's line rewards folded into each response's reward, and
  // process-supervised GRPO's group-normalised step rewards (DeepSeekMath §4.1.3).
  {
    name: "grpo-baseline",
    title: "GRPO, binary outcome",
    comparisons: ["grpo"],
    headline: true,
    trainer: grpo(grpoDefaults, null),
  },
  {
    name: "grpo-psgpo",
    title: "GRPO + λ(o)·PRM_i/L line rewards (PRM on full data)",
    comparisons: ["grpo"],
    headline: true,
    trainer: grpo(grpoPsgpoPreset, "completion-full"),
  },
  {
    name: "grpo-steps",
    title: "process-supervised GRPO (PRM step rewards, PRM on full data)",
    comparisons: ["grpo"],
    headline: true,
    trainer: grpo(grpoStepsPreset, "completion-full"),
  },
  // PRLCoder: the compiler-feedback outcome baseline, PRM-guided PPO at lines and at blocks, and step-level DPO.
  {
    name: "prlcoder-outcome",
    title: "PPO, compiler-feedback outcome only",
    comparisons: ["prlcoder"],
    headline: false,
    trainer: ppo({ ...prlcoderPreset, denseReward: false }, null),
  },
  {
    name: "prlcoder-line",
    title: "PPO + PRM (mutation labels, lines)",
    comparisons: ["prlcoder"],
    headline: false,
    trainer: ppo(prlcoderPreset, "mutation-line"),
  },
  {
    // Not in PRLCoder: its PRM rewarded as PSGPO rewards its own, λ(o)·PRM_i/L, so that a rollout cannot
    // earn more by growing longer (the un-normalised arm above collapsed that way on the test-bed).
    name: "prlcoder-line-norm",
    title: "PPO + λ(o)·PRM_i/L (mutation labels, lines; PSGPO's length normalisation)",
    comparisons: ["prlcoder"],
    headline: false,
    trainer: ppo({ ...prlcoderPreset, processReward: "psgpo" }, "mutation-line"),
  },
  {
    name: "prlcoder-block",
    title: "PPO + PRM (mutation labels, blocks)",
    comparisons: ["prlcoder"],
    headline: false,
    trainer: ppo({ ...prlcoderPreset, granularity: "block" }, "mutation-block"),
  },
  {
    name: "dpo-line",
    title: "step-level DPO (mutation pairs, lines)",
    comparisons: ["prlcoder"],
    headline: false,
    trainer: { kind: "dpo", pairs: "line" },
  },
];

/** The comparisons' titles and what the paper reports, for the report. */
export const comparisonInfo: Record<
  ComparisonName,
  {
    title: string;
    claim: string;
    /** The outcome-only arm the others are measured against. */ baseline: string;
  }
> = {
  table1: {
    title: "PSGPO Table 1: dense PRM reward and PRM value initialisation",
    baseline: "rl-baseline",
    claim:
      "PSGPO reports that the PRM helps most when used both as a dense reward and to initialise the value model, " +
      "with the gain concentrated on longer responses (its Figure 3).",
  },
  selection: {
    title: "PSGPO data selection: which labelled responses train the PRM",
    baseline: "rl-baseline",
    claim:
      "PSGPO trains PRMs on subsets of its binary-search labels (full, remove hard prompts, medium prompts only, " +
      "revised responses only) and compares the RL results.",
  },
  grpo: {
    title: "GRPO: outcome reward vs process rewards",
    baseline: "grpo-baseline",
    claim:
      "DeepSeekMath (§4.1.3, §5.2.1) reports that GRPO with process supervision (PRM step rewards, normalised over " +
      "the group) beats GRPO with outcome supervision; folding PSGPO's λ(o)·PRM_i/L line rewards into the response's " +
      "reward is linewise's own combination of the two papers.",
  },
  prlcoder: {
    title: "PRLCoder: PRM-guided PPO vs outcome reward and DPO, lines vs blocks",
    baseline: "prlcoder-outcome",
    claim:
      "PRLCoder reports that PPO with a PRM trained on teacher-mutated reference solutions beats the outcome-reward " +
      "baselines (compiler feedback), and uses the same step pairs for DPO; the arm with λ(o)·PRM_i/L is linewise's " +
      "own: PRLCoder's PRM with PSGPO's length-normalised reward.",
  },
};

/** The arms the chosen comparisons need, in run order: headline arms first, so the main result comes first. */
export function armsFor(comparisons: readonly ComparisonName[]): ArmSpec[] {
  const chosen = armSpecs.filter((a) => a.comparisons.some((c) => comparisons.includes(c)));
  return [...chosen.filter((a) => a.headline), ...chosen.filter((a) => !a.headline)];
}

/** The PRMs the arms read. */
export function prmsFor(arms: readonly ArmSpec[]): PrmSpec[] {
  const names = new Set(
    arms.flatMap((a) => (a.trainer.kind !== "dpo" && a.trainer.prm ? [a.trainer.prm] : [])),
  );
  return prmSpecs.filter((p) => names.has(p.name));
}
