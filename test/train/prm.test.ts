import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memory, setNumThreads } from "../../src/torch/index.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/model/index.js";
import { Tokenizer } from "../../src/model/tokenizer/index.js";
import { tinyLlama } from "../helpers/tiny-model.js";
import { Rng } from "../../src/problems/suite/random.js";
import { responseKind, type LabelRecord, type StepLabel } from "../../src/labels/records.js";
import { ConfigError, listCheckpoints, readMetrics, resolveConfig } from "../../src/runs/index.js";
import { UsageError } from "../../src/cli/command.js";
import { trainPrmCommand } from "../../src/cli/commands/train-prm.js";
import { PrmScorer, heldOutScoresFile, prmDefaults, trainPrm, type PrmConfig } from "../../src/train/prm.js";
import { auc, prmMetrics } from "../../src/train/prm-metrics.js";
import { shuffled } from "../../src/train/order.js";

// Tiny matrices gain nothing from a second thread, and OpenMP's barriers cost a lot on a busy 2-core machine.
setNumThreads(1);

/**
 * The planted rule: a line calling `oops(…)` is wrong (−1), any other code line is right (+1), a comment
 * line is neutral (0). Nothing else tells them apart, so only a PRM that reads each line can score well.
 */
function plantedLine(rng: Rng): { text: string; label: StepLabel } {
  const [a, b, n] = [rng.int(0, 9), rng.int(0, 9), rng.int(1, 9)];
  const roll = rng.float();
  if (roll < 0.1) return { text: `    # step ${n}\n`, label: 0 };
  if (roll < 0.45) return { text: `    v${a} = oops(v${b})\n`, label: -1 };
  return { text: `    v${a} = v${b} + ${n}\n`, label: 1 };
}

function plantedRecords(problems: number, perProblem: number, seed = 0): LabelRecord[] {
  const rng = new Rng(`planted/${seed}`);
  const records: LabelRecord[] = [];
  for (let p = 0; p < problems; p++) {
    for (let k = 0; k < perProblem; k++) {
      const lines = Array.from({ length: rng.int(3, 6) }, () => plantedLine(rng));
      const steps = lines.map((l) => l.text);
      const labels = lines.map((l) => l.label);
      const firstError = labels.indexOf(-1);
      records.push({
        problemId: `p${p}`,
        prompt: `def f${p}(v0):\n`,
        response: steps.join(""),
        steps,
        labels,
        firstError: firstError < 0 ? null : firstError,
        kind: responseKind(firstError < 0, labels),
        method: "mutation",
        policy: "planted",
        cost: { completions: 0, executions: 0, ms: 0 },
      });
    }
  }
  return records;
}

/** A tiny policy checkpoint (LM head) with a tokenizer trained on the records' text: the PRM's init. */
function tinyPolicy(dir: string, records: readonly LabelRecord[]): string {
  const tokenizer = Tokenizer.train(
    records.map((r) => r.prompt + r.response),
    { vocabSize: 300 },
  );
  const model = tinyLlama(tokenizer);
  const path = join(dir, "policy");
  saveCheckpoint(path, model, tokenizer);
  model.dispose();
  return path;
}

const tiny = (init: string, fields: object = {}): PrmConfig =>
  resolveConfig(
    prmDefaults,
    {
      init,
      batchSize: 16,
      lr: 3e-3,
      warmupSteps: 10,
      weightDecay: 0,
      heldOutFraction: 0.25,
      logEvery: 10,
      ...fields,
    },
    "tiny",
  );

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "linewise-prm-"));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const records = plantedRecords(64, 2);

test(
  "a PRM learns the planted rule (a line with the marker is −1) to high held-out accuracy, and PrmScorer reads it back",
  withDir(async (dir) => {
    const init = tinyPolicy(dir, records);
    const before = memory().tensors;
    const result = await trainPrm(
      tiny(init, { steps: 150, evalEvery: 75, checkpointEvery: 1000 }),
      records,
      join(dir, "run"),
      { quiet: true },
    );
    assert.equal(memory().tensors, before, "training leaves no live tensors behind");
    assert.deepEqual(result.problems, { train: 48, heldOut: 16 });
    assert.equal(result.records.train + result.records.heldOut, records.length);
    const m = result.heldOut!;
    assert.ok(
      m.accuracyPositive! > 0.9 && m.accuracyNegative! > 0.9,
      `per-class accuracy ${m.accuracyPositive}, ${m.accuracyNegative}`,
    );
    assert.ok(m.auc! > 0.95, `AUC ${m.auc}`);
    assert.ok(m.neutralMeanAbs! < 0.5, `neutral lines score near 0: ${m.neutralMeanAbs}`);
    assert.ok(m.byPosition.length >= 3 && m.byPosition.every((b) => b.steps > 0));
    const rows = readMetrics(join(dir, "run"));
    assert.deepEqual(
      rows.filter((r) => "heldOut/auc" in r).map((r) => r.step),
      [75, 150],
    );
    assert.equal(rows.at(-1)!["heldOut/auc"], m.auc);

    // A new response: the scorer puts the marker line below 0 and the others above, one score per step.
    const scorer = PrmScorer.load(result.checkpoint);
    assert.equal(scorer.loss, "mse");
    const steps = ["    v1 = v0 + 2\n", "    v2 = oops(v1)\n", "    v3 = v2 + 5\n"];
    const scores = scorer.score("def g(v0):\n", steps.join(""), steps);
    assert.equal(scores.length, 3);
    assert.ok(scores[0]! > 0 && scores[1]! < 0 && scores[2]! > 0, `scores ${scores}`);
    const batch = scorer.scoreBatch([
      { prompt: "def long_prompt_name(v0, v1):\n", response: steps[0]!, steps: [steps[0]!] },
      { prompt: "def g(v0):\n", response: steps.join(""), steps },
    ]);
    batch[1]!.forEach((s, i) =>
      assert.ok(Math.abs(s - scores[i]!) < 1e-4, "left padding in a batch does not change a score"),
    );
    scorer.dispose();
  }),
);

test(
  "the same labels in another problem order train the same PRM (labelling appends problems as they finish)",
  withDir(async (dir) => {
    const init = tinyPolicy(dir, records);
    // Problems finished in another order; each problem's own records keep theirs, as labelling writes them.
    const problemIds = [...new Set(records.map((r) => r.problemId))];
    const finishOrder = shuffled(problemIds.length, "finish-order").map((i) => problemIds[i]!);
    const reordered = finishOrder.flatMap((id) => records.filter((r) => r.problemId === id));
    assert.notDeepEqual(reordered, records);
    const config = tiny(init, { steps: 20, evalEvery: 20, checkpointEvery: 1000 });
    const first = await trainPrm(config, records, join(dir, "a"), { quiet: true });
    const second = await trainPrm(config, reordered, join(dir, "b"), { quiet: true });
    const losses = (run: string) => readMetrics(join(dir, run)).map((r) => r.loss);
    assert.deepEqual(losses("b"), losses("a"));
    assert.deepEqual(second.heldOut, first.heldOut);
  }),
);

test(
  "BCE on chosen/rejected steps learns the rule too; neutral steps are left out of the loss",
  withDir(async (dir) => {
    const init = tinyPolicy(dir, records);
    const result = await trainPrm(
      tiny(init, { loss: "bce", steps: 120, evalEvery: 1000, checkpointEvery: 1000 }),
      records,
      join(dir, "run"),
      { quiet: true },
    );
    assert.ok(
      result.heldOut!.balancedAccuracy! > 0.9,
      `balanced accuracy ${result.heldOut!.balancedAccuracy}`,
    );
    const scorer = PrmScorer.load(result.checkpoint);
    assert.equal(scorer.loss, "bce");
    const steps = ["    v4 = oops(v0)\n", "    v5 = v4 + 1\n"];
    const scores = scorer.score("def h(v0):\n", steps.join(""), steps);
    assert.ok(
      scores.every((s) => s > -1 && s < 1),
      "BCE scores are 2σ(z) − 1, inside (−1, 1)",
    );
    assert.ok(scores[0]! < 0 && scores[1]! > 0, `scores ${scores}`);
    scorer.dispose();
  }),
);

test(
  "stopping and resuming from the last checkpoint gives the same weights and metrics as one uninterrupted run",
  withDir(async (dir) => {
    const init = tinyPolicy(dir, records);
    const config = tiny(init, {
      steps: 12,
      batchSize: 8,
      evalEvery: 4,
      checkpointEvery: 4,
      keepCheckpoints: 3,
      logEvery: 2,
    });
    const straight = join(dir, "straight");
    const interrupted = join(dir, "interrupted");
    await trainPrm(config, records, straight, { quiet: true });

    const stop = new AbortController();
    const first = await trainPrm(config, records, interrupted, {
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
      trainPrm({ ...config, loss: "bce" }, records, interrupted, { quiet: true, resume: true }),
      (e: Error) => e instanceof ConfigError && /differs .* in loss/.test(e.message),
    );
    await assert.rejects(
      trainPrm(config, records.slice(1), interrupted, { quiet: true, resume: true }),
      /label records differ/,
    );
    const resumed = await trainPrm(config, records, interrupted, { quiet: true, resume: true });
    assert.equal(resumed.stopped, false);

    for (const file of ["model.safetensors", "trainer.safetensors", "prm.json"]) {
      const read = (run: string) => readFileSync(join(run, "checkpoints", "step-12", file));
      assert.ok(read(straight).equals(read(interrupted)), `${file} is identical`);
    }
    const numbers = (run: string) => readMetrics(run).map(({ wallTime: _, ...row }) => row);
    assert.deepEqual(numbers(interrupted), numbers(straight));
  }),
);

test(
  "selection picks among training records only; a value-model init gets a fresh head unless keepHead",
  withDir(async (dir) => {
    const init = tinyPolicy(dir, records);
    const revised = await trainPrm(
      tiny(init, { select: "revised-only", steps: 1 }),
      records,
      join(dir, "revised"),
      { quiet: true },
    );
    const trainRecords = records.length - revised.records.heldOut;
    const revisedCount = records.filter((r) => r.kind === "revised").length;
    assert.ok(
      revised.records.unselected > 0 && revised.records.train < revisedCount,
      `${revised.records.train} of ${revisedCount} revised records train`,
    );
    assert.equal(revised.records.train + revised.records.unselected, trainRecords);

    // The 1-step PRM as init: its head is dropped (fresh, seeded) by default and kept with keepHead.
    const head = (ckpt: string) => {
      const model = loadCheckpoint(ckpt);
      const weights = model.scoreHead!.weight.toFlatArray();
      model.dispose();
      return weights;
    };
    const fresh = await trainPrm(
      tiny(revised.checkpoint, { steps: 1, lr: 1e-9, warmupSteps: 0 }),
      records,
      join(dir, "fresh"),
      { quiet: true },
    );
    const kept = await trainPrm(
      tiny(revised.checkpoint, { steps: 1, lr: 1e-9, warmupSteps: 0, keepHead: true }),
      records,
      join(dir, "kept"),
      { quiet: true },
    );
    const close = (a: number[], b: number[]) => a.every((x, i) => Math.abs(x - b[i]!) < 1e-6);
    assert.ok(close(head(kept.checkpoint), head(revised.checkpoint)), "keepHead keeps the init's head");
    assert.ok(!close(head(fresh.checkpoint), head(revised.checkpoint)), "a fresh head otherwise");

    await assert.rejects(
      trainPrm({ ...tiny(init), init: null }, records, join(dir, "x"), { quiet: true }),
      /init must be a checkpoint folder/,
    );
    await assert.rejects(
      trainPrm(tiny(init, { select: "easy-only" }), records, join(dir, "y"), { quiet: true }),
      /select must be "full", "remove-hard", "medium-only" or "revised-only"/,
    );
  }),
);

test("held-out metrics: per-class sign accuracy, AUC with ties, accuracy by step position", () => {
  assert.equal(auc([0.9, 0.8], [0.1, 0.2]), 1);
  assert.equal(auc([0.1], [0.9]), 0);
  assert.equal(auc([0.5, 0.9], [0.5, 0.1]), 0.875, "a tie counts half: (1 + 1 + 0.5 + 1) / 4");
  assert.equal(auc([1], []), null);
  const m = prmMetrics([
    { label: 1, score: 0.7, position: 0 },
    { label: 1, score: -0.2, position: 1 },
    { label: -1, score: -0.9, position: 2 },
    { label: -1, score: -0.1, position: 3 },
    { label: 0, score: 0.3, position: 4 },
    { label: 1, score: 0.4, position: 20 },
  ]);
  assert.equal(m.steps, 5);
  assert.equal(m.accuracyPositive, 2 / 3);
  assert.equal(m.accuracyNegative, 1);
  assert.equal(m.accuracy, 4 / 5);
  assert.equal(m.balancedAccuracy, (2 / 3 + 1) / 2);
  assert.equal(m.neutralMeanAbs, 0.3);
  assert.deepEqual(m.byPosition, [
    { bucket: "1", steps: 1, accuracy: 1 },
    { bucket: "2", steps: 1, accuracy: 0 },
    { bucket: "3-4", steps: 2, accuracy: 1 },
    { bucket: "17+", steps: 1, accuracy: 1 },
  ]);
});

test(
  "linewise train-prm trains into a run folder, resumes with more --steps, and reports bad input in one line",
  withDir(async (dir) => {
    const init = tinyPolicy(dir, records);
    const labels = join(dir, "labels.jsonl");
    writeFileSync(
      labels,
      records
        .slice(0, 16)
        .map((r) => JSON.stringify(r) + "\n")
        .join(""),
    );
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ batchSize: 4, heldOutFraction: 0.25, logEvery: 1 }));
    const run = join(dir, "run");
    assert.equal(
      await trainPrmCommand.run([
        "--labels",
        labels,
        "--init",
        init,
        "--out",
        run,
        "--loss",
        "bce",
        "--select",
        "remove-hard",
        "--config",
        config,
        "--steps",
        "2",
      ]),
      0,
    );
    assert.equal(
      await trainPrmCommand.run([
        ...["--labels", labels, "--out", run, "--resume", "--steps", "3"],
        ...["--gradient-checkpointing", "on"],
      ]),
      0,
    );
    assert.deepEqual(
      readMetrics(run).map((r) => r.step),
      [1, 2, 3],
    );
    assert.equal(
      JSON.parse(readFileSync(join(run, "checkpoints", "step-3", "prm.json"), "utf8")).loss,
      "bce",
    );

    const usage = async (argv: string[], message: RegExp) =>
      assert.rejects(
        trainPrmCommand.run(argv),
        (e: Error) => e instanceof UsageError && message.test(e.message) && !e.message.includes("\n"),
      );
    await usage(["--labels", labels, "--init", init, "--out", run], /already holds a run/);
    await usage(["--labels", labels, "--out", join(dir, "r2")], /--init is required/);
    await usage(
      ["--labels", labels, "--init", init, "--out", join(dir, "r3"), "--loss", "hinge"],
      /--loss expects mse or bce/,
    );
    await usage(
      ["--labels", labels, "--init", init, "--out", join(dir, "r4"), "--select", "easy"],
      /--select expects one of full, remove-hard/,
    );
    await usage(
      ["--labels", join(dir, "none.jsonl"), "--init", init, "--out", join(dir, "r5")],
      /none\.jsonl: no such file/,
    );
    await usage(
      ["--labels", labels, "--init", join(dir, "nothing"), "--out", join(dir, "r6")],
      /--init: .*not a checkpoint folder/,
    );
    await usage(
      ["--labels", labels, "--init", dir, "--out", join(dir, "r6")],
      /--init: .*config\.json: field "num_attention_heads" must be a number/,
    );
    writeFileSync(
      join(dir, "bad.jsonl"),
      JSON.stringify(records[0]) + "\n" + '{"problemId": "x"}\n' + JSON.stringify(records[1]) + "\n",
    );
    await usage(
      ["--labels", join(dir, "bad.jsonl"), "--init", init, "--out", join(dir, "r7")],
      /bad\.jsonl:2: not a label record/,
    );
    await usage(
      [
        "--labels",
        labels,
        "--eval-labels",
        join(dir, "none.jsonl"),
        "--init",
        init,
        "--out",
        join(dir, "r8"),
      ],
      /--eval-labels .*none\.jsonl: no such file/,
    );
    await usage(
      ["--labels", labels, "--eval-labels", labels, "--init", init, "--out", join(dir, "r9")],
      /problem p0 is in both the training and the evaluation labels/,
    );
  }),
);

test(
  "with evaluation records of other problems a PRM trains on every record and is scored on exactly those",
  withDir(async (dir) => {
    const init = tinyPolicy(dir, records);
    const evalIds = new Set(records.slice(-16 * 2).map((r) => r.problemId));
    const evalRecords = records.filter((r) => evalIds.has(r.problemId));
    const training = records.filter((r) => !evalIds.has(r.problemId));
    const run = join(dir, "run");
    const result = await trainPrm(
      tiny(init, { steps: 150, evalEvery: 150, checkpointEvery: 1000 }),
      training,
      run,
      {
        quiet: true,
        evalRecords,
      },
    );
    assert.deepEqual(result.problems, { train: 64 - evalIds.size, heldOut: evalIds.size });
    assert.equal(result.records.train, training.length, "heldOutFraction is unused: every record trains");
    assert.equal(result.records.heldOut, evalRecords.length);
    assert.ok(result.heldOut!.auc! > 0.95, `AUC ${result.heldOut!.auc}`);
    const scored = readFileSync(join(run, heldOutScoresFile), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).problemId as string);
    assert.deepEqual(new Set(scored), evalIds);
    // The evaluation records decide which records train: a resume without them (or with others) is refused.
    for (const other of [undefined, evalRecords.slice(2)])
      await assert.rejects(
        trainPrm(tiny(init, { steps: 160, evalEvery: 150, checkpointEvery: 1000 }), training, run, {
          quiet: true,
          resume: true,
          evalRecords: other,
        }),
        /differ from those the run was trained on; resume with the same records \(and the same --eval-labels/,
      );
    const resumed = await trainPrm(
      tiny(init, { steps: 160, evalEvery: 150, checkpointEvery: 1000 }),
      training,
      run,
      { quiet: true, resume: true, evalRecords: [...evalRecords.slice(16), ...evalRecords.slice(0, 16)] },
    );
    assert.equal(resumed.step, 160, "the same evaluation records, their problems in another order, resume");
  }),
);
