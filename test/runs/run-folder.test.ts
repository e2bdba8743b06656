import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunFolder, RunFolderError, latestCheckpoint, listCheckpoints, readMetrics, readRunConfig } from "../../src/runs/index.js";

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "linewise-run-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A stand-in for a trainer's files: one file whose content names the step. */
const writeWeights = (step: number) => (dir: string) => writeFileSync(join(dir, "weights.bin"), `weights of step ${step}`);

test("checkpoints are written atomically; resume picks the newest complete one; only the newest K remain", () => {
  withDir((dir) => {
    const run = RunFolder.open(dir, { lr: 0.1 });
    for (const step of [2, 4, 6]) run.saveCheckpoint(step, { position: step * 10 }, writeWeights(step), 2);
    assert.deepEqual(listCheckpoints(dir).map((c) => c.step), [4, 6], "the oldest was pruned");

    // A save that dies while writing leaves step-8 absent and the newest checkpoint untouched.
    assert.throws(() => run.saveCheckpoint(8, {}, (d) => (writeWeights(8)(d), assert.fail("killed mid-write")), 2));
    assert.equal(existsSync(join(dir, "checkpoints", "step-8")), false);
    run.close();
    // What a killed process leaves: a partial folder under a temporary name, and a step folder without trainer.json.
    mkdirSync(join(dir, "checkpoints", ".step-10.partial-99999"));
    writeFileSync(join(dir, "checkpoints", ".step-10.partial-99999", "weights.bin"), "half");
    mkdirSync(join(dir, "checkpoints", "step-12"));

    const latest = latestCheckpoint(dir)!;
    assert.equal(latest.step, 6);
    assert.deepEqual(latest.trainer, { step: 6, position: 60 });
    assert.equal(readFileSync(join(latest.dir, "weights.bin"), "utf8"), "weights of step 6");

    const resumed = RunFolder.open(dir, { lr: 0.1 }, { resume: true });
    assert.equal(resumed.resumedFrom?.step, 6);
    assert.equal(existsSync(join(dir, "checkpoints", ".step-10.partial-99999")), false, "partial folders are cleaned up");
    // Re-saving an existing step replaces it whole.
    resumed.saveCheckpoint(6, { position: 61 }, writeWeights(6), 2);
    assert.equal(latestCheckpoint(dir)!.trainer.position, 61);
    resumed.close();
  });
});

test("a used run folder is refused without resume; config.json holds the config", () => {
  withDir((dir) => {
    RunFolder.open(dir, { steps: 5, model: { dModel: 64 } }).close();
    assert.deepEqual(readRunConfig(dir), { steps: 5, model: { dModel: 64 } });
    assert.throws(() => RunFolder.open(dir, { steps: 5 }), (e: Error) => e instanceof RunFolderError && e.message.includes("already holds a run"));
    assert.throws(() => readRunConfig(join(dir, "nothing")), RunFolderError);
  });
});

test("metrics rows after the resumed checkpoint are dropped; every open starts a TensorBoard event file", () => {
  withDir((dir) => {
    const first = RunFolder.open(dir, {});
    for (let step = 1; step <= 5; step++) first.log({ step, loss: 1 / step });
    first.saveCheckpoint(3, {}, () => {}, 3);
    first.close();
    writeFileSync(join(dir, "metrics.jsonl"), readFileSync(join(dir, "metrics.jsonl"), "utf8") + '{"step": 6, "lo'); // cut short by a kill

    const second = RunFolder.open(dir, {}, { resume: true });
    second.log({ step: 4, loss: 0.2, note: "again" });
    second.close();
    const rows = readMetrics(dir);
    assert.deepEqual(rows.map((r) => r.step), [1, 2, 3, 4]);
    assert.equal(rows[3]!.note, "again");
    assert.equal(typeof rows[0]!.wallTime, "number");
    assert.equal(readdirSync(dir).filter((f) => f.startsWith("events.out.tfevents.")).length, 2);
  });
});
