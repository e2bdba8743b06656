import { test } from "node:test";
import assert from "node:assert/strict";
import { hashString, mulberry32, Rng } from "../../../src/problems/suite/random.js";

test("the same seed gives the same stream, another seed another one", () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const c = mulberry32(43);
  const xs = Array.from({ length: 5 }, () => a());
  assert.deepEqual(
    xs,
    Array.from({ length: 5 }, () => b()),
  );
  assert.notDeepEqual(
    xs,
    Array.from({ length: 5 }, () => c()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
});

test("string keys hash stably (FNV-1a reference values)", () => {
  assert.equal(hashString(""), 0x811c9dc5);
  assert.equal(hashString("a"), 0xe40c292c);
  assert.equal(new Rng("key").float(), new Rng(hashString("key")).float());
});

test("int covers both ends of its range and nothing outside", () => {
  const rng = new Rng(1);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) seen.add(rng.int(-2, 2));
  assert.deepEqual(
    [...seen].sort((x, y) => x - y),
    [-2, -1, 0, 1, 2],
  );
});

test("weighted picks follow the weights", () => {
  const rng = new Rng(3);
  let heavy = 0;
  for (let i = 0; i < 4000; i++)
    if (
      rng.weighted([
        ["heavy", 3],
        ["light", 1],
      ] as const) === "heavy"
    )
      heavy++;
  assert.ok(heavy > 2800 && heavy < 3200, `heavy drawn ${heavy} times of 4000`);
});
