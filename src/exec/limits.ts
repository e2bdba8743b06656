/** Default limits for a program run, and the per-run options that go with them. */
import type { Limits } from "./types.js";

/** How outputs are compared with expected ones (DESIGN.md, "The executor": comparison modes). */
export type Comparison =
  | { mode: "exact" }
  /** Each line trimmed of surrounding whitespace, trailing empty lines ignored (the default for stdio). */
  | { mode: "lines" }
  /** Numbers equal when |actual − expected| ≤ atol + rtol·|expected| (stdio: token by token). */
  | { mode: "float"; atol?: number; rtol?: number }
  /** APPS's testing_util for stdout: lines trimmed, blank lines ignored, or single numbers per line close
   *  (np.allclose's rtol 1e-5, atol 1e-8). */
  | { mode: "apps" }
  /** LiveCodeBench's lcb_runner for stdout: lines trimmed (leading and trailing blank lines ignored), each
   *  line equal as text or as whitespace-separated decimal numbers (Decimal("1.50") == Decimal("1.5")). */
  | { mode: "lcb" }
  /** EvalPlus's evaluator, case by case, on values with their Python types (evalplus.ts; call tests only). */
  | EvalPlusComparison;

/** EvalPlus's special oracles (evalplus/eval/_special_oracle.py and `unsafe_execute`), by what they check. */
export type EvalPlusOracle =
  | "set" // MBPP_OUTPUT_SET_EQ_TASKS: set(out) == set(exp)
  | "notNone" // MBPP_OUTPUT_NOT_NONE_TASKS: exp records `ref is not None`
  | "any" // Mbpp/164 are_equivalent: any return value passes
  | "zero" // Mbpp/295 sum_div: out == exp or out == 0
  | "surfaceArea" // Mbpp/581: out == exp or |out − _surface_Area(*inp)| ≤ atol
  | "digitDistance" // Mbpp/558: out == exp or out == _digit_distance_nums(*inp)
  | "polyRoot"; // HumanEval/32 find_zero: |poly(xs, out)| ≤ atol

export interface EvalPlusComparison {
  mode: "evalplus";
  /** The tolerance in force at each case: the row's atol, or 1e-6 from the first float output of the
   *  base or plus inputs on when the row's atol is 0 (EvalPlus raises it then and keeps it raised). */
  atols: number[];
  oracle?: EvalPlusOracle;
}

/** Limits plus what a single call may add: the comparison mode and a cancellation signal. */
export interface RunOptions extends Limits {
  /** Default: `lines` for stdio tests, `exact` for call tests (assert tests compare in Python). */
  compare?: Comparison;
  /** Call tests: a wall-clock limit per case, in ms (EvalPlus's limits scaled from the reference's time). */
  caseWallMs?: number[];
  /** Capture: a return value of str, int, float, bool, None, lists and tuples whose canonical encoding is
   *  over this many bytes comes back as its digest, {"$sha256": [HEX, BYTES]} (values.py `digest` says
   *  which values have one), which an EvalPlus comparison judges by digest; anything else comes back
   *  whole. Default: no digests. */
  digestOver?: number;
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

/**
 * Bytes of result lines a run may send back (return values, stdio outputs) before it is cut off: the
 * output limit per test and, on top, twice the expected return values' size as the sandbox writes them
 * (`expectedBytes`, call tests; see `sentBytes`). A program whose expected values are large (HumanEval/15's
 * largest are 7 MB strings, 147 MB over its inputs) can send back its answers; one whose expected values
 * are small is limited as before, and no program can send back much more than its reference did.
 */
export function resultBytes(limits: Required<Limits>, testCount: number, expectedBytes = 0): number {
  return Math.min(limits.outputBytes * (testCount + 2), 256 * 1024 * 1024) + 1024 * 1024 + 2 * expectedBytes;
}

/**
 * What `capture` may send back: a reference solution's return values, which become expected values and
 * have none of their own to scale from. 256 MiB holds EvalPlus's largest (HumanEval/15, 147 MB) and stays
 * at half of what one JavaScript string can hold (2^29 characters), since the cache keeps a capture as one
 * JSON text. A capture over it ends as `output_limit`.
 */
export const captureResultBytes = 256 * 1024 * 1024;

/** The bytes `value` takes as the sandbox's JSON (values.py: ASCII only, so \uXXXX for other characters). */
export function sentBytes(json: string): number {
  let bytes = json.length;
  for (let i = 0; i < json.length; i++) if (json.charCodeAt(i) > 0x7f) bytes += 5;
  return bytes;
}
