// Return values too large to send back are judged by digest (issue 15, Mbpp/255): with the threshold
// lowered to a few hundred bytes, a synthetic EvalPlus row records its large expected values as digests,
// programs whose values Python's `==` calls equal pass, any other value fails, and rows whose oracle or
// float tolerance a digest cannot honour are refused, named by file and line.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExecutor } from "../../src/exec/index.js";
import { digestTag } from "../../src/exec/exactJson.js";
import { runOptionsFor, verdictFor } from "../../src/exec/judge.js";
import { loadProblems } from "../../src/problems/loaders/index.js";
import type { Problem } from "../../src/problems/types.js";

const executor = createExecutor({ cacheDir: null, slots: 2 });
after(() => executor.close());

const dir = mkdtempSync(join(tmpdir(), "lw-digest-"));
const row = (id: string, entry: string, canonical: string, base: unknown[], plus: unknown[], atol = 0) =>
  JSON.stringify({
    task_id: id,
    prompt: `"""${entry}"""\n`,
    entry_point: entry,
    canonical_solution: canonical,
    base_input: base,
    plus_input: plus,
    atol,
  });
const combos = [
  "from itertools import combinations_with_replacement",
  "def combos(l, n):",
  "    return list(combinations_with_replacement(l, n))",
].join("\n");
const pairs = ["def pairs(n):", "    return [(i, i % 2 == 0, str(i), i + 0.5) for i in range(n)]"].join("\n");
const file = join(dir, "rows.jsonl");
writeFileSync(
  file,
  [
    row("Mbpp/9001", "combos", combos, [[["a", "b"], 1]], [[["Red", "Green", "Blue"], 5]]),
    row("Mbpp/9002", "pairs", pairs, [[2]], [[60]]),
    row("Mbpp/9005", "squares", "def squares(n):\n    return [i * i for i in range(n)]", [[2]], [[100]]),
    row("Mbpp/9007", "powers", "def powers(n):\n    return [7 ** n, 1]", [[2]], [[40_000]]),
    row("Mbpp/9006", "halves", "def halves(n):\n    return [i + 0.5 for i in range(n)]", [[2]], [[100]]),
  ].join("\n") + "\n",
);
// The loader asks for digests over 16 MiB; this capture lowers that to 200 bytes.
const capture = (program: string, fnName: string, args: unknown[][], options?: { digestOver?: number }) =>
  executor.capture(program, fnName, args as never, {
    ...options,
    ...(options?.digestOver !== undefined ? { digestOver: 200 } : {}),
  });
const loaded = loadProblems(file, "evalplus", { capture });
const problem = async (id: string) => (await loaded).problems.find((p) => p.id === id)!;
const judge = (p: Problem, program: string) =>
  verdictFor({ ...p, starter: "" } as Problem, program, executor);

test("digest: a value over the threshold is recorded as its digest; smaller ones whole", async () => {
  const p = await problem("Mbpp/9001");
  const cases = p.tests.kind === "call" ? p.tests.cases : [];
  assert.deepEqual(cases[0]!.expected, [{ $tuple: ["a"] }, { $tuple: ["b"] }]);
  const d = digestTag(cases[1]!.expected);
  assert.ok(d, "the plus input's 21 tuples of 5 strings are over 200 bytes");
  // The digest is of `repr` of the value (values.py `digest`): 21 tuples of 5 quoted colour names.
  assert.ok(d.bytes > 200 && d.bytes < 2000, `${d.bytes} bytes`);
  assert.equal((await judge(p, p.solution!)).status, "pass");
});

test("digest: programs whose values Python's == calls equal pass; others fail, with the sizes", async () => {
  const p = await problem("Mbpp/9001");
  const same = [
    "def combos(l, n):",
    "    if n == 0:",
    "        return [()]",
    "    out = []",
    "    for i, x in enumerate(l):",
    "        out += [(x,) + rest for rest in combos(l[i:], n - 1)]",
    "    return out",
  ].join("\n");
  assert.equal((await judge(p, same)).status, "pass");
  // Each differs from the reference on the plus input only (n = 5), whose expected value is a digest.
  const reference = "from itertools import combinations_with_replacement as c\ndef combos(l, n):\n";
  const lists = reference + "    return [list(t) for t in c(l, n)] if n > 1 else list(c(l, n))";
  const short = reference + "    return list(c(l, n))[: -1 if n > 1 else None]";
  const sets = "def combos(l, n):\n    return [('a', {1})] * 30 if n > 1 else [(x,) for x in l]";
  for (const program of [lists, short]) {
    const v = await judge(p, program);
    assert.equal(v.status, "wrong_answer");
    assert.equal(v.firstFailed, 1);
    assert.match(v.detail!, /expected a value of \d+ bytes \(sha256 [0-9a-f]{12}…\), got one of \d+ bytes/);
  }
  const v = await judge(p, sets);
  assert.equal(v.status, "wrong_answer");
  assert.match(v.detail!, /got a value holding a set, never equal to it/);

  // 1 == 1.0, True == 1 and Fraction(1, 2) == 0.5 in Python, so these equal the reference's values; a
  // float 1e-12 away does not (no tolerance: the row's atol is 0 and no float list is expected).
  const q = await problem("Mbpp/9002");
  assert.ok(q.tests.kind === "call" && digestTag(q.tests.cases[1]!.expected));
  const loose = [
    "from fractions import Fraction",
    "def pairs(n):",
    "    return [(float(i), 1 if i % 2 == 0 else 0, str(i), Fraction(2 * i + 1, 2)) for i in range(n)]",
  ].join("\n");
  assert.equal((await judge(q, q.solution!)).status, "pass");
  assert.equal((await judge(q, loose)).status, "pass");
  const near =
    "def pairs(n):\n    return [(i, i % 2 == 0, str(i), i + 0.5 + 1e-12 * (n > 2)) for i in range(n)]";
  assert.equal((await judge(q, near)).status, "wrong_answer");
});

test("digest: a list of floats is expected whole (EvalPlus's tolerance applies); a program's floats equal to ints match a digest", async () => {
  const halves = await problem("Mbpp/9006");
  assert.ok(halves.tests.kind === "call" && !digestTag(halves.tests.cases[1]!.expected));
  assert.equal(
    (await judge(halves, "def halves(n):\n    return [i + 0.5 + 1e-9 for i in range(n)]")).status,
    "pass",
  );
  const squares = await problem("Mbpp/9005");
  assert.ok(squares.tests.kind === "call" && digestTag(squares.tests.cases[1]!.expected));
  assert.equal(
    (await judge(squares, "def squares(n):\n    return [float(i * i) for i in range(n)]")).status,
    "pass",
  );
});

test("digest: an int of over 30 000 bits is digested in linear time (as hex), and compares as an int", async () => {
  const powers = await problem("Mbpp/9007");
  assert.ok(powers.tests.kind === "call" && digestTag(powers.tests.cases[1]!.expected));
  const program = (body: string) => `def powers(n):\n    return ${body}`;
  assert.equal((await judge(powers, program("[7 ** n, True]"))).status, "pass");
  assert.equal((await judge(powers, program("[7 ** n + (n > 2), 1]"))).status, "wrong_answer");
  assert.equal((await judge(powers, program("[-(7 ** n) if n > 2 else 7 ** n, 1]"))).status, "wrong_answer");
});

test("digest: a row whose oracle or float tolerance a digest cannot honour is refused, by file:line", async () => {
  const refused = join(dir, "refused.jsonl");
  const big = "def similar_elements(a, b):\n    return tuple(range(a))";
  writeFileSync(
    refused,
    [
      row("Mbpp/9003", "similar_elements", big, [[3, 0]], [[200, 0]]),
      row("Mbpp/9004", "pairs", pairs, [[2]], [[60]], 1e-6),
    ].join("\n") + "\n",
  );
  const { problems, bad } = await loadProblems(refused, "evalplus", { capture, skipBad: true });
  assert.equal(problems.length, 0);
  assert.equal(bad.length, 2);
  assert.match(
    bad[0]!.message,
    /refused\.jsonl:1: .*input 1 is \d+ MiB, too large to record whole, and its set oracle cannot be judged on its digest/,
  );
  assert.match(
    bad[1]!.message,
    /refused\.jsonl:2: .*the float tolerance \(atol 0\.000001\) cannot be judged on its digest/,
  );
});

test("digest: a digest is only judged under EvalPlus's exact comparison", async () => {
  const p = await problem("Mbpp/9001");
  await assert.rejects(
    executor.run(p.solution!, p.tests, {}),
    /test 1 expects a digest \(\{"\$sha256"\}\), which only EvalPlus's exact comparison/,
  );
});

test("digest: a problem's meta.memoryBytes raises a run's memory limit, never lowers it", () => {
  const p = { id: "x", source: "x", prompt: "", tests: { kind: "assert", asserts: [] } } as Problem;
  const gib = 1024 ** 3;
  assert.equal(runOptionsFor({ ...p, meta: { memoryBytes: 3 * gib } }).memoryBytes, 3 * gib);
  assert.equal(
    runOptionsFor({ ...p, meta: { memoryBytes: 3 * gib } }, { memoryBytes: 5 * gib }).memoryBytes,
    5 * gib,
  );
  assert.equal(runOptionsFor(p).memoryBytes, undefined);
});
