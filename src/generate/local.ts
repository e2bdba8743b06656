/**
 * A `Generator` over a local model and tokenizer: prompts are encoded as `encodePrompt` does (BOS first),
 * all requests go through batched KV-cache sampling, and each completion carries its token ids and
 * log-probabilities.
 */
import {
  generate,
  loadCheckpoint,
  loadCheckpointTokenizer,
  encodePrompt,
  type GenerationRequest,
  type Llama,
} from "../model/index.js";
import type { Tokenizer } from "../model/tokenizer/index.js";
import type { Completion, CompletionRequest, Generator } from "./types.js";

export interface LocalGeneratorOptions {
  /** Samples decoded together; default 64. */
  maxBatch?: number;
}

export class LocalGenerator implements Generator {
  constructor(
    readonly model: Llama,
    readonly tokenizer: Tokenizer,
    private readonly options: LocalGeneratorOptions = {},
  ) {
    if (model.head !== "lm")
      throw new Error("LocalGenerator: the model has a scalar head; sampling needs an LM head");
  }

  /** A generator over the checkpoint folder `dir` (config.json, model.safetensors, tokenizer.json). */
  static fromCheckpoint(dir: string, options: LocalGeneratorOptions = {}): LocalGenerator {
    const tokenizer = loadCheckpointTokenizer(dir);
    if (!tokenizer)
      throw new Error(`${dir}: the checkpoint has no tokenizer.json; a local generator needs one`);
    return new LocalGenerator(loadCheckpoint(dir), tokenizer, options);
  }

  /**
   * Samples every request. A missing temperature means 1, as for OpenAI-compatible servers. Requests with
   * the same seed (or none) are batched together; each distinct seed starts its own seeded batch.
   */
  async complete(requests: CompletionRequest[]): Promise<Completion[][]> {
    const maxPositions = this.model.config.maxPositions;
    const encoded: GenerationRequest[] = requests.map((r, i) => {
      const prompt = encodePrompt(this.tokenizer, r.prompt);
      const room = maxPositions - prompt.length;
      if (room < 1)
        throw new Error(
          `LocalGenerator: request ${i}'s prompt has ${prompt.length} tokens; the model holds ${maxPositions} positions`,
        );
      return {
        prompt,
        n: r.n,
        maxNewTokens: Math.min(r.maxTokens, room),
        temperature: r.temperature ?? 1,
        topK: r.topK,
        topP: r.topP,
        stop: r.stop,
      };
    });
    const bySeed = new Map<number | undefined, number[]>();
    requests.forEach((r, i) => bySeed.set(r.seed, [...(bySeed.get(r.seed) ?? []), i]));
    const results: Completion[][] = new Array(requests.length);
    for (const [seed, indices] of bySeed) {
      // Let other tasks (progress output, HTTP handlers) run between batches.
      await new Promise((resolve) => setImmediate(resolve));
      const samples = generate(
        this.model,
        indices.map((i) => encoded[i]!),
        { tokenizer: this.tokenizer, seed, maxBatch: this.options.maxBatch },
      );
      indices.forEach(
        (i, k) =>
          (results[i] = samples[k]!.map((s) => ({
            text: s.text,
            tokens: s.tokens,
            logprobs: s.logprobs,
            finishReason: s.finishReason,
          }))),
      );
    }
    return results;
  }

  /** Frees the model's tensors. */
  dispose(): void {
    this.model.dispose();
  }
}
