/** The evaluation summary: pass@k overall, by difficulty and by response length, as JSON and Markdown. */
import {
  byDifficulty,
  byLength,
  defaultLengthEdges,
  overallRow,
  type BreakdownRow,
  type ProblemOutcome,
} from "./breakdown.js";
import type { ProblemResult } from "./evaluate.js";

export interface EvalSummary {
  problems: number;
  samplesPerProblem: number;
  ks: number[];
  /** Greedy pass@1 (null when no greedy responses were decoded). */
  greedyPass1: number | null;
  overall: BreakdownRow;
  byDifficulty: BreakdownRow[];
  /** Greedy pass@1 per difficulty. */
  greedyByDifficulty: BreakdownRow[];
  byLength: BreakdownRow[];
  lengthEdges: number[];
}

function outcomes(
  results: ProblemResult[],
  pick: (r: ProblemResult) => ProblemResult["samples"],
): ProblemOutcome[] {
  return results.map((r) => ({
    problemId: r.problemId,
    ...(r.difficulty !== undefined ? { difficulty: r.difficulty } : {}),
    samples: pick(r).map((s) => ({ passed: s.passed, tokens: s.tokens })),
  }));
}

/** Summarises result rows; pass@k uses the sampled responses, greedy pass@1 the greedy ones. */
export function summarize(
  results: ProblemResult[],
  ks: number[],
  lengthEdges: readonly number[] = defaultLengthEdges,
): EvalSummary {
  const sampled = outcomes(results, (r) => r.samples);
  const greedy = outcomes(results, (r) => (r.greedy ? [r.greedy] : []));
  const withGreedy = results.filter((r) => r.greedy);
  return {
    problems: results.length,
    samplesPerProblem: results[0]?.samples.length ?? 0,
    ks,
    greedyPass1: withGreedy.length
      ? withGreedy.filter((r) => r.greedy!.passed).length / withGreedy.length
      : null,
    overall: overallRow(sampled, ks),
    byDifficulty: byDifficulty(sampled, ks),
    greedyByDifficulty: byDifficulty(greedy, [1]),
    byLength: byLength(sampled, ks, lengthEdges),
    lengthEdges: [...lengthEdges],
  };
}

const percent = (v: number | null | undefined) =>
  v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)}%`;

/** A Markdown table of breakdown rows; `greedy` gives a greedy pass@1 column when present. */
function table(
  title: string,
  rows: BreakdownRow[],
  ks: number[],
  greedy?: (group: string) => number | null | undefined,
): string {
  const head = [
    title,
    "problems",
    "samples",
    ...(greedy ? ["greedy pass@1"] : []),
    ...ks.map((k) => `pass@${k}`),
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const r of rows) {
    const cells = [
      r.group,
      String(r.problems),
      String(r.samples),
      ...(greedy ? [percent(greedy(r.group))] : []),
      ...ks.map((k) => percent(r.passAtK.find((p) => p.k === k)?.value)),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** The summary as Markdown tables: overall and by difficulty (with greedy pass@1), and by response length. */
export function summaryMarkdown(summary: EvalSummary): string {
  const ks = summary.samplesPerProblem > 0 ? summary.ks : [];
  const greedy = summary.greedyPass1 === null ? undefined : summary;
  const greedyOf = (rows: BreakdownRow[]) => (group: string) =>
    rows.find((x) => x.group === group)?.passAtK[0]?.value;
  const overall = ks.length ? summary.overall : { ...summary.overall, samples: summary.problems };
  return [
    table("split", [overall], ks, greedy && (() => greedy.greedyPass1)),
    "",
    table(
      "difficulty",
      ks.length ? summary.byDifficulty : summary.greedyByDifficulty,
      ks,
      greedy && greedyOf(greedy.greedyByDifficulty),
    ),
    ...(ks.length ? ["", table("response tokens", summary.byLength, ks)] : []),
  ].join("\n");
}
