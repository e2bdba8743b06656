import { test } from "node:test";
import assert from "node:assert/strict";
import { groupAdvantages, processAdvantages } from "../../src/train/group-advantages.js";

const close = (actual: number[], expected: number[], what: string) =>
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) < 1e-9, `${what}: ${actual} vs ${expected}`));

test("GRPO advantages are (r − group mean) / (Bessel std + 1e-4), per group, in any order", () => {
  // Group 0: rewards 1, 0, 0, 1 (mean 0.5, std √(1/3)); group 1: 0, 0 (no spread, advantage 0).
  const a = groupAdvantages([1, 0, 0, 0, 0, 1], [0, 0, 1, 0, 1, 0], { algo: "grpo", scaleByStd: true });
  const s = Math.sqrt(1 / 3) + 1e-4;
  close(a, [0.5 / s, -0.5 / s, 0, -0.5 / s, 0, 0.5 / s], "grpo");
  close(
    groupAdvantages([1, 0, 0, 1], [0, 0, 0, 0], { algo: "grpo", scaleByStd: false }),
    [0.5, -0.5, -0.5, 0.5],
    "dr grpo",
  );
});

test("RLOO advantages are r minus the mean of the group's other rewards", () => {
  close(
    groupAdvantages([3, 1, 2], [7, 7, 7], { algo: "rloo", scaleByStd: true }),
    [3 - 1.5, 1 - 2.5, 2 - 2],
    "rloo",
  );
});

test("a group of one response has advantage 0", () => {
  for (const algo of ["grpo", "rloo"] as const)
    assert.deepEqual(groupAdvantages([1, 0.3], [0, 1], { algo, scaleByStd: true }), [0, 0]);
});

test("process-supervised GRPO: a token's advantage sums the group-normalised step rewards from its own step on", () => {
  // Two responses of one group. Response 0: steps ending at tokens 1 and 3 (rewards 1, −1), an end token at 4;
  // response 1: a neutral step ending at 0 and a step ending at 2 (reward 0).
  const pool = [1, -1, 0];
  const mean = 0;
  const std = Math.sqrt(pool.reduce((s, x) => s + (x - mean) ** 2, 0) / 2) + 1e-4;
  const n = (x: number) => (x - mean) / std;
  const [a0, a1] = processAdvantages(
    [
      [
        { end: 1, reward: 1 },
        { end: 3, reward: -1 },
      ],
      [
        { end: 0, reward: null },
        { end: 2, reward: 0 },
      ],
    ],
    [5, 3],
    [4, 4],
  );
  close(a0!, [n(1) + n(-1), n(1) + n(-1), n(-1), n(-1), 0], "response 0");
  close(a1!, [n(0), n(0), n(0)], "response 1");
});
