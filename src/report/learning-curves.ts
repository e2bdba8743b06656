/**
 * Learning curves of PPO runs as SVG: one chart per metric (training pass rate, total reward, KL, share of
 * comment lines), one line per run, read from each run's metrics.jsonl. Rollout pass rates are noisy at a
 * few dozen rollouts per iteration, so the pass-rate and reward charts also draw a trailing mean.
 */
import { join } from "node:path";
import { readMetrics } from "../runs/index.js";
import { writeFileAtomic } from "../runs/index.js";
import { lineChart, smooth } from "./svg-chart.js";

/** A run to plot: its legend name and its run folder (the one holding metrics.jsonl). */
export interface CurveRun {
  name: string;
  runDir: string;
}

/** The metrics charted, each with its title and y-axis label. */
export const curveMetrics = [
  {
    key: "passRate",
    title: "Training pass rate (rollouts passing every test)",
    y: "pass rate",
    smooth: true,
  },
  { key: "totalReward", title: "Mean total reward per rollout", y: "reward", smooth: true },
  { key: "kl", title: "KL to the SFT policy (Σ_t k1 per rollout)", y: "KL (nats)", smooth: false },
  {
    key: "commentShare",
    title: "Share of comment lines (reward hacking shows here)",
    y: "share",
    smooth: false,
  },
] as const;

/** Writes `dir/curve-<metric>.svg` for every metric; returns the files' names. */
export function writeLearningCurves(runs: readonly CurveRun[], dir: string, window = 5): string[] {
  const rows = runs.map((r) => ({ name: r.name, rows: readMetrics(r.runDir) }));
  return curveMetrics.map((m) => {
    const series = rows.flatMap(({ name, rows }) => {
      const points = rows.map((row): [number, number] => [row.step, Number(row[m.key] ?? NaN)]);
      return m.smooth && points.length > window
        ? [{ name: `${name} (mean of ${window})`, points: smooth(points, window) }]
        : [{ name, points }];
    });
    const file = `curve-${m.key}.svg`;
    writeFileAtomic(
      join(dir, file),
      lineChart({ title: m.title, xLabel: "PPO iteration", yLabel: m.y, series }),
    );
    return file;
  });
}
