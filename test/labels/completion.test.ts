import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createExecutor } from "../../src/exec/index.js";
import { labelResponse, type ProbeOptions } from "../../src/labels/completion.js";
import type { LabelRecord } from "../../src/labels/records.js";
import { broken, chainProblem, planted, ReferenceGenerator, type Chain } from "./completion-fixtures.js";

const executor = createExecutor({ cacheDir: null });
after(() => executor.close());

const options: ProbeOptions = {
  k: 2,
  temperature: 1,
  maxTokens: 64,
  seed: 0,
  granularity: "line",
  policy: "reference",
};

async function label(chain: Chain, response: string, extra: Partial<ProbeOptions> = {}) {
  const generator = new ReferenceGenerator([chain]);
  const record = await labelResponse(
    chain.problem,
    response,
    { generator, executor },
    { ...options, ...extra },
  );
  return { record, generator };
}

/** The labels a first error at step `first` should give: +1 before, −1 from it on, 0 on neutral steps. */
function expected(chain: Chain, first: number | null) {
  return chain.lines.map((l, i) => (l.neutral ? 0 : first === null || i < first ? 1 : -1));
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

test("a planted error at code line j: steps before it +1, from it on -1, in at most ceil(log2 L) + 1 probes", async () => {
  for (const length of [1, 2, 3, 8, 13]) {
    const chain = chainProblem(`len${length}`, length);
    for (let j = 0; j < length; j++) {
      const { response, step } = planted(chain.lines, j);
      const { record, generator } = await label(chain, response);
      const where = `L=${length} j=${j}`;
      assert.deepEqual(record.labels, expected(chain, step), where);
      assert.equal(record.firstError, step, where);
      assert.equal(record.kind, j === 0 ? "wrong" : "revised", where);
      assert.equal(record.passed, false);
      assert.equal(record.steps.join(""), response);
      const probes = record.probes!;
      assert.ok(
        probes.length >= 1 && probes.length <= Math.ceil(Math.log2(length)) + 1,
        `${where}: ${probes.length} probes`,
      );
      assert.equal(
        new Set(probes.map((p) => p.step)).size,
        probes.length,
        `${where}: no prefix probed twice`,
      );
      assert.ok(
        probes.every((p) => !chain.lines[p.step]!.neutral),
        `${where}: neutral steps are never probed`,
      );
      assert.ok(
        probes.every((p) => p.correct === p.step < step),
        `${where}: a probe is correct exactly before the error`,
      );
      assert.equal(generator.requests.length, probes.length, `${where}: one generator request per probe`);
      assert.ok(generator.requests.every((r) => r.n === options.k && r.temperature === options.temperature));
      // The outcome run, then one run per correct probe (its first completion passes) and K per incorrect one.
      assert.deepEqual(
        record.cost.executions,
        1 + sum(probes.map((p) => (p.correct ? 1 : options.k))),
        where,
      );
      assert.equal(record.cost.completions, options.k * probes.length, where);
    }
  }
});

test("a passing response is all +1 (neutral 0) without probes", async () => {
  const chain = chainProblem("pass", 5);
  const { record, generator } = await label(chain, chain.lines.map((l) => l.text).join(""));
  assert.equal(record.kind, "correct");
  assert.equal(record.passed, true);
  assert.deepEqual(record.labels, expected(chain, null));
  assert.ok(record.labels.includes(0), "the comment and the blank line are neutral");
  assert.equal(record.firstError, null);
  assert.deepEqual(record.probes, []);
  assert.equal(generator.requests.length, 0);
  assert.deepEqual([record.cost.completions, record.cost.executions], [0, 1]);
});

test("probe requests continue the prompt plus the prefix, with seeds that depend only on that text", async () => {
  const chain = chainProblem("requests", 8);
  const { response } = planted(chain.lines, 5);
  const first = await label(chain, response);
  const again = await label(chain, response);
  for (const r of first.generator.requests) {
    assert.ok(r.prompt.startsWith(chain.problem.prompt));
    assert.ok(
      response.startsWith(r.prompt.slice(chain.problem.prompt.length)),
      "the rest of the prompt is a prefix of the response",
    );
    assert.ok(r.prompt.endsWith("\n"), "a prefix ends at a line end");
  }
  assert.deepEqual(
    again.generator.requests.map((r) => r.seed),
    first.generator.requests.map((r) => r.seed),
  );
  assert.equal(new Set(first.generator.requests.map((r) => r.seed)).size, first.generator.requests.length);
  const other = await label(chain, response, { seed: 1 });
  assert.notDeepEqual(
    other.generator.requests.map((r) => r.seed),
    first.generator.requests.map((r) => r.seed),
  );
});

test("linear and binary labels agree whenever correctness is monotone; binary runs fewer programs", async () => {
  const length = 13;
  const chain = chainProblem("linear", length);
  for (let j = 0; j < length; j++) {
    const { response, step } = planted(chain.lines, j);
    const { record } = await label(chain, response, { linear: true });
    const linear = record.linear!;
    assert.equal(linear.monotone, true, `j=${j}`);
    assert.deepEqual(linear.labels, record.labels, `j=${j}`);
    assert.equal(linear.firstError, step);
    assert.equal(linear.cost.completions, options.k * length);
    assert.ok(
      record.cost.executions < linear.cost.executions,
      `j=${j}: ${record.cost.executions} vs ${linear.cost.executions}`,
    );
    // The binary search's cost is what it would have cost alone, although the scan ran every probe.
    assert.ok(record.probes!.length <= Math.ceil(Math.log2(length)) + 1);
  }
});

test("an error that a later line undoes makes correctness non-monotone, and the linear scan shows it", async () => {
  const chain = chainProblem("undo", 8);
  const code = chain.lines.flatMap((l, i) => (l.neutral ? [] : [i]));
  // Code line 2 adds 1000, code line 3 takes it back, the return adds 1000 again.
  const lines = chain.lines.map((l) => l.text);
  lines[code[2]!] = broken(chain.lines[code[2]!]!).text;
  lines.splice(code[2]! + 1, 0, "    v3 = v3 - 1000\n");
  lines[lines.length - 1] = lines[lines.length - 1]!.replace("\n", " + 1000\n");
  const response = lines.join("");
  // The generator completes line for line from the reference: keep its lines aligned with the response's.
  const aligned: Chain = { problem: chain.problem, lines: [...chain.lines] };
  aligned.lines.splice(code[2]! + 1, 0, { text: "    v3 = v3 + 0\n", neutral: false });
  const generator = new ReferenceGenerator([aligned]);
  const record = await labelResponse(
    chain.problem,
    response,
    { generator, executor },
    { ...options, linear: true },
  );
  const linear = record.linear!;
  const codeLabels = linear.labels.filter((l) => l !== 0);
  assert.deepEqual(codeLabels, [1, 1, -1, 1, 1, 1, 1, 1, -1]);
  assert.equal(linear.monotone, false);
  assert.equal(linear.firstError, code[2]);
  // Binary search assumes monotonicity and lands on one boundary or the other.
  assert.ok(
    record.firstError === code[2] || record.firstError === record.steps.length - 1,
    `first error ${record.firstError}`,
  );
});

test("block granularity probes whole compound statements", async () => {
  const prompt = 'def count_big(xs):\n    """How many numbers exceed 2."""\n';
  const body = ["    n = 0\n", "    for x in xs:\n        if x > 2:\n            n += 1\n", "    return n\n"];
  const wrong = [
    "    n = 0\n",
    "    for x in xs:\n        if x >= 2:\n            n += 1\n",
    "    return n\n",
  ];
  const chain: Chain = {
    problem: {
      id: "blocks",
      source: "test",
      prompt,
      starter: prompt,
      tests: {
        kind: "call",
        fnName: "count_big",
        cases: [
          { args: [[1, 2, 3, 4]], expected: 2 },
          { args: [[]], expected: 0 },
        ],
      },
    },
    // The generator completes line by line: give it the reference's lines.
    lines: body
      .join("")
      .split(/(?<=\n)/)
      .map((text) => ({ text, neutral: false })),
  };
  const { record } = await label(chain, wrong.join(""), { granularity: "block" });
  assert.equal(record.granularity, "block");
  assert.deepEqual(record.steps, wrong);
  assert.deepEqual(record.labels, [1, -1, -1]);
  assert.equal(record.kind, "revised");
});

test("every record is a well-formed label record", async () => {
  const chain = chainProblem("shape", 4);
  const { record } = await label(chain, planted(chain.lines, 2).response);
  const keys: (keyof LabelRecord)[] = [
    "problemId",
    "prompt",
    "response",
    "steps",
    "labels",
    "firstError",
    "kind",
    "method",
    "policy",
    "cost",
  ];
  for (const key of keys) assert.ok(key in record, key);
  assert.equal(record.method, "completion");
  assert.equal(record.policy, "reference");
  assert.equal(record.prompt, chain.problem.prompt);
  assert.ok(record.cost.ms >= 0);
});
