/** The demo's report.md: configuration, environment, stage timings, SFT figures and pass@k tables. */
import { summaryMarkdown, type EvalSummary } from "../../eval/summary.js";
import { writeFileAtomic } from "../../runs/index.js";
import { environmentFacts } from "../commands/env.js";
import type { DemoConfig } from "./config.js";
import type { Stages } from "./stages.js";
import { labelReportMarkdown, type LabelReport } from "../../labels/report.js";

/** What the SFT stage recorded (sft/final.json). */
export interface SftFigures {
  checkpoint: string;
  loss: number | null;
  evalLoss: number | null;
  tokensPerSecond: number;
}

export interface ReportInput {
  config: DemoConfig;
  stages: Stages;
  sft: SftFigures;
  summary: EvalSummary | null;
  labels: LabelReport | null;
  out: string;
}

const fmt = (v: number | null | undefined, digits = 3) =>
  v === null || v === undefined ? "–" : v.toFixed(digits);

/** Writes report.md (regenerated on every run: it only reads what the stages left). */
export function writeReport(path: string, input: ReportInput): void {
  const { config, stages, sft, summary } = input;
  const facts = environmentFacts();
  const stageNames = ["suite", "tokenizer", "sft", "eval", "labels"];
  const total = stageNames.reduce((t, s) => t + stages.seconds(s), 0);
  const lines = [
    `# linewise demo — ${input.out}`,
    "",
    "The pipeline on the built-in suite: build the suite → train a tokenizer → SFT a small Llama-style policy →",
    "evaluate it on the held-out test split (step combinations never seen in training) → label the policy's",
    "own samples line by line by binary search over completions (PSGPO).",
    "",
    "## Configuration",
    "",
    `- seed ${config.seed}; suite: ${config.trainProblems} train / ${config.testProblems} test problems, 1–${config.maxSteps} steps`,
    `- policy: ${config.sft.model.nLayer} layers, width ${config.sft.model.dModel}, ${config.sft.model.nHead} heads, vocabulary ${config.sft.vocabSize}`,
    `- SFT: ${config.sft.steps} steps, batch ${config.sft.batchSize}, lr ${config.sft.lr}, warm-up ${config.sft.warmupSteps}, weight decay ${config.sft.weightDecay}`,
    `- evaluation: ${config.evalSamples} samples at temperature ${config.evalTemperature} plus one greedy response per problem, ≤ ${config.maxTokens} tokens`,
    `- machine: libtorch ${facts.libtorch}, ${facts.threads} threads, BLAS ${facts.openblas ? "OpenBLAS" : facts.blas}, CUDA ${facts.cuda}`,
    "",
    "The full resolved configuration is in `demo-config.json`; the SFT run's in `sft/config.json`.",
    "",
    "## Stage timings",
    "",
    "| stage | seconds |",
    "|---|---|",
    ...stageNames.map((s) => `| ${s} | ${stages.seconds(s).toFixed(1)} |`),
    `| **total** | **${total.toFixed(1)}** |`,
    "",
    "## SFT",
    "",
    `Final training loss ${fmt(sft.loss)}, held-out loss ${fmt(sft.evalLoss)}, ${Math.round(sft.tokensPerSecond)} tokens/s. Checkpoint: \`${sft.checkpoint}\`.`,
    "",
    "## pass@k on the test split",
    "",
    summary ? summaryMarkdown(summary) : "(evaluation not run)",
    "",
    "## Process labels (PSGPO binary search)",
    "",
    `The policy's own samples on the first ${config.labels.problems} train problems (${config.labels.samples} each), labelled line by line: a prefix is`,
    `correct when one of K = ${config.labels.k} completions at temperature ${config.labels.temperature} passes the tests.` +
      (config.labels.linear
        ? " Every step is also probed (linear scan), to check the binary search's monotonicity assumption."
        : ""),
    "",
    input.labels ? labelReportMarkdown(input.labels) : "(labelling not run)",
    "",
  ];
  writeFileAtomic(path, lines.join("\n"));
}
