/**
 * Outcome rewards: what a whole rollout earns from its unit-test verdict, paid on its last token
 * (DESIGN.md, "Training"). `sandbox_error` is the sandbox failing, not the program (DESIGN.md, "Contracts"):
 * it never becomes a reward, so every function here throws on it and the caller retries the execution.
 */
import type { Status, Verdict } from "../exec/types.js";

/**
 * Which outcome reward a rollout gets: `binary` (1 pass, 0 otherwise; PSGPO's unit-test reward),
 * `compiler` (CodeRL's feedback levels, PRLCoder's compiler-feedback baseline), or `fraction` (tests passed
 * over tests run).
 */
export type OutcomeKind = "binary" | "compiler" | "fraction";

/** A verdict that cannot be a reward: the sandbox failed, so the program was never judged. */
export class SandboxErrorReward extends Error {
  override name = "SandboxErrorReward";
}

/**
 * CodeRL's levels (Le et al. 2022, §3.2), as PRLCoder uses them for its compiler-feedback baseline (§4):
 * +1 pass, −0.3 a failed test, −0.6 a runtime error or timeout, −1 a program that does not compile.
 * Memory and output limits are runtime errors: the program ran and was stopped.
 */
export const compilerFeedbackLevels: Readonly<Record<Exclude<Status, "sandbox_error">, number>> = {
  pass: 1,
  wrong_answer: -0.3,
  runtime_error: -0.6,
  timeout: -0.6,
  memory_limit: -0.6,
  output_limit: -0.6,
  syntax_error: -1,
};

/** 1 when every test passed, else 0. */
export function binaryReward(verdict: Verdict): number {
  judged(verdict);
  return verdict.status === "pass" ? 1 : 0;
}

/** The CodeRL level of the verdict's status (see `compilerFeedbackLevels`). */
export function compilerFeedbackReward(verdict: Verdict): number {
  return compilerFeedbackLevels[judged(verdict)];
}

/** Tests passed over tests run: a program that fails to parse or never reaches its tests earns 0; no tests at all earns the binary reward. */
export function fractionPassedReward(verdict: Verdict): number {
  judged(verdict);
  if (verdict.total <= 0) return verdict.status === "pass" ? 1 : 0;
  return verdict.status === "pass" ? 1 : Math.min(verdict.passed, verdict.total) / verdict.total;
}

/** The outcome reward of `kind` for a verdict; throws SandboxErrorReward on `sandbox_error`. */
export function outcomeReward(verdict: Verdict, kind: OutcomeKind): number {
  if (kind === "binary") return binaryReward(verdict);
  if (kind === "compiler") return compilerFeedbackReward(verdict);
  return fractionPassedReward(verdict);
}

/** The verdict's status, refusing `sandbox_error`. */
function judged(verdict: Verdict): Exclude<Status, "sandbox_error"> {
  if (verdict.status === "sandbox_error") {
    throw new SandboxErrorReward(
      `a sandbox_error verdict is not a reward (the sandbox failed, not the program${verdict.detail ? `: ${verdict.detail}` : ""}); retry the execution`,
    );
  }
  return verdict.status;
}
