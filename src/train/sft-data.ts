/**
 * SFT data from a file: JSONL (or a JSON array, or gzipped) rows `{prompt, completion}`, or `Problem` rows
 * (src/problems/types.ts) with a `solution`. For a problem the training text is prompt + solution: the
 * built-in suite's prompt is a signature and docstring and its solution the body that continues it.
 */
import { asRow, text } from "../problems/loaders/fields.js";
import { MalformedRowError, ProblemFileError, readRows, RowError } from "../problems/loaders/rows.js";
import type { Problem } from "../problems/types.js";
import type { SftExample } from "./sft.js";

/** The examples of `file`; a malformed row is a MalformedRowError naming file:line. */
export function readSftData(file: string): SftExample[] {
  const rows = readRows(file);
  if (rows.length === 0) throw new ProblemFileError(`${file}: no rows; expected JSONL with {"prompt", "completion"} or Problem rows with a "solution"`);
  return rows.map((raw) => {
    if (raw.parseError !== undefined) throw new MalformedRowError(raw, raw.parseError);
    try {
      const row = asRow(raw.value!);
      if ("completion" in row) return { prompt: text(row, "prompt"), completion: text(row, "completion") };
      if ("solution" in row && row["solution"] !== null) return { prompt: text(row, "prompt"), completion: text(row, "solution") };
      const what = typeof row["id"] === "string" ? `problem "${row["id"]}" has no solution` : `row has neither "completion" nor "solution"`;
      throw new RowError(`${what}; SFT trains on prompt + completion (or a Problem's prompt + solution)`);
    } catch (e) {
      if (e instanceof RowError) throw new MalformedRowError(raw, e.message);
      throw e;
    }
  });
}

/** A problem as an SFT example (prompt, then the reference solution that continues it); null without a solution. */
export function problemExample(problem: Problem): SftExample | null {
  return problem.solution === undefined ? null : { prompt: problem.prompt, completion: problem.solution };
}
