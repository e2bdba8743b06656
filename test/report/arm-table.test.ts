import { test } from "node:test";
import assert from "node:assert/strict";
import { summarize } from "../../src/eval/summary.js";
import type { ProblemResult } from "../../src/eval/evaluate.js";
import { armTables, breakdownTable, overallTable } from "../../src/report/arm-table.js";
import { armSpecs, armsFor, comparisonInfo, prmsFor } from "../../src/cli/compare/arms.js";
import { comparisonNames } from "../../src/cli/compare/config.js";

/** Results of 4 problems (2 of difficulty "1", 2 of "2") with 2 samples each, of which `passed` pass. */
function results(passed: boolean[][], tokens = 40): ProblemResult[] {
  return passed.map((samples, i) => ({
    problemId: `p${i}`,
    difficulty: i < 2 ? "1" : "2",
    samples: samples.map((p) => ({ response: "x", status: p ? "pass" : "wrong_answer", passed: p, tokens })),
    greedy: { response: "x", status: samples[0] ? "pass" : "wrong_answer", passed: samples[0]!, tokens },
  }));
}

const seedA = summarize(
  results([
    [true, true],
    [true, false],
    [false, false],
    [false, false],
  ]),
  [1, 2],
); // pass@1 = (1 + 0.5) / 4 = 37.5%
const seedB = summarize(
  results([
    [true, false],
    [false, false],
    [false, false],
    [false, false],
  ]),
  [1, 2],
); // pass@1 = 0.5 / 4 = 12.5%

test("the overall table shows mean ± sample sd over seeds, in percent, and a single seed plainly", () => {
  const table = overallTable([
    { title: "two seeds", summaries: [seedA, seedB] },
    { title: "one seed", summaries: [seedA] },
  ]);
  const lines = table.split("\n");
  assert.equal(lines[0], "| arm | seeds | greedy pass@1 (%) | pass@1 (%) | pass@2 (%) |");
  // pass@1: 37.5 and 12.5 → mean 25.0, sd 17.7; greedy: 50 and 25 → 37.5 ± 17.7
  assert.equal(lines[2], "| two seeds | 2 | 37.5 ± 17.7 (n=2) | 25.0 ± 17.7 (n=2) | 37.5 ± 17.7 (n=2) |");
  assert.equal(lines[3], "| one seed | 1 | 50.0 | 37.5 | 50.0 |");
});

test("breakdown tables have one column per group across arms, and '–' where an arm has no samples", () => {
  const long = summarize(results([[true], [false], [false], [false]], 300), [1]);
  const byLength = breakdownTable(
    [
      { title: "short", summaries: [seedA] },
      { title: "long", summaries: [long] },
    ],
    (s) => s.byLength,
  ).split("\n");
  assert.equal(byLength[0], "| arm | 0-31 | 32-63 | 64-127 | 128-255 | 256+ |");
  assert.equal(byLength[2], "| short | – | 37.5 | – | – | – |");
  assert.equal(byLength[3], "| long | – | – | – | – | 25.0 |");
  const byDifficulty = breakdownTable([{ title: "a", summaries: [seedA, seedB] }], (s) => s.byDifficulty);
  // difficulty 1: (1 + 0.5)/2 = 75% and 0.5/2 = 25% → 50.0 ± 35.4
  assert.match(byDifficulty, /\| a \| 50\.0 ± 35\.4 \(n=2\) \| 0\.0 ± 0\.0 \(n=2\) \|/);
  assert.match(armTables([{ title: "a", summaries: [seedA] }]), /### pass@1 \(%\) by response length/);
});

test("compare runs the headline arms first and only the PRMs its arms read", () => {
  const table1 = armsFor(["table1"]);
  assert.deepEqual(
    table1.map((a) => a.name),
    ["rl-baseline", "psgpo", "value-init", "dense-reward"],
  );
  assert.deepEqual(
    prmsFor(table1).map((p) => p.name),
    ["completion-full"],
  );
  const prlcoder = armsFor(["prlcoder"]);
  assert.ok(prlcoder.every((a) => a.comparisons.includes("prlcoder")));
  assert.deepEqual(
    prmsFor(prlcoder).map((p) => p.name),
    ["mutation-line", "mutation-block"],
  );
  assert.equal(armsFor(["table1", "grpo", "selection", "prlcoder"]).length, armSpecs.length);
  // A comparison alone (`--only`) still trains the outcome-only arm it is measured against.
  for (const name of comparisonNames)
    assert.ok(
      armsFor([name]).some((a) => a.name === comparisonInfo[name].baseline),
      `${name} runs its baseline ${comparisonInfo[name].baseline}`,
    );
  // The GRPO comparison: three headline arms, two of them reading the full-data PRM.
  const grpo = armsFor(["grpo"]);
  assert.deepEqual(
    grpo.map((a) => [a.name, a.trainer.kind, a.headline]),
    [
      ["grpo-baseline", "grpo", true],
      ["grpo-psgpo", "grpo", true],
      ["grpo-steps", "grpo", true],
    ],
  );
  assert.deepEqual(
    prmsFor(grpo).map((p) => p.name),
    ["completion-full"],
  );
  // PSGPO's arms differ from the recipe only where the arm's name says.
  const arm = (name: string) => armSpecs.find((a) => a.name === name)!.trainer;
  const preset = (name: string) => {
    const t = arm(name);
    assert.equal(t.kind, "ppo");
    return t.kind === "ppo" ? t.preset : null!;
  };
  assert.equal(preset("value-init").denseReward, false);
  assert.equal(preset("value-init").valueInit, "prm");
  assert.equal(preset("dense-reward").denseReward, true);
  assert.equal(preset("dense-reward").valueInit, "policy");
  assert.equal(preset("rl-baseline").denseReward, false);
  assert.equal(preset("prlcoder-block").granularity, "block");
  assert.equal(preset("prlcoder-line").processReward, "prlcoder");
  assert.equal(preset("prlcoder-line-norm").processReward, "psgpo", "λ(o)·PRM_i/L");
  assert.equal(preset("prlcoder-line-norm").outcomeReward, "compiler");
});
