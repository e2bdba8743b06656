import { test } from "node:test";
import assert from "node:assert/strict";
import { scope, tensor } from "../../src/torch/index.js";
import { clippedPolicyLoss, clippedValueLoss } from "../../src/train/ppo.js";
import { iterationProblems } from "../../src/train/rollout.js";

const near = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-5, `${what}: ${actual} vs ${expected}`);

test("the clipped policy loss, approx KL and clip fraction match hand-computed values; clipped tokens get no gradient", () => {
  scope(() => {
    // Ratios 1.5, 0.5, 1.1 on three real tokens, and a padding column that must not count.
    const logprobs = tensor([[Math.log(1.5), Math.log(0.5), Math.log(1.1), 7]]).requiresGrad_();
    const old = tensor([[0, 0, 0, 0]]);
    const advantages = tensor([[1, -1, 2, 100]]);
    const mask = tensor([[1, 1, 1, 0]]);
    const { loss, approxKl, clipFrac } = clippedPolicyLoss(logprobs, old, advantages, mask, 0.2);
    // max(−A·r, −A·clip(r, 0.8, 1.2)): token 0 max(−1.5, −1.2) = −1.2; token 1 max(0.5, 0.8) = 0.8; token 2 max(−2.2, −2.2) = −2.2
    near(loss.item(), (-1.2 + 0.8 - 2.2) / 3, "loss");
    // (r − 1) − log r per token
    near(
      approxKl.item(),
      (0.5 - Math.log(1.5) + (-0.5 - Math.log(0.5)) + (0.1 - Math.log(1.1))) / 3,
      "approxKl",
    );
    near(clipFrac.item(), 2 / 3, "clipFrac");
    loss.backward();
    const grad = logprobs.grad!.toFlatArray();
    // Tokens 0 and 1 take the clipped (constant) branch; token 2: d(−A·r/3)/d log π = −2·1.1/3.
    [0, -0, (-2 * 1.1) / 3, 0].forEach((g, i) => near(grad[i]!, g, `gradient ${i}`));
  });
});

test("the clipped value loss matches a hand-computed value", () => {
  scope(() => {
    const values = tensor([[1, 2, 9]]);
    const old = tensor([[0.5, 0.5, 0]]);
    const returns = tensor([[1.5, 0, 0]]);
    const mask = tensor([[1, 1, 0]]);
    const { loss, clipFrac } = clippedValueLoss(values, old, returns, mask, 0.2);
    // token 0: V_clip = 0.7, max((1 − 1.5)², (0.7 − 1.5)²) = 0.64; token 1: V_clip = 0.7, max(4, 0.49) = 4
    near(loss.item(), (0.5 * (0.64 + 4)) / 2, "loss");
    near(clipFrac.item(), 0.5, "clipFrac");
  });
});

test("iterations take problems in seeded passes: each pass covers every problem once", () => {
  const first = [0, 1, 2].flatMap((i) => iterationProblems(6, 4, 7, i)); // 12 draws = 2 passes over 6 problems
  assert.deepEqual([...first.slice(0, 6)].sort(), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...first.slice(6)].sort(), [0, 1, 2, 3, 4, 5]);
  assert.notDeepEqual(first.slice(0, 6), first.slice(6), "each pass has its own order");
  assert.deepEqual(
    iterationProblems(6, 4, 7, 1),
    first.slice(4, 8),
    "an iteration's problems depend only on (seed, iteration)",
  );
  assert.notDeepEqual(iterationProblems(6, 6, 8, 0), iterationProblems(6, 6, 7, 0));
});
