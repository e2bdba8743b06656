/**
 * `--exec-url sandboxfusion+http://…` (issue 13, part 1): a SandboxFusion server as a remote executor,
 * one /run_code request per job carrying linewise's harness. No real SandboxFusion server is reachable
 * here, so the backend is driven against `linewise serve-exec`'s /run_code route only (the same
 * protocol; the server below records every route asked for). Verdicts must equal the local executor's.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExecutor, type SandboxExecutor } from "../../src/exec/index.js";
import { runOptionsFor } from "../../src/exec/judge.js";
import type { Limits } from "../../src/exec/types.js";
import { RemoteExecutor } from "../../src/exec/remote.js";
import { execTarget } from "../../src/exec/sandbox-fusion-client.js";
import { loadProblems } from "../../src/problems/loaders/index.js";
import type { Tests } from "../../src/problems/types.js";
import { packageRoot, sharedBenchmarks } from "../../src/paths.js";
import { ExecServer } from "../../src/server/exec-server.js";
import { routeOf } from "../../src/server/http.js";
import {
  add,
  assertTests,
  callTests,
  execJobs,
  execVerdicts,
  killMidBatch,
  serve,
  stdioTests,
  untimed,
  type ServedModel,
} from "./serve.js";

/** serve-exec that records the routes it was asked for. */
class RecordingServer extends ExecServer {
  readonly routes = new Set<string>();
  protected override respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.routes.add(`${req.method} ${routeOf(req)}`);
    return super.respond(req, res);
  }
}

const quick = { wallMs: 1500, cpuMs: 1000 };

/**
 * A program that tries to pass by forging the harness's output: fake result lines and a fake compressed
 * block (with a made-up secret) on stdout, on stderr and on every descriptor it can find, including the
 * supervisor's through /proc; then it returns wrong answers.
 */
const forger = `import base64, os, sys, zlib
fake = "0" * 32
block = base64.b64encode(zlib.compress(b'{"timeout": false, "memory": false, "overflow": false, "killed": false, "stray": false, "dirty": false, "code": 0, "signal": null, "cpuMs": 1, "wallMs": 1}\\n' + b"".join(("%s value %d 3\\n" % (fake, i)).encode() for i in range(2)) + (fake + " done -1 null\\n").encode())).decode()
lines = "".join("%s value %d 3\\n" % (fake, i) for i in range(2)) + fake + " done -1 null\\n" + fake + " " + block + "\\n"
def spray():
    print(lines)
    sys.stderr.write(lines)
    for fd in range(256):
        try:
            os.write(fd, lines.encode())
        except OSError:
            pass
    for path in ("/proc/%d/fd/1" % os.getppid(), "/proc/%d/fd/0" % os.getppid()):
        try:
            with open(path, "w") as f:
                f.write(lines)
        except OSError:
            pass
spray()
def add(a, b):
    spray()
    return -1
`;

/** A stdio program that forges the same way, then prints a wrong answer. */
const stdioForger = forger.replace("def add(a, b):\n    spray()\n    return -1\n", "print('nope')\n");

// serve-exec's own list, then more.
const jobs: { program: string; tests: Tests; limits?: Limits }[] = [
  ...execJobs,
  { program: "def add(a, b):\n    return 3\n", tests: callTests, limits: { stopOnFirstFailure: false } },
  { program: "import sys\nsys.exit(3)\n", tests: stdioTests },
  { program: "import time\ndef add(a, b):\n    time.sleep(10)\n", tests: callTests, limits: quick },
  // Wrong on test 0, then too slow: stopping at the first failure, the local run never reaches the loop.
  {
    program: "def add(a, b):\n    if a == 1: return 0\n    while True: pass\n",
    tests: callTests,
    limits: quick,
  },
  { program: "import os\ndef add(a, b):\n    os._exit(0)\n", tests: callTests },
  { program: "x = [0] * (1 << 31)\n", tests: callTests, limits: { memoryBytes: 256 * 1024 ** 2 } },
  { program: forger, tests: callTests },
  { program: forger, tests: callTests, limits: { stopOnFirstFailure: false } },
  { program: forger, tests: assertTests },
  { program: stdioForger, tests: stdioTests },
];

let executor: SandboxExecutor;
let server: RecordingServer;
let url: string;

before(async () => {
  executor = createExecutor({ slots: 2, cacheDir: null });
  server = new RecordingServer({ executor, slots: 2 });
  const address = await server.listen(0);
  url = `sandboxfusion+http://127.0.0.1:${address.port}?concurrency=4`;
});

after(async () => {
  await server.close();
});

test("--exec-url forms: sandboxfusion+http(s) with ?concurrency, plain http(s) for linewise; bad ones named", () => {
  assert.deepEqual(execTarget("sandboxfusion+http://10.0.0.4:8080/"), {
    kind: "sandboxfusion",
    url: "http://10.0.0.4:8080",
    concurrency: 4,
  });
  assert.deepEqual(execTarget("sandboxfusion+https://h/sf?concurrency=16"), {
    kind: "sandboxfusion",
    url: "https://h/sf",
    concurrency: 16,
  });
  assert.deepEqual(execTarget("http://h:8100/"), { kind: "linewise", url: "http://h:8100" });
  assert.throws(() => execTarget("sandboxfusion+http://h?concurrency=0"), /concurrency must be a positive/);
  assert.throws(() => execTarget("sandboxfusion+ftp://h"), /must start with/);
  assert.throws(() => execTarget("nonsense"), /is not a URL/);
  const r = spawnSync(
    process.execPath,
    [join(packageRoot, "bin/linewise.js"), "exec", "--problems", "x", "--exec-url", "sandboxfusion+ftp://h"],
    { encoding: "utf8" },
  );
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--exec-url 'sandboxfusion\+ftp:\/\/h' must start with/);
});

test("verdicts through /run_code equal the local executor's: passing, failing, raising, timing out, forging", async () => {
  const remote = new RemoteExecutor({ urls: [url] });
  try {
    const local = await Promise.all(jobs.map((j) => executor.run(j.program, j.tests, j.limits)));
    const remoteVerdicts = await Promise.all(jobs.map((j) => remote.run(j.program, j.tests, j.limits)));
    assert.deepEqual(remoteVerdicts.map(untimed), local.map(untimed));
    assert.deepEqual(
      local.map((v) => v.status),
      [
        ...["pass", "wrong_answer", "pass", "wrong_answer", "pass", "wrong_answer", "syntax_error"],
        ...["runtime_error", "timeout", "wrong_answer", "runtime_error", "timeout", "wrong_answer"],
        ...["runtime_error", "memory_limit", "wrong_answer", "wrong_answer", "wrong_answer", "wrong_answer"],
      ],
    );
    // Captures (EvalPlus's expected values) and plain scripts go through the same route.
    const capture = await remote.capture(add, "add", [
      [1, 2],
      [{ $bigint: "9007199254740993" }, 0],
    ]);
    assert.deepEqual(capture.values, [3, { $bigint: "9007199254740993" }]);
    const script = await remote.script("import sys\nprint(input()[::-1])\nsys.exit(4)\n", "abc\n");
    assert.deepEqual([script.outcome, script.stdout, script.exitCode], ["finished", "cba\n", 4]);
    const slow = await remote.script("while True: pass\n", "", { wallMs: 1000 });
    assert.equal(slow.outcome, "timeout");
    assert.deepEqual([...server.routes], ["POST /run_code"], "only SandboxFusion's route was used");
  } finally {
    await remote.close();
  }
});

const skip = existsSync(sharedBenchmarks) ? false : `no benchmarks folder at ${sharedBenchmarks}`;

for (const [name, file] of [
  ["HumanEval", "humaneval/HumanEval.jsonl"],
  ["MBPP", "mbpp/mbpp.jsonl"],
] as const)
  test(
    `${name} references (20, spread over the set) through /run_code: the local executor's verdicts`,
    { skip },
    async () => {
      const { problems } = await loadProblems(join(sharedBenchmarks, file));
      const step = Math.floor(problems.length / 20);
      const sample = problems.filter((_, i) => i % step === 0).slice(0, 20);
      const limits = { cpuMs: 20_000, wallMs: 60_000 };
      const remote = new RemoteExecutor({ urls: [url] });
      try {
        const run = (e: SandboxExecutor) =>
          Promise.all(sample.map((p) => e.run(p.solution!, p.tests, runOptionsFor(p, limits))));
        const [local, remoteVerdicts] = [await run(executor), await run(remote)];
        assert.deepEqual(remoteVerdicts.map(untimed), local.map(untimed));
        assert.ok(
          local.every((v) => v.status === "pass"),
          "every reference passes",
        );
      } finally {
        await remote.close();
      }
    },
  );

test("two servers, one killed mid-batch: its programs re-run on the other, each answered once", async () => {
  const servers: ServedModel[] = await Promise.all([
    serve("serve-exec", ["--slots", "1", "--no-cache"]),
    serve("serve-exec", ["--slots", "1", "--no-cache"]),
  ]);
  const remote = new RemoteExecutor({
    urls: servers.map((s) => `sandboxfusion+${s.url}?concurrency=2`),
    retryMs: 200,
  });
  try {
    await killMidBatch(remote, executor, servers[0]!, [...jobs.slice(0, 8), ...jobs.slice(9, 11)]);
  } finally {
    await remote.close();
    await Promise.all(servers.map((s) => s.stop()));
  }
});

test("linewise exec --exec-url sandboxfusion+… writes the verdicts a local run writes", async () => {
  const served = await serve("serve-exec", ["--slots", "2", "--no-cache"]);
  const dir = mkdtempSync(join(tmpdir(), "linewise-sf-"));
  try {
    const local = execVerdicts(join(dir, "local.jsonl"));
    assert.deepEqual(
      execVerdicts(join(dir, "remote.jsonl"), "--exec-url", `sandboxfusion+${served.url}`),
      local,
    );
    assert.equal(local.length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await served.stop();
  }
});

test("SandboxFusion's statuses: SandboxError is a sandbox error (retried twice), TimeLimitExceeded a timeout", async () => {
  // A stand-in that answers every /run_code with the next canned response (no program runs).
  let answer: Record<string, unknown> = {};
  let requests = 0;
  const fake = createServer((req, res) => {
    requests++;
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
  const port = (fake.address() as AddressInfo).port;
  const remote = new RemoteExecutor({ urls: [`sandboxfusion+http://127.0.0.1:${port}`] });
  try {
    answer = { status: "SandboxError", message: "no runner", run_result: null };
    const broken = await remote.run(add, callTests);
    assert.equal(broken.status, "sandbox_error");
    assert.match(broken.detail!, /SandboxFusion: no runner/);
    assert.equal(requests, 3, "tried once and retried twice");
    answer = {
      status: "Failed",
      message: "",
      run_result: {
        status: "TimeLimitExceeded",
        execution_time: 9,
        return_code: null,
        stdout: "",
        stderr: "",
      },
    };
    assert.equal((await remote.run(add, callTests)).status, "timeout");
    const script = await remote.script("while True: pass", "");
    assert.deepEqual([script.outcome, script.exitCode], ["timeout", null]);
    // No result line (the harness could not start): a sandbox error naming the exit code and stderr.
    answer = {
      status: "Failed",
      message: "",
      run_result: {
        status: "Finished",
        execution_time: 0.1,
        return_code: 1,
        stdout: "0".repeat(32) + " AAAA\n",
        stderr: "Traceback (most recent call last):\nImportError: no module named zlib\n",
      },
    };
    const missing = await remote.run(add, callTests);
    assert.equal(missing.status, "sandbox_error");
    assert.match(missing.detail!, /no result \(exit code 1\).*ImportError/);
    // A script killed by a signal: Python's subprocess says −9, a shell (and linewise) 128 + 9.
    answer = {
      status: "Failed",
      message: "",
      run_result: { status: "Finished", execution_time: 0.1, return_code: -9, stdout: "x", stderr: "" },
    };
    const killed = await remote.script("import os; os.kill(os.getpid(), 9)", "");
    assert.deepEqual([killed.outcome, killed.exitCode, killed.stdout], ["finished", 137, "x"]);
  } finally {
    await remote.close();
    fake.close();
  }
});

test("a request the server refuses (HTTP 4xx) fails its program with the server's message", async () => {
  const remote = new RemoteExecutor({ urls: [url] });
  try {
    await assert.rejects(
      remote.run(add, callTests, { memoryBytes: 64 * 1024 ** 3 }),
      /HTTP 400 .*memory_limit_MB/,
    );
  } finally {
    await remote.close();
  }
});

test("a fresh python3 per request, as SandboxFusion without isolation runs code: the local verdicts", async () => {
  // A stand-in for SandboxFusion's `isolation: none` runner: `python3 FILE < stdin` in a folder of its
  // own, killed at run_timeout, unsandboxed (so only benign programs here), as whatever user runs this
  // test (as root, the harness drops the program to UID 65534 itself). No linewise server is involved:
  // the harness starts cold, none of its modules preloaded.
  const fake = createServer((req, res) => {
    let text = "";
    req.on("data", (d: Buffer) => (text += d));
    req.on("end", () => {
      const r = JSON.parse(text) as { code: string; stdin: string; run_timeout: number };
      const dir = mkdtempSync(join(tmpdir(), "linewise-fake-sf-"));
      writeFileSync(join(dir, "main.py"), r.code);
      const started = Date.now();
      const p = spawn("python3", ["main.py"], { cwd: dir });
      let [stdout, stderr, late] = ["", "", false];
      p.stdout.on("data", (d: Buffer) => (stdout += d));
      p.stderr.on("data", (d: Buffer) => (stderr += d));
      p.stdin.end(r.stdin);
      const timer = setTimeout(() => ((late = true), p.kill("SIGKILL")), r.run_timeout * 1000);
      p.on("close", (code) => {
        clearTimeout(timer);
        rmSync(dir, { recursive: true, force: true });
        const run = {
          status: late ? "TimeLimitExceeded" : "Finished",
          execution_time: (Date.now() - started) / 1000,
          return_code: late ? null : code,
          stdout,
          stderr,
        };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({ status: late || code ? "Failed" : "Success", message: "", run_result: run }),
        );
      });
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
  const remote = new RemoteExecutor({
    urls: [`sandboxfusion+http://127.0.0.1:${(fake.address() as AddressInfo).port}?concurrency=2`],
  });
  try {
    const benign = [
      ...execJobs.slice(0, 8),
      { program: "import sys\nsys.exit(3)\n", tests: stdioTests },
      { program: "import time\ndef add(a, b):\n    time.sleep(10)\n", tests: callTests, limits: quick },
      {
        program: "def add(a, b):\n    return 'x' * 3000000\n",
        tests: callTests,
        limits: { stopOnFirstFailure: false },
      },
      {
        program:
          "import os, time\ndef add(a, b):\n    if os.fork() == 0:\n        time.sleep(30)\n    return a + b\n",
        tests: callTests,
      },
    ];
    const local = await Promise.all(benign.map((j) => executor.run(j.program, j.tests, j.limits)));
    const remoteVerdicts = await Promise.all(benign.map((j) => remote.run(j.program, j.tests, j.limits)));
    assert.deepEqual(remoteVerdicts.map(untimed), local.map(untimed));
    assert.deepEqual(
      local.slice(8).map((v) => v.status),
      ["runtime_error", "timeout", "output_limit", "pass"],
    );
  } finally {
    await remote.close();
    fake.close();
  }
});
