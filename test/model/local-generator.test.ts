import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodePrompt, generate, saveCheckpoint } from "../../src/model/index.js";
import { Tokenizer } from "../../src/model/tokenizer/index.js";
import { LocalGenerator } from "../../src/generate/local.js";
import { memorise, tinyModel } from "./tiny.js";

const prompts = ["# add one\n", "# double\n"];
const bodies = [
  "def f(x):\n    return x + 1\n\ndef g(y):\n    return y\n",
  "def h(x):\n    return 2 * x\n\nprint(h(3))\n",
];

/** A tokenizer trained on the snippets and a tiny model that has memorised them. */
function memorised() {
  const tokenizer = Tokenizer.train([...prompts, ...bodies, ...bodies], { vocabSize: 300 });
  const model = tinyModel(
    {
      vocabSize: tokenizer.vocabSize,
      maxPositions: 128,
      initializerRange: 0.02,
      bosTokenId: tokenizer.bosId,
      eosTokenId: tokenizer.eosId,
      padTokenId: tokenizer.padId,
    },
    3,
  );
  const examples = prompts.map((p, i) => ({
    prompt: encodePrompt(tokenizer, p),
    response: [...tokenizer.encode(bodies[i]!).ids, tokenizer.eosId],
  }));
  const { last } = memorise(model, examples, 300);
  assert.ok(last < 0.05, `memorised (loss ${last})`);
  return { tokenizer, model };
}

// Trained once, shared by the tests below (none of them changes the weights).
let trained: ReturnType<typeof memorised> | null = null;
const fixture = () => (trained ??= memorised());
after(() => trained?.model.dispose());

test("the local generator returns text, tokens and log-probs, and cuts at stop strings exactly", async () => {
  const { tokenizer, model } = fixture();
  const generator = new LocalGenerator(model, tokenizer);
  const [plain, stopped, otherStop] = await generator.complete([
    { prompt: prompts[0]!, n: 1, maxTokens: 60, temperature: 0 },
    { prompt: prompts[0]!, n: 2, maxTokens: 60, temperature: 0, stop: ["\ndef"] },
    { prompt: prompts[1]!, n: 1, maxTokens: 60, temperature: 0, stop: ["print(", "never"] },
  ]);
  // Ended by the end token: kept in tokens, not in text.
  assert.equal(plain![0]!.text, bodies[0]);
  assert.equal(plain![0]!.finishReason, "stop");
  assert.equal(plain![0]!.tokens!.at(-1), tokenizer.eosId);
  assert.equal(plain![0]!.logprobs!.length, plain![0]!.tokens!.length);
  assert.ok(
    plain![0]!.logprobs!.every((lp) => lp <= 0 && lp > -1),
    "memorised tokens are likely",
  );

  for (const s of stopped!) {
    assert.equal(s.text, "def f(x):\n    return x + 1\n");
    assert.equal(s.finishReason, "stop");
    assert.equal(tokenizer.decode(s.tokens!), s.text);
    assert.equal(s.logprobs!.length, s.tokens!.length);
  }
  assert.equal(otherStop![0]!.text, "def h(x):\n    return 2 * x\n\n");

  // A stop string that never appears: the budget ends the sample.
  const [[short]] = await generator.complete([
    { prompt: prompts[1]!, n: 1, maxTokens: 3, temperature: 0, stop: ["zzz"] },
  ]);
  assert.equal(short!.finishReason, "length");
  assert.equal(short!.tokens!.length, 3);
  assert.equal(short!.text, tokenizer.decode(short!.tokens!));
});

test("a stop string straddling tokens is cut exactly, and the running check stops generation early", () => {
  const { tokenizer, model } = fixture();
  const prompt = encodePrompt(tokenizer, prompts[1]!);
  const full = generate(model, [{ prompt, maxNewTokens: 60 }], { tokenizer })[0]![0]!;
  // "rn 2" starts inside the token of "return" and ends inside a later one.
  const [s] = generate(model, [{ prompt, maxNewTokens: 60, stop: ["rn 2"] }], { tokenizer })[0]!;
  assert.equal(s!.text, full.text.slice(0, full.text.indexOf("rn 2")));
  assert.ok(s!.text.startsWith(tokenizer.decode(s!.tokens!)), "tokens decode to a prefix of the text");
  assert.ok(s!.tokens!.length < full.tokens.length - 5, "generation stopped soon after the stop string");
});

test("embedding rows beyond the tokenizer's vocabulary are never sampled", () => {
  const { tokenizer } = fixture();
  const padded = tinyModel({ vocabSize: tokenizer.vocabSize + 16, maxPositions: 128 });
  const samples = generate(padded, [{ prompt: [tokenizer.bosId], maxNewTokens: 40, n: 8, temperature: 3 }], {
    tokenizer,
    seed: 1,
  })[0]!;
  assert.ok(samples.every((s) => s.tokens.every((t) => t < tokenizer.vocabSize)));
  padded.dispose();
});

test("a generator from a saved checkpoint (with tokenizer.json) completes as the original", async () => {
  const { tokenizer, model } = fixture();
  const dir = mkdtempSync(join(tmpdir(), "linewise-local-"));
  try {
    saveCheckpoint(dir, model, tokenizer);
    const loaded = LocalGenerator.fromCheckpoint(dir);
    const requests = [{ prompt: prompts[1]!, n: 3, maxTokens: 40, temperature: 1, seed: 4 }];
    assert.deepEqual(
      await loaded.complete(requests),
      await new LocalGenerator(model, tokenizer).complete(requests),
    );
    loaded.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
