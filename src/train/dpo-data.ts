/**
 * DPO pairs from files: step pairs as the mutation labeller writes them (src/labels/mutation.ts:
 * `{problemId, prompt, prefix, chosen, rejected, stepIndex, granularity}`, `prompt` already ending with
 * `prefix`), and whole-response pairs built from completion label records (a passing and a failing response
 * to the same problem).
 */
import { existsSync } from "node:fs";
import {
  LabelFileError,
  inProblemOrder,
  isPairRow,
  readJsonLines,
  readLabels,
  readPairs,
  type LabelRecord,
} from "../labels/records.js";
import type { DpoPair } from "./dpo.js";

/** The step pairs of a pairs JSONL file; a row that is not a pair is a LabelFileError naming file:line. */
export function readDpoPairs(path: string): DpoPair[] {
  if (!existsSync(path))
    throw new LabelFileError(
      `${path}: not found; pass a pairs JSONL file (e.g. the --pairs output of 'linewise label --method mutation')`,
    );
  for (const { value, where } of readJsonLines(path)) {
    if (isPairRow(value)) continue;
    const labels = typeof value === "object" && value !== null && "steps" in value;
    throw new LabelFileError(
      `${where}: not a pair {problemId, prompt, chosen, rejected}${labels ? "; this is a label record: pass label files with --labels" : ""}`,
    );
  }
  return readPairs(path).map((p, i) => {
    const prefix = (p as { prefix?: unknown }).prefix;
    if (typeof prefix === "string" && !p.prompt.endsWith(prefix))
      throw new LabelFileError(
        `${path}: pair ${i + 1}: 'prompt' does not end with 'prefix' (a step pair's prompt is the problem's prompt followed by the prefix)`,
      );
    if (p.chosen === "" || p.rejected === "")
      throw new LabelFileError(`${path}: pair ${i + 1}: 'chosen' and 'rejected' must not be empty`);
    return { problemId: p.problemId, prompt: p.prompt, chosen: p.chosen, rejected: p.rejected, whole: false };
  });
}

/** Whole-response pairs from the completion label records of a file (see `wholeResponsePairs`). */
export function readWholeResponsePairs(path: string): DpoPair[] {
  if (!existsSync(path))
    throw new LabelFileError(`${path}: not found; pass a label file written by 'linewise label'`);
  const records = readLabels(path);
  const pairs = wholeResponsePairs(records);
  if (pairs.length === 0) {
    throw new LabelFileError(
      `${path}: no problem has both a passing and a failing completion-labelled response, so there are no whole-response pairs`,
    );
  }
  return pairs;
}

/**
 * For every problem with passing and failing responses (completion labels: whole sampled responses; kind
 * `correct` means it passed), each distinct failing response is paired with a passing one, taken in turn.
 * Problems come in id order, not file order: labelling appends problems as they finish, so the same labels
 * would otherwise give pairs in a different order, and DPO a different model, from run to run.
 */
export function wholeResponsePairs(records: readonly LabelRecord[]): DpoPair[] {
  const byProblem = new Map<string, { prompt: string; passed: string[]; failed: string[] }>();
  for (const r of inProblemOrder(records)) {
    if (r.method !== "completion") continue;
    const entry = byProblem.get(r.problemId) ?? { prompt: r.prompt, passed: [], failed: [] };
    const list = r.kind === "correct" ? entry.passed : entry.failed;
    if (!list.includes(r.response)) list.push(r.response);
    byProblem.set(r.problemId, entry);
  }
  const pairs: DpoPair[] = [];
  for (const [problemId, { prompt, passed, failed }] of byProblem) {
    if (passed.length === 0) continue;
    failed.forEach((rejected, i) =>
      pairs.push({ problemId, prompt, chosen: passed[i % passed.length]!, rejected, whole: true }),
    );
  }
  return pairs;
}
