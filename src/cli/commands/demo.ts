/** `linewise demo` (and `npm run demo`): the main job, end to end, on the built-in defaults. */
import { join } from "node:path";
import { readFileSync } from "node:fs";
import type { Command } from "../command.js";
import { numberOption, parseOptions } from "../args.js";
import { demoDefaults, demoQuick, type DemoConfig } from "../demo/config.js";
import { UsageError } from "../command.js";
import { demoPaths, runDemo } from "../demo/pipeline.js";

const help = `Usage: linewise demo [--quick] [--out RUN] [--seed S] [--config FILE]

Runs the pipeline on the built-in problem suite, each stage in the run folder and skipped when its
output is already there (so a rerun, or a run after Ctrl-C, resumes):
  1. suite      build the train and test splits (test holds step combinations never seen in train)
  2. tokenizer  train a byte-level BPE tokenizer on the train split
  3. sft        supervised fine-tuning of a small Llama-style policy from scratch
  4. eval       pass@k and greedy pass@1 on the test split, by difficulty and by response length
  5. labels     PSGPO completion labels of the policy's own samples on train problems (binary search,
                and a linear scan to check it), written to RUN/labels/completion.jsonl
  6. report     RUN/report.md with the configuration, stage timings and tables

Options:
  --quick      a first look in a few minutes (fewer problems, shorter SFT, fewer samples)
  --out RUN    the run folder (default runs/demo-<date>, or runs/demo-quick-<date> with --quick)
  --seed S     seed for the suite, the model and sampling (default 0)
  --config F   a JSON file overriding any demo setting, e.g. {"trainProblems": 500, "sft": {"steps": 100}}`;

export const demoCommand: Command = {
  name: "demo",
  summary: "run the main job end to end on built-in defaults (suite → SFT → pass@k → labels → report)",
  help,
  async run(argv) {
    const { values } = parseOptions("demo", argv, {
      quick: { type: "boolean" },
      out: { type: "string" },
      seed: { type: "string" },
      config: { type: "string" },
    });
    const base = withOverrides(values.quick ? demoQuick : demoDefaults, values.config);
    const config = { ...base, seed: numberOption("demo", "seed", values.seed, base.seed) };
    const date = new Date().toISOString().slice(0, 10);
    const out = values.out ?? join("runs", `demo-${values.quick ? "quick-" : ""}${date}`);
    console.error(`linewise demo: run folder ${out}${values.quick ? " (quick)" : ""}`);
    const report = await runDemo(config, out);
    const summary = JSON.parse(readFileSync(demoPaths(out).evalSummary, "utf8")) as {
      greedyPass1: number | null;
      overall: { passAtK: { k: number; value: number | null }[] };
    };
    const pass = summary.overall.passAtK
      .map((p) => `pass@${p.k} ${p.value === null ? "–" : (100 * p.value).toFixed(1) + "%"}`)
      .join(", ");
    console.log(`\ntest split: greedy pass@1 ${((summary.greedyPass1 ?? 0) * 100).toFixed(1)}%, ${pass}`);
    console.log(`report: ${report}`);
    return 0;
  },
};

/** The base config with a JSON file's fields on top (`sft` and `labels` merged field by field); unknown keys are errors. */
function withOverrides(base: DemoConfig, file: string | undefined): DemoConfig {
  if (!file) return base;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`linewise demo: --config ${file}: ${(e as Error).message}`);
  }
  for (const key of Object.keys(json)) {
    if (!(key in base))
      throw new UsageError(
        `linewise demo: --config ${file}: unknown setting '${key}' (known: ${Object.keys(base).join(", ")})`,
      );
  }
  const sft = { ...base.sft, ...((json.sft as object | undefined) ?? {}) };
  const labels = { ...base.labels, ...((json.labels as object | undefined) ?? {}) };
  return { ...base, ...json, sft, labels } as DemoConfig;
}
