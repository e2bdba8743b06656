import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { distributedUnsupported, setNumThreads } from "../../src/torch/index.js";
import { sftCommand } from "../../src/cli/commands/sft.js";
import { readMetrics } from "../../src/runs/index.js";
import { assertSameTraining } from "./data-parallel-helpers.js";

// The ranks are child processes: one thread each, as this process, so every run does the same arithmetic.
setNumThreads(1);
process.env.LINEWISE_THREADS = "1";

const skip = distributedUnsupported() ?? false;

test(
  "sft --nproc 2 trains the same weights as one process on the same global batch, with uneven shares",
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "linewise-ddp-sft-"));
    try {
      const data = join(dir, "data.jsonl");
      const ops = ["add", "sub", "mul", "div", "mod", "pow", "max"];
      const rows = ops.map((op, i) => ({
        prompt: `def ${op}(a, b):\n`,
        completion: `    return ${"a".repeat(i + 1)} ${op} b\n`,
      }));
      writeFileSync(data, rows.map((r) => JSON.stringify(r) + "\n").join(""));
      const config = join(dir, "config.json");
      // batch 3 of 7 examples: shares of 1 and 2 rows of different lengths, and an epoch's last batch of 1
      // (rank 0 then has no row), so the token-count weighting and the empty share are both exercised
      writeFileSync(
        config,
        JSON.stringify({
          vocabSize: 280,
          model: { nLayer: 1, dModel: 32, nHead: 2 },
          batchSize: 3,
          evalFraction: 0,
          logEvery: 1,
          lr: 1e-2,
          warmupSteps: 0,
          checkpointEvery: 1,
          keepCheckpoints: 4,
        }),
      );
      const one = join(dir, "one");
      const two = join(dir, "two");
      const argv = (out: string) => ["--data", data, "--out", out, "--config", config, "--steps", "4"];
      assert.equal(await sftCommand.run(argv(one)), 0);
      assert.equal(await sftCommand.run([...argv(two), "--nproc", "2"]), 0);
      const weights = (run: string, step: number) => join(run, `checkpoints/step-${step}/model.safetensors`);
      assertSameTraining(weights(one, 1), weights(one, 4), weights(two, 4), 1e-7);
      const loss = (run: string) => readMetrics(run).map((r) => r.loss as number);
      loss(one).forEach((l, i) =>
        assert.ok(Math.abs(l - loss(two)[i]!) < 1e-5, `step ${i + 1}: loss ${l} vs ${loss(two)[i]}`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
