/** AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization"), with parameter groups. */
import { native } from "../native.js";
import { Tensor } from "../tensor.js";
import { zeros } from "../creation.js";
import { keep } from "../scope.js";

export interface AdamWOptions {
  /** Learning rate. */
  lr: number;
  /** Moment decay rates; PyTorch's default (0.9, 0.999). */
  betas?: [number, number];
  /** Added to the denominator; PyTorch's default 1e-8. */
  eps?: number;
  /** Decoupled weight decay; PyTorch's default 0.01. */
  weightDecay?: number;
}

export interface ParamGroup {
  params: Tensor[];
  /** Overrides the optimiser's weight decay (e.g. 0 for norms and biases). */
  weightDecay?: number;
  /** Multiplies the learning rate for this group. */
  lrScale?: number;
}

export class AdamW {
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly groups: ParamGroup[];
  /** Steps taken so far (bias correction uses it). */
  step = 0;
  private readonly expAvg: Tensor[][];
  private readonly expAvgSq: Tensor[][];

  constructor(params: Tensor[] | ParamGroup[], options: AdamWOptions) {
    this.groups =
      params.length > 0 && params[0] instanceof Tensor
        ? [{ params: params as Tensor[] }]
        : (params as ParamGroup[]);
    this.lr = options.lr;
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    const state = () =>
      this.groups.map((g) => g.params.map((p) => keep(zeros(p.shape, { dtype: p.dtype, device: p.device }))));
    this.expAvg = state();
    this.expAvgSq = state();
  }

  /** Applies one update from the parameters' current gradients. */
  stepUpdate(): void {
    this.step += 1;
    this.groups.forEach((g, i) => {
      native.adamwStep(
        g.params.map((p) => p.handle),
        this.expAvg[i]!.map((t) => t.handle),
        this.expAvgSq[i]!.map((t) => t.handle),
        this.step,
        this.lr * (g.lrScale ?? 1),
        this.betas[0],
        this.betas[1],
        this.eps,
        g.weightDecay ?? this.weightDecay,
      );
    });
  }

  /** Drops every parameter's gradient (set to none). */
  zeroGrad(): void {
    for (const g of this.groups) native.zeroGrad(g.params.map((p) => p.handle));
  }

  /** Moment tensors by name (`expAvg.G.I`, `expAvgSq.G.I`) for checkpoints; the step goes in metadata. */
  stateTensors(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    this.expAvg.forEach((ts, g) => ts.forEach((t, i) => out.set(`expAvg.${g}.${i}`, t)));
    this.expAvgSq.forEach((ts, g) => ts.forEach((t, i) => out.set(`expAvgSq.${g}.${i}`, t)));
    return out;
  }

  /** Restores what stateTensors() and `step` saved. */
  loadState(step: number, tensors: Map<string, Tensor>): void {
    this.step = step;
    for (const [name, t] of this.stateTensors()) {
      const src = tensors.get(name);
      if (!src) throw new Error(`AdamW.loadState: missing ${name}`);
      t.copy_(src);
    }
  }

  dispose(): void {
    for (const t of this.stateTensors().values()) t.dispose();
  }
}
