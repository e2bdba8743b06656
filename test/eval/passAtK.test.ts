import { test } from "node:test";
import assert from "node:assert/strict";
import { feasibleKs, meanPassAtK, passAtK } from "../../src/eval/passAtK.js";

/** C(n, k) exactly, to check the product form against the definition. */
function binomial(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}

function exactPassAtK(n: number, c: number, k: number): number {
  const scale = 10n ** 18n;
  return 1 - Number((binomial(n - c, k) * scale) / binomial(n, k)) / 1e18;
}

test("pass@1 with n=5, c=2 is 0.4", () => {
  assert.ok(Math.abs(passAtK(5, 2, 1) - 0.4) < 1e-12);
});

test("pass@5 with n=10, c=3 is 1 - C(7,5)/C(10,5) = 1 - 21/252", () => {
  assert.ok(Math.abs(passAtK(10, 3, 5) - (1 - 21 / 252)) < 1e-12);
});

test("no passing sample gives 0, all passing gives 1", () => {
  assert.equal(passAtK(10, 0, 1), 0);
  assert.equal(passAtK(10, 0, 10), 0);
  assert.equal(passAtK(10, 10, 1), 1);
  assert.equal(passAtK(1, 1, 1), 1);
});

test("fewer failures than k gives exactly 1", () => {
  assert.equal(passAtK(10, 8, 3), 1);
  assert.equal(passAtK(10, 1, 10), 1);
});

test("the product form matches the binomial definition", () => {
  for (let n = 1; n <= 30; n++)
    for (let c = 0; c <= n; c++)
      for (let k = 1; k <= n; k++) {
        const got = passAtK(n, c, k);
        assert.ok(Math.abs(got - exactPassAtK(n, c, k)) < 1e-9, `n=${n} c=${c} k=${k}: ${got}`);
      }
});

test("large n stays finite and exact where binomials overflow doubles", () => {
  assert.ok(Math.abs(passAtK(2000, 1, 1) - 1 / 2000) < 1e-15);
  const v = passAtK(2000, 3, 100);
  assert.ok(Number.isFinite(v) && Math.abs(v - exactPassAtK(2000, 3, 100)) < 1e-9);
});

test("invalid counts are rejected with the values in the message", () => {
  assert.throws(() => passAtK(5, 6, 1), /c=6/);
  assert.throws(() => passAtK(5, 2, 6), /k=6/);
  assert.throws(() => passAtK(5, 2, 0), /k=0/);
  assert.throws(() => passAtK(5, 1.5, 1), /integers/);
});

test("the mean over problems averages the per-problem estimates", () => {
  assert.ok(
    Math.abs(
      meanPassAtK(
        [
          { n: 5, c: 2 },
          { n: 10, c: 3 },
        ],
        1,
      ) - 0.35,
    ) < 1e-12,
  );
  assert.ok(Number.isNaN(meanPassAtK([], 1)));
});

test("feasible ks are those every problem has samples for", () => {
  assert.deepEqual(
    feasibleKs(
      [
        { n: 10, c: 0 },
        { n: 5, c: 1 },
      ],
      [1, 5, 10],
    ),
    [1, 5],
  );
});
