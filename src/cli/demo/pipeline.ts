/**
 * `linewise demo`: the main job on the built-in defaults, as resumable stages in one run folder —
 * build the suite → train the tokenizer → SFT a small policy → evaluate it on the test split → label the
 * policy's own samples by binary search (PSGPO §3) → report.md. PRM and PPO/DPO stages join here next.
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
import { LocalGenerator } from "../../generate/local.js";
import { defaultStops, evaluate } from "../../eval/evaluate.js";
import { summarize, type EvalSummary } from "../../eval/summary.js";
import { Progress, writeFileAtomic } from "../../runs/index.js";
import { completionLabels } from "../../labels/completion-run.js";
import { readLabels } from "../../labels/records.js";
import { labelReport, type LabelReport } from "../../labels/report.js";
import { Stages } from "./stages.js";
import type { DemoConfig } from "./config.js";
import { writeReport, type SftFigures } from "./report.js";

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
  report: string;
}

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
  writeFileAtomic(join(out, "demo-config.json"), JSON.stringify(config, null, 2) + "\n");
  const paths = demoPaths(out);
  const stages = new Stages(out);
  const executor: SandboxExecutor = createExecutor({ cacheDir: join(out, "exec-cache") });
  let summary: EvalSummary | null = null;
  let sft: SftFigures;
  let labels: LabelReport | null = null;
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
          { resume: true },
        );
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
        const problems = await readProblems(paths.test);
        const generator = LocalGenerator.fromCheckpoint(checkpoint);
        const bar = new Progress({ label: "eval", total: problems.length, unit: "problem" });
        try {
          const results = await evaluate(
            problems,
            generator,
            executor,
            {
              n: config.evalSamples,
              temperature: config.evalTemperature,
              greedy: true,
              maxTokens: config.maxTokens,
              stop: defaultStops,
              seed: config.seed,
            },
            join(paths.evalDir, "results.jsonl"),
            (done) => bar.update(done),
          );
          bar.done();
          writeFileAtomic(
            paths.evalSummary,
            JSON.stringify(summarize(results, config.evalKs), null, 2) + "\n",
          );
        } finally {
          generator.dispose();
        }
      },
      log,
    );
    summary = JSON.parse(readFileSync(paths.evalSummary, "utf8")) as EvalSummary;

    await stages.stage(
      "labels",
      paths.labelsDone,
      async () => {
        const problems = (await readProblems(paths.train)).slice(0, config.labels.problems);
        const generator = LocalGenerator.fromCheckpoint(checkpoint);
        const bar = new Progress({ label: "labels", total: problems.length, unit: "problem" });
        try {
          const { kinds } = await completionLabels(
            problems,
            { samples: config.labels.samples },
            { generator, executor },
            {
              k: config.labels.k,
              temperature: config.labels.temperature,
              maxTokens: config.maxTokens,
              stop: defaultStops,
              seed: config.seed,
              granularity: "line",
              linear: config.labels.linear,
              policy: checkpoint,
              select: "full",
              onProblem: (done) => bar.update(done),
            },
            paths.labels,
          );
          bar.done();
          writeFileAtomic(paths.labelsDone, JSON.stringify({ kinds }, null, 2) + "\n");
        } finally {
          generator.dispose();
        }
      },
      log,
    );
    labels = labelReport(readLabels(paths.labels));
  } finally {
    await executor.close();
  }

  writeReport(paths.report, { config, stages, sft, summary, labels, out });
  return paths.report;
}
