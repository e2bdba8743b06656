import { test } from "node:test";
import assert from "node:assert/strict";
import * as T from "../../src/torch/index.js";
import { assertClose } from "./helpers.js";

const A = [
  [1, -2, 3],
  [4, 5, -6],
];

test("creation: from nested arrays, typed arrays, constants and ranges", () => {
  T.scope(() => {
    const a = T.tensor(A);
    assert.deepEqual(a.shape, [2, 3]);
    assert.equal(a.dtype, "float32");
    assert.deepEqual(a.toArray(), A);
    assert.deepEqual(T.tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] }).toArray(), [
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(T.tensor([true, false]).toArray(), [1, 0]);
    assert.equal(T.tensor([true, false]).dtype, "bool");
    assert.deepEqual(T.zeros([2]).toArray(), [0, 0]);
    assert.deepEqual(T.ones([1, 2], { dtype: "int64" }).toArray(), [[1, 1]]);
    assert.deepEqual(T.full([2], 2.5).toArray(), [2.5, 2.5]);
    assert.deepEqual(T.arange(4).toArray(), [0, 1, 2, 3]);
    assert.deepEqual(T.arange(1, 7, 2).toArray(), [1, 3, 5]);
    assert.equal(T.arange(3).dtype, "int64");
    assert.deepEqual(T.eye(2).toArray(), [
      [1, 0],
      [0, 1],
    ]);
    for (const dtype of ["float64", "float16", "bfloat16", "int32", "int64"] as const) {
      const t = T.tensor([1, 2, 3], { dtype });
      assert.equal(t.dtype, dtype);
      assert.deepEqual(t.toArray(), [1, 2, 3]);
    }
    assert.equal(T.tensor([7]).item(), 7);
    assert.equal(T.tensor(5).ndim, 0);
  });
});

test("random draws: ranges, shapes and the seed", () => {
  T.scope(() => {
    const u = T.rand([1000]).toFlatArray();
    assert.ok(u.every((x) => x >= 0 && x < 1));
    const n = T.randn([4000]).toFlatArray();
    const mean = n.reduce((a, b) => a + b) / n.length;
    assert.ok(Math.abs(mean) < 0.1, `randn mean ${mean}`);
    const r = T.randint(3, 6, [500]).toFlatArray();
    assert.ok(r.every((x) => x >= 3 && x < 6 && Number.isInteger(x)));
    T.manualSeed(42);
    const first = T.randn([5]).toFlatArray();
    T.manualSeed(42);
    assert.deepEqual(T.randn([5]).toFlatArray(), first);
  });
});

test("arithmetic with broadcasting and scalars", () => {
  T.scope(() => {
    const a = T.tensor(A);
    const row = T.tensor([10, 20, 30]);
    assert.deepEqual(
      a.add(row).toArray(),
      A.map((r) => r.map((x, j) => x + [10, 20, 30][j]!)),
    );
    assert.deepEqual(
      a.sub(1).toArray(),
      A.map((r) => r.map((x) => x - 1)),
    );
    assert.deepEqual(
      a.mul(2).toArray(),
      A.map((r) => r.map((x) => x * 2)),
    );
    assertClose(
      a.div(4).toArray(),
      A.map((r) => r.map((x) => x / 4)),
    );
    assert.deepEqual(
      a.add(row, 2).toArray(),
      A.map((r) => r.map((x, j) => x + 2 * [10, 20, 30][j]!)),
    );
    assert.deepEqual(
      a.neg().toArray(),
      A.map((r) => r.map((x) => -x)),
    );
    assert.deepEqual(
      a.abs().toArray(),
      A.map((r) => r.map(Math.abs)),
    );
    assert.deepEqual(
      a.pow(2).toArray(),
      A.map((r) => r.map((x) => x * x)),
    );
    assert.deepEqual(T.tensor([7, -7]).div(2, "floor").toArray(), [3, -4]);
    assert.deepEqual(T.tensor([7, -7]).remainder(3).toArray(), [1, 2]);
    assert.equal(T.tensor([1, 2], { dtype: "int64" }).add(1).dtype, "int64");
    assert.equal(T.tensor([1, 2]).add(1).dtype, "float32");
    assert.deepEqual(
      T.tensor([1, 5])
        .maximum(T.tensor([3, 2]))
        .toArray(),
      [3, 5],
    );
  });
});

test("matmul and bmm against hand-computed products", () => {
  T.scope(() => {
    const a = T.tensor(A);
    const b = T.tensor([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    assert.deepEqual(a.matmul(b).toArray(), [
      [4, 1],
      [-2, -1],
    ]);
    const batch = T.stack([a, a.mul(2)]);
    const bb = T.stack([b, b]);
    assert.deepEqual(batch.bmm(bb).toArray(), [
      [
        [4, 1],
        [-2, -1],
      ],
      [
        [8, 2],
        [-4, -2],
      ],
    ]);
  });
});

test("comparisons and logical ops give bool tensors", () => {
  T.scope(() => {
    const x = T.tensor([1, 2, 3]);
    assert.equal(x.gt(1).dtype, "bool");
    assert.deepEqual(x.gt(1).toArray(), [0, 1, 1]);
    assert.deepEqual(x.ge(2).toArray(), [0, 1, 1]);
    assert.deepEqual(x.lt(2).toArray(), [1, 0, 0]);
    assert.deepEqual(x.le(2).toArray(), [1, 1, 0]);
    assert.deepEqual(x.eq(T.tensor([1, 0, 3])).toArray(), [1, 0, 1]);
    assert.deepEqual(x.ne(2).toArray(), [1, 0, 1]);
    assert.deepEqual(x.gt(1).logicalAnd(x.lt(3)).toArray(), [0, 1, 0]);
    assert.deepEqual(x.gt(2).logicalOr(x.lt(2)).toArray(), [1, 0, 1]);
    assert.deepEqual(x.gt(1).logicalNot().toArray(), [1, 0, 0]);
    assert.equal(x.gt(0).all().item(), 1);
    assert.equal(x.gt(5).any().item(), 0);
  });
});

test("shape operations", () => {
  T.scope(() => {
    const a = T.arange(6).reshape(2, 3);
    assert.deepEqual(a.view(3, 2).toArray(), [
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    assert.deepEqual(a.transpose(0, 1).toArray(), [
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    assert.deepEqual(a.permute(1, 0).contiguous().view(6).toArray(), [0, 3, 1, 4, 2, 5]);
    assert.deepEqual(a.unsqueeze(0).shape, [1, 2, 3]);
    assert.deepEqual(a.unsqueeze(0).squeeze().shape, [2, 3]);
    assert.deepEqual(a.unsqueeze(1).squeeze(1).shape, [2, 3]);
    assert.deepEqual(T.tensor([1, 2]).unsqueeze(1).expand(2, 3).toArray(), [
      [1, 1, 1],
      [2, 2, 2],
    ]);
    assert.deepEqual(a.flatten().toArray(), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(T.tensor([1, 2]).repeat(2).toArray(), [1, 2, 1, 2]);
    assert.equal(a.size(-1), 3);
    assert.equal(a.numel, 6);
  });
});

test("slicing and indexing", () => {
  T.scope(() => {
    const a = T.arange(12).reshape(3, 4);
    assert.deepEqual(a.select(0, 1).toArray(), [4, 5, 6, 7]);
    assert.deepEqual(a.narrow(1, 1, 2).toArray(), [
      [1, 2],
      [5, 6],
      [9, 10],
    ]);
    assert.deepEqual(a.slice(1, 1, null, 2).toArray(), [
      [1, 3],
      [5, 7],
      [9, 11],
    ]);
    assert.deepEqual(a.slice(0, -1, null).toArray(), [[8, 9, 10, 11]]);
    const idx = T.tensor([[3], [0], [1]], { dtype: "int64" });
    assert.deepEqual(a.gather(1, idx).toArray(), [[3], [4], [9]]);
    assert.deepEqual(
      T.zeros([2, 3])
        .scatter(1, T.tensor([[2], [0]], { dtype: "int64" }), T.ones([2, 1]))
        .toArray(),
      [
        [0, 0, 1],
        [1, 0, 0],
      ],
    );
    assert.deepEqual(a.indexSelect(0, T.tensor([2, 0], { dtype: "int64" })).toArray(), [
      [8, 9, 10, 11],
      [0, 1, 2, 3],
    ]);
    assert.deepEqual(
      a.index([T.tensor([0, 2], { dtype: "int64" }), T.tensor([1, 3], { dtype: "int64" })]).toArray(),
      [1, 11],
    );
    assert.deepEqual(
      T.tensor([1, 2, 3])
        .maskedFill(T.tensor([true, false, true]), -1)
        .toArray(),
      [-1, 2, -1],
    );
    assert.deepEqual(T.where(T.tensor([true, false]), T.tensor([1, 2]), 0).toArray(), [1, 0]);
  });
});

test("cat, stack, split and chunk", () => {
  T.scope(() => {
    const x = T.tensor([[1, 2]]);
    const y = T.tensor([[3, 4]]);
    assert.deepEqual(T.cat([x, y]).toArray(), [
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(T.cat([x, y], 1).toArray(), [[1, 2, 3, 4]]);
    assert.deepEqual(T.stack([x, y]).shape, [2, 1, 2]);
    const parts = T.arange(5).split(2);
    assert.deepEqual(
      parts.map((p) => p.toArray()),
      [[0, 1], [2, 3], [4]],
    );
    assert.deepEqual(
      T.arange(5)
        .split([1, 4])
        .map((p) => p.toArray()),
      [[0], [1, 2, 3, 4]],
    );
    assert.deepEqual(
      T.arange(6)
        .chunk(3)
        .map((p) => p.toArray()),
      [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
    );
  });
});

test("reductions over all elements and over dimensions", () => {
  T.scope(() => {
    const a = T.tensor(A);
    assert.equal(a.sum().item(), 5);
    assert.deepEqual(a.sum(0).toArray(), [5, 3, -3]);
    assert.deepEqual(a.sum(1, true).toArray(), [[2], [3]]);
    assertClose(a.mean(1).toArray(), [2 / 3, 1]);
    assert.equal(a.max().item(), 5);
    assert.equal(a.min().item(), -6);
    const { values, indices } = a.max(1);
    assert.deepEqual(values.toArray(), [3, 5]);
    assert.deepEqual(indices.toArray(), [2, 1]);
    assert.deepEqual(a.min(0).values.toArray(), [1, -2, -6]);
    assert.deepEqual(a.argmax(1).toArray(), [2, 1]);
    assert.equal(a.argmax().item(), 4);
    const lse = (xs: number[]) => Math.log(xs.reduce((s, x) => s + Math.exp(x), 0));
    assertClose(a.logsumexp(1).toArray(), A.map(lse));
    assert.deepEqual(a.cumsum(1).toArray(), [
      [1, -1, 2],
      [4, 9, 3],
    ]);
    assertClose(T.tensor([3, 4]).norm().item(), 5);
    assertClose(T.tensor([1, 2, 3, 4]).var().item(), 5 / 3);
  });
});

test("element-wise functions against Math", () => {
  const xs = [-2, -0.5, 0, 0.7, 3];
  const pos = [0.25, 1, 4];
  const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));
  const cases: [string, (t: T.Tensor) => T.Tensor, (x: number) => number, number[]][] = [
    ["exp", (t) => t.exp(), Math.exp, xs],
    ["log", (t) => t.log(), Math.log, pos],
    ["sqrt", (t) => t.sqrt(), Math.sqrt, pos],
    ["rsqrt", (t) => t.rsqrt(), (x) => 1 / Math.sqrt(x), pos],
    ["tanh", (t) => t.tanh(), Math.tanh, xs],
    ["sigmoid", (t) => t.sigmoid(), (x) => 1 / (1 + Math.exp(-x)), xs],
    ["relu", (t) => t.relu(), (x) => Math.max(0, x), xs],
    ["gelu", (t) => t.gelu(), gelu, xs],
    ["silu", (t) => t.silu(), (x) => x / (1 + Math.exp(-x)), xs],
    ["clamp", (t) => t.clamp(-1, 1), (x) => Math.min(1, Math.max(-1, x)), xs],
  ];
  for (const [name, f, ref, input] of cases) {
    T.scope(() =>
      assertClose(f(T.tensor(input, { dtype: "float64" })).toArray(), input.map(ref), 1e-6, name),
    );
  }
});

test("softmax, logSoftmax, tril/triu, topk, sort, multinomial", () => {
  T.scope(() => {
    const x = T.tensor([[1, 2, 3]], { dtype: "float64" });
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    assertClose(x.softmax(-1).toArray(), [[Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z]]);
    assertClose(x.logSoftmax(-1).toArray(), [[1 - Math.log(z), 2 - Math.log(z), 3 - Math.log(z)]]);
    const ones = T.ones([3, 3]);
    assert.deepEqual(ones.tril().toArray(), [
      [1, 0, 0],
      [1, 1, 0],
      [1, 1, 1],
    ]);
    assert.deepEqual(ones.triu(1).toArray(), [
      [0, 1, 1],
      [0, 0, 1],
      [0, 0, 0],
    ]);
    const { values, indices } = T.tensor([5, 1, 9, 3]).topk(2);
    assert.deepEqual(values.toArray(), [9, 5]);
    assert.deepEqual(indices.toArray(), [2, 0]);
    assert.deepEqual(T.tensor([3, 1, 2]).sort().values.toArray(), [1, 2, 3]);
    assert.deepEqual(T.tensor([3, 1, 2]).sort(-1, true).indices.toArray(), [0, 2, 1]);
    const draws = T.tensor([[0, 0, 1, 0]])
      .multinomial(5, true)
      .toArray();
    assert.deepEqual(draws, [[2, 2, 2, 2, 2]]);
  });
});

test("dtype and device conversion", () => {
  T.scope(() => {
    const x = T.tensor([1.7, -1.7]);
    assert.deepEqual(x.long().toArray(), [1, -1]);
    assert.equal(x.to("float64").dtype, "float64");
    assert.equal(x.to("cpu").device, "cpu");
    assert.deepEqual(x.gt(0).float().toArray(), [1, 0]);
    const big = T.tensor([2 ** 40], { dtype: "int64" });
    assert.equal(big.item(), 2 ** 40);
  });
});

test("functional: linear, embedding, layerNorm, rmsNorm, losses, attention", () => {
  T.scope(() => {
    const x = T.tensor([[1, 2]], { dtype: "float64" });
    const w = T.tensor(
      [
        [1, 0],
        [1, 1],
        [0, 2],
      ],
      { dtype: "float64" },
    );
    const b = T.tensor([0.5, 0, -1], { dtype: "float64" });
    assert.deepEqual(T.F.linear(x, w, b).toArray(), [[1.5, 3, 3]]);
    assert.deepEqual(T.F.embedding(T.tensor([2, 0], { dtype: "int64" }), w).toArray(), [
      [0, 2],
      [1, 0],
    ]);
    const v = [1, 2, 3, 6];
    const mean = 3;
    const variance = v.reduce((s, e) => s + (e - mean) ** 2, 0) / 4;
    assertClose(T.F.layerNorm(T.tensor([v], { dtype: "float64" }), [4]).toArray(), [
      v.map((e) => (e - mean) / Math.sqrt(variance + 1e-5)),
    ]);
    const rms = Math.sqrt(v.reduce((s, e) => s + e * e, 0) / 4 + 1e-6);
    assertClose(
      T.F.rmsNorm(T.tensor([v], { dtype: "float64" }), T.ones([4], { dtype: "float64" })).toArray(),
      [v.map((e) => e / rms)],
    );
    // cross-entropy with an ignored position
    const logits = T.tensor(
      [
        [1, 2, 3],
        [1, 1, 1],
      ],
      { dtype: "float64" },
    );
    const targets = T.tensor([2, -100], { dtype: "int64" });
    const z = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    assertClose(T.F.crossEntropy(logits, targets).item(), z - 3);
    assertClose(
      T.F.crossEntropy(logits, T.tensor([0, 1], { dtype: "int64" }), { reduction: "none" }).toArray(),
      [z - 1, Math.log(3)],
    );
    assertClose(T.F.mseLoss(T.tensor([1, 2]), T.tensor([0, 4])).item(), 2.5);
    assertClose(T.F.binaryCrossEntropyWithLogits(T.tensor([0]), T.tensor([1])).item(), Math.log(2));
    // dropout is the identity in eval mode and zeroes about p of the elements in training
    assert.deepEqual(T.F.dropout(T.ones([4]), 0.5, false).toArray(), [1, 1, 1, 1]);
    const dropped = T.F.dropout(T.ones([10000]), 0.5, true).toFlatArray();
    const zeros = dropped.filter((e) => e === 0).length;
    assert.ok(zeros > 4500 && zeros < 5500, `dropout zeroed ${zeros}`);
    assert.ok(dropped.every((e) => e === 0 || e === 2));
  });
});

test("causal attention matches a hand-computed softmax, and a KV-cache query sees the whole prefix", () => {
  T.scope(() => {
    // one head, T = 2, headDim = 1
    const q = T.tensor([[[[1], [2]]]], { dtype: "float64" });
    const k = T.tensor([[[[1], [-1]]]], { dtype: "float64" });
    const v = T.tensor([[[[10], [20]]]], { dtype: "float64" });
    const out = T.F.scaledDotProductAttention(q, k, v, { causal: true }).toArray();
    const p = Math.exp(2) / (Math.exp(2) + Math.exp(-2)); // second query attends to both keys
    assertClose(out, [[[[10], [10 * p + 20 * (1 - p)]]]]);
    // the last query alone (as with a KV cache) gives the same row
    const last = T.F.scaledDotProductAttention(q.slice(2, 1, null), k, v, { causal: true }).toArray();
    assertClose(last, [[[[10 * p + 20 * (1 - p)]]]]);
    // a padding mask hides the first key
    const mask = T.tensor([[[[false, true]]]]);
    assertClose(T.F.scaledDotProductAttention(q, k, v, { mask }).toArray(), [[[[20], [20]]]]);
  });
});

/** Abramowitz–Stegun 7.1.26 erf, accurate to 1.5e-7: an independent reference for GELU. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-a * a);
  return s * y;
}
