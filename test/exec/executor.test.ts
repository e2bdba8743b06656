import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { createExecutor } from "../../src/exec/index.js";
import { findInterpreter, harnessDir } from "../../src/exec/sandbox.js";
import type { Tests } from "../../src/problems/types.js";
import { sandboxProcesses } from "./leftovers.js";

const addTests: Tests = { kind: "assert", asserts: ["assert add(1, 2) == 3"] };
const good = "def add(a, b):\n    return a + b\n";
const bad = "def add(a, b):\n    return a - b\n";
/** A program whose return value is its PID inside the sandbox: 2 for the first fork of a fresh server. */
const pidProgram = (n: number) => `import os\ndef pid():\n    return os.getpid()  # ${n}\n`;

test("the result cache answers a repeated run without running it, also from disk in a new executor", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lw-exec-cache-"));
  try {
    const first = createExecutor({ cacheDir: dir, slots: 1 });
    const v1 = await first.run(good, addTests);
    await first.close();
    assert.equal(readdirSync(dir).length, 1, "one result file (in a two-hex-digit folder)");
    const second = createExecutor({ cacheDir: dir, slots: 1 });
    const v2 = await second.run(good, addTests);
    assert.deepEqual(v2, v1, "identical timings: it was not run again");
    const other = await second.run(good, addTests, { wallMs: 2500 });
    assert.equal(other.status, "pass");
    assert.notDeepEqual(other, v1, "different limits are a different key");
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a timeout is not cached: on a loaded machine it may be the machine's doing, not the program's", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lw-exec-cache-"));
  try {
    const executor = createExecutor({ cacheDir: dir, slots: 1 });
    const loop = "def add(a, b):\n    while True:\n        pass\n";
    const verdict = await executor.run(loop, addTests, { wallMs: 300, cpuMs: 300 });
    assert.equal(verdict.status, "timeout");
    assert.deepEqual(readdirSync(dir), [], "nothing cached");
    await executor.run(good, addTests);
    assert.equal(readdirSync(dir).length, 1, "a pass is cached");
    await executor.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("workers are recycled after N programs", async (t) => {
  const recycling = createExecutor({ cacheDir: null, slots: 1, recycleAfter: 2 });
  t.after(() => recycling.close());
  const pids: unknown[] = [];
  for (let i = 0; i < 5; i++) pids.push((await recycling.capture(pidProgram(i), "pid", [[]])).values[0]);
  // In a sandbox the server is PID 1 and its forking helper PID 2; programs get 3, 4, … until recycled.
  assert.deepEqual(pids, [3, 4, 3, 4, 3]);
});

test("preloaded modules are ready in every program, and `random` is seeded afresh for each", async (t) => {
  const executor = createExecutor({ cacheDir: null, slots: 1 });
  t.after(() => executor.close());
  const loaded = "import sys\ndef loaded(names):\n    return [n in sys.modules for n in names]\n";
  const names = ["copy", "heapq", "random", "hashlib", "traceback"];
  const { values } = await executor.capture(loaded, "loaded", [[names]]);
  assert.deepEqual(
    values[0],
    names.map(() => true),
    "imported before the program runs (preload.py)",
  );
  // Every child is forked from one server, whose `random` was seeded once; Python reseeds it in each
  // forked child (random.py registers `_inst.seed` to run after a fork), so the draws differ as in python3.
  const draw = (n: number) => `import random\ndef draw():\n    return random.random()  # ${n}\n`;
  const draws = [];
  for (let i = 0; i < 3; i++) draws.push((await executor.capture(draw(i), "draw", [[]])).values[0]);
  assert.equal(new Set(draws).size, 3, `three runs drew ${JSON.stringify(draws)}`);
});

test("strict mode starts a fresh sandboxed interpreter per program", async (t) => {
  const strict = createExecutor({ cacheDir: null, slots: 2, strict: true });
  t.after(() => strict.close());
  const strictPids = await Promise.all(
    [0, 1, 2].map(async (i) => (await strict.capture(pidProgram(i), "pid", [[]])).values[0]),
  );
  assert.deepEqual(strictPids, [3, 3, 3]);
  assert.equal((await strict.run(good, addTests)).status, "pass");
  assert.equal((await strict.run(bad, addTests)).status, "wrong_answer");
  await strict.close();
  assert.deepEqual(sandboxProcesses(strict.sandboxTag), []);
});

test("a run whose sandbox dies is retried on a fresh one (sandbox_error is never the answer here)", async (t) => {
  const executor = createExecutor({ cacheDir: null, slots: 1 });
  t.after(() => executor.close());
  const slow = "import time\ndef add(a, b):\n    return a + b\ntime.sleep(1.0)\n";
  const running = executor.run(slow, addTests, { wallMs: 5000 });
  await new Promise((r) => setTimeout(r, 400));
  const victims = sandboxProcesses(executor.sandboxTag);
  assert.ok(victims.length > 0, "the sandbox is running");
  for (const pid of victims) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  const v = await running;
  assert.equal(v.status, "pass", v.detail);
  await executor.close();
});

test("cancellation: an aborted queued or running program rejects, and the executor goes on", async (t) => {
  const executor = createExecutor({ cacheDir: null, slots: 1 });
  t.after(() => executor.close());
  const sleeper = "import time\ntime.sleep(30)\n";
  const runningAbort = new AbortController();
  const queuedAbort = new AbortController();
  const running = executor.run(sleeper, addTests, { wallMs: 20_000, signal: runningAbort.signal });
  const queued = executor.run(good, addTests, { signal: queuedAbort.signal });
  queuedAbort.abort();
  await assert.rejects(queued, { name: "AbortError" });
  await new Promise((r) => setTimeout(r, 300));
  runningAbort.abort();
  await assert.rejects(running, { name: "AbortError" });
  assert.equal((await executor.run(good, addTests)).status, "pass");
  await executor.close();
});

test("a bounded queue holds callers back but loses no run", async (t) => {
  const executor = createExecutor({ cacheDir: null, slots: 1, maxQueue: 2 });
  t.after(() => executor.close());
  const programs = Array.from({ length: 8 }, (_, i) => (i % 2 ? bad : good) + `# ${i}\n`);
  const verdicts = await Promise.all(programs.map((p) => executor.run(p, addTests)));
  assert.deepEqual(
    verdicts.map((v) => v.status),
    programs.map((_, i) => (i % 2 ? "wrong_answer" : "pass")),
  );
  await executor.close();
});

test("assert tests that do not compile are a sandbox error saying why, and the sandbox serving them goes on", async (t) => {
  const executor = createExecutor({ cacheDir: null, slots: 1 });
  t.after(() => executor.close());
  await executor.run(good, addTests);
  const before = sandboxProcesses(executor.sandboxTag).sort();
  const syntax = await executor.run(good, { kind: "assert", asserts: ["assert add(1, 2 == 3"] });
  assert.equal(syntax.status, "sandbox_error");
  assert.match(syntax.detail ?? "", /the tests do not compile: SyntaxError/);
  // Nested too deep for the compiler: refused as a compile error, not a crash of the server that compiles.
  const deep = await executor.run(good, {
    kind: "assert",
    asserts: [`assert ${"1 + ".repeat(100_000)}1 > 0`],
  });
  assert.equal(deep.status, "sandbox_error");
  assert.match(deep.detail ?? "", /the tests do not compile: RecursionError/);
  assert.equal((await executor.run(good, addTests)).status, "pass");
  assert.deepEqual(sandboxProcesses(executor.sandboxTag).sort(), before, "the same sandbox served every run");
});

test("programs compile in the server, or in the child when large, with the same verdicts, and the server goes on", async (t) => {
  const executor = createExecutor({ cacheDir: null, slots: 1 });
  t.after(() => executor.close());
  await executor.run(good, addTests);
  const before = sandboxProcesses(executor.sandboxTag).sort();
  // Over ~32 KiB of source a program is compiled by the child (server.py PROGRAM_COMPILED_MAX).
  const large = (program: string) => `${program}\n# ${"x".repeat(48 * 1024)}\n`;
  const cases = [
    "def add(a, b)\n    return a + b\n", // SyntaxError, line 1
    "def add(a, b):\n  return a\n    + b\n", // IndentationError
    "def add(a, b):\n    return a + b\0\n", // NUL byte: ValueError
    `x = ${"a.".repeat(10_000)}b\n`, // too deep for the compiler: RecursionError
    `x = ${"-".repeat(10_000)}1\n`, // too deep for the parser: MemoryError
  ];
  for (const program of cases) {
    const small = await executor.run(program, addTests);
    const big = await executor.run(large(program), addTests);
    assert.equal(small.status, "syntax_error", program.slice(0, 40));
    assert.deepEqual([big.status, big.detail], [small.status, small.detail], program.slice(0, 40));
  }
  // A compile-time warning neither fails the program nor reaches anyone's stderr.
  const warned = await executor.run("def add(a, b):\n    return a + b if a is not 1 else 3\n", addTests);
  assert.equal(warned.status, "pass");
  assert.equal((await executor.run(large(good), addTests)).status, "pass");
  assert.deepEqual(sandboxProcesses(executor.sandboxTag).sort(), before, "the same sandbox served every run");
});

test("assert tests the forking helper keeps grade every program right, also once it has filled up and cleared them", async (t) => {
  const executor = createExecutor({ cacheDir: null, slots: 1 });
  t.after(() => executor.close());
  const testsFor = (n: number): Tests => ({ kind: "assert", asserts: [`assert add(${n}, 1) == ${n + 1}`] });
  // Right only for its own tests: a child given another program's tests would fail it.
  const onlyFor = (n: number) => `def add(a, b):\n    return a + b if a == ${n} else None\n`;
  const statuses = async (program: (n: number) => string, from: number, to: number) => {
    const out = new Set<string>();
    for (let n = from; n < to; n++) out.add((await executor.run(program(n), testsFor(n))).status);
    return [...out];
  };
  const good = onlyFor;
  const bad = (n: number) => onlyFor(n + 1);
  // The forking helper is the parent of every program: a new one has a new PID (or a new sandbox).
  const helperPid = async (n: number) =>
    (await executor.capture(`import os\ndef f():\n    return os.getppid()  # ${n}\n`, "f", [[]])).values[0];
  const helper = await helperPid(0);
  const sandbox = sandboxProcesses(executor.sandboxTag).sort();
  assert.deepEqual(await statuses(good, 0, 5), ["pass"]);
  assert.deepEqual(await statuses(bad, 0, 5), ["wrong_answer"], "the same tests kept, other programs");
  // The helper keeps 256 (forker.py TESTS_KEPT) and clears them when full; the server mirrors it.
  assert.deepEqual(await statuses(good, 5, 300), ["pass"]);
  assert.deepEqual(await statuses(bad, 0, 5), ["wrong_answer"], "tests sent again after the clear");
  assert.deepEqual(await statuses(bad, 290, 300), ["wrong_answer"], "tests kept since the clear");
  assert.equal(await helperPid(1), helper, "one helper throughout: it never lacked tests it was told it had");
  assert.deepEqual(sandboxProcesses(executor.sandboxTag).sort(), sandbox);
});

test("rehearsing jobs in the server leaves nothing a child would see: sys.modules and the finished flag as before", () => {
  // What the server does before it forks the helper (server.py `_rehearse`), checked in a plain python3.
  const script = [
    "import json, marshal, os, sys",
    `sys.path.insert(0, ${JSON.stringify(harnessDir)})`,
    "import asserts, child",
    "before = {n: sys.modules.get(n) for n in ('__main__', 'solution')}",
    "program = marshal.dumps(child.compile_program('def add(a, b):\\n    return a + b\\n'))",
    "tests = marshal.loads(asserts.compile_tests(b'[null, [\"assert add(1, 2) == 3\"]]'))",
    "head = b'0 1000 1073741824 1048576 16 s ='",
    "call = b'call ' + head + b' ' + json.dumps({'fnName': 'add', 'args': [[1, 2]]}).encode()",
    "r, w = os.pipe()",
    "child.rehearse([(b'assert ' + head + b' ', tests, program), (call, None, program)] * 3, w)",
    "os.close(w)",
    "lines = os.read(r, 1 << 16).decode().splitlines()",
    "after = {n: sys.modules.get(n) for n in ('__main__', 'solution')}",
    "print(json.dumps({'lines': len(lines), 'done': sum(l.split()[1] == 'done' for l in lines),",
    "                  'finished': child._finished, 'modules': after == before}))",
  ].join("\n");
  const out = JSON.parse(
    execFileSync(findInterpreter().executable, ["-I", "-S", "-c", script], { encoding: "utf8" }),
  );
  assert.deepEqual(out, { lines: 18, done: 6, finished: false, modules: true });
});

test("close leaves no process behind and later runs are refused", async () => {
  const executor = createExecutor({ cacheDir: null, slots: 2 });
  const pending = executor.run("import time\ntime.sleep(30)\n", addTests, { wallMs: 20_000 });
  const refused = assert.rejects(pending, /closed/);
  await executor.run(good, addTests); // both workers are up, one of them busy with the sleeper
  assert.ok(sandboxProcesses(executor.sandboxTag).length > 0);
  await executor.close();
  await refused;
  assert.deepEqual(sandboxProcesses(executor.sandboxTag), []);
  await assert.rejects(executor.run(good, addTests), /closed/);
});

test("a program reaches the sandbox as the exact string Node had: non-ASCII text, an empty program, a lone surrogate", async (t) => {
  const executor = createExecutor({ cacheDir: null, slots: 1 });
  t.after(() => executor.close());
  // The job body carries the program in base64 of its UTF-8 (worker.ts jobParts); these check the round trip.
  const text = "naïve 😀 \\ \" ' \t 中文";
  const echo = `def f():\n    return ${JSON.stringify(text)}\n`;
  const captured = await executor.capture(echo, "f", [[]]);
  assert.deepEqual(captured.values, [text]);
  const empty = await executor.run("", { kind: "assert", asserts: ["assert 1 + 1 == 2"] });
  assert.equal(empty.status, "pass", "an empty program is a program");
  // A lone surrogate has no UTF-8 form: Python's compile() refuses the string it is in, as it did when
  // the whole job was JSON (the program then travels as JSON, not base64, and is not silently repaired).
  const lone = await executor.run(`def f():\n    return "\uD800"\n`, {
    kind: "assert",
    asserts: ["assert f()"],
  });
  assert.equal(lone.status, "syntax_error");
  assert.match(lone.detail ?? "", /surrogate|encode/i);
});
