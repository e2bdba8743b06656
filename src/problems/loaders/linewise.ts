/**
 * linewise's own problems format (DESIGN.md, "Formats"): JSONL, one `Problem` (src/problems/types.ts) a line,
 * as the other loaders produce and the built-in suite writes. Reading checks the shape strictly, so a typo
 * in a hand-written file is a one-line error rather than a confusing verdict later.
 * By convention `meta.compare`, when present, is the comparison the benchmark's tests need (the executor's
 * `Comparison`, src/exec/limits.ts, e.g. EvalPlus's float tolerance); runners pass it to the executor.
 */
import type { Json, Problem, Tests } from "../types.js";
import { asRow, describe, isIdentifier, optionalText, text, textList, type Row } from "./fields.js";
import { RowError } from "./rows.js";

/** True when a row looks like a `Problem`. */
export function isLinewiseRow(row: Row): boolean {
  return "id" in row && "tests" in row && "prompt" in row;
}

/** Checks one row against the `Problem` type and returns it. */
export function linewiseProblem(row: Row): Problem {
  const problem: Problem = {
    id: text(row, "id"),
    source: text(row, "source"),
    prompt: text(row, "prompt"),
    tests: tests(asRow(row["tests"] ?? null)),
  };
  for (const key of ["solution", "starter", "difficulty"] as const) {
    if (key in row && row[key] !== null) problem[key] = text(row, key);
  }
  if ("meta" in row && row["meta"] !== null) problem.meta = asRow(row["meta"]!);
  if (problem.meta?.["compare"] !== undefined) checkComparison(problem.meta["compare"]);
  return problem;
}

const oracles = ["set", "notNone", "any", "zero", "surfaceArea", "digitDistance", "polyRoot"];

function checkComparison(c: Json): void {
  const tolerance = (v: Json | undefined) => v === undefined || (typeof v === "number" && v >= 0);
  const only = (o: { [k: string]: Json }) => Object.keys(o).length === 1;
  const ok =
    c !== null &&
    typeof c === "object" &&
    !Array.isArray(c) &&
    ((["exact", "lines", "apps", "lcb"].includes(c["mode"] as string) && only(c)) ||
      (c["mode"] === "float" && tolerance(c["atol"]) && tolerance(c["rtol"])) ||
      (c["mode"] === "evalplus" &&
        Array.isArray(c["atols"]) &&
        c["atols"].every((a) => typeof a === "number" && a >= 0) &&
        (c["oracle"] === undefined || oracles.includes(c["oracle"] as string))));
  if (!ok)
    throw new RowError(
      'meta.compare must be {mode: "exact" | "lines" | "apps" | "lcb"}, {mode: "float", atol?, rtol?} or {mode: "evalplus", atols, oracle?}',
    );
}

function tests(t: Row): Tests {
  switch (t["kind"]) {
    case "stdio":
      return {
        kind: "stdio",
        cases: cases(t).map((c) => ({ input: text(c, "input"), output: text(c, "output") })),
      };
    case "call": {
      if (!isIdentifier(t["fnName"])) throw new RowError("tests.fnName must be a Python identifier");
      const fnName = t["fnName"];
      return {
        kind: "call",
        fnName,
        cases: cases(t).map((c, i) => {
          if (!Array.isArray(c["args"]))
            throw new RowError(`tests.cases[${i}].args must be a list, got ${describe(c["args"])}`);
          if (!("expected" in c)) throw new RowError(`tests.cases[${i}].expected is missing`);
          return { args: c["args"], expected: c["expected"]! };
        }),
      };
    }
    case "assert": {
      const asserts = textList(t, "asserts");
      if (asserts.length === 0)
        throw new RowError("tests.asserts is empty: a problem needs at least one test");
      const setup = optionalText(t, "setup");
      return { kind: "assert", ...(setup ? { setup } : {}), asserts };
    }
    default:
      throw new RowError(`tests.kind must be "stdio", "call" or "assert", got ${describe(t["kind"])}`);
  }
}

function cases(t: Row): Row[] {
  const list: Json | undefined = t["cases"];
  if (!Array.isArray(list) || list.length === 0) throw new RowError("tests.cases must be a non-empty list");
  return list.map(asRow);
}
