/** `linewise demo` (and `npm run demo`): the main job, end to end, on the built-in defaults. */
import { join } from "node:path";
import { readFileSync } from "node:fs";
import type { Command } from "../command.js";
import { numberOption, parseOptions } from "../args.js";
import { demoDefaults, demoQuick } from "../demo/config.js";
import { asUsageError, readPipelineConfig } from "../training.js";
import { demoPaths, runDemo } from "../demo/pipeline.js";
import { evalSplits } from "../demo/testbed.js";
import type { SummaryRow } from "../../report/summary-json.js";
import { Interrupted } from "../demo/arms.js";
import { writeRunReport } from "../run-report.js";

const help = `Usage: linewise demo [--quick] [--out RUN] [--seed S] [--config FILE]

Runs the pipeline on the built-in problem suite's RL test-bed, each stage in the run folder and skipped
when its output is already there (so a rerun, or a run after Ctrl-C, resumes):
  1. suite      build the test-bed: SFT problems (1-3 steps, with references), RL problems (2-4 steps,
                tests only), held-out problems drawn like the RL ones, and the compositional test split
                (step combinations no train problem has)
  2. tokenizer  train a byte-level BPE tokenizer on the SFT problems
  3. sft        supervised fine-tuning of a small Llama-style policy from scratch
  4. eval-*     pass@k and greedy pass@1 on the held-out RL problems and on the compositional split
  5. labels     PSGPO completion labels of the policy's own samples on RL problems (binary search,
                and a linear scan to check it), written to RUN/labels/completion.jsonl
  6. prm        a process reward model trained on those labels (MSE on +1/−1/0), from the policy
  7. ppo-*      PPO from the SFT policy on the RL problems, two arms with the same budget: the RL
                baseline (unit-test outcome only) and PSGPO's DenseReward + ValueInit (PRM rewards at
                line ends, value model started from the PRM); each arm is then evaluated like step 4
  8. report     RUN/report.md with the configuration, stage timings, tables and learning curves,
                RUN/summary.json with the headline pass@1 figures for scripts, and RUN/report.html:
                the labels, PRM scores, RL rollouts and samples over the code (see 'linewise report')

Ctrl-C stops a training stage at its next step and saves a checkpoint; rerunning the same command resumes.
For more arms and seeds, see 'linewise compare'.

Options:
  --quick      a first look in a few minutes (fewer problems, shorter SFT, fewer samples)
  --out RUN    the run folder (default runs/demo-<date>, or runs/demo-quick-<date> with --quick)
  --seed S     seed for the suite, the model and sampling (default 0)
  --config F   a JSON file overriding any demo setting, e.g. {"testbed": {"rlProblems": 300}, "sft": {"steps": 100}}`;

export const demoCommand: Command = {
  name: "demo",
  summary:
    "run the main job end to end on built-in defaults (suite → SFT → pass@k → labels → PRM → PPO → report)",
  help,
  async run(argv) {
    const { values } = parseOptions("demo", argv, {
      quick: { type: "boolean" },
      out: { type: "string" },
      seed: { type: "string" },
      config: { type: "string" },
    });
    const preset = values.quick ? demoQuick : demoDefaults;
    let base = preset;
    try {
      if (values.config) base = readPipelineConfig(preset, values.config, "demo");
    } catch (e) {
      throw asUsageError(e);
    }
    const config = { ...base, seed: numberOption("demo", "seed", values.seed, base.seed) };
    const date = new Date().toISOString().slice(0, 10);
    const out = values.out ?? join("runs", `demo-${values.quick ? "quick-" : ""}${date}`);
    console.error(`linewise demo: run folder ${out}${values.quick ? " (quick)" : ""}`);
    let report: string;
    try {
      report = await runDemo(config, out);
    } catch (e) {
      if (!(e instanceof Interrupted)) throw asUsageError(e);
      console.error(`linewise demo: ${e.message} (--out ${out})`);
      return 130;
    }
    // The headline: pass@1 of the SFT policy and of each PPO arm on each evaluation split (summary.json).
    const rows = (JSON.parse(readFileSync(demoPaths(out).summary, "utf8")) as { arms: SummaryRow[] }).arms;
    for (const split of evalSplits) {
      const line = rows
        .filter((r) => r.split === split)
        .map((r) => `${r.arm} ${r.passAt1.mean.toFixed(1)}%`)
        .join(", ");
      console.log(`pass@1 on ${split}: ${line}`);
    }
    console.log(`report: ${report}`);
    const html = writeRunReport("demo", out);
    if (html) console.log(`report: ${html}`);
    return 0;
  },
};
