import { after, test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExecutor } from "../../src/exec/index.js";
import { mutationLabels, wholeProgramLabels, type MutationPair } from "../../src/labels/mutation.js";
import { readLabels, readPairs, type LabelRecord } from "../../src/labels/records.js";
import { segmentResponse } from "../../src/labels/segment.js";
import { RuleTeacher } from "../../src/labels/teachers/rules.js";
import { loadProblems } from "../../src/problems/loaders/index.js";
import { programFor, referenceResponse } from "../../src/problems/program.js";
import { buildSuite } from "../../src/problems/suite/index.js";
import type { Problem } from "../../src/problems/types.js";
import { sharedBenchmarks } from "../../src/paths.js";

const executor = createExecutor({ cacheDir: null });
const dir = mkdtempSync(join(tmpdir(), "linewise-mutation-"));
after(async () => {
  await executor.close();
  rmSync(dir, { recursive: true, force: true });
});

let suite: Promise<Problem[]> | null = null;
const suiteProblems = () => (suite ??= buildSuite({ n: 3, seed: 5, split: "train", executor }));

/** The reference response with step `index` replaced by `text`: the whole program a rewrite was judged by. */
async function withStep(
  problem: Problem,
  granularity: "line" | "block",
  index: number,
  text: string,
): Promise<string> {
  const response = referenceResponse(problem)!;
  const { steps } = await segmentResponse(problem.starter ?? "", response, granularity);
  return steps.map((s, i) => (i === index ? text : s.text)).join("");
}

const passes = async (problem: Problem, response: string) =>
  (await executor.run(programFor(problem, response), problem.tests)).status === "pass";

/** Checks every record against the reference and the executor; returns the records per problem. */
async function checkRecords(problems: Problem[], records: LabelRecord[], granularity: "line" | "block") {
  const byProblem = new Map(problems.map((p) => [p.id, [] as LabelRecord[]]));
  for (const r of records) byProblem.get(r.problemId)!.push(r);
  for (const problem of problems) {
    const mine = byProblem.get(problem.id)!;
    const reference = referenceResponse(problem)!;
    const { steps } = await segmentResponse(problem.starter ?? "", reference, granularity);
    const [whole, ...rewrites] = mine;
    // The first record is the whole reference, every real step +1.
    assert.equal(whole!.meta!["rewrite"], "reference");
    assert.equal(whole!.response, reference);
    assert.deepEqual(
      whole!.labels,
      steps.map((s) => (s.neutral ? 0 : 1)),
    );
    const rewritten = new Set(rewrites.map((r) => r.meta!["stepIndex"]));
    assert.ok(
      rewritten.size >= steps.filter((s) => !s.neutral).length / 2,
      `${problem.id}: rewrites for most steps`,
    );
    for (const r of rewrites) {
      const index = r.meta!["stepIndex"] as number;
      assert.equal(r.method, "mutation");
      assert.equal(r.prompt, problem.prompt);
      assert.equal(r.granularity, granularity);
      assert.equal(r.steps.join(""), r.response);
      assert.equal(r.steps.length, index + 1, "later steps are masked");
      assert.deepEqual(
        r.steps.slice(0, index),
        steps.slice(0, index).map((s) => s.text),
      );
      assert.notEqual(r.steps[index], steps[index]!.text);
      assert.equal(r.meta!["original"], steps[index]!.text);
      assert.deepEqual(r.labels.slice(0, index), whole!.labels.slice(0, index));
      const chosen = r.labels[index] === 1;
      // The label is what the tests say about the whole program with that one step replaced.
      assert.equal(
        await passes(problem, await withStep(problem, granularity, index, r.steps[index]!)),
        chosen,
        `${problem.id} step ${index}`,
      );
      assert.equal(r.firstError, chosen ? null : index);
      const earlierCorrect = r.labels.slice(0, index).includes(1);
      assert.equal(r.kind, chosen ? "correct" : earlierCorrect ? "revised" : "wrong");
      assert.deepEqual(r.cost, { completions: 1, executions: 1, ms: r.cost.ms });
    }
  }
  return byProblem;
}

test("mutation labels on suite problems: reference and masked records, labels the tests agree with, DPO pairs", async () => {
  const problems = await suiteProblems();
  const out = { records: join(dir, "suite.jsonl"), pairs: join(dir, "suite-pairs.jsonl") };
  const progress: [number, number][] = [];
  const written = await mutationLabels(
    problems,
    executor,
    {
      granularity: "line",
      teacher: new RuleTeacher(),
      seed: 3,
      concurrency: 2,
      onProblem: (d, t) => progress.push([d, t]),
    },
    out,
  );
  const records = readLabels(out.records);
  assert.equal(written.records, records.length);
  assert.deepEqual(progress.at(-1), [3, 3]);
  await checkRecords(problems, records, "line");
  const kinds = new Set(records.map((r) => r.kind));
  assert.ok(kinds.has("correct") && kinds.has("revised"), `kinds ${[...kinds]}`);
  assert.ok(records.every((r) => r.policy === "teacher:RuleTeacher"));

  // Pairs: the prompt ends with the prefix; the chosen step passes and the rejected one fails in place.
  const pairs = readPairs(out.pairs) as MutationPair[];
  assert.equal(written.pairs, pairs.length);
  assert.ok(pairs.length >= 3, `${pairs.length} pairs`);
  for (const pair of pairs) {
    const problem = problems.find((p) => p.id === pair.problemId)!;
    assert.equal(pair.prompt, problem.prompt + pair.prefix);
    assert.equal(pair.granularity, "line");
    assert.ok(referenceResponse(problem)!.startsWith(pair.prefix));
    assert.notEqual(pair.chosen, pair.rejected);
    assert.ok(await passes(problem, await withStep(problem, "line", pair.stepIndex, pair.chosen)));
    assert.ok(!(await passes(problem, await withStep(problem, "line", pair.stepIndex, pair.rejected))));
    const rejectedRecord = records.find(
      (r) =>
        r.problemId === pair.problemId &&
        r.meta!["stepIndex"] === pair.stepIndex &&
        r.meta!["rewrite"] === "mutation",
    );
    assert.equal(rejectedRecord!.steps.at(-1), pair.rejected);
    assert.equal(rejectedRecord!.labels.at(-1), -1);
  }

  // The same seed gives the same labels (the rule teacher's choices are seeded).
  const again = { records: join(dir, "suite-again.jsonl") };
  await mutationLabels(
    problems,
    executor,
    { granularity: "line", teacher: new RuleTeacher(), seed: 3 },
    again,
  );
  const strip = (rs: LabelRecord[]) => rs.map((r) => JSON.stringify({ ...r, cost: null })).sort();
  assert.deepEqual(strip(readLabels(again.records)), strip(records));
});

test("a killed run resumes: finished problems are skipped, a torn last line is dropped, pairs are not repeated", async () => {
  const problems = await suiteProblems();
  const full = { records: join(dir, "full.jsonl"), pairs: join(dir, "full-pairs.jsonl") };
  const options = { granularity: "line" as const, teacher: new RuleTeacher(), seed: 9 };
  await mutationLabels(problems, executor, options, full);
  const records = readLabels(full.records);
  const pairs = readPairs(full.pairs);

  // A run that finished the first problem, wrote the second one's pairs and died writing its records.
  const [first, second] = problems;
  const partial = { records: join(dir, "partial.jsonl"), pairs: join(dir, "partial-pairs.jsonl") };
  writeFileSync(
    partial.records,
    records
      .filter((r) => r.problemId === first!.id)
      .map((r) => JSON.stringify(r) + "\n")
      .join(""),
  );
  appendFileSync(
    partial.records,
    JSON.stringify(records.find((r) => r.problemId === second!.id)).slice(0, 40),
  );
  const earlyPairs = pairs.filter((p) => p.problemId === first!.id || p.problemId === second!.id);
  writeFileSync(partial.pairs, earlyPairs.map((p) => JSON.stringify(p) + "\n").join(""));
  const progress: number[] = [];
  const written = await mutationLabels(
    problems,
    executor,
    { ...options, onProblem: (d) => progress.push(d) },
    partial,
  );
  assert.deepEqual(progress, [1, 2, 3], "the count starts at the resumed position");
  const key = (r: object) => JSON.stringify({ ...r, cost: null });
  assert.deepEqual(readLabels(partial.records).map(key).sort(), records.map(key).sort());
  assert.deepEqual(readPairs(partial.pairs).map(key).sort(), pairs.map(key).sort());
  assert.equal(written.records, records.filter((r) => r.problemId !== first!.id).length);

  // Nothing left to do.
  const before = readFileSync(partial.records, "utf8");
  assert.deepEqual(await mutationLabels(problems, executor, options, partial), { records: 0, pairs: 0 });
  assert.equal(readFileSync(partial.records, "utf8"), before);
});

test("block steps, and whole-program records for the outcome-reward-model baseline", async () => {
  const problems = (await suiteProblems()).slice(0, 2);
  const out = { records: join(dir, "blocks.jsonl") };
  await mutationLabels(
    problems,
    executor,
    { granularity: "block", teacher: new RuleTeacher(), seed: 1 },
    out,
  );
  await checkRecords(problems, readLabels(out.records), "block");

  const orm = { records: join(dir, "orm.jsonl") };
  const { records: count } = await wholeProgramLabels(
    problems,
    executor,
    { granularity: "block", teacher: new RuleTeacher(), seed: 1 },
    orm,
  );
  const records = readLabels(orm.records);
  assert.equal(count, records.length);
  assert.equal(records.length, readLabels(out.records).length, "one whole program per step record");
  for (const r of records) {
    const problem = problems.find((p) => p.id === r.problemId)!;
    assert.deepEqual(r.steps, [r.response]);
    assert.equal(r.passed, await passes(problem, r.response));
    assert.deepEqual(r.labels, [r.passed ? 1 : -1]);
    assert.equal(r.kind, r.passed ? "correct" : "wrong");
    if (r.meta!["rewrite"] !== "reference")
      assert.equal(
        r.response,
        await withStep(
          problem,
          "block",
          r.meta!["stepIndex"] as number,
          readLabels(out.records)
            .find(
              (s) =>
                s.problemId === r.problemId &&
                s.meta!["stepIndex"] === r.meta!["stepIndex"] &&
                s.meta!["rewrite"] === r.meta!["rewrite"],
            )!
            .steps.at(-1)!,
        ),
      );
  }
  assert.ok(records.some((r) => !r.passed));
});

const mbpp = join(sharedBenchmarks, "mbpp", "mbpp.jsonl");
test(
  "mutation labels on MBPP rows (prose prompts, whole-program responses)",
  { skip: existsSync(mbpp) ? false : `no MBPP at ${mbpp} (../shared/benchmarks is absent)` },
  async () => {
    const { problems: all } = await loadProblems(mbpp, "mbpp");
    const problems = all.slice(10, 14);
    const out = { records: join(dir, "mbpp.jsonl"), pairs: join(dir, "mbpp-pairs.jsonl") };
    await mutationLabels(
      problems,
      executor,
      { granularity: "block", teacher: new RuleTeacher(), seed: 2 },
      out,
    );
    const records = readLabels(out.records);
    await checkRecords(problems, records, "block");
    for (const pair of readPairs(out.pairs) as MutationPair[]) {
      const problem = problems.find((p) => p.id === pair.problemId)!;
      assert.equal(problem.starter, undefined);
      assert.equal(pair.prompt, problem.prompt + pair.prefix);
    }
  },
);
