import { test } from "node:test";
import assert from "node:assert/strict";
import { memory, noGrad, randn, scope, tensor } from "../../src/torch/index.js";
import { Rotary, applyRotary, headDim, llamaConfig } from "../../src/model/index.js";
import { tinyModel } from "./tiny.js";

const close = (a: number[], b: number[], tol = 1e-5) => {
  assert.equal(a.length, b.length);
  a.forEach((x, i) =>
    assert.ok(Math.abs(x - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `element ${i}: ${x} vs ${b[i]}`),
  );
};

test("parameter names and shapes follow the Hugging Face Llama layout", () => {
  const model = tinyModel({
    vocabSize: 40,
    dModel: 32,
    nLayer: 2,
    nHead: 4,
    nKvHead: 2,
    intermediateSize: 48,
  });
  const shapes = Object.fromEntries(model.namedParameters().map(([n, t]) => [n, t.shape]));
  assert.deepEqual(shapes["model.embed_tokens.weight"], [40, 32]);
  assert.deepEqual(shapes["model.layers.1.self_attn.q_proj.weight"], [32, 32]);
  assert.deepEqual(shapes["model.layers.1.self_attn.k_proj.weight"], [16, 32]); // 2 kv heads of width 8
  assert.deepEqual(shapes["model.layers.1.self_attn.v_proj.weight"], [16, 32]);
  assert.deepEqual(shapes["model.layers.1.self_attn.o_proj.weight"], [32, 32]);
  assert.deepEqual(shapes["model.layers.0.mlp.gate_proj.weight"], [48, 32]);
  assert.deepEqual(shapes["model.layers.0.mlp.up_proj.weight"], [48, 32]);
  assert.deepEqual(shapes["model.layers.0.mlp.down_proj.weight"], [32, 48]);
  assert.deepEqual(shapes["model.layers.0.input_layernorm.weight"], [32]);
  assert.deepEqual(shapes["model.layers.0.post_attention_layernorm.weight"], [32]);
  assert.deepEqual(shapes["model.norm.weight"], [32]);
  assert.deepEqual(shapes["lm_head.weight"], [40, 32]);
  assert.equal(Object.keys(shapes).length, 3 + 2 * 9);
  model.dispose();

  const scalar = tinyModel({ head: "scalar" });
  const names = scalar.namedParameters().map(([n]) => n);
  assert.ok(names.includes("score.weight") && !names.includes("lm_head.weight"));
  assert.deepEqual(scalar.scoreHead!.weight.shape, [1, 32]);
  scalar.dispose();

  const tied = tinyModel({ tieWordEmbeddings: true });
  assert.ok(!tied.namedParameters().some(([n]) => n === "lm_head.weight"));
  tied.dispose();
});

test("rotary embeddings rotate the two halves of each head as Hugging Face's rotate_half", () => {
  const d = 8;
  const theta = 10000;
  const tables = new Rotary(
    llamaConfig({ vocabSize: 4, dModel: 2 * d, nLayer: 1, nHead: 2, ropeTheta: theta }),
  );
  const x = randn([1, 1, 3, d]); // (B, heads, T, headDim)
  const positions = tensor([[0, 5, 11]], { dtype: "int64" });
  const rotary = tables.at(positions);
  assert.deepEqual(rotary.cos.shape, [1, 1, 3, d]);
  const out = applyRotary(x, rotary);
  assert.deepEqual(out.shape, [1, 1, 3, d]);
  const xs = x.toFlatArray();
  const expected: number[] = [];
  [0, 5, 11].forEach((p, t) => {
    const v = xs.slice(t * d, (t + 1) * d);
    const rotated = new Array<number>(d);
    for (let i = 0; i < d / 2; i++) {
      const angle = p * theta ** ((-2 * i) / d);
      rotated[i] = v[i]! * Math.cos(angle) - v[i + d / 2]! * Math.sin(angle);
      rotated[i + d / 2] = v[i + d / 2]! * Math.cos(angle) + v[i]! * Math.sin(angle);
    }
    expected.push(...rotated);
  });
  close(out.toFlatArray(), expected, 1e-5);
  tables.dispose();
  for (const t of [x, positions, rotary.cos, rotary.sin, out]) t.dispose();
});

test("forward maps (B, T) ids to (B, T, dModel) hidden states and (B, T, vocab) logits without leaking", () => {
  const model = tinyModel();
  const ids = tensor(
    [
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10],
    ],
    { dtype: "int64" },
  );
  const before = memory().tensors;
  const { hidden, logits } = noGrad(() =>
    scope(() => {
      const h = model.forward(ids);
      return { hidden: h, logits: model.logits(h) };
    }),
  );
  assert.deepEqual(hidden.shape, [2, 5, 32]);
  assert.deepEqual(logits.shape, [2, 5, 40]);
  hidden.dispose();
  logits.dispose();
  assert.equal(memory().tensors, before);
  ids.dispose();
  model.dispose();
});

test("grouped-query attention equals full attention with each key/value head repeated", () => {
  const gqa = tinyModel({ nHead: 4, nKvHead: 2 });
  const full = tinyModel({ nHead: 4, nKvHead: 4 }, 1);
  const hd = headDim(gqa.config);
  noGrad(() =>
    scope(() => {
      const state = gqa.stateDict();
      for (const [name, t] of full.stateDict()) {
        let src = state.get(name)!;
        // HF repeat_kv: query head h reads key/value head floor(h / groups).
        if (/[kv]_proj/.test(name))
          src = src
            .view(2, 1, hd, 32)
            .expand(2, 2, hd, 32)
            .reshape(4 * hd, 32);
        t.copy_(src);
      }
      const ids = tensor([[3, 1, 4, 1, 5, 9, 2, 6]], { dtype: "int64" });
      close(gqa.logits(gqa.forward(ids)).toFlatArray(), full.logits(full.forward(ids)).toFlatArray(), 1e-4);
    }),
  );
  gqa.dispose();
  full.dispose();
});

test("left padding with keyValid leaves the real positions' logits unchanged", () => {
  const model = tinyModel();
  noGrad(() =>
    scope(() => {
      const plain = model.logits(model.forward(tensor([[5, 6, 7]], { dtype: "int64" }))); // (1, 3, V)
      const padded = tensor(
        [
          [0, 0, 5, 6, 7],
          [1, 2, 3, 4, 5],
        ],
        { dtype: "int64" },
      );
      const keyValid = tensor([
        [false, false, true, true, true],
        [true, true, true, true, true],
      ]);
      const logits = model.logits(model.forward(padded, { keyValid })); // (2, 5, V)
      close(logits.select(0, 0).narrow(0, 2, 3).toFlatArray(), plain.select(0, 0).toFlatArray(), 1e-4);
      const unpaddedRow = model.logits(model.forward(padded.narrow(0, 1, 1)));
      close(logits.select(0, 1).toFlatArray(), unpaddedRow.select(0, 0).toFlatArray(), 1e-4);
      assert.ok(logits.toFlatArray().every(Number.isFinite), "padding rows must not produce NaN");
    }),
  );
  model.dispose();
});

test("positions beyond the rotary table are refused by generation and the config checks its shapes", async () => {
  const { llamaConfig, generate } = await import("../../src/model/index.js");
  assert.throws(() => llamaConfig({ vocabSize: 10, dModel: 30, nLayer: 1, nHead: 4 }), /divisible/);
  assert.throws(() => llamaConfig({ vocabSize: 10, dModel: 32, nLayer: 1, nHead: 4, nKvHead: 3 }), /nKvHead/);
  const model = tinyModel({ maxPositions: 8 });
  assert.throws(() => generate(model, [{ prompt: [1, 2, 3, 4, 5], maxNewTokens: 4 }]), /maxPositions 8/);
  model.dispose();
});
