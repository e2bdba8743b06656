/**
 * The steps the demo and `linewise compare` share after SFT: evaluate a policy checkpoint on the test split,
 * train a PRM on label records, and train one PPO arm from the SFT policy. Each writes a `final.json` (or
 * `summary.json`) last, so a stage whose file exists is done, and each resumes from its own checkpoints
 * when the stage was cut short (Ctrl-C stops the trainers at the next step or iteration boundary).
 */
import { join } from "node:path";
import { mkdirSync, readFileSync } from "node:fs";
import type { SandboxExecutor } from "../../exec/index.js";
import type { Problem } from "../../problems/types.js";
import { LocalGenerator } from "../../generate/local.js";
import { defaultStops, evaluate } from "../../eval/evaluate.js";
import { summarize, type EvalSummary } from "../../eval/summary.js";
import { Progress, writeFileAtomic } from "../../runs/index.js";
import type { LabelRecord } from "../../labels/records.js";
import { completionLabels } from "../../labels/completion-run.js";
import { trainPrm, type PrmConfig, type PrmResult } from "../../train/prm.js";
import { trainPpo, type PpoConfig, type PpoResult } from "../../train/ppo.js";
import { trainGrpo, type GrpoConfig } from "../../train/grpo.js";

/** How a policy is evaluated: samples for pass@k at a temperature, plus one greedy response per problem. */
export interface EvalSettings {
  samples: number;
  ks: number[];
  temperature: number;
  maxTokens: number;
  seed: number;
}

/** A trainer stopped by Ctrl-C before its end: the stage is not done, and a rerun resumes it. */
export class Interrupted extends Error {
  constructor(what: string) {
    super(`${what} was interrupted; its checkpoint is saved, and rerunning the same command resumes it`);
  }
}

/**
 * Writes `dir/results.jsonl` (resumable, a row per problem) and then `dir/summary.json`; returns the summary.
 * When `signal` fires it stops after the problems in flight and throws Interrupted (a rerun resumes).
 */
export async function evaluateCheckpoint(
  checkpoint: string,
  problems: Problem[],
  dir: string,
  settings: EvalSettings,
  executor: SandboxExecutor,
  label = "eval",
  signal?: AbortSignal,
): Promise<EvalSummary> {
  mkdirSync(dir, { recursive: true });
  const generator = LocalGenerator.fromCheckpoint(checkpoint);
  const bar = new Progress({ label, total: problems.length, unit: "problem" });
  try {
    const results = await evaluate(
      problems,
      generator,
      executor,
      {
        n: settings.samples,
        temperature: settings.temperature,
        greedy: true,
        maxTokens: settings.maxTokens,
        stop: defaultStops,
        seed: settings.seed,
        signal,
      },
      join(dir, "results.jsonl"),
      (done) => bar.update(done),
    );
    if (results.length < problems.length) throw new Interrupted(`the evaluation in ${dir}`);
    bar.done();
    const summary = summarize(results, settings.ks);
    writeFileAtomic(join(dir, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
    return summary;
  } finally {
    generator.dispose();
  }
}

/** PSGPO's completion labels (§3): `samples` responses of the policy per problem, labelled by binary search over line prefixes. */
export interface LabelSettings {
  samples: number;
  /** K: completions per probed prefix. */
  k: number;
  temperature: number;
  maxTokens: number;
  seed: number;
  /** Also probe every line (a linear scan), to check binary search's monotonicity assumption. */
  linear: boolean;
}

/** Labels the policy's own samples on `problems` into `out` (resuming), then writes `done` with the response kinds. */
export async function completionLabelStage(
  checkpoint: string,
  problems: Problem[],
  settings: LabelSettings,
  executor: SandboxExecutor,
  out: { records: string; done: string },
): Promise<void> {
  const generator = LocalGenerator.fromCheckpoint(checkpoint);
  const bar = new Progress({ label: "labels", total: problems.length, unit: "problem" });
  try {
    const { kinds } = await completionLabels(
      problems,
      { samples: settings.samples },
      { generator, executor },
      {
        k: settings.k,
        temperature: settings.temperature,
        maxTokens: settings.maxTokens,
        stop: defaultStops,
        seed: settings.seed,
        granularity: "line",
        linear: settings.linear,
        policy: checkpoint,
        select: "full",
        onProblem: (done) => bar.update(done),
      },
      out.records,
    );
    bar.done();
    writeFileAtomic(out.done, JSON.stringify({ kinds }, null, 2) + "\n");
  } finally {
    generator.dispose();
  }
}

/** What a finished PRM stage keeps in `dir/final.json`. */
export type PrmFigures = Pick<PrmResult, "checkpoint" | "step" | "heldOut" | "records" | "problems">;

/** Trains a PRM from `init` on `records` into `dir` (resuming), then writes `dir/final.json`. */
export async function prmStage(
  config: PrmConfig,
  records: readonly LabelRecord[],
  dir: string,
  signal?: AbortSignal,
): Promise<PrmFigures> {
  const result = await trainPrm(config, records, join(dir, "run"), { resume: true, signal });
  if (result.stopped) throw new Interrupted(`PRM training in ${dir}`);
  const figures: PrmFigures = {
    checkpoint: result.checkpoint,
    step: result.step,
    heldOut: result.heldOut,
    records: result.records,
    problems: result.problems,
  };
  writeFileAtomic(join(dir, "final.json"), JSON.stringify(figures, null, 2) + "\n");
  return figures;
}

/** What a finished PPO arm keeps in `dir/final.json`. */
export type PpoFigures = Pick<PpoResult, "checkpoint" | "iteration">;

/** Trains one PPO arm into `dir` (resuming), then writes `dir/final.json`. */
export async function ppoStage(
  config: PpoConfig,
  problems: readonly Problem[],
  dir: string,
  executor: SandboxExecutor,
  signal?: AbortSignal,
): Promise<PpoFigures> {
  const result = await trainPpo(config, problems, join(dir, "run"), { resume: true, signal, executor });
  if (result.stopped) throw new Interrupted(`PPO in ${dir}`);
  const figures: PpoFigures = { checkpoint: result.checkpoint, iteration: result.iteration };
  writeFileAtomic(join(dir, "final.json"), JSON.stringify(figures, null, 2) + "\n");
  return figures;
}

/** Trains one GRPO (or RLOO) arm into `dir` (resuming), then writes `dir/final.json`. */
export async function grpoStage(
  config: GrpoConfig,
  problems: readonly Problem[],
  dir: string,
  executor: SandboxExecutor,
  signal?: AbortSignal,
): Promise<PpoFigures> {
  const result = await trainGrpo(config, problems, join(dir, "run"), { resume: true, signal, executor });
  if (result.stopped) throw new Interrupted(`${config.algo.toUpperCase()} in ${dir}`);
  const figures: PpoFigures = { checkpoint: result.checkpoint, iteration: result.iteration };
  writeFileAtomic(join(dir, "final.json"), JSON.stringify(figures, null, 2) + "\n");
  return figures;
}

/** Reads a JSON file a finished stage wrote. */
export function readStageJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}
