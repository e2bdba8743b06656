import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createExecutor } from "../../src/exec/index.js";
import { pyEqual, pyValue, type PyValue } from "../../src/exec/pyValue.js";
import type { Json, Tests } from "../../src/problems/types.js";

const executor = createExecutor({ cacheDir: null, limits: { wallMs: 3000, cpuMs: 2000 } });
after(() => executor.close());

const addTests: Tests = { kind: "assert", asserts: ["assert add(1, 2) == 3", "assert add(-1, 1) == 0"] };
const doubleCalls: Tests = {
  kind: "call",
  fnName: "double",
  cases: [
    { args: [1], expected: 2 },
    { args: [21], expected: 42 },
    { args: ["ab"], expected: "abab" },
  ],
};

test("pass: every assert runs and succeeds", async () => {
  const v = await executor.run("def add(a, b):\n    return a + b\n", addTests);
  assert.equal(v.status, "pass", v.detail);
  assert.equal(v.passed, 2);
  assert.equal(v.total, 2);
  assert.equal(v.firstFailed, undefined);
});

test("wrong_answer names the first failing test, for asserts, calls and stdio", async () => {
  const a = await executor.run("def add(a, b):\n    return a * b\n", addTests);
  assert.equal(a.status, "wrong_answer");
  assert.equal(a.firstFailed, 0);
  const c = await executor.run("def double(x):\n    return x * 2 if x != 21 else 41\n", doubleCalls);
  assert.equal(c.status, "wrong_answer");
  assert.equal(c.firstFailed, 1);
  assert.match(c.detail!, /expected 42, got 41/);
  const s = await executor.run("print(int(input()) + 1)", {
    kind: "stdio",
    cases: [
      { input: "1", output: "2" },
      { input: "5", output: "7" },
    ],
  });
  assert.equal(s.status, "wrong_answer");
  assert.equal(s.firstFailed, 1);
  assert.match(s.detail!, /expected "7", got "6"/);
});

test("runtime_error carries the exception type", async () => {
  const v = await executor.run("def add(a, b):\n    return a / 0\n", addTests);
  assert.equal(v.status, "runtime_error");
  assert.match(v.detail!, /ZeroDivisionError/);
  const load = await executor.run("import no_such_module_here\ndef add(a, b):\n    return a + b\n", addTests);
  assert.equal(load.status, "runtime_error");
  assert.match(load.detail!, /ModuleNotFoundError/);
});

test("syntax_error: the program is parsed before anything runs", async () => {
  const v = await executor.run("def add(a, b)\n    return a + b\n", addTests);
  assert.equal(v.status, "syntax_error");
  assert.match(v.detail!, /SyntaxError.*line 1/);
});

test("timeout, memory_limit and output_limit", async () => {
  const t = await executor.run("def add(a, b):\n    while True:\n        pass\n", addTests, { wallMs: 800 });
  assert.equal(t.status, "timeout");
  const m = await executor.run("def add(a, b):\n    return len(bytearray(4 * 1024 ** 3))\n", addTests);
  assert.equal(m.status, "memory_limit");
  const o = await executor.run("while True:\n    print('x' * 1000)\n", {
    kind: "stdio",
    cases: [{ input: "", output: "" }],
  });
  assert.equal(o.status, "output_limit");
});

test("large return values: a capture records them, and a program may send back twice its expected values", async () => {
  // A model program's budget is the output limit per test (1 MiB) plus twice the expected values' size, so
  // a reference whose outputs are large (HumanEval/15: 7 MB strings) can be recorded and then judged.
  const mb = 1024 * 1024;
  const program = "def big(n, c):\n    return c * n\n";
  const args = [6 * mb, "v"];
  const limits = { wallMs: 30_000, cpuMs: 20_000 }; // megabytes through the sandbox on a loaded machine
  const captured = await executor.capture(program, "big", [args], limits);
  assert.equal(captured.status, "pass", captured.detail);
  const expected = captured.values[0]!;
  assert.equal((expected as string).length, 6 * mb);
  const tests: Tests = { kind: "call", fnName: "big", cases: [{ args, expected }] };
  assert.equal((await executor.run(program, tests, limits)).status, "pass");
  const wrong = await executor.run("def big(n, c):\n    return 'w' * n\n", tests, limits);
  assert.equal(wrong.status, "wrong_answer");
  assert.match(wrong.detail!, /expected "vvv.*got "www/);
  const flood = await executor.run("def big(n, c):\n    return c * (3 * n)\n", tests, limits);
  assert.equal(flood.status, "output_limit", "three times the expected size");
  // With small expected values the budget is what it always was: 6 MB is refused.
  const small: Tests = { kind: "call", fnName: "big", cases: [{ args, expected: "v" }] };
  assert.equal((await executor.run(program, small, limits)).status, "output_limit");
});

test("stop at the first failing test, or run them all", async () => {
  const program = "def double(x):\n    return 0 if x == 1 else x * 2\n";
  const first = await executor.run(program, doubleCalls, { stopOnFirstFailure: true });
  assert.deepEqual([first.status, first.passed, first.firstFailed], ["wrong_answer", 0, 0]);
  const all = await executor.run(program, doubleCalls, { stopOnFirstFailure: false });
  assert.deepEqual([all.status, all.passed, all.firstFailed], ["wrong_answer", 2, 0]);
  const asserts = await executor.run("def add(a, b):\n    return 3\n", addTests, {
    stopOnFirstFailure: false,
  });
  assert.deepEqual([asserts.passed, asserts.firstFailed], [1, 1]);
});

test("comparison modes: lines by default for stdio, exact and float on request", async () => {
  const stdio: Tests = { kind: "stdio", cases: [{ input: "", output: "0.3333333\nok" }] };
  const program = "print(round(1/3, 6), ' ')\nprint('ok')\n";
  assert.equal((await executor.run(program, stdio)).status, "wrong_answer");
  assert.equal(
    (await executor.run(program, stdio, { compare: { mode: "float", atol: 1e-5 } })).status,
    "pass",
  );
  const spaced: Tests = { kind: "stdio", cases: [{ input: "", output: "ok" }] };
  assert.equal((await executor.run("print('ok  ')", spaced)).status, "pass");
  assert.equal(
    (await executor.run("print('ok  ')", spaced, { compare: { mode: "exact" } })).status,
    "wrong_answer",
  );
  const calls: Tests = { kind: "call", fnName: "f", cases: [{ args: [], expected: [0.3, 2] }] };
  assert.equal((await executor.run("def f():\n    return [0.1 + 0.2, 2]\n", calls)).status, "wrong_answer");
  assert.equal(
    (await executor.run("def f():\n    return (0.1 + 0.2, 2.0)\n", calls, { compare: { mode: "float" } }))
      .status,
    "pass",
  );
});

test("large Python ints come back exactly", async () => {
  const big = (2n ** 100n + 1n).toString();
  const tests: Tests = {
    kind: "call",
    fnName: "f",
    cases: [{ args: [{ $bigint: big }], expected: { $bigint: big } }],
  };
  assert.equal((await executor.run("def f(x):\n    return x\n", tests)).status, "pass");
  const off = await executor.run("def f(x):\n    return x - 1\n", tests);
  assert.equal(off.status, "wrong_answer", "2^100 and 2^100 + 1 are the same JS number but not the same int");
});

test("long ints come back in hex and lists of numbers with each item's kind, without a Python loop", async () => {
  // Writing a long int in decimal takes quadratic time in CPython 3.11 (26 s for HumanEval/83's million
  // digits); lists of ints and floats (HumanEval/130's million floats) go as one tag, not a tag per float.
  const program =
    "def f(n):\n    return [18 * 10 ** (n - 2), 3 ** 9000, [1, 2.0, float('inf'), -0.0, 2 ** 60]]\n";
  const c = await executor.capture(program, "f", [[200_000]], { wallMs: 20_000, cpuMs: 10_000 });
  assert.equal(c.status, "pass", c.detail);
  const [long, short, numbers] = c.values[0] as Json[];
  assert.match((long as { $bigint: string }).$bigint, /^0x[0-9a-f]+$/);
  assert.match((short as { $bigint: string }).$bigint, /^\d{4295}$/, "under 10 000 digits: decimal");
  const value = pyValue(c.values[0]!) as { items: PyValue[] };
  assert.ok(pyEqual(value.items[0]!, { t: "int", v: 18n * 10n ** 199_998n }));
  assert.ok(pyEqual(value.items[1]!, { t: "int", v: 3n ** 9000n }));
  assert.deepEqual(
    (pyValue(numbers!) as { items: PyValue[] }).items.map((x) => x.t),
    ["int", "float", "float", "float", "int"],
  );
  const tests: Tests = { kind: "call", fnName: "f", cases: [{ args: [200_000], expected: c.values[0]! }] };
  assert.equal((await executor.run(program, tests, { wallMs: 20_000, cpuMs: 10_000 })).status, "pass");
  const off = await executor.run(program.replace("18 *", "17 *"), tests, { wallMs: 20_000, cpuMs: 10_000 });
  assert.equal(off.status, "wrong_answer");
});

test("call tests accept only plain data: other objects are wrong answers", async () => {
  const tests: Tests = { kind: "call", fnName: "f", cases: [{ args: [], expected: [1, 2] }] };
  const v = await executor.run("def f():\n    return {1, 2}\n", tests);
  assert.equal(v.status, "wrong_answer");
  assert.match(v.detail!, /set/);
});

test("LeetCode-style class Solution methods are found by name", async () => {
  const tests: Tests = { kind: "call", fnName: "twice", cases: [{ args: [4], expected: 8 }] };
  const v = await executor.run("class Solution:\n    def twice(self, n):\n        return 2 * n\n", tests);
  assert.equal(v.status, "pass", v.detail);
});

test("capture returns each call's value, undefined where the call failed", async () => {
  const c = await executor.capture("def f(x):\n    return [x, 10 ** 20, None] if x else 1 / x\n", "f", [
    [1],
    [0],
    ["a"],
  ]);
  assert.equal(c.status, "runtime_error");
  assert.deepEqual(c.values, [
    [1, { $bigint: "100000000000000000000" }, null],
    undefined,
    ["a", { $bigint: "100000000000000000000" }, null],
  ]);
});

test("a stdio program sees its own input and may exit with sys.exit(0)", async () => {
  const program = "import sys\ndata = sys.stdin.read().split()\nprint(sum(map(int, data)))\nsys.exit(0)\n";
  const tests: Tests = {
    kind: "stdio",
    cases: [
      { input: "1 2 3\n", output: "6" },
      { input: "10\n20", output: "30" },
    ],
  };
  assert.equal((await executor.run(program, tests)).status, "pass");
});

test("a limit must be positive", async () => {
  await assert.rejects(executor.run("pass", addTests, { wallMs: 0 }), RangeError);
});
