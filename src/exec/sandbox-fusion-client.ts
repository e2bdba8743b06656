/**
 * A SandboxFusion server (github.com/bytedance/SandboxFusion) as a remote executor: each job is ONE
 * `POST /run_code` request, `{code, language: "python", stdin, run_timeout, memory_limit_MB}`, whose
 * code is linewise's own harness (python/fusion.py carrying values.py, asserts.py, child.py and
 * forker.py) and whose stdin is the job as the local sandbox receives it, with a fresh secret. The
 * harness's result lines come back in `run_result.stdout`, framed by the secret (fusion.py says why a
 * program cannot forge or corrupt them), and are graded here by the Grader a local run uses, so
 * expected values never enter the sandbox and the verdicts equal a local run's. `script` jobs are sent
 * as they are: that is what /run_code is for.
 *
 * SandboxFusion's statuses, as the local executor's outcomes:
 * - top-level `SandboxError`, `run_result.status` `Error`, or no result line: the sandbox failed, not the
 *   program: a `sandbox_error`, retried twice (as locally), never a reward;
 * - `Success` / `Failed` with `run_result.status` `Finished`: the harness's own end decides (its wall-clock
 *   limit, output cap, the child's exit), exactly as server.py's `E` line does locally; the top-level
 *   status says only whether the harness script exited with 0 and is not read;
 * - `TimeLimitExceeded` without a result line: the harness (whose own limit is run_timeout less a grace)
 *   was stalled: a `timeout`, as the local executor's backstop;
 * - HTTP 4xx: the request is refused as sent (a limit over the server's): the job fails with its message;
 *   a network error or HTTP 5xx: the caller runs the job on another server.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import type { Json } from "../problems/types.js";
import { captureJob, noEnd, runJob, type SandboxJob, type ScriptRun } from "./executor.js";
import { Grader, type RunEnd } from "./grade.js";
import { resolveLimits } from "./limits.js";
import type {
  CaptureJob,
  CaptureWire,
  Job,
  JobKind,
  JobResult,
  RunJob,
  ScriptJob,
} from "./remote-protocol.js";
import { harnessDir } from "./sandbox.js";
import type { Status, Verdict } from "./types.js";
import { jobParts } from "./worker.js";

/** Scheme prefix that marks a SandboxFusion server in `--exec-url` (see `execTarget`). */
export const fusionScheme = "sandboxfusion+";
/** Requests in flight per SandboxFusion server unless the URL says `?concurrency=N`. */
export const defaultFusionConcurrency = 4;
/**
 * Most bytes of the result line a run may write. SandboxFusion reads a run's stdout through asyncio's
 * stream reader, which stops reading past 2 × 64 KiB, so a process writing more than that and the pipe's
 * 64 KiB blocks until the run's timeout; the line is zlib-compressed base64 and stays well under.
 */
const stdoutCap = 96 * 1024;
/** On top of the job's own limits: Python's start and the harness's load, before the job's clock starts. */
const startGraceMs = 5000;
/** Sandbox failures are retried this many times, as the local executor retries them. */
const maxRetries = 2;

export type ExecTarget =
  { kind: "linewise"; url: string } | { kind: "sandboxfusion"; url: string; concurrency: number };

/**
 * What one `--exec-url` names. `sandboxfusion+http://host:port[/prefix][?concurrency=N]` is a
 * SandboxFusion server; a plain http(s) URL is a linewise server. An explicit form rather than probing
 * linewise's info route and falling back on a 404: a 404 also comes from a proxy or a mistyped path,
 * and a job sent by the wrong protocol fails only later and less clearly; SandboxFusion has no route
 * that says what it is without running code. Throws a one-line error naming the URL.
 */
export function execTarget(raw: string): ExecTarget {
  const fusion = raw.startsWith(fusionScheme);
  let url: URL;
  try {
    url = new URL(fusion ? raw.slice(fusionScheme.length) : raw);
  } catch {
    throw new Error(
      `'${raw}' is not a URL (e.g. http://127.0.0.1:8100 or sandboxfusion+http://127.0.0.1:8080)`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`'${raw}' must start with http://, https:// or sandboxfusion+http(s)://`);
  if (!fusion) return { kind: "linewise", url: raw.replace(/\/+$/, "") };
  const given = url.searchParams.get("concurrency");
  const concurrency = given === null ? defaultFusionConcurrency : Number(given);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error(`'${raw}': concurrency must be a positive integer, got '${given}'`);
  url.search = "";
  url.hash = "";
  return { kind: "sandboxfusion", url: url.toString().replace(/\/+$/, ""), concurrency };
}

/** The part of SandboxFusion's /run_code response read here (sandbox/server/sandbox_api.py). */
interface RunCodeResponse {
  status?: "Success" | "Failed" | "SandboxError";
  message?: string;
  run_result?: {
    status?: "Finished" | "TimeLimitExceeded" | "Error";
    execution_time?: number | null;
    return_code?: number | null;
    stdout?: string | null;
    stderr?: string | null;
  } | null;
}

/** A request the server refused as sent (HTTP 4xx): running it elsewhere would not help. */
export class RequestRefused extends Error {}

let driver: string | undefined;

/** fusion.py with the harness modules it runs prepended; the same text for every job (no secret in it). */
export function driverScript(): string {
  if (driver) return driver;
  const modules = Object.fromEntries(
    ["values", "asserts", "child", "forker"].map((m) => [
      m,
      readFileSync(join(harnessDir, `${m}.py`), "utf8"),
    ]),
  );
  // JSON strings are Python string literals too (JSON's escapes are a subset of Python's).
  driver = `_LW_MODULES = ${JSON.stringify(modules)}\n${readFileSync(join(harnessDir, "fusion.py"), "utf8")}`;
  return driver;
}

/** One harness run's outcome: the end and result lines, or why the sandbox gave none. */
type Harvest = { end: RunEnd & { tooLarge?: number }; lines: string[] } | { failed: string };

/** The harness's block from a /run_code response: the last stdout line that starts with the secret. */
export function harvest(secret: string, response: RunCodeResponse): Harvest {
  const run = response.run_result;
  if (response.status === "SandboxError" || !run || run.status === "Error")
    return { failed: `SandboxFusion: ${response.message || run?.stderr || "sandbox error"}`.slice(0, 300) };
  const prefix = secret + " ";
  const line = (run.stdout ?? "")
    .split("\n")
    .reverse()
    .find((l) => l.startsWith(prefix));
  if (line !== undefined) {
    try {
      const [head, ...lines] = inflateSync(Buffer.from(line.slice(prefix.length), "base64"))
        .toString("utf8")
        .split("\n");
      return { end: JSON.parse(head!) as RunEnd, lines };
    } catch {
      // a line that starts with the secret but does not decode: not the harness's; fall through
    }
  }
  // The harness enforces the job's wall clock itself, well inside run_timeout: SandboxFusion's timeout
  // means the machine stalled it, a timeout as the local executor's backstop reports one.
  if (run.status === "TimeLimitExceeded")
    return { end: { ...noEnd, timeout: true, wallMs: (run.execution_time ?? 0) * 1000 }, lines: [] };
  const stderr = (run.stderr ?? "").trim().split("\n").slice(-3).join(" | ");
  return { failed: `the harness returned no result (exit code ${run.return_code}): ${stderr}`.slice(0, 300) };
}

/**
 * A Verdict from the harness's lines, as the local executor reaches it. Locally, a run that stops at its
 * first failure is killed the moment Node has judged that failure (only Node knows expected values);
 * here the harness runs on to the end, so the lines are read until the Grader says stop and the run is
 * taken as killed then: a later test's timeout or limit, which the local run would not have reached,
 * does not change the verdict.
 */
export function gradeLines(grader: Grader, end: RunEnd, lines: string[], cpuLimitMs: number): Verdict {
  for (const line of lines)
    if (grader.onLine(line)) {
      const cut: RunEnd = {
        ...noEnd,
        killed: true,
        signal: 9,
        cpuMs: Math.min(end.cpuMs, cpuLimitMs),
        wallMs: end.wallMs,
      };
      return grader.verdict(cut);
    }
  return grader.verdict(end);
}

export class FusionClient {
  constructor(
    private readonly url: string,
    private readonly headers: () => Record<string, string>,
  ) {}

  /** Runs one job; throws on a network or server failure (the caller runs it elsewhere). */
  async run(kind: JobKind, job: Job, signal?: AbortSignal): Promise<JobResult> {
    if (kind === "script") return this.script(job as ScriptJob, signal);
    const tests =
      kind === "capture"
        ? { kind: "capture" as const, count: (job as CaptureJob).args.length }
        : (job as RunJob).tests;
    const prepared =
      kind === "capture"
        ? {
            ...captureJob(job.program, (job as CaptureJob).fnName, (job as CaptureJob).args, job.options),
            compare: { mode: "exact" as const },
          }
        : runJob(job.program, (job as RunJob).tests, job.options);
    let verdict!: Verdict;
    let grader!: Grader;
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      const secret = randomBytes(16).toString("hex");
      const sandboxJob = prepared.job;
      grader = new Grader(secret, tests, prepared.compare, sandboxJob.stopOnFirst, sandboxJob.limits.cpuMs);
      const got = harvest(secret, await this.post(this.harnessRequest(sandboxJob, secret), signal));
      if ("failed" in got) {
        verdict = sandboxError(grader.total, got.failed);
        continue;
      }
      if (got.end.tooLarge) {
        verdict = sandboxError(
          grader.total,
          `the results (${got.end.tooLarge} bytes compressed) are more than a SandboxFusion response carries (${stdoutCap})`,
        );
        break;
      }
      verdict = gradeLines(grader, got.end, got.lines, sandboxJob.limits.cpuMs);
      if (verdict.status !== "sandbox_error" || grader.testsBroken) break;
    }
    if (kind !== "capture") return verdict;
    const capture: CaptureWire = {
      status: verdict.status,
      ...(verdict.detail ? { detail: verdict.detail } : {}),
      values: grader.captured().map((v) => (v === undefined ? null : ([v] as [Json]))),
      times: grader.capturedTimes().map((t) => t ?? null),
    };
    return capture;
  }

  private harnessRequest(job: SandboxJob, secret: string): Record<string, unknown> {
    const { tests, body } = jobParts({ ...job, id: 0, secret });
    const { wallMs, cpuMs, memoryBytes, resultBytes } = job.limits;
    return {
      code: driverScript(),
      language: "python",
      stdin: `${JSON.stringify({ cap: stdoutCap, tests, wallMs, resultBytes })}\n${body}`,
      run_timeout: (Math.max(wallMs, cpuMs) + startGraceMs) / 1000,
      memory_limit_MB: Math.ceil(memoryBytes / 1024 ** 2),
    };
  }

  /** A program run as a script: /run_code as it is, its answer read back into a ScriptRun. */
  private async script(job: ScriptJob, signal?: AbortSignal): Promise<ScriptRun> {
    const limits = resolveLimits({}, job.options);
    const res = await this.post(
      {
        code: job.program,
        language: "python",
        stdin: job.stdin,
        run_timeout: limits.wallMs / 1000,
        memory_limit_MB: Math.ceil(limits.memoryBytes / 1024 ** 2),
      },
      signal,
    );
    const run = res.run_result;
    const wallMs = (run?.execution_time ?? 0) * 1000;
    const out = { stdout: run?.stdout ?? "", stderr: run?.stderr ?? "", wallMs, cpuMs: 0 };
    if (res.status === "SandboxError" || !run || run.status === "Error")
      return {
        ...out,
        outcome: "sandbox_error",
        stdout: "",
        stderr: res.message || out.stderr,
        exitCode: null,
      };
    if (run.status === "TimeLimitExceeded") return { ...out, outcome: "timeout", exitCode: null };
    // Python's subprocess reports death by a signal as −signal; a shell (and linewise) as 128 + signal.
    const code = run.return_code ?? 1;
    return { ...out, outcome: "finished", exitCode: code < 0 ? 128 - code : code };
  }

  private async post(body: Record<string, unknown>, signal?: AbortSignal): Promise<RunCodeResponse> {
    // A server that stops answering counts as failed once the run's own timeout and a margin have passed.
    const limit = AbortSignal.timeout((body["run_timeout"] as number) * 1000 + 30_000);
    const res = await fetch(this.url + "/run_code", {
      method: "POST",
      headers: this.headers(),
      body: JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, limit]) : limit,
    });
    const text = await res.text();
    if (res.status >= 400 && res.status < 500)
      throw new RequestRefused(`${this.url}/run_code: HTTP ${res.status} ${text.slice(0, 300)}`);
    if (!res.ok) throw new Error(`HTTP ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as RunCodeResponse;
  }
}

function sandboxError(total: number, detail: string): Verdict {
  const status: Status = "sandbox_error";
  return { status, passed: 0, total, cpuMs: 0, wallMs: 0, detail };
}
