import { after, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createExecutor } from "../../src/exec/index.js";
import { evalPlusColumns, runOptionsFor, verdictFor } from "../../src/exec/judge.js";
import type { Problem } from "../../src/problems/types.js";
import { loadProblems } from "../../src/problems/loaders/index.js";
import { packageRoot } from "../../src/paths.js";
import type { Json } from "../../src/problems/types.js";

const file = join(packageRoot, "test/fixtures/loaders/evalplus.jsonl");
const rules = join(packageRoot, "test/fixtures/loaders/evalplus-rules.jsonl");
const executor = createExecutor({ cacheDir: null, slots: 2 });
after(() => executor.close());

test("EvalPlus: expected outputs are the canonical solution's return values; inputs it fails on are dropped", async () => {
  const { format, problems } = await loadProblems(file, undefined, {
    capture: (program, fnName, args) => executor.capture(program, fnName, args),
  });
  assert.equal(format, "evalplus");
  const [truncate, prime] = problems;
  assert.equal(truncate!.source, "humaneval-plus");
  assert.ok(truncate!.solution!.startsWith(truncate!.prompt) && truncate!.starter === truncate!.prompt);
  assert.ok(truncate!.tests.kind === "call" && truncate!.tests.fnName === "truncate_number");
  const cases = truncate!.tests.kind === "call" ? truncate!.tests.cases : [];
  // "not a number" % 1.0 raises a TypeError in the canonical solution: that input is dropped.
  assert.deepEqual(
    cases.map((c) => c.args),
    [[3.5], [1.33], [123.456], [0.1], [999.25]],
  );
  cases.forEach((c) => assert.ok(Math.abs((c.expected as number) - ((c.args[0] as number) % 1)) < 1e-9));
  assert.deepEqual(truncate!.meta, {
    entryPoint: "truncate_number",
    atol: 1e-6,
    compare: { mode: "evalplus", atols: [1e-6, 1e-6, 1e-6, 1e-6, 1e-6] },
    baseTests: 3,
    droppedTests: 1,
    // EvalPlus's floor: 4 s per input, or 4 × the reference's time when that is longer.
    timeLimitsMs: [4000, 4000, 4000, 4000, 4000],
  });

  assert.equal(prime!.source, "mbpp-plus");
  assert.equal(prime!.starter, undefined);
  assert.ok(prime!.solution!.startsWith("import math\ndef is_not_prime(n):"));
  assert.deepEqual(prime!.tests.kind === "call" && prime!.tests.cases.map((c) => c.expected), [
    false,
    true,
    true,
    false,
    true,
    false,
    false,
  ]);
});

test("EvalPlus rows cannot be loaded without a way to run the canonical solutions", async () => {
  await assert.rejects(loadProblems(file, "evalplus"), /EvalPlus files need `capture`/);
});

// Rows of MBPP+ v0.2.0 (inputs cut to three of each) that need EvalPlus's own rules to load and pass.
const loaded = loadProblems(rules, undefined, {
  capture: (program, fnName, args) => executor.capture(program, fnName, args),
});
const byId = async () => new Map((await loaded).problems.map((p) => [p.id, p]));
const casesOf = (p: Problem) => (p.tests.kind === "call" ? p.tests.cases : []);
const run = (p: Problem, program: string) => verdictFor({ ...p, starter: "" } as Problem, program, executor);

test("EvalPlus rules: every row loads, and every canonical solution passes its own tests", async () => {
  const { problems, bad } = await loaded;
  assert.equal(bad.length, 0);
  assert.equal(problems.length, 9);
  const verdicts = await Promise.all(problems.map((p) => run(p, p.solution!)));
  assert.deepEqual(
    verdicts.map((v, i) => `${problems[i]!.id} ${v.status} ${v.detail ?? ""}`.trim()),
    problems.map((p) => `${p.id} pass`),
  );
});

test("EvalPlus rules: MBPP+ arguments become tuples and complex numbers as EvalPlus deserialises them", async () => {
  const p = await byId();
  assert.deepEqual(casesOf(p.get("Mbpp/2")!)[0]!.args, [{ $tuple: [3, 4, 5, 6] }, { $tuple: [5, 7, 4, 10] }]);
  assert.deepEqual(casesOf(p.get("Mbpp/106")!)[0]!.args, [[5, 6, 7], { $tuple: [9, 10] }]);
  assert.deepEqual(casesOf(p.get("Mbpp/124")!)[0]!.args, [{ $float: "0" }, { $complex: "1j" }]);
  assert.deepEqual(casesOf(p.get("Mbpp/473")!)[0]!.args[0], [
    { $tuple: [3, 4] },
    { $tuple: [5, 6] },
    { $tuple: [9, 10] },
    { $tuple: [4, 5] },
  ]);
});

test("EvalPlus rules: outputs keep their Python types (Counter, tuple, set, complex)", async () => {
  const p = await byId();
  assert.deepEqual(casesOf(p.get("Mbpp/88")!)[3]!.expected, { $counter: [] });
  assert.deepEqual(casesOf(p.get("Mbpp/106")!)[0]!.expected, { $tuple: [9, 10, 5, 6, 7] });
  const polar = casesOf(p.get("Mbpp/590")!)[0]!.expected as { $tuple: Json[] };
  assert.deepEqual(polar.$tuple[0], { $tuple: [{ $float: "5.0" }, 0.9272952180016122] });
  assert.ok("$complex" in (polar.$tuple[1] as object));
  assert.deepEqual(casesOf(p.get("Mbpp/2")!)[3]!.expected, { $tuple: [] });
});

test("EvalPlus rules: a row without plus inputs is judged on its base inputs", async () => {
  const last = (await byId()).get("Mbpp/793")!;
  assert.equal(casesOf(last).length, 3);
  assert.equal(last.meta!["baseTests"], 3);
});

test("EvalPlus rules: set-equality and not-None tasks, and Python's == elsewhere", async () => {
  const p = await byId();
  const verdicts = await Promise.all([
    // Mbpp/769: any order of the difference passes (EvalPlus compares set(out) == set(exp)).
    run(p.get("Mbpp/769")!, "def Diff(a, b):\n    return sorted(set(a) ^ set(b), reverse=True)\n"),
    // Mbpp/737: only `out is not None` is compared with the reference's; a bool compares as itself.
    run(p.get("Mbpp/737")!, "def check_str(s):\n    return s[:1] in 'aeiouAEIOU' and s != ''\n"),
    run(p.get("Mbpp/737")!, "import re\ndef check_str(s):\n    return re.match('[a-z]', s)\n"),
    // Mbpp/88: Counter == dict is dict equality in Python, so a dict passes.
    run(
      p.get("Mbpp/88")!,
      "def freq_count(xs):\n    d = {}\n    for x in xs: d[x] = d.get(x, 0) + 1\n    return d\n",
    ),
    // Mbpp/106: a list is not the tuple expected.
    run(p.get("Mbpp/106")!, "def add_lists(a, t):\n    return list(t) + a\n"),
  ]);
  assert.deepEqual(
    verdicts.map((v) => v.status),
    ["pass", "pass", "wrong_answer", "pass", "wrong_answer"],
  );
});

test("EvalPlus rules: each input has its own time limit; base and plus results are told apart", async () => {
  const last = (await byId()).get("Mbpp/793")!;
  const slow =
    "import time\ndef last(arr, x):\n    if x == 3: time.sleep(2)\n    return len(arr) - arr[::-1].index(x) - 1\n";
  const tight = { ...last, starter: "", meta: { ...last.meta, timeLimitsMs: [500, 500, 500] } } as Problem;
  const options = runOptionsFor(tight, { wallMs: 20_000 });
  assert.deepEqual(options.caseWallMs, [500, 500, 500]);
  assert.equal(options.wallMs, 1500 + 1000, "the run: the sum of its inputs' limits plus EvalPlus's 1 s");
  const v = await executor.run(slow, tight.tests, options);
  assert.equal(v.status, "timeout");
  assert.equal(v.firstFailed, 2);
  assert.match(v.detail ?? "", /this input's time limit/);
  // linewise's own wall-clock limit is the ceiling of every input's limit.
  assert.deepEqual(runOptionsFor(last, { wallMs: 3000 }).caseWallMs, [3000, 3000, 3000]);

  const columns = (firstFailed: number | undefined) =>
    evalPlusColumns(
      { ...last, meta: { baseTests: 3 } },
      {
        status: firstFailed === undefined ? "pass" : "wrong_answer",
        passed: 0,
        total: 6,
        cpuMs: 0,
        wallMs: 0,
        ...(firstFailed === undefined ? {} : { firstFailed }),
      },
    );
  assert.deepEqual(columns(undefined), { base: true, plus: true });
  assert.deepEqual(columns(4), { base: true, plus: false });
  assert.deepEqual(columns(1), { base: false, plus: false });
});
