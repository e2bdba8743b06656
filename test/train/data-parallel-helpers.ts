/** Shared by the data-parallel tests: two checkpoints' weights compared tensor by tensor. */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSafetensors } from "../../src/torch/index.js";

/** The largest and the mean absolute difference between two safetensors files' tensors (the same names). */
export function weightDifference(a: string, b: string): { largest: number; mean: number } {
  const x = loadSafetensors(a).tensors;
  const y = loadSafetensors(b).tensors;
  try {
    assert.deepEqual([...x.keys()].sort(), [...y.keys()].sort());
    let largest = 0;
    let sum = 0;
    let count = 0;
    for (const [name, t] of x) {
      const d = t.sub(y.get(name)!).abs();
      largest = Math.max(largest, d.max().item() as number);
      sum += d.sum().item() as number;
      count += d.numel;
      d.dispose();
    }
    return { largest, mean: sum / count };
  } finally {
    for (const t of [...x.values(), ...y.values()]) t.dispose();
  }
}

/**
 * Asserts that data-parallel training (`b`) reached the weights of one process (`a`) from `start`: the
 * mean difference is below `tolerance` and under a hundredth of how far training moved the weights. Not
 * the largest difference: AdamW's first steps move a weight by about ±lr whatever its gradient's size, so
 * a gradient that is float noise around zero (a sum that cancels) may step either way in either run.
 */
export function assertSameTraining(start: string, a: string, b: string, tolerance: number): void {
  const moved = weightDifference(start, a).mean;
  const { mean, largest } = weightDifference(a, b);
  assert.ok(
    mean < tolerance && mean < moved / 100,
    `mean difference ${mean} (largest ${largest}); training moved the weights by ${moved} on average`,
  );
}

/**
 * A tiny SFT job in `dir`: one `def OP(a, b)` row per op (completions of growing length, so the ranks'
 * shares differ in tokens) and a 1-layer, width-32 config with `fields` laid over it. Returns both files.
 */
export function tinySftJob(
  dir: string,
  ops: readonly string[],
  fields: Record<string, unknown>,
): { data: string; config: string } {
  const data = join(dir, "data.jsonl");
  const rows = ops.map((op, i) => ({
    prompt: `def ${op}(a, b):\n`,
    completion: `    return ${"a".repeat(i + 1)} ${op} b\n`,
  }));
  writeFileSync(data, rows.map((r) => JSON.stringify(r) + "\n").join(""));
  const config = join(dir, "config.json");
  const base = { vocabSize: 280, model: { nLayer: 1, dModel: 32, nHead: 2 }, lr: 1e-2, warmupSteps: 0 };
  writeFileSync(config, JSON.stringify({ ...base, ...fields }));
  return { data, config };
}
