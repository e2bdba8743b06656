/** `linewise serve-model`: serves a checkpoint over an OpenAI-compatible HTTP API. */
import { basename, resolve } from "node:path";
import { LocalGenerator } from "../../generate/local.js";
import { chatTemplateOption } from "../../model/chat-template.js";
import { ModelServer } from "../../server/model-server.js";
import { numberOption, parseOptions, requiredOption } from "../args.js";
import { UsageError, type Command } from "../command.js";
import { batchOptions, batchSettings, serveUntilStopped } from "../serve-options.js";

const name = "serve-model";

const help = `Usage: linewise serve-model --model CKPT [--port P] [--host HOST] [--name NAME] [--max-batch N]
                            [--batch-window MS] [--chat-template auto|none|FILE]

Serves a checkpoint (our own or any Llama-style Hugging Face folder with tokenizer.json) over an
OpenAI-compatible HTTP API, so any OpenAI client can sample it — among them 'linewise label --openai URL',
'linewise eval --openai URL' and the LLM teacher. Requests that arrive together are decoded in one batch.
Prints the URL on stdout once listening; Ctrl-C (or SIGTERM) answers the requests in flight, then exits.

Routes:
  POST /v1/completions        prompt (a string or a list of up to 256 strings), n (up to 64),
                              max_tokens (default 16), temperature (default 1; 0 = greedy), top_p,
                              top_k (-1 = off), stop, seed,
                              logprobs (an integer: choices[].logprobs.token_logprobs and .tokens;
                              top_logprobs is not computed and is null)
  POST /v1/chat/completions   messages [{role: system|user|assistant, content}], the same sampling
                              fields (max_tokens defaults to the room left in the context), logprobs
                              (a boolean). The messages are rendered with the model's chat template
                              (see --chat-template); without one, as
                                ### System:\\n{content}\\n\\n### User:\\n{content}\\n\\n### Assistant:\\n
                              and generation also stops at the next '\\n### User:', '\\n### System:' or
                              '\\n### Assistant:'. A template's own error (raise_exception) is a 400.
  GET  /v1/models             the one model served
Bad input gets HTTP 400 with {"error": {"message", "param"}} naming the field; streaming and echo are
not supported. The 'model' field of a request is ignored (there is one model).

Options:
  --model CKPT       checkpoint folder (config.json, model.safetensors, tokenizer.json)
  --port P           TCP port (default 8000; 0 picks a free one)
  --host HOST        address to listen on (default 127.0.0.1; 0.0.0.0 serves other machines)
  --name NAME        the model's name in responses (default: the checkpoint folder's name)
  --max-batch N      prompts decoded together (default 32)
  --batch-window MS  how long a request waits for others to share its batch, extended while more
                     arrive, up to four times (default 25; 0 decodes each request as soon as it comes)
  --chat-template T  how /v1/chat/completions writes the conversation: auto (default) uses the
                     checkpoint's own Jinja template (chat_template.jinja, or chat_template in
                     tokenizer_config.json) and the built-in one when it has none; none always uses
                     the built-in one; FILE is a .jinja template (rendered as transformers'
                     apply_chat_template does, with add_generation_prompt; generation stops at eos)

Example:
  linewise serve-model --model runs/sft/checkpoints/step-800 --port 8000 &
  curl -s localhost:8000/v1/completions -H 'content-type: application/json' \\
    -d '{"prompt": "def add(a, b):\\n", "max_tokens": 32, "temperature": 0}'`;

export const serveModelCommand: Command = {
  name,
  summary: "serve a checkpoint over an OpenAI-compatible HTTP API (/v1/completions, /v1/chat/completions)",
  help,
  async run(argv) {
    const { values } = parseOptions(name, argv, {
      model: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      name: { type: "string" },
      ...batchOptions,
      "chat-template": { type: "string" },
    });
    const checkpoint = requiredOption(name, "model", values.model);
    const port = numberOption(name, "port", values.port, 8000);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(
        `linewise ${name}: --port expects an integer from 0 to 65535, got '${values.port}'`,
      );
    const { maxBatch, batchWindowMs } = batchSettings(name, values);
    const host = values.host ?? "127.0.0.1";

    let generator: LocalGenerator;
    try {
      generator = LocalGenerator.fromCheckpoint(checkpoint);
    } catch (e) {
      throw new UsageError(`linewise ${name}: --model ${(e as Error).message}`);
    }
    let chatFormat;
    let chatOrigin = "the built-in ### Role: format";
    try {
      const template = chatTemplateOption(values["chat-template"] ?? "auto", checkpoint);
      chatFormat = template ? { render: template.render.bind(template), stop: [] } : undefined;
      if (template) chatOrigin = template.origin;
    } catch (e) {
      generator.dispose();
      throw new UsageError(`linewise ${name}: --chat-template ${(e as Error).message}`);
    }
    const modelName = values.name ?? basename(resolve(checkpoint));
    const server = new ModelServer({
      generator,
      modelName,
      tokenizer: generator.tokenizer,
      maxPositions: generator.model.config.maxPositions,
      maxBatch,
      batchWindowMs,
      chatFormat,
    });
    try {
      console.error(`serve-model: chat messages are written with ${chatOrigin}`);
      await serveUntilStopped(name, server, { port, host }, modelName, "/v1");
    } finally {
      await server.close();
      generator.dispose();
    }
  },
};
