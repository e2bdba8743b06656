import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memory, setNumThreads } from "../../src/torch/index.js";
import { encodePrompt, generate, loadCheckpoint } from "../../src/model/index.js";
import { Tokenizer } from "../../src/model/tokenizer/index.js";
import { ConfigError, listCheckpoints, readMetrics, resolveConfig } from "../../src/runs/index.js";
import { sftDefaults, trainSft, type SftConfig, type SftExample } from "../../src/train/sft.js";

// Tiny matrices gain nothing from a second thread, and OpenMP's barriers cost a lot on a busy 2-core machine.
setNumThreads(1);

/** Four tiny problems in the built-in suite's convention: signature and docstring, then the body. */
const problems: SftExample[] = [
  { prompt: 'def add(a, b):\n    """Return a plus b."""\n', completion: "    return a + b\n" },
  { prompt: 'def double(x):\n    """Return twice x."""\n', completion: "    return 2 * x\n" },
  { prompt: 'def is_even(n):\n    """Return whether n is even."""\n', completion: "    return n % 2 == 0\n" },
  {
    prompt: 'def last(xs):\n    """Return the last item of xs, or None."""\n',
    completion: "    if not xs:\n        return None\n    return xs[-1]\n",
  },
];

/** A 2-layer, width-64 model on a 300-token vocabulary trained from the problems. */
const tiny: SftConfig = resolveConfig(
  sftDefaults,
  {
    vocabSize: 300,
    model: { nLayer: 2, dModel: 64, nHead: 2 },
    maxLength: 64,
    batchSize: 4,
    lr: 1e-2,
    warmupSteps: 10,
    weightDecay: 0,
    evalFraction: 0,
  },
  "tiny",
);

function withDirs(fn: (...dirs: string[]) => Promise<void>): () => Promise<void> {
  return async () => {
    const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), "linewise-sft-")));
    try {
      await fn(...dirs);
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  };
}

test(
  "SFT overfits four tiny problems: greedy generation then writes each solution exactly",
  withDirs(async (run) => {
    const before = memory().tensors;
    const result = await trainSft({ ...tiny, steps: 120, checkpointEvery: 1000 }, problems, run, {
      quiet: true,
    });
    const afterTraining = memory().tensors;
    // Whatever merely building and disposing this model leaves behind is not the trainer's doing.
    loadCheckpoint(result.checkpoint).dispose();
    const modelLeak = memory().tensors - afterTraining;
    assert.equal(afterTraining - before, modelLeak, "training leaves no live tensors behind");
    assert.equal(result.checkpoint, join(run, "checkpoints", "step-120"));
    assert.ok(result.loss! < 0.05, `final loss ${result.loss}`);

    const model = loadCheckpoint(result.checkpoint);
    const tokenizer = Tokenizer.load(result.checkpoint);
    const samples = generate(
      model,
      problems.map((p) => ({ prompt: encodePrompt(tokenizer, p.prompt), maxNewTokens: 40 })),
      { tokenizer },
    );
    samples.forEach(([sample], i) => {
      assert.equal(sample!.text, problems[i]!.completion);
      assert.equal(sample!.finishReason, "stop", "ends with the end token");
    });
    model.dispose();
  }),
);

test(
  "stopping and resuming from the last checkpoint gives the same weights and metrics as one uninterrupted run",
  withDirs(async (straight, interrupted) => {
    // 3 training examples + 1 held out, 2 per batch: epochs of 2 steps, so the run crosses several shuffles.
    const config: SftConfig = {
      ...tiny,
      steps: 12,
      batchSize: 2,
      evalFraction: 0.25,
      evalEvery: 4,
      checkpointEvery: 4,
      keepCheckpoints: 3,
      logEvery: 2,
    };
    await trainSft(config, problems, straight, { quiet: true });

    const stop = new AbortController();
    const first = await trainSft(config, problems, interrupted, {
      quiet: true,
      signal: stop.signal,
      onProgress: (p) => p.step === 6 && stop.abort(),
    });
    assert.equal(first.stopped, true);
    assert.deepEqual(
      listCheckpoints(interrupted).map((c) => c.step),
      [4, 6],
    );
    // As if killed after step 6 before writing its checkpoint: steps 5 and 6 are redone from step 4.
    rmSync(join(interrupted, "checkpoints", "step-6"), { recursive: true });
    await assert.rejects(
      trainSft({ ...config, lr: 0.5 }, problems, interrupted, { quiet: true, resume: true }),
      (e: Error) => e instanceof ConfigError && /differs .* in lr/.test(e.message),
    );
    const resumed = await trainSft(config, problems, interrupted, { quiet: true, resume: true });
    assert.equal(resumed.stopped, false);

    for (const file of ["model.safetensors", "trainer.safetensors"]) {
      const read = (run: string) => readFileSync(join(run, "checkpoints", "step-12", file));
      assert.ok(read(straight).equals(read(interrupted)), `${file} is identical`);
    }
    const numbers = (run: string) =>
      readMetrics(run).map(({ step, loss, lr, gradNorm, tokens, evalLoss }) => ({
        step,
        loss,
        lr,
        gradNorm,
        tokens,
        evalLoss,
      }));
    assert.deepEqual(numbers(interrupted), numbers(straight));
  }),
);

test(
  "metrics.jsonl has a row every logEvery steps with the expected fields, and evalLoss on evaluation steps",
  withDirs(async (run) => {
    const config: SftConfig = {
      ...tiny,
      steps: 6,
      batchSize: 2,
      evalFraction: 0.25,
      evalEvery: 3,
      logEvery: 2,
      checkpointEvery: 1000,
    };
    const result = await trainSft(config, problems, run, { quiet: true });
    const rows = readMetrics(run);
    assert.deepEqual(
      rows.map((r) => r.step),
      [2, 3, 4, 6],
    );
    for (const row of rows) {
      for (const field of ["epoch", "loss", "lr", "gradNorm", "tokens", "tokensPerSecond", "wallTime"]) {
        assert.equal(typeof row[field], "number", `${field} in ${JSON.stringify(row)}`);
        assert.ok(Number.isFinite(row[field] as number), `${field} is finite`);
      }
    }
    assert.deepEqual(
      rows.map((r) => "evalLoss" in r),
      [false, true, false, true],
    );
    assert.equal(rows[3]!.evalLoss, result.evalLoss);
    assert.equal(rows[3]!.epoch, 3, "3 training examples, 2 per batch: 2 steps an epoch");
    assert.deepEqual(result.examples, { train: 3, eval: 1, skipped: 0 });
  }),
);
