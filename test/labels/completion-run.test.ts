import { after, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExecutor } from "../../src/exec/index.js";
import { CachedGenerator } from "../../src/labels/completion-cache.js";
import {
  completionLabels,
  ledgerPath,
  type CompletionRunOptions,
  type ResponseSource,
} from "../../src/labels/completion-run.js";
import { LabelFileError, readLabels, type LabelRecord } from "../../src/labels/records.js";
import { chainProblem, planted, ReferenceGenerator } from "./completion-fixtures.js";

const executor = createExecutor({ cacheDir: null });
const dir = mkdtempSync(join(tmpdir(), "linewise-completion-run-"));
after(async () => {
  await executor.close();
  rmSync(dir, { recursive: true, force: true });
});

const chains = [
  chainProblem("easy", 3),
  chainProblem("medium", 5),
  chainProblem("hard", 8),
  chainProblem("revised", 4),
  chainProblem("extra", 2),
];
const problems = chains.map((c) => c.problem);
const reference = (i: number) => chains[i]!.lines.map((l) => l.text).join("");
const plant = (i: number, j: number) => planted(chains[i]!.lines, j).response;
const source: ResponseSource = {
  responses: new Map([
    ["easy", [reference(0), reference(0)]],
    ["medium", [reference(1), plant(1, 2)]],
    ["hard", [plant(2, 0), plant(2, 5)]],
    ["revised", [plant(3, 3)]],
    ["extra", [plant(4, 1), reference(4)]],
  ]),
};
const options: CompletionRunOptions = {
  k: 2,
  temperature: 1,
  maxTokens: 64,
  seed: 0,
  granularity: "line",
  policy: "reference",
  select: "full",
};

/** A run with a fresh generator (memory-only cache unless `cacheDir`); returns the result and the generator. */
async function run(
  out: string,
  extra: Partial<CompletionRunOptions> = {},
  cacheDir: string | null = null,
  from: ResponseSource = source,
) {
  const generator = new ReferenceGenerator(chains);
  const result = await completionLabels(
    problems,
    from,
    { generator: new CachedGenerator(generator, "reference", cacheDir), executor },
    { ...options, ...extra },
    out,
  );
  return { result, generator };
}

/** Records without timings, in a stable order, to compare runs. */
function comparable(records: LabelRecord[]) {
  const strip = (r: LabelRecord) => ({
    ...r,
    cost: { ...r.cost, ms: 0 },
    probes: r.probes?.map((p) => ({ ...p, ms: 0 })),
    ...(r.linear ? { linear: { ...r.linear, cost: { ...r.linear.cost, ms: 0 } } } : {}),
  });
  return records
    .map(strip)
    .sort((a, b) => (a.problemId + a.response).localeCompare(b.problemId + b.response));
}

let full: LabelRecord[] = [];
const fullOut = join(dir, "full.jsonl");

test("a run labels every response, sets prompt kinds, and writes the records and a ledger", async () => {
  const { result } = await run(fullOut);
  full = readLabels(fullOut);
  assert.equal(full.length, 9);
  assert.deepEqual(comparable(result.records), comparable(full));
  assert.deepEqual(result.kinds, { correct: 4, revised: 4, wrong: 1 });
  assert.equal(result.labelled, 5);
  const kindOf = (id: string) => new Set(full.filter((r) => r.problemId === id).map((r) => r.promptKind));
  assert.deepEqual(kindOf("easy"), new Set(["easy"]));
  assert.deepEqual(kindOf("medium"), new Set(["medium"]));
  assert.deepEqual(kindOf("hard"), new Set(["hard"]));
  const ledger = readFileSync(ledgerPath(fullOut), "utf8").trim().split("\n");
  assert.equal(ledger.length, 1 + problems.length, "an options line and one line per problem");
});

test("a killed run (torn last line) resumes: finished problems are kept, the torn one is redone", async () => {
  const out = join(dir, "killed.jsonl");
  copyFileSync(fullOut, out);
  copyFileSync(ledgerPath(fullOut), ledgerPath(out));
  const text = readFileSync(out, "utf8");
  const lastStart = text.lastIndexOf("\n", text.length - 2) + 1;
  const torn = JSON.parse(text.slice(lastStart)) as LabelRecord;
  truncateSync(out, Buffer.byteLength(text.slice(0, lastStart + 40)));

  const { result, generator } = await run(out);
  assert.equal(result.labelled, 1, "only the problem with the torn record");
  assert.equal(result.resumed, problems.length - 1);
  assert.ok(
    generator.requests.every((r) =>
      r.prompt.startsWith(chains.find((c) => c.problem.id === torn.problemId)!.problem.prompt),
    ),
  );
  assert.deepEqual(comparable(readLabels(out)), comparable(full));
  assert.ok(readFileSync(out, "utf8").endsWith("\n"));
});

test("records written without their ledger line (a kill between the two writes) are dropped and redone", async () => {
  const out = join(dir, "unledgered.jsonl");
  copyFileSync(fullOut, out);
  const ledger = readFileSync(ledgerPath(fullOut), "utf8").trim().split("\n");
  const [header, ...entries] = ledger;
  const kept = entries.filter((e) => !e.includes('"problemId":"hard"'));
  appendFileSync(ledgerPath(out), [header, ...kept].join("\n") + "\n");
  const { result } = await run(out);
  assert.equal(result.labelled, 1);
  assert.deepEqual(comparable(readLabels(out)), comparable(full));
  assert.equal(readLabels(out).length, 9, "the hard problem's records are not written twice");
});

test("a rerun over a finished file does nothing; completions come from the cache in a new file", async () => {
  const again = await run(fullOut);
  assert.equal(again.result.labelled, 0);
  assert.equal(again.generator.requests.length, 0);

  const cacheDir = join(dir, "cache");
  const first = await run(join(dir, "cached-1.jsonl"), {}, cacheDir);
  assert.ok(first.generator.requests.length > 0);
  const second = await run(join(dir, "cached-2.jsonl"), {}, cacheDir);
  assert.equal(second.generator.requests.length, 0, "every completion is read from the cache");
  assert.deepEqual(comparable(readLabels(join(dir, "cached-2.jsonl"))), comparable(full));
});

test("resuming with other options is refused, naming them", async () => {
  await assert.rejects(
    run(fullOut, { k: 3 }),
    (e: Error) => e instanceof LabelFileError && /other options \(k 2\)/.test(e.message),
  );
});

test("shards split the problems by index and their files concatenate to the whole run", async () => {
  const parts = await Promise.all(
    [0, 1].map((index) => run(join(dir, `shard-${index}.jsonl`), { shard: { index, count: 2 } })),
  );
  const ids = parts.map((p) => [...new Set(p.result.records.map((r) => r.problemId))].sort());
  assert.deepEqual(ids, [
    ["easy", "extra", "hard"],
    ["medium", "revised"],
  ]);
  assert.deepEqual(comparable(parts.flatMap((p) => p.result.records)), comparable(full));
});

test("selection is applied per problem before writing; the kinds count every labelled response", async () => {
  const revised = await run(join(dir, "revised.jsonl"), { select: "revised-only" });
  assert.ok(revised.result.records.every((r) => r.kind === "revised"));
  assert.equal(revised.result.records.length, 4);
  assert.deepEqual(revised.result.kinds, { correct: 4, revised: 4, wrong: 1 });
  const medium = await run(join(dir, "medium.jsonl"), { select: "medium-only" });
  assert.deepEqual([...new Set(medium.result.records.map((r) => r.problemId))].sort(), ["extra", "medium"]);
  const noHard = await run(join(dir, "no-hard.jsonl"), { select: "remove-hard" });
  assert.ok(noHard.result.records.every((r) => r.promptKind !== "hard"));
  assert.equal(noHard.result.records.length, 9 - 2 - 1);
});

test("with samples, responses are drawn from the policy for each problem", async () => {
  const { result, generator } = await run(join(dir, "sampled.jsonl"), {}, null, { samples: 3 });
  assert.equal(result.records.length, 3 * problems.length);
  assert.ok(
    result.records.every((r) => r.kind === "correct"),
    "the reference generator's samples are the references",
  );
  assert.equal(generator.requests.filter((r) => r.n === 3).length, problems.length);
});
