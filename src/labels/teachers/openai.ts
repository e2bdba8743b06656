/**
 * The LLM teacher of PRLCoder §3.1 over any OpenAI-compatible chat API (`POST {url}/v1/chat/completions`):
 * it shows the model the problem and the program with one step marked, and asks it to mutate (change the
 * behaviour of) or refactor (keep the behaviour of) only that line or block, returning only the code. The
 * reply's code is taken from its fenced block when it has one, re-indented to the step's indentation, and
 * kept only when the program still parses with it; otherwise the teacher asks again (`attempts`).
 */
import { hashString } from "../../problems/suite/random.js";
import { parsePython } from "../python/parser.js";
import { stepRange, withStepReplaced, type Teacher, type TeacherContext } from "./teacher.js";

export interface OpenAITeacherOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:8000 (a trailing /v1 is accepted). */
  url: string;
  /** Model name sent with each request. */
  model?: string;
  apiKey?: string;
  /** Sampling temperature; default 0.7 (a later attempt must be able to differ from a failed one). */
  temperature?: number;
  /** Longest reply, tokens; default 512. */
  maxTokens?: number;
  /** Replies asked for per rewrite until one parses; default 3. */
  attempts?: number;
  /** HTTP attempts per request (network errors, 429, 5xx); default 4. */
  retries?: number;
  /** First backoff delay, ms; doubles on each retry. Default 500. */
  backoffMs?: number;
  /** Per-request timeout, ms; default 120 000. */
  timeoutMs?: number;
}

export type ChatMessage = { role: "system" | "user" | "assistant"; content: string };

type RewriteKind = "mutation" | "refactoring";

const system =
  "You are an expert Python programmer. You edit exactly the code you are asked to edit and reply with code only.";

const markerStart = "# >>> STEP START";
const markerEnd = "# <<< STEP END";

/** What each kind of rewrite asks for (PRLCoder §3.1: mutations change behaviour, refactorings keep it). */
const tasks: Record<RewriteKind, (unit: string) => string> = {
  mutation: (unit) =>
    `Mutate ONLY this ${unit} so that the program's behaviour changes and it fails some tests: introduce a plausible ` +
    `bug such as a wrong operator or comparison, an off-by-one bound or constant, a negated condition, swapped ` +
    `arguments, a wrong variable or a wrong return value.`,
  refactoring: (unit) =>
    `Refactor ONLY this ${unit} so that the program's behaviour stays exactly the same but the code is written ` +
    `differently: for example rename a variable that is local to it, rewrite an expression in an equivalent form, ` +
    `or use an augmented assignment or a comprehension.`,
};

/** The chat messages asking for one rewrite of step `ctx.index` (exported for tests and for inspection). */
export function teacherMessages(ctx: TeacherContext, kind: RewriteKind): ChatMessage[] {
  const { start, end } = stepRange(ctx);
  const step = ctx.program.slice(start, end);
  const indent = indentationOf(step);
  const unit = step.replace(/\n$/, "").includes("\n") ? "block" : "line";
  const marked =
    ctx.program.slice(0, start) +
    `${indent}${markerStart}\n` +
    step +
    (step.endsWith("\n") ? "" : "\n") +
    `${indent}${markerEnd}\n` +
    ctx.program.slice(end);
  const problem = ctx.statement ? `Problem:\n${ctx.statement.trim()}\n\n` : "";
  const user =
    `${problem}Here is a Python program; the ${unit} to edit is between the lines '${markerStart}' and '${markerEnd}'.\n\n` +
    "```python\n" +
    marked +
    (marked.endsWith("\n") ? "" : "\n") +
    "```\n\n" +
    `The ${unit} to edit:\n\n` +
    "```python\n" +
    dedent(step).replace(/\n?$/, "\n") +
    "```\n\n" +
    `${tasks[kind](unit)} Do not change any other line; the program must still be valid Python. ` +
    `Reply with only the new ${unit} in one \`\`\`python code block, without the marker lines and without explanations.`;
  return [
    { role: "system", content: system },
    { role: "user", content: user },
  ];
}

/**
 * The code of a teacher's reply as a replacement for `step`: the first fenced block's content (the whole
 * reply when it has none), marker lines dropped, re-indented to the step's indentation, with a final
 * newline exactly when the step has one. Null when nothing is left.
 */
export function extractStep(reply: string, step: string): string | null {
  const fenced = /```[^\n`]*\n([\s\S]*?)(?:```|$)/.exec(reply);
  let lines = (fenced ? fenced[1]! : reply).split("\n").map((l) => l.replace(/\s+$/, ""));
  lines = lines.filter((l) => !l.trim().startsWith(markerStart) && !l.trim().startsWith(markerEnd));
  while (lines.length > 0 && lines[0]!.trim() === "") lines.shift();
  while (lines.length > 0 && lines.at(-1)!.trim() === "") lines.pop();
  if (lines.length === 0) return null;
  const indent = indentationOf(step);
  // A reply that kept the program's indentation on every line but the first (as `.strip()` leaves it):
  // the later lines lose the step's indentation first, so the block's own nesting survives.
  const rest = lines.slice(1).filter((l) => l.trim() !== "");
  if (
    indent &&
    leading(lines[0]!) === "" &&
    rest.length > 0 &&
    rest.every((l) => l.startsWith(indent) && leading(l).length > indent.length)
  )
    lines = [lines[0]!, ...lines.slice(1).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))];
  const body = dedent(lines.join("\n"))
    .split("\n")
    .map((l) => (l.trim() === "" ? "" : indent + l))
    .join("\n");
  return body + (step.endsWith("\n") ? "\n" : "");
}

/** A teacher that asks a chat model for each rewrite. */
export class OpenAITeacher implements Teacher {
  private readonly url: string;

  constructor(private readonly options: OpenAITeacherOptions) {
    if (!options.url) throw new Error("OpenAITeacher: give the server's URL");
    this.url = options.url.replace(/\/+$/, "").replace(/\/v1$/, "");
  }

  async mutate(ctx: TeacherContext): Promise<string | null> {
    return this.rewrite(ctx, "mutation");
  }

  async refactor(ctx: TeacherContext): Promise<string | null> {
    return this.rewrite(ctx, "refactoring");
  }

  /** A rewrite of the step that differs from it and keeps the program parseable, or null after `attempts` replies. */
  async rewrite(ctx: TeacherContext, kind: RewriteKind): Promise<string | null> {
    const step = ctx.steps[ctx.index];
    if (!step || step.neutral) return null;
    const messages = teacherMessages(ctx, kind);
    const attempts = this.options.attempts ?? 3;
    for (let attempt = 0; attempt < attempts; attempt++) {
      // A seed per (seed, step, kind, attempt): reproducible on servers that honour it, different on each try.
      const seed = 0x7fffffff & hashString(`${ctx.seed}/${ctx.index}/${kind}/${attempt}`);
      const reply = await this.chat(messages, seed);
      const text = extractStep(reply, step.text);
      if (text === null || text === step.text) continue;
      if (!(await parsePython(withStepReplaced(ctx, text))).hasError) return text;
    }
    return null;
  }

  /** One chat completion's content, with retries and exponential backoff on errors a retry can fix. */
  async chat(messages: ChatMessage[], seed?: number): Promise<string> {
    const body = JSON.stringify({
      model: this.options.model ?? "default",
      messages,
      temperature: this.options.temperature ?? 0.7,
      max_tokens: this.options.maxTokens ?? 512,
      n: 1,
      ...(seed !== undefined ? { seed } : {}),
    });
    const retries = this.options.retries ?? 4;
    let delay = this.options.backoffMs ?? 500;
    let lastError: Error | null = null;
    for (let attempt = 0; attempt < retries; attempt++) {
      if (attempt > 0) {
        await new Promise((r) => setTimeout(r, delay));
        delay *= 2;
      }
      let response: Response;
      try {
        response = await fetch(`${this.url}/v1/chat/completions`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
          },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
        });
      } catch (e) {
        lastError = new Error(`${this.url}: ${(e as Error).message}`);
        continue;
      }
      const text = await response.text();
      if (!response.ok) {
        lastError = new Error(
          `${this.url}/v1/chat/completions: HTTP ${response.status} ${text.slice(0, 300)}`,
        );
        if (response.status === 429 || response.status >= 500) continue;
        throw lastError;
      }
      const content = (JSON.parse(text) as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]
        ?.message?.content;
      if (typeof content !== "string")
        throw new Error(`${this.url}/v1/chat/completions: the reply has no choices[0].message.content`);
      return content;
    }
    throw new Error(`teacher: the chat request failed after ${retries} attempts: ${lastError?.message}`);
  }
}

/** The leading whitespace of the first non-blank line. */
function indentationOf(code: string): string {
  const line = code.split("\n").find((l) => l.trim() !== "") ?? "";
  return leading(line);
}

function leading(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** Removes the indentation common to every non-blank line. */
function dedent(code: string): string {
  const lines = code.split("\n");
  const indents = lines.filter((l) => l.trim() !== "").map((l) => leading(l).length);
  const common = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => (l.trim() === "" ? "" : l.slice(common))).join("\n");
}
