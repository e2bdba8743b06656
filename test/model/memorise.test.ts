import { test } from "node:test";
import assert from "node:assert/strict";
import { AdamW, memory, scope } from "../../src/torch/index.js";
import { disposePacked, generate, packPairs, scoreResponses } from "../../src/model/index.js";
import { tinyModel } from "./tiny.js";

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
  const optimizer = new AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0 });
  const packed = packPairs(examples);
  const tokens = examples.reduce((n, e) => n + e.response.length, 0);
  const trainStep = () =>
    scope(() => {
      optimizer.zeroGrad();
      const { logprobs } = scoreResponses(model, packed, { logprobs: true });
      const loss = logprobs!.sum().neg().div(tokens); // mean next-token loss over response tokens
      loss.backward();
      optimizer.stepUpdate();
      return loss.item();
    });
  const first = trainStep();
  const before = memory().tensors;
  let loss = first;
  for (let i = 1; i < 300; i++) loss = trainStep();
  assert.equal(memory().tensors, before, "training steps do not leak tensors");
  assert.ok(loss < first / 20, `loss fell from ${first} to ${loss}`);
  disposePacked(packed);
  optimizer.dispose();

  const samples = generate(model, examples.map((e) => ({ prompt: e.prompt, maxNewTokens: 16 })));
  samples.forEach((s, i) => {
    assert.deepEqual(s[0]!.tokens, examples[i]!.response);
    assert.equal(s[0]!.finishReason, "stop");
  });
  model.dispose();
});
