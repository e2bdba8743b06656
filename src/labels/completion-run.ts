/**
 * A completion-labelling run over many problems (PSGPO §3, §4.3): responses given or sampled from the
 * policy, each labelled by binary search, the problem's prompt kind computed, a selection strategy applied,
 * and the kept records appended to a JSONL file. Problems run concurrently; a ledger beside the output
 * (`OUT.done`) records each finished problem after its records, so a killed run resumes with the rest and
 * drops a half-written problem. `shard` splits the problems across runs whose files concatenate.
 */
import { existsSync } from "node:fs";
import type { Problem } from "../problems/types.js";
import { writeFileAtomic } from "../runs/atomic.js";
import { labelResponse, samplingRequest, type ProbeContext, type ProbeOptions } from "./completion.js";
import {
  LabelFileError,
  openAppend,
  readJsonLines,
  readLabels,
  type LabelRecord,
  type ResponseKind,
} from "./records.js";
import { selectProblem, type SelectionStrategy } from "./selection.js";

/** Problems whose index in the problems file is `index` modulo `count` (`--shard index/count`). */
export interface Shard {
  index: number;
  count: number;
}

export interface CompletionRunOptions extends ProbeOptions {
  /** PSGPO §4.3's data selection, applied per problem before writing. */
  select: SelectionStrategy;
  /** Problems labelled at once; default 4. */
  concurrency?: number;
  shard?: Shard;
  /** Called once at the start (problems already done, total) and after each problem, with response kinds so far. */
  onProblem?: (done: number, total: number, kinds: Record<ResponseKind, number>) => void;
}

/** Where responses come from: given per problem id, or `samples` drawn from the policy per problem. */
export type ResponseSource = { responses: Map<string, string[]> } | { samples: number };

/** One ledger line: a problem whose records are all in the output. */
interface LedgerEntry {
  problemId: string;
  /** Records written for it (after selection). */
  records: number;
  /** Its labelled responses by kind, before selection. */
  kinds: Record<ResponseKind, number>;
}

export interface CompletionRunResult {
  /** Every record in the output: earlier runs' and this one's. */
  records: LabelRecord[];
  /** Labelled responses by kind before selection, over every finished problem. */
  kinds: Record<ResponseKind, number>;
  /** Problems of the shard finished by an earlier run. */
  resumed: number;
  /** Problems this run labelled. */
  labelled: number;
}

/** The ledger that marks finished problems: beside the output. */
export function ledgerPath(out: string): string {
  return `${out}.done`;
}

/** The problems of a shard, in file order. */
export function shardOf<T>(items: T[], shard?: Shard): T[] {
  return shard ? items.filter((_, i) => i % shard.count === shard.index) : items;
}

/**
 * Labels the shard's problems not yet finished in `out`, appending their kept records; returns every record
 * now in `out`. Problems without responses (none given) are skipped.
 */
export async function completionLabels(
  problems: Problem[],
  source: ResponseSource,
  context: ProbeContext,
  options: CompletionRunOptions,
  out: string,
): Promise<CompletionRunResult> {
  const fingerprint = fingerprintOf(options, source);
  const { done, records } = resume(out, fingerprint);
  const shard = shardOf(problems, options.shard).filter(
    (p) => !("responses" in source) || (source.responses.get(p.id)?.length ?? 0) > 0,
  );
  const todo = shard.filter((p) => !done.has(p.id));
  const writer = openAppend(out);
  const ledger = openAppend(ledgerPath(out));

  const kinds = { correct: 0, revised: 0, wrong: 0 };
  for (const entry of done.values()) for (const k of kindNames) kinds[k] += entry.kinds[k];
  let finished = 0;
  options.onProblem?.(shard.length - todo.length, shard.length, kinds);
  await forEachConcurrently(todo, options.concurrency ?? 4, async (problem) => {
    const responses =
      "responses" in source
        ? source.responses.get(problem.id)!
        : await sampleResponses(problem, source.samples, context, options);
    const labelled = await Promise.all(responses.map((r) => labelResponse(problem, r, context, options)));
    const { all, kept } = selectProblem(labelled, options.select);
    const counts = { correct: 0, revised: 0, wrong: 0 };
    for (const r of all) counts[r.kind]++;
    // Records first, then the ledger line: a kill in between leaves records the next run drops and redoes.
    writer.append(kept);
    ledger.append([{ problemId: problem.id, records: kept.length, kinds: counts } satisfies LedgerEntry]);
    records.push(...kept);
    for (const k of kindNames) kinds[k] += counts[k];
    options.onProblem?.(shard.length - todo.length + ++finished, shard.length, kinds);
  });
  return { records, kinds, resumed: shard.length - todo.length, labelled: todo.length };
}

const kindNames: ResponseKind[] = ["correct", "revised", "wrong"];

/** `n` responses to the problem's prompt from the policy (seeded per prompt, so cached and reproducible). */
async function sampleResponses(
  problem: Problem,
  n: number,
  context: ProbeContext,
  options: ProbeOptions,
): Promise<string[]> {
  const [samples] = await context.generator.complete([samplingRequest(problem.prompt, n, options)]);
  return samples!.map((s) => s.text);
}

/** The options that decide the labels; a resumed run must use the same ones. */
function fingerprintOf(options: CompletionRunOptions, source: ResponseSource): Record<string, unknown> {
  const { k, temperature, topP, maxTokens, stop, seed, granularity, linear, policy, select, shard } = options;
  return {
    k,
    temperature,
    topP: topP ?? null,
    maxTokens,
    stop: stop ?? [],
    seed,
    granularity,
    linear: linear ?? false,
    policy,
    select,
    shard: shard ? `${shard.index}/${shard.count}` : null,
    responses: "responses" in source ? "given" : `sampled ${source.samples}`,
  };
}

/**
 * Reads what an earlier run finished: the ledger's problems whose records are all present. Records of
 * problems the ledger does not list (a kill between the two writes, a torn line) are dropped from the file.
 */
function resume(
  out: string,
  fingerprint: Record<string, unknown>,
): { done: Map<string, LedgerEntry>; records: LabelRecord[] } {
  const ledgerFile = ledgerPath(out);
  const done = new Map<string, LedgerEntry>();
  const header = JSON.stringify({ options: fingerprint }) + "\n";
  if (!existsSync(ledgerFile)) {
    if (existsSync(out) && readLabels(out).length > 0)
      throw new LabelFileError(
        `${out}: has records but no ${ledgerFile} to resume from; give another --out or delete it`,
      );
    writeFileAtomic(ledgerFile, header);
    return { done, records: [] };
  }
  const [first, ...rows] = readJsonLines(ledgerFile);
  const earlier = (first?.value as { options?: Record<string, unknown> } | undefined)?.options;
  if (!earlier)
    throw new LabelFileError(
      `${first?.where ?? ledgerFile}: not a label ledger (no options line); delete ${out} and ${ledgerFile}`,
    );
  if (JSON.stringify(earlier) !== JSON.stringify(fingerprint)) {
    const differ = Object.keys(fingerprint).filter(
      (key) => JSON.stringify(earlier[key]) !== JSON.stringify(fingerprint[key]),
    );
    throw new LabelFileError(
      `${out}: was labelled with other options (${differ.map((key) => `${key} ${JSON.stringify(earlier[key])}`).join(", ")}); give another --out, or delete ${out} and ${ledgerFile}`,
    );
  }
  for (const { value } of rows) done.set((value as LedgerEntry).problemId, value as LedgerEntry);

  const present = readLabels(out);
  const count = new Map<string, number>();
  for (const r of present) count.set(r.problemId, (count.get(r.problemId) ?? 0) + 1);
  for (const [id, entry] of done) if ((count.get(id) ?? 0) !== entry.records) done.delete(id);
  const records = present.filter((r) => done.has(r.problemId));
  // Rewrite both files when anything was dropped, so they agree again before new lines are appended.
  if (records.length !== present.length)
    writeFileAtomic(out, records.map((r) => JSON.stringify(r) + "\n").join(""));
  if (done.size !== rows.length)
    writeFileAtomic(ledgerFile, header + [...done.values()].map((e) => JSON.stringify(e) + "\n").join(""));
  return { done, records };
}

/** Runs `work` on every item with at most `concurrency` in flight; the first failure stops new work and is thrown. */
async function forEachConcurrently<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, worker));
  if (failure) throw failure.error;
}
