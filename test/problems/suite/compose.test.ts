import { test } from "node:test";
import assert from "node:assert/strict";
import { candidates, type Candidate } from "../../../src/problems/suite/candidates.js";
import {
  heldOutPercent,
  inSplit,
  isHeldOutPair,
  pairKeys,
  startId,
} from "../../../src/problems/suite/compose.js";
import { allStages, allTerminals } from "../../../src/problems/suite/steps/index.js";

function take(split: "train" | "test", count: number, seed = 1, maxSteps = 4): Candidate[] {
  const out: Candidate[] = [];
  for (const c of candidates({ seed, split, maxSteps, argsPerProblem: 6 })) {
    out.push(c);
    if (out.length === count) break;
  }
  return out;
}

const signature = (c: Candidate) => pairKeys(c.composition).join(" ");

test("the candidate stream is the same for the same seed and differs for another", () => {
  const a = take("train", 50, 5);
  const b = take("train", 50, 5);
  assert.deepEqual(
    a.map((c) => [c.index, c.prompt, c.response, c.argsList]),
    b.map((c) => [c.index, c.prompt, c.response, c.argsList]),
  );
  assert.notDeepEqual(
    a.map((c) => c.prompt),
    take("train", 50, 6).map((c) => c.prompt),
  );
});

test("train compositions contain no held-out pair, test ones at least one, across seeds", () => {
  const train = [...take("train", 400, 1), ...take("train", 400, 2)];
  const test_ = [...take("test", 400, 1), ...take("test", 400, 9)];
  assert.ok(train.every((c) => !pairKeys(c.composition).some(isHeldOutPair)));
  assert.ok(test_.every((c) => pairKeys(c.composition).some(isHeldOutPair)));
  const trainSignatures = new Set(train.map(signature));
  assert.ok(test_.every((c) => !trainSignatures.has(signature(c))));
  assert.ok(train.every((c) => inSplit(c.composition, "train") && !inSplit(c.composition, "test")));
});

test("about the configured share of possible pairs is held out, and every step still occurs in train", () => {
  const keys: string[] = [];
  for (const t of ["ints", "str", "words"] as const) {
    for (const next of [...allStages, ...allTerminals].filter((s) => s.from === t))
      keys.push(`${startId(t)}>${next.id}`);
  }
  for (const a of allStages)
    for (const b of [...allStages, ...allTerminals].filter((s) => s.from === a.to && s.id !== a.id))
      keys.push(`${a.id}>${b.id}`);
  const share = (100 * keys.filter(isHeldOutPair).length) / keys.length;
  assert.ok(Math.abs(share - heldOutPercent) < 5, `held-out share ${share.toFixed(1)}%`);

  const trainSteps = new Set(
    take("train", 3000).flatMap((c) => [
      ...c.composition.stages.map((s) => s.step.id),
      c.composition.terminal.step.id,
    ]),
  );
  const missing = [...allStages, ...allTerminals].map((s) => s.id).filter((id) => !trainSteps.has(id));
  assert.deepEqual(missing, []);
});

test("difficulty levels range from one step to maxSteps, without duplicate prompts", () => {
  const cs = take("train", 500);
  const levels = new Set(cs.map((c) => c.composition.stages.length + 1));
  assert.deepEqual([...levels].sort(), [1, 2, 3, 4]);
  assert.equal(new Set(cs.map((c) => c.prompt)).size, cs.length);
  assert.ok(take("train", 100, 1, 2).every((c) => c.composition.stages.length <= 1));
});

test("a one-step problem never just returns its input", () => {
  const oneStep = take("train", 600).filter((c) => c.composition.stages.length === 0);
  assert.ok(oneStep.length > 0);
  assert.ok(oneStep.every((c) => c.composition.terminal.step.kind !== "return"));
});
