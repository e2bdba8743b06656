import { test } from "node:test";
import assert from "node:assert/strict";
import { memory, noGrad, scope, tensor } from "../../src/torch/index.js";
import { disposePacked, gatherColumns, packPairs, scoreResponses } from "../../src/model/index.js";
import { tinyModel } from "./tiny.js";

const pairs = [
  { prompt: [1, 2, 3, 4], response: [5, 6, 7] },
  { prompt: [8], response: [9, 10, 11, 12, 13] },
  { prompt: [14, 15], response: [] },
];

test("packing left-pads prompts and right-pads responses so response token j sits in column P + j", () => {
  const packed = packPairs(pairs, 0);
  assert.equal(packed.promptWidth, 4);
  assert.equal(packed.responseWidth, 5);
  assert.deepEqual(packed.ids.toArray(), [
    [1, 2, 3, 4, 5, 6, 7, 0, 0],
    [0, 0, 0, 8, 9, 10, 11, 12, 13],
    [0, 0, 14, 15, 0, 0, 0, 0, 0],
  ]);
  assert.deepEqual(packed.responseMask.toArray(), [
    [1, 1, 1, 0, 0],
    [1, 1, 1, 1, 1],
    [0, 0, 0, 0, 0],
  ]);
  assert.deepEqual(packed.positions.toArray()[1], [0, 0, 0, 0, 1, 2, 3, 4, 5]);
  disposePacked(packed);
});

test("response log-probabilities and entropies equal a separate forward pass over each unpadded sequence", () => {
  const model = tinyModel();
  noGrad(() =>
    scope(() => {
      const packed = packPairs(pairs);
      const { logprobs, entropy } = scoreResponses(model, packed, { logprobs: true, entropy: true });
      assert.deepEqual(logprobs!.shape, [3, 5]);
      const lp = logprobs!.toArray() as number[][];
      const ent = entropy!.toArray() as number[][];
      pairs.forEach((pair, b) => {
        const ids = [...pair.prompt, ...pair.response];
        const logp = model
          .logits(model.forward(tensor([ids], { dtype: "int64" })))
          .logSoftmax(-1)
          .select(0, 0); // (T, V)
        const rows = logp.toArray() as number[][];
        pair.response.forEach((token, j) => {
          const row = rows[pair.prompt.length - 1 + j]!;
          assert.ok(Math.abs(lp[b]![j]! - row[token]!) < 1e-4, `logprob ${b},${j}`);
          const h = -row.reduce((s, l) => s + Math.exp(l) * l, 0);
          assert.ok(Math.abs(ent[b]![j]! - h) < 1e-4, `entropy ${b},${j}`);
        });
        for (let j = pair.response.length; j < 5; j++) assert.ok(lp[b]![j] === 0, "padding scores 0");
      });
      disposePacked(packed);
    }),
  );
  model.dispose();
});

test("scalar-head values: 'token' reads each response token, 'state' the position before it; gather picks columns", () => {
  const prm = tinyModel({ head: "scalar" });
  noGrad(() =>
    scope(() => {
      const packed = packPairs([{ prompt: [1, 2], response: [3, 4, 5] }]);
      const full = prm.values(prm.forward(tensor([[1, 2, 3, 4, 5]], { dtype: "int64" }))).toFlatArray(); // one per position
      const atToken = scoreResponses(prm, packed, { values: "token" }).values!.toFlatArray();
      const atState = scoreResponses(prm, packed, { values: "state" }).values!.toFlatArray();
      atToken.forEach((v, j) => assert.ok(Math.abs(v - full[2 + j]!) < 1e-5));
      atState.forEach((v, j) => assert.ok(Math.abs(v - full[1 + j]!) < 1e-5));
      const { values, mask } = gatherColumns(
        tensor([
          [10, 11, 12],
          [20, 21, 22],
        ]),
        [[2, 0], [1]],
      );
      assert.deepEqual(values.toArray(), [
        [12, 10],
        [21, 0],
      ]);
      assert.deepEqual(mask.toArray(), [
        [1, 1],
        [1, 0],
      ]);
      disposePacked(packed);
    }),
  );
  prm.dispose();
});

test("scores carry gradients in grad mode, and a scoring loop does not leak", () => {
  const model = tinyModel();
  const packed = packPairs(pairs);
  const step = () =>
    scope(() => {
      const { logprobs } = scoreResponses(model, packed, { logprobs: true });
      logprobs!.sum().neg().backward();
      const grad = model.model.layers.at(0).selfAttn.qProj.weight.grad!;
      const norm = grad.norm().item();
      for (const p of model.parameters()) p.grad?.dispose();
      return norm;
    });
  assert.ok(step() > 0);
  const before = memory().tensors;
  for (let i = 0; i < 3; i++) step();
  assert.equal(memory().tensors, before);
  disposePacked(packed);
  model.dispose();
});
