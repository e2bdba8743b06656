/**
 * Checkpoints in the Hugging Face layout (DESIGN.md, "Formats"): a folder with `config.json` (LlamaConfig
 * fields), `model.safetensors` (Hugging Face parameter names) and `tokenizer.json`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Tensor, loadSafetensors, saveSafetensors } from "../torch/index.js";
import { fromHfConfig, toHfConfig, type Head, type LlamaConfig } from "./config.js";
import { Llama } from "./llama.js";
import { Tokenizer } from "./tokenizer/index.js";

/** Writes config.json, model.safetensors and (when given) tokenizer.json into `dir`, creating it. */
export function saveCheckpoint(dir: string, model: Llama, tokenizer?: Tokenizer | null): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify(toHfConfig(model.config), null, 2) + "\n");
  saveSafetensors(join(dir, "model.safetensors"), model.stateDict(), { format: "pt" });
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
  const state = readWeights(dir);
  try {
    const sameHead = model.head === saved.head;
    // A tied checkpoint may still carry a copy of lm_head.weight (Hugging Face writes one sometimes).
    const wanted = (name: string) =>
      name.startsWith("model.") || (sameHead && !(saved.tieWordEmbeddings && name === "lm_head.weight"));
    const filtered = new Map([...state].filter(([name]) => wanted(name)));
    if (sameHead) model.loadStateDict(filtered);
    else
      model.model.loadStateDict(new Map([...filtered].map(([name, t]) => [name.slice("model.".length), t])));
  } catch (e) {
    model.dispose();
    throw new Error(`${dir}: ${(e as Error).message}`);
  } finally {
    for (const t of state.values()) t.dispose();
  }
  return model;
}

/** A new model with `head` on a copy of `model`'s backbone; the head is copied too when it is the same kind. */
export function withHead(model: Llama, head: Head): Llama {
  const copy = new Llama({ ...model.config, head });
  if (head === model.head) copy.loadStateDict(model.stateDict());
  else copy.model.loadStateDict(model.model.stateDict());
  return copy;
}

/** model.safetensors, or the shards a Hugging Face model.safetensors.index.json lists. */
function readWeights(dir: string): Map<string, Tensor> {
  const single = join(dir, "model.safetensors");
  if (existsSync(single)) return loadSafetensors(single).tensors;
  const index = join(dir, "model.safetensors.index.json");
  if (!existsSync(index))
    throw new Error(`${dir}: no model.safetensors (nor a sharded model.safetensors.index.json)`);
  const weightMap =
    (JSON.parse(readFileSync(index, "utf8")) as { weight_map?: Record<string, string> }).weight_map ?? {};
  const out = new Map<string, Tensor>();
  for (const shard of new Set(Object.values(weightMap))) {
    for (const [name, t] of loadSafetensors(join(dir, shard)).tensors) out.set(name, t);
  }
  return out;
}
