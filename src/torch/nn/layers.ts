/** The standard layers: Linear, Embedding, LayerNorm, RMSNorm, Dropout, ModuleList. */
import { Module } from "./module.js";
import { Tensor } from "../tensor.js";
import { rand, randn, ones, zeros } from "../creation.js";
import { scope } from "../scope.js";
import * as F from "../functional.js";
import type { DType } from "../dtype.js";

/** Uniform on (-bound, bound): PyTorch's default init for Linear (kaiming_uniform with a=√5 → 1/√fanIn). */
function uniform(shape: number[], bound: number, dtype: DType): Tensor {
  return scope(() =>
    rand(shape, { dtype })
      .mul(2 * bound)
      .sub(bound),
  );
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: { bias?: boolean; dtype?: DType } = {},
  ) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    const dtype = options.dtype ?? "float32";
    this.weight = this.parameter("weight", uniform([outFeatures, inFeatures], bound, dtype));
    this.bias = options.bias === false ? null : this.parameter("bias", uniform([outFeatures], bound, dtype));
  }
  /**
   * A low-rank adapter added to this layer's output (LoRA, src/model/lora.ts). It is not a sub-module:
   * its weights stay out of this module's state dict, which remains the base model's.
   */
  adapter: { forward(x: Tensor): Tensor } | null = null;

  forward(x: Tensor): Tensor {
    if (!this.adapter) return F.linear(x, this.weight, this.bias);
    return scope(() => F.linear(x, this.weight, this.bias).add(this.adapter!.forward(x)));
  }
}

export class Embedding extends Module {
  readonly weight: Tensor;
  constructor(
    readonly numEmbeddings: number,
    readonly dim: number,
    options: { std?: number; dtype?: DType } = {},
  ) {
    super();
    const std = options.std ?? 1;
    this.weight = this.parameter(
      "weight",
      scope(() => randn([numEmbeddings, dim], { dtype: options.dtype ?? "float32" }).mul(std)),
    );
  }
  forward(indices: Tensor): Tensor {
    return F.embedding(indices, this.weight);
  }
}

export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.weight = this.parameter("weight", ones([dim]));
    this.bias = this.parameter("bias", zeros([dim]));
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, [this.dim], this.weight, this.bias, this.eps);
  }
}

export class RMSNorm extends Module {
  readonly weight: Tensor;
  constructor(
    readonly dim: number,
    readonly eps = 1e-6,
  ) {
    super();
    this.weight = this.parameter("weight", ones([dim]));
  }
  forward(x: Tensor): Tensor {
    return F.rmsNorm(x, this.weight, this.eps);
  }
}

export class Dropout extends Module {
  constructor(readonly p: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
}

/** An indexed list of sub-modules, named "0", "1", … as in PyTorch. */
export class ModuleList<M extends Module> extends Module {
  readonly items: M[] = [];
  constructor(items: M[] = []) {
    super();
    for (const m of items) this.push(m);
  }
  push(m: M): void {
    this.module(String(this.items.length), m);
    this.items.push(m);
  }
  get length(): number {
    return this.items.length;
  }
  at(i: number): M {
    const m = this.items[i];
    if (!m) throw new Error(`ModuleList: no item ${i} (length ${this.items.length})`);
    return m;
  }
  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}
