/**
 * Batched sampling with a KV cache. Prompts of different lengths share a batch by left padding, with an
 * attention mask over the padding and rotary positions that start at 0 at each prompt's first token.
 * Each distinct prompt is run once; its cache rows are then repeated for its `n` samples, so continuing a
 * prompt + partial response K times costs one prefix pass, not K (the operation binary-search labelling
 * repeats thousands of times, PSGPO §3.2). Rows that finish are dropped from the batch once half of it
 * has finished, so a few long samples do not keep paying for the short ones.
 */
import { Tensor, keep, manualSeed, noGrad, scope, tensor } from "../torch/index.js";
import { eosTokenIds } from "./config.js";
import { KVCache } from "./kv-cache.js";
import type { Llama } from "./llama.js";
import { RowSampler, type SamplingParams } from "./sampling.js";
import { decodeResponse } from "./prompt.js";
import { cutAtStop, stopWindow, tailHasStop } from "./stops.js";
import type { Tokenizer } from "./tokenizer/index.js";

export interface GenerationRequest extends SamplingParams {
  /** Prompt token ids; for a continuation, the prompt and the partial response together. */
  prompt: readonly number[];
  /** Samples to draw (default 1); they share one pass over the prompt. */
  n?: number;
  maxNewTokens: number;
  /** Generation ends before the first of these strings (needs a tokenizer). */
  stop?: readonly string[];
}

export interface GeneratedSample {
  /** Response token ids; they include the end token when the model chose to end (a trainer scores that choice). */
  tokens: number[];
  /** Log-probability of each token under softmax(logits / temperature) (temperature 1 when greedy). */
  logprobs: number[];
  /** The decoded response, without end token or stop string; "" when no tokenizer was given. */
  text: string;
  finishReason: "stop" | "length";
}

export interface GenerateOptions {
  /** Decodes text and detects stop strings. */
  tokenizer?: Tokenizer | null;
  /** Tokens that end a sample; default: the tokenizer's end token and the config's. */
  endTokens?: readonly number[];
  /** Seeds the sampler (manualSeed) before the first batch. */
  seed?: number;
  /** Rows (samples) decoded together; default 64. */
  maxBatch?: number;
  /** false recomputes the whole sequence at every step instead of using the cache: the baseline for tests and benchmarks. */
  kvCache?: boolean;
}

/** Samples `n` continuations of every request's prompt; returns them per request, in order. */
export function generate(
  model: Llama,
  requests: readonly GenerationRequest[],
  options: GenerateOptions = {},
): GeneratedSample[][] {
  const config = model.config;
  const tokenizer = options.tokenizer ?? null;
  requests.forEach((r, i) => {
    if (r.prompt.length === 0)
      throw new Error(`generate: request ${i} has an empty prompt (start it with a BOS token)`);
    if (r.prompt.some((t) => !Number.isInteger(t) || t < 0 || t >= config.vocabSize))
      throw new Error(`generate: request ${i} has a token id outside 0…${config.vocabSize - 1}`);
    if (!(r.maxNewTokens >= 1)) throw new Error(`generate: request ${i} needs maxNewTokens ≥ 1`);
    if (r.prompt.length + r.maxNewTokens > config.maxPositions) {
      throw new Error(
        `generate: request ${i} needs ${r.prompt.length + r.maxNewTokens} positions, beyond maxPositions ${config.maxPositions}`,
      );
    }
    if (r.stop?.length && !tokenizer)
      throw new Error(`generate: request ${i} has stop strings but no tokenizer was given`);
  });
  const endTokens = new Set(
    options.endTokens ?? [...eosTokenIds(config), ...(tokenizer?.eosId != null ? [tokenizer.eosId] : [])],
  );
  if (options.seed !== undefined) manualSeed(options.seed);
  const results: GeneratedSample[][] = requests.map(() => []);
  for (const chunk of planChunks(requests, options.maxBatch ?? 64)) {
    const samples = decodeChunk(model, chunk, { tokenizer, endTokens, kvCache: options.kvCache ?? true });
    chunk.forEach((g, i) => results[g.request].push(...samples[i]!));
  }
  return results;
}

interface Group {
  request: number;
  params: GenerationRequest;
  count: number;
}

/** Splits the requests' samples into batches of at most maxBatch rows; a large `n` spans several. */
function planChunks(requests: readonly GenerationRequest[], maxBatch: number): Group[][] {
  const chunks: Group[][] = [];
  let current: Group[] = [];
  let rows = 0;
  requests.forEach((params, request) => {
    let left = params.n ?? 1;
    while (left > 0) {
      if (rows === maxBatch) {
        chunks.push(current);
        current = [];
        rows = 0;
      }
      const count = Math.min(left, maxBatch - rows);
      current.push({ request, params, count });
      rows += count;
      left -= count;
    }
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** One sample being generated. */
interface Row {
  group: number;
  tokens: number[];
  logprobs: number[];
  finish: "stop" | "length" | null;
}

/** Generates every row of one batch; returns the samples per group. */
function decodeChunk(
  model: Llama,
  groups: Group[],
  options: { tokenizer: Tokenizer | null; endTokens: Set<number>; kvCache: boolean },
): GeneratedSample[][] {
  const { tokenizer, endTokens, kvCache } = options;
  const device = model.model.embedTokens.weight.device;
  const width = Math.max(...groups.map((g) => g.params.prompt.length));
  const capacity = width + Math.max(...groups.map((g) => g.params.maxNewTokens));
  const padded = groups.some((g) => g.params.prompt.length !== width);
  const rows: Row[] = groups.flatMap((g, group) =>
    Array.from({ length: g.count }, () => ({ group, tokens: [], logprobs: [], finish: null })),
  );
  const windows = groups.map((g) => stopWindow(g.params.stop ?? []));

  // Identical prompts (a request split across batches, or repeated by the caller) are run once.
  const promptKeys = groups.map((g) => g.params.prompt.join(","));
  const uniquePrompts = [...new Set(promptKeys)];
  const promptOfRow = groups.flatMap((g, i) =>
    Array<number>(g.count).fill(uniquePrompts.indexOf(promptKeys[i]!)),
  );

  // Batch state, one row per distinct prompt until the prefill is done, then one per sample.
  let { ids, valid, positions } = noGrad(() =>
    leftPadded(
      uniquePrompts.map((k) => groups[promptKeys.indexOf(k)]!.params.prompt),
      capacity,
      model.config.padTokenId ?? 0,
      device,
    ),
  ); // (P, capacity)
  const cache = kvCache
    ? new KVCache(model.config, uniquePrompts.length, capacity, device, model.dtype)
    : null;
  // A model's embedding may have more rows than its tokenizer has tokens (padded for speed): never sample those.
  const sampleable = Math.min(model.config.vocabSize, tokenizer?.vocabSize ?? Infinity);
  const sampler = new RowSampler(
    rows.map((r) => groups[r.group]!.params),
    sampleable,
    device,
  );
  let live = rows.map((_, i) => i); // live[i]: the sample in batch row i
  let next: Tensor | null = null; // (R, 1) the tokens just sampled
  let logits: Tensor | null = null; // (R, V)
  // Logits after positions [from, to): the whole prefix without a cache, only the new token with one.
  const forward = (from: number, to: number): Tensor =>
    scope(() => {
      const input = cache && from > 0 ? next! : ids.narrow(1, from, to - from);
      const hidden = model.forward(input, {
        positions: positions.narrow(1, from, to - from),
        keyValid: padded ? valid.narrow(1, 0, to) : null,
        cache,
      }); // (R, to − from, dModel)
      const logits = model.logits(hidden.select(1, -1)); // (R, V)
      return sampleable < logits.size(1) ? logits.narrow(1, 0, sampleable) : logits;
    });
  const replaceRows = (index: Tensor) => {
    const pick = (t: Tensor) => {
      const picked = keep(t.indexSelect(0, index));
      t.dispose();
      return picked;
    };
    ids = pick(ids);
    valid = pick(valid);
    positions = pick(positions);
    if (logits) logits = pick(logits);
    if (next) next = pick(next);
    cache?.selectRows(index);
  };

  try {
    noGrad(() => {
      // 1. prefill: each distinct prompt once, then its rows repeated for its samples.
      logits = keep(forward(0, width));
      scope(() => replaceRows(tensor(promptOfRow, { dtype: "int64", device })));
      // 2. decode: sample, record, drop finished rows, feed the new tokens.
      for (let length = width; ; length++) {
        const step = sampler.sample(logits!);
        logits!.dispose();
        logits = null;
        const chosen = step.tokens.data() as BigInt64Array;
        const logprobs = step.logprobs.data() as Float32Array;
        step.logprobs.dispose();
        let active = 0;
        live.forEach((r, i) => {
          const row = rows[r]!;
          if (row.finish) return;
          const token = Number(chosen[i]);
          row.tokens.push(token);
          row.logprobs.push(logprobs[i]!);
          const params = groups[row.group]!.params;
          if (endTokens.has(token)) row.finish = "stop";
          else if (
            params.stop?.length &&
            tailHasStop(tokenizer!, row.tokens, params.stop, windows[row.group]!)
          )
            row.finish = "stop";
          else if (row.tokens.length >= params.maxNewTokens) row.finish = "length";
          else active++;
        });
        next?.dispose();
        next = keep(step.tokens.view(-1, 1));
        step.tokens.dispose();
        if (active === 0) break;
        if (active <= live.length / 2) {
          const keepRows = live.flatMap((r, i) => (rows[r]!.finish ? [] : [i]));
          scope(() => replaceRows(tensor(keepRows, { dtype: "int64", device })));
          sampler.select(keepRows);
          live = keepRows.map((i) => live[i]!);
        }
        if (!cache) scope(() => void ids.narrow(1, length, 1).copy_(next!));
        logits = keep(forward(cache ? length : 0, length + 1));
      }
    });
  } finally {
    for (const t of [ids, valid, positions, logits, next]) (t as Tensor | null)?.dispose();
    cache?.dispose();
    sampler.dispose();
  }
  return groups.map((_, g) =>
    rows.filter((r) => r.group === g).map((r) => finishSample(r, groups[g]!.params, tokenizer, endTokens)),
  );
}

/** Prompts right-aligned in (P, capacity) buffers: ids, which positions hold real tokens, rotary positions. */
function leftPadded(prompts: (readonly number[])[], capacity: number, padId: number, device: string) {
  const width = Math.max(...prompts.map((p) => p.length));
  const ids = new Int32Array(prompts.length * capacity).fill(padId);
  const valid = new Uint8Array(prompts.length * capacity).fill(1);
  prompts.forEach((p, i) => {
    const start = i * capacity + width - p.length;
    ids.set(p, start);
    valid.fill(0, i * capacity, start);
  });
  return scope(() => {
    const shape = [prompts.length, capacity];
    const validMask = tensor(valid, { shape, dtype: "bool", device });
    const positions = validMask.long().cumsum(1).sub(1).clamp(0); // the first real token is position 0
    return {
      ids: keep(tensor(ids, { shape, dtype: "int64", device })),
      valid: keep(validMask),
      positions: keep(positions),
    };
  });
}

/** The returned sample: end token kept in `tokens` but not in `text`; text and tokens cut at a stop string. */
function finishSample(
  row: Row,
  params: GenerationRequest,
  tokenizer: Tokenizer | null,
  endTokens: Set<number>,
): GeneratedSample {
  let { tokens, logprobs } = row;
  let finishReason = row.finish ?? "length";
  if (!tokenizer) return { tokens, logprobs, text: "", finishReason };
  const ended = finishReason === "stop" && endTokens.has(tokens[tokens.length - 1]!);
  const body = ended ? tokens.slice(0, -1) : tokens;
  if (!params.stop?.length) return { tokens, logprobs, text: decodeResponse(tokenizer, body), finishReason };
  const cut = cutAtStop(tokenizer, body, params.stop);
  if (cut.stopped) {
    tokens = tokens.slice(0, cut.kept);
    logprobs = logprobs.slice(0, cut.kept);
    finishReason = "stop";
  }
  return { tokens, logprobs, text: cut.text, finishReason };
}
