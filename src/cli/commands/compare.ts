/** `linewise compare`: the papers' comparisons (PSGPO Table 1 and data selection; PRLCoder) from one SFT policy. */
import { join } from "node:path";
import type { Command } from "../command.js";
import { UsageError } from "../command.js";
import { numberOption, parseOptions, requiredOption } from "../args.js";
import { asUsageError, readPipelineConfig } from "../training.js";
import { Interrupted } from "../demo/arms.js";
import { comparisonNames, compareDefaults, compareQuick, type ComparisonName } from "../compare/config.js";
import { armSpecs } from "../compare/arms.js";
import { armSeeds, runCompare } from "../compare/pipeline.js";
import { executorHelp, executorOptions, openExecutor } from "../executor-option.js";
import { writeRunReport } from "../run-report.js";

const name = "compare";

/** Trained runs of one kind in the default run: every arm of every comparison, each of its seeds. */
const defaultRuns = (kind: "ppo" | "grpo" | "dpo") =>
  armSpecs
    .filter((a) => a.trainer.kind === kind)
    .reduce((n, a) => n + armSeeds(a, compareDefaults).length, 0);

/** The arms column of the help, as wide as the longest arm name and a space. */
const armNameWidth = Math.max(...armSpecs.map((a) => a.name.length)) + 1;

const help = `Usage: linewise compare --demo RUN [--out DIR] [--only LIST] [--seeds N] [--quick] [--config FILE]

Reruns the comparisons PSGPO and PRLCoder report, on the built-in suite, from the SFT policy of a finished
demo run (its suite, tokenizer and policy are used as they are). Every PPO arm starts from that policy with
the same budget (iterations × problems × samples), so arms differ only in reward, value-model start and PRM;
every GRPO arm likewise, with the same rollouts per iteration in groups of 8:

  table1     PSGPO Table 1: RL baseline, ValueInit only, DenseReward only, DenseReward + ValueInit
  grpo       GRPO with the outcome only, with PSGPO's line rewards, and process-supervised GRPO
  selection  PSGPO data selection: the PRM trained on full / remove-hard / medium-only / revised-only labels,
             against the RL baseline
  prlcoder   PRLCoder: compiler-feedback outcome only, PPO + PRM on mutation labels (lines, blocks),
             step-level DPO on the mutation pairs, and the line PRM as PSGPO rewards (λ(o)·PRM_i/L)

The default run trains ${defaultRuns("ppo")} PPO arm-seeds, ${defaultRuns("grpo")} GRPO and ${defaultRuns("dpo")} DPO: several hours on a 2-core machine (README,
"What the comparisons show on the test-bed"; the GRPO comparison alone took 94 minutes there). --only and
--seeds shorten it; --quick checks that everything runs in minutes.

The stages — evaluation of the SFT policy, completion labels (binary search) and mutation labels (rule
teacher), one PRM per label set, then each arm and seed trained and evaluated on the test split — are
each skipped when done, so Ctrl-C (or a killed process) loses at most the step in flight and rerunning
the same command resumes. Arms train seed-major (every arm's first seed, then the second, …), so a run
stopped early reports every arm. DIR/compare.md is rewritten after every arm: pass@1 mean ± sd over seeds,
overall, by difficulty and by response length, each arm against its comparison's outcome-only arm with
Welch's t, the PRMs' held-out accuracy, learning curves (SVG) under DIR/curves/, and sample efficiency:
each RL arm's checkpoints every ${compareDefaults.heldoutCurve.every} iterations decoded greedily on the held-out RL problems,
and the rollouts each arm needs to reach its baseline's final figure ("heldoutCurve": {"every": 0} skips it).

Arms (seeds: the headline arms — PPO's RL baseline and DenseReward + ValueInit, and the GRPO arms — get
--seeds, the rest 1):
${armSpecs.map((a) => `  ${a.name.padEnd(armNameWidth)} ${a.title}`).join("\n")}

Options:
  --demo RUN    a demo run folder with its SFT stage finished (e.g. runs/demo from 'npm run demo -- --out runs/demo')
  --out DIR     the run folder (default runs/compare-<date>, or runs/compare-quick-<date> with --quick)
  --only LIST   comma-separated comparisons to run: ${comparisonNames.join(", ")} (default: all)
  --seeds N     seeds of the headline arms (default ${compareDefaults.headlineSeeds})
  --quick       every arm at a fraction of the budget: checks that it all runs; not a result
  --config F    a JSON file overriding any setting, e.g. {"ppo": {"iterations": 30}, "prm": {"steps": 500}}
                (defaults: completion labels on ${compareDefaults.completion.problems} problems × ${compareDefaults.completion.samples}, mutation labels on ${compareDefaults.mutation.problems},
                PRMs ${compareDefaults.prm.steps} steps, PPO ${compareDefaults.ppo.iterations} iterations × ${compareDefaults.ppo.problemsPerIteration} problems × ${compareDefaults.ppo.samplesPerProblem} samples,
                GRPO ${compareDefaults.grpo.iterations} iterations × ${compareDefaults.grpo.problemsPerIteration} problems × ${compareDefaults.grpo.samplesPerProblem} samples)
${executorHelp(16)}`;

export const compareCommand: Command = {
  name,
  summary:
    "rerun the papers' comparisons (PSGPO Table 1, GRPO with process rewards, data selection, PRLCoder) with seeds, tables and curves",
  help,
  async run(argv) {
    const { values } = parseOptions(name, argv, {
      demo: { type: "string" },
      out: { type: "string" },
      only: { type: "string" },
      seeds: { type: "string" },
      quick: { type: "boolean" },
      config: { type: "string" },
      ...executorOptions,
    });
    const demo = requiredOption(name, "demo", values.demo);
    const preset = values.quick ? compareQuick : compareDefaults;
    let config = preset;
    try {
      if (values.config) config = readPipelineConfig(preset, values.config, name);
    } catch (e) {
      throw asUsageError(e);
    }
    if (values.only !== undefined) config = { ...config, comparisons: comparisonsOption(values.only) };
    if (values.seeds !== undefined) {
      const seeds = numberOption(name, "seeds", values.seeds, 0);
      if (!Number.isInteger(seeds) || seeds < 1)
        throw new UsageError(`linewise ${name}: --seeds expects a positive integer, got '${values.seeds}'`);
      config = { ...config, headlineSeeds: seeds };
    }
    const date = new Date().toISOString().slice(0, 10);
    const out = values.out ?? join("runs", `compare-${values.quick ? "quick-" : ""}${date}`);
    console.error(`linewise compare: from ${demo}, run folder ${out}${values.quick ? " (quick)" : ""}`);
    try {
      const report = await runCompare(config, demo, out, undefined, (local) =>
        openExecutor(name, values, local),
      );
      console.log(`report: ${report}`);
      const html = writeRunReport(name, out);
      if (html) console.log(`report: ${html}`);
      return 0;
    } catch (e) {
      if (e instanceof Interrupted) {
        console.error(`linewise compare: ${e.message} (--out ${out})`);
        return 130;
      }
      throw asUsageError(e);
    }
  },
};

function comparisonsOption(value: string): ComparisonName[] {
  const names = value.split(",").map((s) => s.trim());
  for (const n of names)
    if (!(comparisonNames as readonly string[]).includes(n))
      throw new UsageError(
        `linewise ${name}: --only: unknown comparison '${n}' (known: ${comparisonNames.join(", ")})`,
      );
  return names as ComparisonName[];
}
