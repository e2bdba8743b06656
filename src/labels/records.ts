/**
 * Process-label records (DESIGN.md, "Formats" → process labels): one labelled response a JSON line, written
 * by both labelling methods (completion.ts, PSGPO §3; mutation.ts, PRLCoder §3.1), read by `linewise
 * export`, the PRM trainer and the label report. Files are appended a line at a time, so a killed run
 * leaves at most one torn last line; the reader skips it and `openAppend` cuts it off before a resume.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, truncateSync } from "node:fs";
import { dirname } from "node:path";
import type { Granularity } from "./segment.js";

/** +1: the prefix through this step can still be completed to a passing program; −1: it cannot; 0: neutral. */
export type StepLabel = 1 | -1 | 0;

/** PSGPO §4.3: a response passes (correct), fails with a correct non-empty prefix (revised), or neither (wrong). */
export type ResponseKind = "correct" | "revised" | "wrong";

/** PSGPO §4.3: over a problem's responses, all correct (easy), mixed (medium), or none correct (hard). */
export type PromptKind = "easy" | "medium" | "hard";

export type LabelMethod = "completion" | "mutation";

/** What labelling one response cost. Counts are algorithmic (cache hits count too), so a resumed run reports the same. */
export interface LabelCost {
  /** Completions sampled for probes (K per probe). */
  completions: number;
  /** Programs run: the response itself and the probes' completed programs. */
  executions: number;
  /** Wall-clock milliseconds spent (with concurrency, includes waiting for the shared generator and sandbox). */
  ms: number;
}

/** One probed prefix (PSGPO §3): the prompt plus steps 0..step, completed K times. */
export interface Probe {
  /** Index into `steps` of the prefix's last step. */
  step: number;
  /** Whether at least one completion passed every test. */
  correct: boolean;
  /** Completions sampled (K). */
  completions: number;
  /** Executions until the first passing completion (or all K). */
  executions: number;
  ms: number;
  /** The K completions in order, each with whether it passed (null: not run, an earlier one passed). */
  samples?: { text: string; passed: boolean | null }[];
}

/** Labels from probing every non-neutral prefix (`--linear`), kept beside the binary search's. */
export interface LinearLabels {
  /** Each non-neutral step's own probe: +1 when its prefix can be rescued, −1 when not (not forced monotone). */
  labels: StepLabel[];
  /** The first step labelled −1, or null. */
  firstError: number | null;
  /** Whether the labels are +1 … +1 −1 … −1 (the assumption binary search relies on). */
  monotone: boolean;
  cost: LabelCost;
}

/** One labelled response: the line of a label file. */
export interface LabelRecord {
  problemId: string;
  /** The problem's prompt (what the model saw). */
  prompt: string;
  response: string;
  /** The response's steps; they concatenate exactly to `response`. */
  steps: string[];
  /** One per step. */
  labels: StepLabel[];
  /** Index into `steps` of the first step labelled −1, or null when there is none. */
  firstError: number | null;
  kind: ResponseKind;
  method: LabelMethod;
  /** Which model produced the completions (a checkpoint path, a server URL) or the teacher. */
  policy: string;
  cost: LabelCost;
  /** Whether the response itself passed every test. */
  passed?: boolean;
  granularity?: Granularity;
  /** The prompt's kind over the problem's labelled responses (completion labels). */
  promptKind?: PromptKind;
  /** The prefixes binary search probed, in the order it probed them. */
  probes?: Probe[];
  /** Present when every prefix was probed as well (`--linear`). */
  linear?: LinearLabels;
  /** Method-specific extras (e.g. the mutation teacher's rule, the step rewritten). */
  meta?: Record<string, unknown>;
}

/** A step-level preference pair (PRLCoder §3.2's DPO data): `prompt` ends with the prefix before the step. */
export interface StepPair {
  problemId: string;
  /** The problem's prompt plus the response prefix before the step. */
  prompt: string;
  /** A step (or response rest) that keeps the tests passing. */
  chosen: string;
  /** One that makes them fail. */
  rejected: string;
  meta?: Record<string, unknown>;
}

/** A malformed label file or row, with the file and line: a one-line user error. */
export class LabelFileError extends Error {
  override name = "LabelFileError";
}

/** The kind of a labelled response: correct if it passed, revised if a non-empty prefix is correct, else wrong. */
export function responseKind(passed: boolean, labels: StepLabel[]): ResponseKind {
  if (passed) return "correct";
  return labels.includes(1) ? "revised" : "wrong";
}

/** The kind of a prompt from its responses' kinds (PSGPO §4.3); a prompt with no responses counts as hard. */
export function promptKind(kinds: ResponseKind[]): PromptKind {
  const correct = kinds.filter((k) => k === "correct").length;
  if (correct > 0 && correct === kinds.length) return "easy";
  return correct > 0 ? "medium" : "hard";
}

/** Records grouped by problem, problems in order of first appearance, records in file order. */
export function groupByProblem(records: readonly LabelRecord[]): Map<string, LabelRecord[]> {
  const byProblem = new Map<string, LabelRecord[]>();
  for (const r of records) {
    const group = byProblem.get(r.problemId);
    if (group) group.push(r);
    else byProblem.set(r.problemId, [r]);
  }
  return byProblem;
}

/**
 * The records ordered by problem id, each problem's own records in the order they came. Labelling appends
 * a problem's records when it finishes, and problems run concurrently, so the same labels reach the file
 * in a different order from run to run; read in this order they always train the same model.
 */
export function inProblemOrder(records: readonly LabelRecord[]): LabelRecord[] {
  const byProblem = groupByProblem(records);
  return [...byProblem.keys()].sort().flatMap((id) => byProblem.get(id)!);
}

/** The first step labelled −1, or null. */
export function firstErrorOf(labels: StepLabel[]): number | null {
  const at = labels.indexOf(-1);
  return at < 0 ? null : at;
}

/** The JSON lines of `path` and where each came from; a torn last line (no newline, not JSON) is left out. */
export function readJsonLines(path: string): { value: unknown; where: string }[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new LabelFileError(
      `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const lines = text.split("\n");
  const rows: { value: unknown; where: string }[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${path}:${i + 1}`;
    try {
      rows.push({ value: JSON.parse(line), where });
    } catch (e) {
      // The last line without its newline is a write a killed run did not finish; anything else is damage.
      if (i === lines.length - 1) return;
      throw new LabelFileError(`${where}: not JSON (${(e as Error).message}); fix or delete the line`);
    }
  });
  return rows;
}

/** Reads a label file (missing → []), checking each record's shape; a torn last line is skipped. */
export function readLabels(path: string): LabelRecord[] {
  if (!existsSync(path)) return [];
  return readJsonLines(path).map(({ value, where }) => checkRecord(value, where));
}

/** Reads a pairs file `{problemId, prompt, chosen, rejected}` (missing → []); a torn last line is skipped. */
export function readPairs(path: string): StepPair[] {
  if (!existsSync(path)) return [];
  return readJsonLines(path).map(({ value, where }) => checkPair(value, where));
}

/** Whether a parsed row looks like a pair rather than a label record. */
export function isPairRow(value: unknown): boolean {
  const row = value as Record<string, unknown> | null;
  return typeof row === "object" && row !== null && "chosen" in row && "rejected" in row && !("steps" in row);
}

/** `value` as a label record, or a LabelFileError naming `where` and the field at fault. */
export function checkRecord(value: unknown, where: string): LabelRecord {
  const row = value as Record<string, unknown>;
  const fail = (why: string): never => {
    throw new LabelFileError(`${where}: not a label record: ${why}`);
  };
  if (typeof row !== "object" || row === null || Array.isArray(row)) fail("expected a JSON object");
  for (const key of ["problemId", "prompt", "response"] as const)
    if (typeof row[key] !== "string") fail(`'${key}' must be a string`);
  const steps = row.steps;
  const labels = row.labels;
  if (!Array.isArray(steps) || !steps.every((s) => typeof s === "string"))
    fail("'steps' must be an array of strings");
  if (!Array.isArray(labels) || !labels.every((l) => l === 1 || l === -1 || l === 0))
    fail("'labels' must be an array of 1, -1 and 0");
  if ((steps as string[]).length !== (labels as unknown[]).length)
    fail(`${(steps as string[]).length} steps but ${(labels as unknown[]).length} labels`);
  if ((steps as string[]).join("") !== row.response) fail("'steps' do not concatenate to 'response'");
  if (!["correct", "revised", "wrong"].includes(row.kind as string))
    fail("'kind' must be correct, revised or wrong");
  if (!["completion", "mutation"].includes(row.method as string))
    fail("'method' must be completion or mutation");
  return value as LabelRecord;
}

function checkPair(value: unknown, where: string): StepPair {
  const row = value as Record<string, unknown>;
  if (typeof row !== "object" || row === null || Array.isArray(row))
    throw new LabelFileError(`${where}: not a pair: expected a JSON object`);
  for (const key of ["problemId", "prompt", "chosen", "rejected"] as const)
    if (typeof row[key] !== "string")
      throw new LabelFileError(`${where}: not a pair: '${key}' must be a string`);
  return value as StepPair;
}

/**
 * Opens `path` for appending JSON lines: creates its folder, and cuts off a torn last line a killed run
 * left, so that the next line starts on a line of its own.
 */
export function openAppend(path: string): JsonlWriter {
  mkdirSync(dirname(path), { recursive: true });
  if (existsSync(path)) {
    const text = readFileSync(path, "utf8");
    const end = text.lastIndexOf("\n") + 1;
    if (end < text.length) truncateSync(path, Buffer.byteLength(text.slice(0, end)));
  }
  return new JsonlWriter(path);
}

/** Appends rows as JSON lines; each call is one synchronous write, so a kill tears at most the last line. */
export class JsonlWriter {
  constructor(readonly path: string) {}

  append(rows: object[]): void {
    if (rows.length) appendFileSync(this.path, rows.map((r) => JSON.stringify(r) + "\n").join(""));
  }
}
