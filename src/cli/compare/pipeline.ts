/**
 * `linewise compare`: the papers' comparisons rerun from one SFT policy (a finished demo run's), as
 * resumable stages in one run folder:
 *
 *   eval-sft → labels (completion on RL problems; mutation of SFT references per granularity) → PRMs →
 *   for every arm and seed: train (PPO on the RL problems, or DPO) → evaluate on the held-out RL problems
 *   and the compositional split → compare.md, summary.json and learning curves.
 *
 * Each stage is skipped when its output exists, and each trainer resumes from its checkpoints, so Ctrl-C
 * or a killed process loses at most the step in flight. The report is rewritten after every arm, so a
 * long run shows its results as they come.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createExecutor, type ExecutorOptions, type SandboxExecutor } from "../../exec/index.js";
import { loadProblems } from "../../problems/loaders/index.js";
import { ConfigError, Progress, lockFolder, writeFileAtomic } from "../../runs/index.js";
import { readLabels, type LabelRecord } from "../../labels/records.js";
import { mutationLabels } from "../../labels/mutation.js";
import { RuleTeacher } from "../../labels/teachers/rules.js";
import { trainDpo } from "../../train/dpo.js";
import { NoTrainingRecords } from "../../train/prm.js";
import { readDpoPairs } from "../../train/dpo-data.js";
import type { EvalSummary } from "../../eval/summary.js";
import { stopOnInterrupt } from "../training.js";
import { Stages } from "../demo/stages.js";
import { demoPaths, evalSplitFile, type DemoPaths } from "../demo/pipeline.js";
import { evalSplits, type EvalSplit } from "../demo/testbed.js";
import { headlineSummary } from "../../report/summary-json.js";
import { writeHeldoutCurve, type CurvePoint } from "./heldout-curve.js";
import {
  Interrupted,
  completionLabelStage,
  evaluateCheckpoint,
  grpoStage,
  ppoStage,
  prmStage,
  readStageJson,
  type EvalSettings,
  type PpoFigures,
  type PrmFigures,
} from "../demo/arms.js";
import { armSpecs, armsFor, comparisonInfo, prmSpecs, prmsFor, type ArmSpec, type PrmSpec } from "./arms.js";
import type { CompareConfig } from "./config.js";
import { writeCompareReport, type ArmRun } from "./report.js";

/** Where a demo run keeps what compare starts from; a clear error when it is not finished that far. */
export function demoInputs(demo: string): { splits: DemoPaths["splits"]; paths: DemoPaths; policy: string } {
  const paths = demoPaths(demo);
  if (!existsSync(paths.sftDone))
    throw new ConfigError(
      `${demo}: not a demo run with a finished SFT stage (no ${paths.sftDone}); run 'linewise demo --out ${demo}' first`,
    );
  if (!existsSync(paths.splits.rl))
    throw new ConfigError(
      `${demo}: a demo run from before the RL test-bed (no ${paths.splits.rl}); run 'linewise demo' again into a new folder`,
    );
  const sft = readStageJson<{ checkpoint: string }>(paths.sftDone);
  return { splits: paths.splits, paths, policy: sft.checkpoint };
}

/** The seeds an arm runs. */
export function armSeeds(arm: ArmSpec, config: CompareConfig): number[] {
  const n = arm.headline ? config.headlineSeeds : config.otherSeeds;
  return Array.from({ length: n }, (_, i) => config.seed + i);
}

/** Runs every stage not done yet; returns the report's path. */
export async function runCompare(
  config: CompareConfig,
  demo: string,
  out: string,
  log: (line: string) => void = (l) => console.error(l),
  /** The sandbox (`--exec-url` gives remote ones); default a local one with `local`'s options. */
  openSandbox: (local: ExecutorOptions) => SandboxExecutor = createExecutor,
): Promise<string> {
  const inputs = demoInputs(demo);
  mkdirSync(join(out, "labels"), { recursive: true });
  const unlock = lockFolder(out, "linewise compare");
  writeFileAtomic(join(out, "compare-config.json"), JSON.stringify({ demo, ...config }, null, 2) + "\n");
  const interrupt = stopOnInterrupt("compare", "step");
  const stages = new Stages(out, interrupt.signal);
  const executor: SandboxExecutor = openSandbox({ cacheDir: join(out, "exec-cache") });
  const read = async (file: string) => (await loadProblems(file, "linewise")).problems;
  const sftProblems = await read(inputs.splits.sft);
  const rlProblems = await read(inputs.splits.rl);
  const evalProblems = {} as Record<EvalSplit, Awaited<ReturnType<typeof read>>>;
  for (const split of evalSplits) evalProblems[split] = await read(evalSplitFile(inputs.paths, split));
  const evalSettings: EvalSettings = { ...config.eval, seed: config.seed };
  const arms = armsFor(config.comparisons);
  // An RL arm keeps every checkpoint when the held-out curve will decode them (the curve stage deletes them
  // afterwards); checkpoints stay at every iteration, so Ctrl-C still loses at most one.
  const keptForCurve = <C extends { iterations: number; keepCheckpoints: number }>(c: C): C =>
    config.heldoutCurve.every > 0 ? { ...c, keepCheckpoints: Math.max(c.keepCheckpoints, c.iterations) } : c;
  const runs: ArmRun[] = [];
  const skipped: { arm: string; reason: string }[] = [];
  const report = join(out, "compare.md");
  const writeReport = (sft: Record<EvalSplit, EvalSummary[]>) =>
    writeCompareReport(report, {
      config,
      demo,
      policy: inputs.policy,
      out,
      stages,
      sft,
      arms,
      runs,
      skipped,
      prms: prms(),
    });
  // summary.json: every arm's pass@1 on each split against the SFT policy and the RL baseline (Welch over seeds).
  const writeSummaryJson = (sft: Record<EvalSplit, EvalSummary[]>) =>
    writeFileAtomic(
      join(out, "summary.json"),
      JSON.stringify(
        headlineSummary(
          evalSplits.flatMap((split) => [
            { arm: "sft", split, summaries: sft[split] },
            ...arms
              .map((a) => ({
                arm: a.name,
                split,
                summaries: runs.filter((r) => r.arm === a.name).map((r) => r.summaries[split]),
              }))
              .filter((a) => a.summaries.length > 0),
          ]),
          (arm) => comparisonInfo[armSpecs.find((a) => a.name === arm)!.comparisons[0]!].baseline,
        ),
        null,
        2,
      ) + "\n",
    );
  const prmDone = (name: string) => join(out, "prms", name, "final.json");
  const prms = () =>
    prmsFor(arms)
      .filter((p) => existsSync(prmDone(p.name)))
      .map((p) => ({ spec: p, figures: readStageJson<PrmFigures>(prmDone(p.name)) }));

  try {
    // The starting point every arm is measured against, with the same evaluation settings. It is one
    // policy, evaluated with as many sampling seeds as the headline arms have, so Welch's t compares like with like.
    const sft = {} as Record<EvalSplit, EvalSummary[]>;
    for (const split of evalSplits) {
      sft[split] = [];
      for (let i = 0; i < config.headlineSeeds; i++) {
        const dir = join(out, "sft-eval", split, `seed-${config.seed + i}`);
        await stages.stage(
          `eval-sft/${split}/seed-${config.seed + i}`,
          join(dir, "summary.json"),
          () =>
            evaluateCheckpoint(
              inputs.policy,
              evalProblems[split],
              dir,
              { ...evalSettings, seed: config.seed + i },
              executor,
              `eval sft ${split}`,
              interrupt.signal,
            ),
          log,
        );
        sft[split].push(readStageJson<EvalSummary>(join(dir, "summary.json")));
      }
    }

    // Labels, each set made once and only when an arm needs it.
    const completionRecords = join(out, "labels", "completion.jsonl");
    const completion = async (): Promise<LabelRecord[]> => {
      await stages.stage(
        "labels-completion",
        join(out, "labels", "completion.done.json"),
        () =>
          completionLabelStage(
            inputs.policy,
            rlProblems.slice(0, config.completion.problems),
            { ...config.completion, maxTokens: config.eval.maxTokens, seed: config.seed, linear: false },
            executor,
            { records: completionRecords, done: join(out, "labels", "completion.done.json") },
          ),
        log,
      );
      return readLabels(completionRecords);
    };
    const mutation = async (granularity: "line" | "block") => {
      const files = {
        records: join(out, "labels", `mutation-${granularity}.jsonl`),
        pairs: join(out, "labels", `mutation-${granularity}.pairs.jsonl`),
      };
      const done = join(out, "labels", `mutation-${granularity}.done.json`);
      await stages.stage(
        `labels-mutation-${granularity}`,
        done,
        async () => {
          // PRLCoder's teacher rewrites reference solutions: the SFT problems are the ones that have them.
          const problems = sftProblems.slice(0, config.mutation.problems);
          const bar = new Progress({
            label: `mutations (${granularity})`,
            total: problems.length,
            unit: "problem",
          });
          const written = await mutationLabels(
            problems,
            executor,
            { granularity, teacher: new RuleTeacher(), seed: config.seed, onProblem: (n) => bar.update(n) },
            files,
          );
          bar.done();
          writeFileAtomic(done, JSON.stringify(written, null, 2) + "\n");
        },
        log,
      );
      return files;
    };

    // A PRM, or why there is none: a selection can leave no records to train on, and then its arms are skipped.
    const prm = async (spec: PrmSpec): Promise<PrmFigures | { unavailable: string }> => {
      const records =
        spec.labels.method === "completion"
          ? await completion()
          : readLabels((await mutation(spec.labels.granularity)).records);
      const unavailable = join(out, "prms", spec.name, "unavailable.json");
      if (existsSync(unavailable)) return readStageJson<{ unavailable: string }>(unavailable);
      try {
        await stages.stage(
          `prm-${spec.name}`,
          prmDone(spec.name),
          () =>
            prmStage(
              {
                ...config.prm,
                seed: config.seed,
                init: inputs.policy,
                loss: spec.loss,
                select: spec.labels.method === "completion" ? spec.labels.select : "full",
              },
              records,
              join(out, "prms", spec.name),
              interrupt.signal,
            ),
          log,
        );
      } catch (e) {
        if (!(e instanceof NoTrainingRecords)) throw e;
        const reason = { unavailable: e.message };
        writeFileAtomic(unavailable, JSON.stringify(reason, null, 2) + "\n");
        return reason;
      }
      return readStageJson<PrmFigures>(prmDone(spec.name));
    };

    // What each arm trains on: its PRM (PPO, GRPO) or the mutation pairs (DPO), all made before any arm
    // trains so that stages do not nest.
    type Needs = { checkpoint: string | null } | { pairs: string };
    const ready: { arm: ArmSpec; needs: Needs }[] = [];
    for (const arm of arms) {
      const trainer = arm.trainer;
      const needs =
        trainer.kind === "dpo"
          ? { pairs: (await mutation(trainer.pairs)).pairs }
          : trainer.prm
            ? await prm(prmSpecs.find((p) => p.name === trainer.prm)!)
            : { checkpoint: null };
      if ("unavailable" in needs) {
        log(
          `[${arm.name}] skipped: its PRM ${trainer.kind !== "dpo" ? trainer.prm : ""} has no training data`,
        );
        skipped.push({ arm: arm.name, reason: needs.unavailable });
        continue;
      }
      ready.push({ arm, needs });
    }

    // Seed-major: every arm's first seed, then every arm's second, … so that a run stopped early (or
    // still going) already reports every arm, and the headline differences sharpen as seeds arrive.
    const rounds = Math.max(0, ...ready.map(({ arm }) => armSeeds(arm, config).length));
    for (let round = 0; round < rounds; round++)
      for (const { arm, needs } of ready) {
        const trainer = arm.trainer;
        const seed = armSeeds(arm, config)[round];
        if (seed === undefined) continue;
        const dir = join(out, "arms", arm.name, `seed-${seed}`);
        const trained = join(dir, "final.json");
        await stages.stage(
          `${arm.name}/seed-${seed}`,
          trained,
          async () => {
            if (trainer.kind === "ppo") {
              const prmCheckpoint = "checkpoint" in needs ? (needs.checkpoint ?? null) : null;
              const ppoConfig = keptForCurve({
                ...trainer.preset,
                ...config.ppo,
                seed,
                policy: inputs.policy,
                prm: prmCheckpoint,
              });
              await ppoStage(ppoConfig, rlProblems, dir, executor, interrupt.signal);
              return;
            }
            if (trainer.kind === "grpo") {
              const grpoConfig = keptForCurve({
                ...trainer.preset,
                ...config.grpo,
                seed,
                policy: inputs.policy,
                prm: "checkpoint" in needs ? (needs.checkpoint ?? null) : null,
              });
              await grpoStage(grpoConfig, rlProblems, dir, executor, interrupt.signal);
              return;
            }
            const result = await trainDpo(
              { ...config.dpo, seed, policy: inputs.policy },
              readDpoPairs((needs as { pairs: string }).pairs),
              join(dir, "run"),
              { resume: true, signal: interrupt.signal },
            );
            if (result.stopped) throw new Interrupted(`DPO in ${dir}`);
            const figures: PpoFigures = { checkpoint: result.checkpoint, iteration: result.step };
            writeFileAtomic(trained, JSON.stringify(figures, null, 2) + "\n");
          },
          log,
        );
        const { checkpoint } = readStageJson<PpoFigures>(trained);
        const summaries = {} as Record<EvalSplit, EvalSummary>;
        for (const split of evalSplits) {
          const evalDir = join(dir, "eval", split);
          await stages.stage(
            `${arm.name}/seed-${seed}/eval-${split}`,
            join(evalDir, "summary.json"),
            () =>
              evaluateCheckpoint(
                checkpoint,
                evalProblems[split],
                evalDir,
                evalSettings,
                executor,
                `eval ${arm.name} ${seed} ${split}`,
                interrupt.signal,
              ),
            log,
          );
          summaries[split] = readStageJson<EvalSummary>(join(evalDir, "summary.json"));
        }
        let curve: CurvePoint[] | undefined;
        if (config.heldoutCurve.every > 0 && trainer.kind !== "dpo") {
          const run = readStageJson<{ iterations: number } & Record<string, unknown>>(
            join(dir, "run", "config.json"),
          );
          await stages.stage(
            `${arm.name}/seed-${seed}/curve`,
            join(dir, "curve.json"),
            () =>
              writeHeldoutCurve({
                runDir: join(dir, "run"),
                iterations: run.iterations,
                every: config.heldoutCurve.every,
                rolloutsPerIteration: Number(run.problemsPerIteration) * Number(run.samplesPerProblem),
                startGreedy: sft["rl-heldout"][0]!.greedyPass1 ?? NaN,
                finalGreedy: summaries["rl-heldout"].greedyPass1 ?? NaN,
                problems: evalProblems["rl-heldout"],
                dir,
                settings: evalSettings,
                executor,
                label: `curve ${arm.name} ${seed}`,
                signal: interrupt.signal,
              }),
            log,
          );
          curve = readStageJson<CurvePoint[]>(join(dir, "curve.json"));
        }
        runs.push({ arm: arm.name, seed, dir, summaries, curve });
        writeReport(sft);
        writeSummaryJson(sft);
      }
    writeReport(sft);
    writeSummaryJson(sft);
  } finally {
    interrupt.release();
    await executor.close();
    unlock();
  }
  return report;
}
