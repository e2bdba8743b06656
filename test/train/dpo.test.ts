import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memory, scope, tensor } from "../../src/torch/index.js";
import { loadCheckpoint } from "../../src/model/index.js";
import { Tokenizer } from "../../src/model/tokenizer/index.js";
import { listCheckpoints, readMetrics } from "../../src/runs/index.js";
import {
  dpoDefaults,
  dpoLoss,
  pairLogProbs,
  trainDpo,
  type DpoConfig,
  type DpoPair,
} from "../../src/train/dpo.js";
import { tinyBodies, tinyPolicy } from "./ppo-tiny.js";

const near = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-5, `${what}: ${actual} vs ${expected}`);

test("the DPO loss and implicit rewards match hand-computed values", () => {
  scope(() => {
    const { loss, chosenRewards, rejectedRewards } = dpoLoss(
      tensor([-1, -2]),
      tensor([-3, -1]),
      tensor([-2, -2]),
      tensor([-2, -2]),
      0.5,
    );
    // pair 0: Δ = (−1 + 2) − (−3 + 2) = 2, −log σ(0.5·2) = log(1 + e^−1); pair 1: Δ = 0 − 1 = −1, −log σ(−0.5) = log(1 + e^0.5)
    near(loss.item(), (Math.log(1 + Math.exp(-1)) + Math.log(1 + Math.exp(0.5))) / 2, "loss");
    assert.deepEqual(chosenRewards.toFlatArray(), [0.5, 0]);
    assert.deepEqual(rejectedRewards.toFlatArray(), [-0.5, 0.5]);
  });
});

let dir: string;
/** A policy that learnt the WRONG bodies, written as two lines: `y = <expression>` then `return y`. */
let policy: string;
/** Step pairs at the first line: the right assignment chosen, the wrong one rejected. */
const pairs: DpoPair[] = tinyBodies.map((b) => ({
  problemId: b.id,
  prompt: b.prompt,
  chosen: b.right.replace("return ", "y = "),
  rejected: b.wrong.replace("return ", "y = "),
  whole: false,
}));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "linewise-dpo-"));
  policy = await tinyPolicy(
    dir,
    tinyBodies.map((b) => ({
      prompt: b.prompt,
      completion: b.wrong.replace("return ", "y = ") + "    return y\n",
    })),
  );
});

after(() => rmSync(dir, { recursive: true, force: true }));

const tiny = (overrides: Partial<DpoConfig> = {}): DpoConfig => ({
  ...dpoDefaults,
  policy,
  lr: 1e-3,
  epochs: 30,
  batchSize: 4,
  warmupSteps: 2,
  evalFraction: 0,
  logEvery: 5,
  ...overrides,
});

/** Share of pairs whose chosen step the checkpoint finds more likely than the rejected one. */
function preferChosen(checkpoint: string): number {
  const model = loadCheckpoint(checkpoint);
  const { chosen, rejected } = pairLogProbs(model, Tokenizer.load(checkpoint), pairs);
  model.dispose();
  return chosen.filter((c, i) => c > rejected[i]!).length / pairs.length;
}

test("DPO turns a policy that prefers every rejected step into one that prefers the chosen steps", async () => {
  assert.equal(preferChosen(policy), 0, "the starting policy prefers every rejected step");
  const before = memory().tensors;
  const result = await trainDpo(tiny(), pairs, join(dir, "run"), { quiet: true });
  assert.equal(memory().tensors, before, "training leaves no live tensors behind");
  assert.ok(
    preferChosen(result.checkpoint) >= 0.75,
    `chosen preferred in ${preferChosen(result.checkpoint) * 4} of 4 pairs`,
  );

  const rows = readMetrics(join(dir, "run"));
  assert.equal(rows.at(-1)!.step, 30, "1 batch an epoch, 30 epochs");
  const first = rows[0]!;
  const last = rows.at(-1)!;
  assert.ok(
    (last.loss as number) < (first.loss as number) && (last.loss as number) < Math.log(2) / 2,
    `loss ${first.loss} → ${last.loss}`,
  );
  assert.equal(last["rewards/accuracies"], 1);
  assert.ok((last["rewards/margins"] as number) > 0);
  near(
    last["rewards/margins"] as number,
    (last["rewards/chosen"] as number) - (last["rewards/rejected"] as number),
    "margin = chosen − rejected",
  );
  assert.ok(
    (last["logps/rejected"] as number) < (first["logps/rejected"] as number),
    "the rejected steps became less likely",
  );
  assert.deepEqual(result.pairs, { train: 4, eval: 0, skipped: 0 });
});

test("a DPO run stopped and resumed from its last checkpoint ends as an uninterrupted run; held-out pairs are evaluated", async () => {
  // 3 problems train, 1 is held out; 2 pairs per batch: 2 steps an epoch.
  const config = tiny({
    epochs: 3,
    batchSize: 2,
    evalFraction: 0.25,
    evalEvery: 2,
    checkpointEvery: 2,
    logEvery: 1,
  });
  const straight = await trainDpo(config, pairs, join(dir, "straight"), { quiet: true });
  assert.deepEqual(straight.pairs, { train: 3, eval: 1, skipped: 0 });
  assert.ok(straight.eval !== null && Number.isFinite(straight.eval.loss));

  const run = join(dir, "interrupted");
  const stop = new AbortController();
  await trainDpo(config, pairs, run, {
    quiet: true,
    signal: stop.signal,
    onStep: (step) => step === 3 && stop.abort(),
  });
  assert.deepEqual(
    listCheckpoints(run).map((c) => c.step),
    [2, 3],
  );
  rmSync(join(run, "checkpoints", "step-3"), { recursive: true });
  const resumed = await trainDpo(config, pairs, run, { quiet: true, resume: true });
  assert.equal(resumed.step, 6);
  for (const file of ["model.safetensors", "trainer.safetensors"]) {
    const read = (r: string) => readFileSync(join(r, "checkpoints", "step-6", file));
    assert.ok(read(join(dir, "straight")).equals(read(run)), `${file} is identical`);
  }
  const numbers = (r: string) =>
    readMetrics(r).map(({ step, loss, lr, ...rest }) => ({ step, loss, lr, evalLoss: rest["eval/loss"] }));
  assert.deepEqual(numbers(run), numbers(join(dir, "straight")));
  assert.deepEqual(
    readMetrics(run)
      .filter((r) => "eval/loss" in r)
      .map((r) => r.step),
    [2, 4, 6],
  );
});
