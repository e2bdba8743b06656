import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { loadProblems, MalformedRowError, ProblemFileError } from "../../src/problems/loaders/index.js";
import { packageRoot, sharedBenchmarks } from "../../src/paths.js";

const fixture = (name: string) => join(packageRoot, "test/fixtures/loaders", name);
const noBenchmarks = existsSync(sharedBenchmarks) ? false : `no benchmarks folder at ${sharedBenchmarks}`;

test(
  "HumanEval: 164 problems, the whole program as solution, check(entry_point) as the assert",
  { skip: noBenchmarks },
  async () => {
    const { format, problems } = await loadProblems(join(sharedBenchmarks, "humaneval/HumanEval.jsonl"));
    assert.equal(format, "humaneval");
    assert.equal(problems.length, 164);
    const p = problems[0]!;
    assert.equal(p.id, "HumanEval/0");
    assert.ok(p.solution!.startsWith(p.prompt) && p.solution!.includes("distance = abs(elem - elem2)"));
    assert.deepEqual(p.tests.kind === "assert" && p.tests.asserts, ["check(has_close_elements)"]);
    assert.match(p.tests.kind === "assert" ? p.tests.setup! : "", /def check\(candidate\)/);
  },
);

test(
  "MBPP: 974 problems with LF line ends, setup code, challenge tests kept aside",
  { skip: noBenchmarks },
  async () => {
    const { format, problems } = await loadProblems(join(sharedBenchmarks, "mbpp/mbpp.jsonl"));
    assert.equal(format, "mbpp");
    assert.equal(problems.length, 974);
    assert.ok(problems.every((p) => !p.solution!.includes("\r")));
    const tree = problems.find((p) => p.id === "mbpp/367")!;
    assert.match(tree.tests.kind === "assert" ? tree.tests.setup! : "", /^root = Node\(1\)/);
    const first = problems.find((p) => p.id === "mbpp/1")!;
    assert.equal(first.meta!["entryPoint"], "min_cost");
    assert.match(
      first.prompt,
      /^Write a function to find the minimum cost path.*\nYour code should pass these tests:\n\nassert min_cost\(/s,
    );
    assert.equal(problems.filter((p) => (p.meta!["challengeTests"] as string[]).length > 0).length, 11);
  },
);

test("sanitized MBPP: 427 problems, imports as setup", { skip: noBenchmarks }, async () => {
  const { format, problems } = await loadProblems(join(sharedBenchmarks, "mbpp/sanitized-mbpp.jsonl"));
  assert.equal(format, "mbpp-sanitized");
  assert.equal(problems.length, 427);
  const withImports = problems.filter((p) => p.tests.kind === "assert" && p.tests.setup === "import math");
  assert.ok(withImports.length >= 10);
  assert.ok(problems.every((p) => p.source === "mbpp-sanitized" && p.id.startsWith("mbpp/")));
});

test("APPS: standard input and call-based tests, one-element output lists unwrapped, an empty row is malformed", async () => {
  await assert.rejects(loadProblems(fixture("apps.jsonl")), (e: unknown) => {
    assert.ok(e instanceof MalformedRowError);
    assert.equal(
      e.message,
      `${fixture("apps.jsonl")}:5: apps row: field 'input_output' is empty: this APPS problem has no tests`,
    );
    return true;
  });
  const { format, problems, bad } = await loadProblems(fixture("apps.jsonl"), undefined, { skipBad: true });
  assert.equal(format, "apps");
  assert.deepEqual(
    bad.map((b) => b.row.line),
    [5],
  );
  const [sum, lines, vowels, unique] = problems;
  assert.deepEqual(sum!.tests, {
    kind: "stdio",
    cases: [
      { input: "1 2\n", output: "3\n" },
      { input: "10 -3\n", output: "7\n" },
    ],
  });
  assert.equal(sum!.solution, "a, b = map(int, input().split())\nprint(a + b)\n");
  assert.equal(sum!.difficulty, "introductory");
  assert.deepEqual(lines!.tests.kind === "stdio" && lines!.tests.cases[0], {
    input: "3\n1 2 3",
    output: "6",
  });
  assert.deepEqual(vowels!.tests, {
    kind: "call",
    fnName: "count_vowels",
    cases: [
      { args: ["hello"], expected: 2 },
      { args: ["sky"], expected: 0 },
      { args: ["aeiou"], expected: 5 },
    ],
  });
  assert.equal(vowels!.starter, "def count_vowels(s):\n\t");
  // Not every output is a one-element list, so the outputs are the return values themselves.
  assert.deepEqual(unique!.tests.kind === "call" && unique!.tests.cases.map((c) => c.expected), [
    [1, 2, 3],
    [],
  ]);
});

test("LiveCodeBench: compressed private tests decode; functional tests parse one JSON argument per line", async () => {
  const { format, problems } = await loadProblems(fixture("livecodebench.jsonl"));
  assert.equal(format, "livecodebench");
  const [atcoder, leetcode] = problems;
  assert.equal(atcoder!.id, "livecodebench/abc900_a");
  assert.deepEqual(atcoder!.tests, {
    kind: "stdio",
    cases: [
      { input: "3 5\n", output: "8\n" },
      { input: "100 23\n", output: "123\n" },
      { input: "-4 4\n", output: "0\n" },
    ],
  });
  assert.equal(atcoder!.meta!["publicTests"], 1);
  assert.equal(atcoder!.solution, undefined);
  assert.deepEqual(leetcode!.tests, {
    kind: "call",
    fnName: "countGreater",
    cases: [
      { args: [[1, 5, 3], 3], expected: 1 },
      { args: [[], 0], expected: 0 },
      { args: [[7, 7, 7], 6], expected: 3 },
    ],
  });
  assert.match(leetcode!.starter!, /^class Solution:\n {4}def countGreater\(self/);
  assert.equal(leetcode!.difficulty, "medium");
});

test("linewise: Problem rows read back as they are; a wrong test kind is malformed", async () => {
  const { format, problems } = await loadProblems(fixture("linewise.jsonl"));
  assert.equal(format, "linewise");
  const rows = readFileSync(fixture("linewise.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(problems, rows);
  await withTemp(async (dir) => {
    const file = join(dir, "bad.jsonl");
    writeFileSync(file, JSON.stringify({ ...rows[0], tests: { kind: "pytest", cases: [] } }) + "\n");
    await assert.rejects(loadProblems(file, "linewise"), {
      message: `${file}:1: linewise row: tests.kind must be "stdio", "call" or "assert", got a string`,
    });
  });
});

test("a malformed row names the file and line; skipBad reports it and keeps the rest", async () => {
  const file = fixture("malformed-humaneval.jsonl");
  await assert.rejects(loadProblems(file), (e: unknown) => {
    assert.ok(e instanceof MalformedRowError);
    assert.match(e.message, new RegExp(`^${file}:2: humaneval row: not valid JSON`));
    return true;
  });
  const { problems, bad } = await loadProblems(file, "humaneval", { skipBad: true });
  assert.deepEqual(
    problems.map((p) => p.id),
    ["HumanEval/0", "HumanEval/2"],
  );
  assert.deepEqual(
    bad.map((b) => b.message.replace(/\(.*/, "")),
    [
      `${file}:2: humaneval row: not valid JSON `,
      `${file}:3: humaneval row: field 'entry_point' must be a string, got nothing `,
    ],
  );
});

test("a row of the wrong format, a duplicate id and an unknown format are one-line errors", async () => {
  await assert.rejects(loadProblems(fixture("apps.jsonl"), "humaneval"), {
    message: `${fixture("apps.jsonl")}:1: humaneval row: field 'prompt' must be a string, got nothing (missing)`,
  });
  await withTemp(async (dir) => {
    const twice = join(dir, "twice.jsonl");
    const row = readFileSync(fixture("linewise.jsonl"), "utf8").split("\n")[0]!;
    writeFileSync(twice, `${row}\n${row}\n`);
    await assert.rejects(loadProblems(twice), {
      message: `${twice}:2: linewise row: duplicate id 'demo/stdio' (first at ${twice}:1)`,
    });
    const unknown = join(dir, "unknown.jsonl");
    writeFileSync(unknown, '{"question": "?", "answer": 42}\n');
    await assert.rejects(
      loadProblems(unknown),
      (e: unknown) =>
        e instanceof ProblemFileError &&
        /^.*unknown\.jsonl:1: cannot tell the format .*\(question, answer\); name it: humaneval, mbpp/.test(
          e.message,
        ),
    );
    await assert.rejects(
      loadProblems(join(dir, "absent.jsonl")),
      /absent\.jsonl: cannot read the problems file \(ENOENT\)/,
    );
  });
});

test("gzipped JSONL and a JSON array load like JSONL; array errors name the element", async () => {
  await withTemp(async (dir) => {
    const rows = readFileSync(fixture("linewise.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    writeFileSync(join(dir, "p.jsonl.gz"), gzipSync(readFileSync(fixture("linewise.jsonl"))));
    assert.deepEqual((await loadProblems(join(dir, "p.jsonl.gz"))).problems, rows);
    writeFileSync(
      join(dir, "p.json"),
      JSON.stringify([...rows, { id: "x", prompt: "p", tests: {} }], null, 2),
    );
    assert.deepEqual((await loadProblems(join(dir, "p.json"), undefined, { skipBad: true })).problems, rows);
    await assert.rejects(loadProblems(join(dir, "p.json")), {
      message: `${join(dir, "p.json")} element 4: linewise row: field 'source' must be a string, got nothing (missing)`,
    });
  });
});

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "linewise-loaders-"));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
