/**
 * An OpenAI-compatible HTTP server over a `Generator` (our local model in `linewise serve-model`), so any
 * OpenAI client — including linewise's own `OpenAIGenerator` and the LLM teacher — can sample our models.
 * Concurrent requests are queued and decoded in shared batches (batch-queue.ts); bad input is answered
 * with a 400 and a message naming the field; `close()` finishes the work in flight before it returns.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Completion, CompletionRequest, Generator } from "../generate/types.js";
import { encodePrompt } from "../model/prompt.js";
import type { Tokenizer } from "../model/tokenizer/index.js";
import { BatchQueue } from "./batch-queue.js";
import { HttpError, HttpService, readJson, routeOf, send } from "./http.js";
import {
  BadRequest,
  asBody,
  chatResponse,
  completionsResponse,
  errorBody,
  modelsResponse,
  parseChatRequest,
  parseCompletionsRequest,
  type ChatFormat,
  type ParsedRequest,
  type ProtocolLimits,
} from "./openai-protocol.js";

export interface ModelServerOptions {
  generator: Generator;
  /** The model's name in responses and /v1/models; requests may name any model (there is one). */
  modelName: string;
  /** The generator's tokenizer: token strings in log-probs, token counts in `usage`, prompt length checks. */
  tokenizer?: Tokenizer | null;
  /** How chat messages become a prompt (the model's chat template); default the built-in `### Role:` one. */
  chatFormat?: ChatFormat;
  /** The model's context length: a prompt that leaves no room to generate is a 400, not a failed batch. */
  maxPositions?: number;
  /** Prompts decoded together in one batch; default 32. */
  maxBatch?: number;
  /** How long a request waits for others to share its batch, ms (extended while more arrive, up to 4×); default 25. */
  batchWindowMs?: number;
  /** Largest `n` per prompt; default 64. */
  maxN?: number;
  /** Largest request body, bytes; default 16 MiB. */
  maxBodyBytes?: number;
}

export class ModelServer extends HttpService {
  private readonly queue: BatchQueue<CompletionRequest, Completion[]>;
  private readonly limits: ProtocolLimits;
  private readonly started = Math.floor(Date.now() / 1000);

  constructor(private readonly options: ModelServerOptions) {
    super();
    this.queue = new BatchQueue((requests) => options.generator.complete(requests), {
      maxRequests: options.maxBatch ?? 32,
      windowMs: options.batchWindowMs ?? 25,
    });
    this.limits = {
      maxN: options.maxN ?? 64,
      maxPrompts: 256,
      chatMaxTokens: options.maxPositions ?? 512,
    };
  }

  protected fail(res: ServerResponse, e: unknown): void {
    if (e instanceof BadRequest) send(res, 400, errorBody(e.message, "invalid_request_error", e.param));
    else if (e instanceof HttpError)
      send(res, e.status, errorBody(e.message, e.status === 503 ? "unavailable" : "invalid_request_error"));
    else send(res, 500, errorBody(`the model failed: ${(e as Error).message}`, "server_error"));
  }

  protected async respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = routeOf(req);
    if (path === "/v1/models" || path === "/models") {
      if (req.method !== "GET")
        return send(res, 405, errorBody(`${path} takes GET`, "invalid_request_error"));
      return send(res, 200, modelsResponse(this.options.modelName, this.started));
    }
    const endpoint = { "/v1/completions": "completions", "/v1/chat/completions": "chat" }[path] as
      "completions" | "chat" | undefined;
    if (!endpoint)
      return send(
        res,
        404,
        errorBody(
          `no route ${req.method} ${path}; the routes are POST /v1/completions, POST /v1/chat/completions, GET /v1/models`,
          "not_found",
        ),
      );
    if (req.method !== "POST")
      return send(res, 405, errorBody(`${path} takes POST`, "invalid_request_error"));
    const body = asBody(await readJson(req, this.options.maxBodyBytes ?? 16 * 1024 * 1024));
    const parsed =
      endpoint === "chat"
        ? parseChatRequest(body, this.limits, this.options.chatFormat)
        : parseCompletionsRequest(body, this.limits);
    const promptTokens = this.checkPrompts(parsed);
    const samples = await this.queue.submit(parsed.prompts.map((prompt) => ({ prompt, ...parsed.sampling })));
    const context = {
      model: this.options.modelName,
      tokenizer: this.options.tokenizer ?? null,
      promptTokens,
    };
    send(
      res,
      200,
      endpoint === "chat"
        ? chatResponse(parsed, samples, context)
        : completionsResponse(parsed, samples, context),
    );
  }

  /** Token counts of the prompts; a prompt that leaves no room to generate is a BadRequest. */
  private checkPrompts(parsed: ParsedRequest): number[] | null {
    const tokenizer = this.options.tokenizer;
    if (!tokenizer) return null;
    return parsed.prompts.map((prompt, i) => {
      const length = encodePrompt(tokenizer, prompt).length;
      const max = this.options.maxPositions;
      if (max !== undefined && length >= max)
        throw new BadRequest(
          `prompt ${i} has ${length} tokens; the model holds ${max} positions, so nothing is left to generate`,
          "prompt",
        );
      return length;
    });
  }
}
