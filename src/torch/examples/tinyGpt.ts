/**
 * A small GPT-2-style model written on the tensor API (nanoGPT's layout): the engine's own end-to-end
 * check, used by its tests, the engine benchmark (against the same model in C++, bench/engine/gpt.cc) and
 * the first-look demo. The real policy/PRM model is the Llama-style one in src/model/.
 */
import { Tensor } from "../tensor.js";
import { Module } from "../nn/module.js";
import { Embedding, LayerNorm, Linear, ModuleList } from "../nn/layers.js";
import { arange } from "../creation.js";
import { scope } from "../scope.js";
import * as F from "../functional.js";

export interface TinyGptConfig {
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  dModel: number;
}

class Block extends Module {
  readonly ln1: LayerNorm;
  readonly attn: Linear; // q, k, v in one projection
  readonly proj: Linear;
  readonly ln2: LayerNorm;
  readonly fc: Linear;
  readonly fcProj: Linear;

  constructor(readonly config: TinyGptConfig) {
    super();
    const d = config.dModel;
    this.ln1 = this.module("ln_1", new LayerNorm(d));
    this.attn = this.module("c_attn", new Linear(d, 3 * d));
    this.proj = this.module("c_proj", new Linear(d, d));
    this.ln2 = this.module("ln_2", new LayerNorm(d));
    this.fc = this.module("c_fc", new Linear(d, 4 * d));
    this.fcProj = this.module("mlp_proj", new Linear(4 * d, d));
  }

  forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape as [number, number, number];
    const nHead = this.config.nHead;
    const [q, k, v] = this.attn.forward(this.ln1.forward(x)).split(C, 2) as [Tensor, Tensor, Tensor];
    const heads = (t: Tensor) => t.view(B, T, nHead, C / nHead).transpose(1, 2); // (B, nHead, T, headDim)
    const y = F.scaledDotProductAttention(heads(q), heads(k), heads(v), { causal: true });
    x = x.add(this.proj.forward(y.transpose(1, 2).contiguous().view(B, T, C)));
    return x.add(this.fcProj.forward(this.fc.forward(this.ln2.forward(x)).gelu()));
  }
}

export class TinyGpt extends Module {
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly blocks: ModuleList<Block>;
  readonly lnF: LayerNorm;
  readonly head: Linear;

  constructor(readonly config: TinyGptConfig) {
    super();
    this.wte = this.module("wte", new Embedding(config.vocabSize, config.dModel, { std: 0.02 }));
    this.wpe = this.module("wpe", new Embedding(config.blockSize, config.dModel, { std: 0.02 }));
    this.blocks = this.module(
      "h",
      new ModuleList(Array.from({ length: config.nLayer }, () => new Block(config))),
    );
    this.lnF = this.module("ln_f", new LayerNorm(config.dModel));
    this.head = this.module("lm_head", new Linear(config.dModel, config.vocabSize, { bias: false }));
  }

  /** idx (B, T) int64 → logits (B, T, vocabSize). */
  forward(idx: Tensor): Tensor {
    return scope(() => {
      const T = idx.size(1);
      let x = this.wte.forward(idx).add(this.wpe.forward(arange(T))); // (B, T, dModel)
      for (const block of this.blocks) x = block.forward(x);
      return this.head.forward(this.lnF.forward(x));
    });
  }

  /** Mean next-token cross-entropy of idx (B, T) against targets (B, T). */
  loss(idx: Tensor, targets: Tensor): Tensor {
    return scope(() => {
      const logits = this.forward(idx);
      return F.crossEntropy(logits.view(-1, this.config.vocabSize), targets.view(-1));
    });
  }
}
