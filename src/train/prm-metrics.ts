/**
 * Held-out metrics of a PRM (issue 7): how often the sign of its output agrees with the label, per class and
 * by step position, and the AUC of its outputs for telling +1 steps from −1 steps. Scores are on the label
 * scale (+1 correct, −1 wrong), so a positive score predicts +1 and a negative one −1.
 */

/** The file in a PRM run folder with the final PRM's score of every held-out step (the HTML report's PRM view). */
export const heldOutScoresFile = "heldout-scores.jsonl";

/** One labelled step's score: its label, the PRM's score, and its 0-based index in the response. */
export interface ScoredStep {
  label: 1 | -1 | 0;
  score: number;
  position: number;
}

export interface PrmMetrics {
  /** Non-neutral steps scored. */
  steps: number;
  /** Share of +1 steps scored above 0; null when there are none. */
  accuracyPositive: number | null;
  /** Share of −1 steps scored below 0; null when there are none. */
  accuracyNegative: number | null;
  /** Share of non-neutral steps whose score has the label's sign. */
  accuracy: number | null;
  /** The mean of the two per-class accuracies (what a constant guess cannot raise above 0.5). */
  balancedAccuracy: number | null;
  /** Probability that a random +1 step outscores a random −1 step (ties count half); null without both classes. */
  auc: number | null;
  /** Mean |score| of neutral steps (their label is 0); null when there are none. */
  neutralMeanAbs: number | null;
  /** Sign accuracy of non-neutral steps by 1-based step number (`positionBuckets`), with counts. */
  byPosition: { bucket: string; steps: number; accuracy: number }[];
}

/** Step-number ranges (1-based, inclusive) that `byPosition` groups by: short responses one by one, long ones coarser. */
export const positionBuckets: readonly [number, number][] = [
  [1, 1],
  [2, 2],
  [3, 4],
  [5, 8],
  [9, 16],
  [17, Infinity],
];

/** The held-out metrics of scored steps. */
export function prmMetrics(scored: readonly ScoredStep[]): PrmMetrics {
  const positive = scored.filter((s) => s.label === 1);
  const negative = scored.filter((s) => s.label === -1);
  const neutral = scored.filter((s) => s.label === 0);
  const agrees = (s: ScoredStep) => Math.sign(s.score) === s.label;
  const share = (xs: readonly ScoredStep[]) => (xs.length ? xs.filter(agrees).length / xs.length : null);
  const accuracyPositive = share(positive);
  const accuracyNegative = share(negative);
  const labelled = [...positive, ...negative];
  const byPosition = positionBuckets.flatMap(([lo, hi]) => {
    const inBucket = labelled.filter((s) => s.position + 1 >= lo && s.position + 1 <= hi);
    return inBucket.length
      ? [
          {
            bucket: hi === Infinity ? `${lo}+` : lo === hi ? `${lo}` : `${lo}-${hi}`,
            steps: inBucket.length,
            accuracy: share(inBucket)!,
          },
        ]
      : [];
  });
  return {
    steps: labelled.length,
    accuracyPositive,
    accuracyNegative,
    accuracy: share(labelled),
    balancedAccuracy:
      accuracyPositive !== null && accuracyNegative !== null
        ? (accuracyPositive + accuracyNegative) / 2
        : null,
    auc: auc(
      positive.map((s) => s.score),
      negative.map((s) => s.score),
    ),
    neutralMeanAbs: neutral.length
      ? neutral.reduce((a, s) => a + Math.abs(s.score), 0) / neutral.length
      : null,
    byPosition,
  };
}

/** Area under the ROC curve (the Mann–Whitney statistic): P(a positive outscores a negative), ties half. */
export function auc(positives: readonly number[], negatives: readonly number[]): number | null {
  if (positives.length === 0 || negatives.length === 0) return null;
  // Rank all scores together (tied scores share their mean rank); the positives' rank sum gives U.
  const all = [
    ...positives.map((score) => ({ score, positive: true })),
    ...negatives.map((score) => ({ score, positive: false })),
  ].sort((a, b) => a.score - b.score);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j]!.score === all[i]!.score) j++;
    const meanRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]!.positive) rankSum += meanRank;
    i = j;
  }
  const p = positives.length;
  return (rankSum - (p * (p + 1)) / 2) / (p * negatives.length);
}

/** The metrics as a flat metrics.jsonl row part, keys prefixed (e.g. `heldOut/auc`, `heldOut/acc@3-4`). */
export function flatMetrics(m: PrmMetrics, prefix: string): Record<string, number | null> {
  const row: Record<string, number | null> = {
    [`${prefix}/steps`]: m.steps,
    [`${prefix}/accuracyPositive`]: m.accuracyPositive,
    [`${prefix}/accuracyNegative`]: m.accuracyNegative,
    [`${prefix}/accuracy`]: m.accuracy,
    [`${prefix}/balancedAccuracy`]: m.balancedAccuracy,
    [`${prefix}/auc`]: m.auc,
    [`${prefix}/neutralMeanAbs`]: m.neutralMeanAbs,
  };
  for (const b of m.byPosition) row[`${prefix}/acc@${b.bucket}`] = b.accuracy;
  return row;
}
