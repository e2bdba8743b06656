// `linewise eval --chat-template`: option mistakes are one-line usage errors, before any work starts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { UsageError } from "../../src/cli/command.js";
import { evalCommand } from "../../src/cli/commands/eval.js";

test("eval --chat-template: a checkpoint without a template, a missing file, auto without a checkpoint", async () => {
  const usage = (argv: string[], message: RegExp) =>
    assert.rejects(
      evalCommand.run(argv),
      (e: Error) => e instanceof UsageError && message.test(e.message) && !e.message.includes("\n"),
    );
  const noTemplate = join(packageRoot, "test/fixtures/tokenizer/llama3-tiny");
  await usage(
    ["--model", noTemplate, "--chat-template", "auto"],
    /--chat-template auto: \S+llama3-tiny has no chat template/,
  );
  await usage(
    ["--model", noTemplate, "--chat-template", "nope.jinja"],
    /--chat-template nope.jinja: no such file/,
  );
  await usage(
    ["--openai", "http://127.0.0.1:9", "--chat-template", "auto"],
    /auto needs --model; with --openai give a .jinja file/,
  );
});
