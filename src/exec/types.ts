/** The executor's contract (DESIGN.md, "Contracts between layers"). */
import type { Tests } from "../problems/types.js";

/** `sandbox_error` means the sandbox failed, not the program: it is retried and never becomes a reward. */
export type Status =
  | "pass"
  | "wrong_answer"
  | "runtime_error"
  | "timeout"
  | "syntax_error"
  | "memory_limit"
  | "output_limit"
  | "sandbox_error";

export interface Verdict {
  status: Status;
  passed: number;
  total: number;
  /** Index of the first failing test case, when one failed. */
  firstFailed?: number;
  cpuMs: number;
  wallMs: number;
  /** Short, capped: the exception type, the first wrong output, … */
  detail?: string;
}

export interface Limits {
  /** Wall-clock limit for the whole program run, milliseconds. */
  wallMs?: number;
  /** CPU-time limit, milliseconds. */
  cpuMs?: number;
  /** Address-space ceiling, bytes. */
  memoryBytes?: number;
  /** Cap on captured stdout + stderr, bytes. */
  outputBytes?: number;
  /** Stop at the first failing test (rewards) instead of running all of them (labels, analysis). */
  stopOnFirstFailure?: boolean;
}

export interface Executor {
  run(program: string, tests: Tests, limits?: Limits): Promise<Verdict>;
}
