/**
 * Turns what the sandbox reported into a Verdict. Only lines carrying the run's secret count, only a
 * run that reported `done` can pass, and every test needs its own passing report, so an early exit, a
 * forged line or a skipped test cannot pass. Expected values are compared here, outside the sandbox.
 */
import type { Json, Tests } from "../problems/types.js";
import { firstDifference, outputsEqual, valuesEqual } from "./compare.js";
import { evalPlusCase } from "./evalplus.js";
import { digestTag, digestValue, parseJsonExact, stringifyExact, type Digest } from "./exactJson.js";
import type { Comparison } from "./limits.js";
import type { Status, Verdict } from "./types.js";

/** The server's summary of one run (server.py, `E {...}`). */
export interface RunEnd {
  timeout: boolean;
  memory: boolean;
  overflow: boolean;
  killed: boolean;
  stray: boolean;
  dirty: boolean;
  code: number | null;
  signal: number | null;
  cpuMs: number;
  wallMs: number;
  /** The child's peak resident memory (ru_maxrss), KiB. */
  rssKb?: number;
}

/** A stdio case as the child reports it: stdout (capped), stderr's tail, exit code or signal. */
export interface CaseReport {
  code?: number | null;
  signal?: number | null;
  out?: string;
  err?: string;
}

type Outcome = { status: Status | "pass"; detail?: string };

/** Child exit codes (child.py) and signals with a meaning of their own. */
const EXIT_HARNESS = 70;
const EXIT_MEMORY = 71;
const SIGKILL = 9;
const SIGXCPU = 24;
const SIGXFSZ = 25;
const DETAIL_CHARS = 300;
const signalNames: Record<number, string> = {
  4: "SIGILL",
  6: "SIGABRT",
  7: "SIGBUS",
  8: "SIGFPE",
  9: "SIGKILL",
  11: "SIGSEGV",
  13: "SIGPIPE",
  15: "SIGTERM",
  31: "SIGSYS",
};

function cap(text: string): string {
  return text.length > DETAIL_CHARS ? text.slice(0, DETAIL_CHARS - 1) + "…" : text;
}

function show(value: Json): string {
  const text = stringifyExact(value);
  return text.length > 80 ? text.slice(0, 79) + "…" : text;
}

/** A digest as a verdict's detail shows it: the encoding's size and the hash's first characters. */
function sizeOf(d: Digest): string {
  return `${d.bytes} bytes (sha256 ${d.sha256.slice(0, 12)}…)`;
}

function exceptionOf(payload: Json): { type: string; message: string } {
  if (payload && typeof payload === "object" && !Array.isArray(payload)) {
    return { type: String(payload.type ?? "Exception"), message: String(payload.message ?? "") };
  }
  return { type: "Exception", message: "" };
}

function raised(payload: Json): Outcome {
  const e = exceptionOf(payload);
  const status: Status = e.type === "MemoryError" ? "memory_limit" : "runtime_error";
  return { status, detail: e.message ? `${e.type}: ${e.message}` : e.type };
}

/** Collects one run's result lines; says when a stop-at-first-failure run can be cut short. */
export class Grader {
  private readonly outcomes = new Map<number, Outcome>();
  private readonly values = new Map<number, Json>();
  /** Stdio cases as reported (stdout, stderr tail, exit code, signal), for `script`. */
  private readonly cases = new Map<number, CaseReport>();
  private readonly times = new Map<number, number>();
  private early?: Outcome;
  private done = false;
  private started = false;
  private forged = 0;
  /** The run's peak resident memory in KiB, once `verdict` has read the run's end (for `capture`). */
  peakKb = 0;
  readonly total: number;

  constructor(
    private readonly secret: string,
    private readonly tests: Tests | { kind: "capture"; count: number },
    private readonly compare: Comparison,
    private readonly stopOnFirstFailure: boolean,
    private readonly cpuLimitMs: number,
  ) {
    this.total =
      tests.kind === "capture"
        ? tests.count
        : tests.kind === "assert"
          ? tests.asserts.length
          : tests.cases.length;
  }

  /** Takes one `L` line; true when the run should be stopped now (a test failed and we stop at the first). */
  onLine(line: string): boolean {
    const prefix = this.secret + " ";
    if (!line.startsWith(prefix)) {
      this.forged++;
      return false;
    }
    const rest = line.slice(prefix.length);
    const first = rest.indexOf(" ");
    const second = rest.indexOf(" ", first + 1);
    const kind = rest.slice(0, first);
    const index = Number(rest.slice(first + 1, second));
    let payload: Json;
    try {
      payload = parseJsonExact(rest.slice(second + 1));
    } catch {
      this.forged++;
      return false;
    }
    if (kind === "time") {
      if (Number.isInteger(index) && typeof payload === "number") this.times.set(index, payload);
      return false;
    }
    if (kind === "done" || kind === "start") {
      if (kind === "done") this.done = true;
      else this.started = true;
      return false;
    }
    if (kind === "syntax") this.early = { status: "syntax_error", detail: raised(payload).detail };
    else if (kind === "testerror")
      this.early = {
        status: "sandbox_error",
        detail: `the tests do not compile: ${exceptionOf(payload).message}`,
      };
    else if (kind === "load") this.early = raised(payload);
    else if (Number.isInteger(index) && index >= 0 && index < this.total && !this.outcomes.has(index)) {
      const outcome = this.judge(kind, index, payload);
      this.outcomes.set(index, outcome);
      return this.stopOnFirstFailure && outcome.status !== "pass";
    }
    return false;
  }

  private judge(kind: string, index: number, payload: Json): Outcome {
    const tests = this.tests;
    if (kind === "error") return raised(payload);
    if (kind === "timeout")
      return { status: "timeout", detail: `over this input's time limit (${String(payload)} s)` };
    if (kind === "nonplain" && tests.kind === "capture") {
      // A value linewise does not carry (a re.Match, a generator, …): recorded as what it is.
      this.values.set(index, { $object: typeof payload === "string" ? payload : "object" });
      return { status: "pass" };
    }
    if (kind === "nonplain") {
      const what =
        typeof payload === "string" ? `returned a ${payload} object` : exceptionOf(payload).message;
      if (tests.kind === "call" && this.compare.mode === "evalplus") {
        // EvalPlus's not-None and any-value oracles accept an object without comparing it.
        const c = tests.cases[index]!;
        if (evalPlusCase(undefined, c.expected, c.args, index, this.compare)) return { status: "pass" };
      }
      return { status: "wrong_answer", detail: `not plain data: ${what}` };
    }
    if (kind === "fail") {
      const e = exceptionOf(payload);
      return {
        status: "wrong_answer",
        detail: e.message ? `AssertionError: ${e.message}` : "AssertionError",
      };
    }
    if (kind === "ok" && tests.kind === "assert") return { status: "pass" };
    if (kind === "digest") return this.judgeDigest(index, payload);
    if (kind === "value" && tests.kind === "capture") {
      this.values.set(index, payload);
      return { status: "pass" };
    }
    if (kind === "value" && tests.kind === "call") {
      const c = tests.cases[index]!;
      // The child sends a digest for these cases; a whole value where one is expected is not one.
      if (digestTag(c.expected)) return { status: "wrong_answer", detail: "expected a digest, got a value" };
      const equal =
        this.compare.mode === "evalplus"
          ? evalPlusCase(payload, c.expected, c.args, index, this.compare)
          : valuesEqual(payload, c.expected, this.compare);
      if (equal) return { status: "pass" };
      return { status: "wrong_answer", detail: `expected ${show(c.expected)}, got ${show(payload)}` };
    }
    if (kind === "case" && tests.kind === "stdio") {
      this.cases.set(index, (payload ?? {}) as CaseReport);
      return this.judgeCase(index, payload);
    }
    this.forged++;
    return { status: "sandbox_error", detail: `unexpected report ${kind}` };
  }

  /**
   * A value sent as its digest (values.py `digest`): recorded by a capture; in a call test, compared
   * with the expected digest, which stands for a value of str, int, float, bool, None, lists and tuples,
   * so equal digests are Python's `==` (runJob allows them under EvalPlus's exact comparison only). A value
   * holding anything else (`other`: a NaN, a set, a program's class) is not equal to such a value.
   */
  private judgeDigest(index: number, payload: Json): Outcome {
    const p = (payload ?? {}) as { sha256?: unknown; bytes?: unknown; other?: unknown };
    const got = digestTag({ $sha256: [p.sha256 ?? null, p.bytes ?? null] } as Json);
    if (this.tests.kind === "capture" && got) {
      this.values.set(index, digestValue(got));
      return { status: "pass" };
    }
    const want = this.tests.kind === "call" ? digestTag(this.tests.cases[index]!.expected) : undefined;
    if (!want || (!got && typeof p.other !== "string")) {
      this.forged++;
      return { status: "sandbox_error", detail: "unexpected report digest" };
    }
    if (got && got.sha256 === want.sha256 && got.bytes === want.bytes) return { status: "pass" };
    const what = got ? `one of ${sizeOf(got)}` : `a value holding a ${String(p.other)}, never equal to it`;
    return { status: "wrong_answer", detail: `expected a value of ${sizeOf(want)}, got ${what}` };
  }

  private judgeCase(index: number, payload: Json): Outcome {
    const r = (payload ?? {}) as CaseReport;
    const err = (r.err ?? "").trim().split("\n").pop() ?? "";
    if (r.signal === SIGXFSZ) return { status: "output_limit", detail: "output over the limit" };
    if (r.signal === SIGXCPU) return { status: "timeout", detail: "CPU time limit" };
    if (r.signal != null)
      return { status: "runtime_error", detail: signalNames[r.signal] ?? `signal ${r.signal}` };
    if (r.code !== 0) {
      if (/^MemoryError\b/.test(err)) return { status: "memory_limit", detail: err };
      return { status: "runtime_error", detail: err || `exit code ${r.code}` };
    }
    const expected = (this.tests as Extract<Tests, { kind: "stdio" }>).cases[index]!.output;
    if (outputsEqual(r.out ?? "", expected, this.compare)) return { status: "pass" };
    return { status: "wrong_answer", detail: firstDifference(r.out ?? "", expected) };
  }

  /** Why the run as a whole failed, when it did: limits first, then how the child ended. */
  private runFailure(end: RunEnd): Outcome | undefined {
    if (end.timeout) return { status: "timeout", detail: "wall-clock limit" };
    if (end.memory) return { status: "memory_limit", detail: "memory limit (all processes)" };
    if (end.overflow) return { status: "output_limit", detail: "reported output over the limit" };
    if (end.signal === SIGXCPU || end.cpuMs > this.cpuLimitMs)
      return { status: "timeout", detail: "CPU time limit" };
    if (end.signal === SIGXFSZ) return { status: "output_limit", detail: "output over the limit" };
    if (this.early) return this.early;
    if (this.done || end.killed) return undefined;
    // Before `start` no program code has run, so only then is a harness exit the sandbox's fault:
    // a program cannot turn its failure into a sandbox_error (which is never a reward) by exiting with 70.
    if (end.code === EXIT_HARNESS && !this.started)
      return { status: "sandbox_error", detail: "the harness failed" };
    if (end.code === EXIT_MEMORY) return { status: "memory_limit", detail: "out of memory" };
    if (end.signal === SIGKILL) return { status: "memory_limit", detail: "killed (out of memory)" };
    const how =
      end.signal !== null ? (signalNames[end.signal] ?? `signal ${end.signal}`) : `exit code ${end.code}`;
    return {
      status: "runtime_error",
      detail: `the program ended the run before the tests finished (${how})`,
    };
  }

  /** The verdict once the run has ended. */
  verdict(end: RunEnd): Verdict {
    this.peakKb = end.rssKb ?? 0;
    const failure = this.runFailure(end);
    let passed = 0;
    let firstFailed: number | undefined;
    let firstOutcome: Outcome | undefined;
    for (let i = 0; i < this.total; i++) {
      const outcome = this.outcomes.get(i);
      if (outcome?.status === "pass") passed++;
      else if (firstFailed === undefined) {
        firstFailed = i;
        firstOutcome = outcome;
      }
    }
    // Stopping at the first failure means the tests after it do not count, even when their reports
    // arrived before the stop did.
    if (this.stopOnFirstFailure && firstFailed !== undefined) passed = firstFailed;
    const base = { passed, total: this.total, cpuMs: end.cpuMs, wallMs: end.wallMs };
    if (failure) {
      const at = firstFailed ?? 0;
      const where = firstFailed !== undefined && !this.early ? `test ${at}: ` : "";
      return {
        status: failure.status,
        ...base,
        firstFailed: at,
        detail: cap(where + (failure.detail ?? "")),
      };
    }
    if (firstFailed === undefined) return { status: "pass", ...base };
    const outcome = firstOutcome ?? { status: "runtime_error" as Status, detail: "the test did not run" };
    return {
      status: outcome.status as Status,
      ...base,
      firstFailed,
      detail: cap(`test ${firstFailed}: ${outcome.detail ?? ""}`),
    };
  }

  /** Return values by test, for `capture`. */
  captured(): (Json | undefined)[] {
    return Array.from({ length: this.total }, (_, i) => this.values.get(i));
  }

  /** What stdio case `index` reported, if it ran to the end (a case killed on a limit reports nothing). */
  caseReport(index: number): CaseReport | undefined {
    return this.cases.get(index);
  }

  /** Each call's wall time in seconds, for `capture` with `timed` (undefined where none came back). */
  capturedTimes(): (number | undefined)[] {
    return Array.from({ length: this.total }, (_, i) => this.times.get(i));
  }

  /** True when the problem's own test code does not compile: retrying cannot help. */
  get testsBroken(): boolean {
    return this.early?.status === "sandbox_error";
  }

  /** Lines that did not carry the secret or made no sense (a forgery attempt, or noise). */
  get forgedLines(): number {
    return this.forged;
  }
}
