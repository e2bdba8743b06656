// RL with a chat policy (issue 17): with `chatTemplate`, PPO and GRPO show the policy each problem through
// its chat template (src/train/prompting.ts), and the response still continues the problem's code.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCheckpoint } from "../../src/model/index.js";
import { Tokenizer } from "../../src/model/tokenizer/index.js";
import { createExecutor, type SandboxExecutor } from "../../src/exec/index.js";
import { packageRoot } from "../../src/paths.js";
import { ConfigError } from "../../src/runs/index.js";
import { rollOut } from "../../src/train/rollout.js";
import { promptingFor } from "../../src/train/prompting.js";
import { grpoDefaults, trainGrpo } from "../../src/train/grpo.js";
import { tinyBodies, tinyPolicy, tinyProblems } from "./ppo-tiny.js";

const template = join(packageRoot, "test/fixtures/chat-templates/qwen2.5.jinja");
let dir: string;
let executor: SandboxExecutor;
let policy: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "linewise-rl-chat-"));
  executor = createExecutor({ cacheDir: null });
  policy = await tinyPolicy(
    dir,
    tinyBodies.map((b) => ({ prompt: b.prompt, completion: b.right })),
    20,
  );
});

after(async () => {
  await executor.close();
  rmSync(dir, { recursive: true, force: true });
});

test("with a chat template the policy sees a user turn and an assistant reply opened with the code", async () => {
  const prompting = promptingFor(template, policy, "grpo");
  const problem = tinyProblems[0]!;
  const text = prompting.text(problem);
  assert.match(text, /<\|im_start\|>user\nComplete the following Python code/);
  assert.ok(text.endsWith("<|im_start|>assistant\n```python\n" + problem.prompt), text);
  assert.ok(prompting.stops.includes("\n```"), "a reply ends at its code block's closing fence");
  assert.deepEqual(promptingFor(null, policy, "grpo").text(problem), problem.prompt);

  const model = loadCheckpoint(policy, { head: "lm" });
  const tokenizer = Tokenizer.load(policy);
  try {
    const config = {
      samplesPerProblem: 2,
      temperature: 1,
      maxNewTokens: 12,
      outcomeReward: "binary" as const,
      granularity: "line" as const,
    };
    const judged = await rollOut(
      model,
      tokenizer,
      tinyProblems,
      config,
      executor,
      "chat-test",
      undefined,
      prompting,
    );
    assert.equal(judged.length, 2 * tinyProblems.length);
    for (const r of judged) {
      assert.equal(tokenizer.decode(r.prompt, { skipSpecial: true }), prompting.text(r.problem));
      assert.ok(
        !r.text.includes("\n```"),
        `a response runs past its closing fence: ${JSON.stringify(r.text)}`,
      );
      assert.notEqual(r.verdict.status, "sandbox_error");
    }
  } finally {
    model.dispose();
  }
});

test("grpo --chat-template: the run records it and trains; 'auto' without a template is refused before anything is written", async () => {
  const config = {
    ...grpoDefaults,
    policy,
    chatTemplate: template,
    iterations: 1,
    problemsPerIteration: 4,
    samplesPerProblem: 2,
    minibatchSize: 8,
    maxNewTokens: 12,
    checkpointEvery: 1,
    samplesEvery: 0,
  };
  const out = join(dir, "grpo-chat");
  const result = await trainGrpo(config, tinyProblems, out, { quiet: true, executor });
  assert.equal(result.iteration, 1);
  assert.equal(JSON.parse(readFileSync(join(out, "config.json"), "utf8")).chatTemplate, template);

  const refused = join(dir, "grpo-auto");
  await assert.rejects(
    trainGrpo({ ...config, chatTemplate: "auto" }, tinyProblems, refused, { quiet: true, executor }),
    (e: Error) =>
      e instanceof ConfigError && /chatTemplate "auto": the policy \S+ has no chat template/.test(e.message),
  );
  assert.ok(!existsSync(refused), "nothing written");
  await assert.rejects(
    trainGrpo({ ...config, chatTemplate: join(dir, "nope.jinja") }, tinyProblems, refused, {
      quiet: true,
      executor,
    }),
    (e: Error) => e instanceof ConfigError && /chatTemplate ".*nope\.jinja": .*no such file/.test(e.message),
  );
});
