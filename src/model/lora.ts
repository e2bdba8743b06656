/**
 * LoRA (Hu et al., "LoRA: Low-Rank Adaptation of Large Language Models"): the base weights are frozen and
 * each target linear layer W gets a trainable low-rank update, y = W·x + (alpha / r)·B·A·x, with A (r, in)
 * drawn as PyTorch's Linear default and B (out, r) zero, so training starts from the base model exactly.
 *
 * Adapters are saved in PEFT's layout, so `PeftModel.from_pretrained(base, dir)` loads them:
 * `adapter_config.json` and `adapter_model.safetensors` with keys such as
 * `base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight`. Only plain LoRA is read back: a
 * config asking for anything that changes the computation beyond r, alpha and target modules (rsLoRA,
 * DoRA, per-layer ranks, bias training, …) is refused by name. `lora_dropout` is a training-time setting
 * that does not change the outputs; training here uses none.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  Linear,
  Tensor,
  keep,
  loadSafetensors,
  noGrad,
  rand,
  saveSafetensors,
  scope,
  zeros,
  F,
} from "../torch/index.js";
import type { Llama } from "./llama.js";

export interface LoraConfig {
  /** Rank r of each update (PEFT's default 8). */
  r: number;
  /** alpha: the update is scaled by alpha / r (PEFT's default 8; 2r is common). */
  alpha: number;
  /** The linear layers that get an adapter, by their last name (PEFT's target_modules). */
  targetModules: string[];
}

/** Rank 8, alpha 16, the attention projections: the usual starting point for a code model. */
export const loraDefaults: LoraConfig = {
  r: 8,
  alpha: 16,
  targetModules: ["q_proj", "k_proj", "v_proj", "o_proj"],
};

export const adapterConfigFile = "adapter_config.json";
export const adapterWeightsFile = "adapter_model.safetensors";

/** One layer's update: (alpha / r)·B·A·x. */
class LoraUpdate {
  constructor(
    readonly a: Tensor, // (r, in)
    readonly b: Tensor, // (out, r)
    private readonly scaling: number,
  ) {}
  forward(x: Tensor): Tensor {
    return scope(() => F.linear(F.linear(x, this.a), this.b).mul(this.scaling)); // (…, r) → (…, out)
  }
}

/** The adapters attached to a model. `dispose()` detaches them and unfreezes the base. */
export class LoraAdapters {
  private constructor(
    readonly config: LoraConfig,
    private readonly model: Llama,
    /** By the target layer's dotted name in the model, e.g. "model.layers.0.self_attn.q_proj". */
    private readonly updates: Map<string, { layer: Linear; update: LoraUpdate }>,
  ) {}

  /** Freezes every weight of `model` and attaches a fresh adapter to each target layer. */
  static attach(model: Llama, config: LoraConfig = loraDefaults): LoraAdapters {
    if (!Number.isInteger(config.r) || config.r < 1)
      throw new Error(`LoRA: r must be a positive integer, got ${config.r}`);
    const targets = model
      .namedModules()
      .filter(([name, m]) => m instanceof Linear && config.targetModules.includes(name.split(".").at(-1)!));
    const found = new Set(targets.map(([name]) => name.split(".").at(-1)!));
    const missing = config.targetModules.filter((t) => !found.has(t));
    if (missing.length > 0)
      throw new Error(
        `LoRA: target_modules ${missing.join(", ")} name no linear layer of this model (its layers: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)`,
      );
    for (const p of model.parameters()) p.requiresGrad_(false);
    const updates = new Map<string, { layer: Linear; update: LoraUpdate }>();
    for (const [name, m] of targets) {
      const layer = m as Linear;
      if (layer.adapter) throw new Error(`LoRA: ${name} already has an adapter`);
      const bound = 1 / Math.sqrt(layer.inFeatures); // kaiming_uniform(a=√5), as PEFT and nn.Linear
      const a = keep(
        scope(() =>
          rand([config.r, layer.inFeatures])
            .mul(2 * bound)
            .sub(bound),
        ),
      ).requiresGrad_(true);
      const b = keep(zeros([layer.outFeatures, config.r])).requiresGrad_(true);
      const update = new LoraUpdate(a, b, config.alpha / config.r);
      layer.adapter = update;
      updates.set(name, { layer, update });
    }
    return new LoraAdapters(config, model, updates);
  }

  /** The trainable weights: every A and B. */
  parameters(): Tensor[] {
    return [...this.updates.values()].flatMap(({ update }) => [update.a, update.b]);
  }

  /** The weights under PEFT's names (`base_model.model.<layer>.lora_A.weight`, `….lora_B.weight`). */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [name, { update }] of this.updates) {
      out.set(`base_model.model.${name}.lora_A.weight`, update.a);
      out.set(`base_model.model.${name}.lora_B.weight`, update.b);
    }
    return out;
  }

  /**
   * The model's state dict with each target weight replaced by W + (alpha / r)·B·A: a plain checkpoint
   * that computes what the adapted model does. The merged tensors are new: free them with `disposeMerged`.
   */
  mergedStateDict(): Map<string, Tensor> {
    const state = this.model.stateDict();
    noGrad(() => {
      for (const [name, { layer, update }] of this.updates)
        state.set(
          `${name}.weight`,
          keep(
            scope(() => layer.weight.add(update.b.matmul(update.a).mul(this.config.alpha / this.config.r))),
          ),
        );
    });
    return state;
  }

  /** Frees the merged tensors of a `mergedStateDict()`. */
  disposeMerged(state: Map<string, Tensor>): void {
    for (const name of this.updates.keys()) state.get(`${name}.weight`)?.dispose();
  }

  /** Writes adapter_config.json and adapter_model.safetensors into `dir`; `base` names the base model. */
  save(dir: string, base: string | null = null): void {
    mkdirSync(dir, { recursive: true });
    const config = {
      peft_type: "LORA",
      task_type: this.model.head === "lm" ? "CAUSAL_LM" : "SEQ_CLS",
      base_model_name_or_path: base,
      r: this.config.r,
      lora_alpha: this.config.alpha,
      target_modules: this.config.targetModules,
      lora_dropout: 0,
      bias: "none",
      fan_in_fan_out: false,
      use_rslora: false,
      use_dora: false,
      modules_to_save: null,
      layers_to_transform: null,
      layers_pattern: null,
      rank_pattern: {},
      alpha_pattern: {},
      init_lora_weights: true,
      inference_mode: true,
    };
    writeFileSync(join(dir, adapterConfigFile), JSON.stringify(config, null, 2) + "\n");
    saveSafetensors(join(dir, adapterWeightsFile), this.stateDict(), { format: "pt" });
  }

  /** Attaches the adapters saved in `dir` (by linewise or PEFT) to `model`, whose weights are frozen. */
  static load(dir: string, model: Llama): LoraAdapters {
    const config = readAdapterConfig(dir);
    const path = join(dir, adapterWeightsFile);
    if (!existsSync(path))
      throw new Error(`${dir}: no ${adapterWeightsFile} (PEFT's adapter_model.bin pickles are not read)`);
    const adapters = LoraAdapters.attach(model, config);
    const { tensors } = loadSafetensors(path);
    try {
      const own = adapters.stateDict();
      const unexpected = [...tensors.keys()].filter((k) => !own.has(k));
      const missing = [...own.keys()].filter((k) => !tensors.has(k));
      const some = (keys: string[]) =>
        `${keys.length} (${keys.slice(0, 2).join(", ")}${keys.length > 2 ? ", …" : ""})`;
      if (unexpected.length > 0 || missing.length > 0)
        throw new Error(
          `${path}: the tensors do not match ${adapterConfigFile}: ` +
            [
              missing.length ? `missing ${some(missing)}` : "",
              unexpected.length ? `unexpected ${some(unexpected)}` : "",
            ]
              .filter(Boolean)
              .join("; "),
        );
      noGrad(() => {
        for (const [key, target] of own) {
          const source = tensors.get(key)!;
          if (source.shape.join() !== target.shape.join())
            throw new Error(`${path}: ${key} has shape [${source.shape}], the model needs [${target.shape}]`);
          scope(() => void target.copy_(source.float()));
        }
      });
    } catch (e) {
      adapters.dispose();
      throw e;
    } finally {
      for (const t of tensors.values()) t.dispose();
    }
    return adapters;
  }

  /** Detaches and frees the adapters, and makes the base weights trainable again. */
  dispose(): void {
    for (const { layer, update } of this.updates.values()) {
      layer.adapter = null;
      update.a.dispose();
      update.b.dispose();
    }
    this.updates.clear();
    for (const p of this.model.parameters()) p.requiresGrad_(true);
  }
}

/** Reads a PEFT adapter_config.json, refusing by name what plain LoRA here does not compute. */
export function readAdapterConfig(dir: string): LoraConfig {
  const path = join(dir, adapterConfigFile);
  if (!existsSync(path)) throw new Error(`${dir}: not a LoRA adapter folder (no ${adapterConfigFile})`);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const refuse = (field: string, what: string) => {
    throw new Error(`${path}: ${field} ${JSON.stringify(json[field])} is not supported: ${what}`);
  };
  if (json.peft_type !== "LORA") refuse("peft_type", 'only "LORA" adapters are read');
  const empty = (v: unknown) =>
    v === undefined || v === null || v === false || (typeof v === "object" && Object.keys(v).length === 0);
  if (!empty(json.use_rslora)) refuse("use_rslora", "updates are scaled by alpha/r, not rsLoRA's alpha/√r");
  if (!empty(json.use_dora)) refuse("use_dora", "plain LoRA only, without DoRA's magnitude vectors");
  if (!empty(json.fan_in_fan_out)) refuse("fan_in_fan_out", "Llama-style (out, in) linear weights only");
  if (json.bias !== undefined && json.bias !== "none") refuse("bias", 'only "none"');
  for (const field of [
    "modules_to_save",
    "layers_to_transform",
    "rank_pattern",
    "alpha_pattern",
    "target_parameters",
    "megatron_config",
    "layer_replication",
  ])
    if (!empty(json[field]))
      refuse(field, "every target layer has the same r and alpha, and nothing else is trained");
  const r = json.r;
  const alpha = json.lora_alpha ?? 8;
  const targets = json.target_modules;
  if (typeof r !== "number" || !Number.isInteger(r) || r < 1) refuse("r", "give a positive integer");
  if (typeof alpha !== "number") refuse("lora_alpha", "give a number");
  if (!Array.isArray(targets) || targets.some((t) => typeof t !== "string"))
    refuse("target_modules", "give a list of layer names; a regular expression is not read");
  return { r: r as number, alpha: alpha as number, targetModules: targets as string[] };
}
