/**
 * A `Generator` over any OpenAI-compatible server (vLLM, SGLang, llama.cpp, Ollama, `linewise serve-model`):
 * POST /v1/completions with `prompt`, `n`, `temperature`, `top_p`, `max_tokens`, `stop`, `seed`. Several
 * base URLs are used round-robin; a failed request is retried with exponential backoff on the next URL.
 */
import type { Completion, CompletionRequest, Generator } from "./types.js";

export interface OpenAIGeneratorOptions {
  /** Base URLs, e.g. http://127.0.0.1:8000 (a trailing /v1 is accepted). */
  urls: string[];
  /** Model name sent with each request (servers that host one model ignore it). */
  model?: string;
  apiKey?: string;
  /** Attempts per request before giving up. */
  retries?: number;
  /** First backoff delay in ms; doubles on each retry. */
  backoffMs?: number;
  /** Requests in flight at once across all URLs. */
  concurrency?: number;
  /** Per-request timeout in ms. */
  timeoutMs?: number;
}

interface CompletionsResponse {
  choices: {
    text: string;
    index: number;
    finish_reason: string | null;
    logprobs?: { token_logprobs?: number[] } | null;
  }[];
}

export class OpenAIGenerator implements Generator {
  private next = 0;
  private readonly urls: string[];

  constructor(private readonly options: OpenAIGeneratorOptions) {
    if (options.urls.length === 0) throw new Error("OpenAIGenerator: give at least one server URL");
    this.urls = options.urls.map((u) => u.replace(/\/+$/, "").replace(/\/v1$/, ""));
  }

  async complete(requests: CompletionRequest[]): Promise<Completion[][]> {
    const results: Completion[][] = new Array(requests.length);
    const limit = Math.max(1, this.options.concurrency ?? 8);
    let cursor = 0;
    const worker = async () => {
      while (cursor < requests.length) {
        const i = cursor++;
        results[i] = await this.completeOne(requests[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, requests.length) }, worker));
    return results;
  }

  private async completeOne(request: CompletionRequest): Promise<Completion[]> {
    const body = {
      model: this.options.model ?? "default",
      prompt: request.prompt,
      n: request.n,
      max_tokens: request.maxTokens,
      temperature: request.temperature ?? 1,
      top_p: request.topP ?? 1,
      ...(request.topK !== undefined ? { top_k: request.topK } : {}),
      ...(request.stop?.length ? { stop: request.stop } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
    };
    const retries = this.options.retries ?? 4;
    let delay = this.options.backoffMs ?? 250;
    let lastError: unknown;
    for (let attempt = 0; attempt < retries; attempt++) {
      const url = this.urls[this.next++ % this.urls.length]!;
      try {
        const response = await this.post(`${url}/v1/completions`, body);
        const choices = [...response.choices].sort((a, b) => a.index - b.index);
        if (choices.length !== request.n)
          throw new Error(`${url} returned ${choices.length} choices for n=${request.n}`);
        return choices.map((c) => ({
          text: c.text,
          finishReason: c.finish_reason === "length" ? "length" : "stop",
          ...(c.logprobs?.token_logprobs ? { logprobs: c.logprobs.token_logprobs } : {}),
        }));
      } catch (e) {
        lastError = e;
        if (attempt < retries - 1) await new Promise((r) => setTimeout(r, delay));
        delay *= 2;
      }
    }
    throw new Error(
      `OpenAI-compatible completion failed after ${retries} attempts: ${(lastError as Error).message}`,
    );
  }

  private async post(url: string, body: unknown): Promise<CompletionsResponse> {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${text.slice(0, 200)}`);
    const json = JSON.parse(text) as CompletionsResponse;
    if (!Array.isArray(json.choices)) throw new Error(`${url}: response has no choices array`);
    return json;
  }
}
