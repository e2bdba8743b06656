import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { packageRoot } from "../src/paths.js";

const cli = join(packageRoot, "bin/linewise.js");

test("linewise --help lists the commands", () => {
  const r = spawnSync(process.execPath, [cli, "--help"], { encoding: "utf8" });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage: linewise <command>/);
});

test("an unknown command is a one-line error with exit code 2", () => {
  const r = spawnSync(process.execPath, [cli, "frobnicate"], { encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.equal(r.stderr.trim().split("\n").length, 1);
});

test("linewise env --json reports libtorch, BLAS, threads, CUDA, bubblewrap and python3", () => {
  const r = spawnSync(process.execPath, [cli, "env", "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const facts = JSON.parse(r.stdout);
  assert.match(facts.libtorch, /^\d+\.\d+/);
  assert.match(facts.libtorchPath, /libtorch_cpu\.so/);
  assert.ok(facts.threads >= 1);
  for (const key of ["blas", "openblas", "cuda", "bubblewrap", "python3"]) assert.ok(key in facts, key);
});

test("an unknown option names the option and exits 2", () => {
  const r = spawnSync(process.execPath, [cli, "env", "--frob"], { encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /linewise env: Unknown option '--frob'/);
});

test("linewise demo runs end to end on a tiny budget, and a rerun resumes", () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-demo-"));
  const config = join(dir, "tiny.json");
  writeFileSync(
    config,
    JSON.stringify({
      trainProblems: 30,
      testProblems: 6,
      maxSteps: 2,
      evalSamples: 2,
      evalKs: [1, 2],
      maxTokens: 24,
      labels: { problems: 3, samples: 2, k: 2 },
      sft: {
        steps: 4,
        batchSize: 4,
        vocabSize: 300,
        evalEvery: 2,
        checkpointEvery: 2,
        logEvery: 1,
        model: { nLayer: 1, dModel: 32, nHead: 2, tieWordEmbeddings: false },
      },
    }),
  );
  const out = join(dir, "run");
  const r = spawnSync(process.execPath, [cli, "demo", "--config", config, "--out", out], {
    encoding: "utf8",
    env: { ...process.env, CI: "1" },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /test split: greedy pass@1 \d+\.\d%, pass@1 \d+\.\d%, pass@2/);
  const report = readFileSync(join(out, "report.md"), "utf8");
  for (const section of [
    "## Stage timings",
    "## SFT",
    "## pass@k on the test split",
    "| difficulty |",
    "| response tokens |",
    "## Process labels",
    "| response kind |",
  ])
    assert.ok(report.includes(section), section);
  const again = spawnSync(process.execPath, [cli, "demo", "--config", config, "--out", out], {
    encoding: "utf8",
    env: { ...process.env, CI: "1" },
  });
  assert.equal(again.status, 0, again.stderr);
  for (const stage of ["suite", "tokenizer", "sft", "eval", "labels"])
    assert.match(again.stderr, new RegExp(`\\[${stage}\\] done earlier`));
});

test("linewise demo --config rejects an unknown setting in one line", () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-demo-"));
  const config = join(dir, "bad.json");
  writeFileSync(config, JSON.stringify({ trainProblem: 3 }));
  const r = spawnSync(process.execPath, [cli, "demo", "--config", config, "--out", join(dir, "run")], {
    encoding: "utf8",
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown setting 'trainProblem'/);
});
