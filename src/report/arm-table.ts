/**
 * Markdown tables that compare trained policies ("arms") on one test split: pass@1 overall, by difficulty
 * and by response length (PSGPO Figure 3 reads gains by length), each cell the mean ± sample standard
 * deviation over the arm's seeds. The numbers come from each run's eval summary.json, nothing else.
 */
import type { BreakdownRow } from "../eval/breakdown.js";
import type { EvalSummary } from "../eval/summary.js";
import { formatMeanSpread, meanSpread } from "./seed-stats.js";

/** One arm: its evaluations, one per seed. */
export interface ArmEvals {
  title: string;
  summaries: EvalSummary[];
}

/** pass@k of a row, or null when the row or the k is absent. */
function passAt(row: BreakdownRow | undefined, k: number): number | null {
  return row?.passAtK.find((p) => p.k === k)?.value ?? null;
}

/** "mean ± sd (n=…)" in percent (the header says so) over the seeds whose value exists. */
function cell(values: (number | null)[]): string {
  return formatMeanSpread(meanSpread(values.filter((v): v is number => v !== null)), {
    percent: true,
    digits: 1,
  });
}

function markdownTable(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

/** Overall: seeds, greedy pass@1 and pass@k for every k the first summary reports. */
export function overallTable(arms: readonly ArmEvals[]): string {
  const ks = arms[0]?.summaries[0]?.ks ?? [1];
  return markdownTable(
    ["arm", "seeds", "greedy pass@1 (%)", ...ks.map((k) => `pass@${k} (%)`)],
    arms.map((a) => [
      a.title,
      String(a.summaries.length),
      cell(a.summaries.map((s) => s.greedyPass1)),
      ...ks.map((k) => cell(a.summaries.map((s) => passAt(s.overall, k)))),
    ]),
  );
}

/** pass@1 per group of a breakdown (difficulty or response-length bucket), one column per group. */
export function breakdownTable(
  arms: readonly ArmEvals[],
  rowsOf: (s: EvalSummary) => BreakdownRow[],
  groupTitle: (group: string) => string = (g) => g,
): string {
  const groups: string[] = [];
  for (const a of arms)
    for (const s of a.summaries)
      for (const r of rowsOf(s)) if (!groups.includes(r.group)) groups.push(r.group);
  return markdownTable(
    ["arm", ...groups.map(groupTitle)],
    arms.map((a) => [
      a.title,
      ...groups.map((g) =>
        cell(
          a.summaries.map((s) =>
            passAt(
              rowsOf(s).find((r) => r.group === g),
              1,
            ),
          ),
        ),
      ),
    ]),
  );
}

/** The three tables under their own headings, at heading `level`. */
export function armTables(arms: readonly ArmEvals[], level = 3): string {
  const h = "#".repeat(level);
  return [
    `${h} Overall`,
    "",
    overallTable(arms),
    "",
    `${h} pass@1 (%) by difficulty (steps in the problem)`,
    "",
    breakdownTable(arms, (s) => s.byDifficulty),
    "",
    `${h} pass@1 (%) by response length (tokens; PSGPO Figure 3)`,
    "",
    breakdownTable(arms, (s) => s.byLength),
  ].join("\n");
}
