/**
 * compare.md: for every comparison, the paper's claim, pass@1 of each arm (mean ± sd over seeds) overall,
 * by difficulty and by response length, learning curves, and — for the headline pair — whether the
 * difference is beyond seed noise (Welch's t over seeds). It reads only what the stages wrote.
 */
import { join } from "node:path";
import type { EvalSummary } from "../../eval/summary.js";
import { writeFileAtomic } from "../../runs/index.js";
import { armTables, type ArmEvals } from "../../report/arm-table.js";
import { writeLearningCurves } from "../../report/learning-curves.js";
import { meanSpread, tTwoSidedP, welchT } from "../../report/seed-stats.js";
import type { Stages } from "../demo/stages.js";
import type { PrmFigures } from "../demo/arms.js";
import { evalSplits, type EvalSplit } from "../demo/testbed.js";
import { splitTitle } from "../demo/report.js";
import { comparisonInfo, type ArmSpec, type PrmSpec } from "./arms.js";
import type { CompareConfig } from "./config.js";
import type { CurvePoint } from "./heldout-curve.js";
import { sampleEfficiencySection } from "./efficiency-report.js";

/** One finished arm × seed, evaluated on every split. */
export interface ArmRun {
  arm: string;
  seed: number;
  dir: string;
  summaries: Record<EvalSplit, EvalSummary>;
  /** The held-out learning curve (RL arms, when compare draws them). */
  curve?: CurvePoint[];
}

export interface CompareReportInput {
  config: CompareConfig;
  demo: string;
  policy: string;
  out: string;
  stages: Stages;
  /** The SFT policy on each split, one evaluation per sampling seed. */
  sft: Record<EvalSplit, EvalSummary[]>;
  arms: ArmSpec[];
  runs: ArmRun[];
  /** Arms not run, and why (a data selection that left the PRM nothing to train on). */
  skipped: { arm: string; reason: string }[];
  prms: { spec: PrmSpec; figures: PrmFigures }[];
}

const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)}%`;
const pass1 = (s: EvalSummary) => s.overall.passAtK.find((p) => p.k === 1)?.value ?? null;
const bucketPass1 = (s: EvalSummary, group: string) =>
  s.byLength.find((r) => r.group === group)?.passAtK.find((p) => p.k === 1)?.value ?? null;

/** Writes compare.md and the learning-curve SVGs (rewritten after every arm). */
export function writeCompareReport(path: string, input: CompareReportInput): void {
  const { config, out } = input;
  const ppo = config.ppo;
  const lines = [
    `# linewise compare — ${out}`,
    "",
    `Every arm starts from the SFT policy of the demo run \`${input.demo}\` (\`${input.policy}\`). Every PPO arm gets the same budget: ` +
      `${ppo.iterations} iterations × ${ppo.problemsPerIteration} RL problems × ${ppo.samplesPerProblem} samples; arms differ only in ` +
      `reward, value-model start and PRM` +
      (config.comparisons.includes("grpo")
        ? `; every GRPO arm ${config.grpo.iterations} iterations × ${config.grpo.problemsPerIteration} problems × ${config.grpo.samplesPerProblem} samples. `
        : ". ") +
      `The RL problems carry tests only and are longer than the SFT problems (the demo's test-bed). ` +
      `Evaluation: ${splitTitle["rl-heldout"]} (the headline) and ${splitTitle.compositional}, ` +
      `${config.eval.samples} samples at temperature ${config.eval.temperature} plus a greedy response per problem. Cells are mean ± sample sd over seeds ` +
      `(PPO seeds ${config.seed}…; headline arms ${count(config.headlineSeeds, "seed")}, others ${config.otherSeeds}; the SFT policy is evaluated with ` +
      `${count(config.headlineSeeds, "sampling seed")}).`,
    "",
    "These are small models on a synthetic suite, not the papers' setting (billion-parameter models, real benchmarks): " +
      "a finding that does not reproduce here says something about this scale, not about the paper.",
    "",
    ...evalSplits.flatMap((split) => [
      `# On ${splitTitle[split]}`,
      "",
      ...rlVersusSft(input, split),
      ...headline(input, split),
      ...config.comparisons.flatMap((c) => comparisonSection(input, c, split)),
    ]),
    ...prmSection(input.prms),
    "## Stage timings",
    "",
    `${Object.keys(input.stages.recorded()).length} stages, ${(Object.values(input.stages.recorded()).reduce((a, b) => a + b, 0) / 60).toFixed(1)} minutes in all; ` +
      "per stage in `stages.json`.",
    "",
  ];
  writeFileAtomic(path, lines.join("\n"));
}

/** The arms of a comparison with their finished seeds (arms with none are left out). */
function armEvals(input: CompareReportInput, names: readonly string[], split: EvalSplit): ArmEvals[] {
  return input.arms
    .filter((a) => names.includes(a.name))
    .map((a) => ({
      title: a.title,
      summaries: input.runs.filter((r) => r.arm === a.name).map((r) => r.summaries[split]),
    }))
    .filter((a) => a.summaries.length > 0);
}

/** The check the test-bed exists for: does outcome-only RL (PPO's RL baseline, GRPO's) improve on the SFT policy at all? */
function rlVersusSft(input: CompareReportInput, split: EvalSplit): string[] {
  return outcomeOnlyArms.flatMap(({ arm, title }) => {
    const rl = input.runs.filter((r) => r.arm === arm).map((r) => r.summaries[split]);
    if (rl.length === 0) return [];
    return [
      `## ${title} vs the SFT policy`,
      "",
      `| measure | SFT policy | ${title} | difference | Welch t, p |`,
      "|---|---|---|---|---|",
      ...measures(input, split, rl).map(([name, pick]) => differenceRow(name, input.sft[split], rl, pick)),
      "",
    ];
  });
}

/** The arms that learn from the unit tests alone. */
const outcomeOnlyArms = [
  { arm: "rl-baseline", title: "RL baseline (PPO)" },
  { arm: "grpo-baseline", title: "GRPO baseline" },
];

type Measure = [string, (s: EvalSummary) => number | null];

/** pass@1, greedy pass@1 and pass@1 on the longest responses every run has (PSGPO Figure 3 reads gains by length). */
function measures(input: CompareReportInput, split: EvalSplit, runs: readonly EvalSummary[]): Measure[] {
  const sft = input.sft[split][0];
  const longest = sft
    ? [...sft.byLength].reverse().find((g) => runs.every((s) => bucketPass1(s, g.group) !== null))?.group
    : undefined;
  return [
    ["pass@1", pass1],
    ["greedy pass@1", (s) => s.greedyPass1],
    ...(longest
      ? [[`pass@1 on responses of ${longest} tokens`, (s: EvalSummary) => bucketPass1(s, longest)] as Measure]
      : []),
  ];
}

/** One measure of two sets of seeds: means, the difference b − a in points, Welch's t and p. */
function differenceRow(
  name: string,
  aRuns: readonly EvalSummary[],
  bRuns: readonly EvalSummary[],
  pick: Measure[1],
  verdicts?: [better: string, worse: string],
): string {
  const a = aRuns.map(pick).filter((v): v is number => v !== null);
  const b = bRuns.map(pick).filter((v): v is number => v !== null);
  const ma = meanSpread(a);
  const mb = meanSpread(b);
  const t = welchT(b, a);
  const p = t ? tTwoSidedP(t.t, t.df) : null;
  const diff = 100 * (mb.mean - ma.mean);
  const cells = [
    name,
    pct(ma.mean),
    pct(mb.mean),
    `${diff >= 0 ? "+" : ""}${diff.toFixed(1)} points`,
    t ? `${t.t.toFixed(2)}, ${p!.toFixed(3)}` : "–",
  ];
  if (verdicts) {
    const verdict =
      p === null
        ? a.length < 2 || b.length < 2
          ? "too few seeds to tell"
          : "no spread over seeds to test against"
        : p < 0.05
          ? diff > 0
            ? verdicts[0]
            : verdicts[1]
          : "within seed noise";
    cells.push(verdict);
  }
  return `| ${cells.join(" | ")} |`;
}

/** The headline: DenseReward + ValueInit minus the RL baseline, with Welch's t over seeds. */
function headline(input: CompareReportInput, split: EvalSplit): string[] {
  const of = (arm: string) => input.runs.filter((r) => r.arm === arm).map((r) => r.summaries[split]);
  const baseline = of("rl-baseline");
  const psgpo = of("psgpo");
  if (baseline.length === 0 || psgpo.length === 0) return [];
  return [
    "## Headline: RL baseline vs DenseReward + ValueInit",
    "",
    "| measure | RL baseline | DenseReward + ValueInit | difference | Welch t, p | verdict |",
    "|---|---|---|---|---|---|",
    ...measures(input, split, [...baseline, ...psgpo]).map(([name, pick]) =>
      differenceRow(name, baseline, psgpo, pick, [
        "PSGPO better, beyond seed noise",
        "baseline better, beyond seed noise",
      ]),
    ),
    "",
  ];
}

function comparisonSection(
  input: CompareReportInput,
  name: CompareConfig["comparisons"][number],
  split: EvalSplit,
): string[] {
  const info = comparisonInfo[name];
  const members = input.arms.filter((a) => a.comparisons.includes(name));
  const arms = armEvals(
    input,
    members.map((a) => a.name),
    split,
  );
  if (arms.length === 0) return [];
  const curvesDir = join(input.out, "curves", name);
  const curveRuns = input.runs
    .filter((r) => members.some((a) => a.name === r.arm && a.trainer.kind !== "dpo"))
    .map((r) => ({
      name: `${members.find((a) => a.name === r.arm)!.title} (seed ${r.seed})`,
      runDir: join(r.dir, "run"),
    }));
  const curves = curveRuns.length ? writeLearningCurves(curveRuns, curvesDir) : [];
  return [
    `## ${info.title}`,
    "",
    info.claim,
    "",
    armTables([{ title: "SFT policy (start)", summaries: input.sft[split] }, ...arms], 3),
    "",
    ...input.skipped
      .filter((s) => members.some((a) => a.name === s.arm))
      .flatMap((s) => [`Not run: ${members.find((a) => a.name === s.arm)!.title} — ${s.reason}.`, ""]),
    ...versusBaseline(input, members, info.baseline, split),
    ...(curves.length
      ? ["Learning curves: " + curves.map((f) => `[${f}](curves/${name}/${f})`).join(", ") + ".", ""]
      : []),
    ...(split === "rl-heldout"
      ? sampleEfficiencySection(
          members.map((a) => ({
            name: a.name,
            title: a.title,
            curves: input.runs.filter((r) => r.arm === a.name && r.curve).map((r) => r.curve!),
          })),
          info.baseline,
          curvesDir,
          `curves/${name}/heldout-greedy.svg`,
        )
      : []),
  ];
}

/** Every other arm of a comparison against its outcome-only baseline: the differences with Welch's t over seeds. */
function versusBaseline(
  input: CompareReportInput,
  members: readonly ArmSpec[],
  baseline: string,
  split: EvalSplit,
): string[] {
  const of = (arm: string) => input.runs.filter((r) => r.arm === arm).map((r) => r.summaries[split]);
  const base = of(baseline);
  const others = members.filter((a) => a.name !== baseline && of(a.name).length > 0);
  const baseTitle = input.arms.find((a) => a.name === baseline)?.title;
  if (base.length === 0 || others.length === 0 || !baseTitle) return [];
  return [
    `Against ${baseTitle}:`,
    "",
    `| arm | measure | ${baseTitle} | arm | difference | Welch t, p | verdict |`,
    "|---|---|---|---|---|---|---|",
    ...others.flatMap((a) =>
      measures(input, split, [...base, ...of(a.name)]).map(
        ([measure, pick]) =>
          `| ${a.title} ` +
          differenceRow(measure, base, of(a.name), pick, [
            "arm better, beyond seed noise",
            "baseline better, beyond seed noise",
          ]),
      ),
    ),
    "",
  ];
}

function prmSection(prms: CompareReportInput["prms"]): string[] {
  if (prms.length === 0) return [];
  return [
    "## The PRMs",
    "",
    "Held-out problems' steps: sign accuracy per class, balanced accuracy and AUC (a correct step outscoring a wrong one).",
    "",
    "| PRM | labels | loss | train records | held-out steps | correct steps | wrong steps | balanced | AUC |",
    "|---|---|---|---|---|---|---|---|---|",
    ...prms.map(({ spec, figures }) => {
      const h = figures.heldOut;
      const labels =
        spec.labels.method === "completion"
          ? `completion (binary search), ${spec.labels.select}`
          : `mutation (rule teacher), ${spec.labels.granularity}s`;
      return `| ${spec.name} | ${labels} | ${spec.loss} | ${figures.records.train} | ${h?.steps ?? 0} | ${pct(h?.accuracyPositive)} | ${pct(h?.accuracyNegative)} | ${pct(h?.balancedAccuracy)} | ${h?.auc?.toFixed(3) ?? "–"} |`;
    }),
    "",
  ];
}

/** "1 seed", "3 seeds". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
