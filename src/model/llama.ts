/**
 * The Llama-style decoder (Touvron et al., "LLaMA", §2): token embedding, rotary positions, pre-RMSNorm
 * blocks of causal attention and SwiGLU, a final RMSNorm, and one head — next-token logits (`lm_head`, the
 * policy) or one scalar per position (`score`, as LlamaForSequenceClassification: the value model and the
 * PRM). Parameter names are Hugging Face's, so `stateDict()` is a loadable Hugging Face state dict.
 */
import {
  Module,
  Linear,
  Embedding,
  RMSNorm,
  ModuleList,
  Tensor,
  ones,
  arange,
  randn,
  noGrad,
  scope,
  isGradEnabled,
  checkpointSequential,
  F,
  type DType,
} from "../torch/index.js";
import { type LlamaConfig, type Head } from "./config.js";
import { DecoderLayer } from "./block.js";
import type { AttentionMask } from "./attention.js";
import type { KVCache } from "./kv-cache.js";
import { Rotary } from "./rope.js";

export interface ForwardOptions {
  /** Position of each token (B, T) int64, for the rotary angles; default: derived from `keyValid`, else past…past+T−1. */
  positions?: Tensor | null;
  /** Which keys are real tokens (B, past + T) bool: false for left padding. Omit when nothing is padded on the left. */
  keyValid?: Tensor | null;
  /** Cache to read earlier positions from and to append this call's keys and values to. */
  cache?: KVCache | null;
}

/** Embedding, decoder layers and final norm: Hugging Face's `model.*`. */
export class LlamaBackbone extends Module {
  readonly embedTokens: Embedding;
  readonly layers: ModuleList<DecoderLayer>;
  readonly norm: RMSNorm;
  private readonly rotary: Rotary;
  /** Layers that attend through the sliding window. */
  private readonly slidingLayers: Set<number>;

  constructor(readonly config: LlamaConfig) {
    super();
    this.embedTokens = this.module("embed_tokens", new Embedding(config.vocabSize, config.dModel));
    this.layers = this.module(
      "layers",
      new ModuleList(Array.from({ length: config.nLayer }, () => new DecoderLayer(config))),
    );
    this.norm = this.module("norm", new RMSNorm(config.dModel, config.rmsNormEps));
    // Derived from the config, so not saved (as Hugging Face's non-persistent inv_freq).
    this.rotary = new Rotary(config);
    this.slidingLayers = new Set(config.slidingWindow?.layers ?? []);
  }

  /**
   * Gradient checkpointing (src/torch/checkpoint.ts): a training forward keeps only each decoder layer's
   * input and the backward recomputes the layer, trading about one more forward for activation memory.
   * It applies in grad mode without a KV cache (LoRA adapters' weights, outside the layers' parameters,
   * get their gradients this way too).
   */
  gradientCheckpointing = false;

  /** The dtype the layers compute in: their weights' (float32, or bfloat16 under mixed precision). */
  get dtype(): DType {
    return this.embedTokens.weight.dtype;
  }

  private checkpointing(cache: KVCache | null): boolean {
    return this.gradientCheckpointing && cache === null && isGradEnabled();
  }

  /** ids (B, T) int64 → hidden states (B, T, dModel) after the final norm. */
  forward(ids: Tensor, options: ForwardOptions = {}): Tensor {
    return scope(() => {
      const [b, t] = ids.shape as [number, number];
      const cache = options.cache ?? null;
      const past = cache?.length ?? 0;
      const keyValid = options.keyValid ?? null;
      const positions = options.positions ?? defaultPositions(t, past, keyValid, ids.device);
      const rotary = this.rotary.at(positions, this.dtype); // (B or 1, 1, T, headDim)
      const groups = this.config.nHead / this.config.nKvHead;
      const mask = attentionMask(b, t, past, keyValid, groups, null, ids.device);
      // Mistral / Qwen2 sliding window: query p sees keys p − window < k ≤ p (transformers' sliding_window_overlay).
      const window = this.config.slidingWindow?.size ?? null;
      const slidingMask =
        window !== null && past + t > window
          ? attentionMask(b, t, past, keyValid, groups, window, ids.device)
          : mask;
      let x = this.embedTokens.forward(ids); // (B, T, dModel)
      const segments = this.layers.items.map(
        (layer, i) => (y: Tensor) =>
          layer.forward(y, rotary, this.slidingLayers.has(i) ? slidingMask : mask, cache, i),
      );
      if (this.checkpointing(cache)) {
        const held = [rotary.cos, rotary.sin, mask.mask, slidingMask.mask].filter((m) => m !== null);
        return checkpointSequential(x, segments, held, (y) => this.norm.forward(y));
      }
      for (const segment of segments) x = segment(x);
      cache?.advance(t);
      return this.norm.forward(x);
    });
  }

  override dispose(): void {
    super.dispose();
    this.rotary.dispose();
  }
}

/** Left padding shifts positions so every sequence's first real token has position 0 (as Hugging Face). */
function defaultPositions(t: number, past: number, keyValid: Tensor | null, device: string): Tensor {
  return scope(() => {
    if (!keyValid) return arange(past, past + t, 1, { device }).unsqueeze(0); // (1, T)
    return keyValid.long().cumsum(1).sub(1).clamp(0).narrow(1, past, t); // (B, T)
  });
}

/**
 * Query i (at position past + i) sees keys up to its own position that are real tokens, and with a
 * `window` only the last `window` of them. A padding query also sees itself, so no row of the softmax is
 * empty (its output is never used).
 */
function attentionMask(
  b: number,
  tq: number,
  past: number,
  keyValid: Tensor | null,
  groups: number,
  window: number | null,
  device: string,
): AttentionMask {
  if (window === null && !keyValid && groups === 1 && past === 0) return { causal: true, mask: null };
  if (window === null && !keyValid && tq === 1) return { causal: false, mask: null };
  return scope(() => {
    const tk = past + tq;
    const all = ones([tq, tk], { dtype: "bool", device });
    let allowed = all.tril(past);
    if (window !== null) allowed = allowed.triu(past - window + 1);
    let mask = allowed.view(1, 1, tq, tk); // (1, 1, Tq, Tk)
    if (keyValid) {
      const self = all.tril(past).triu(past);
      mask = mask.logicalAnd(keyValid.view(b, 1, 1, tk).logicalOr(self)); // (B, 1, Tq, Tk)
    }
    if (groups > 1) {
      const rows = mask.size(0);
      mask = mask
        .unsqueeze(2)
        .expand(rows, 1, groups, tq, tk)
        .reshape(rows, 1, groups * tq, tk); // (B, 1, groups·Tq, Tk)
    }
    return { causal: false, mask };
  });
}

/** The backbone with its head. Build a fresh one after `manualSeed(seed)` for reproducible weights. */
export class Llama extends Module {
  readonly model: LlamaBackbone;
  /** `lm_head`; null for a scalar model, or when tied to the embedding. */
  readonly lmHead: Linear | null = null;
  /** `score`: (1, dModel), the scalar head; with a bias for *ForTokenClassification checkpoints. */
  readonly scoreHead: Linear | null = null;

  constructor(readonly config: LlamaConfig) {
    super();
    this.model = this.module("model", new LlamaBackbone(config));
    if (config.head === "scalar")
      this.scoreHead = this.module("score", new Linear(config.dModel, 1, { bias: config.scoreBias }));
    else if (!config.tieWordEmbeddings)
      this.lmHead = this.module("lm_head", new Linear(config.dModel, config.vocabSize, { bias: false }));
    initWeights(this, config.initializerRange);
  }

  get head(): Head {
    return this.config.head;
  }

  /** Recompute each decoder layer in the backward instead of keeping its activations (LlamaBackbone). */
  get gradientCheckpointing(): boolean {
    return this.model.gradientCheckpointing;
  }
  set gradientCheckpointing(on: boolean) {
    this.model.gradientCheckpointing = on;
  }

  /** ids (B, T) → hidden states (B, T, dModel); feed them to `logits` or `values`. */
  forward(ids: Tensor, options: ForwardOptions = {}): Tensor {
    return this.model.forward(ids, options);
  }

  /** The dtype the layers compute in (float32, or bfloat16 under mixed precision). */
  get dtype(): DType {
    return this.model.dtype;
  }

  /**
   * hidden (…, dModel) → next-token logits (…, vocabSize), always float32: a half-precision model's logits
   * are widened before any softmax or loss, as transformers' causal-LM loss upcasts them.
   */
  logits(hidden: Tensor): Tensor {
    if (this.config.head !== "lm")
      throw new Error("Llama.logits: this model has a scalar head, not an LM head");
    const logits = F.linear(hidden, this.lmHead?.weight ?? this.model.embedTokens.weight);
    return logits.dtype === "float32" ? logits : widen(logits);
  }

  /** hidden (…, dModel) → scalar head outputs (…), float32 as the logits. */
  values(hidden: Tensor): Tensor {
    if (!this.scoreHead) throw new Error("Llama.values: this model has an LM head, not a scalar head");
    return scope(() => {
      const values = this.scoreHead!.forward(hidden).squeeze(-1);
      return values.dtype === "float32" ? values : values.float();
    });
  }
}

/** A half-precision tensor as float32 (the narrow one freed at once). */
function widen(t: Tensor): Tensor {
  const wide = t.float();
  t.dispose();
  return wide;
}

/** Normal(0, std) for every matrix, zeros for biases and ones for the norms, as Hugging Face's `_init_weights`. */
function initWeights(model: Module, std: number): void {
  noGrad(() => {
    for (const [name, p] of model.namedParameters()) {
      if (name.endsWith(".bias")) p.zero_();
      else if (!name.endsWith("norm.weight")) scope(() => p.copy_(randn(p.shape).mul(std)));
    }
  });
}

/**
 * The scalar at each row's last token that is not padding, as *ForSequenceClassification pools it: the
 * rightmost position whose id differs from `padTokenId` (either padding side), or the last position when
 * there is no pad token. values (B, T), ids (B, T) → (B).
 */
export function pooledValues(values: Tensor, ids: Tensor, padTokenId: number | null): Tensor {
  return scope(() => {
    const t = ids.size(1);
    if (padTokenId === null) return values.select(1, t - 1);
    const positions = arange(0, t, 1, { device: ids.device }).mul(ids.ne(padTokenId).long()); // (B, T)
    return values.gather(1, positions.argmax(1, true)).squeeze(1);
  });
}
