/** Default limits for a program run, and the per-run options that go with them. */
import type { Limits } from "./types.js";

/** How outputs are compared with expected ones (DESIGN.md, "The executor": comparison modes). */
export type Comparison =
  | { mode: "exact" }
  /** Each line trimmed of surrounding whitespace, trailing empty lines ignored (the default for stdio). */
  | { mode: "lines" }
  /** Numbers equal when |actual − expected| ≤ atol + rtol·|expected| (stdio: token by token). */
  | { mode: "float"; atol?: number; rtol?: number };

/** Limits plus what a single call may add: the comparison mode and a cancellation signal. */
export interface RunOptions extends Limits {
  /** Default: `lines` for stdio tests, `exact` for call tests (assert tests compare in Python). */
  compare?: Comparison;
  /** Aborting removes a queued run or kills a running one; the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/**
 * The defaults, chosen for rewards on HumanEval/MBPP-sized problems: 3 s of CPU and 4 s of wall time
 * (HumanEval's harness uses 3 s), 1 GiB of address space (normal numeric Python fits easily), 1 MiB of
 * output per stream, stop at the first failing test. Slow reference solutions (MBPP task 123 needs
 * about 4 s of CPU) need larger limits passed per call.
 */
export const defaultLimits: Required<Limits> = {
  wallMs: 4000,
  cpuMs: 3000,
  memoryBytes: 1024 * 1024 * 1024,
  outputBytes: 1024 * 1024,
  stopOnFirstFailure: true,
};

/** Processes and threads a program may run at once (RLIMIT_NPROC, counted per sandbox). */
export const processLimit = 32;

/** `over` on top of `base`, every field filled in; rejects limits that make no sense. */
export function resolveLimits(base: Limits, over: Limits = {}): Required<Limits> {
  const pick = <K extends keyof Limits>(k: K): Required<Limits>[K] =>
    (over[k] ?? base[k] ?? defaultLimits[k]) as Required<Limits>[K];
  const limits: Required<Limits> = {
    wallMs: pick("wallMs"),
    cpuMs: pick("cpuMs"),
    memoryBytes: pick("memoryBytes"),
    outputBytes: pick("outputBytes"),
    stopOnFirstFailure: pick("stopOnFirstFailure"),
  };
  for (const k of ["wallMs", "cpuMs", "memoryBytes", "outputBytes"] as const) {
    if (!Number.isFinite(limits[k]) || limits[k] <= 0)
      throw new RangeError(`executor: limit ${k} must be a positive number, got ${limits[k]}`);
  }
  return limits;
}

/** Bytes of result lines a run may send back (return values, stdio outputs) before it is cut off. */
export function resultBytes(limits: Required<Limits>, testCount: number): number {
  return Math.min(limits.outputBytes * (testCount + 2), 256 * 1024 * 1024) + 1024 * 1024;
}
