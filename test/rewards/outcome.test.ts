import { test } from "node:test";
import assert from "node:assert/strict";
import type { Status, Verdict } from "../../src/exec/types.js";
import {
  binaryReward,
  compilerFeedbackReward,
  fractionPassedReward,
  outcomeReward,
  SandboxErrorReward,
} from "../../src/rewards/index.js";

const verdict = (status: Status, passed = 0, total = 4): Verdict => ({
  status,
  passed,
  total,
  cpuMs: 1,
  wallMs: 1,
});

test("compiler-feedback levels follow CodeRL: pass +1, wrong answer −0.3, runtime error/timeout/limits −0.6, syntax error −1", () => {
  const expected: [Status, number][] = [
    ["pass", 1],
    ["wrong_answer", -0.3],
    ["runtime_error", -0.6],
    ["timeout", -0.6],
    ["memory_limit", -0.6],
    ["output_limit", -0.6],
    ["syntax_error", -1],
  ];
  for (const [status, level] of expected) {
    assert.equal(compilerFeedbackReward(verdict(status)), level, status);
    assert.equal(outcomeReward(verdict(status), "compiler"), level, status);
  }
});

test("binary and fraction-passed rewards", () => {
  assert.equal(binaryReward(verdict("pass", 4)), 1);
  assert.equal(binaryReward(verdict("wrong_answer", 3)), 0);
  assert.equal(outcomeReward(verdict("timeout", 2), "binary"), 0);
  assert.equal(fractionPassedReward(verdict("wrong_answer", 3)), 0.75);
  assert.equal(fractionPassedReward(verdict("runtime_error", 1)), 0.25);
  assert.equal(fractionPassedReward(verdict("syntax_error", 0)), 0);
  assert.equal(outcomeReward(verdict("pass", 4), "fraction"), 1);
  assert.equal(fractionPassedReward(verdict("pass", 0, 0)), 1, "no tests: the binary reward");
  assert.equal(fractionPassedReward(verdict("runtime_error", 0, 0)), 0);
});

test("a sandbox_error is never a reward, whatever the kind", () => {
  for (const kind of ["binary", "compiler", "fraction"] as const) {
    assert.throws(
      () => outcomeReward({ ...verdict("sandbox_error"), detail: "bwrap failed" }, kind),
      (e: Error) => e instanceof SandboxErrorReward && /bwrap failed/.test(e.message),
    );
  }
});
