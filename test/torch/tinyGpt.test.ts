import { test } from "node:test";
import assert from "node:assert/strict";
import * as T from "../../src/torch/index.js";
import { TinyGpt } from "../../src/torch/examples/tinyGpt.js";

test("a tiny GPT written on the API overfits a short text (loss well under 0.1)", () => {
  T.manualSeed(0);
  const text = "def add(a, b):\n    return a + b\n";
  const vocab = [...new Set(text)];
  const ids = [...text].map((c) => vocab.indexOf(c));
  const model = new TinyGpt({ vocabSize: vocab.length, blockSize: 64, nLayer: 2, nHead: 2, dModel: 32 });
  const opt = new T.AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0 });
  const x = T.tensor([ids.slice(0, -1)], { dtype: "int64" }).keep();
  const y = T.tensor([ids.slice(1)], { dtype: "int64" }).keep();
  let loss = Infinity;
  for (let i = 0; i < 300; i++) {
    loss = T.scope(() => {
      const l = model.loss(x, y);
      l.backward();
      opt.stepUpdate();
      opt.zeroGrad();
      return l.item();
    });
  }
  assert.ok(loss < 0.1, `final loss ${loss}`);
  // and greedy decoding reproduces the text from its first character
  const out = [ids[0]!];
  T.noGrad(() => {
    for (let i = 1; i < ids.length; i++) {
      const next = T.scope(() =>
        model
          .forward(T.tensor([out], { dtype: "int64" }))
          .select(1, -1)
          .argmax(-1)
          .item(),
      );
      out.push(next);
    }
  });
  assert.equal(out.map((i) => vocab[i]).join(""), text);
  model.dispose();
  opt.dispose();
  x.dispose();
  y.dispose();
});
