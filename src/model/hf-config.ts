/**
 * config.json ⇄ LlamaConfig for the Hugging Face families linewise computes exactly: Llama, Qwen2 and Mistral
 * (checked against transformers 4.57 and 5.18). Reading follows transformers: absent fields take that family's
 * defaults, `rope_theta` is found wherever 4.x (top level) or 5.x (inside `rope_parameters` / `rope_scaling`)
 * writes it. Every field that changes what transformers computes is either implemented or refused with one line
 * naming the file and the field; fields transformers does not read for the family (Llama's `sliding_window`,
 * `pretraining_tp`) are ignored, as there.
 */
import { validateConfig, type Family, type Head, type LlamaConfig, type RopeScaling } from "./config.js";

type Json = Record<string, unknown>;

/** What transformers' config classes use when a field is absent (LlamaConfig, Qwen2Config, MistralConfig). */
const families: Record<
  Family,
  { prefix: string; maxPositions: number; nKvHead: number | null; bos: number | null; eos: number | null }
> = {
  llama: { prefix: "Llama", maxPositions: 2048, nKvHead: null, bos: 1, eos: 2 },
  qwen2: { prefix: "Qwen2", maxPositions: 32768, nKvHead: 32, bos: null, eos: null },
  mistral: { prefix: "Mistral", maxPositions: 4096 * 32, nKvHead: 8, bos: 1, eos: 2 },
};

const ropeTypes = ["default", "linear", "dynamic", "llama3"];

/** The config.json object for `c`; `architectures` says which head the weights have. */
export function toHfConfig(c: LlamaConfig): Json {
  const where = `toHfConfig (${c.family})`;
  if (c.family !== "llama" && (c.outputBias || c.mlpBias || c.qkvBias !== (c.family === "qwen2")))
    throw new Error(`${where}: ${c.family} cannot express these biases; use family "llama"`);
  if (c.family === "llama" && c.qkvBias !== c.outputBias)
    throw new Error(`${where}: Llama's attention_bias covers q, k, v and o together`);
  if (c.family === "llama" && c.slidingWindow)
    throw new Error(`${where}: transformers' Llama has no sliding window; use family "mistral" or "qwen2"`);
  const json: Json = {
    architectures: [architecture(c)],
    model_type: c.family,
    vocab_size: c.vocabSize,
    hidden_size: c.dModel,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.nLayer,
    num_attention_heads: c.nHead,
    num_key_value_heads: c.nKvHead,
    head_dim: c.headDim,
    hidden_act: "silu",
    max_position_embeddings: c.maxPositions,
    // The 4.x layout (top-level rope_theta, rope_scaling): transformers 5.x reads it too.
    rope_theta: c.ropeTheta,
    rope_scaling: ropeScalingJson(c.ropeScaling),
    rms_norm_eps: c.rmsNormEps,
    tie_word_embeddings: c.tieWordEmbeddings,
    initializer_range: c.initializerRange,
    attention_dropout: 0,
    bos_token_id: c.bosTokenId,
    eos_token_id: c.eosTokenId,
    pad_token_id: c.padTokenId,
    torch_dtype: "float32",
    use_cache: true,
  };
  if (c.family === "llama") Object.assign(json, { attention_bias: c.qkvBias, mlp_bias: c.mlpBias });
  if (c.family === "mistral") json.sliding_window = c.slidingWindow?.size ?? null;
  if (c.family === "qwen2") {
    const sliding = new Set(c.slidingWindow?.layers ?? []);
    Object.assign(json, {
      use_sliding_window: c.slidingWindow !== null,
      sliding_window: c.slidingWindow?.size ?? null,
      max_window_layers: c.nLayer,
      layer_types: Array.from({ length: c.nLayer }, (_, i) =>
        sliding.has(i) ? "sliding_attention" : "full_attention",
      ),
    });
  }
  // *ForSequenceClassification and *ForTokenClassification read their output count from id2label.
  if (c.head === "scalar") Object.assign(json, { id2label: { "0": "LABEL_0" }, label2id: { LABEL_0: 0 } });
  return json;
}

function architecture(c: LlamaConfig): string {
  const prefix = families[c.family].prefix;
  if (c.head === "lm") return `${prefix}ForCausalLM`;
  return c.scoreBias ? `${prefix}ForTokenClassification` : `${prefix}ForSequenceClassification`;
}

function ropeScalingJson(s: RopeScaling | null): Json | null {
  if (!s) return null;
  if (s.type !== "llama3") return { rope_type: s.type, factor: s.factor };
  return {
    rope_type: "llama3",
    factor: s.factor,
    low_freq_factor: s.lowFreqFactor,
    high_freq_factor: s.highFreqFactor,
    original_max_position_embeddings: s.originalMaxPositions,
  };
}

/** Reads a config.json object; `where` (the file) prefixes every error. */
export function fromHfConfig(json: Json, where: string): LlamaConfig {
  const refuse = (field: string, why: string): never => {
    throw new Error(`${where}: "${field}": ${why}`);
  };
  const has = (key: string) => json[key] !== undefined && json[key] !== null;
  const num = (key: string, fallback?: number | null): number => {
    const v = json[key] ?? fallback;
    if (typeof v !== "number")
      throw new Error(
        `${where}: field "${key}" must be a number (${v === undefined ? "absent" : `got ${JSON.stringify(v)}`})`,
      );
    return v as number;
  };
  const id = (key: string, fallback: number | null): number | null =>
    key in json ? (typeof json[key] === "number" ? (json[key] as number) : null) : fallback;

  // The family: model_type decides which transformers class computes the model.
  const modelType = json.model_type ?? "llama";
  if (typeof modelType !== "string" || !(modelType in families))
    refuse("model_type", `${JSON.stringify(modelType)} is not supported (supported: llama, qwen2, mistral)`);
  const family = modelType as Family;
  const defaults = families[family];

  // The head, from the architecture the weights were saved with.
  const { head, scoreBias } = readHead(json, family, refuse);

  if (
    json.auto_map &&
    typeof json.auto_map === "object" &&
    Object.keys(json.auto_map).some((k) => k.startsWith("AutoModel"))
  )
    refuse("auto_map", "custom modeling code (trust_remote_code) is not supported");
  if (has("quantization_config")) refuse("quantization_config", "quantized weights are not supported");
  if ((json.hidden_act ?? "silu") !== "silu")
    refuse("hidden_act", `${JSON.stringify(json.hidden_act)} is not supported (supported: silu)`);
  if ((json.attention_dropout ?? 0) !== 0)
    refuse("attention_dropout", `${JSON.stringify(json.attention_dropout)} is not supported (supported: 0)`);

  const nHead = num("num_attention_heads");
  const dModel = num("hidden_size");
  const nLayer = num("num_hidden_layers");
  const headDim = has("head_dim") ? num("head_dim") : Math.floor(dModel / nHead);
  if (!has("head_dim") && dModel % nHead !== 0)
    refuse(
      "hidden_size",
      `${dModel} is not divisible by num_attention_heads ${nHead} and no head_dim is given`,
    );
  const maxPositions = num("max_position_embeddings", defaults.maxPositions);
  const { ropeTheta, ropeScaling } = readRope(json, maxPositions, refuse);

  const eos = json.eos_token_id;
  const config: LlamaConfig = {
    family,
    vocabSize: num("vocab_size"),
    dModel,
    nLayer,
    nHead,
    nKvHead: has("num_key_value_heads") ? num("num_key_value_heads") : (defaults.nKvHead ?? nHead),
    headDim,
    intermediateSize: num("intermediate_size"),
    maxPositions,
    ropeTheta,
    ropeScaling,
    rmsNormEps: num("rms_norm_eps", 1e-6),
    ...readBiases(json, family, refuse),
    slidingWindow: readSlidingWindow(json, family, nLayer, refuse),
    tieWordEmbeddings: json.tie_word_embeddings === true,
    initializerRange: num("initializer_range", 0.02),
    bosTokenId: id("bos_token_id", defaults.bos),
    eosTokenId: Array.isArray(eos) ? (eos as number[]) : id("eos_token_id", defaults.eos),
    padTokenId: id("pad_token_id", null),
    head,
    scoreBias,
  };
  validateConfig(config, where);
  return config;
}

type Refuse = (field: string, why: string) => never;

/** *ForCausalLM → lm; *ForSequenceClassification / *ForTokenClassification with one label → scalar. */
function readHead(json: Json, family: Family, refuse: Refuse): { head: Head; scoreBias: boolean } {
  const prefix = families[family].prefix;
  const architectures = Array.isArray(json.architectures) ? (json.architectures as unknown[]) : [];
  if (architectures.length === 0) return { head: "lm", scoreBias: false };
  const name = String(architectures[0]);
  const known = ["ForCausalLM", "ForSequenceClassification", "ForTokenClassification"].map((s) => prefix + s);
  if (architectures.length > 1 || !known.includes(name))
    refuse(
      "architectures",
      `${JSON.stringify(architectures)} is not supported for model_type "${family}" (supported: ${known.join(", ")})`,
    );
  if (name === known[0]) return { head: "lm", scoreBias: false };
  // transformers' default is two labels when the config names none.
  const labels =
    json.id2label && typeof json.id2label === "object"
      ? Object.keys(json.id2label).length
      : typeof json.num_labels === "number"
        ? json.num_labels
        : 2;
  if (labels !== 1)
    refuse("id2label", `${labels} labels; a scalar head (value model, PRM) needs exactly one`);
  const token = name === known[2];
  return { head: "scalar", scoreBias: token && json.token_classification_bias !== false };
}

/**
 * θ and scaling as transformers 5.x standardises them: the parameters are `rope_scaling` (4.x name) or else
 * `rope_parameters` (5.x name); θ inside them wins over the top-level `rope_theta` (4.x place), default 10,000.
 * Where 4.x and 5.x would read the same file differently, the file is refused.
 */
function readRope(
  json: Json,
  maxPositions: number,
  refuse: Refuse,
): { ropeTheta: number; ropeScaling: RopeScaling | null } {
  const objectOrNull = (key: string): Json | null => {
    const v = json[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== "object" || Array.isArray(v)) refuse(key, "must be an object or null");
    return Object.keys(v as Json).length ? (v as Json) : null;
  };
  const scaling = objectOrNull("rope_scaling");
  const parameters = objectOrNull("rope_parameters");
  if (scaling && parameters && JSON.stringify(scaling) !== JSON.stringify(parameters))
    refuse("rope_scaling", "differs from rope_parameters; give one of them");
  const field = scaling ? "rope_scaling" : "rope_parameters";
  const p = scaling ?? parameters ?? {};
  const innerTheta = p.rope_theta;
  const outerTheta = json.rope_theta;
  if (innerTheta !== undefined && outerTheta !== undefined && innerTheta !== outerTheta)
    refuse(
      "rope_theta",
      `${outerTheta} differs from ${field}.rope_theta ${innerTheta} (transformers 4.x and 5.x would disagree)`,
    );
  const ropeTheta = innerTheta ?? outerTheta ?? 10000;
  if (typeof ropeTheta !== "number") return refuse("rope_theta", "must be a number");
  for (const [key, value] of [
    ["partial_rotary_factor", json.partial_rotary_factor],
    [`${field}.partial_rotary_factor`, p.partial_rotary_factor],
  ] as const) {
    if (value !== undefined && value !== null && value !== 1)
      refuse(key, `${value} is not supported (supported: 1)`);
  }
  if (p.type !== undefined && p.rope_type !== undefined && p.type !== p.rope_type)
    refuse(`${field}.type`, `"${p.type}" differs from rope_type "${p.rope_type}"`);
  const type = p.rope_type ?? p.type ?? "default";
  if (typeof type !== "string" || !ropeTypes.includes(type))
    refuse(
      `${field}.${p.rope_type === undefined && p.type !== undefined ? "type" : "rope_type"}`,
      `${JSON.stringify(type)} is not supported (supported: ${ropeTypes.join(", ")})`,
    );
  const number = (key: string, fallback?: unknown): number => {
    const v = p[key] ?? fallback;
    if (typeof v !== "number") refuse(`${field}.${key}`, `must be a number for rope_type "${type}"`);
    return v as number;
  };
  let ropeScaling: RopeScaling | null = null;
  if (type === "linear" || type === "dynamic") ropeScaling = { type, factor: number("factor") };
  if (type === "llama3")
    ropeScaling = {
      type,
      factor: number("factor"),
      lowFreqFactor: number("low_freq_factor"),
      highFreqFactor: number("high_freq_factor"),
      // 5.x gives a top-level original_max_position_embeddings priority, then the one inside, then the length.
      originalMaxPositions:
        (json.original_max_position_embeddings as number | undefined) ??
        number("original_max_position_embeddings", maxPositions),
    };
  return { ropeTheta, ropeScaling };
}

/** Biases: Llama's attention_bias (q, k, v, o) and mlp_bias; Qwen2 always has q, k, v biases; Mistral none. */
function readBiases(
  json: Json,
  family: Family,
  refuse: Refuse,
): Pick<LlamaConfig, "qkvBias" | "outputBias" | "mlpBias"> {
  if (family === "qwen2") return { qkvBias: true, outputBias: false, mlpBias: false };
  if (family === "mistral") return { qkvBias: false, outputBias: false, mlpBias: false };
  const flag = (key: string): boolean => {
    const v = json[key] ?? false;
    if (typeof v !== "boolean") refuse(key, "must be true or false");
    return v as boolean;
  };
  const attention = flag("attention_bias");
  return { qkvBias: attention, outputBias: attention, mlpBias: flag("mlp_bias") };
}

/**
 * Mistral: `sliding_window` (default 4096, null for none) on every layer. Qwen2: only with `use_sliding_window`,
 * on the layers `layer_types` marks "sliding_attention", else on layers ≥ `max_window_layers` (default 28).
 */
function readSlidingWindow(
  json: Json,
  family: Family,
  nLayer: number,
  refuse: Refuse,
): LlamaConfig["slidingWindow"] {
  if (family === "llama") return null;
  const size = "sliding_window" in json ? json.sliding_window : 4096;
  if (size !== null && typeof size !== "number") refuse("sliding_window", "must be a number or null");
  if (family === "mistral")
    return size === null ? null : { size: size as number, layers: [...Array(nLayer).keys()] };
  if (json.use_sliding_window !== true || size === null) return null;
  let layers: number[];
  if (Array.isArray(json.layer_types)) {
    const types = json.layer_types as unknown[];
    if (types.length !== nLayer) refuse("layer_types", `has ${types.length} entries for ${nLayer} layers`);
    types.forEach((t) => {
      if (t !== "full_attention" && t !== "sliding_attention")
        refuse(
          "layer_types",
          `${JSON.stringify(t)} is not supported (supported: full_attention, sliding_attention)`,
        );
    });
    layers = types.flatMap((t, i) => (t === "sliding_attention" ? [i] : []));
  } else {
    const first = typeof json.max_window_layers === "number" ? json.max_window_layers : 28;
    layers = [...Array(nLayer).keys()].filter((i) => i >= first);
  }
  return layers.length ? { size: size as number, layers } : null;
}
