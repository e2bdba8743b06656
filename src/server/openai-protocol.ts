/**
 * The OpenAI-compatible request and response shapes `linewise serve-model` speaks: `POST /v1/completions`,
 * `POST /v1/chat/completions`, `GET /v1/models`. Requests are checked field by field; anything a client can
 * get wrong becomes a `BadRequest` naming the field, which the server answers with HTTP 400.
 */
import { randomBytes } from "node:crypto";
import type { Completion, CompletionRequest } from "../generate/types.js";
import type { Tokenizer } from "../model/tokenizer/index.js";

/** A request the server cannot serve as sent; `param` names the offending field. */
export class BadRequest extends Error {
  override name = "BadRequest";
  constructor(
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** Limits the server applies to every request. */
export interface ProtocolLimits {
  /** Largest `n` per prompt. */
  maxN: number;
  /** Largest number of prompts in one /v1/completions request. */
  maxPrompts: number;
  /** `max_tokens` when a chat request gives none (the generator clamps it to the model's room). */
  chatMaxTokens: number;
}

/** What one HTTP request asks for: the prompts to continue, the sampling, and whether to return log-probs. */
export interface ParsedRequest {
  prompts: string[];
  sampling: Omit<CompletionRequest, "prompt">;
  logprobs: boolean;
}

type Body = Record<string, unknown>;

/**
 * The chat template (documented in `linewise serve-model --help`): each message as `### Role:` on its own
 * line, then its content, then a blank line; the prompt ends with `### Assistant:\n`, which the model
 * continues. Generation also stops where the model starts another turn.
 */
export function chatPrompt(messages: { role: string; content: string }[]): string {
  const turns = messages.map((m) => `### ${m.role[0]!.toUpperCase()}${m.role.slice(1)}:\n${m.content}\n\n`);
  return turns.join("") + "### Assistant:\n";
}

/** Stop strings every chat request gets: the start of a new turn. */
export const chatStops = ["\n### User:", "\n### System:", "\n### Assistant:"];

/** How /v1/chat/completions turns messages into a prompt, and the stop strings it adds. */
export interface ChatFormat {
  /** The prompt text; may throw (a template's raise_exception), which becomes a 400. */
  render(messages: { role: string; content: string }[]): string;
  stop: string[];
}

/** The built-in format above, for models without a chat template of their own. */
export const plainChat: ChatFormat = { render: chatPrompt, stop: chatStops };

/** A JSON request body as an object, or a BadRequest. */
export function asBody(json: unknown): Body {
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new BadRequest("the request body must be a JSON object");
  return json as Body;
}

/** Checks a `POST /v1/completions` body. */
export function parseCompletionsRequest(body: Body, limits: ProtocolLimits): ParsedRequest {
  const prompt = body["prompt"];
  let prompts: string[];
  if (typeof prompt === "string") prompts = [prompt];
  else if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((p) => typeof p === "string"))
    prompts = prompt as string[];
  else if (
    Array.isArray(prompt) &&
    prompt.length > 0 &&
    prompt.every((p) => typeof p === "number" || Array.isArray(p))
  )
    throw new BadRequest("'prompt' as token ids is not supported; send the text", "prompt");
  else throw new BadRequest("'prompt' must be a string or a non-empty list of strings", "prompt");
  if (prompts.length > limits.maxPrompts)
    throw new BadRequest(
      `'prompt' has ${prompts.length} prompts; at most ${limits.maxPrompts} per request`,
      "prompt",
    );
  if (body["echo"] === true) throw new BadRequest("'echo' is not supported", "echo");
  const logprobs = body["logprobs"];
  if (
    logprobs !== undefined &&
    logprobs !== null &&
    !(Number.isInteger(logprobs) && (logprobs as number) >= 0 && (logprobs as number) <= 20)
  )
    throw new BadRequest("'logprobs' must be null or an integer from 0 to 20", "logprobs");
  return { prompts, sampling: sampling(body, limits, 16, []), logprobs: typeof logprobs === "number" };
}

/** Checks a `POST /v1/chat/completions` body and renders its messages with the chat format. */
export function parseChatRequest(
  body: Body,
  limits: ProtocolLimits,
  format: ChatFormat = plainChat,
): ParsedRequest {
  const messages = body["messages"];
  if (!Array.isArray(messages) || messages.length === 0)
    throw new BadRequest("'messages' must be a non-empty list", "messages");
  const turns = messages.map((m, i) => {
    if (m === null || typeof m !== "object")
      throw new BadRequest(`messages[${i}] must be an object with 'role' and 'content'`, "messages");
    const { role, content } = m as Body;
    if (role !== "system" && role !== "user" && role !== "assistant")
      throw new BadRequest(
        `messages[${i}].role must be 'system', 'user' or 'assistant', got ${JSON.stringify(role)}`,
        "messages",
      );
    return { role, content: messageText(content, i) };
  });
  const logprobs = body["logprobs"];
  if (logprobs !== undefined && logprobs !== null && typeof logprobs !== "boolean")
    throw new BadRequest("'logprobs' must be a boolean", "logprobs");
  let prompt: string;
  try {
    prompt = format.render(turns);
  } catch (err) {
    throw new BadRequest((err as Error).message, "messages");
  }
  return {
    prompts: [prompt],
    sampling: sampling(body, limits, limits.chatMaxTokens, format.stop),
    logprobs: logprobs === true,
  };
}

/** A message's content: a string, or a list of `{type: "text", text}` parts joined. */
function messageText(content: unknown, i: number): string {
  if (typeof content === "string") return content;
  if (
    Array.isArray(content) &&
    content.every(
      (p) =>
        p &&
        typeof p === "object" &&
        (p as Body)["type"] === "text" &&
        typeof (p as Body)["text"] === "string",
    )
  )
    return content.map((p) => (p as { text: string }).text).join("");
  throw new BadRequest(
    `messages[${i}].content must be a string or a list of {"type": "text", "text"} parts`,
    "messages",
  );
}

/** The sampling fields shared by both endpoints; `extraStops` are added to the client's stop strings. */
function sampling(
  body: Body,
  limits: ProtocolLimits,
  defaultMaxTokens: number,
  extraStops: string[],
): ParsedRequest["sampling"] {
  if (body["stream"] === true)
    throw new BadRequest("'stream' is not supported; send stream: false", "stream");
  const n = integer(body, "n", 1, 1, limits.maxN);
  const maxTokensField = body["max_tokens"] !== undefined ? "max_tokens" : "max_completion_tokens";
  const maxTokens = integer(body, maxTokensField, defaultMaxTokens, 1, Number.MAX_SAFE_INTEGER);
  const temperature = number(body, "temperature", 1, (t) => t >= 0, "a number ≥ 0");
  const topP = number(body, "top_p", 1, (p) => p > 0 && p <= 1, "a number in (0, 1]");
  // vLLM's convention: -1 (or 0) turns top-k off.
  const topK = integer(body, "top_k", -1, -1, Number.MAX_SAFE_INTEGER);
  const seedValue = body["seed"];
  if (seedValue !== undefined && seedValue !== null && !Number.isSafeInteger(seedValue))
    throw new BadRequest("'seed' must be an integer", "seed");
  const stop = [...stops(body["stop"]), ...extraStops];
  return {
    n,
    maxTokens,
    temperature,
    topP,
    ...(topK > 0 ? { topK } : {}),
    ...(stop.length ? { stop } : {}),
    ...(typeof seedValue === "number" ? { seed: seedValue } : {}),
  };
}

function stops(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value === "" ? [] : [value];
  if (Array.isArray(value) && value.length <= 16 && value.every((s) => typeof s === "string" && s !== ""))
    return value as string[];
  throw new BadRequest("'stop' must be a string or a list of at most 16 non-empty strings", "stop");
}

function integer(body: Body, field: string, fallback: number, min: number, max: number): number {
  const value = body[field];
  if (value === undefined || value === null) return fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new BadRequest(`'${field}' must be an integer ${range}, got ${JSON.stringify(value)}`, field);
  }
  return value as number;
}

function number(
  body: Body,
  field: string,
  fallback: number,
  ok: (v: number) => boolean,
  what: string,
): number {
  const value = body[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || !ok(value))
    throw new BadRequest(`'${field}' must be ${what}, got ${JSON.stringify(value)}`, field);
  return value;
}

/** Everything a response needs besides the samples. */
export interface ResponseContext {
  model: string;
  tokenizer: Tokenizer | null;
  /** Tokens of each prompt, when the tokenizer is known (for `usage`). */
  promptTokens: number[] | null;
}

/**
 * Per-token log-probabilities in the completions format (`top_logprobs` is not computed: null). A character
 * split over several tokens goes with the first of them, so the token strings concatenate to the text.
 */
function completionLogprobs(sample: Completion, tokenizer: Tokenizer | null) {
  const pieces =
    tokenizer && sample.tokens ? tokenizer.decodeWithOffsets(sample.tokens, { skipSpecial: true }) : null;
  let end = 0;
  const spans = pieces?.offsets.map(([a, b]): [number, number] => {
    const span: [number, number] = [Math.max(a, end), Math.max(b, end)];
    end = span[1];
    return span;
  });
  return {
    tokens: spans ? spans.map(([a, b]) => pieces!.text.slice(a, b)) : null,
    token_logprobs: sample.logprobs ?? [],
    top_logprobs: null,
    text_offset: spans ? spans.map(([a]) => a) : null,
  };
}

/** Token counts; each prompt counts once, however many samples it has (as vLLM and OpenAI count). */
function usage(samples: Completion[][], context: ResponseContext) {
  const completion = samples.flat().reduce((sum, s) => sum + (s.tokens?.length ?? 0), 0);
  const prompt = context.promptTokens ? context.promptTokens.reduce((sum, t) => sum + t, 0) : 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

const id = (prefix: string) => `${prefix}-${randomBytes(12).toString("hex")}`;
const created = () => Math.floor(Date.now() / 1000);

/** The `/v1/completions` response: choice `i·n + j` is sample j of prompt i (OpenAI's order). */
export function completionsResponse(
  parsed: ParsedRequest,
  samples: Completion[][],
  context: ResponseContext,
) {
  return {
    id: id("cmpl"),
    object: "text_completion",
    created: created(),
    model: context.model,
    choices: samples.flatMap((perPrompt, i) =>
      perPrompt.map((s, j) => ({
        index: i * parsed.sampling.n + j,
        text: s.text,
        logprobs: parsed.logprobs ? completionLogprobs(s, context.tokenizer) : null,
        finish_reason: s.finishReason,
      })),
    ),
    usage: usage(samples, context),
  };
}

/** The `/v1/chat/completions` response: one assistant message per sample. */
export function chatResponse(parsed: ParsedRequest, samples: Completion[][], context: ResponseContext) {
  return {
    id: id("chatcmpl"),
    object: "chat.completion",
    created: created(),
    model: context.model,
    choices: samples[0]!.map((s, index) => {
      const lp = completionLogprobs(s, context.tokenizer);
      return {
        index,
        message: { role: "assistant", content: s.text },
        logprobs: parsed.logprobs
          ? {
              content: lp.token_logprobs.map((logprob, k) => ({
                token: lp.tokens?.[k] ?? "",
                logprob,
                top_logprobs: [],
              })),
            }
          : null,
        finish_reason: s.finishReason,
      };
    }),
    usage: usage(samples, context),
  };
}

/** The `/v1/models` response. */
export function modelsResponse(model: string, since: number) {
  return { object: "list", data: [{ id: model, object: "model", created: since, owned_by: "linewise" }] };
}

/** The error body OpenAI clients expect. */
export function errorBody(message: string, type: string, param: string | null = null) {
  return { error: { message, type, param, code: null } };
}
