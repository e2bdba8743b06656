/**
 * The sandboxed executor (DESIGN.md, "The executor"; issue 3): a pre-started fork server per slot, a
 * bounded queue with backpressure and cancellation, retries of sandbox errors, worker replacement
 * and recycling, strict mode (a fresh sandbox per program) and the result cache.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cpus } from "node:os";
import { join } from "node:path";
import type { Json, Tests } from "../problems/types.js";
import { packageRoot } from "../paths.js";
import { cacheKey, ResultCache } from "./cache.js";
import { Grader, type CaseReport, type RunEnd } from "./grade.js";
import { digestTag, stringifyExact } from "./exactJson.js";
import {
  captureResultBytes,
  processLimit,
  resolveLimits,
  resultBytes,
  sentBytes,
  type Comparison,
  type RunOptions,
} from "./limits.js";
import { checkBubblewrap, findInterpreter, harnessVersion } from "./sandbox.js";
import type { Executor, Limits, Status, Verdict } from "./types.js";
import { SandboxWorker, type JobEnd, type JobMessage } from "./worker.js";

export interface ExecutorOptions {
  /** Parallel sandboxed workers; default: the number of cores. */
  slots?: number;
  /** A fresh sandboxed interpreter per program instead of a fork from a warm one (slower, nothing shared). */
  strict?: boolean;
  /** Replace a worker after this many programs; default 1000. */
  recycleAfter?: number;
  /** On-disk result cache; null keeps results in memory only. Default: `.cache/exec` in the package. */
  cacheDir?: string | null;
  /** Defaults for every run (see `defaultLimits`). */
  limits?: Limits;
  /** Runs admitted to the queue before further calls wait for room; default 1024. */
  maxQueue?: number;
}

/** What `capture` returns: each call's return value (undefined where the call failed; {"$object": NAME}
 *  where it returned an object linewise does not carry) and wall time in seconds. */
export interface Capture {
  status: Status;
  values: (Json | undefined)[];
  times: (number | undefined)[];
  detail?: string;
  /** The run's peak resident memory (the child's), bytes, where the sandbox reported it. */
  peakBytes?: number;
}

/**
 * What `script` returns: a program run as `python3 main.py < stdin` would run it (SandboxFusion's
 * /run_code). `finished`: it exited (a syntax error exits with 1, its message on stderr) or died of a
 * signal (exit code 128 + signal, as a shell reports it); `timeout`: killed on the wall-clock or CPU
 * limit (no exit code; output is lost with the sandbox); `sandbox_error`: the sandbox failed, not the program.
 */
export interface ScriptRun {
  outcome: "finished" | "timeout" | "sandbox_error";
  stdout: string;
  stderr: string;
  exitCode: number | null;
  wallMs: number;
  cpuMs: number;
}

export interface SandboxExecutor extends Executor {
  run(program: string, tests: Tests, limits?: RunOptions): Promise<Verdict>;
  /** Runs `fnName(*args)` for each args list and returns the JSON-like return values (used to compute
   *  expected outputs from a reference solution: the built-in suite and EvalPlus). */
  capture(program: string, fnName: string, argsList: Json[][], limits?: RunOptions): Promise<Capture>;
  /** Runs `program` as a script on `stdin` and returns its output and exit code, ungraded (not cached). */
  script(program: string, stdin: string, limits?: RunOptions): Promise<ScriptRun>;
  /** Rejects queued runs, kills every sandbox and resolves once no process is left. */
  close(): Promise<void>;
  /** In every sandbox process's command line or environment (LINEWISE_SANDBOX), to find leftovers. */
  readonly sandboxTag: string;
}

/** Creates an executor; its workers start at once. Throws when bubblewrap or python3 is missing. */
export function createExecutor(options: ExecutorOptions = {}): SandboxExecutor {
  return new Pool(options);
}

const maxRetries = 2;
const maxStartFailures = 3;

type GraderTests = ConstructorParameters<typeof Grader>[1];

/** A job as the executor sends it; call jobs may add per-case limits, ask for each call's time, name the
 *  cases whose values go back as digests (`digest`) or, in a capture, the size over which they do. */
export type SandboxJob = Omit<JobMessage, "id" | "secret"> & {
  caseMs?: number[];
  timed?: boolean;
  digest?: number[];
  digestOver?: number;
};
type Job = SandboxJob;

interface Task {
  job: Job;
  tests: GraderTests;
  compare: Comparison;
  signal?: AbortSignal;
  attempts: number;
  resolve: (graded: { verdict: Verdict; grader: Grader }) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker?: SandboxWorker;
  ready: boolean;
  busy: boolean;
}

function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException("the run was aborted", "AbortError");
}

/** A run end with nothing to report, for runs that have none of their own. */
export const noEnd: RunEnd = {
  timeout: false,
  memory: false,
  overflow: false,
  killed: false,
  stray: false,
  dirty: false,
  code: null,
  signal: null,
  cpuMs: 0,
  wallMs: 0,
};

class Pool implements SandboxExecutor {
  private readonly slots: Slot[];
  private readonly strict: boolean;
  private readonly recycleAfter: number;
  private readonly maxQueue: number;
  private readonly baseLimits: Limits;
  private readonly cache: ResultCache<unknown>;
  private readonly queue: Task[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly live = new Set<SandboxWorker>();
  readonly sandboxTag = `lw-${process.pid}-${randomBytes(6).toString("hex")}`;
  private nextId = 0;
  private startFailures = 0;
  private broken?: Error;
  private closed = false;

  constructor(options: ExecutorOptions) {
    checkBubblewrap();
    findInterpreter();
    const slots = options.slots ?? cpus().length;
    if (!Number.isInteger(slots) || slots < 1)
      throw new RangeError(`executor: slots must be a positive integer, got ${slots}`);
    this.strict = options.strict ?? false;
    this.recycleAfter = options.recycleAfter ?? 1000;
    this.maxQueue = options.maxQueue ?? 1024;
    this.baseLimits = options.limits ?? {};
    resolveLimits(this.baseLimits);
    this.cache = new ResultCache(
      options.cacheDir === undefined ? join(packageRoot, ".cache", "exec") : options.cacheDir,
    );
    this.slots = Array.from({ length: slots }, () => ({ ready: false, busy: false }));
    if (!this.strict) for (const slot of this.slots) this.startWorker(slot);
  }

  async run(program: string, tests: Tests, options: RunOptions = {}): Promise<Verdict> {
    if (this.closed) throw new Error("executor: closed");
    const { job, limits, compare } = runJob(program, tests, options, this.baseLimits);
    const key = cacheKey([
      harnessVersion(),
      gradingVersion(),
      "run",
      program,
      tests,
      limits,
      compare,
      job.caseMs ?? null,
      job.limits.resultBytes,
    ]);
    return this.cached(
      key,
      options.signal,
      async () => {
        const { verdict } = await this.submit(job, tests, compare, options.signal);
        return verdict;
      },
      cacheable,
    );
  }

  async capture(
    program: string,
    fnName: string,
    argsList: Json[][],
    options: RunOptions = {},
  ): Promise<Capture> {
    if (this.closed) throw new Error("executor: closed");
    const { job, limits } = captureJob(program, fnName, argsList, options, this.baseLimits);
    const key = cacheKey([
      harnessVersion(),
      "capture",
      program,
      fnName,
      argsList,
      limits,
      job.limits.resultBytes,
      job.digestOver ?? null,
    ]);
    type Stored = {
      status: Status;
      detail?: string;
      values: ([Json] | null)[];
      times: (number | null)[];
      peakBytes?: number;
    };
    const stored = await this.cached<Stored>(
      key,
      options.signal,
      async () => {
        const { verdict, grader } = await this.submit(
          job,
          { kind: "capture", count: argsList.length },
          { mode: "exact" },
          options.signal,
        );
        const values = grader.captured().map((v) => (v === undefined ? null : ([v] as [Json])));
        const times = grader.capturedTimes().map((t) => t ?? null);
        return {
          status: verdict.status,
          ...(verdict.detail ? { detail: verdict.detail } : {}),
          values,
          times,
          ...(grader.peakKb ? { peakBytes: grader.peakKb * 1024 } : {}),
        };
      },
      cacheable,
    );
    const values = stored.values.map((v) => (v === null ? undefined : v[0]));
    const times = (stored.times ?? []).map((t) => t ?? undefined);
    return {
      status: stored.status,
      values,
      times,
      ...(stored.detail ? { detail: stored.detail } : {}),
      ...(stored.peakBytes ? { peakBytes: stored.peakBytes } : {}),
    };
  }

  async script(program: string, stdin: string, options: RunOptions = {}): Promise<ScriptRun> {
    if (this.closed) throw new Error("executor: closed");
    const limits = resolveLimits(this.baseLimits, { ...options, stopOnFirstFailure: false });
    const job: Task["job"] = {
      kind: "stdio",
      program,
      inputs: [stdin],
      stopOnFirst: false,
      limits: jobLimits(limits, resultBytes(limits, 1)),
    };
    const tests: Tests = { kind: "stdio", cases: [{ input: stdin, output: "" }] };
    const { verdict, grader } = await this.submit(job, tests, { mode: "exact" }, options.signal);
    return scriptRun(verdict, grader.caseReport(0));
  }

  async close(): Promise<void> {
    this.closed = true;
    const error = new Error("executor: closed");
    for (const task of this.queue.splice(0)) task.reject(error);
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all([...this.live].map((w) => w.close()));
  }

  /** `compute` once per key: from the cache, from a run already in flight, or by running it. */
  private async cached<T>(
    key: string,
    signal: AbortSignal | undefined,
    compute: () => Promise<T>,
    keep: (value: T) => boolean,
  ): Promise<T> {
    const hit = (await this.cache.get(key)) as T | undefined;
    if (hit !== undefined) return hit;
    const shared = signal ? undefined : (this.inflight.get(key) as Promise<T> | undefined);
    if (shared) return shared;
    const running = compute().then(async (value) => {
      if (keep(value)) await this.cache.set(key, value);
      return value;
    });
    if (!signal) {
      this.inflight.set(key, running);
      void running.then(
        () => this.inflight.delete(key),
        () => this.inflight.delete(key),
      );
    }
    return running;
  }

  /** Queues a job once there is room; resolves with its verdict. */
  private async submit(job: Task["job"], tests: GraderTests, compare: Comparison, signal?: AbortSignal) {
    while (this.queue.length >= this.maxQueue && !this.closed) {
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
    if (this.closed) throw new Error("executor: closed");
    if (this.broken) throw this.broken;
    if (signal?.aborted) throw abortError(signal);
    return new Promise<{ verdict: Verdict; grader: Grader }>((resolve, reject) => {
      const task: Task = { job, tests, compare, attempts: 0, resolve, reject, ...(signal ? { signal } : {}) };
      signal?.addEventListener(
        "abort",
        () => {
          const at = this.queue.indexOf(task);
          if (at >= 0) {
            this.queue.splice(at, 1);
            this.admitNext();
            reject(abortError(signal));
          }
        },
        { once: true },
      );
      this.queue.push(task);
      this.pump();
    });
  }

  private admitNext(): void {
    this.waiting.shift()?.();
  }

  private startWorker(slot: Slot): void {
    if (this.closed) return;
    const worker = new SandboxWorker(false, this.sandboxTag);
    slot.worker = worker;
    slot.ready = false;
    this.track(worker);
    void worker.exited.then(() => {
      if (slot.worker === worker && slot.ready && !slot.busy && !this.closed) this.replace(slot); // died while idle
    });
    worker.ready.then(
      () => {
        this.startFailures = 0;
        if (slot.worker === worker) slot.ready = true;
        this.pump();
      },
      (e: Error) => this.startFailed(slot, worker, e),
    );
  }

  private startFailed(slot: Slot, worker: SandboxWorker, e: Error): void {
    if (this.closed) return;
    if (++this.startFailures >= maxStartFailures) {
      this.broken = new Error(`executor: the sandbox cannot start: ${e.message}`);
      for (const task of this.queue.splice(0)) task.reject(this.broken);
      return;
    }
    if (slot.worker === worker) this.startWorker(slot);
  }

  private track(worker: SandboxWorker): void {
    this.live.add(worker);
    void worker.exited.then(() => this.live.delete(worker));
  }

  private replace(slot: Slot): void {
    slot.worker?.kill();
    slot.worker = undefined;
    slot.ready = false;
    if (!this.strict) this.startWorker(slot);
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0 || this.closed) return;
      if (slot.busy || (!this.strict && !slot.ready)) continue;
      const task = this.queue.shift()!;
      this.admitNext();
      void this.execute(slot, task);
    }
  }

  private async execute(slot: Slot, task: Task): Promise<void> {
    slot.busy = true;
    let worker: SandboxWorker;
    if (this.strict) {
      worker = new SandboxWorker(true, this.sandboxTag);
      this.track(worker);
      try {
        await worker.ready;
      } catch (e) {
        slot.busy = false;
        this.finish(task, this.crashVerdict(task, (e as Error).message), undefined, true);
        this.pump();
        return;
      }
    } else worker = slot.worker!;
    const id = ++this.nextId;
    const secret = randomBytes(16).toString("hex");
    const grader = new Grader(secret, task.tests, task.compare, task.job.stopOnFirst, task.job.limits.cpuMs);
    const onAbort = () => worker.kill();
    task.signal?.addEventListener("abort", onAbort, { once: true });
    const started = Date.now();
    const end: JobEnd = await worker.run({ ...task.job, id, secret }, (line) => {
      if (grader.onLine(line)) worker.stop(id);
    });
    task.signal?.removeEventListener("abort", onAbort);
    slot.busy = false;
    const worn =
      !end.ok ||
      end.end.timeout ||
      end.end.memory ||
      end.end.stray ||
      end.end.dirty ||
      worker.jobsRun >= this.recycleAfter;
    if (this.strict)
      void worker.close(); // it serves one job and exits by itself
    else if (worn && slot.worker === worker && !this.closed) this.replace(slot);
    if (task.signal?.aborted) {
      task.reject(abortError(task.signal));
    } else if (this.closed) {
      task.reject(new Error("executor: closed"));
    } else if (end.ok) {
      this.finish(task, grader.verdict(end.end), grader, !grader.testsBroken);
    } else if (end.reason === "backstop") {
      this.finish(
        task,
        grader.verdict({ ...noEnd, timeout: true, wallMs: Date.now() - started }),
        grader,
        false,
      );
    } else {
      this.finish(task, this.crashVerdict(task, end.detail), grader, true);
    }
    this.pump();
  }

  private crashVerdict(task: Task, detail: string): Verdict {
    const total = task.tests.kind === "capture" ? task.tests.count : testCount(task.tests);
    return { status: "sandbox_error", passed: 0, total, cpuMs: 0, wallMs: 0, detail: detail.slice(0, 300) };
  }

  /** Resolves a task, or queues it again (at the front) when the sandbox failed and retries remain. */
  private finish(task: Task, verdict: Verdict, grader: Grader | undefined, retryable: boolean): void {
    if (verdict.status === "sandbox_error" && retryable && task.attempts < maxRetries && !this.closed) {
      task.attempts++;
      this.queue.unshift(task);
      return;
    }
    const g = grader ?? new Grader("", task.tests, task.compare, false, 0);
    task.resolve({ verdict, grader: g });
  }
}

function jobLimits(limits: Required<Limits>, results: number): JobMessage["limits"] {
  const { wallMs, cpuMs, memoryBytes, outputBytes } = limits;
  return { wallMs, cpuMs, memoryBytes, outputBytes, resultBytes: results, nproc: processLimit };
}

/**
 * The job `run` sends to the sandbox, the limits it runs under and how its outputs are compared: one
 * place, so the local pool and the SandboxFusion client (sandbox-fusion-client.ts) run the same job.
 */
export function runJob(
  program: string,
  tests: Tests,
  options: RunOptions,
  base: Limits = {},
): { job: SandboxJob; limits: Required<Limits>; compare: Comparison } {
  const limits = resolveLimits(base, options);
  const compare: Comparison = options.compare ?? { mode: tests.kind === "stdio" ? "lines" : "exact" };
  const common = {
    program,
    stopOnFirst: limits.stopOnFirstFailure,
    limits: jobLimits(limits, resultBytes(limits, testCount(tests), expectedBytes(tests))),
  };
  let job: SandboxJob;
  if (tests.kind === "stdio") job = { ...common, kind: "stdio", inputs: tests.cases.map((c) => c.input) };
  else if (tests.kind === "call") {
    job = { ...common, kind: "call", fnName: tests.fnName, args: tests.cases.map((c) => c.args) };
    if (options.caseWallMs) job.caseMs = caseLimits(options.caseWallMs, tests.cases.length);
    const digests = digestCases(tests, compare);
    if (digests.length > 0) job.digest = digests;
  } else if (tests.kind === "assert")
    job = { ...common, kind: "assert", setup: tests.setup ?? null, asserts: tests.asserts };
  else throw new TypeError(`executor: unknown test kind ${(tests as { kind: unknown }).kind}`);
  return { job, limits, compare };
}

/** The job `capture` sends (every call run, each timed) and its limits; see `runJob`. */
export function captureJob(
  program: string,
  fnName: string,
  argsList: Json[][],
  options: RunOptions,
  base: Limits = {},
): { job: SandboxJob; limits: Required<Limits> } {
  const limits = resolveLimits(base, { ...options, stopOnFirstFailure: false });
  const job: SandboxJob = {
    kind: "call",
    program,
    fnName,
    args: argsList,
    stopOnFirst: false,
    limits: jobLimits(limits, Math.max(resultBytes(limits, argsList.length), captureResultBytes)),
    timed: true,
  };
  if (options.digestOver !== undefined) {
    if (!Number.isFinite(options.digestOver) || options.digestOver < 0)
      throw new RangeError(`executor: digestOver must be a number of bytes, got ${options.digestOver}`);
    job.digestOver = options.digestOver;
  }
  return { job, limits };
}

/**
 * The cases of a call test whose expected value is a digest ({"$sha256"}, exactJson.ts). A digest
 * compares canonical encodings, which is Python's `==` and nothing looser: EvalPlus's comparison with no
 * oracle and no float tolerance at that case. Any other comparison (the lenient tuple-as-list default,
 * a tolerance, a set or not-None oracle) is refused rather than judged more strictly than it asks.
 */
function digestCases(tests: Extract<Tests, { kind: "call" }>, compare: Comparison): number[] {
  const cases: number[] = [];
  tests.cases.forEach((c, i) => {
    if (!digestTag(c.expected)) return;
    if (compare.mode !== "evalplus" || compare.oracle !== undefined || (compare.atols[i] ?? 0) !== 0)
      throw new RangeError(
        `executor: test ${i} expects a digest ({"$sha256"}), which only EvalPlus's exact comparison (no oracle, atol 0) can judge`,
      );
    cases.push(i);
  });
  return cases;
}

/** A script's run from its verdict and what its one stdio case reported (see ScriptRun). */
function scriptRun(verdict: Verdict, report: CaseReport | undefined): ScriptRun {
  const times = { wallMs: verdict.wallMs, cpuMs: verdict.cpuMs };
  const out = { stdout: report?.out ?? "", stderr: report?.err ?? "" };
  if (verdict.status === "sandbox_error")
    return { outcome: "sandbox_error", stdout: "", stderr: verdict.detail ?? "", exitCode: null, ...times };
  if (verdict.status === "timeout") return { outcome: "timeout", ...out, exitCode: null, ...times };
  if (report) {
    const exitCode = report.signal != null ? 128 + report.signal : (report.code ?? 1);
    return { outcome: "finished", ...out, exitCode, ...times };
  }
  // No case report: the program did not compile (python3 exits with 1 and prints the error), or the
  // whole sandbox was stopped on a memory or output limit.
  const detail = (verdict.detail ?? "").replace(/^test 0: /, "");
  return { outcome: "finished", stdout: "", stderr: detail + "\n", exitCode: 1, ...times };
}

/** Per-case limits for a job: one positive number per case, or a RangeError naming the option. */
function caseLimits(ms: number[], cases: number): number[] {
  if (ms.length !== cases || ms.some((x) => !Number.isFinite(x) || x <= 0))
    throw new RangeError(
      `executor: caseWallMs needs one positive limit per case (${cases}), got ${ms.length}`,
    );
  return ms;
}

let grading: string | undefined;

/**
 * A hash of the code that turns reports into verdicts (grading and comparison run in Node, outside the
 * harness files `harnessVersion` hashes): a cached verdict is kept only while that code is unchanged.
 */
function gradingVersion(): string {
  if (grading) return grading;
  const hash = createHash("sha256");
  for (const file of ["grade.js", "compare.js", "pyValue.js", "evalplus.js", "exactJson.js"])
    hash.update(file).update(readFileSync(fileURLToPath(new URL(file, import.meta.url))));
  grading = hash.digest("hex").slice(0, 16);
  return grading;
}

const expectedSizes = new WeakMap<Tests, number>();

/** The bytes of a call test's expected return values as the sandbox would send them (0 for other tests);
 *  measured once per tests object, since a problem's tests are judged many times. */
function expectedBytes(tests: Tests): number {
  if (tests.kind !== "call") return 0;
  let bytes = expectedSizes.get(tests);
  if (bytes === undefined) {
    bytes = tests.cases.reduce((sum, c) => sum + sentBytes(stringifyExact(c.expected)), 0);
    expectedSizes.set(tests, bytes);
  }
  return bytes;
}

export function testCount(tests: Tests): number {
  return tests.kind === "assert" ? tests.asserts.length : tests.cases.length;
}

/**
 * Whether a result may be kept in the cache. A sandbox failure is not the program's doing, and a timeout
 * may be the machine's: on a loaded machine a program that runs in time when idle can hit the wall-clock
 * limit, and a cached timeout would be replayed as the program's verdict forever. Both run again next time.
 */
function cacheable(result: { status: Status }): boolean {
  return result.status !== "sandbox_error" && result.status !== "timeout";
}
