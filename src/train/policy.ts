/**
 * The policy a trainer updates (sft from `init`, dpo, ppo, grpo): every weight, or with `lora.r > 0` only
 * LoRA adapters on a frozen base (src/model/lora.ts). A checkpoint is always a plain model folder, so
 * every command reads it as before: with LoRA its weights are the merged W + (alpha / r)·B·A, and the
 * adapters themselves are saved next to it in `adapter/` in PEFT's layout. A resumed LoRA run loads the
 * base again from where it started and the adapters from the checkpoint's `adapter/`.
 */
import { join } from "node:path";
import type { Tensor } from "../torch/index.js";
import { LoraAdapters, loadCheckpoint, saveCheckpoint, type Llama, type LoraConfig } from "../model/index.js";
import type { Tokenizer } from "../model/tokenizer/index.js";

/** Full fine-tuning (r = 0); with r > 0 the adapters' shape. Trainer configs' `lora` field. */
export const loraOff: LoraConfig = {
  r: 0,
  alpha: 16,
  targetModules: ["q_proj", "k_proj", "v_proj", "o_proj"],
};

/** The folder inside a checkpoint that holds a LoRA run's adapters. */
export const adapterFolder = "adapter";

export interface TrainablePolicy {
  model: Llama;
  /** What the optimiser updates: every weight, or the adapters' A and B. */
  params: Tensor[];
  /** Writes the checkpoint folder (merged weights with LoRA, plus `adapter/`). */
  save(dir: string, tokenizer: Tokenizer): void;
  dispose(): void;
}

/** Loads the policy to train from `start`, or from `resumed` (a checkpoint of this run) when given. */
export function trainablePolicy(
  start: string,
  resumed: string | null,
  options: { lora: LoraConfig; gradientCheckpointing: boolean },
): TrainablePolicy {
  const { lora } = options;
  if (lora.r === 0) {
    const model = loadCheckpoint(resumed ?? start, { head: "lm" });
    model.gradientCheckpointing = options.gradientCheckpointing;
    return {
      model,
      params: model.parameters(),
      save: (dir, tokenizer) => saveCheckpoint(dir, model, tokenizer),
      dispose: () => model.dispose(),
    };
  }
  const model = loadCheckpoint(start, { head: "lm" });
  model.gradientCheckpointing = options.gradientCheckpointing;
  let adapters: LoraAdapters;
  try {
    adapters = resumed
      ? LoraAdapters.load(join(resumed, adapterFolder), model)
      : LoraAdapters.attach(model, lora);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return {
    model,
    params: adapters.parameters(),
    save: (dir, tokenizer) => {
      const merged = adapters.mergedStateDict();
      try {
        saveCheckpoint(dir, model, tokenizer, merged);
      } finally {
        adapters.disposeMerged(merged);
      }
      adapters.save(join(dir, adapterFolder), start);
    },
    dispose: () => {
      adapters.dispose();
      model.dispose();
    },
  };
}
