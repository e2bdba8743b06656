// The two pipelines end to end on a tiny budget: `linewise demo` (suite → … → PRM → two PPO arms → report),
// then `linewise compare` from that demo run (every arm, two headline seeds), and their reruns resuming.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { packageRoot } from "../../src/paths.js";
import { armSpecs } from "../../src/cli/compare/arms.js";

const cli = join(packageRoot, "bin/linewise.js");
const dir = mkdtempSync(join(tmpdir(), "linewise-pipelines-"));
const demo = join(dir, "demo");
const compare = join(dir, "compare");
const tinyPpo = {
  iterations: 2,
  problemsPerIteration: 2,
  samplesPerProblem: 2,
  maxNewTokens: 24,
  minibatchSize: 4,
};
// GRPO arms get the PPO arms' budget.
const tinyGrpo = tinyPpo;
const tinyPrm = {
  steps: 4,
  batchSize: 4,
  evalEvery: 2,
  checkpointEvery: 2,
  logEvery: 1,
  heldOutFraction: 0.3,
};

function linewise(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, CI: "1" } });
}

function writeJson(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

const demoConfig = writeJson("demo.json", {
  testbed: {
    sftProblems: 20,
    sftMaxSteps: 1,
    rlProblems: 8,
    rlHeldoutProblems: 6,
    rlMinSteps: 2,
    maxSteps: 2,
    compositionalProblems: 6,
  },
  evalSamples: 2,
  evalKs: [1, 2],
  maxTokens: 24,
  labels: { problems: 4, samples: 2, k: 2 },
  sft: {
    steps: 4,
    batchSize: 4,
    vocabSize: 300,
    evalEvery: 2,
    checkpointEvery: 2,
    logEvery: 1,
    model: { nLayer: 1, dModel: 32, nHead: 2, tieWordEmbeddings: false },
  },
  prm: tinyPrm,
  ppo: tinyPpo,
});

test("linewise demo runs end to end on a tiny budget, PRM and PPO arms included, and a rerun resumes", () => {
  const r = linewise(["demo", "--config", demoConfig, "--out", demo]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /pass@1 on rl-heldout: sft \d+\.\d%, rl-baseline \d+\.\d%, psgpo \d+\.\d%/);
  assert.match(r.stdout, /pass@1 on compositional: sft \d+\.\d%, rl-baseline \d+\.\d%, psgpo \d+\.\d%/);
  // The test-bed: SFT problems are 1-step ones with references; RL problems are longer and carry tests only.
  const rows = (file: string) =>
    readFileSync(join(demo, "suite", file), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
  const sft = rows("sft.jsonl");
  const rl = rows("rl.jsonl");
  const heldout = rows("rl-heldout.jsonl");
  assert.ok(sft.every((p) => p.difficulty === "1" && p.solution));
  assert.ok([...rl, ...heldout].every((p) => p.difficulty === "2" && p.solution === undefined));
  const prompts = new Set(sft.map((p) => p.prompt));
  for (const p of [...rl, ...heldout]) assert.ok(!prompts.has(p.prompt), "RL problems are unseen by SFT");
  assert.equal(new Set([...rl, ...heldout].map((p) => p.prompt)).size, rl.length + heldout.length);
  // summary.json: every arm on both splits, deltas against SFT and the baseline (one seed: no t or p).
  const summary = JSON.parse(readFileSync(join(demo, "summary.json"), "utf8"));
  assert.deepEqual(
    summary.arms.map((a: { arm: string; split: string }) => `${a.arm}/${a.split}`),
    ["rl-heldout", "compositional"].flatMap((split) =>
      ["sft", "rl-baseline", "psgpo"].map((arm) => `${arm}/${split}`),
    ),
  );
  const psgpo = summary.arms.find((a: { arm: string }) => a.arm === "psgpo");
  assert.equal(psgpo.seeds, 1);
  assert.equal(psgpo.vsSft.t, null);
  assert.equal(typeof psgpo.vsBaseline.delta, "number");
  assert.equal(summary.arms[0].vsSft, null);
  const report = readFileSync(join(demo, "report.md"), "utf8");
  for (const section of [
    "## Stage timings",
    "| ppo-psgpo |",
    "## SFT",
    "## The SFT policy on held-out RL problems",
    "## The SFT policy on the compositional split",
    "| difficulty |",
    "| response tokens |",
    "## Process labels",
    "| response kind |",
    "## Process reward model",
    "## PPO: RL baseline vs PSGPO",
    "| SFT policy (start) |",
    "| PSGPO DenseReward + ValueInit |",
  ])
    assert.ok(report.includes(section), section);
  // A held-out AUC over a handful of problems is flagged as the noise it is.
  assert.match(report, /labelled steps of \d problems?\)\. An AUC over this few problems swings widely/);
  // Both arms ran the same budget; PSGPO's process reward is logged (the baseline's is zero).
  for (const arm of ["rl-baseline", "psgpo"]) {
    const rows = readFileSync(join(demo, "ppo", arm, "run", "metrics.jsonl"), "utf8")
      .trim()
      .split("\n");
    assert.equal(rows.length, tinyPpo.iterations, arm);
  }
  const config = JSON.parse(readFileSync(join(demo, "ppo", "psgpo", "run", "config.json"), "utf8"));
  assert.equal(config.denseReward, true);
  assert.equal(config.valueInit, "prm");
  assert.match(readFileSync(join(demo, "ppo", "curve-passRate.svg"), "utf8"), /<svg[\s\S]*<\/svg>\s*$/);

  const again = linewise(["demo", "--config", demoConfig, "--out", demo]);
  assert.equal(again.status, 0, again.stderr);
  for (const stage of ["suite", "sft", "labels", "prm", "ppo-rl-baseline", "eval-psgpo-rl-heldout"])
    assert.match(again.stderr, new RegExp(`\\[${stage}\\] done earlier`));
});

test("linewise demo --config rejects an unknown setting in one line", () => {
  const bad = writeJson("bad.json", { trainProblems: 3 });
  const r = linewise(["demo", "--config", bad, "--out", join(dir, "unused")]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.json: unknown field "trainProblems"/);
  const badPpo = writeJson("bad-ppo.json", { ppo: { iterashuns: 3 } });
  const p = linewise(["demo", "--config", badPpo, "--out", join(dir, "unused")]);
  assert.equal(p.status, 2);
  assert.match(p.stderr, /unknown field "ppo\.iterashuns"/);
});

const compareConfig = writeJson("compare.json", {
  completion: { problems: 6, samples: 2, k: 2 },
  mutation: { problems: 10 },
  prm: tinyPrm,
  ppo: tinyPpo,
  grpo: tinyGrpo,
  dpo: { epochs: 1, batchSize: 4, evalEvery: 2, checkpointEvery: 2, logEvery: 1 },
  eval: { samples: 2, ks: [1, 2], maxTokens: 24 },
  heldoutCurve: { every: 1 },
});

const compareArgs = ["compare", "--demo", demo, "--out", compare, "--seeds", "2", "--config", compareConfig];

test("linewise compare trains every arm from the demo's policy, reports them with seeds, and resumes", () => {
  const r = linewise(compareArgs);
  assert.equal(r.status, 0, r.stderr);
  const report = readFileSync(join(compare, "compare.md"), "utf8");
  for (const section of [
    "## RL baseline (PPO) vs the SFT policy",
    "## GRPO baseline vs the SFT policy",
    "## Headline: RL baseline vs DenseReward + ValueInit",
    "## GRPO: outcome reward vs process rewards",
    "| process-supervised GRPO (PRM step rewards, PRM on full data) |",
    "## PSGPO Table 1",
    "## PSGPO data selection",
    "## PRLCoder",
    "## The PRMs",
    "| step-level DPO (mutation pairs, lines) |",
    "| mutation-block | mutation (rule teacher), blocks | bce |",
  ])
    assert.ok(report.includes(section), section);
  // Headline arms: two seeds each, so the cells carry a spread and Welch's t has a value (or says why not).
  assert.match(report, /\| RL baseline \(binary outcome\) \| 2 \|/);
  assert.match(report, /\| pass@1 \| \d+\.\d% \| \d+\.\d% \| [+-]\d+\.\d points \|/);
  // Every arm ran, or the report says why not (a data selection can leave a tiny PRM nothing to train on).
  for (const arm of armSpecs)
    assert.ok(
      existsSync(join(compare, "arms", arm.name, "seed-0", "eval", "rl-heldout", "summary.json")) ||
        report.includes(`Not run: ${arm.title} — prm: no training records left`),
      arm.name,
    );
  for (const arm of [
    "rl-baseline",
    "value-init",
    "dense-reward",
    "psgpo",
    "grpo-baseline",
    "grpo-steps",
    "prlcoder-block",
    "dpo-line",
  ])
    for (const split of ["rl-heldout", "compositional"])
      assert.ok(existsSync(join(compare, "arms", arm, "seed-0", "eval", split, "summary.json")), arm);
  // summary.json: the headline arms over two seeds, with Welch's t against the SFT policy's two sampling seeds.
  const summary = JSON.parse(readFileSync(join(compare, "summary.json"), "utf8"));
  const baseline = summary.arms.find(
    (a: { arm: string; split: string }) => a.arm === "rl-baseline" && a.split === "rl-heldout",
  );
  assert.equal(baseline.seeds, 2);
  assert.equal(baseline.vsBaseline, null);
  assert.equal(typeof baseline.vsSft.delta, "number");
  assert.ok(baseline.vsSft.p === null || (baseline.vsSft.p >= 0 && baseline.vsSft.p <= 1));
  assert.ok(
    summary.arms.some((a: { arm: string; split: string }) => a.arm === "sft" && a.split === "compositional"),
  );
  assert.ok(existsSync(join(compare, "arms", "psgpo", "seed-1", "final.json")));
  // Seed-major: every arm's first seed trains before any arm's second, so a run stopped early reports every arm.
  const started = (stage: string) => r.stderr.indexOf(`[${stage}] starting`);
  assert.ok(started("dpo-line/seed-0") >= 0 && started("dpo-line/seed-0") < started("rl-baseline/seed-1"));
  assert.ok(!existsSync(join(compare, "arms", "value-init", "seed-1")), "non-headline arms run one seed");
  // Same budget and policy per PPO arm; only reward, value start and PRM differ.
  const block = JSON.parse(
    readFileSync(join(compare, "arms", "prlcoder-block", "seed-0", "run", "config.json"), "utf8"),
  );
  assert.equal(block.granularity, "block");
  assert.equal(block.iterations, tinyPpo.iterations);
  assert.match(block.prm, /mutation-block/);
  assert.ok(existsSync(join(compare, "curves", "table1", "curve-passRate.svg")));
  assert.ok(existsSync(join(compare, "curves", "grpo", "curve-passRate.svg")));
  const steps = JSON.parse(
    readFileSync(join(compare, "arms", "grpo-steps", "seed-1", "run", "config.json"), "utf8"),
  );
  assert.equal(steps.processReward, "steps");
  // Sample efficiency: each RL arm's held-out curve from the SFT policy (0 rollouts) through the probed
  // checkpoint to the final evaluation; the probed checkpoint is deleted once the curve is written.
  const curve = JSON.parse(readFileSync(join(compare, "arms", "grpo-steps", "seed-1", "curve.json"), "utf8"));
  assert.deepEqual(
    curve.map((p: { rollouts: number }) => p.rollouts),
    [0, 4, 8],
  );
  assert.ok(curve.every((p: { greedyPass1: number }) => p.greedyPass1 >= 0 && p.greedyPass1 <= 1));
  const checkpoints = join(compare, "arms", "grpo-steps", "seed-1", "run", "checkpoints");
  assert.ok(!existsSync(join(checkpoints, "step-1")) && existsSync(join(checkpoints, "step-2")));
  assert.match(report, /### Sample efficiency/);
  assert.match(report, /\| GRPO, binary outcome \| 2 \| [\d.]+% ± [\d.]+ \|/);
  assert.ok(existsSync(join(compare, "curves", "grpo", "heldout-greedy.svg")));
  // Each arm is measured against its comparison's outcome-only arm: GRPO's against GRPO's.
  const grpoSteps = summary.arms.find(
    (a: { arm: string; split: string }) => a.arm === "grpo-steps" && a.split === "rl-heldout",
  );
  assert.equal(typeof grpoSteps.vsBaseline.delta, "number");
  assert.match(report, /Against GRPO, binary outcome:/);
  assert.equal(steps.iterations, tinyGrpo.iterations);

  const again = linewise(compareArgs);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /\[rl-baseline\/seed-1\] done earlier/);
  assert.doesNotMatch(again.stderr, /\] starting/);
});

test("linewise compare names a bad option or an unfinished demo run in one line", () => {
  const only = linewise(["compare", "--demo", demo, "--only", "table2"]);
  assert.equal(only.status, 2);
  assert.match(
    only.stderr,
    /--only: unknown comparison 'table2' \(known: table1, grpo, selection, prlcoder\)/,
  );
  const missing = linewise(["compare", "--demo", join(dir, "nowhere"), "--out", join(dir, "c2")]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nowhere: not a demo run with a finished SFT stage/);
  const noDemo = linewise(["compare"]);
  assert.equal(noDemo.status, 2);
  assert.match(noDemo.stderr, /--demo/);
});
