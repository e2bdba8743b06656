/**
 * Chat templates: how a chat model wants its conversation written. A Hugging Face checkpoint ships one in
 * tokenizer_config.json (`chat_template`: a Jinja string, or a list of named ones of which "default" is
 * used) or, from transformers 4.43 on, in chat_template.jinja beside it. It is rendered with
 * @huggingface/jinja (the engine transformers.js uses) with what transformers' apply_chat_template passes:
 * `messages`, `add_generation_prompt`, the special tokens (`bos_token`, `eos_token`, …), `raise_exception`
 * and `strftime_now`; trim_blocks and lstrip_blocks are on, as in transformers.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { Template } from "@huggingface/jinja";

export interface ChatMessage {
  role: string;
  content: string;
}

/** The special-token fields of tokenizer_config.json a template may use. */
const specialFields = [
  "bos_token",
  "eos_token",
  "unk_token",
  "pad_token",
  "sep_token",
  "cls_token",
  "mask_token",
];

export class ChatTemplate {
  private readonly template: Template;

  constructor(
    /** The Jinja source. */
    readonly source: string,
    /** Special tokens by field name (bos_token → "<s>"), as the template sees them. */
    readonly specialTokens: Record<string, string> = {},
    /** Where the template came from, for error messages. */
    readonly origin = "chat template",
  ) {
    try {
      this.template = new Template(source);
    } catch (err) {
      throw new Error(`${origin}: not a valid Jinja template (${oneLine(err)})`);
    }
  }

  /**
   * The checkpoint's own template: chat_template.jinja, else tokenizer_config.json's chat_template, in
   * `dir` (a checkpoint folder, or a file inside one); null when it has none. The special tokens come
   * from tokenizer_config.json.
   */
  static fromCheckpoint(dir: string): ChatTemplate | null {
    const folder = existsSync(dir) && statSync(dir).isDirectory() ? dir : dirname(dir);
    const configFile = join(folder, "tokenizer_config.json");
    const config = existsSync(configFile) ? readConfig(configFile) : {};
    const specials = specialTokens(config);
    const jinjaFile = join(folder, "chat_template.jinja");
    if (existsSync(jinjaFile)) return new ChatTemplate(readFileSync(jinjaFile, "utf8"), specials, jinjaFile);
    const field = config["chat_template"];
    if (field == null) return null;
    if (typeof field === "string") return new ChatTemplate(field, specials, `${configFile}: chat_template`);
    // Several named templates (tool use, RAG, …): the plain chat one is "default".
    if (Array.isArray(field)) {
      const named = field.find((t) => (t as { name?: unknown })?.name === "default") as
        { template?: unknown } | undefined;
      if (typeof named?.template === "string")
        return new ChatTemplate(named.template, specials, `${configFile}: chat_template["default"]`);
      throw new Error(`${configFile}: chat_template: a list of templates needs one named "default"`);
    }
    throw new Error(`${configFile}: chat_template: expected a string or a list of {name, template}`);
  }

  /** A template from a .jinja file; special tokens from the tokenizer_config.json of `checkpoint`, if given. */
  static fromFile(file: string, checkpoint?: string): ChatTemplate {
    if (!existsSync(file)) throw new Error(`${file}: no such file (expected a Jinja chat template)`);
    let specials: Record<string, string> = {};
    const configFile = checkpoint ? join(checkpoint, "tokenizer_config.json") : "";
    if (configFile && existsSync(configFile)) specials = specialTokens(readConfig(configFile));
    return new ChatTemplate(readFileSync(file, "utf8"), specials, file);
  }

  /**
   * The conversation as the model reads it; addGenerationPrompt (default true) ends it with the opening
   * of an assistant turn, for the model to continue.
   */
  render(messages: readonly ChatMessage[], options: { addGenerationPrompt?: boolean } = {}): string {
    try {
      return this.template.render({
        ...this.specialTokens,
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: options.addGenerationPrompt ?? true,
      });
    } catch (err) {
      throw new Error(`${this.origin}: ${oneLine(err)}`);
    }
  }
}

function readConfig(file: string): Record<string, unknown> {
  try {
    const config = JSON.parse(readFileSync(file, "utf8"));
    if (typeof config === "object" && config !== null && !Array.isArray(config)) return config;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${oneLine(err)})`);
  }
  throw new Error(`${file}: expected a JSON object`);
}

/** bos_token, eos_token, … as strings (tokenizer_config.json may write {"content": …} objects). */
function specialTokens(config: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of specialFields) {
    const value = config[field];
    const content = typeof value === "string" ? value : (value as { content?: unknown } | null)?.content;
    if (typeof content === "string") out[field] = content;
  }
  return out;
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, " ");
}

/**
 * The `--chat-template` option of serve-model and eval: "auto" is the checkpoint's own template (null
 * when it has none), "none" is null (no template), anything else a .jinja file (special tokens from the
 * checkpoint's tokenizer_config.json, when there is a checkpoint).
 */
export function chatTemplateOption(value: string, checkpoint: string | undefined): ChatTemplate | null {
  if (value === "none") return null;
  if (value === "auto") return checkpoint ? ChatTemplate.fromCheckpoint(checkpoint) : null;
  return ChatTemplate.fromFile(value, checkpoint);
}

/** Where a response written in a chat's code block ends: the block's closing fence. */
export const chatCodeStops = ["\n```"];

/**
 * The text a chat model continues to complete `code` (a problem's prompt, a function head to finish):
 * a user turn asking for the code, then the assistant's turn opened with a Python fence and the code
 * itself, so the reply continues the code exactly as a base model would (EvalPlus prompts chat models
 * the same way). The response ends at the closing fence (chatCodeStops); code + response is the program.
 */
export function chatCodePrompt(template: ChatTemplate, code: string): string {
  const request =
    "Complete the following Python code. Reply with the whole program in one Python code block.\n" +
    "```python\n" +
    code +
    (code.endsWith("\n") ? "" : "\n") +
    "```";
  return template.render([{ role: "user", content: request }]) + "```python\n" + code;
}
