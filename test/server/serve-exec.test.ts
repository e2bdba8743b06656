import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExecutor, type SandboxExecutor, type Verdict } from "../../src/exec/index.js";
import { RemoteExecutor } from "../../src/exec/remote.js";
import { ExecServer } from "../../src/server/exec-server.js";
import {
  add,
  execJobs as jobs,
  execVerdicts,
  killMidBatch,
  serve,
  untimed,
  type ServedModel,
} from "./serve.js";

let executor: SandboxExecutor;
let server: ExecServer;
let url: string;

before(async () => {
  executor = createExecutor({ slots: 2, cacheDir: null });
  server = new ExecServer({ executor, slots: 2, token: "s3cret", maxJobs: 16 });
  const address = await server.listen(0);
  url = `http://127.0.0.1:${address.port}`;
});

after(async () => {
  await server.close();
});

const post = (path: string, body: unknown, token: string | null = "s3cret") =>
  fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

test("/run_code answers as SandboxFusion does: success, error exit, syntax error, timeout", async () => {
  const run = async (code: string, extra: object = {}) => {
    const res = await post("/run_code", { code, language: "python", ...extra });
    assert.equal(res.status, 200);
    return (await res.json()) as {
      status: string;
      run_result: Record<string, unknown>;
      compile_result: null;
    };
  };
  const ok = await run("print(input()[::-1])", { stdin: "abc" });
  assert.equal(ok.status, "Success");
  assert.equal(ok.compile_result, null);
  assert.deepEqual(
    { ...ok.run_result, execution_time: typeof ok.run_result["execution_time"] },
    { status: "Finished", return_code: 0, stdout: "cba\n", stderr: "", execution_time: "number" },
  );
  const raised = await run("import sys\nprint('partial')\nraise ValueError('boom')");
  assert.equal(raised.status, "Failed");
  assert.equal(raised.run_result["status"], "Finished");
  assert.equal(raised.run_result["return_code"], 1);
  assert.equal(raised.run_result["stdout"], "partial\n");
  assert.match(raised.run_result["stderr"] as string, /ValueError: boom/);
  const exit3 = await run("import sys; sys.exit(3)");
  assert.deepEqual([exit3.status, exit3.run_result["return_code"]], ["Failed", 3]);
  const syntax = await run("def f(:\n");
  assert.deepEqual([syntax.status, syntax.run_result["return_code"]], ["Failed", 1]);
  assert.match(syntax.run_result["stderr"] as string, /SyntaxError/);
  const slow = await run("while True: pass", { run_timeout: 1 });
  assert.equal(slow.status, "Failed");
  assert.equal(slow.run_result["status"], "TimeLimitExceeded");
  assert.equal(slow.run_result["return_code"], null);
});

test("the batch route's verdicts equal a local executor's, in order; streaming gives the same", async () => {
  const local = await Promise.all(jobs.map((j) => executor.run(j.program, j.tests, j.limits)));
  const res = await post("/v1/exec/run", { jobs });
  assert.equal(res.status, 200);
  const { results } = (await res.json()) as { results: Verdict[] };
  assert.deepEqual(results.map(untimed), local.map(untimed));
  assert.deepEqual(
    local.map((v) => v.status),
    [
      "pass",
      "wrong_answer",
      "pass",
      "wrong_answer",
      "pass",
      "wrong_answer",
      "syntax_error",
      "runtime_error",
      "timeout",
    ],
  );
  const streamed = await post("/v1/exec/run", { jobs, stream: true });
  const lines = (await streamed.text())
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { i: number; result: Verdict });
  assert.deepEqual(
    lines.map((l) => l.i).sort((a, b) => a - b),
    jobs.map((_, i) => i),
    "each job answered once",
  );
  for (const { i, result } of lines) assert.deepEqual(untimed(result), untimed(local[i]!));
});

test("concurrent clients: each gets its own results, none lost or duplicated", async () => {
  const clients = await Promise.all(
    Array.from({ length: 12 }, async (_, c) => {
      const ids = [0, 1, 2].map((k) => `${c}-${k}`);
      const res = await post("/v1/exec/script", {
        jobs: ids.map((id) => ({ program: `print(input() + "${id}")`, stdin: "id " })),
      });
      const { results } = (await res.json()) as { results: { stdout: string; exitCode: number }[] };
      return { ids, outs: results.map((r) => r.stdout) };
    }),
  );
  for (const { ids, outs } of clients)
    assert.deepEqual(
      outs,
      ids.map((id) => `id ${id}\n`),
    );
});

test("malformed requests get a 400 naming the field; too many jobs, a wrong token and no token are refused", async () => {
  const param = async (res: Response) => {
    assert.equal(res.status, 400);
    return ((await res.json()) as { error: { param: string } }).error.param;
  };
  assert.equal(await param(await post("/run_code", { language: "python" })), "code");
  assert.equal(await param(await post("/run_code", { code: "1", language: "cpp" })), "language");
  assert.equal(
    await param(await post("/run_code", { code: "1", language: "python", run_timeout: "x" })),
    "run_timeout",
  );
  assert.equal(
    await param(await post("/v1/exec/run", { jobs: [jobs[0], { program: add, tests: { kind: "x" } }] })),
    "jobs[1].tests.kind",
  );
  assert.equal(
    await param(
      await post("/v1/exec/run", { jobs: [{ program: add, tests: { kind: "assert", asserts: [1] } }] }),
    ),
    "jobs[0].tests.asserts[0]",
  );
  assert.equal(
    await param(await post("/v1/exec/run", { jobs: [{ ...jobs[0], limits: { wallMs: -1 } }] })),
    "jobs[0].limits.wallMs",
  );
  assert.equal(await param(await post("/v1/exec/run", { programs: [] })), "jobs");
  assert.equal((await post("/v1/exec/run", "{not json")).status, 400);
  assert.equal(await param(await post("/v1/exec/run", { jobs: Array(17).fill(jobs[0]) })), "jobs");
  assert.equal((await post("/run_code", { code: "1", language: "python" }, null)).status, 401);
  assert.equal((await post("/run_code", { code: "1", language: "python" }, "wrong")).status, 401);
  assert.equal((await fetch(url + "/v1/exec/info")).status, 401);
});

test("--exec-url over two servers, one killed mid-batch: every verdict arrives once and equals a local run's", async () => {
  const servers: ServedModel[] = await Promise.all([
    serve("serve-exec", ["--slots", "1", "--no-cache"]),
    serve("serve-exec", ["--slots", "1", "--no-cache"]),
  ]);
  const remote = new RemoteExecutor({ urls: servers.map((s) => s.url), retryMs: 200 });
  try {
    await killMidBatch(remote, executor, servers[0]!, jobs);
    // The survivor still serves captures (EvalPlus references) through the same client.
    const capture = await remote.capture(add, "add", [
      [1, 2],
      [{ $bigint: "9007199254740993" }, 0],
    ]);
    assert.deepEqual(capture.values, [3, { $bigint: "9007199254740993" }]);
  } finally {
    await remote.close();
    await Promise.all(servers.map((s) => s.stop()));
  }
});

test("SIGTERM answers the request in flight, then the server exits", async () => {
  const served = await serve("serve-exec", ["--slots", "1", "--no-cache"]);
  const response = fetch(served.url + "/run_code", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code: "import time\ntime.sleep(0.5)\nprint('done')", language: "python" }),
  });
  await new Promise((r) => setTimeout(r, 200));
  const code = served.stop("SIGTERM");
  const body = (await (await response).json()) as { run_result: { stdout: string } };
  assert.equal(body.run_result.stdout, "done\n");
  assert.equal(await code, 0);
  assert.match(served.stderr(), /SIGTERM: finishing the requests in flight/);
});

test("serve-exec refuses a non-loopback host without a token", async () => {
  await assert.rejects(serve("serve-exec", ["--host", "0.0.0.0"]), /give --token/);
});

test("linewise exec --exec-url writes the verdicts a local run writes", async () => {
  const served = await serve("serve-exec", ["--slots", "2", "--no-cache"]);
  const dir = mkdtempSync(join(tmpdir(), "linewise-serve-exec-"));
  try {
    const local = execVerdicts(join(dir, "local.jsonl"));
    assert.deepEqual(execVerdicts(join(dir, "remote.jsonl"), "--exec-url", served.url), local);
    assert.ok(local.length === 3 && local.every((v) => v["status"] === "pass"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await served.stop();
  }
});

test("--exec-url: a batch the server refuses as sent (HTTP 400) fails at once instead of going round the servers", async () => {
  const remote = new RemoteExecutor({ urls: [url], token: "s3cret", retryMs: 50 });
  try {
    const began = performance.now();
    await assert.rejects(
      remote.run(add, { kind: "stdio", cases: [{ input: "", output: "" }] }, { memoryBytes: 64 * 1024 ** 3 }),
      (e: Error) => /HTTP 400/.test(e.message) && /memoryBytes/.test(e.message),
    );
    assert.ok(performance.now() - began < 5000, "refused at once, not re-queued until a time-out");
    assert.equal(remote.requeued, 0);
  } finally {
    await remote.close();
  }
});
