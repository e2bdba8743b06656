/**
 * Loading public benchmark files as `Problem`s (DESIGN.md, "Formats"): one converter per format, the format
 * detected from the first row when not given, malformed rows reported with their file and line.
 */
import type { Problem } from "../types.js";
import { appsProblem, isAppsRow } from "./apps.js";
import {
  evalPlusProblem,
  isEvalPlusRow,
  readEvalPlusRow,
  type CaptureOutputs,
  type PendingEvalPlus,
} from "./evalplus.js";
import { asRow, type Row } from "./fields.js";
import { humanEvalProblem, isHumanEvalRow } from "./humaneval.js";
import { isLinewiseRow, linewiseProblem } from "./linewise.js";
import { isLiveCodeBenchRow, liveCodeBenchProblem } from "./livecodebench.js";
import { isMbppRow, isMbppSanitizedRow, mbppProblem, mbppSanitizedProblem } from "./mbpp.js";
import { MalformedRowError, ProblemFileError, readRows, RowError, type RawRow } from "./rows.js";

export { MalformedRowError, ProblemFileError } from "./rows.js";
export type { CaptureOutputs } from "./evalplus.js";

/** The formats `loadProblems` reads, by the name `--format` takes. */
export const problemFormats = [
  "humaneval",
  "mbpp",
  "mbpp-sanitized",
  "apps",
  "livecodebench",
  "evalplus",
  "linewise",
] as const;
export type ProblemFormat = (typeof problemFormats)[number];

/** Row converters; detection tries them in this order (the most specific fields first). */
const formats: {
  name: ProblemFormat;
  detect: (row: Row) => boolean;
  convert: (row: Row) => Problem | PendingEvalPlus;
}[] = [
  { name: "linewise", detect: isLinewiseRow, convert: linewiseProblem },
  { name: "evalplus", detect: isEvalPlusRow, convert: readEvalPlusRow },
  { name: "humaneval", detect: isHumanEvalRow, convert: humanEvalProblem },
  { name: "livecodebench", detect: isLiveCodeBenchRow, convert: liveCodeBenchProblem },
  { name: "apps", detect: isAppsRow, convert: appsProblem },
  { name: "mbpp-sanitized", detect: isMbppSanitizedRow, convert: mbppSanitizedProblem },
  { name: "mbpp", detect: isMbppRow, convert: mbppProblem },
];

export interface LoadOptions {
  /** Skip malformed rows (reported in `bad`) instead of throwing at the first one. */
  skipBad?: boolean;
  /** Runs a reference program on inputs: needed by EvalPlus, whose files carry no expected outputs. */
  capture?: CaptureOutputs;
}

export interface LoadedProblems {
  /** The format read: the one asked for, or the one detected. */
  format: ProblemFormat;
  problems: Problem[];
  /** The rows skipped with `skipBad`, each with its file, line and reason. */
  bad: MalformedRowError[];
}

/** Reads a problems file in `format` (detected from the first row when undefined). */
export async function loadProblems(
  file: string,
  format?: ProblemFormat,
  options: LoadOptions = {},
): Promise<LoadedProblems> {
  const rows = readRows(file);
  const name = format ?? detectFormat(file, rows);
  const { convert } = formats.find((f) => f.name === name)!;
  const bad: MalformedRowError[] = [];
  const fail = (row: RawRow, e: unknown) => {
    if (!(e instanceof RowError)) throw e;
    const error = new MalformedRowError(row, `${name} row: ${e.message}`);
    if (!options.skipBad) throw error;
    bad.push(error);
  };
  const converted: { row: RawRow; value: Problem | PendingEvalPlus }[] = [];
  for (const row of rows) {
    try {
      if (row.parseError !== undefined) throw new RowError(row.parseError);
      converted.push({ row, value: convert(asRow(row.value!)) });
    } catch (e) {
      fail(row, e);
    }
  }
  // EvalPlus rows run their canonical solutions; all at once, since the executor queues the work.
  const completed = await Promise.allSettled(
    converted.map(({ value }) =>
      "inputs" in value ? completeEvalPlus(value, options.capture) : Promise.resolve(value),
    ),
  );
  const problems: Problem[] = [];
  const firstLine = new Map<string, string>();
  converted.forEach(({ row }, i) => {
    try {
      const result = completed[i]!;
      if (result.status === "rejected") throw result.reason;
      const problem = result.value;
      const seen = firstLine.get(problem.id);
      if (seen !== undefined) throw new RowError(`duplicate id '${problem.id}' (first at ${seen})`);
      firstLine.set(problem.id, row.where);
      problems.push(problem);
    } catch (e) {
      fail(row, e);
    }
  });
  if (problems.length === 0 && bad.length === 0)
    throw new ProblemFileError(`${file}: no problems in the file`);
  return { format: name, problems, bad };
}

/** The format whose fields the first JSON object row has. */
export function detectFormat(file: string, rows: RawRow[]): ProblemFormat {
  const first = rows.find((r) => r.value !== null && typeof r.value === "object" && !Array.isArray(r.value));
  if (!first) throw new ProblemFileError(`${file}: no JSON object rows to detect the format from`);
  const row = first.value as Row;
  const match = formats.find((f) => f.detect(row));
  if (!match) {
    const fields = Object.keys(row).slice(0, 12).join(", ");
    throw new ProblemFileError(
      `${first.where}: cannot tell the format from this row's fields (${fields}); name it: ${problemFormats.join(", ")}`,
    );
  }
  return match.name;
}

function completeEvalPlus(pending: PendingEvalPlus, capture: CaptureOutputs | undefined): Promise<Problem> {
  if (!capture)
    throw new Error("loadProblems: EvalPlus files need `capture` (an executor) to compute expected outputs");
  return evalPlusProblem(pending, capture);
}
