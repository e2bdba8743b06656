/** Shared by the data-parallel tests: two checkpoints' weights compared tensor by tensor. */
import assert from "node:assert/strict";
import { loadSafetensors } from "../../src/torch/index.js";

/** Asserts that two safetensors files hold the same tensors, equal to `tolerance` (largest absolute difference). */
export function assertSameWeights(a: string, b: string, tolerance: number): void {
  const x = loadSafetensors(a).tensors;
  const y = loadSafetensors(b).tensors;
  try {
    assert.deepEqual([...x.keys()].sort(), [...y.keys()].sort());
    let largest = 0;
    for (const [name, t] of x) {
      const u = y.get(name)!;
      const d = t.sub(u).abs().max().item() as number;
      largest = Math.max(largest, d);
      assert.ok(d <= tolerance, `${name}: largest difference ${d} > ${tolerance}`);
    }
    assert.ok(largest > 0 || x.size > 0);
  } finally {
    for (const t of [...x.values(), ...y.values()]) t.dispose();
  }
}
