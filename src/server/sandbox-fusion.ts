/**
 * SandboxFusion's `POST /run_code` (bytedance/SandboxFusion, sandbox/server/sandbox_api.py), the subset
 * verl and other RL stacks call, for Python: request `{code, language: "python", stdin?, run_timeout?
 * (seconds, default 10), memory_limit_MB? (-1: the server's default), compile_timeout?, files?,
 * fetch_files?}`; response `{status: "Success"|"Failed"|"SandboxError", message, compile_result: null,
 * run_result: {status: "Finished"|"TimeLimitExceeded"|"Error", execution_time, return_code, stdout,
 * stderr}, executor_pod_name: null, files: {}}`. As in SandboxFusion, a timeout or a non-zero exit is
 * `Failed` and a failure of the sandbox is `SandboxError`. Files are not supported: a request that
 * sends some gets a 400.
 */
import type { ScriptRun } from "../exec/index.js";
import type { RunOptions } from "../exec/limits.js";
import { badField } from "./http.js";

export interface RunCodeRequest {
  code: string;
  stdin: string;
  options: RunOptions;
}

/** Checks a /run_code body; a field linewise cannot honour is a 400 naming it. */
export function parseRunCode(
  body: Record<string, unknown>,
  ceilings: { wallMs: number; memoryBytes: number },
): RunCodeRequest {
  if (typeof body["code"] !== "string") throw badField("code", "must be a string");
  if (body["language"] !== "python")
    throw badField("language", `this server runs "python" only, got ${JSON.stringify(body["language"])}`);
  const stdin = body["stdin"] ?? "";
  if (typeof stdin !== "string") throw badField("stdin", "must be a string or null");
  const timeout = body["run_timeout"] ?? 10;
  if (typeof timeout !== "number" || !(timeout > 0))
    throw badField("run_timeout", "must be a positive number of seconds");
  if (timeout * 1000 > ceilings.wallMs)
    throw badField("run_timeout", `over this server's limit of ${ceilings.wallMs / 1000} s`);
  const memory = body["memory_limit_MB"] ?? -1;
  if (typeof memory !== "number" || !Number.isFinite(memory))
    throw badField("memory_limit_MB", "must be a number (-1: the server's default)");
  if (memory * 1024 * 1024 > ceilings.memoryBytes)
    throw badField("memory_limit_MB", `over this server's limit of ${ceilings.memoryBytes / 1024 / 1024} MB`);
  for (const key of ["files", "fetch_files"]) {
    const v = body[key];
    if (v !== undefined && v !== null && Object.keys(v as object).length > 0)
      throw badField(key, "files are not supported by linewise's sandbox (send the code alone)");
  }
  if (body["compile_timeout"] !== undefined && typeof body["compile_timeout"] !== "number")
    throw badField("compile_timeout", "must be a number (Python compiles nothing; it is ignored)");
  const options: RunOptions = { wallMs: timeout * 1000, cpuMs: timeout * 1000 };
  if (memory > 0) options.memoryBytes = memory * 1024 * 1024;
  return { code: body["code"], stdin, options };
}

/** The /run_code response for a script's run. */
export function runCodeResponse(run: ScriptRun): Record<string, unknown> {
  const execution_time = run.wallMs / 1000;
  if (run.outcome === "sandbox_error")
    return {
      status: "SandboxError",
      message: run.stderr,
      compile_result: null,
      run_result: {
        status: "Error",
        execution_time: null,
        return_code: null,
        stdout: null,
        stderr: run.stderr,
      },
      executor_pod_name: null,
      files: {},
    };
  const timedOut = run.outcome === "timeout";
  return {
    status: timedOut || run.exitCode !== 0 ? "Failed" : "Success",
    message: "",
    compile_result: null,
    run_result: {
      status: timedOut ? "TimeLimitExceeded" : "Finished",
      execution_time,
      return_code: timedOut ? null : run.exitCode,
      stdout: run.stdout,
      stderr: run.stderr,
    },
    executor_pod_name: null,
    files: {},
  };
}
