import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { distributedUnsupported, setNumThreads } from "../../src/torch/index.js";
import { spawn } from "node:child_process";
import { packageRoot } from "../../src/paths.js";
import { sftCommand } from "../../src/cli/commands/sft.js";
import { UsageError } from "../../src/cli/command.js";
import { readMetrics } from "../../src/runs/index.js";
import { assertSameTraining, tinySftJob } from "./data-parallel-helpers.js";

// The ranks are child processes: one thread each, as this process, so every run does the same arithmetic.
setNumThreads(1);
process.env.LINEWISE_THREADS = "1";

const skip = distributedUnsupported() ?? false;
const linewise = join(packageRoot, "bin/linewise.js");

test(
  "sft --nproc 2 trains the weights of one process on the same global batch (uneven shares, an empty one), resumes with 2 ranks, and stops both ranks on one Ctrl-C",
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "linewise-ddp-sft-"));
    try {
      // 2 of 9 examples held out (split over the ranks too); batch 3 of the 7 others: shares of 1 and 2 rows of different lengths, and an epoch's last batch of 1
      // (rank 0 then has no row), so the token-count weighting and the empty share are both exercised
      const ops = ["add", "sub", "mul", "div", "mod", "pow", "max", "min", "gcd"];
      const { data, config } = tinySftJob(dir, ops, {
        batchSize: 3,
        evalFraction: 0.25,
        evalEvery: 2,
        logEvery: 1,
        minLrRatio: 1, // a constant rate, so that a run of 2 steps resumed to 4 is one of 4
        checkpointEvery: 1,
        keepCheckpoints: 4,
      });
      const one = join(dir, "one");
      const two = join(dir, "two");
      const argv = (out: string) => ["--data", data, "--out", out, "--config", config, "--steps", "4"];
      assert.equal(await sftCommand.run(argv(one)), 0);
      assert.equal(await sftCommand.run([...argv(two), "--nproc", "2"]), 0);
      const weights = (run: string, step: number) => join(run, `checkpoints/step-${step}/model.safetensors`);
      assertSameTraining(weights(one, 1), weights(one, 4), weights(two, 4), 1e-7);
      const loss = (run: string) => readMetrics(run).map((r) => r.loss as number);
      const evalLoss = (run: string) => readMetrics(run).map((r) => (r.evalLoss as number | undefined) ?? -1);
      assert.equal(evalLoss(one).filter((l) => l > 0).length, 2);
      evalLoss(one).forEach((l, i) =>
        assert.ok(Math.abs(l - evalLoss(two)[i]!) < 1e-5, `eval ${l} vs ${evalLoss(two)[i]}`),
      );
      loss(one).forEach((l, i) =>
        assert.ok(Math.abs(l - loss(two)[i]!) < 1e-5, `step ${i + 1}: loss ${l} vs ${loss(two)[i]}`),
      );

      // stopped after 2 steps and resumed by 2 ranks: the same training again
      const resumed = join(dir, "resumed");
      const first = argv(resumed).map((a) => (a === "4" ? "2" : a));
      assert.equal(await sftCommand.run([...first, "--nproc", "2"]), 0);
      const more = ["--data", data, "--out", resumed, "--resume", "--steps", "4", "--nproc", "2"];
      assert.equal(await sftCommand.run(more), 0);
      assertSameTraining(weights(one, 1), weights(one, 4), weights(resumed, 4), 1e-7);

      // Ctrl-C reaches the launcher only (the ranks have their own process group): it stops both ranks at
      // the same step, after which rank 0 writes the checkpoint and the run resumes
      const interrupted = join(dir, "interrupted");
      const long = argv(interrupted).map((a) => (a === "4" ? "100000" : a));
      const child = spawn(process.execPath, [linewise, "sft", ...long, "--nproc", "2"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      let signalled = false;
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        // One Ctrl-C only: a second one quits at once, without the checkpoint (several chunks of progress
        // may arrive before the timer fires, so the flag is set when the kill is scheduled).
        if (/data-parallel over 2 ranks/.test(stderr) && !signalled) {
          signalled = true;
          setTimeout(() => child.kill("SIGINT"), 300);
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      assert.equal(code, 130, stderr);
      assert.match(stderr, /stopped at step \d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "sft --nproc: a bad count is a one-line usage error, and a failing rank's exit code is the launcher's",
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "linewise-ddp-launch-"));
    try {
      const base = ["--data", join(dir, "missing.jsonl"), "--out", join(dir, "run")];
      await assert.rejects(
        sftCommand.run([...base, "--nproc", "0"]),
        (e: Error) =>
          e instanceof UsageError && /--nproc expects an integer from 1 to 256, got '0'/.test(e.message),
      );
      // every rank fails on the missing file (a usage error: exit code 2), and so does the launcher
      assert.equal(await sftCommand.run([...base, "--nproc", "2"]), 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "sft --nproc 2 --precision bfloat16 trains as one bf16 process does: the ranks all-reduce the float32 masters' gradients",
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "linewise-ddp-bf16-"));
    try {
      const { data, config } = tinySftJob(dir, ["add", "sub", "mul", "max"], {
        batchSize: 4,
        evalFraction: 0,
        checkpointEvery: 1,
        keepCheckpoints: 4,
        precision: "bfloat16",
      });
      const argv = (out: string) => [
        "--data",
        data,
        "--out",
        join(dir, out),
        "--config",
        config,
        "--steps",
        "3",
      ];
      assert.equal(await sftCommand.run(argv("one")), 0);
      assert.equal(await sftCommand.run([...argv("two"), "--nproc", "2"]), 0);
      const weights = (run: string, step: number) =>
        join(dir, run, `checkpoints/step-${step}/model.safetensors`);
      // Each rank's bf16 gradients are rounded before their float32 sum: equal up to bf16 rounding of a step.
      assertSameTraining(weights("one", 1), weights("one", 3), weights("two", 3), 1e-4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
