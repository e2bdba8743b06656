// Chat templates rendered with @huggingface/jinja against transformers' apply_chat_template: Llama 3,
// Qwen 2.5, DeepSeek-Coder and Mistral templates (test/fixtures/chat-templates), saved by transformers'
// save_pretrained and read back by ChatTemplate.fromCheckpoint.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";
import {
  ChatTemplate,
  chatCodePrompt,
  chatCodeStops,
  type ChatMessage,
} from "../../src/model/chat-template.js";
import { ChatCodeGenerator } from "../../src/generate/chat.js";
import type { CompletionRequest } from "../../src/generate/types.js";
import { runReferencePython, skipWithoutReferencePython } from "../helpers/reference-python.js";

const fixtures = join(packageRoot, "test/fixtures/chat-templates");

const templates: Record<string, Record<string, string>> = {
  llama3: { bos_token: "<|begin_of_text|>", eos_token: "<|eot_id|>" },
  "qwen2.5": { eos_token: "<|im_end|>", pad_token: "<|endoftext|>" },
  "deepseek-coder": { bos_token: "<｜begin▁of▁sentence｜>", eos_token: "<|EOT|>" },
  mistral: { bos_token: "<s>", eos_token: "</s>", unk_token: "<unk>" },
};

const code = 'def add(a, b):\n    """Return a + b."""\n';
const conversations: ChatMessage[][] = [
  [{ role: "user", content: `Complete this function:\n\`\`\`python\n${code}\`\`\`` }],
  [
    { role: "system", content: "You write Python. Reply with code only." },
    { role: "user", content: "  Reverse a list \u00e9\u00e8 😀  \n" },
  ],
  [
    { role: "user", content: "Write f." },
    { role: "assistant", content: "def f():\n    return 1\n" },
    { role: "user", content: "Now g." },
  ],
];

test(
  "templates render as transformers' apply_chat_template, with and without the generation prompt",
  {
    skip: skipWithoutReferencePython(),
  },
  () => {
    const dir = mkdtempSync(join(tmpdir(), "linewise-chat-"));
    try {
      const cases = {
        templates: Object.fromEntries(
          Object.entries(templates).map(([name, special]) => [
            name,
            { file: join(fixtures, `${name}.jinja`), special },
          ]),
        ),
        conversations,
      };
      writeFileSync(join(dir, "cases.json"), JSON.stringify(cases));
      runReferencePython(join(packageRoot, "scripts/hf-reference/tokenizers/chat_templates.py"), [
        join(dir, "cases.json"),
        dir,
      ]);
      for (const name of Object.keys(templates)) {
        const template = ChatTemplate.fromCheckpoint(join(dir, name));
        assert.ok(template, `${name}: transformers saved a template that fromCheckpoint finds`);
        const expected = JSON.parse(readFileSync(join(dir, name, "expected.json"), "utf8"));
        conversations.forEach((messages, i) => {
          for (const [key, addGenerationPrompt] of [
            ["with_prompt", true],
            ["without_prompt", false],
          ] as const) {
            const want = expected[key][i];
            const draw = (): string => template.render(messages, { addGenerationPrompt });
            if (typeof want === "string") assert.equal(draw(), want, `${name}, conversation ${i}, ${key}`);
            else
              assert.throws(
                draw,
                (err: Error) => err.message.includes(want.error) && !err.message.includes("\n"),
              );
          }
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("a template's own errors and a malformed template are one line naming where it came from", () => {
  const mistral = ChatTemplate.fromFile(join(fixtures, "mistral.jinja"));
  assert.throws(
    () => mistral.render([{ role: "system", content: "x" }]),
    /mistral.jinja: .*Conversation roles must alternate/,
  );
  assert.throws(
    () => new ChatTemplate("{% for x in %}", {}, "my.jinja"),
    /^Error: my.jinja: not a valid Jinja template/,
  );
  assert.equal(ChatTemplate.fromCheckpoint(join(packageRoot, "test/fixtures/tokenizer/llama3-tiny")), null);
});

test('tokenizer_config.json\'s chat_template: a string, or a list whose "default" entry is used', () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-chat-"));
  try {
    const config = {
      bos_token: { content: "<s>" },
      chat_template: "{{ bos_token }}{{ messages[0].content }}",
    };
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify(config));
    assert.equal(ChatTemplate.fromCheckpoint(dir)!.render([{ role: "user", content: "hi" }]), "<s>hi");
    const named = [
      { name: "tool_use", template: "tools" },
      { name: "default", template: "{{ messages | length }}" },
    ];
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ chat_template: named }));
    assert.equal(
      ChatTemplate.fromCheckpoint(join(dir, "tokenizer.json"))!.render([{ role: "user", content: "" }]),
      "1",
    );
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ chat_template: [named[0]] }));
    assert.throws(
      () => ChatTemplate.fromCheckpoint(dir),
      /tokenizer_config.json: chat_template: a list of templates needs one named "default"/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("chatCodePrompt opens the assistant's turn with the code, so the reply continues it; ChatCodeGenerator applies it", async () => {
  const llama3 = new ChatTemplate(readFileSync(join(fixtures, "llama3.jinja"), "utf8"), {
    bos_token: "<|begin_of_text|>",
  });
  const prompt = chatCodePrompt(llama3, code);
  assert.ok(
    prompt.startsWith("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nComplete the following"),
  );
  assert.ok(
    prompt.endsWith(`<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n\`\`\`python\n${code}`),
  );
  const seen: CompletionRequest[] = [];
  const recorder = {
    complete: async (requests: CompletionRequest[]) => {
      seen.push(...requests);
      return requests.map(() => [{ text: "    return a + b\n", finishReason: "stop" as const }]);
    },
  };
  const generator = new ChatCodeGenerator(recorder, llama3);
  const [[completion]] = await generator.complete([{ prompt: code, n: 1, maxTokens: 8, stop: ["\ndef"] }]);
  assert.equal(completion!.text, "    return a + b\n");
  assert.equal(seen[0]!.prompt, prompt);
  assert.deepEqual(seen[0]!.stop, ["\ndef", ...chatCodeStops]);
});
