/**
 * Figures about a label file for `report.md` and `linewise label`'s summary: response and prompt kinds
 * (PSGPO §4.3), where the first error sits, what labelling cost per response, and — for runs with
 * `--linear` — how often binary search agrees with probing every step and what it saves (issue 6's target:
 * on failing responses of 8+ code lines, binary search uses at most 40% of the linear scan's executions).
 */
import {
  groupByProblem,
  promptKind,
  type LabelCost,
  type LabelRecord,
  type PromptKind,
  type ResponseKind,
} from "./records.js";

/** Mean cost per response. */
export interface CostSummary {
  responses: number;
  probes: number;
  completions: number;
  executions: number;
  seconds: number;
}

/** Binary search against the linear scan, over responses labelled both ways. */
export interface LinearComparison {
  /** Failing responses with both labels. */
  responses: number;
  /** Those whose linear labels are monotone (+1 … +1 −1 … −1). */
  monotone: number;
  /** Those where binary search found the same first error as the scan. */
  agree: number;
  /** Agreement among the monotone ones (binary search is exact there, so this should equal `monotone`). */
  agreeMonotone: number;
  /** Failing responses of at least `longLines` code lines, and their executions summed each way. */
  long: { responses: number; binaryExecutions: number; linearExecutions: number; ratio: number | null };
}

export interface LabelReport {
  responses: number;
  problems: number;
  kinds: Record<ResponseKind, number>;
  promptKinds: Record<PromptKind, number>;
  /** Failing responses by the code line (1-based, among non-neutral steps) of the first error; "none": every prefix rescuable. */
  firstError: { position: string; count: number }[];
  cost: { all: CostSummary; failing: CostSummary };
  linear: LinearComparison | null;
}

/** "Long" responses for the execution ratio: at least this many code lines. */
export const longLines = 8;

/** Computes the report's figures from label records. */
export function labelReport(records: LabelRecord[]): LabelReport {
  const kinds: Record<ResponseKind, number> = { correct: 0, revised: 0, wrong: 0 };
  for (const r of records) kinds[r.kind]++;

  const byProblem = groupByProblem(records);
  const promptKinds: Record<PromptKind, number> = { easy: 0, medium: 0, hard: 0 };
  // A record's own promptKind was computed before selection dropped its siblings; prefer it.
  for (const group of byProblem.values())
    promptKinds[group[0]!.promptKind ?? promptKind(group.map((r) => r.kind))]++;

  const failing = records.filter((r) => r.kind !== "correct");
  const buckets = new Map<string, number>();
  for (const r of failing) {
    const position =
      r.firstError === null
        ? "none"
        : codeLineOf(r, r.firstError) >= 10
          ? "10+"
          : String(codeLineOf(r, r.firstError));
    buckets.set(position, (buckets.get(position) ?? 0) + 1);
  }
  const order = (p: string) => (p === "none" ? 100 : p === "10+" ? 10 : Number(p));
  const firstError = [...buckets]
    .map(([position, count]) => ({ position, count }))
    .sort((a, b) => order(a.position) - order(b.position));

  return {
    responses: records.length,
    problems: byProblem.size,
    kinds,
    promptKinds,
    firstError,
    cost: { all: meanCost(records), failing: meanCost(failing) },
    linear: compareLinear(failing),
  };
}

/** The 1-based code line (counting non-neutral steps) of step `index`. */
function codeLineOf(record: LabelRecord, index: number): number {
  return record.labels.slice(0, index + 1).filter((l) => l !== 0).length;
}

/** Lines of the response's non-neutral steps. */
function codeLines(record: LabelRecord): number {
  return record.steps.reduce(
    (n, step, i) => (record.labels[i] === 0 ? n : n + step.split("\n").filter((l) => l.trim()).length),
    0,
  );
}

function meanCost(records: LabelRecord[]): CostSummary {
  const n = records.length;
  const sum = (f: (r: LabelRecord) => number) => (n ? records.reduce((s, r) => s + f(r), 0) / n : 0);
  return {
    responses: n,
    probes: sum((r) => r.probes?.length ?? 0),
    completions: sum((r) => r.cost.completions),
    executions: sum((r) => r.cost.executions),
    seconds: sum((r) => r.cost.ms / 1000),
  };
}

function compareLinear(failing: LabelRecord[]): LinearComparison | null {
  const both = failing.filter((r) => r.linear);
  if (both.length === 0) return null;
  const agrees = (r: LabelRecord) => r.linear!.firstError === r.firstError;
  const long = both.filter((r) => codeLines(r) >= longLines);
  const executions = (costs: LabelCost[]) => costs.reduce((s, c) => s + c.executions, 0);
  const binaryExecutions = executions(long.map((r) => r.cost));
  const linearExecutions = executions(long.map((r) => r.linear!.cost));
  return {
    responses: both.length,
    monotone: both.filter((r) => r.linear!.monotone).length,
    agree: both.filter(agrees).length,
    agreeMonotone: both.filter((r) => r.linear!.monotone && agrees(r)).length,
    long: {
      responses: long.length,
      binaryExecutions,
      linearExecutions,
      ratio: linearExecutions ? binaryExecutions / linearExecutions : null,
    },
  };
}

const percent = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : "–");
const fixed = (x: number, digits = 2) => x.toFixed(digits);

/** The report as Markdown: a label section for `report.md` (headings at level `level`). */
export function labelReportMarkdown(report: LabelReport, level = 3): string {
  const h = "#".repeat(level);
  const { kinds, promptKinds } = report;
  const lines = [
    `${h} Response and prompt kinds`,
    "",
    `${report.responses} responses to ${report.problems} problems.`,
    "",
    "| response kind | count | share |",
    "|---|---:|---:|",
    ...(["correct", "revised", "wrong"] as const).map(
      (k) => `| ${k} | ${kinds[k]} | ${percent(kinds[k], report.responses)} |`,
    ),
    "",
    "| prompt kind | count | share |",
    "|---|---:|---:|",
    ...(["easy", "medium", "hard"] as const).map(
      (k) => `| ${k} | ${promptKinds[k]} | ${percent(promptKinds[k], report.problems)} |`,
    ),
    "",
    `${h} First error`,
    "",
    'Failing responses by the code line of their first error ("none": every prefix could still be completed to pass).',
    "",
    "| code line | responses |",
    "|---|---:|",
    ...report.firstError.map((b) => `| ${b.position} | ${b.count} |`),
    "",
    `${h} Cost per response`,
    "",
    "| responses | n | probes | completions | executions | seconds |",
    "|---|---:|---:|---:|---:|---:|",
    ...(["all", "failing"] as const).map((k) => {
      const c = report.cost[k];
      return `| ${k} | ${c.responses} | ${fixed(c.probes)} | ${fixed(c.completions)} | ${fixed(c.executions)} | ${fixed(c.seconds, 3)} |`;
    }),
  ];
  const linear = report.linear;
  if (linear) {
    lines.push(
      "",
      `${h} Binary search against probing every line`,
      "",
      `Of ${linear.responses} failing responses labelled both ways, ${linear.monotone} (${percent(linear.monotone, linear.responses)}) have monotone prefix correctness; ` +
        `binary search finds the scan's first error on ${linear.agree} (${percent(linear.agree, linear.responses)}), ` +
        `and on ${linear.agreeMonotone} of the ${linear.monotone} monotone ones.`,
      "",
      `On the ${linear.long.responses} failing responses of ${longLines}+ code lines, binary search ran ${linear.long.binaryExecutions} programs and the scan ${linear.long.linearExecutions}: ` +
        (linear.long.ratio === null
          ? "no ratio."
          : `${percent(linear.long.ratio, 1)} (target: at most 40%).`),
    );
  }
  return lines.join("\n");
}
