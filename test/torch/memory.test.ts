import { test } from "node:test";
import assert from "node:assert/strict";
import * as T from "../../src/torch/index.js";
import { TinyGpt } from "../../src/torch/examples/tinyGpt.js";

test("scope frees what it created, except what it returns or keeps", () => {
  const before = T.memory().tensors;
  let kept!: T.Tensor;
  const result = T.scope(() => {
    const a = T.ones([100]);
    const b = a.mul(2);
    kept = T.keep(b.add(1));
    return { out: b.sum(), list: [a.add(3)] };
  });
  assert.equal(T.memory().tensors, before + 3);
  assert.equal(result.out.item(), 200);
  assert.equal(kept.disposed, false);
  result.out.dispose();
  result.list[0]!.dispose();
  kept.dispose();
  assert.equal(T.memory().tensors, before);
});

test("nested scopes hand returned tensors to the parent, which frees them", () => {
  const before = T.memory().tensors;
  T.scope(() => {
    const inner = T.scope(() => T.ones([3]).mul(5));
    assert.equal(inner.sum().item(), 15);
  });
  assert.equal(T.memory().tensors, before);
});

test("a throwing scope still frees its tensors", () => {
  const before = T.memory().tensors;
  assert.throws(() =>
    T.scope(() => {
      T.ones([10]);
      throw new Error("boom");
    }),
  );
  assert.equal(T.memory().tensors, before);
});

test("dispose is idempotent, and a disposed tensor cannot be used", () => {
  const t = T.ones([2]);
  t.dispose();
  t.dispose();
  assert.equal(t.disposed, true);
  assert.throws(() => t.shape, /used after dispose/);
  assert.throws(() => T.ones([2]).add(t), /disposed tensor/);
});

test("memory() counts bytes of live tensors", () => {
  const before = T.memory();
  const t = T.zeros([256], { dtype: "float64" });
  assert.equal(T.memory().bytes - before.bytes, 256 * 8);
  t.dispose();
  assert.equal(T.memory().bytes, before.bytes);
});

test("1,000 training steps inside scope leave the live tensor count unchanged", () => {
  T.manualSeed(1);
  const model = new TinyGpt({ vocabSize: 11, blockSize: 8, nLayer: 1, nHead: 2, dModel: 16 });
  const opt = new T.AdamW(model.parameters(), { lr: 1e-3 });
  const x = T.randint(0, 11, [2, 8]).keep();
  const y = T.randint(0, 11, [2, 8]).keep();
  const step = () =>
    T.scope(() => {
      const loss = model.loss(x, y);
      loss.backward();
      T.clipGradNorm(model.parameters(), 1);
      opt.stepUpdate();
      opt.zeroGrad();
      return loss.item();
    });
  step();
  const before = T.memory();
  for (let i = 0; i < 1000; i++) step();
  assert.equal(T.memory().tensors, before.tensors);
  assert.equal(T.memory().bytes, before.bytes);
  model.dispose();
  opt.dispose();
  x.dispose();
  y.dispose();
});

test("scope refuses an async function (tensors of other tasks would land in it)", () => {
  assert.throws(() => T.scope(async () => 1), /synchronous/);
});
