/**
 * MBPP, "Mostly Basic Python Problems" (Austin et al. 2021, "Program Synthesis with Large Language Models";
 * google-research/google-research `mbpp/`, CC-BY-4.0), in its two published variants:
 * - full, `mbpp.jsonl` (974 rows): `task_id` (int), `text` (the task in one sentence), `code` (the reference
 *   program, CRLF line ends), `test_list` (three assert statements), `test_setup_code` (Python run before the
 *   asserts, after the program: it may build objects of classes the program defines), `challenge_test_list`
 *   (harder asserts for 11 tasks; not in the standard evaluation, so kept in `meta.challengeTests`);
 * - sanitized, `sanitized-mbpp.json` (427 rows, hand-verified): `source_file`, `task_id`, `prompt` (a
 *   clarified task text), `code`, `test_imports` (import lines the asserts need), `test_list`.
 * The paper shows the model the task and its asserts (so it knows the function's name and signature); the
 * prompt here does the same. Ids are `mbpp/<task_id>` in both variants: the same task keeps its id.
 */
import type { Json, Problem } from "../types.js";
import { idField, lf, optionalText, text, textList, type Row } from "./fields.js";
import { RowError } from "./rows.js";

/** True when a row has the full MBPP fields. */
export function isMbppRow(row: Row): boolean {
  return ["text", "code", "test_list"].every((k) => k in row);
}

/** True when a row has the sanitized MBPP fields. */
export function isMbppSanitizedRow(row: Row): boolean {
  return ["prompt", "code", "test_list", "test_imports"].every((k) => k in row) && !("text" in row);
}

/** Converts one row of the full MBPP. */
export function mbppProblem(row: Row): Problem {
  return mbpp(row, "mbpp", text(row, "text"), optionalText(row, "test_setup_code"), {
    challengeTests: textList(row, "challenge_test_list", true),
  });
}

/** Converts one row of the sanitized MBPP. */
export function mbppSanitizedProblem(row: Row): Problem {
  const imports = textList(row, "test_imports", true);
  return mbpp(
    row,
    "mbpp-sanitized",
    text(row, "prompt"),
    imports.length ? imports.join("\n") : undefined,
    {},
  );
}

function mbpp(
  row: Row,
  source: string,
  description: string,
  setup: string | undefined,
  meta: Record<string, Json>,
): Problem {
  const code = lf(text(row, "code"));
  const asserts = textList(row, "test_list").map(lf);
  if (asserts.length === 0)
    throw new RowError("field 'test_list' is empty: a problem needs at least one test");
  const entryPoint = calledFunction(code, asserts[0]!);
  return {
    id: `mbpp/${idField(row, "task_id")}`,
    source,
    prompt: `${description.trim()}\nYour code should pass these tests:\n\n${asserts.join("\n")}\n`,
    solution: code,
    tests: { kind: "assert", ...(setup ? { setup: lf(setup) } : {}), asserts },
    meta: { ...(entryPoint ? { entryPoint } : {}), ...meta },
  };
}

/** The first function the assert calls that the program defines with `def` (MBPP has no entry_point field). */
function calledFunction(code: string, assertion: string): string | undefined {
  const defined = new Set([...code.matchAll(/^[ \t]*def[ \t]+([A-Za-z_]\w*)/gm)].map((m) => m[1]!));
  return [...assertion.matchAll(/([A-Za-z_]\w*)\s*\(/g)].map((m) => m[1]!).find((name) => defined.has(name));
}
