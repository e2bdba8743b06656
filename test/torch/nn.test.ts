import { test } from "node:test";
import assert from "node:assert/strict";
import * as T from "../../src/torch/index.js";

class Net extends T.Module {
  readonly embed = this.module("embed", new T.Embedding(5, 4));
  readonly layers = this.module(
    "layers",
    new T.ModuleList([new T.Linear(4, 4), new T.Linear(4, 2, { bias: false })]),
  );
  readonly norm = this.module("norm", new T.RMSNorm(2));
  readonly ln = this.module("ln", new T.LayerNorm(2));
  readonly drop = this.module("drop", new T.Dropout(0.5));
  forward(ids: T.Tensor): T.Tensor {
    return T.scope(() => {
      let x = this.embed.forward(ids);
      for (const l of this.layers) x = l.forward(x);
      return this.drop.forward(this.ln.forward(this.norm.forward(x)));
    });
  }
}

test("modules name their parameters with PyTorch's dotted names", () => {
  const net = new Net();
  assert.deepEqual(
    net.namedParameters().map(([n, t]) => `${n}:${t.shape.join("x")}`),
    [
      "embed.weight:5x4",
      "layers.0.weight:4x4",
      "layers.0.bias:4",
      "layers.1.weight:2x4",
      "norm.weight:2",
      "ln.weight:2",
      "ln.bias:2",
    ],
  );
  assert.equal(net.numParameters(), 20 + 16 + 4 + 8 + 2 + 4);
  assert.ok(net.parameters().every((p) => p.requiresGrad));
  net.dispose();
});

test("train/eval reaches every sub-module (dropout is off in eval)", () => {
  const net = new Net();
  const ids = T.tensor([[1, 2, 3]], { dtype: "int64" });
  net.eval();
  assert.equal(net.drop.training, false);
  T.scope(() => assert.deepEqual(net.forward(ids).toArray(), net.forward(ids).toArray()));
  net.train();
  assert.equal(net.layers.at(0).training, true);
  ids.dispose();
  net.dispose();
});

test("stateDict → loadStateDict copies every tensor; strict mode names what is missing", () => {
  const a = new Net();
  const b = new Net();
  b.loadStateDict(a.stateDict());
  for (const [name, t] of a.stateDict())
    assert.deepEqual(b.stateDict().get(name)!.toArray(), t.toArray(), name);
  const partial = new Map([...a.stateDict()].filter(([n]) => n !== "norm.weight"));
  assert.throws(() => b.loadStateDict(partial), /missing \[norm\.weight\]/);
  b.loadStateDict(partial, { strict: false });
  const wrong = new Map([["norm.weight", T.ones([3])]]);
  assert.throws(() => b.loadStateDict(wrong, { strict: false }), /norm\.weight has shape \[3\]/);
  wrong.get("norm.weight")!.dispose();
  a.dispose();
  b.dispose();
});

test("dispose frees parameters, saved and derived buffers of every sub-module", () => {
  class WithTables extends T.Module {
    readonly inner = this.module("inner", new T.Linear(2, 2));
    constructor() {
      super();
      this.buffer("saved", T.ones([2]));
      this.buffer("derived", T.ones([3]), false);
    }
  }
  const before = T.memory().tensors;
  const m = new WithTables();
  assert.equal(T.memory().tensors, before + 4);
  m.dispose();
  assert.equal(T.memory().tensors, before);
});
