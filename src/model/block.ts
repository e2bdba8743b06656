/** One decoder layer: pre-norm attention and SwiGLU MLP, each added to the residual stream (Llama §2). */
import { Module, Linear, RMSNorm, Tensor, scope } from "../torch/index.js";
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
    return scope(() => this.downProj.forward(silu(this.gateProj.forward(x)).mul(this.upProj.forward(x))));
  }
}

/**
 * SiLU rounded once: a half-precision input goes through float32, as libtorch 2.x's kernel computes it;
 * Debian's libtorch 1.13 rounds its bf16 sigmoid before the product, which left a bf16 model a rounding
 * step away from transformers' (test/model/hf-parity.test.ts).
 */
function silu(x: Tensor): Tensor {
  if (x.dtype === "float32" || x.dtype === "float64") return x.silu();
  return scope(() => x.float().silu().to(x.dtype));
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
