import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setNumThreads } from "../../src/torch/index.js";
import { UsageError } from "../../src/cli/command.js";
import { sftCommand } from "../../src/cli/commands/sft.js";
import { readMetrics, readRunConfig } from "../../src/runs/index.js";

// Tiny matrices gain nothing from a second thread, and OpenMP's barriers cost a lot on a busy 2-core machine.
setNumThreads(1);

test("linewise sft trains a tiny model into a run folder, resumes it with more --steps, and reports bad input in one line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-sft-cli-"));
  try {
    const data = join(dir, "data.jsonl");
    const rows = ["add", "sub", "mul"].map((op, i) => ({
      prompt: `def ${op}(a, b):\n`,
      completion: `    return a ${"+-*"[i]} b\n`,
    }));
    writeFileSync(data, rows.map((r) => JSON.stringify(r) + "\n").join(""));
    const config = join(dir, "config.json");
    writeFileSync(
      config,
      JSON.stringify({
        vocabSize: 280,
        model: { nLayer: 1, dModel: 32, nHead: 2 },
        batchSize: 2,
        evalFraction: 0,
        logEvery: 1,
      }),
    );
    const run = join(dir, "run");

    assert.equal(await sftCommand.run(["--data", data, "--out", run, "--config", config, "--steps", "2"]), 0);
    assert.ok(existsSync(join(run, "checkpoints", "step-2", "model.safetensors")));
    assert.equal((readRunConfig(run) as { steps: number; model: { dModel: number } }).model.dModel, 32);

    const resume = ["--resume", "--steps", "3", "--gradient-checkpointing", "on"];
    assert.equal(await sftCommand.run(["--data", data, "--out", run, ...resume]), 0);
    assert.deepEqual(
      readMetrics(run).map((r) => r.step),
      [1, 2, 3],
    );

    const usage = async (argv: string[], message: RegExp) =>
      assert.rejects(
        sftCommand.run(argv),
        (e: Error) => e instanceof UsageError && message.test(e.message) && !e.message.includes("\n"),
      );
    await usage(["--data", data, "--out", run, "--config", config], /already holds a run/);
    await usage(["--data", data, "--out", run, "--config", config, "--resume"], /drop --config/);
    writeFileSync(join(dir, "bad.jsonl"), '{"prompt": "x", "completion": "y"}\n{"prompt": 1}\n');
    await usage(["--data", join(dir, "bad.jsonl"), "--out", join(dir, "run2")], /bad\.jsonl:2: /);
    writeFileSync(join(dir, "typo.json"), '{"step": 3}');
    await usage(
      ["--data", data, "--out", join(dir, "run3"), "--config", join(dir, "typo.json")],
      /typo\.json: unknown field "step"/,
    );
    await usage(
      ["--data", data, "--out", join(dir, "run4"), "--steps", "0"],
      /--steps expects a positive integer/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
