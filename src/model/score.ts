/**
 * Scoring given responses in one forward pass: per-token log-probabilities and entropies under a policy,
 * and scalar-head outputs under a value model or PRM — what PPO, DPO and PRM training need. Gradients
 * flow when called in grad mode; wrap in noGrad for reference or old-policy scores.
 *
 * Layout: prompts left-padded to width P, responses right-padded to width R, so response token j of every
 * row sits in column P + j, and its logits come from column P + j − 1.
 */
import { Tensor, keep, scope, tensor } from "../torch/index.js";
import type { Llama } from "./llama.js";

/** A batch of (prompt, response) pairs as tensors. Free with `disposePacked`. */
export interface PackedPairs {
  /** (B, P + R) int64 */
  ids: Tensor;
  /** (B, P + R) bool, real tokens; null when every prompt has the same length (right padding is harmless under causal attention). */
  keyValid: Tensor | null;
  /** (B, P + R) int64 rotary positions, 0 at each prompt's first token. */
  positions: Tensor;
  /** (B, R) float32: 1 at real response tokens, 0 at padding. */
  responseMask: Tensor;
  promptWidth: number;
  responseWidth: number;
}

/** Packs token pairs; every prompt needs at least one token (its last one predicts the first response token). */
export function packPairs(
  pairs: readonly { prompt: readonly number[]; response: readonly number[] }[],
  padId = 0,
  device = "cpu",
): PackedPairs {
  if (pairs.length === 0) throw new Error("packPairs: no pairs");
  pairs.forEach((x, i) => {
    if (x.prompt.length === 0) throw new Error(`packPairs: pair ${i} has an empty prompt`);
  });
  const p = Math.max(...pairs.map((x) => x.prompt.length));
  const r = Math.max(1, ...pairs.map((x) => x.response.length));
  const width = p + r;
  const ids = new Int32Array(pairs.length * width).fill(padId);
  const valid = new Uint8Array(pairs.length * width);
  const responseMask = new Float32Array(pairs.length * r);
  pairs.forEach((x, i) => {
    const start = i * width + p - x.prompt.length;
    ids.set(x.prompt, start);
    ids.set(x.response, i * width + p);
    valid.fill(1, start, i * width + p + x.response.length);
    responseMask.fill(1, i * r, i * r + x.response.length);
  });
  return scope(() => {
    const shape = [pairs.length, width];
    const validMask = tensor(valid, { shape, dtype: "bool", device });
    const samePrompts = pairs.every((x) => x.prompt.length === p);
    return {
      ids: keep(tensor(ids, { shape, dtype: "int64", device })),
      keyValid: samePrompts ? null : keep(validMask),
      positions: keep(validMask.long().cumsum(1).sub(1).clamp(0)),
      responseMask: keep(tensor(responseMask, { shape: [pairs.length, r], device })),
      promptWidth: p,
      responseWidth: r,
    };
  });
}

/** Frees a packed batch's tensors. */
export function disposePacked(packed: PackedPairs): void {
  for (const t of [packed.ids, packed.keyValid, packed.positions, packed.responseMask]) t?.dispose();
}

export interface ScoreOptions {
  /** Log-probability of each response token (LM head). */
  logprobs?: boolean;
  /** Entropy of the distribution each response token was drawn from (LM head). */
  entropy?: boolean;
  /**
   * Scalar head per response token: "token" reads the hidden state at the token itself (a PRM's score of
   * the prefix ending with it, DESIGN.md "Line ends"); "state" reads the position before it, V(s_t) of the
   * state in which the token is chosen (PPO's value, as TRL's).
   */
  values?: "token" | "state";
  /** Divides logits before the softmax, to match sampling at this temperature (default 1). */
  temperature?: number;
}

export interface ResponseScores {
  /** (B, R), 0 at padding. */
  logprobs?: Tensor;
  /** (B, R), 0 at padding. */
  entropy?: Tensor;
  /** (B, R), 0 at padding. */
  values?: Tensor;
}

/** Scores every response token of a packed batch with one forward pass of `model`. */
export function scoreResponses(
  model: Llama,
  packed: PackedPairs,
  options: ScoreOptions = {},
): ResponseScores {
  return scope(() => {
    const { promptWidth: p, responseWidth: r, responseMask: mask } = packed;
    const hidden = model.forward(packed.ids, { positions: packed.positions, keyValid: packed.keyValid }); // (B, P + R, dModel)
    const states = hidden.narrow(1, p - 1, r); // (B, R, dModel): the positions that predict the response tokens
    const out: ResponseScores = {};
    if (options.logprobs || options.entropy) {
      const logits = model.logits(states); // (B, R, V)
      const temperature = options.temperature ?? 1;
      const logp = (temperature !== 1 ? logits.div(temperature) : logits).logSoftmax(-1); // (B, R, V)
      if (options.logprobs)
        out.logprobs = logp
          .gather(2, packed.ids.narrow(1, p, r).unsqueeze(2))
          .squeeze(2)
          .mul(mask); // (B, R)
      if (options.entropy) out.entropy = logp.exp().mul(logp).sum(-1).neg().mul(mask); // (B, R)
    }
    if (options.values)
      out.values = model.values(options.values === "state" ? states : hidden.narrow(1, p, r)).mul(mask); // (B, R)
    return out;
  });
}

/**
 * Picks columns of a (B, R) response tensor per row — e.g. PRM scores at line-end tokens. Rows with fewer
 * indices are padded: `mask` (B, K) is 1 where an index was given.
 */
export function gatherColumns(
  values: Tensor,
  indices: readonly (readonly number[])[],
): { values: Tensor; mask: Tensor } {
  const k = Math.max(1, ...indices.map((x) => x.length));
  const flat = new Int32Array(indices.length * k);
  const mask = new Float32Array(indices.length * k);
  indices.forEach((row, i) => {
    flat.set(row, i * k);
    mask.fill(1, i * k, i * k + row.length);
  });
  return scope(() => {
    const index = tensor(flat, { shape: [indices.length, k], dtype: "int64", device: values.device });
    const m = tensor(mask, { shape: [indices.length, k], device: values.device });
    return { values: values.gather(1, index).mul(m), mask: m };
  });
}
