/**
 * What every trainer does around its optimiser, in one place: start every rank from rank 0's weights, and
 * after a rank's backward take the step — bf16 gradients onto the float32 masters (mixed-precision.ts),
 * summed over the ranks (distributed.ts), clipped, AdamW, the masters rounded back into the model. With
 * one process in float32 each stage is a no-op around clip → step.
 */
import { clipGradNorm, type AdamW } from "../torch/index.js";
import type { DataParallel } from "./distributed.js";
import type { MixedPrecision } from "./mixed-precision.js";

/** Rank 0's (master) weights into every rank, then into the models' compute copies. */
export async function startInSync(world: DataParallel, precision: MixedPrecision): Promise<void> {
  await world.broadcastParams(precision.params);
  precision.mastersToModel();
}

/**
 * One optimiser step from the gradients this rank's backward left; `gradClip` 0 turns clipping off.
 * Returns the global gradient norm before clipping. Every rank must call it at the same point.
 */
export async function optimiserStep(
  world: DataParallel,
  precision: MixedPrecision,
  optimizer: AdamW,
  gradClip: number,
): Promise<number> {
  precision.gradientsToMasters();
  await world.allReduceGrads(precision.params);
  const norm = clipGradNorm(precision.params, gradClip > 0 ? gradClip : Infinity);
  optimizer.stepUpdate();
  optimizer.zeroGrad();
  precision.mastersToModel();
  return norm;
}
