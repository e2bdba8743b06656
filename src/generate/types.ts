/** The generator contract (DESIGN.md): n samples per request, from a local model or an HTTP server. */

export interface CompletionRequest {
  /** Text the completion continues (prompt, or prompt + partial response for prefix continuation). */
  prompt: string;
  /** Samples to draw for this request. */
  n: number;
  maxTokens: number;
  /** 0 means greedy. */
  temperature?: number;
  topP?: number;
  topK?: number;
  /** Generation stops before any of these strings (not included in the text). */
  stop?: string[];
  seed?: number;
}

export interface Completion {
  text: string;
  /** Token ids of `text`, when the generator knows them. */
  tokens?: number[];
  /** Per-token log-probabilities under the sampling model, when known. */
  logprobs?: number[];
  finishReason: "stop" | "length";
}

export interface Generator {
  complete(requests: CompletionRequest[]): Promise<Completion[][]>;
}
