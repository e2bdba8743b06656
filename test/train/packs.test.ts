import { test } from "node:test";
import assert from "node:assert/strict";
import { scope } from "../../src/torch/index.js";
import { disposePacked, packPairs, scoreResponses } from "../../src/model/index.js";
import { lengthPacks, overPacks } from "../../src/train/packs.js";
import { maskedMean } from "../../src/train/rollout.js";
import { tinyModel } from "../model/tiny.js";

const row = (prompt: number, response: number) => ({
  prompt: Array.from({ length: prompt }, (_, i) => 1 + (i % 7)),
  tokens: Array.from({ length: response }, (_, i) => 2 + ((i * 3) % 11)),
});

test("length packs hold every row once, stay within the token budget, and group rows of similar length", () => {
  const rows = [row(3, 20), row(4, 2), row(3, 19), row(5, 1), row(2, 30), row(4, 3)];
  const packs = lengthPacks(rows, 60);
  assert.deepEqual(packs.flat().sort(), [0, 1, 2, 3, 4, 5]);
  for (const pack of packs) {
    const width =
      Math.max(...pack.map((i) => rows[i]!.prompt.length)) +
      Math.max(...pack.map((i) => rows[i]!.tokens.length));
    assert.ok(pack.length === 1 || pack.length * width <= 60, `pack ${pack} is ${pack.length} × ${width}`);
  }
  // The three short rows share a pack; the long ones do not pad them.
  assert.ok(
    packs.some((p) => [1, 3, 5].every((i) => p.includes(i))),
    JSON.stringify(packs),
  );
  // A row longer than the budget still gets a pack of its own.
  assert.deepEqual(lengthPacks([row(10, 100)], 8), [[0]]);
});

test("a loss summed over length packs, each scaled by its share, has the gradient of the one padded batch", () => {
  const model = tinyModel();
  const rows = [row(3, 9), row(6, 2), row(2, 14), row(5, 1), row(4, 6)];
  const params = model.parameters();
  const gradient = () => params.flatMap((p) => [...p.grad!.toFlatArray()]);
  const loss = (packed: ReturnType<typeof packPairs>) => {
    const { logprobs } = scoreResponses(model, packed, { logprobs: true });
    return maskedMean(logprobs!.square(), packed.responseMask);
  };
  // Reference: one batch padded to its longest prompt and response.
  const whole = packPairs(rows.map((r) => ({ prompt: r.prompt, response: r.tokens })));
  const expected = scope(() => {
    const l = loss(whole);
    l.backward();
    return l.item();
  });
  disposePacked(whole);
  const reference = gradient();
  for (const p of params) p.grad!.zero_();

  // Small packs force several of them.
  let packs = 0;
  const figures = overPacks(
    rows,
    0,
    (_part, packed, share) => {
      packs++;
      const l = loss(packed);
      l.mul(share).backward();
      return { loss: l.item() };
    },
    { maxTokens: 24 },
  );
  assert.ok(packs >= 3, `${packs} packs`);
  assert.ok(Math.abs(figures.loss - expected) < 1e-5, `loss ${figures.loss} vs ${expected}`);
  const packed = gradient();
  const worst = Math.max(...packed.map((g, i) => Math.abs(g - reference[i]!)));
  assert.ok(worst < 1e-5, `largest gradient difference ${worst}`);
  model.dispose();
});
