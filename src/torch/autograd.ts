/** Gradient-mode control. */
import { native } from "./native.js";
import type { Tensor } from "./tensor.js";

/** Runs `fn` with gradient recording off (inference, target computations, optimiser maths). */
export function noGrad<T>(fn: () => T): T {
  const previous = native.gradEnabled();
  native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

/** Whether operations are being recorded for backward. */
export function isGradEnabled(): boolean {
  return native.gradEnabled();
}

/** Drops the tensors' accumulated gradients (sets them to none, as `zero_grad(set_to_none=True)`). */
export function dropGrads(tensors: readonly Tensor[]): void {
  native.zeroGrad(tensors.map((t) => t.handle));
}
