import { test } from "node:test";
import assert from "node:assert/strict";
import {
  byDifficulty,
  byLength,
  lengthBucket,
  lengthBucketLabels,
  overallRow,
  type ProblemOutcome,
} from "../../src/eval/breakdown.js";

const s = (passed: boolean, tokens: number) => ({ passed, tokens });

const results: ProblemOutcome[] = [
  { problemId: "a", difficulty: "2", samples: [s(true, 10), s(false, 40), s(false, 50), s(true, 12)] },
  { problemId: "b", difficulty: "10", samples: [s(false, 100), s(false, 300), s(true, 20), s(false, 20)] },
  { problemId: "c", difficulty: "2", samples: [s(false, 5), s(false, 6), s(false, 7), s(false, 8)] },
  { problemId: "d", samples: [s(true, 33), s(true, 34), s(true, 35), s(true, 36)] },
];

const value = (rows: ReturnType<typeof byLength>, group: string, k: number) =>
  rows.find((r) => r.group === group)!.passAtK.find((p) => p.k === k)!.value;

test("overall pass@k is the mean over problems", () => {
  const all = overallRow(results, [1, 2]);
  assert.equal(all.problems, 4);
  assert.equal(all.samples, 16);
  assert.equal(all.passed, 7);
  // pass@1 per problem: 0.5, 0.25, 0, 1.
  assert.ok(Math.abs(all.passAtK[0]!.value! - 1.75 / 4) < 1e-12);
});

test("difficulty groups sort numerically, unlabelled problems last as 'unknown'", () => {
  const rows = byDifficulty(results, [1]);
  assert.deepEqual(
    rows.map((r) => r.group),
    ["2", "10", "unknown"],
  );
  assert.equal(rows[0]!.problems, 2);
  assert.ok(Math.abs(rows[0]!.passAtK[0]!.value! - 0.25) < 1e-12);
  assert.equal(rows[2]!.passAtK[0]!.value, 1);
});

test("named difficulty labels keep their natural order", () => {
  const named = ["hard", "easy", "medium"].map((difficulty) => ({
    problemId: difficulty,
    difficulty,
    samples: [s(true, 1)],
  }));
  assert.deepEqual(
    byDifficulty(named, [1]).map((r) => r.group),
    ["easy", "medium", "hard"],
  );
});

test("length buckets split each problem's samples by token count", () => {
  assert.deepEqual(lengthBucketLabels([32, 64]), ["0-31", "32-63", "64+"]);
  assert.equal(lengthBucket(31, [32, 64]), 0);
  assert.equal(lengthBucket(32, [32, 64]), 1);
  assert.equal(lengthBucket(1000, [32, 64]), 2);
  const rows = byLength(results, [1, 2], [32, 64]);
  assert.deepEqual(
    rows.map((r) => [r.group, r.problems, r.samples, r.passed]),
    [
      ["0-31", 3, 8, 3],
      ["32-63", 2, 6, 4],
      ["64+", 1, 2, 0],
    ],
  );
  // Short bucket, pass@1 per problem: a 2/2, b 1/2, c 0/4; each problem weighs the same.
  assert.ok(Math.abs(value(rows, "0-31", 1)! - 0.5) < 1e-12);
  // 32-63: a has 0/2, d has 4/4.
  assert.ok(Math.abs(value(rows, "32-63", 1)! - 0.5) < 1e-12);
});

test("a k larger than a bucket's samples leaves those problems out, and an empty bucket is null", () => {
  const rows = byLength(results, [3], [32, 64, 1000]);
  const short = rows.find((r) => r.group === "0-31")!.passAtK[0]!;
  assert.equal(short.problems, 1); // only c has 3 or more short samples
  assert.equal(short.value, 0);
  assert.equal(value(rows, "1000+", 3), null);
});

test("bad bucket edges are rejected", () => {
  assert.throws(() => byLength(results, [1], [64, 32]), /increasing/);
});
