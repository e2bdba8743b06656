/**
 * compare.md's sample-efficiency table and chart: each RL arm's held-out greedy pass@1 against rollouts
 * (mean ± sd over seeds, heldout-curve.ts), and the rollouts it needs to reach the final figure of its
 * comparison's outcome-only baseline — PSGPO's and PRLCoder's claim that process rewards learn faster.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../runs/index.js";
import { lineChart } from "../../report/svg-chart.js";
import { meanCurve, rolloutsToReach, type CurvePoint } from "./heldout-curve.js";

/** One arm's curves, one per seed. */
export interface ArmCurves {
  name: string;
  title: string;
  curves: CurvePoint[][];
}

const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : "–");
const count = (n: number) => n.toLocaleString("en-US");

/** The section's lines, writing `dir/heldout-greedy.svg` (linked as `link`); none without curves. */
export function sampleEfficiencySection(
  arms: readonly ArmCurves[],
  baseline: string,
  dir: string,
  link: string,
): string[] {
  const drawn = arms.filter((a) => a.curves.length > 0).map((a) => ({ ...a, mean: meanCurve(a.curves) }));
  if (drawn.length === 0) return [];
  const base = drawn.find((a) => a.name === baseline);
  const target = base?.mean.at(-1)?.mean;
  const columns = [...new Set(drawn.flatMap((a) => a.mean.map((p) => p.rollouts)))].sort((a, b) => a - b);
  const cell = (mean: ReturnType<typeof meanCurve>, rollouts: number) => {
    const p = mean.find((q) => q.rollouts === rollouts);
    if (!p) return "";
    return p.sd === null ? pct(p.mean) : `${pct(p.mean)} ± ${(100 * p.sd).toFixed(1)}`;
  };
  const reach = (mean: ReturnType<typeof meanCurve>) => {
    if (target === undefined) return "–";
    const r = rolloutsToReach(mean, target);
    return r === null ? "not reached" : count(r);
  };
  writeFileAtomic(
    join(dir, "heldout-greedy.svg"),
    lineChart({
      title: "Held-out greedy pass@1 against rollouts (mean, band: ± sd over seeds)",
      xLabel: "rollouts",
      yLabel: "greedy pass@1",
      series: drawn.map((a) => ({
        name: a.title,
        points: a.mean.map((p): [number, number] => [p.rollouts, p.mean]),
        band: a.mean
          .filter((p) => p.sd !== null)
          .map((p): [number, number, number] => [p.rollouts, p.mean - p.sd!, p.mean + p.sd!]),
      })),
    }),
  );
  return [
    "### Sample efficiency",
    "",
    "Greedy pass@1 on the held-out RL problems after each number of rollouts (mean ± sd over seeds; 0 is the " +
      "SFT policy, the last column the final evaluation's greedy response), and the rollouts each arm needs to " +
      (base && target !== undefined
        ? `reach the final figure of ${base.title} (${pct(target)}).`
        : "reach the outcome-only baseline's final figure (not run here)."),
    "",
    `| arm | seeds | ${columns.map(count).join(" | ")} | rollouts to reach |`,
    `|---|---|${columns.map(() => "---").join("|")}|---|`,
    ...drawn.map(
      (a) =>
        `| ${a.title} | ${a.curves.length} | ${columns.map((r) => cell(a.mean, r)).join(" | ")} | ${reach(a.mean)} |`,
    ),
    "",
    `Chart: [heldout-greedy.svg](${link}).`,
    "",
  ];
}
