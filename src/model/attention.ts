/**
 * Causal self-attention with rotary positions and grouped-query heads (Ainslie et al., GQA), with the
 * Hugging Face parameter names `q_proj`, `k_proj`, `v_proj`, `o_proj`: biases on q, k, v for Qwen2 and on all
 * four for Llama's `attention_bias`. Which keys a query sees (causal, padding, sliding window) is the mask's job.
 */
import { Module, Linear, Tensor, scope, F } from "../torch/index.js";
import { headDim, type LlamaConfig } from "./config.js";
import { applyRotary } from "./rope.js";
import type { KVCache } from "./kv-cache.js";

/** Which keys each query may see: `causal` alone (no padding, Tq = Tk), or an explicit bool mask. */
export interface AttentionMask {
  causal: boolean;
  /** (B or 1, 1, groups·Tq, Tk), true = may attend; rows already repeated for the query groups. */
  mask: Tensor | null;
}

export class Attention extends Module {
  readonly qProj: Linear;
  readonly kProj: Linear;
  readonly vProj: Linear;
  readonly oProj: Linear;
  private readonly nHead: number;
  private readonly nKvHead: number;
  private readonly headDim: number;

  constructor(config: LlamaConfig) {
    super();
    this.nHead = config.nHead;
    this.nKvHead = config.nKvHead;
    this.headDim = headDim(config);
    const d = config.dModel;
    const bias = config.qkvBias;
    this.qProj = this.module("q_proj", new Linear(d, this.nHead * this.headDim, { bias }));
    this.kProj = this.module("k_proj", new Linear(d, this.nKvHead * this.headDim, { bias }));
    this.vProj = this.module("v_proj", new Linear(d, this.nKvHead * this.headDim, { bias }));
    this.oProj = this.module("o_proj", new Linear(this.nHead * this.headDim, d, { bias: config.outputBias }));
  }

  /** x (B, T, dModel) → (B, T, dModel). With a cache, T new positions attend to everything cached before them. */
  forward(
    x: Tensor,
    rotary: { cos: Tensor; sin: Tensor },
    mask: AttentionMask,
    cache: KVCache | null,
    layer: number,
  ): Tensor {
    return scope(() => {
      const [b, t] = x.shape as [number, number];
      const { nHead, nKvHead, headDim: hd } = this;
      const heads = (y: Tensor, n: number) => y.view(b, t, n, hd).transpose(1, 2);
      const q = applyRotary(heads(this.qProj.forward(x), nHead), rotary); // (B, nHead, T, headDim)
      let k = applyRotary(heads(this.kProj.forward(x), nKvHead), rotary); // (B, nKvHead, T, headDim)
      let v = heads(this.vProj.forward(x), nKvHead); // (B, nKvHead, T, headDim)
      if (cache) ({ k, v } = cache.update(layer, k, v)); // (B, nKvHead, Tk, headDim)
      // Grouped-query attention without copying keys: the query heads that share one key/value head are
      // folded into the query axis, and the mask rows were repeated to match.
      const grouped = q.reshape(b, nKvHead, (nHead / nKvHead) * t, hd); // (B, nKvHead, groups·T, headDim)
      const y = F.scaledDotProductAttention(grouped, k, v, mask); // (B, nKvHead, groups·T, headDim)
      return this.oProj.forward(
        y
          .reshape(b, nHead, t, hd)
          .transpose(1, 2)
          .reshape(b, t, nHead * hd),
      );
    });
  }
}
