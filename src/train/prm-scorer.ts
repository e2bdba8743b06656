/**
 * Reading a PRM: a Llama backbone with a scalar head (DESIGN.md, "Training"), fed prompt + response, read at
 * each step's end token — the token holding the step's last character (rewards/step-ends.ts), where the
 * hidden state has seen the prompt and every step through this one. `PrmScorer` is what PPO calls.
 *
 * Scores are on the label scale (+1 correct, −1 wrong, 0 neutral): an MSE-trained PRM (PSGPO) regresses
 * onto it directly; a BCE-trained PRM (PRLCoder) outputs a logit z of P(correct), mapped to 2σ(z) − 1, so
 * scores from either loss mean the same thing to the reward functions.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  gatherColumns,
  packPairs,
  disposePacked,
  scoreResponses,
  encodePrompt,
  loadCheckpoint,
  type Llama,
} from "../model/index.js";
import { Tokenizer } from "../model/tokenizer/index.js";
import { noGrad, scope, type Tensor } from "../torch/index.js";
import { encodeSteps } from "../rewards/step-ends.js";

/** The PRM's training loss: regression onto {+1, −1, 0} (PSGPO) or binary cross-entropy on ±1 steps (PRLCoder). */
export type PrmLoss = "mse" | "bce";

/** The file beside a PRM checkpoint's weights that says how its outputs are read. */
export const prmInfoFile = "prm.json";

/** Writes prm.json into a checkpoint folder. */
export function writePrmInfo(dir: string, info: { loss: PrmLoss }): void {
  writeFileSync(join(dir, prmInfoFile), JSON.stringify(info, null, 2) + "\n");
}

/** The loss a PRM checkpoint was trained with; a scalar-head checkpoint without prm.json (a value model) reads as "mse". */
export function readPrmLoss(dir: string): PrmLoss {
  const path = join(dir, prmInfoFile);
  if (!existsSync(path)) return "mse";
  const loss = (JSON.parse(readFileSync(path, "utf8")) as { loss?: unknown }).loss;
  if (loss !== "mse" && loss !== "bce")
    throw new Error(`${path}: "loss" must be "mse" or "bce", got ${JSON.stringify(loss)}`);
  return loss;
}

/** A raw head output on the label scale: itself (MSE), or 2σ(z) − 1 = tanh(z / 2) (BCE). */
export function toLabelScale(raw: number, loss: PrmLoss): number {
  return loss === "bce" ? Math.tanh(raw / 2) : raw;
}

/** A PRM input as tokens: `<bos>` + prompt, the response, and the response token ending each step. */
export interface PrmInput {
  prompt: number[];
  response: number[];
  ends: number[];
}

/** Tokenizes prompt and response as generation sees them (encodePrompt, then the response) and maps the step ends. */
export function encodePrmInput(
  tokenizer: Tokenizer,
  prompt: string,
  response: string,
  steps: readonly string[],
): PrmInput {
  const { ids, ends } = encodeSteps(tokenizer, response, steps);
  return { prompt: encodePrompt(tokenizer, prompt), response: ids, ends };
}

/** Raw scalar-head outputs at each row's step ends, (B, K) with K the most steps in a row, and the (B, K) mask of real steps. */
export function stepEndOutputs(
  model: Llama,
  rows: readonly PrmInput[],
  padId: number,
): { values: Tensor; mask: Tensor } {
  const packed = packPairs(rows, padId);
  try {
    return scope(() => {
      const { values } = scoreResponses(model, packed, { values: "token" }); // (B, R): the output at each response token
      return gatherColumns(
        values!,
        rows.map((r) => r.ends),
      ); // (B, K)
    });
  } finally {
    disposePacked(packed);
  }
}

/** Scores the steps of responses with a trained PRM, one number per step on the label scale. */
export class PrmScorer {
  private constructor(
    readonly model: Llama,
    readonly tokenizer: Tokenizer,
    readonly loss: PrmLoss,
    /** Responses per forward pass in `scoreBatch`. */
    readonly batchSize: number,
  ) {
    model.eval();
  }

  /** Loads a PRM checkpoint folder (config.json, model.safetensors, tokenizer.json, prm.json). */
  static load(dir: string, options: { batchSize?: number } = {}): PrmScorer {
    const model = loadCheckpoint(dir);
    if (model.head !== "scalar") {
      model.dispose();
      throw new Error(
        `${dir}: not a PRM (it has an LM head); pass a checkpoint written by 'linewise train-prm'`,
      );
    }
    return new PrmScorer(model, Tokenizer.load(dir), readPrmLoss(dir), options.batchSize ?? 16);
  }

  /** Wraps a model already in memory (the caller keeps ownership). */
  static fromModel(model: Llama, tokenizer: Tokenizer, loss: PrmLoss, batchSize = 16): PrmScorer {
    return new PrmScorer(model, tokenizer, loss, batchSize);
  }

  /** One score per step of `response` (its steps concatenate to it), in order. */
  score(prompt: string, response: string, steps: readonly string[]): number[] {
    return this.scoreBatch([{ prompt, response, steps }])[0]!;
  }

  /** `score` for many responses, `batchSize` per forward pass, without gradients. */
  scoreBatch(items: readonly { prompt: string; response: string; steps: readonly string[] }[]): number[][] {
    const rows = items.map((x) => encodePrmInput(this.tokenizer, x.prompt, x.response, x.steps));
    return this.scoreEncoded(rows);
  }

  /** Scores already-tokenized inputs, `batchSize` per forward pass. */
  scoreEncoded(rows: readonly PrmInput[]): number[][] {
    const out: number[][] = [];
    noGrad(() => {
      for (let i = 0; i < rows.length; i += this.batchSize) {
        const mb = rows.slice(i, i + this.batchSize);
        const flat = scope(() => stepEndOutputs(this.model, mb, this.tokenizer.padId).values.toFlatArray());
        const k = flat.length / mb.length;
        mb.forEach((row, b) => out.push(row.ends.map((_, j) => toLabelScale(flat[b * k + j]!, this.loss))));
      }
    });
    return out;
  }

  /** Frees the model. */
  dispose(): void {
    this.model.dispose();
  }
}
