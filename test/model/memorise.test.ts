import { test } from "node:test";
import assert from "node:assert/strict";
import { generate } from "../../src/model/index.js";
import { memorise, tinyModel } from "./tiny.js";

const bos = 1;
const eos = 2;
// Four responses over a shared alphabet, so the model must use the prompt (and its position) to choose.
const examples = [
  { prompt: [bos, 10], response: [20, 21, 22, 23, 24, 25, 26, 27, eos] },
  { prompt: [bos, 11], response: [27, 26, 25, 24, 23, 22, 21, 20, eos] },
  { prompt: [bos, 12, 13], response: [20, 20, 21, 21, 22, 22, eos] },
  { prompt: [bos, 14, 15, 16], response: [23, 20, 26, 20, 23, eos] },
];

test("a tiny model trained with AdamW on four sequences then generates each exactly, greedily", () => {
  const model = tinyModel({ initializerRange: 0.02, eosTokenId: eos }, 3);
  const { first, last, tensorsAfterFirst, tensorsAfterLast } = memorise(model, examples, 300);
  assert.equal(tensorsAfterLast, tensorsAfterFirst, "training steps do not leak tensors");
  assert.ok(last < first / 20, `loss fell from ${first} to ${last}`);
  const samples = generate(
    model,
    examples.map((e) => ({ prompt: e.prompt, maxNewTokens: 16 })),
  );
  samples.forEach((s, i) => {
    assert.deepEqual(s[0]!.tokens, examples[i]!.response);
    assert.equal(s[0]!.finishReason, "stop");
  });
  model.dispose();
});
