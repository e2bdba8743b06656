import { test } from "node:test";
import assert from "node:assert/strict";
import { gae, whiten } from "../../src/train/gae.js";

const close = (actual: number[], expected: number[]) =>
  actual.forEach((x, i) =>
    assert.ok(Math.abs(x - expected[i]!) < 1e-12, `${actual.join(", ")} vs ${expected.join(", ")}`),
  );

test("GAE matches a hand-computed example: δ_t = r_t + γV_{t+1} − V_t with V = 0 after the last token, A_t = δ_t + γλA_{t+1}", () => {
  // γ = 1, λ = 0.5, outcome 1 on the last token:
  // δ2 = 1 − 0.7 = 0.3,  A2 = 0.3
  // δ1 = 0.7 − 0.6 = 0.1, A1 = 0.1 + 0.5·0.3 = 0.25
  // δ0 = 0.6 − 0.5 = 0.1, A0 = 0.1 + 0.5·0.25 = 0.225
  const { advantages, returns } = gae([0, 0, 1], [0.5, 0.6, 0.7], 1, 0.5);
  close(advantages, [0.225, 0.25, 0.3]);
  close(returns, [0.725, 0.85, 1]);
});

test("with λ = 1 the advantage is the discounted return minus the value", () => {
  // γ = 0.5: G1 = 2, G0 = 1 + 0.5·2 = 2
  const { advantages, returns } = gae([1, 2], [0, 1], 0.5, 1);
  close(advantages, [2, 1]);
  close(returns, [2, 2]);
});

test("with λ = 0 the advantage is the one-step TD error", () => {
  const { advantages } = gae([0.1, -0.2, 1], [0.3, 0.4, 0.5], 1, 0);
  close(advantages, [0.1 + 0.4 - 0.3, -0.2 + 0.5 - 0.4, 1 - 0.5]);
});

test("whitening uses every number of the batch: mean 0, unbiased variance 1", () => {
  // mean 2, unbiased variance (1 + 0 + 1) / 2 = 1
  const [a, b] = whiten([[1, 2], [3]]);
  const s = 1 / Math.sqrt(1 + 1e-8);
  close(a!, [-s, 0]);
  close(b!, [s]);
  assert.deepEqual(whiten([[], [4]]), [[], [0]], "a single number is only centred");
  assert.throws(() => gae([1], [1, 2], 1, 1), /1 rewards for 2 values/);
});
