/**
 * The RL view's data: learning curves per arm (the mean over its seeds, with a band from the lowest to the
 * highest seed) for pass rate, reward parts, KL, entropy, length and comment share; and the sampled rollouts
 * of every iteration (samples/iteration-N.jsonl) with their per-line PRM scores and rewards, outcome and KL,
 * so reward hacking (comment lines, length) shows in the responses themselves.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { readMetrics, type MetricsRow } from "../../runs/metrics.js";
import { lineChart, type ChartSeries } from "../svg-chart.js";
import type { Chunks } from "./chunks.js";
import { highlightSteps } from "./labels-view.js";
import { inlineSvg } from "./svg.js";

/** The curves drawn, in order; a metric no run logged is left out. */
const metrics: { key: string; title: string; y: string; range?: [number, number] }[] = [
  { key: "passRate", title: "Training pass rate", y: "pass rate", range: [0, 1] },
  { key: "totalReward", title: "Total reward per rollout", y: "reward" },
  { key: "outcomeReward", title: "Outcome reward per rollout", y: "reward" },
  { key: "processReward", title: "Process reward per rollout (Σ line rewards)", y: "reward" },
  { key: "kl", title: "KL to the reference (Σ_t k1 per rollout)", y: "nats" },
  { key: "entropy", title: "Entropy per token", y: "nats" },
  { key: "responseLength", title: "Response length", y: "tokens" },
  { key: "commentShare", title: "Share of comment lines (reward hacking shows here)", y: "share" },
];

/** One RL run folder, placed in its arm by its path: …/ARM/[seed-N/]run. */
export interface RlRunRef {
  dir: string;
  /** The arm's path in the run folder (the seed folder and a final "run" left out). */
  arm: string;
  seed: number;
}

/** Where an RL run folder sits: its arm and seed, from its path relative to the report's root. */
export function rlRunRef(dir: string, relativePath: string): RlRunRef {
  const parts = relativePath.split("/").filter((p) => p !== "." && p !== "");
  if (parts[parts.length - 1] === "run") parts.pop();
  let seed = 0;
  const seedAt = parts.findIndex((p) => /^seed-\d+$/.test(p));
  if (seedAt >= 0) {
    seed = Number(parts[seedAt]!.slice(5));
    parts.splice(seedAt, 1);
  }
  return { dir, arm: parts.join("/") || ".", seed };
}

export interface RlView {
  /** Chart groups: arms that share a parent folder are drawn together. */
  groups: { name: string; arms: string[]; charts: string[] }[];
  runs: {
    arm: string;
    seed: number;
    /** Per sampled iteration, a file listing its rollouts (problem, verdict, rewards, where the code is). */
    iterations: { iteration: number; rollouts: number; passed: number; list: string }[];
  }[];
}

export function rlView(runs: readonly RlRunRef[], chunks: Chunks): RlView {
  const arms = new Map<string, RlRunRef[]>();
  for (const r of runs) arms.set(r.arm, [...(arms.get(r.arm) ?? []), r]);
  const groups = new Map<string, string[]>();
  for (const arm of arms.keys()) {
    const parent = arm.includes("/") ? dirname(arm) : ".";
    groups.set(parent, [...(groups.get(parent) ?? []), arm]);
  }
  const rows = new Map(runs.map((r) => [r.dir, readMetrics(r.dir)]));
  return {
    groups: [...groups].map(([name, names], g) => ({
      name,
      arms: names,
      charts: metrics
        .filter((m) =>
          names.some((a) => arms.get(a)!.some((r) => rows.get(r.dir)!.some((row) => m.key in row))),
        )
        .map((m) =>
          inlineSvg(
            lineChart({
              id: `rl${g}-${m.key}`,
              title: m.title,
              xLabel: "iteration",
              yLabel: m.y,
              ...(m.range ? { yRange: m.range } : {}),
              series: names.map((a) =>
                armSeries(
                  a,
                  arms.get(a)!.map((r) => rows.get(r.dir)!),
                  m.key,
                ),
              ),
              width: 560,
              height: 340,
            }),
          ),
        ),
    })),
    runs: runs.map((r, k) => ({
      arm: r.arm,
      seed: r.seed,
      iterations: rolloutFiles(r.dir, `rl-${k}`, chunks),
    })),
  };
}

/** An arm's curve: the mean over its seeds at each step, and with two or more seeds the min–max band. */
function armSeries(name: string, seeds: readonly MetricsRow[][], key: string): ChartSeries {
  const bySteps = new Map<number, number[]>();
  for (const rows of seeds)
    for (const row of rows) {
      const v = Number(row[key]);
      if (Number.isFinite(v)) bySteps.set(row.step, [...(bySteps.get(row.step) ?? []), v]);
    }
  const steps = [...bySteps.keys()].sort((a, b) => a - b);
  const points = steps.map((s): [number, number] => {
    const vs = bySteps.get(s)!;
    return [s, vs.reduce((a, v) => a + v, 0) / vs.length];
  });
  // Short legend names: arms of one chart share their folder, and the heading says what a band is.
  const label = `${basename(name)}${seeds.length > 1 ? ` (${seeds.length} seeds)` : ""}`;
  return {
    name: label,
    points,
    ...(seeds.length > 1
      ? {
          band: steps.map((s): [number, number, number] => [
            s,
            Math.min(...bySteps.get(s)!),
            Math.max(...bySteps.get(s)!),
          ]),
        }
      : {}),
  };
}

/** Four significant decimals: what the page shows, in a third of the bytes. */
const round = (v: number) => Math.round(v * 1e4) / 1e4;

interface SampleRow {
  problemId: string;
  status: string;
  steps: string[];
  prmScores: number[];
  stepRewards?: number[];
  reward: { total: number; kl: number; process: number; outcome: number };
}

/** Every samples/iteration-N.jsonl of a run, its rollouts put into chunks of their own per iteration. */
function rolloutFiles(dir: string, series: string, chunks: Chunks) {
  const samples = join(dir, "samples");
  if (!existsSync(samples)) return [];
  return readdirSync(samples)
    .map((f) => /^iteration-(\d+)\.jsonl$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ iteration: Number(m[1]), file: join(samples, m[0]) }))
    .sort((a, b) => a.iteration - b.iteration)
    .map(({ iteration, file }) => {
      const rows = readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as SampleRow);
      // The list is read whole when the iteration is shown; each rollout's code only when it is opened.
      const list = rows.map((row) => ({
        p: row.problemId,
        status: row.status,
        reward: {
          total: round(row.reward.total),
          kl: round(row.reward.kl),
          process: round(row.reward.process),
          outcome: round(row.reward.outcome),
        },
        lines: row.steps.length,
        ...chunks.add(`${series}-${basename(file, ".jsonl")}`, {
          steps: highlightSteps(row.steps),
          scores: row.prmScores.map(round),
          stepRewards: row.stepRewards?.map(round) ?? null,
        }),
      }));
      return {
        iteration,
        rollouts: rows.length,
        passed: rows.filter((r) => r.status === "pass").length,
        list: chunks.whole(`${series}-${basename(file, ".jsonl")}-list`, list),
      };
    });
}
