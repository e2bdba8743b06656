/**
 * pass@k broken down by difficulty and by response length: PSGPO (arXiv 2410.17621, §5) shows that dense
 * process rewards help most on long responses, and these tables are how a run shows the same.
 */
import { passAtK } from "./passAtK.js";

/** One sampled response: whether it passed every test, and its length in tokens. */
export interface SampleOutcome {
  passed: boolean;
  tokens: number;
}

/** All samples drawn for one problem. */
export interface ProblemOutcome {
  problemId: string;
  difficulty?: string;
  samples: SampleOutcome[];
}

/** pass@k of one group for one k; `problems` counts those with at least k samples in the group. */
export interface GroupPassAtK {
  k: number;
  /** Null when no problem of the group has k samples in it. */
  value: number | null;
  problems: number;
}

/** One row of a breakdown table. */
export interface BreakdownRow {
  group: string;
  /** Problems with at least one sample in the group. */
  problems: number;
  samples: number;
  passed: number;
  passAtK: GroupPassAtK[];
}

/**
 * One row from the samples each problem has in the group. pass@k is estimated per problem from its own
 * samples in the group and averaged over the problems with at least k of them, so a problem with many short
 * and few long responses counts once in each length bucket, weighted like every other problem.
 */
function row(group: string, perProblem: SampleOutcome[][], ks: readonly number[]): BreakdownRow {
  const present = perProblem.filter((s) => s.length > 0);
  const counts = present.map((s) => ({ n: s.length, c: s.filter((x) => x.passed).length }));
  return {
    group,
    problems: present.length,
    samples: counts.reduce((t, x) => t + x.n, 0),
    passed: counts.reduce((t, x) => t + x.c, 0),
    passAtK: ks.map((k) => {
      const eligible = counts.filter((x) => x.n >= k);
      const value = eligible.length
        ? eligible.reduce((t, x) => t + passAtK(x.n, x.c, k), 0) / eligible.length
        : null;
      return { k, value, problems: eligible.length };
    }),
  };
}

/** The whole set as one row, group "all". */
export function overallRow(results: readonly ProblemOutcome[], ks: readonly number[]): BreakdownRow {
  return row(
    "all",
    results.map((r) => r.samples),
    ks,
  );
}

/** Named difficulty labels in their natural order; other labels sort numerically ("1" < "2" < "10"). */
const difficultyOrder = ["easy", "medium", "hard", "introductory", "interview", "competition"];

function compareDifficulty(a: string, b: string): number {
  const rank = (d: string) =>
    difficultyOrder.includes(d) ? difficultyOrder.indexOf(d) : difficultyOrder.length;
  return rank(a) - rank(b) || a.localeCompare(b, "en", { numeric: true });
}

/** One row per difficulty label, easiest first; problems without one are grouped as "unknown". */
export function byDifficulty(results: readonly ProblemOutcome[], ks: readonly number[]): BreakdownRow[] {
  const groups = new Map<string, SampleOutcome[][]>();
  for (const r of results) {
    const label = r.difficulty ?? "unknown";
    groups.set(label, [...(groups.get(label) ?? []), r.samples]);
  }
  return [...groups.keys()].sort(compareDifficulty).map((label) => row(label, groups.get(label)!, ks));
}

/** Default token-length bucket edges: 0-31, 32-63, 64-127, 128-255, 256+. */
export const defaultLengthEdges: readonly number[] = [32, 64, 128, 256];

/** The labels of the buckets that ascending `edges` cut lengths into: "0-31", "32-63", …, "256+". */
export function lengthBucketLabels(edges: readonly number[]): string[] {
  const starts = [0, ...edges];
  return starts.map((start, i) => (i < edges.length ? `${start}-${edges[i]! - 1}` : `${start}+`));
}

/** The bucket index of a length: the number of edges at or below it. */
export function lengthBucket(tokens: number, edges: readonly number[]): number {
  let i = 0;
  while (i < edges.length && tokens >= edges[i]!) i++;
  return i;
}

/** One row per response-length bucket (every bucket, empty ones too), shortest first. */
export function byLength(
  results: readonly ProblemOutcome[],
  ks: readonly number[],
  edges: readonly number[] = defaultLengthEdges,
): BreakdownRow[] {
  if (edges.some((e, i) => !Number.isInteger(e) || e < 1 || (i > 0 && e <= edges[i - 1]!))) {
    throw new RangeError(
      `length bucket edges must be increasing positive integers, got [${edges.join(", ")}]`,
    );
  }
  const labels = lengthBucketLabels(edges);
  const buckets = labels.map(() => results.map(() => [] as SampleOutcome[]));
  results.forEach((r, p) => {
    for (const s of r.samples) buckets[lengthBucket(s.tokens, edges)]![p]!.push(s);
  });
  return labels.map((label, b) => row(label, buckets[b]!, ks));
}
