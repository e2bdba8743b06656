import { test } from "node:test";
import assert from "node:assert/strict";
import {
  assembleRewards,
  atStepEnds,
  prlcoderStepRewards,
  psgpoLineRewards,
} from "../../src/rewards/index.js";

/**
 * A hand-built rollout of 10 response tokens and 4 lines; line 2 is a comment (neutral). Line ends sit on
 * tokens 2, 4, 7 and 9 (the last line ends on the last token, which also carries the outcome).
 */
const ends = [2, 4, 7, 9];
const neutral = [false, true, false, false];
const prm = [0.8, 0.9, -0.4, 0.5];
const kl = [0.1, -0.2, 0, 0.3, 0.05, 0, 0, 0.4, -0.1, 0.2];
const beta = 0.05;
const weights = { lambdaPass: 0.5, lambdaFail: 1 };

const close = (actual: number[], expected: number[]) => {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - expected[i]!) < 1e-12, `token ${i}: ${a} ≠ ${expected[i]}`),
  );
};

test("PSGPO: −β·KL on every token, λ(o)·PRM_i/L at line ends (0 on the comment line), the outcome on the last token", () => {
  // Failed rollout: λ_fail = 1, L = 4; outcome 0 (binary).
  const failed = assembleRewards({
    responseLength: 10,
    klPerToken: kl,
    beta,
    outcome: 0,
    processAt: atStepEnds(ends, psgpoLineRewards(prm, neutral, false, weights)),
  });
  const klPart = kl.map((k) => -beta * k);
  close(failed.kl, klPart);
  close(failed.process, [0, 0, 0.8 / 4, 0, 0, 0, 0, -0.4 / 4, 0, 0.5 / 4]);
  close(failed.outcome, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  close(
    failed.total,
    klPart.map((k, t) => k + failed.process[t]!),
  );

  // Passed rollout: λ_pass = 0.5 halves the process rewards; outcome 1 on the last token only.
  const passed = assembleRewards({
    responseLength: 10,
    klPerToken: kl,
    beta,
    outcome: 1,
    processAt: atStepEnds(ends, psgpoLineRewards(prm, neutral, true, weights)),
  });
  close(passed.process, [0, 0, 0.1, 0, 0, 0, 0, -0.05, 0, 0.0625]);
  close(passed.outcome, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  close(passed.total, [-0.005, 0.01, 0.1, -0.015, -0.0025, 0, 0, -0.07, 0.005, 1.0525]);
  assert.ok(Math.abs(passed.sums.process - 0.1125) < 1e-12);
  assert.equal(passed.sums.outcome, 1);
  assert.ok(Math.abs(passed.sums.kl - -beta * 0.75) < 1e-12);
  assert.ok(Math.abs(passed.sums.total - (passed.sums.kl + passed.sums.process + 1)) < 1e-12);
});

test("PRLCoder: PRM_i at each segment end with no length normalisation; rewards sharing a token add up", () => {
  const rewards = prlcoderStepRewards(prm, neutral);
  assert.deepEqual(rewards, [0.8, 0, -0.4, 0.5]);
  // Two blank-line steps merged into one token: both land on token 4.
  const r = assembleRewards({
    responseLength: 6,
    klPerToken: [0, 0, 0, 0, 0, 0],
    beta: 0.1,
    outcome: -0.3,
    processAt: atStepEnds([1, 4, 4, 5], [0.25, -0.5, -0.25, 1]),
  });
  close(r.process, [0, 0.25, 0, 0, -0.75, 1]);
  close(r.total, [0, 0.25, 0, 0, -0.75, 0.7]);
  close(r.kl, [0, 0, 0, 0, 0, 0]);
});

test("assembly refuses inputs that do not fit the rollout", () => {
  assert.throws(
    () => assembleRewards({ responseLength: 3, klPerToken: [0, 0], beta: 0.1, outcome: 1, processAt: [] }),
    /2 KL values for 3/,
  );
  assert.throws(
    () =>
      assembleRewards({
        responseLength: 3,
        klPerToken: [0, 0, 0],
        beta: 0.1,
        outcome: 1,
        processAt: [{ token: 3, reward: 1 }],
      }),
    /outside the 3 response tokens/,
  );
  assert.throws(
    () => assembleRewards({ responseLength: 0, klPerToken: [], beta: 0.1, outcome: 1, processAt: [] }),
    /positive integer/,
  );
  assert.throws(() => psgpoLineRewards([1, 2], [false], true, weights), /2 scores for 1 steps/);
});
