/** `linewise suite`: writes the built-in problem suite for a seed and split as Problem JSONL. */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createExecutor } from "../../exec/index.js";
import { buildSuite, suiteDefaults, type Split, type SuiteProgress } from "../../problems/suite/index.js";
import { numberOption, parseOptions, requiredOption } from "../args.js";
import { UsageError, type Command } from "../command.js";

const name = "suite";

const help = `Usage: linewise suite --out FILE [--n N] [--seed S] [--split train|test] [--max-steps K] [--min-steps K]

Generates the built-in problem suite and writes it as Problem JSONL, one problem a line. Each problem is a
Python function to complete: the prompt (also the starter) is its signature and a docstring with one line
per step; a response is the function body; the solution is the whole reference function. Each has at least
5 call tests whose expected values come from running the reference in the sandbox. The difficulty is the
number of steps. The test split holds step combinations that the train split never has, so the two splits
are disjoint whatever their seeds.

Options:
  --out FILE       where to write the JSONL (required; folders are created)
  --n N            number of problems (default 1000)
  --seed S         generation seed, an integer (default 1); the same seed gives the same file
  --split SPLIT    train or test (default train)
  --max-steps K    hardest difficulty level, 1 to 8 steps (default ${suiteDefaults.maxSteps})
  --min-steps K    easiest difficulty level (default 1): a pool of longer problems only

Example:
  linewise suite --out runs/suite/test.jsonl --n 200 --split test --seed 7`;

function integerOption(
  option: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const n = numberOption(name, option, value, fallback);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(
      `linewise ${name}: --${option} expects an integer from ${min} to ${max}, got '${value}'`,
    );
  return n;
}

/** Progress on stderr: one updating line on a terminal, a log line per tenth otherwise. */
function progressReporter(split: Split): (p: SuiteProgress) => void {
  let lastTenth = -1;
  return (p) => {
    const text = `suite: ${p.built}/${p.n} ${split} problems (${p.candidates} candidates tried)`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${text}${p.built === p.n ? "\n" : ""}`);
      return;
    }
    const tenth = Math.floor((10 * p.built) / p.n);
    if (tenth > lastTenth) console.error(text);
    lastTenth = tenth;
  };
}

export const suiteCommand: Command = {
  name,
  summary: "generate the built-in problem suite (train or test split) as Problem JSONL",
  help,
  async run(argv) {
    const { values } = parseOptions(name, argv, {
      out: { type: "string" },
      n: { type: "string" },
      seed: { type: "string" },
      split: { type: "string" },
      "max-steps": { type: "string" },
      "min-steps": { type: "string" },
    });
    const out = requiredOption(name, "out", values.out);
    const n = integerOption("n", values.n, 1000, 1, 1_000_000);
    const seed = integerOption("seed", values.seed, 1, -(2 ** 31), 2 ** 32);
    const maxSteps = integerOption("max-steps", values["max-steps"], suiteDefaults.maxSteps, 1, 8);
    const minSteps = integerOption("min-steps", values["min-steps"], 1, 1, 8);
    if (minSteps > maxSteps)
      throw new UsageError(`linewise ${name}: --min-steps ${minSteps} is above --max-steps ${maxSteps}`);
    const split = values.split ?? "train";
    if (split !== "train" && split !== "test")
      throw new UsageError(`linewise ${name}: --split expects 'train' or 'test', got '${split}'`);

    let summary: SuiteProgress | undefined;
    const report = progressReporter(split);
    const executor = createExecutor();
    try {
      const problems = await buildSuite({
        n,
        seed,
        split,
        executor,
        maxSteps,
        minSteps,
        onProgress: (p) => report((summary = p)),
      });
      mkdirSync(dirname(out), { recursive: true });
      // Written whole, then renamed: a demo stage that skips when its output exists never sees half a file.
      writeFileSync(`${out}.partial`, problems.map((p) => JSON.stringify(p) + "\n").join(""));
      renameSync(`${out}.partial`, out);
      const levels = new Map<string, number>();
      for (const p of problems) levels.set(p.difficulty!, (levels.get(p.difficulty!) ?? 0) + 1);
      const byLevel = [...levels].sort().map(([d, count]) => `${d} step${d === "1" ? "" : "s"}: ${count}`);
      const rejected = Object.entries(summary!.rejected).map(([why, count]) => `${why} ${count}`);
      console.error(
        `suite: wrote ${problems.length} ${split} problems to ${out} (${byLevel.join(", ")}; from ${summary!.candidates} candidates, rejected: ${rejected.join(", ")})`,
      );
    } finally {
      await executor.close();
    }
  },
};
