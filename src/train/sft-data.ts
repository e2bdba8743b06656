/**
 * SFT data from a file: JSONL (or a JSON array, or gzipped) rows `{prompt, completion}`, or `Problem` rows
 * (src/problems/types.ts) with a `solution`. A problem is trained as its prompt followed by its reference
 * response (`referenceResponse`: the solution after the starter code — for the built-in suite, the function
 * body that continues the signature and docstring; the whole solution when there is no starter).
 */
import { asRow, text } from "../problems/loaders/fields.js";
import { isLinewiseRow, linewiseProblem } from "../problems/loaders/linewise.js";
import { MalformedRowError, ProblemFileError, readRows, RowError } from "../problems/loaders/rows.js";
import { referenceResponse } from "../problems/program.js";
import type { Problem } from "../problems/types.js";
import type { SftExample } from "./sft.js";

/** The examples of `file`; a malformed row is a MalformedRowError naming file:line. */
export function readSftData(file: string): SftExample[] {
  const rows = readRows(file);
  if (rows.length === 0)
    throw new ProblemFileError(
      `${file}: no rows; expected JSONL with {"prompt", "completion"} or Problem rows with a "solution"`,
    );
  return rows.map((raw) => {
    if (raw.parseError !== undefined) throw new MalformedRowError(raw, raw.parseError);
    try {
      const row = asRow(raw.value!);
      if ("completion" in row) return { prompt: text(row, "prompt"), completion: text(row, "completion") };
      if (!isLinewiseRow(row))
        throw new RowError(
          `expected {"prompt", "completion"} or a Problem row (id, prompt, tests) with a solution`,
        );
      const problem = linewiseProblem(row);
      const example = problemExample(problem);
      if (!example)
        throw new RowError(
          `problem "${problem.id}" has no solution; SFT trains on prompt + reference response`,
        );
      return example;
    } catch (e) {
      if (e instanceof RowError) throw new MalformedRowError(raw, e.message);
      throw e;
    }
  });
}

/** A problem as an SFT example: its prompt, then its reference response; null without a solution. */
export function problemExample(problem: Problem): SftExample | null {
  const completion = referenceResponse(problem);
  return completion === undefined ? null : { prompt: problem.prompt, completion };
}
