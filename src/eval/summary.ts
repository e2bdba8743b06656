/** The evaluation summary: pass@k overall, by difficulty and by response length, as JSON and Markdown. */
import {
  byDifficulty,
  byLength,
  defaultLengthEdges,
  overallRow,
  type BreakdownRow,
  type ProblemOutcome,
} from "./breakdown.js";
import type { ProblemResult, SampleResult } from "./evaluate.js";

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
  /** EvalPlus problems (every row judged with base inputs told apart): EvalPlus's two columns, the base
   *  inputs alone (HumanEval / MBPP) and base + plus inputs (HumanEval+ / MBPP+, the same as `overall`). */
  evalPlus?: EvalPlusColumns;
}

/** pass@k and greedy pass@1 on the base inputs alone and on base + plus inputs, as EvalPlus reports them. */
export interface EvalPlusColumns {
  /** Group "HumanEval (base tests)", "MBPP (base tests)", or "base tests" for other or mixed problems. */
  base: BreakdownRow;
  /** Group "HumanEval+ (base + plus tests)", "MBPP+ (…)" or "base + plus tests". */
  plus: BreakdownRow;
  greedyBase: number | null;
  greedyPlus: number | null;
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

/** EvalPlus's columns when every response was judged with its base inputs told apart, else undefined. */
function evalPlusColumns(results: ProblemResult[], ks: number[]): EvalPlusColumns | undefined {
  const responses = results.flatMap((r) => [...r.samples, ...(r.greedy ? [r.greedy] : [])]);
  if (responses.length === 0 || responses.some((s) => s.base === undefined)) return undefined;
  const name = results.every((r) => r.problemId.startsWith("HumanEval/"))
    ? "HumanEval"
    : results.every((r) => r.problemId.startsWith("Mbpp/"))
      ? "MBPP"
      : "";
  const onBase = (s: SampleResult) => ({ passed: s.base!, tokens: s.tokens });
  const base = overallRow(
    results.map((r) => ({ problemId: r.problemId, samples: r.samples.map(onBase) })),
    ks,
  );
  const plus = overallRow(
    outcomes(results, (r) => r.samples),
    ks,
  );
  const greedy = results.filter((r) => r.greedy).map((r) => r.greedy!);
  const rate = (pass: (s: SampleResult) => boolean) =>
    greedy.length ? greedy.filter(pass).length / greedy.length : null;
  return {
    base: { ...base, group: name ? `${name} (base tests)` : "base tests" },
    plus: { ...plus, group: name ? `${name}+ (base + plus tests)` : "base + plus tests" },
    greedyBase: rate((s) => s.base!),
    greedyPlus: rate((s) => s.passed),
  };
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
  const evalPlus = evalPlusColumns(results, ks);
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
    ...(evalPlus ? { evalPlus } : {}),
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

/** EvalPlus's two columns as rows: base inputs alone, then base + plus inputs. */
function evalPlusTable(columns: EvalPlusColumns, ks: number[], greedy: boolean): string {
  const rows = [columns.base, columns.plus];
  const greedyOf = (group: string) =>
    group === columns.base.group ? columns.greedyBase : columns.greedyPlus;
  const shown = ks.length ? rows : rows.map((r) => ({ ...r, samples: r.problems }));
  return table("EvalPlus", shown, ks, greedy ? greedyOf : undefined);
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
    ...(summary.evalPlus ? ["", evalPlusTable(summary.evalPlus, ks, greedy !== undefined)] : []),
  ].join("\n");
}
