import { test } from "node:test";
import assert from "node:assert/strict";
import { memory, noGrad, pendingCheckpoints, scope } from "../../src/torch/index.js";
import { native } from "../../src/torch/native.js";
import {
  disposePacked,
  packPairs,
  scoreResponses,
  type Llama,
  type LlamaConfig,
} from "../../src/model/index.js";
import { memorise, tinyModel } from "./tiny.js";

// Prompts of different lengths: left padding, so keyValid masks and shifted positions are in play.
const pairs = [
  { prompt: [1, 2, 3, 4, 5], response: [6, 7, 8] },
  { prompt: [9, 10], response: [11, 12, 13, 14, 15] },
  { prompt: [16, 17, 18], response: [19] },
];

/** Every parameter's gradient after one backward of a loss over all response tokens. */
function gradients(model: Llama, checkpointing: boolean, retainTwice = false): Map<string, number[]> {
  model.gradientCheckpointing = checkpointing;
  const packed = packPairs(pairs);
  clearGrads(model);
  scope(() => {
    const scores = scoreResponses(
      model,
      packed,
      model.head === "lm" ? { logprobs: true, entropy: true } : { values: "token" },
    );
    const loss =
      model.head === "lm"
        ? scores.logprobs!.sum().add(scores.entropy!.mul(0.1).sum())
        : scores.values!.square().sum();
    if (retainTwice) loss.backward(undefined, { retainGraph: true });
    loss.backward();
  });
  disposePacked(packed);
  const out = new Map<string, number[]>();
  for (const [name, p] of model.namedParameters())
    scope(() => {
      const g = p.grad;
      assert.ok(g !== null, `${name} has no gradient`);
      out.set(name, Array.from(g.data() as Float32Array));
    });
  clearGrads(model);
  return out;
}

function clearGrads(model: Llama): void {
  native.zeroGrad(model.parameters().map((p) => p.handle));
}

function assertSame(a: Map<string, number[]>, b: Map<string, number[]>, scale = 1): void {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, x] of a) {
    const y = b.get(name)!;
    const norm = Math.max(...y.map(Math.abs), 1e-12);
    x.forEach((v, i) =>
      assert.ok(
        Math.abs(v * scale - y[i]!) <= 1e-6 * norm,
        `${name}[${i}]: ${v * scale} with checkpointing vs ${y[i]} without`,
      ),
    );
  }
}

const shapes: [string, Partial<LlamaConfig>][] = [
  ["policy (LM head, GQA)", {}],
  ["policy (tied embeddings)", { tieWordEmbeddings: true, nLayer: 3 }],
  ["scalar head", { head: "scalar" }],
  ["sliding window", { slidingWindow: { size: 3, layers: [1] } }],
];

for (const [what, overrides] of shapes)
  test(`gradient checkpointing gives every parameter the same gradient: ${what}`, () => {
    const model = tinyModel(overrides);
    const before = memory().tensors;
    const plain = gradients(model, false);
    const checkpointed = gradients(model, true);
    assertSame(checkpointed, plain);
    assert.equal(pendingCheckpoints(), 0, "the backward released the chain");
    assert.equal(memory().tensors, before, "no tensor outlives the step");
    model.dispose();
  });

test("gradient checkpointing with retainGraph: two backwards give twice the gradient, not more", () => {
  const model = tinyModel();
  const plain = gradients(model, false);
  const twice = gradients(model, true, true);
  assertSame(twice, plain, 0.5);
  assert.equal(pendingCheckpoints(), 0);
  model.dispose();
});

test("gradient checkpointing stays out of noGrad forwards, passes frozen models, and frees unused chains", () => {
  const model = tinyModel();
  model.gradientCheckpointing = true;
  const packed = packPairs(pairs);
  noGrad(() => scope(() => scoreResponses(model, packed, { logprobs: true })));
  assert.equal(pendingCheckpoints(), 0, "noGrad: no chain");
  for (const p of model.parameters()) p.requiresGrad_(false);
  scope(() => scoreResponses(model, packed, { logprobs: true }).logprobs!.sum().backward());
  assert.equal(pendingCheckpoints(), 0, "frozen: the backward goes through and frees the chain");
  assert.ok(model.parameters().every((p) => p.grad === null));
  for (const p of model.parameters()) p.requiresGrad_(true);
  const before = memory().tensors;
  scope(() => {
    scoreResponses(model, packed, { logprobs: true }); // a grad-mode forward nobody backwards
  });
  assert.equal(pendingCheckpoints(), 0, "its output was disposed, so the chain was freed");
  assert.equal(memory().tensors, before);
  disposePacked(packed);
  model.dispose();
});

test("training with gradient checkpointing memorises as without it, and leaks nothing", () => {
  const examples = pairs.map((x) => ({ prompt: x.prompt, response: x.response }));
  const plain = memorise(tinyModel(), examples, 5);
  const model = tinyModel();
  model.gradientCheckpointing = true;
  const checkpointed = memorise(model, examples, 5);
  assert.ok(Math.abs(plain.last - checkpointed.last) <= 1e-5 * Math.abs(plain.last));
  assert.equal(checkpointed.tensorsAfterLast, checkpointed.tensorsAfterFirst);
  model.dispose();
});
