/**
 * Checkpoints in the Hugging Face layout (DESIGN.md, "Formats"): a folder with `config.json` (Llama, Qwen2 or
 * Mistral config fields), `model.safetensors` or shards listed by `model.safetensors.index.json` (Hugging Face
 * parameter names; float32, bfloat16 or float16) and `tokenizer.json`. Nothing loads "mostly": a missing shard
 * or tensor, an extra tensor, a shape the config does not imply or a non-float dtype is refused in one line
 * naming the file and the tensor.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Tensor, loadSafetensors, noGrad, saveSafetensors } from "../torch/index.js";
import type { Head, LlamaConfig } from "./config.js";
import { fromHfConfig, toHfConfig } from "./hf-config.js";
import { Llama } from "./llama.js";
import { Tokenizer } from "./tokenizer/index.js";

/** Writes config.json, model.safetensors and (when given) tokenizer.json into `dir`, creating it. */
export function saveCheckpoint(
  dir: string,
  model: Llama,
  tokenizer?: Tokenizer | null,
  state: Map<string, Tensor> = model.stateDict(),
): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify(toHfConfig(model.config), null, 2) + "\n");
  saveSafetensors(join(dir, "model.safetensors"), state, { format: "pt" });
  tokenizer?.save(join(dir, "tokenizer.json"));
}

/** The config of the checkpoint in `dir`. */
export function readCheckpointConfig(dir: string): LlamaConfig {
  const path = join(dir, "config.json");
  if (!existsSync(path))
    throw new Error(
      `${dir}: not a checkpoint folder (no config.json); pass a folder written by linewise or a Hugging Face Llama model`,
    );
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new Error(`${path}: expected a JSON object`);
  return fromHfConfig(json as Record<string, unknown>, path);
}

/** The checkpoint's tokenizer, or null when it has no tokenizer.json. */
export function loadCheckpointTokenizer(dir: string): Tokenizer | null {
  return existsSync(join(dir, "tokenizer.json")) ? Tokenizer.load(dir) : null;
}

/**
 * Rebuilds the model saved in `dir`. `head` other than the saved one keeps the backbone and starts a fresh
 * head: a value model from a policy checkpoint, or a policy from a PRM. Same head: every weight is loaded.
 */
export function loadCheckpoint(dir: string, options: { head?: Head } = {}): Llama {
  const saved = readCheckpointConfig(dir);
  const model = new Llama({ ...saved, head: options.head ?? saved.head });
  const weights = readWeights(dir);
  try {
    const sameHead = model.head === saved.head;
    const own = model.stateDict();
    const wanted = new Map<string, Tensor>();
    for (const [name, { tensor, file }] of weights) {
      // Rotary tables some older exporters saved; transformers ignores them too (they follow from the config).
      if (name.endsWith("rotary_emb.inv_freq")) continue;
      // A tied checkpoint may still carry a copy of lm_head.weight (Hugging Face writes one sometimes).
      if (saved.tieWordEmbeddings && name === "lm_head.weight") continue;
      const isHead = !name.startsWith("model.");
      if (isHead && !sameHead) continue;
      const target = own.get(name);
      if (!target)
        throw new Error(
          `${file}: tensor ${name} is not part of a ${describe(saved)}; the config.json does not match these weights`,
        );
      if (target.shape.join() !== tensor.shape.join())
        throw new Error(
          `${file}: tensor ${name} has shape [${tensor.shape}] but config.json implies [${target.shape}]`,
        );
      if (!floatTypes.has(tensor.dtype))
        throw new Error(
          `${file}: tensor ${name} has dtype ${tensor.dtype}; expected float32, bfloat16 or float16`,
        );
      wanted.set(name, tensor);
    }
    for (const name of own.keys()) {
      const isHead = !name.startsWith("model.");
      if (!wanted.has(name) && (sameHead || !isHead))
        throw new Error(
          `${dir}: tensor ${name} is missing from the weights (config.json describes a ${describe(saved)})`,
        );
    }
    // Half-precision weights are widened to float32 by the copy: training keeps float32 master weights.
    noGrad(() => {
      for (const [name, t] of wanted) own.get(name)!.copy_(t);
    });
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    for (const { tensor } of weights.values()) tensor.dispose();
  }
  return model;
}

const floatTypes = new Set(["float32", "bfloat16", "float16", "float64"]);

function describe(c: LlamaConfig): string {
  const head =
    c.head === "lm" ? "causal LM" : c.scoreBias ? "token-classification" : "sequence-classification";
  return `${c.family} ${head} model with ${c.nLayer} layers`;
}

/** A new model with `head` on a copy of `model`'s backbone; the head is copied too when it is the same kind. */
export function withHead(model: Llama, head: Head): Llama {
  const copy = new Llama({ ...model.config, head });
  if (head === model.head) copy.loadStateDict(model.stateDict());
  else copy.model.loadStateDict(model.model.stateDict());
  return copy;
}

/** model.safetensors, or the shards a Hugging Face model.safetensors.index.json lists; each tensor with its file. */
function readWeights(dir: string): Map<string, { tensor: Tensor; file: string }> {
  const out = new Map<string, { tensor: Tensor; file: string }>();
  const read = (file: string) => {
    for (const [name, tensor] of loadSafetensors(file).tensors) {
      if (out.has(name)) {
        tensor.dispose();
        throw new Error(`${file}: tensor ${name} is also in ${out.get(name)!.file}`);
      }
      out.set(name, { tensor, file });
    }
  };
  const single = join(dir, "model.safetensors");
  const index = join(dir, "model.safetensors.index.json");
  try {
    if (existsSync(single)) {
      read(single);
      return out;
    }
    if (!existsSync(index)) {
      const other = ["pytorch_model.bin", "pytorch_model.bin.index.json"].find((f) =>
        existsSync(join(dir, f)),
      );
      throw new Error(
        other
          ? `${join(dir, other)}: PyTorch pickle weights are not read; convert them to safetensors (transformers: model.save_pretrained(dir, safe_serialization=True))`
          : `${dir}: no model.safetensors (nor a sharded model.safetensors.index.json)`,
      );
    }
    let weightMap: Record<string, string>;
    try {
      weightMap =
        (JSON.parse(readFileSync(index, "utf8")) as { weight_map?: Record<string, string> }).weight_map ?? {};
    } catch (e) {
      throw new Error(`${index}: not valid JSON (${(e as Error).message})`);
    }
    const shards = new Set(Object.values(weightMap));
    for (const shard of shards) {
      const path = join(dir, shard);
      if (!existsSync(path)) {
        const tensor = Object.keys(weightMap).find((n) => weightMap[n] === shard);
        throw new Error(`${index}: shard ${shard} (holding ${tensor}) is missing from ${dir}`);
      }
      read(path);
    }
    for (const [name, shard] of Object.entries(weightMap)) {
      if (out.get(name)?.file !== join(dir, shard))
        throw new Error(`${join(dir, shard)}: tensor ${name} listed in ${index} is not in this shard`);
    }
    return out;
  } catch (e) {
    for (const { tensor } of out.values()) tensor.dispose();
    throw e;
  }
}
