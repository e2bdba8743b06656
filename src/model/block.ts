/** One decoder layer: pre-norm attention and SwiGLU MLP, each added to the residual stream (Llama §2). */
import { F, Module, Linear, RMSNorm, Tensor, scope } from "../torch/index.js";
import type { LlamaConfig } from "./config.js";
import { Attention, type AttentionMask } from "./attention.js";
import type { KVCache } from "./kv-cache.js";

/** SwiGLU (Shazeer, "GLU Variants Improve Transformer"): down(silu(gate(x)) · up(x)); biases with Llama's `mlp_bias`. */
export class SwiGLU extends Module {
  readonly gateProj: Linear;
  readonly upProj: Linear;
  readonly downProj: Linear;
  constructor(config: LlamaConfig) {
    super();
    const { dModel, intermediateSize, mlpBias: bias } = config;
    this.gateProj = this.module("gate_proj", new Linear(dModel, intermediateSize, { bias }));
    this.upProj = this.module("up_proj", new Linear(dModel, intermediateSize, { bias }));
    this.downProj = this.module("down_proj", new Linear(intermediateSize, dModel, { bias }));
  }
  forward(x: Tensor): Tensor {
    // SiLU rounded once (libtorch 1.13 rounds its bf16 sigmoid before the product; test/model/hf-parity.test.ts).
    return scope(() => {
      const gate = F.roundedOnce(this.gateProj.forward(x), (g) => g.silu());
      return this.downProj.forward(gate.mul(this.upProj.forward(x)));
    });
  }
}

export class DecoderLayer extends Module {
  readonly inputLayernorm: RMSNorm;
  readonly selfAttn: Attention;
  readonly postAttentionLayernorm: RMSNorm;
  readonly mlp: SwiGLU;
  constructor(config: LlamaConfig) {
    super();
    this.inputLayernorm = this.module("input_layernorm", new RMSNorm(config.dModel, config.rmsNormEps));
    this.selfAttn = this.module("self_attn", new Attention(config));
    this.postAttentionLayernorm = this.module(
      "post_attention_layernorm",
      new RMSNorm(config.dModel, config.rmsNormEps),
    );
    this.mlp = this.module("mlp", new SwiGLU(config));
  }
  /** x (B, T, dModel) → (B, T, dModel). */
  forward(
    x: Tensor,
    rotary: { cos: Tensor; sin: Tensor },
    mask: AttentionMask,
    cache: KVCache | null,
    layer: number,
  ): Tensor {
    return scope(() => {
      const h = x.add(this.selfAttn.forward(this.inputLayernorm.forward(x), rotary, mask, cache, layer));
      return h.add(this.mlp.forward(this.postAttentionLayernorm.forward(h)));
    });
  }
}
