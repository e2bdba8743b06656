/** The demo's report.md: configuration, environment, stage timings, SFT figures and pass@k tables. */
import { summaryMarkdown, type EvalSummary } from "../../eval/summary.js";
import { writeFileAtomic } from "../../runs/index.js";
import { environmentFacts } from "../commands/env.js";
import type { DemoConfig } from "./config.js";
import type { Stages } from "./stages.js";
import { labelReportMarkdown, type LabelReport } from "../../labels/report.js";
import { armTables } from "../../report/arm-table.js";
import { writeLearningCurves } from "../../report/learning-curves.js";
import { readMetrics } from "../../runs/index.js";
import type { PrmFigures } from "./arms.js";
import { evalSplits, type EvalSplit } from "./testbed.js";
import { join } from "node:path";

/** What the SFT stage recorded (sft/final.json). */
export interface SftFigures {
  checkpoint: string;
  loss: number | null;
  evalLoss: number | null;
  tokensPerSecond: number;
}

/** A PPO arm the demo trained and evaluated. */
export interface ArmResult {
  name: string;
  title: string;
  /** The arm's folder: run/ (the PPO run) and eval/<split>/. */
  dir: string;
  summaries: Record<EvalSplit, EvalSummary>;
}

export interface ReportInput {
  config: DemoConfig;
  stages: Stages;
  sft: SftFigures;
  /** The SFT policy on each evaluation split. */
  sftEvals: Partial<Record<EvalSplit, EvalSummary>>;
  labels: LabelReport | null;
  prm: PrmFigures | null;
  arms: ArmResult[];
  out: string;
}

const fmt = (v: number | null | undefined, digits = 3) =>
  v === null || v === undefined ? "–" : v.toFixed(digits);

/** Writes report.md (regenerated on every run: it only reads what the stages left). */
export function writeReport(path: string, input: ReportInput): void {
  const { config, stages, sft, sftEvals } = input;
  const t = config.testbed;
  const facts = environmentFacts();
  const stageNames = [
    "suite",
    "tokenizer",
    "sft",
    ...evalSplits.map((split) => `eval-${split}`),
    "labels",
    "prm",
    ...input.arms.flatMap((a) => [`ppo-${a.name}`, ...evalSplits.map((split) => `eval-${a.name}-${split}`)]),
  ];
  const total = stageNames.reduce((t, s) => t + stages.seconds(s), 0);
  const lines = [
    `# linewise demo — ${input.out}`,
    "",
    "The pipeline on the built-in suite's RL test-bed: SFT a small Llama-style policy on short problems with",
    "reference solutions → evaluate it on held-out problems drawn like the RL problems and on the compositional",
    "split → label the policy's own samples on RL problems line by line by binary search over completions",
    "(PSGPO) → train a PRM on those labels → PPO on RL problems (tests only) with the RL baseline's reward and",
    "with PSGPO's DenseReward + ValueInit → evaluate both on the same two splits.",
    "",
    "## Configuration",
    "",
    `- seed ${config.seed}; SFT: ${t.sftProblems} train problems of 1–${t.sftMaxSteps} steps with references; ` +
      `RL: ${t.rlProblems} train problems of ${t.rlMinSteps}–${t.maxSteps} steps, tests only; ` +
      `held out like RL: ${t.rlHeldoutProblems}; compositional (test split): ${t.compositionalProblems}, 1–${t.maxSteps} steps`,
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
    ...evalSplits.flatMap((split) => [
      `## The SFT policy on ${splitTitle[split]}`,
      "",
      sftEvals[split] ? summaryMarkdown(sftEvals[split]!) : "(evaluation not run)",
      "",
    ]),
    "## Process labels (PSGPO binary search)",
    "",
    `The policy's own samples on the first ${config.labels.problems} RL problems (${config.labels.samples} each), labelled line by line: a prefix is`,
    `correct when one of K = ${config.labels.k} completions at temperature ${config.labels.temperature} passes the tests.` +
      (config.labels.linear
        ? " Every step is also probed (linear scan), to check the binary search's monotonicity assumption."
        : ""),
    "",
    input.labels ? labelReportMarkdown(input.labels) : "(labelling not run)",
    "",
    ...prmSection(input.prm),
    ...rlSection(input),
  ];
  writeFileAtomic(path, lines.join("\n"));
}

/** How the report names each evaluation split. */
export const splitTitle: Record<EvalSplit, string> = {
  "rl-heldout": "held-out RL problems (unseen, drawn like the RL problems)",
  compositional: "the compositional split (step pairs no train problem has)",
};

const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)}%`;

/**
 * Under this many held-out problems the PRM's AUC is mostly noise: the demo's PRM scored 0.21 on its 4
 * held-out problems (92 steps) and 0.80 on 40 other labelled problems (1,455 steps).
 */
const fewHeldOutProblems = 10;

function prmSection(prm: PrmFigures | null): string[] {
  if (!prm) return [];
  const h = prm.heldOut;
  return [
    "## Process reward model",
    "",
    `Trained from the SFT policy (scalar head) with MSE on the labels {+1, −1, 0} for ${prm.step} steps, on ${prm.records.train} records of ` +
      `${prm.problems.train} problems; ${prm.records.heldOut} records of ${prm.problems.heldOut} other problems are held out.`,
    "",
    h
      ? `Held out: accuracy on correct steps ${pct(h.accuracyPositive)}, on wrong steps ${pct(h.accuracyNegative)}, ` +
        `balanced ${pct(h.balancedAccuracy)}, AUC ${fmt(h.auc)} (${h.steps} labelled steps of ${prm.problems.heldOut} problems).` +
        (prm.problems.heldOut < fewHeldOutProblems
          ? " An AUC over this few problems swings widely from run to run and says little about the PRM " +
            "(README, Results: the same PRM scored on 40 more problems); `linewise compare` holds out more."
          : "")
      : "(no held-out records)",
    "",
  ];
}

function rlSection(input: ReportInput): string[] {
  if (input.arms.length === 0) return [];
  const { config, sftEvals, arms, out } = input;
  const ppo = { ...config.ppo };
  const curves = writeLearningCurves(
    arms.map((a) => ({ name: a.title, runDir: join(a.dir, "run") })),
    join(out, "ppo"),
  );
  const training = arms.map((a) => {
    const rows = readMetrics(join(a.dir, "run"));
    const first = rows[0];
    const last = rows[rows.length - 1];
    return `| ${a.title} | ${pct(first?.passRate as number)} | ${pct(last?.passRate as number)} | ${fmt(last?.kl as number)} | ${pct(last?.commentShare as number)} |`;
  });
  return [
    "## PPO: RL baseline vs PSGPO (DenseReward + ValueInit)",
    "",
    `Both arms start from the SFT policy and run ${ppo.iterations} iterations of ${ppo.problemsPerIteration} RL problems × ${ppo.samplesPerProblem} samples, ` +
      "with the same seed, so only the reward and the value model's start differ (PSGPO Table 1's first and last rows). " +
      "One seed per arm: a difference of a few points is within seed noise; `linewise compare` runs several seeds and the other arms.",
    "",
    "| arm | training pass rate, first iteration | last iteration | KL at the end | comment share at the end |",
    "|---|---|---|---|---|",
    ...training,
    "",
    "Learning curves: " + curves.map((f) => `[${f}](ppo/${f})`).join(", ") + ".",
    "",
    ...evalSplits.flatMap((split) => [
      `### pass@k on ${splitTitle[split]} after PPO`,
      "",
      armTables(
        [
          ...(sftEvals[split] ? [{ title: "SFT policy (start)", summaries: [sftEvals[split]!] }] : []),
          ...arms.map((a) => ({ title: a.title, summaries: [a.summaries[split]] })),
        ],
        4,
      ),
      "",
    ]),
  ];
}
