import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatMeanSpread,
  meanSpread,
  regularizedBeta,
  tTwoSidedP,
  welchT,
} from "../../src/report/seed-stats.js";

const close = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);

test("meanSpread: mean, sample sd, range", () => {
  const s = meanSpread([0.31, 0.33, 0.335]);
  close(s.mean, 0.325);
  // deviations -0.015, 0.005, 0.01 → squares sum 0.00035, over n − 1 = 2
  close(s.sd!, Math.sqrt(0.000175));
  assert.deepEqual([s.min, s.max, s.n], [0.31, 0.335, 3]);
  assert.deepEqual(meanSpread([4]), { mean: 4, sd: null, min: 4, max: 4, n: 1 });
  assert.equal(meanSpread([]).n, 0);
  assert.ok(Number.isNaN(meanSpread([]).mean));
});

test("formatMeanSpread", () => {
  assert.equal(formatMeanSpread(meanSpread([0.31, 0.33, 0.335]), { percent: true }), "32.5 ± 1.3 (n=3)");
  assert.equal(formatMeanSpread(meanSpread([2, 4]), { digits: 2 }), "3.00 ± 1.41 (n=2)");
  assert.equal(formatMeanSpread(meanSpread([0.318]), { percent: true }), "31.8");
  assert.equal(formatMeanSpread(meanSpread([])), "–");
});

test("welchT against a hand-computed example", () => {
  // a: mean 2, variance 1, se² 1/3; b: mean 5.5, variance 5/3, se² 5/12.
  const r = welchT([1, 2, 3], [4, 5, 6, 7])!;
  close(r.t, -3.5 / Math.sqrt(0.75));
  close(r.df, 0.5625 / ((1 / 3) ** 2 / 2 + (5 / 12) ** 2 / 3));
  // One side constant: the df is the other side's n − 1.
  close(welchT([1, 1, 1], [1, 2, 3])!.df, 2);
  assert.equal(welchT([1], [1, 2]), null);
  assert.equal(welchT([2, 2], [3, 3, 3]), null);
});

test("regularizedBeta matches closed forms", () => {
  // I_x(2, 3) = Σ_{j=2..4} C(4, j) x^j (1 − x)^{4−j}
  const x = 0.3;
  close(regularizedBeta(x, 2, 3), 6 * x ** 2 * (1 - x) ** 2 + 4 * x ** 3 * (1 - x) + x ** 4, 1e-12);
  close(regularizedBeta(0.8, 1, 1), 0.8, 1e-12);
  close(regularizedBeta(0.9, 5, 0.5) + regularizedBeta(0.1, 0.5, 5), 1, 1e-12);
  assert.equal(regularizedBeta(0, 2, 2), 0);
  assert.equal(regularizedBeta(1, 2, 2), 1);
});

test("tTwoSidedP against known values", () => {
  close(tTwoSidedP(2.0, 10), 0.07339, 1e-5);
  close(tTwoSidedP(-2.0, 10), 0.07339, 1e-5);
  close(tTwoSidedP(12.706, 1), 0.05, 1e-5); // t table: 97.5% point with 1 df
  close(tTwoSidedP(2.776, 4), 0.05, 1e-4);
  close(tTwoSidedP(1.96, 1e7), 0.05, 1e-4); // many df: the normal distribution
  close(tTwoSidedP(1, 1), 0.5, 1e-12); // Cauchy: P(|T| ≥ 1) = 1/2
  assert.equal(tTwoSidedP(0, 5), 1);
  assert.ok(tTwoSidedP(40, 20) < 1e-18);
  assert.equal(tTwoSidedP(Infinity, 3), 0);
  assert.ok(Number.isNaN(tTwoSidedP(1, 0)));
});
