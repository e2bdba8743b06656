/** Stochastic gradient descent, optionally with momentum and (coupled) weight decay. */
import { native } from "../native.js";
import { Tensor } from "../tensor.js";
import { zeros } from "../creation.js";
import { keep } from "../scope.js";

export class SGD {
  private readonly buffers: Tensor[] | null;
  constructor(
    readonly params: Tensor[],
    public lr: number,
    readonly momentum = 0,
    readonly weightDecay = 0,
  ) {
    this.buffers =
      momentum > 0 ? params.map((p) => keep(zeros(p.shape, { dtype: p.dtype, device: p.device }))) : null;
  }
  stepUpdate(): void {
    native.sgdStep(
      this.params.map((p) => p.handle),
      this.buffers?.map((b) => b.handle) ?? null,
      this.lr,
      this.momentum,
      this.weightDecay,
    );
  }
  zeroGrad(): void {
    native.zeroGrad(this.params.map((p) => p.handle));
  }
  dispose(): void {
    for (const b of this.buffers ?? []) b.dispose();
  }
}
