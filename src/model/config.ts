/**
 * The transformer's configuration: GPT vocabulary in camelCase for our code, Hugging Face `LlamaConfig`
 * field names in `config.json` (DESIGN.md, "Formats"), so a checkpoint loads the same way whether we
 * trained it or someone else did.
 */

/** Which head sits on the backbone: next-token logits (policy) or one scalar per position (value model, PRM). */
export type Head = "lm" | "scalar";

export interface LlamaConfig {
  vocabSize: number;
  /** Width of the residual stream (HF `hidden_size`). */
  dModel: number;
  nLayer: number;
  nHead: number;
  /** Key/value heads; fewer than `nHead` means grouped-query attention. */
  nKvHead: number;
  /** Width of the SwiGLU hidden layer. */
  intermediateSize: number;
  /** Largest position (prompt + response) the rotary tables cover. */
  maxPositions: number;
  ropeTheta: number;
  rmsNormEps: number;
  /** The LM head reuses the token embedding matrix. */
  tieWordEmbeddings: boolean;
  /** Standard deviation of the normal initialisation of every weight matrix. */
  initializerRange: number;
  bosTokenId: number | null;
  /** One end token or several (Llama 3 lists several); generation stops at any of them. */
  eosTokenId: number | number[] | null;
  padTokenId: number | null;
  head: Head;
}

/** Per-head width. */
export function headDim(config: LlamaConfig): number {
  return config.dModel / config.nHead;
}

/** A complete config from the fields that matter, with Llama's defaults for the rest. */
export function llamaConfig(
  fields: Partial<LlamaConfig> & Pick<LlamaConfig, "vocabSize" | "dModel" | "nLayer" | "nHead">,
): LlamaConfig {
  const config: LlamaConfig = {
    nKvHead: fields.nHead,
    // SwiGLU's 8/3·d rounded up to a multiple of 32 keeps the parameter count of a 4·d GELU MLP (Llama §2).
    intermediateSize: Math.ceil((8 * fields.dModel) / 3 / 32) * 32,
    maxPositions: 2048,
    ropeTheta: 10000,
    rmsNormEps: 1e-6,
    tieWordEmbeddings: false,
    initializerRange: 0.02,
    bosTokenId: null,
    eosTokenId: null,
    padTokenId: null,
    head: "lm",
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

function validateConfig(c: LlamaConfig, where: string): void {
  for (const key of [
    "vocabSize",
    "dModel",
    "nLayer",
    "nHead",
    "nKvHead",
    "intermediateSize",
    "maxPositions",
  ] as const) {
    if (!Number.isInteger(c[key]) || c[key] <= 0)
      throw new Error(`${where}: ${key} must be a positive integer (got ${c[key]})`);
  }
  if (c.dModel % c.nHead !== 0)
    throw new Error(`${where}: dModel ${c.dModel} is not divisible by nHead ${c.nHead}`);
  if (c.nHead % c.nKvHead !== 0)
    throw new Error(`${where}: nHead ${c.nHead} is not divisible by nKvHead ${c.nKvHead}`);
  if (headDim(c) % 2 !== 0)
    throw new Error(`${where}: the head width ${headDim(c)} must be even for rotary embeddings`);
}

const architectureOf: Record<Head, string> = {
  lm: "LlamaForCausalLM",
  scalar: "LlamaForSequenceClassification",
};

/** The config.json object: Hugging Face LlamaConfig fields; `architectures` says which head the weights have. */
export function toHfConfig(c: LlamaConfig): Record<string, unknown> {
  const json: Record<string, unknown> = {
    architectures: [architectureOf[c.head]],
    model_type: "llama",
    vocab_size: c.vocabSize,
    hidden_size: c.dModel,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.nLayer,
    num_attention_heads: c.nHead,
    num_key_value_heads: c.nKvHead,
    head_dim: headDim(c),
    hidden_act: "silu",
    max_position_embeddings: c.maxPositions,
    rope_theta: c.ropeTheta,
    rope_scaling: null,
    rms_norm_eps: c.rmsNormEps,
    tie_word_embeddings: c.tieWordEmbeddings,
    initializer_range: c.initializerRange,
    attention_bias: false,
    mlp_bias: false,
    attention_dropout: 0,
    bos_token_id: c.bosTokenId,
    eos_token_id: c.eosTokenId,
    pad_token_id: c.padTokenId,
    torch_dtype: "float32",
    use_cache: true,
  };
  // LlamaForSequenceClassification reads its output count from id2label: one label, one scalar.
  if (c.head === "scalar") Object.assign(json, { id2label: { "0": "LABEL_0" }, label2id: { LABEL_0: 0 } });
  return json;
}

/** Reads a config.json object; `where` (the file) prefixes every error. Unsupported Llama variants are refused. */
export function fromHfConfig(json: Record<string, unknown>, where: string): LlamaConfig {
  const num = (key: string, fallback?: number): number => {
    const v = json[key] ?? fallback;
    if (typeof v !== "number") throw new Error(`${where}: field "${key}" must be a number`);
    return v;
  };
  const id = (key: string): number | null => (typeof json[key] === "number" ? (json[key] as number) : null);
  const refuse = (key: string, ok: (v: unknown) => boolean) => {
    if (key in json && !ok(json[key]))
      throw new Error(`${where}: "${key}": ${JSON.stringify(json[key])} is not supported (plain Llama only)`);
  };
  if (json.model_type !== undefined && json.model_type !== "llama") {
    throw new Error(`${where}: model_type "${String(json.model_type)}" is not supported; expected "llama"`);
  }
  refuse("hidden_act", (v) => v === "silu");
  refuse("rope_scaling", (v) => v === null);
  refuse("attention_bias", (v) => v === false);
  refuse("mlp_bias", (v) => v === false);
  const architectures = Array.isArray(json.architectures) ? (json.architectures as unknown[]) : [];
  const head: Head = architectures.includes(architectureOf.scalar) ? "scalar" : "lm";
  if (head === "scalar" && json.id2label && Object.keys(json.id2label as object).length !== 1) {
    throw new Error(`${where}: a scalar head needs exactly one label in id2label`);
  }
  const eos = json.eos_token_id;
  const nHead = num("num_attention_heads");
  const dModel = num("hidden_size");
  if (typeof json.head_dim === "number" && json.head_dim !== dModel / nHead) {
    throw new Error(
      `${where}: head_dim ${json.head_dim} differs from hidden_size / num_attention_heads; not supported`,
    );
  }
  const config: LlamaConfig = {
    vocabSize: num("vocab_size"),
    dModel,
    nLayer: num("num_hidden_layers"),
    nHead,
    nKvHead: num("num_key_value_heads", nHead),
    intermediateSize: num("intermediate_size"),
    maxPositions: num("max_position_embeddings", 2048),
    ropeTheta: num("rope_theta", 10000),
    rmsNormEps: num("rms_norm_eps", 1e-6),
    tieWordEmbeddings: json.tie_word_embeddings === true,
    initializerRange: num("initializer_range", 0.02),
    bosTokenId: id("bos_token_id"),
    eosTokenId: Array.isArray(eos) ? (eos as number[]) : id("eos_token_id"),
    padTokenId: id("pad_token_id"),
    head,
  };
  validateConfig(config, where);
  return config;
}
