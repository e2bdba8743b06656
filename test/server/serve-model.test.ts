import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { saveCheckpoint } from "../../src/model/index.js";
import { Tokenizer } from "../../src/model/tokenizer/index.js";
import { LocalGenerator } from "../../src/generate/local.js";
import { OpenAIGenerator } from "../../src/generate/openai.js";
import type { CompletionRequest, Generator } from "../../src/generate/types.js";
import { ModelServer } from "../../src/server/model-server.js";
import { UsageError } from "../../src/cli/command.js";
import { serveModelCommand } from "../../src/cli/commands/serve-model.js";
import { chatPrompt, chatStops } from "../../src/server/openai-protocol.js";
import { ChatTemplate } from "../../src/model/chat-template.js";
import { tinyModel } from "../model/tiny.js";
import { serveModel, type ServedModel } from "./serve.js";

const corpus = [
  "def add(a, b):\n    return a + b\n",
  "def sub(a, b):\n    return a - b\n",
  "### User:\nwrite add\n\n### Assistant:\n",
];

// A random model with a wide initialisation: greedy choices are far from ties, so they do not depend on batching.
const tokenizer = Tokenizer.train(corpus, { vocabSize: 300 });
const model = tinyModel(
  {
    vocabSize: tokenizer.vocabSize,
    maxPositions: 96,
    eosTokenId: tokenizer.eosId,
    bosTokenId: tokenizer.bosId,
    padTokenId: tokenizer.padId,
  },
  7,
);
const local = new LocalGenerator(model, tokenizer);
const dir = mkdtempSync(join(tmpdir(), "linewise-serve-"));
saveCheckpoint(dir, model, tokenizer);
let served: ServedModel;

before(async () => {
  served = await serveModel(dir, "--name", "tiny");
});
after(async () => {
  await served?.stop();
  model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** The fields of the server's replies the tests read (a success or an error body). */
interface Reply {
  object: string;
  model: string;
  choices: {
    index: number;
    text: string;
    message: { role: string; content: string };
    logprobs: { tokens: string[]; token_logprobs: number[]; content: unknown[] };
  }[];
  usage: { prompt_tokens: number; completion_tokens: number };
  error: { message: string; param: string | null };
  data: { id: string }[];
}

async function post(path: string, body: unknown): Promise<{ status: number; json: Reply }> {
  const response = await fetch(served.url.replace(/\/v1$/, "") + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Reply };
}

test("OpenAIGenerator sampling from serve-model gives LocalGenerator's greedy text, finish reasons and log-probs", async () => {
  // A stop string the greedy continuation contains (the random model writes arbitrary bytes): it must cut there.
  const [[full]] = await local.complete([
    { prompt: "def add(a, b):\n", n: 1, maxTokens: 30, temperature: 0 },
  ]);
  const at = full!.text.slice(3).search(/[!-~]{2}/) + 3;
  assert.ok(at >= 3, `no printable pair in ${JSON.stringify(full!.text)}`);
  const stop = full!.text.slice(at, at + 2);
  const requests: CompletionRequest[] = [
    { prompt: "def add(a, b):\n", n: 1, maxTokens: 20, temperature: 0 },
    { prompt: "def sub(a, b):\n    return", n: 2, maxTokens: 12, temperature: 0 },
    { prompt: "def add(a, b):\n", n: 1, maxTokens: 30, temperature: 0, stop: ["\u0000", stop] },
  ];
  const remote = await new OpenAIGenerator({ urls: [served.url], concurrency: 3 }).complete(requests);
  const direct = await local.complete(requests);
  assert.deepEqual(
    remote.map((r) => r.map((c) => [c.text, c.finishReason])),
    direct.map((r) => r.map((c) => [c.text, c.finishReason])),
  );
  assert.deepEqual(
    [remote[2]![0]!.text, remote[2]![0]!.finishReason],
    [full!.text.slice(0, full!.text.indexOf(stop)), "stop"],
  );

  const { status, json } = await post("/v1/completions", {
    prompt: ["def add(a, b):\n", "def sub("],
    n: 2,
    max_tokens: 5,
    temperature: 0,
    logprobs: 0,
  });
  assert.equal(status, 200);
  assert.equal(json.object, "text_completion");
  assert.equal(json.model, "tiny");
  assert.deepEqual(
    json.choices.map((c) => c.index),
    [0, 1, 2, 3],
  );
  const [[first], [second]] = await local.complete([
    { prompt: "def add(a, b):\n", n: 1, maxTokens: 5, temperature: 0 },
    { prompt: "def sub(", n: 1, maxTokens: 5, temperature: 0 },
  ]);
  assert.equal(json.choices[2].text, second!.text);
  const lp = json.choices[0].logprobs;
  assert.equal(lp.token_logprobs.length, first!.logprobs!.length);
  lp.token_logprobs.forEach((v: number, i: number) => assert.ok(Math.abs(v - first!.logprobs![i]!) < 1e-4));
  assert.equal(lp.tokens.join(""), first!.text);
  assert.equal(
    json.usage.completion_tokens,
    json.choices.reduce((n, c) => n + c.logprobs.token_logprobs.length, 0),
  );
  assert.equal(
    json.usage.prompt_tokens,
    tokenizer.encode("def add(a, b):\n").ids.length + tokenizer.encode("def sub(").ids.length + 2,
  );
});

test("chat completions render the documented template and stop at a new turn", async () => {
  const messages = [
    { role: "system" as const, content: "be brief" },
    { role: "user" as const, content: "write add" },
  ];
  const { status, json } = await post("/v1/chat/completions", {
    model: "anything",
    messages,
    max_tokens: 16,
    temperature: 0,
    n: 2,
    logprobs: true,
  });
  assert.equal(status, 200);
  assert.equal(json.object, "chat.completion");
  const prompt = chatPrompt(messages);
  assert.equal(prompt, "### System:\nbe brief\n\n### User:\nwrite add\n\n### Assistant:\n");
  const [[expected]] = await local.complete([
    { prompt, n: 1, maxTokens: 16, temperature: 0, stop: chatStops },
  ]);
  assert.equal(json.choices.length, 2);
  for (const choice of json.choices) {
    assert.deepEqual(choice.message, { role: "assistant", content: expected!.text });
    assert.equal(choice.logprobs.content.length, expected!.logprobs!.length);
  }

  const models = (await (await fetch(`${served.url}/models`)).json()) as Reply;
  assert.deepEqual(
    models.data.map((m) => m.id),
    ["tiny"],
  );
});

test("with a chat template, chat completions are the model continuing the rendered template; its errors are 400s", async () => {
  const template = new ChatTemplate(
    "{{ bos_token }}{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('no system turns') }}" +
      "{% endif %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}",
    { bos_token: "<|bos|>" },
  );
  const server = new ModelServer({
    generator: local,
    modelName: "tiny",
    tokenizer,
    chatFormat: { render: (m) => template.render(m), stop: [] },
  });
  const { port } = await server.listen(0);
  try {
    const chat = (messages: { role: string; content: string }[]) =>
      fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messages, max_tokens: 12, temperature: 0 }),
      });
    const messages = [{ role: "user", content: "write add" }];
    const reply = (await (await chat(messages)).json()) as Reply;
    const prompt = template.render(messages);
    assert.equal(prompt, "<|bos|>user: write add\nassistant:");
    const [[expected]] = await local.complete([{ prompt, n: 1, maxTokens: 12, temperature: 0 }]);
    assert.equal(reply.choices[0]!.message.content, expected!.text);
    // The template's bos is the one bos the model sees.
    assert.equal(reply.usage.prompt_tokens, tokenizer.encode(prompt).ids.length);
    const refused = await chat([{ role: "system", content: "x" }]);
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(await refused.json()), /no system turns/);
  } finally {
    await server.close();
  }
});

test("bad requests get a 400 (or 404/405) with a message naming the field", async () => {
  const bad = async (path: string, body: unknown, param: string | null, message: RegExp, status = 400) => {
    const r = await post(path, body);
    assert.equal(r.status, status, JSON.stringify(r.json));
    assert.match(r.json.error.message, message);
    if (param) assert.equal(r.json.error.param, param);
  };
  await bad("/v1/completions", "{not json", null, /not valid JSON/);
  await bad("/v1/completions", [1, 2], null, /must be a JSON object/);
  await bad("/v1/completions", { max_tokens: 4 }, "prompt", /'prompt' must be a string/);
  await bad("/v1/completions", { prompt: [1, 2, 3] }, "prompt", /token ids is not supported/);
  await bad("/v1/completions", { prompt: "x", n: 0 }, "n", /'n' must be an integer from 1 to 64, got 0/);
  await bad("/v1/completions", { prompt: "x", temperature: -1 }, "temperature", /≥ 0/);
  await bad("/v1/completions", { prompt: "x", top_p: 0 }, "top_p", /\(0, 1\]/);
  await bad("/v1/completions", { prompt: "x", max_tokens: "8" }, "max_tokens", /integer/);
  await bad("/v1/completions", { prompt: "x", stop: [1] }, "stop", /'stop' must be/);
  await bad("/v1/completions", { prompt: "x", stream: true }, "stream", /not supported/);
  await bad("/v1/completions", { prompt: "x", seed: 1.5 }, "seed", /integer/);
  await bad("/v1/completions", { prompt: "x ".repeat(200) }, "prompt", /holds 96 positions/);
  await bad("/v1/chat/completions", { messages: [] }, "messages", /non-empty list/);
  await bad(
    "/v1/chat/completions",
    { messages: [{ role: "robot", content: "hi" }] },
    "messages",
    /messages\[0\]\.role/,
  );
  await bad(
    "/v1/chat/completions",
    { messages: [{ role: "user", content: 3 }] },
    "messages",
    /messages\[0\]\.content/,
  );
  await bad("/v1/nothing", {}, null, /no route POST \/v1\/nothing/, 404);
  const get = await fetch(`${served.url}/completions`);
  assert.equal(get.status, 405);
  // The server is still healthy after all that.
  assert.equal((await post("/v1/completions", { prompt: "def", max_tokens: 2 })).status, 200);
});

test("option mistakes are one-line usage errors", async () => {
  const usage = (argv: string[], message: RegExp) =>
    assert.rejects(
      serveModelCommand.run(argv),
      (e: Error) => e instanceof UsageError && message.test(e.message) && !e.message.includes("\n"),
    );
  await usage(["--port", "1"], /--model is required/);
  await usage(["--model", dir, "--port", "70000"], /--port expects an integer from 0 to 65535/);
  await usage(["--model", dir, "--max-batch", "0"], /--max-batch expects a positive integer/);
  await usage(["--model", dir, "--batch-window=-1"], /--batch-window expects/);
  await usage(
    ["--model", dir, "--chat-template", join(dir, "nope.jinja")],
    /--chat-template \S+nope.jinja: no such file/,
  );
  await usage(
    ["--model", join(dir, "missing")],
    /^linewise serve-model: --model \S+\/missing: the checkpoint has no tokenizer\.json/,
  );
});

test("SIGTERM stops the server cleanly (exit code 0)", async () => {
  const code = await served.stop("SIGTERM");
  assert.equal(code, 0, served.stderr());
  assert.match(served.stderr(), /serve-model: stopped/);
});

/** A LocalGenerator that records the size of each batch it is given (the model is real). */
class CountingGenerator implements Generator {
  readonly batches: number[] = [];
  constructor(private readonly inner: Generator) {}
  complete(requests: CompletionRequest[]) {
    this.batches.push(requests.length);
    return this.inner.complete(requests);
  }
}

test("concurrent requests are decoded in one batch, and close() answers the request in flight before it returns", async () => {
  const counting = new CountingGenerator(local);
  const server = new ModelServer({
    generator: counting,
    modelName: "tiny",
    tokenizer,
    maxPositions: 96,
    batchWindowMs: 200,
  });
  const { port } = await server.listen(0);
  const url = `http://127.0.0.1:${port}/v1`;
  const requests = ["def add(a, b):\n", "def sub(", "def", "###"].map((prompt) => ({
    prompt,
    n: 1,
    maxTokens: 6,
    temperature: 0,
  }));
  const remote = await new OpenAIGenerator({ urls: [url], concurrency: 4 }).complete(requests);
  assert.deepEqual(counting.batches, [4]);
  assert.deepEqual(
    remote.map((r) => r[0]!.text),
    (await local.complete(requests)).map((r) => r[0]!.text),
  );

  // A request waits in the batch window while the server closes: it still gets its answer.
  const pending = fetch(`${url}/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "def", max_tokens: 3, temperature: 0 }),
  });
  while (server.requestsInFlight === 0) await new Promise((r) => setTimeout(r, 5));
  await server.close();
  const response = await pending;
  assert.equal(response.status, 200);
  assert.equal(((await response.json()) as Reply).choices.length, 1);
  await assert.rejects(fetch(`${url}/models`));
});
