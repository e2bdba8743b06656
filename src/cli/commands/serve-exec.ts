/** `linewise serve-exec`: the sandboxed executor as an HTTP service (SandboxFusion's /run_code and linewise's batch routes). */
import { cpus } from "node:os";
import { createExecutor } from "../../exec/index.js";
import { ExecServer } from "../../server/exec-server.js";
import { numberOption, parseOptions } from "../args.js";
import { UsageError, type Command } from "../command.js";
import { serveHelp, serveOptions, serveSettings, serveUntilStopped } from "../serve-options.js";

const name = "serve-exec";

const help = `Usage: linewise serve-exec [--port P] [--host HOST] [--token T] [--slots N] [--strict]
                           [--max-jobs N] [--max-body MB] [--max-time SECONDS] [--no-cache]

Serves linewise's sandbox over HTTP, so other machines' commands can run programs here
('linewise exec|eval|label|ppo|grpo|compare --exec-url http://HOST:PORT'), and tools written for
SandboxFusion can use it. Prints the URL on stdout once listening; Ctrl-C (or SIGTERM) answers the
requests in flight, then exits.

Routes:
  POST /run_code          SandboxFusion's (Python only): {code, language: "python", stdin, run_timeout
                          (s, default 10), memory_limit_MB (-1: 1 GiB)} → {status: Success|Failed|
                          SandboxError, message, compile_result: null, run_result: {status: Finished|
                          TimeLimitExceeded|Error, execution_time, return_code, stdout, stderr}, files: {}}
  POST /v1/exec/run       {jobs: [{program, tests, limits?, compare?, caseWallMs?}], stream?} → {results:
                          [Verdict, …]} in order, graded here outside the sandbox as a local run grades;
                          with "stream": true, NDJSON lines {i, result} as each job finishes (use it
                          for large batches: the plain answer comes only when the last job is done)
  POST /v1/exec/capture   {jobs: [{program, fnName, args, limits?}]}: return values (EvalPlus references)
  POST /v1/exec/script    {jobs: [{program, stdin, limits?}]}: stdout, stderr, exit code
  GET  /v1/exec/info      {slots, capacity, maxJobs}
Bodies may carry big integers and non-finite floats as linewise's tags ({"$bigint": "…"}, {"$float": "nan"}).
A malformed request gets HTTP 400 with {"error": {"message", "param"}} naming the field, e.g. jobs[3].tests.kind.

Options:
${serveHelp(8100)}
  --slots N         sandboxed workers (default: the number of cores)
  --strict          a fresh sandboxed interpreter per program (slower; default: forked workers)
  --max-jobs N      most jobs in one request (default 1024)
  --max-body MB     largest request body (default 64)
  --max-time S      largest wall-clock limit a job may ask for (default 1200)
  --no-cache        keep verdicts in memory only (default: cached in .cache/exec, as 'linewise exec')

Example:
  linewise serve-exec --port 8100 &
  curl -s localhost:8100/run_code -H 'content-type: application/json' \\
    -d '{"code": "print(input()[::-1])", "language": "python", "stdin": "abc"}'
  linewise exec --problems HumanEval.jsonl.gz --exec-url http://127.0.0.1:8100`;

export const serveExecCommand: Command = {
  name,
  summary: "serve the sandbox over HTTP (SandboxFusion's /run_code, batch routes for --exec-url)",
  help,
  async run(argv) {
    const { values } = parseOptions(name, argv, {
      ...serveOptions,
      slots: { type: "string" },
      strict: { type: "boolean" },
      "max-jobs": { type: "string" },
      "max-body": { type: "string" },
      "max-time": { type: "string" },
      "no-cache": { type: "boolean" },
    });
    const settings = serveSettings(name, values, 8100);
    const positive = (option: string, value: string | undefined, fallback: number) => {
      const n = numberOption(name, option, value, fallback);
      if (!(n > 0))
        throw new UsageError(`linewise ${name}: --${option} expects a positive number, got '${value}'`);
      return n;
    };
    const slots = positive("slots", values.slots, cpus().length);
    if (!Number.isInteger(slots))
      throw new UsageError(`linewise ${name}: --slots expects a positive integer, got '${values.slots}'`);
    const maxJobs = Math.floor(positive("max-jobs", values["max-jobs"], 1024));
    const maxBodyBytes = positive("max-body", values["max-body"], 64) * 1024 * 1024;
    const maxWallMs = positive("max-time", values["max-time"], 1200) * 1000;
    const executor = createExecutor({
      slots,
      strict: values.strict ?? false,
      ...(values["no-cache"] ? { cacheDir: null } : {}),
    });
    const server = new ExecServer({
      executor,
      slots,
      token: settings.token,
      maxJobs,
      maxBodyBytes,
      maxWallMs,
    });
    try {
      await serveUntilStopped(
        name,
        server,
        settings,
        `the sandbox (${slots} ${slots === 1 ? "slot" : "slots"})`,
      );
    } finally {
      await server.close();
    }
  },
};
