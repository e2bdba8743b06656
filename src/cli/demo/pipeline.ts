/**
 * `linewise demo`: the main job on the built-in defaults, as resumable stages in one run folder —
 * build the suite → train the tokenizer → SFT a small policy → evaluate it on the test split → label the
 * policy's own samples by binary search (PSGPO §3) → train a PRM on those labels → PPO from the SFT policy,
 * the RL baseline and PSGPO's DenseReward + ValueInit (PSGPO §4.2) → evaluate both → report.md.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createExecutor, type SandboxExecutor } from "../../exec/index.js";
import { buildSuite } from "../../problems/suite/index.js";
import { loadProblems } from "../../problems/loaders/index.js";
import type { Problem } from "../../problems/types.js";
import { referenceResponse } from "../../problems/program.js";
import { Tokenizer } from "../../model/tokenizer/index.js";
import { trainSft } from "../../train/sft.js";
import type { EvalSummary } from "../../eval/summary.js";
import { baselinePreset, psgpoPreset, type PpoConfig } from "../../train/ppo.js";
import { stopOnInterrupt } from "../training.js";
import {
  completionLabelStage,
  evaluateCheckpoint,
  Interrupted,
  ppoStage,
  prmStage,
  readStageJson,
  type EvalSettings,
  type PpoFigures,
  type PrmFigures,
} from "./arms.js";
import { Progress, writeFileAtomic } from "../../runs/index.js";
import { readLabels } from "../../labels/records.js";
import { labelReport, type LabelReport } from "../../labels/report.js";
import { Stages } from "./stages.js";
import type { DemoConfig } from "./config.js";
import { writeReport, type ArmResult, type SftFigures } from "./report.js";

export interface DemoPaths {
  train: string;
  test: string;
  tokenizer: string;
  sftDir: string;
  sftDone: string;
  evalDir: string;
  evalSummary: string;
  labels: string;
  labelsDone: string;
  prmDir: string;
  prmDone: string;
  /** A PPO arm's folder: its run, final.json and eval/. */
  arm: (name: string) => string;
  report: string;
}

/** The demo's PPO arms: PSGPO Table 1's RL baseline and its DenseReward + ValueInit. */
export const demoArms: readonly { name: string; title: string; preset: PpoConfig }[] = [
  { name: "baseline", title: "RL baseline (outcome reward only)", preset: baselinePreset },
  { name: "psgpo", title: "PSGPO DenseReward + ValueInit", preset: psgpoPreset },
];

export function demoPaths(out: string): DemoPaths {
  return {
    train: join(out, "suite", "train.jsonl"),
    test: join(out, "suite", "test.jsonl"),
    tokenizer: join(out, "tokenizer.json"),
    sftDir: join(out, "sft"),
    sftDone: join(out, "sft", "final.json"),
    evalDir: join(out, "eval"),
    evalSummary: join(out, "eval", "summary.json"),
    labels: join(out, "labels", "completion.jsonl"),
    labelsDone: join(out, "labels", "done.json"),
    prmDir: join(out, "prm"),
    prmDone: join(out, "prm", "final.json"),
    arm: (name) => join(out, "ppo", name),
    report: join(out, "report.md"),
  };
}

/** A suite split the demo wrote, read with the checked linewise loader. */
async function readProblems(path: string): Promise<Problem[]> {
  return (await loadProblems(path, "linewise")).problems;
}

function writeProblems(path: string, problems: Problem[]): void {
  writeFileAtomic(path, problems.map((p) => JSON.stringify(p) + "\n").join(""));
}

/** SFT text of a suite problem: its prompt, then the reference body that continues it. */
function sftExample(p: Problem): { prompt: string; completion: string } {
  return { prompt: p.prompt, completion: referenceResponse(p)! };
}

/** Runs every stage not done yet; returns the report's path. */
export async function runDemo(
  config: DemoConfig,
  out: string,
  log: (line: string) => void = (l) => console.error(l),
): Promise<string> {
  mkdirSync(join(out, "suite"), { recursive: true });
  mkdirSync(join(out, "eval"), { recursive: true });
  mkdirSync(join(out, "labels"), { recursive: true });
  mkdirSync(join(out, "ppo"), { recursive: true });
  writeFileAtomic(join(out, "demo-config.json"), JSON.stringify(config, null, 2) + "\n");
  const paths = demoPaths(out);
  const stages = new Stages(out);
  const executor: SandboxExecutor = createExecutor({ cacheDir: join(out, "exec-cache") });
  let summary: EvalSummary | null = null;
  let sft: SftFigures;
  let labels: LabelReport | null = null;
  let prm: PrmFigures | null = null;
  const arms: ArmResult[] = [];
  const evalSettings: EvalSettings = {
    samples: config.evalSamples,
    ks: config.evalKs,
    temperature: config.evalTemperature,
    maxTokens: config.maxTokens,
    seed: config.seed,
  };
  const interrupt = stopOnInterrupt("demo", "step");
  try {
    await stages.stage(
      "suite",
      paths.test,
      async () => {
        for (const [split, n, path] of [
          ["train", config.trainProblems, paths.train],
          ["test", config.testProblems, paths.test],
        ] as const) {
          if (existsSync(path)) continue;
          const bar = new Progress({ label: `suite ${split}`, total: n, unit: "problem" });
          const problems = await buildSuite({
            n,
            seed: config.seed,
            split,
            executor,
            maxSteps: config.maxSteps,
            onProgress: (p) => bar.update(p.built),
          });
          bar.done();
          writeProblems(path, problems);
        }
      },
      log,
    );

    await stages.stage(
      "tokenizer",
      paths.tokenizer,
      async () => {
        const texts = (await readProblems(paths.train)).map((p) => {
          const e = sftExample(p);
          return e.prompt + e.completion;
        });
        Tokenizer.train(texts, { vocabSize: config.sft.vocabSize }).save(paths.tokenizer);
      },
      log,
    );

    await stages.stage(
      "sft",
      paths.sftDone,
      async () => {
        const data = (await readProblems(paths.train)).map(sftExample);
        const result = await trainSft(
          { ...config.sft, seed: config.seed, tokenizer: paths.tokenizer },
          data,
          paths.sftDir,
          { resume: true, signal: interrupt.signal },
        );
        if (result.stopped) throw new Interrupted(`SFT in ${paths.sftDir}`);
        writeFileAtomic(paths.sftDone, JSON.stringify(result, null, 2) + "\n");
      },
      log,
    );
    sft = JSON.parse(readFileSync(paths.sftDone, "utf8")) as SftFigures;
    const checkpoint = sft.checkpoint;

    await stages.stage(
      "eval",
      paths.evalSummary,
      async () => {
        await evaluateCheckpoint(
          checkpoint,
          await readProblems(paths.test),
          paths.evalDir,
          evalSettings,
          executor,
        );
      },
      log,
    );
    summary = JSON.parse(readFileSync(paths.evalSummary, "utf8")) as EvalSummary;

    await stages.stage(
      "labels",
      paths.labelsDone,
      async () => {
        await completionLabelStage(
          checkpoint,
          (await readProblems(paths.train)).slice(0, config.labels.problems),
          { ...config.labels, maxTokens: config.maxTokens, seed: config.seed },
          executor,
          { records: paths.labels, done: paths.labelsDone },
        );
      },
      log,
    );
    labels = labelReport(readLabels(paths.labels));

    await stages.stage(
      "prm",
      paths.prmDone,
      async () => {
        await prmStage(
          { ...config.prm, seed: config.seed, init: checkpoint },
          readLabels(paths.labels),
          paths.prmDir,
          interrupt.signal,
        );
      },
      log,
    );
    prm = readStageJson<PrmFigures>(paths.prmDone);

    // The two PPO arms (PSGPO Table 1's first and last rows), from the same policy on the same problems and budget.
    for (const arm of demoArms) {
      const dir = paths.arm(arm.name);
      await stages.stage(
        `ppo-${arm.name}`,
        join(dir, "final.json"),
        async () => {
          const ppoConfig = {
            ...arm.preset,
            ...config.ppo,
            seed: config.seed,
            policy: checkpoint,
            prm: arm.preset.denseReward || arm.preset.valueInit === "prm" ? prm!.checkpoint : null,
          };
          await ppoStage(ppoConfig, await readProblems(paths.train), dir, executor, interrupt.signal);
        },
        log,
      );
      const trained = readStageJson<PpoFigures>(join(dir, "final.json"));
      await stages.stage(
        `eval-${arm.name}`,
        join(dir, "eval", "summary.json"),
        async () => {
          await evaluateCheckpoint(
            trained.checkpoint,
            await readProblems(paths.test),
            join(dir, "eval"),
            evalSettings,
            executor,
            `eval ${arm.name}`,
          );
        },
        log,
      );
      arms.push({
        ...arm,
        dir,
        summary: readStageJson<EvalSummary>(join(dir, "eval", "summary.json")),
      });
    }
  } finally {
    interrupt.release();
    await executor.close();
  }

  writeReport(paths.report, { config, stages, sft, summary, labels, prm, arms, out });
  return paths.report;
}
