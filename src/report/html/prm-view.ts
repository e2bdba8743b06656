/**
 * The PRM view's data: per PRM run, its held-out figures (accuracy per class, AUC), a reliability diagram,
 * a ROC curve and accuracy by step position drawn from heldout-scores.jsonl (the final PRM's score of every
 * held-out step), and each held-out response with its per-line score beside its label.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readMetrics } from "../../runs/metrics.js";
import { heldOutScoresFile, prmMetrics, type PrmMetrics, type ScoredStep } from "../../train/prm-metrics.js";
import { lineChart, type ChartSeries } from "../svg-chart.js";
import type { Chunks } from "./chunks.js";
import { highlightLines } from "./highlight.js";
import { highlightSteps } from "./labels-view.js";
import { inlineSvg } from "./svg.js";

interface HeldOutRow {
  problemId: string;
  prompt: string;
  steps: string[];
  labels: (1 | -1 | 0)[];
  scores: number[];
  kind: string;
  promptKind?: string;
}

export interface PrmRunView {
  name: string;
  metrics: PrmMetrics | null;
  /** Held-out loss and AUC over training steps, and the three diagnostic charts, as inline SVG. */
  charts: string[];
  responses: { p: string; kind: string; steps: number; c: string; i: number }[];
  /** Why there are no per-line scores, when there are none. */
  note: string | null;
}

export function prmView(runs: { dir: string; name: string }[], chunks: Chunks): PrmRunView[] {
  return runs.map(({ dir, name }, r) => {
    const scoresPath = join(dir, heldOutScoresFile);
    const rows = existsSync(scoresPath) ? readHeldOut(scoresPath) : [];
    const scored: ScoredStep[] = rows.flatMap((row) =>
      row.labels.map((label, j) => ({ label, score: row.scores[j]!, position: j })),
    );
    const metrics = scored.length ? prmMetrics(scored) : null;
    const id = `prm${r}`;
    const charts = [trainingChart(dir, id)];
    if (metrics)
      charts.push(reliabilityChart(scored, id), rocChart(scored, metrics, id), positionChart(metrics, id));
    const responses = rows.map((row) => ({
      p: row.problemId,
      kind: row.kind,
      steps: row.steps.length,
      ...chunks.add(`prm-${r}`, {
        prompt: highlightLines(row.prompt.replace(/\n$/, "")),
        steps: highlightSteps(row.steps),
        labels: row.labels,
        scores: row.scores,
      }),
    }));
    return {
      name,
      metrics,
      charts,
      responses,
      note: existsSync(scoresPath)
        ? null
        : `${name} has no ${heldOutScoresFile} (written by train-prm since the HTML report; retrain to get per-line scores)`,
    };
  });
}

function readHeldOut(path: string): HeldOutRow[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as HeldOutRow);
}

/** Held-out AUC and balanced accuracy over training, from metrics.jsonl's evaluated rows. */
function trainingChart(dir: string, id: string): string {
  const rows = readMetrics(dir).filter((row) => typeof row.heldOutLoss === "number");
  const series = (key: string, name: string) => ({
    name,
    points: rows.map((row): [number, number] => [row.step, Number(row[key] ?? NaN)]),
  });
  return inlineSvg(
    lineChart({
      id: `${id}-training`,
      title: "Held-out AUC and balanced accuracy during training",
      xLabel: "PRM step",
      yLabel: "",
      yRange: [0, 1],
      series: [series("heldOut/auc", "AUC"), series("heldOut/balancedAccuracy", "balanced accuracy")],
      width: 560,
      height: 340,
    }),
  );
}

/** The dashed line y = x over [0, 1] (perfect calibration; a ROC curve's chance). */
function diagonal(name: string): ChartSeries {
  return {
    name,
    points: [
      [0, 0],
      [1, 1],
    ],
    dashed: true,
  };
}

/** Reliability diagram: scores on the label scale read as P(+1) = (score + 1) / 2, in ten bins. */
function reliabilityChart(scored: readonly ScoredStep[], id: string): string {
  const labelled = scored.filter((s) => s.label !== 0);
  const bins = Array.from({ length: 10 }, () => ({ p: 0, positive: 0, n: 0 }));
  for (const s of labelled) {
    const p = Math.min(1, Math.max(0, (s.score + 1) / 2));
    const bin = bins[Math.min(9, Math.floor(p * 10))]!;
    bin.p += p;
    bin.positive += s.label === 1 ? 1 : 0;
    bin.n++;
  }
  const points = bins.filter((b) => b.n > 0).map((b): [number, number] => [b.p / b.n, b.positive / b.n]);
  return inlineSvg(
    lineChart({
      id: `${id}-reliability`,
      title: `Reliability (${labelled.length} labelled held-out steps)`,
      xLabel: "predicted P(correct) = (score + 1) / 2, mean per bin",
      yLabel: "share labelled +1",
      yRange: [0, 1],
      series: [{ name: "PRM", points }, diagonal("perfectly calibrated")],
      width: 560,
      height: 340,
    }),
  );
}

/** ROC curve of +1 against −1 steps (neutral steps left out). */
function rocChart(scored: readonly ScoredStep[], metrics: PrmMetrics, id: string): string {
  const labelled = scored.filter((s) => s.label !== 0).sort((a, b) => b.score - a.score);
  const positives = labelled.filter((s) => s.label === 1).length;
  const negatives = labelled.length - positives;
  const points: [number, number][] = [[0, 0]];
  let tp = 0;
  let fp = 0;
  labelled.forEach((s, i) => {
    if (s.label === 1) tp++;
    else fp++;
    // One point per distinct threshold: tied scores move together.
    if (i === labelled.length - 1 || labelled[i + 1]!.score !== s.score)
      points.push([negatives ? fp / negatives : 0, positives ? tp / positives : 0]);
  });
  return inlineSvg(
    lineChart({
      id: `${id}-roc`,
      title: `ROC of +1 vs −1 steps (AUC ${metrics.auc === null ? "–" : metrics.auc.toFixed(3)})`,
      xLabel: "false positive rate",
      yLabel: "true positive rate",
      yRange: [0, 1],
      series: [{ name: "PRM", points }, diagonal("chance")],
      width: 560,
      height: 340,
    }),
  );
}

/** Sign accuracy by step position (the first step of each bucket on the x axis). */
function positionChart(metrics: PrmMetrics, id: string): string {
  return inlineSvg(
    lineChart({
      id: `${id}-position`,
      title:
        "Accuracy by step position (" +
        metrics.byPosition.map((b) => `${b.bucket}: ${b.steps}`).join(", ") +
        " steps)",
      xLabel: "step number (first of its bucket)",
      yLabel: "sign accuracy",
      yRange: [0, 1],
      series: [
        {
          name: "PRM",
          points: metrics.byPosition.map((b): [number, number] => [parseInt(b.bucket, 10), b.accuracy]),
        },
      ],
      width: 560,
      height: 340,
    }),
  );
}
