/**
 * Length packs: a batch of (prompt, response) pairs cut into padded sub-batches of similar length. A packed
 * batch is as wide as its longest prompt plus its longest response (score.ts, packPairs), so one batch of
 * 64 rollouts whose responses run from 5 to 256 tokens spends most of its forward and backward passes on
 * padding. Sorted by length and cut at a token budget, each pack is padded only to its own longest row;
 * the trainers sum the packs' losses (each scaled to its share of the whole) before one optimiser step, so
 * the update is the same as one padded batch.
 */
import { scope } from "../torch/index.js";
import { disposePacked, packPairs, type PackedPairs } from "../model/index.js";

/** Padded tokens per pack: large enough to keep matrix products efficient, small enough to bound activations. */
export const packTokens = 8192;

/**
 * Indices of `rows` grouped into packs: rows sorted by prompt + response length, each pack at most
 * `maxTokens` padded tokens (rows × (longest prompt + longest response)), and at least one row.
 */
export function lengthPacks(
  rows: readonly { prompt: readonly number[]; tokens: readonly number[] }[],
  maxTokens = packTokens,
): number[][] {
  const order = rows
    .map((r, i) => ({ i, prompt: r.prompt.length, response: Math.max(1, r.tokens.length) }))
    .sort((a, b) => a.prompt + a.response - (b.prompt + b.response) || a.i - b.i);
  const packs: number[][] = [];
  let pack: number[] = [];
  let prompt = 0;
  let response = 0;
  for (const row of order) {
    const p = Math.max(prompt, row.prompt);
    const r = Math.max(response, row.response);
    if (pack.length > 0 && (pack.length + 1) * (p + r) > maxTokens) {
      packs.push(pack);
      pack = [];
      prompt = row.prompt;
      response = row.response;
    } else {
      prompt = p;
      response = r;
    }
    pack.push(row.i);
  }
  if (pack.length > 0) packs.push(pack);
  return packs;
}

/**
 * Runs `step` on each length pack of `rows` (packed, and every tensor it makes freed after), and returns its
 * figures averaged with each pack weighted by `share`: the pack's share of the rows' tokens, or with
 * `by: "rows"` of the rows. Packs hold at most `maxTokens` padded tokens. A loss scaled by `share` before backward adds up, over the packs, to the loss of
 * the whole batch: for a token mean weigh by tokens; for a mean over responses, by rows. When `rows` are
 * one data-parallel rank's share of a larger batch, `total` is that batch's size (in tokens or rows), so
 * the shares add up over the packs of every rank (distributed.ts).
 */
export function overPacks<R extends { prompt: number[]; tokens: number[] }, F extends Record<string, number>>(
  rows: readonly R[],
  padId: number,
  step: (part: R[], packed: PackedPairs, share: number) => F,
  {
    by = "tokens",
    maxTokens = packTokens,
    total: whole,
  }: { by?: "tokens" | "rows"; maxTokens?: number; total?: number } = {},
): F {
  const size = (part: readonly R[]) =>
    by === "rows" ? part.length : part.reduce((n, r) => n + r.tokens.length, 0);
  const total = Math.max(1, whole ?? size(rows));
  const sums: Record<string, number> = {};
  for (const pack of lengthPacks(rows, maxTokens)) {
    const part = pack.map((i) => rows[i]!);
    const packed = packPairs(
      part.map((r) => ({ prompt: r.prompt, response: r.tokens })),
      padId,
    );
    try {
      const share = size(part) / total;
      const figures = scope(() => step(part, packed, share));
      for (const [key, value] of Object.entries(figures)) sums[key] = (sums[key] ?? 0) + value * share;
    } finally {
      disposePacked(packed);
    }
  }
  return sums as F;
}
