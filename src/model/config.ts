/**
 * The transformer's configuration: GPT vocabulary in camelCase for our code, Hugging Face config field names
 * in `config.json` (DESIGN.md, "Formats"), so a checkpoint loads the same way whether we trained it or
 * someone else did. Three Hugging Face families share this decoder: Llama, Qwen2 and Mistral. The reader
 * (`fromHfConfig` in hf-config.ts) implements every field of theirs that changes the computation and refuses
 * by name the ones it does not implement.
 */

/** Which head sits on the backbone: next-token logits (policy) or one scalar per position (value model, PRM). */
export type Head = "lm" | "scalar";

/** The Hugging Face `model_type`: which transformers class computes the same function. */
export type Family = "llama" | "qwen2" | "mistral";

/**
 * Rotary scaling, as transformers' `modeling_rope_utils` (`rope_type`): `linear` divides every frequency by
 * `factor` (position interpolation, Chen et al. 2023; DeepSeek-Coder ships factor 4); `dynamic` raises θ once a
 * sequence outgrows `maxPositions` (dynamic NTK); `llama3` rescales the low frequencies only (Llama 3.1+).
 */
export type RopeScaling =
  | { type: "linear"; factor: number }
  | { type: "dynamic"; factor: number }
  | {
      type: "llama3";
      factor: number;
      lowFreqFactor: number;
      highFreqFactor: number;
      /** The context length the model was pretrained with (8192 for Llama 3). */
      originalMaxPositions: number;
    };

export interface LlamaConfig {
  /** Which Hugging Face family the checkpoint is (its `model_type`); written back unchanged. */
  family: Family;
  vocabSize: number;
  /** Width of the residual stream (HF `hidden_size`). */
  dModel: number;
  nLayer: number;
  nHead: number;
  /** Key/value heads; fewer than `nHead` means grouped-query attention. */
  nKvHead: number;
  /** Per-head width (HF `head_dim`); dModel / nHead unless the checkpoint says otherwise (Mistral Nemo). */
  headDim: number;
  /** Width of the SwiGLU hidden layer. */
  intermediateSize: number;
  /** HF `max_position_embeddings`: generation stops here; `dynamic` rope scaling starts here. */
  maxPositions: number;
  ropeTheta: number;
  ropeScaling: RopeScaling | null;
  rmsNormEps: number;
  /** q_proj, k_proj and v_proj have biases (Qwen2; Llama's `attention_bias`). */
  qkvBias: boolean;
  /** o_proj has a bias (Llama's `attention_bias` only). */
  outputBias: boolean;
  /** gate_proj, up_proj and down_proj have biases (Llama's `mlp_bias`). */
  mlpBias: boolean;
  /** Sliding-window attention (Mistral; Qwen2's `use_sliding_window`): a query sees the last `size` keys, on `layers`. */
  slidingWindow: { size: number; layers: number[] } | null;
  /** The LM head reuses the token embedding matrix. */
  tieWordEmbeddings: boolean;
  /** Standard deviation of the normal initialisation of every weight matrix. */
  initializerRange: number;
  bosTokenId: number | null;
  /** One end token or several (Llama 3 lists several); generation stops at any of them. */
  eosTokenId: number | number[] | null;
  padTokenId: number | null;
  head: Head;
  /**
   * The scalar head has a bias: a `*ForTokenClassification` checkpoint (how several published PRMs ship),
   * written back under that architecture. false: `*ForSequenceClassification` (no bias).
   */
  scoreBias: boolean;
}

/** Per-head width. */
export function headDim(config: LlamaConfig): number {
  return config.headDim;
}

/** A complete config from the fields that matter, with Llama's defaults for the rest. */
export function llamaConfig(
  fields: Partial<LlamaConfig> & Pick<LlamaConfig, "vocabSize" | "dModel" | "nLayer" | "nHead">,
): LlamaConfig {
  if (fields.headDim === undefined && fields.dModel % fields.nHead !== 0)
    throw new Error(`llamaConfig: dModel ${fields.dModel} is not divisible by nHead ${fields.nHead}`);
  const config: LlamaConfig = {
    family: "llama",
    nKvHead: fields.nHead,
    headDim: fields.dModel / fields.nHead,
    // SwiGLU's 8/3·d rounded up to a multiple of 32 keeps the parameter count of a 4·d GELU MLP (Llama §2).
    intermediateSize: Math.ceil((8 * fields.dModel) / 3 / 32) * 32,
    maxPositions: 2048,
    ropeTheta: 10000,
    ropeScaling: null,
    rmsNormEps: 1e-6,
    qkvBias: false,
    outputBias: false,
    mlpBias: false,
    slidingWindow: null,
    tieWordEmbeddings: false,
    initializerRange: 0.02,
    bosTokenId: null,
    eosTokenId: null,
    padTokenId: null,
    head: "lm",
    scoreBias: false,
    ...fields,
  };
  validateConfig(config, "llamaConfig");
  return config;
}

/** End-of-sequence ids as a list. */
export function eosTokenIds(config: LlamaConfig): number[] {
  const eos = config.eosTokenId;
  return eos === null ? [] : Array.isArray(eos) ? eos : [eos];
}

/** Throws `where: …` naming the first field that cannot describe a model. */
export function validateConfig(c: LlamaConfig, where: string): void {
  for (const key of [
    "vocabSize",
    "dModel",
    "nLayer",
    "nHead",
    "nKvHead",
    "headDim",
    "intermediateSize",
    "maxPositions",
  ] as const) {
    if (!Number.isInteger(c[key]) || c[key] <= 0)
      throw new Error(`${where}: ${key} must be a positive integer (got ${c[key]})`);
  }
  if (c.nHead % c.nKvHead !== 0)
    throw new Error(`${where}: nHead ${c.nHead} is not divisible by nKvHead ${c.nKvHead}`);
  if (c.headDim % 2 !== 0)
    throw new Error(`${where}: the head width ${c.headDim} must be even for rotary embeddings`);
  if (!(c.ropeTheta > 0)) throw new Error(`${where}: ropeTheta must be positive (got ${c.ropeTheta})`);
  if (c.ropeScaling && !(c.ropeScaling.factor > 0))
    throw new Error(`${where}: rope scaling factor must be positive (got ${c.ropeScaling.factor})`);
  if (c.slidingWindow) {
    const { size, layers } = c.slidingWindow;
    if (!Number.isInteger(size) || size <= 0)
      throw new Error(`${where}: sliding window size must be a positive integer (got ${size})`);
    if (layers.some((l) => !Number.isInteger(l) || l < 0 || l >= c.nLayer))
      throw new Error(`${where}: sliding window layers must lie in 0…${c.nLayer - 1}`);
  }
}
