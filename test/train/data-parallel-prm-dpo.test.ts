import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { distributedUnsupported } from "../../src/torch/index.js";
import { dpoCommand } from "../../src/cli/commands/dpo.js";
import { trainPrmCommand } from "../../src/cli/commands/train-prm.js";
import type { LabelRecord } from "../../src/labels/records.js";
import { readMetrics } from "../../src/runs/index.js";
import { tinyBodies, tinyPolicy } from "./ppo-tiny.js";
import { assertSameTraining } from "./data-parallel-helpers.js";

// The ranks are child processes: one thread each, as this process (ppo-tiny.ts).
process.env.LINEWISE_THREADS = "1";

const skip = distributedUnsupported() ?? false;
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r) + "\n").join("");
let dir: string;
let policy: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "linewise-ddp-prm-dpo-"));
  policy = await tinyPolicy(
    dir,
    tinyBodies.map((b) => ({ prompt: b.prompt, completion: b.right })),
    10,
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `command` once in one process and once with --nproc 2; asserts the same training and losses. */
async function sameAsOneProcess(
  command: { run(argv: string[]): Promise<number | void> },
  argv: (out: string) => string[],
  steps: number,
): Promise<void> {
  const one = join(dir, `${argv("")[0]}-one`);
  const two = join(dir, `${argv("")[0]}-two`);
  assert.equal(await command.run(argv(one)), 0);
  assert.equal(await command.run([...argv(two), "--nproc", "2"]), 0);
  const weights = (run: string, step: number) => join(run, `checkpoints/step-${step}/model.safetensors`);
  assertSameTraining(weights(one, 1), weights(one, steps), weights(two, steps), 1e-6);
  const loss = (run: string) => readMetrics(run).map((r) => r.loss as number);
  loss(one).forEach((l, i) =>
    assert.ok(Math.abs(l - loss(two)[i]!) < 1e-5, `step ${i + 1}: ${l} vs ${loss(two)[i]}`),
  );
}

test(
  "train-prm --nproc 2 trains the PRM of one process: each rank's loss over the batch's count of steps",
  { skip },
  async () => {
    // records of 2 or 3 steps, a neutral comment first: uneven step counts between the ranks' shares
    const records: LabelRecord[] = tinyBodies.flatMap((b, i) =>
      [b.right, b.wrong].map((body, k) => {
        const steps = ["    # compute\n", ...(i % 2 ? ["    x = 0\n"] : []), `    return ${body}\n`];
        const labels = [0, ...(i % 2 ? [1 as const] : []), k === 0 ? 1 : -1] as LabelRecord["labels"];
        return {
          problemId: b.id,
          prompt: b.prompt,
          response: steps.join(""),
          steps,
          labels,
          firstError: k === 0 ? null : steps.length - 1,
          kind: k === 0 ? "correct" : "wrong",
          method: "completion",
          policy: "test",
          cost: { completions: 0, executions: 1, ms: 1 },
        } as LabelRecord;
      }),
    );
    const labels = join(dir, "labels.jsonl");
    writeFileSync(labels, jsonl(records));
    const config = join(dir, "prm.json");
    writeFileSync(
      config,
      JSON.stringify({
        batchSize: 3,
        lr: 1e-2,
        warmupSteps: 0,
        heldOutFraction: 0,
        logEvery: 1,
        checkpointEvery: 1,
        keepCheckpoints: 3,
      }),
    );
    await sameAsOneProcess(
      trainPrmCommand,
      (out) => ["--labels", labels, "--init", policy, "--out", out, "--config", config, "--steps", "3"],
      3,
    );
  },
);

test(
  "dpo --nproc 2 trains the policy of one process: pair means weighted by each rank's share",
  { skip },
  async () => {
    const pairs = join(dir, "pairs.jsonl");
    writeFileSync(
      pairs,
      jsonl(
        tinyBodies.map((b, i) => ({
          problemId: b.id,
          prompt: b.prompt + "    # compute\n".repeat(i + 1),
          prefix: "",
          chosen: b.right,
          rejected: b.wrong,
          stepIndex: 1,
          granularity: "line",
        })),
      ),
    );
    const config = join(dir, "dpo.json");
    writeFileSync(
      config,
      JSON.stringify({
        batchSize: 3,
        lr: 1e-3,
        warmupSteps: 0,
        evalFraction: 0,
        logEvery: 1,
        checkpointEvery: 1,
        keepCheckpoints: 3,
      }),
    );
    // 4 pairs in batches of 3: shares of 1 and 2, then of 0 and 1
    await sameAsOneProcess(
      dpoCommand,
      (out) => ["--pairs", pairs, "--policy", policy, "--out", out, "--config", config, "--epochs", "1"],
      2,
    );
  },
);
