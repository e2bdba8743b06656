/**
 * `linewise demo`: the main job on the built-in defaults, as resumable stages in one run folder —
 * build the suite → train the tokenizer → SFT a small policy → evaluate it on the test split → label the
 * policy's own samples by binary search (PSGPO §3) → train a PRM on those labels → PPO from the SFT policy,
 * the RL baseline and PSGPO's DenseReward + ValueInit (PSGPO §4.2) → evaluate both → report.md.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createExecutor, type SandboxExecutor } from "../../exec/index.js";
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
import { Progress, lockFolder, writeFileAtomic } from "../../runs/index.js";
import { readLabels } from "../../labels/records.js";
import { labelReport, type LabelReport } from "../../labels/report.js";
import { Stages } from "./stages.js";
import { buildTestbed, evalSplits, type EvalSplit, type TestbedSplitName } from "./testbed.js";
import { headlineSummary } from "../../report/summary-json.js";
import type { DemoConfig } from "./config.js";
import { writeReport, type ArmResult, type SftFigures } from "./report.js";

export interface DemoPaths {
  /** The test-bed's problem files (testbed.ts). */
  splits: Record<TestbedSplitName, string>;
  tokenizer: string;
  sftDir: string;
  sftDone: string;
  /** The SFT policy's evaluation on a split: results.jsonl and summary.json. */
  evalDir: (split: EvalSplit) => string;
  labels: string;
  labelsDone: string;
  prmDir: string;
  prmDone: string;
  /** A PPO arm's folder: its run, final.json and eval/<split>/. */
  arm: (name: string) => string;
  report: string;
  /** The headline figures for scripts (summary-json.ts). */
  summary: string;
}

/** The demo's PPO arms: PSGPO Table 1's RL baseline and its DenseReward + ValueInit. */
export const demoArms: readonly { name: string; title: string; preset: PpoConfig }[] = [
  { name: "rl-baseline", title: "RL baseline (outcome reward only)", preset: baselinePreset },
  { name: "psgpo", title: "PSGPO DenseReward + ValueInit", preset: psgpoPreset },
];

export function demoPaths(out: string): DemoPaths {
  return {
    splits: {
      sft: join(out, "suite", "sft.jsonl"),
      rl: join(out, "suite", "rl.jsonl"),
      rlHeldout: join(out, "suite", "rl-heldout.jsonl"),
      compositional: join(out, "suite", "compositional.jsonl"),
    },
    tokenizer: join(out, "tokenizer.json"),
    sftDir: join(out, "sft"),
    sftDone: join(out, "sft", "final.json"),
    evalDir: (split) => join(out, "eval", split),
    labels: join(out, "labels", "completion.jsonl"),
    labelsDone: join(out, "labels", "done.json"),
    prmDir: join(out, "prm"),
    prmDone: join(out, "prm", "final.json"),
    arm: (name) => join(out, "ppo", name),
    report: join(out, "report.md"),
    summary: join(out, "summary.json"),
  };
}

/** The problems of an evaluation split. */
export function evalSplitFile(paths: DemoPaths, split: EvalSplit): string {
  return split === "rl-heldout" ? paths.splits.rlHeldout : paths.splits.compositional;
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
  for (const sub of ["suite", "eval", "labels", "ppo"]) mkdirSync(join(out, sub), { recursive: true });
  const unlock = lockFolder(out, "linewise demo");
  writeFileAtomic(join(out, "demo-config.json"), JSON.stringify(config, null, 2) + "\n");
  const paths = demoPaths(out);
  const interrupt = stopOnInterrupt("demo", "step");
  const stages = new Stages(out, interrupt.signal);
  const executor: SandboxExecutor = createExecutor({ cacheDir: join(out, "exec-cache") });
  let sft: SftFigures;
  const sftEvals = {} as Record<EvalSplit, EvalSummary>;
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
  /** Evaluates a checkpoint on every evaluation split, each its own resumable stage. */
  const evaluateOnSplits = async (
    name: string,
    checkpoint: string,
    dir: (split: EvalSplit) => string,
  ): Promise<Record<EvalSplit, EvalSummary>> => {
    const summaries = {} as Record<EvalSplit, EvalSummary>;
    for (const split of evalSplits) {
      const summaryFile = join(dir(split), "summary.json");
      await stages.stage(
        `${name}-${split}`,
        summaryFile,
        async () => {
          const problems = await readProblems(evalSplitFile(paths, split));
          await evaluateCheckpoint(
            checkpoint,
            problems,
            dir(split),
            evalSettings,
            executor,
            `${name} ${split}`,
            interrupt.signal,
          );
        },
        log,
      );
      summaries[split] = readStageJson<EvalSummary>(summaryFile);
    }
    return summaries;
  };
  try {
    await stages.stage(
      "suite",
      paths.splits.compositional,
      async () => {
        // One bar per build (keyed by its size too: the RL pool is rebuilt larger when too many of its
        // prompts were SFT's), closed when the next build starts.
        const bars = new Map<string, Progress>();
        const splits = await buildTestbed(config.testbed, config.seed, executor, (split, built, n) => {
          const key = `${split}/${n}`;
          if (!bars.has(key)) {
            for (const open of bars.values()) open.done();
            bars.clear();
            bars.set(key, new Progress({ label: `suite ${split}`, total: n, unit: "problem" }));
          }
          bars.get(key)!.update(built);
        });
        for (const bar of bars.values()) bar.done();
        // The compositional split is written last: the stage's output, so a half-built suite is rebuilt.
        for (const name of ["sft", "rl", "rlHeldout", "compositional"] as const)
          writeProblems(paths.splits[name], splits[name]);
      },
      log,
    );

    await stages.stage(
      "tokenizer",
      paths.tokenizer,
      async () => {
        const texts = (await readProblems(paths.splits.sft)).map((p) => {
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
        const data = (await readProblems(paths.splits.sft)).map(sftExample);
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
    Object.assign(sftEvals, await evaluateOnSplits("eval", checkpoint, paths.evalDir));

    // PSGPO labels the policy's own samples: on RL problems, which need tests only.
    await stages.stage(
      "labels",
      paths.labelsDone,
      async () => {
        await completionLabelStage(
          checkpoint,
          (await readProblems(paths.splits.rl)).slice(0, config.labels.problems),
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

    // The two PPO arms (PSGPO Table 1's first and last rows), from the same policy on the same RL problems and budget.
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
          await ppoStage(ppoConfig, await readProblems(paths.splits.rl), dir, executor, interrupt.signal);
        },
        log,
      );
      const trained = readStageJson<PpoFigures>(join(dir, "final.json"));
      const summaries = await evaluateOnSplits(`eval-${arm.name}`, trained.checkpoint, (split) =>
        join(dir, "eval", split),
      );
      arms.push({ ...arm, dir, summaries });
    }
  } finally {
    interrupt.release();
    await executor.close();
    unlock();
  }

  writeFileAtomic(
    paths.summary,
    JSON.stringify(
      headlineSummary(
        evalSplits.flatMap((split) => [
          { arm: "sft", split, summaries: [sftEvals[split]] },
          ...arms.map((a) => ({ arm: a.name, split, summaries: [a.summaries[split]] })),
        ]),
        "rl-baseline",
      ),
      null,
      2,
    ) + "\n",
  );
  writeReport(paths.report, { config, stages, sft, sftEvals, labels, prm, arms, out });
  return paths.report;
}
