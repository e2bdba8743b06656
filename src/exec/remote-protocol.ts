/**
 * linewise's own executor protocol (`linewise serve-exec`, the `--exec-url` client): many jobs in one
 * request, answered in order (`{results: [...]}`) or, with `"stream": true`, as NDJSON lines
 * `{"i": INDEX, "result": ...}` (or `{"i", "error"}`) in the order they finish, so a client loses only
 * the unanswered jobs when a server dies mid-batch. Bodies are written with `stringifyExact` (big
 * integers and non-finite floats tagged) so expected values and captured values cross exactly.
 *
 *   POST /v1/exec/run      jobs: [{program, tests, limits?, compare?, caseWallMs?}]  → Verdict
 *   POST /v1/exec/capture  jobs: [{program, fnName, args, limits?, digestOver?}]      → CaptureWire
 *   POST /v1/exec/script   jobs: [{program, stdin, limits?}]                            → ScriptRun
 *   GET  /v1/exec/info     → {slots, capacity, maxJobs}
 *
 * Grading stays where it is locally: the server's executor compares outputs in Node, outside its sandbox.
 */
import type { Json, Tests } from "../problems/types.js";
import type { Capture, ScriptRun } from "./executor.js";
import type { Comparison, RunOptions } from "./limits.js";
import type { Limits, Verdict } from "./types.js";

export const execRoutes = {
  run: "/v1/exec/run",
  capture: "/v1/exec/capture",
  script: "/v1/exec/script",
  info: "/v1/exec/info",
} as const;

export type JobKind = "run" | "capture" | "script";

/** A request the server cannot serve as sent; `param` names the field (e.g. `jobs[3].tests.cases`). */
export class FieldError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`${param}: ${message}`);
  }
}

export interface RunJob {
  program: string;
  tests: Tests;
  options: RunOptions;
}
export interface CaptureJob {
  program: string;
  fnName: string;
  args: Json[][];
  options: RunOptions;
}
export interface ScriptJob {
  program: string;
  stdin: string;
  options: RunOptions;
}
export type Job = RunJob | CaptureJob | ScriptJob;

/** What `/v1/exec/info` answers. */
export interface ServerInfo {
  /** Sandboxed workers. */
  slots: number;
  /** Jobs a client may keep in flight on this server (slots plus a queue that keeps them busy). */
  capacity: number;
  /** Most jobs in one request. */
  maxJobs: number;
}

/** A capture on the wire: undefined values (a call that failed) as null, values wrapped in a list. */
export interface CaptureWire {
  status: Capture["status"];
  detail?: string;
  values: ([Json] | null)[];
  times: (number | null)[];
  peakBytes?: number;
}

export function captureToWire(c: Capture): CaptureWire {
  return {
    status: c.status,
    ...(c.detail ? { detail: c.detail } : {}),
    values: c.values.map((v) => (v === undefined ? null : [v])),
    times: c.times.map((t) => t ?? null),
    ...(c.peakBytes ? { peakBytes: c.peakBytes } : {}),
  };
}

export function captureFromWire(w: CaptureWire): Capture {
  return {
    status: w.status,
    ...(w.detail ? { detail: w.detail } : {}),
    values: w.values.map((v) => (v === null ? undefined : v[0])),
    times: w.times.map((t) => t ?? undefined),
    ...(w.peakBytes ? { peakBytes: w.peakBytes } : {}),
  };
}

/** A job as it is sent: the options without the signal (which stays with the client). */
export function jobToWire(kind: JobKind, job: Job): Record<string, unknown> {
  const { compare, caseWallMs } = job.options;
  const limits: Record<string, unknown> = {};
  for (const key of ["wallMs", "cpuMs", "memoryBytes", "outputBytes", "stopOnFirstFailure"] as const)
    if (job.options[key] !== undefined) limits[key] = job.options[key];
  const base = { program: job.program, limits };
  if (kind === "capture") {
    const j = job as CaptureJob;
    const { digestOver } = j.options;
    return { ...base, fnName: j.fnName, args: j.args, ...(digestOver !== undefined ? { digestOver } : {}) };
  }
  if (kind === "script") return { ...base, stdin: (job as ScriptJob).stdin };
  return {
    ...base,
    tests: (job as RunJob).tests,
    ...(compare ? { compare } : {}),
    ...(caseWallMs ? { caseWallMs } : {}),
  };
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function str(o: Obj, key: string, at: string): string {
  if (typeof o[key] !== "string") throw new FieldError(`${at}.${key}`, "must be a string");
  return o[key] as string;
}

function list(o: Obj, key: string, at: string): unknown[] {
  if (!Array.isArray(o[key])) throw new FieldError(`${at}.${key}`, "must be a list");
  return o[key] as unknown[];
}

/** Limits a server refuses to exceed, whatever a job asks for. */
export interface LimitCeilings {
  wallMs: number;
  memoryBytes: number;
}

/** A job's `limits` object, each field checked; a wall or memory limit above the ceiling is refused. */
function parseLimits(v: unknown, at: string, ceilings: LimitCeilings): Limits {
  if (v === undefined) return {};
  if (!isObject(v)) throw new FieldError(at, "must be an object");
  const limits: Limits = {};
  for (const key of ["wallMs", "cpuMs", "memoryBytes", "outputBytes"] as const) {
    const x = v[key];
    if (x === undefined) continue;
    if (typeof x !== "number" || !Number.isFinite(x) || x <= 0)
      throw new FieldError(`${at}.${key}`, "must be a positive number");
    limits[key] = x;
  }
  if (v["stopOnFirstFailure"] !== undefined) {
    if (typeof v["stopOnFirstFailure"] !== "boolean")
      throw new FieldError(`${at}.stopOnFirstFailure`, "must be true or false");
    limits.stopOnFirstFailure = v["stopOnFirstFailure"];
  }
  for (const key of ["wallMs", "cpuMs"] as const)
    if ((limits[key] ?? 0) > ceilings.wallMs)
      throw new FieldError(`${at}.${key}`, `over this server's limit of ${ceilings.wallMs} ms`);
  if ((limits.memoryBytes ?? 0) > ceilings.memoryBytes)
    throw new FieldError(`${at}.memoryBytes`, `over this server's limit of ${ceilings.memoryBytes} bytes`);
  return limits;
}

/** A `Tests` object, checked field by field (DESIGN.md, "Contracts between layers"). */
export function parseTests(v: unknown, at: string): Tests {
  if (!isObject(v)) throw new FieldError(at, "must be an object {kind, ...}");
  if (v["kind"] === "stdio") {
    const cases = list(v, "cases", at).map((c, i) => {
      const where = `${at}.cases[${i}]`;
      if (!isObject(c)) throw new FieldError(where, "must be an object {input, output}");
      return { input: str(c, "input", where), output: str(c, "output", where) };
    });
    return { kind: "stdio", cases };
  }
  if (v["kind"] === "call") {
    const fnName = str(v, "fnName", at);
    const cases = list(v, "cases", at).map((c, i) => {
      const where = `${at}.cases[${i}]`;
      if (!isObject(c) || !("expected" in c))
        throw new FieldError(where, "must be an object {args, expected}");
      return { args: list(c, "args", where) as Json[], expected: c["expected"] as Json };
    });
    return { kind: "call", fnName, cases };
  }
  if (v["kind"] === "assert") {
    const asserts = list(v, "asserts", at).map((a, i) => {
      if (typeof a !== "string") throw new FieldError(`${at}.asserts[${i}]`, "must be a string");
      return a;
    });
    const setup = v["setup"] === undefined || v["setup"] === null ? undefined : str(v, "setup", at);
    return { kind: "assert", asserts, ...(setup !== undefined ? { setup } : {}) };
  }
  throw new FieldError(`${at}.kind`, 'must be "stdio", "call" or "assert"');
}

const compareModes = ["exact", "lines", "float", "apps", "lcb", "evalplus"];

function parseCompare(v: unknown, at: string): Comparison {
  if (!isObject(v) || !compareModes.includes(v["mode"] as string))
    throw new FieldError(`${at}.mode`, `must be one of ${compareModes.join(", ")}`);
  if (v["mode"] === "evalplus") {
    const atols = list(v, "atols", at);
    if (!atols.every((x) => typeof x === "number"))
      throw new FieldError(`${at}.atols`, "must be a list of numbers");
  }
  for (const key of ["atol", "rtol"])
    if (v[key] !== undefined && typeof v[key] !== "number")
      throw new FieldError(`${at}.${key}`, "must be a number");
  return v as unknown as Comparison;
}

/** The `jobs` of a request body, each checked; `param`s name the job and field at fault. */
export function parseJobs(kind: JobKind, body: Obj, maxJobs: number, ceilings: LimitCeilings): Job[] {
  if (!Array.isArray(body["jobs"])) throw new FieldError("jobs", "must be a list of jobs");
  const jobs = (body["jobs"] as unknown[]).map((j, i): Job => {
    const at = `jobs[${i}]`;
    if (!isObject(j)) throw new FieldError(at, "must be an object");
    const program = str(j, "program", at);
    const options: RunOptions = parseLimits(j["limits"], `${at}.limits`, ceilings);
    if (kind === "script") return { program, stdin: str(j, "stdin", at), options };
    if (kind === "capture") {
      const args = list(j, "args", at).map((a, k) => {
        if (!Array.isArray(a)) throw new FieldError(`${at}.args[${k}]`, "must be a list of arguments");
        return a as Json[];
      });
      const digestOver = j["digestOver"];
      if (digestOver !== undefined) {
        if (typeof digestOver !== "number" || !Number.isFinite(digestOver) || digestOver < 0)
          throw new FieldError(`${at}.digestOver`, "must be a number of bytes");
        options.digestOver = digestOver;
      }
      return { program, fnName: str(j, "fnName", at), args, options };
    }
    const tests = parseTests(j["tests"], `${at}.tests`);
    if (j["compare"] !== undefined) options.compare = parseCompare(j["compare"], `${at}.compare`);
    if (j["caseWallMs"] !== undefined) {
      const ms = list(j, "caseWallMs", at);
      if (!ms.every((x) => typeof x === "number" && x > 0 && x <= ceilings.wallMs))
        throw new FieldError(
          `${at}.caseWallMs`,
          `must be a list of positive numbers up to ${ceilings.wallMs}`,
        );
      options.caseWallMs = ms as number[];
    }
    return { program, tests, options };
  });
  if (jobs.length === 0) throw new FieldError("jobs", "must hold at least one job");
  if (jobs.length > maxJobs)
    throw new FieldError("jobs", `${jobs.length} jobs; this server takes at most ${maxJobs} per request`);
  return jobs;
}

/** What a job returns, by kind. */
export type JobResult = ScriptRun | CaptureWire | Verdict;
