/**
 * Finite-difference gradient checks in float64 for every differentiable operation the API wraps: the
 * analytic gradient from backward() must match central differences of a random projection of the output.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as T from "../../src/torch/index.js";

type Fn = (xs: T.Tensor[]) => T.Tensor | T.Tensor[];

/** Deterministic inputs in (-1, 1) away from 0 (abs, relu, sqrt kinks), or positive when asked. */
function inputs(shapes: number[][], positive: boolean, seed: number): number[][] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return shapes.map((shape) =>
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
      const v = 0.2 + 0.8 * next();
      return positive || next() < 0.5 ? v : -v;
    }),
  );
}

function scalarOf(out: T.Tensor | T.Tensor[], weights: number[][]): T.Tensor {
  const outs = Array.isArray(out) ? out : [out];
  let total: T.Tensor | null = null;
  outs.forEach((o, i) => {
    const w = T.tensor(weights[i]!, { dtype: "float64", shape: o.shape.length ? o.shape : [] });
    const term = o
      .to("float64")
      .mul(w.reshape(...o.shape))
      .sum();
    total = total ? total.add(term) : term;
  });
  return total!;
}

function gradcheck(
  name: string,
  shapes: number[][],
  fn: Fn,
  options: { positive?: boolean; tol?: number } = {},
): void {
  T.scope(() => {
    const values = inputs(shapes, options.positive ?? false, name.length * 7919);
    const make = (vals: number[][], grad: boolean) =>
      vals.map((v, i) => T.tensor(v, { dtype: "float64", shape: shapes[i]!, requiresGrad: grad }));
    const probe = fn(make(values, false));
    const outShapes = (Array.isArray(probe) ? probe : [probe]).map((o) => o.numel);
    const weights = inputs(
      outShapes.map((n) => [n]),
      false,
      17,
    );
    const f = (vals: number[][]) => scalarOf(fn(make(vals, false)), weights).item();

    const xs = make(values, true);
    scalarOf(fn(xs), weights).backward();
    const eps = 1e-6;
    xs.forEach((x, i) => {
      const analytic = x.grad?.toFlatArray() ?? new Array(x.numel).fill(0);
      values[i]!.forEach((v, j) => {
        values[i]![j] = v + eps;
        const up = f(values);
        values[i]![j] = v - eps;
        const down = f(values);
        values[i]![j] = v;
        const numeric = (up - down) / (2 * eps);
        const tol = options.tol ?? 1e-5;
        assert.ok(
          Math.abs(numeric - analytic[j]!) <= tol * Math.max(1, Math.abs(numeric)),
          `${name}: d/dx${i}[${j}] analytic ${analytic[j]} vs numeric ${numeric}`,
        );
      });
    });
  });
}

const idx = (v: number[], shape?: number[]) => T.tensor(v, { dtype: "int64", ...(shape ? { shape } : {}) });
const mask = (v: boolean[]) => T.tensor(v);

const cases: [string, number[][], Fn, { positive?: boolean; tol?: number }?][] = [
  ["add", [[2, 3], [3]], ([a, b]) => a!.add(b!, 2)],
  [
    "sub",
    [
      [2, 3],
      [2, 1],
    ],
    ([a, b]) => a!.sub(b!),
  ],
  [
    "mul",
    [
      [2, 3],
      [2, 3],
    ],
    ([a, b]) => a!.mul(b!),
  ],
  ["div", [[4], [4]], ([a, b]) => a!.div(b!), { positive: true }],
  ["pow tensor", [[3], [3]], ([a, b]) => a!.pow(b!), { positive: true }],
  ["pow scalar", [[3]], ([a]) => a!.pow(3)],
  ["neg", [[3]], ([a]) => a!.neg()],
  ["abs", [[4]], ([a]) => a!.abs()],
  ["square", [[3]], ([a]) => a!.square()],
  ["maximum", [[4], [4]], ([a, b]) => a!.maximum(b!)],
  ["minimum", [[4], [4]], ([a, b]) => a!.minimum(b!)],
  [
    "matmul",
    [
      [2, 3],
      [3, 2],
    ],
    ([a, b]) => a!.matmul(b!),
  ],
  [
    "bmm",
    [
      [2, 2, 3],
      [2, 3, 2],
    ],
    ([a, b]) => a!.bmm(b!),
  ],
  ["reshape/view", [[2, 3]], ([a]) => a!.reshape(3, 2).view(6)],
  ["permute/contiguous", [[2, 3, 2]], ([a]) => a!.permute(2, 0, 1).contiguous()],
  ["transpose", [[2, 3]], ([a]) => a!.transpose(0, 1)],
  ["squeeze/unsqueeze", [[1, 3]], ([a]) => a!.squeeze(0).unsqueeze(1)],
  ["expand", [[2, 1]], ([a]) => a!.expand(2, 3)],
  ["flatten/repeat", [[2, 2]], ([a]) => a!.flatten().repeat(2)],
  ["select", [[3, 2]], ([a]) => a!.select(0, 1)],
  ["narrow", [[4, 2]], ([a]) => a!.narrow(0, 1, 2)],
  ["slice", [[5]], ([a]) => a!.slice(0, 1, null, 2)],
  ["gather", [[2, 3]], ([a]) => a!.gather(1, idx([2, 0, 1, 1], [2, 2]))],
  [
    "scatter (src)",
    [
      [2, 3],
      [2, 1],
    ],
    ([a, s]) => a!.scatter(1, idx([1, 2], [2, 1]), s!),
  ],
  [
    "scatterAdd",
    [
      [2, 3],
      [2, 2],
    ],
    ([a, s]) => a!.scatterAdd(1, idx([0, 0, 2, 1], [2, 2]), s!),
  ],
  ["indexSelect", [[3, 2]], ([a]) => a!.indexSelect(0, idx([2, 0, 2]))],
  ["index", [[3, 3]], ([a]) => a!.index([idx([0, 2]), idx([1, 1])])],
  ["maskedFill", [[3]], ([a]) => a!.maskedFill(mask([true, false, false]), 0.5)],
  ["split", [[5]], ([a]) => a!.split(2)],
  ["chunk", [[4, 2]], ([a]) => a!.chunk(2, 1)],
  ["cat", [[2], [3]], ([a, b]) => T.cat([a!, b!])],
  ["stack", [[2], [2]], ([a, b]) => T.stack([a!, b!], 1)],
  ["where", [[3], [3]], ([a, b]) => T.where(mask([true, false, true]), a!, b!)],
  ["sum", [[2, 3]], ([a]) => [a!.sum(), a!.sum(1, true), a!.sum([0, 1])]],
  ["mean", [[2, 3]], ([a]) => [a!.mean(), a!.mean(0)]],
  ["var", [[2, 3]], ([a]) => [a!.var(), a!.var(1, false, false)]],
  ["max/min", [[2, 3]], ([a]) => [a!.max(), a!.min(), a!.max(1).values, a!.min(0).values]],
  ["logsumexp", [[2, 3]], ([a]) => a!.logsumexp(1)],
  ["cumsum", [[4]], ([a]) => a!.cumsum(0)],
  ["norm", [[3]], ([a]) => a!.norm()],
  ["exp", [[3]], ([a]) => a!.exp()],
  ["log", [[3]], ([a]) => a!.log(), { positive: true }],
  ["sqrt", [[3]], ([a]) => a!.sqrt(), { positive: true }],
  ["rsqrt", [[3]], ([a]) => a!.rsqrt(), { positive: true }],
  ["tanh", [[3]], ([a]) => a!.tanh()],
  ["sigmoid", [[3]], ([a]) => a!.sigmoid()],
  ["relu", [[4]], ([a]) => a!.relu()],
  ["gelu", [[4]], ([a]) => [a!.gelu(), a!.gelu("tanh")]],
  ["silu", [[4]], ([a]) => a!.silu()],
  ["sin/cos", [[3]], ([a]) => [a!.sin(), a!.cos()]],
  ["softmax", [[2, 3]], ([a]) => a!.softmax(-1)],
  ["logSoftmax", [[2, 3]], ([a]) => a!.logSoftmax(1)],
  ["clamp", [[4]], ([a]) => a!.clamp(-0.5, 0.5)],
  ["tril/triu", [[3, 3]], ([a]) => [a!.tril(), a!.triu(1)]],
  ["topk", [[5]], ([a]) => a!.topk(2).values],
  ["sort", [[4]], ([a]) => a!.sort().values],
  ["clone", [[3]], ([a]) => a!.clone()],
  ["linear", [[2, 3], [4, 3], [4]], ([x, w, b]) => T.F.linear(x!, w!, b!)],
  ["embedding", [[4, 2]], ([w]) => T.F.embedding(idx([3, 0, 3]), w!)],
  ["layerNorm", [[2, 4], [4], [4]], ([x, w, b]) => T.F.layerNorm(x!, [4], w!, b!)],
  ["rmsNorm", [[2, 4], [4]], ([x, w]) => T.F.rmsNorm(x!, w!)],
  ["dropout (eval)", [[3]], ([x]) => T.F.dropout(x!, 0.5, false)],
  ["crossEntropy", [[3, 4]], ([x]) => T.F.crossEntropy(x!, idx([1, -100, 3]))],
  ["crossEntropy none", [[2, 3]], ([x]) => T.F.crossEntropy(x!, idx([0, 2]), { reduction: "none" })],
  ["mseLoss", [[3], [3]], ([a, b]) => T.F.mseLoss(a!, b!)],
  [
    "bceWithLogits",
    [[3]],
    ([x]) => T.F.binaryCrossEntropyWithLogits(x!, T.tensor([1, 0, 1], { dtype: "float64" })),
  ],
  [
    "attention (causal)",
    [
      [1, 2, 3, 2],
      [1, 2, 3, 2],
      [1, 2, 3, 2],
    ],
    ([q, k, v]) => T.F.scaledDotProductAttention(q!, k!, v!, { causal: true }),
  ],
  [
    "attention (mask)",
    [
      [1, 1, 2, 2],
      [1, 1, 3, 2],
      [1, 1, 3, 2],
    ],
    ([q, k, v]) =>
      T.F.scaledDotProductAttention(q!, k!, v!, { mask: mask([false, true, true]).view(1, 1, 1, 3) }),
  ],
];

for (const [name, shapes, fn, options] of cases) {
  test(`gradient of ${name}`, () => gradcheck(name, shapes, fn, options));
}
