/** Gradient clipping by global L2 norm, as torch.nn.utils.clip_grad_norm_. */
import { native } from "../native.js";
import type { Tensor } from "../tensor.js";

/** Scales all gradients so their joint L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  return native.clipGradNorm(
    params.map((p) => p.handle),
    maxNorm,
  );
}
