/**
 * APPS, "Automated Programming Progress Standard" (Hendrycks et al. 2021, "Measuring Coding Challenge
 * Competence With APPS"; hendrycks/apps, Hugging Face `codeparrot/apps`, MIT). One row per problem:
 * - `problem_id` (int), `question` (the statement), `difficulty` ("introductory" | "interview" | "competition"),
 *   `url`, `starter_code` (a signature for call-based problems, else "");
 * - `solutions`: a JSON string, a list of Python reference programs (may be ""; crowd-sourced, and not
 *   every one passes its problem's tests, so `linewise exec` on APPS shows some failures);
 * - `input_output`: a JSON string `{inputs, outputs, fn_name?}`. Without `fn_name` the problem reads standard
 *   input: `inputs[i]` and `outputs[i]` are text (a list of lines in a few rows, joined here with "\n").
 *   With `fn_name` it is call-based: `inputs[i]` is the argument list of one call and `outputs[i]` the return
 *   value, which the APPS data nearly always wraps in a one-element list; the APPS harness accepts the
 *   return value equal to `outputs[i]` or to `outputs[i][0]`. A `call` test has one expected value, so the
 *   wrapping is removed when every output of the problem is a one-element list (the wrapping convention);
 *   otherwise outputs are kept as they are.
 * Call-based problems from LeetCode define the function as a method of `class Solution`. The rules of
 * APPS's own harness that linewise follows, and those it does not, are listed in the README ("APPS and
 * LiveCodeBench").
 */
import type { Json, Problem, Tests } from "../types.js";
import { asRow, idField, isIdentifier, jsonField, optionalText, text, type Row } from "./fields.js";
import { RowError } from "./rows.js";

/** True when a row has APPS's `input_output` field. */
export function isAppsRow(row: Row): boolean {
  return "input_output" in row && "question" in row;
}

/** Converts one APPS row; the first of `solutions`, when there is one, becomes the reference solution. */
export function appsProblem(row: Row): Problem {
  if (row["input_output"] === "")
    throw new RowError("field 'input_output' is empty: this APPS problem has no tests");
  const io = asRow(jsonField(row, "input_output"));
  const { inputs, outputs, fn_name: fnName } = io;
  if (
    !Array.isArray(inputs) ||
    !Array.isArray(outputs) ||
    inputs.length !== outputs.length ||
    inputs.length === 0
  )
    throw new RowError("'input_output' needs lists 'inputs' and 'outputs' of the same, non-zero length");
  const solutions =
    row["solutions"] === "" || row["solutions"] === undefined ? [] : jsonField(row, "solutions");
  if (!Array.isArray(solutions) || solutions.some((s) => typeof s !== "string"))
    throw new RowError("field 'solutions' must be a JSON list of programs");
  const starter = optionalText(row, "starter_code");
  const difficulty = optionalText(row, "difficulty");
  const url = optionalText(row, "url");
  const stdio = fnName === undefined || fnName === null;
  // APPS's stdout rules (compare.ts, "apps"); call tests compare as Python's == on JSON values.
  const meta = { ...(url ? { url } : {}), ...(stdio ? { compare: { mode: "apps" } } : {}) };
  return {
    id: `apps/${idField(row, "problem_id")}`,
    source: "apps",
    prompt: text(row, "question"),
    tests: stdio ? stdioTests(inputs, outputs) : callTests(fnName, inputs, outputs),
    ...(solutions.length ? { solution: solutions[0] as string } : {}),
    ...(starter ? { starter } : {}),
    ...(difficulty ? { difficulty } : {}),
    ...(Object.keys(meta).length ? { meta } : {}),
  };
}

function stdioTests(inputs: Json[], outputs: Json[]): Tests {
  const asText = (v: Json, what: string, i: number): string => {
    if (typeof v === "string") return v;
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v.join("\n");
    throw new RowError(`standard-input ${what}[${i}] must be text or a list of lines`);
  };
  return {
    kind: "stdio",
    cases: inputs.map((input, i) => ({
      input: asText(input, "inputs", i),
      output: asText(outputs[i]!, "outputs", i),
    })),
  };
}

function callTests(fnName: Json, inputs: Json[], outputs: Json[]): Tests {
  if (!isIdentifier(fnName)) throw new RowError("'input_output.fn_name' must be a Python identifier");
  const wrapped = outputs.every((o) => Array.isArray(o) && o.length === 1);
  return {
    kind: "call",
    fnName,
    cases: inputs.map((args, i) => {
      if (!Array.isArray(args)) throw new RowError(`call-based inputs[${i}] must be a list of arguments`);
      return { args: intKeys(args), expected: wrapped ? (outputs[i] as Json[])[0]! : outputs[i]! };
    }),
  };
}

/**
 * APPS's harness undoes JSON's string keys when the first argument is a dict: the call then gets that dict
 * alone, with `int(k)` keys (testing_util.py, "JSON forces dictionaries to have string keys"); where a key
 * is not an integer, `int(k)` raises and the arguments stay as they are.
 */
function intKeys(args: Json[]): Json[] {
  const first = args[0];
  if (first === null || typeof first !== "object" || Array.isArray(first)) return args;
  const keys = Object.keys(first);
  if (!keys.every((k) => /^\s*[+-]?\d+\s*$/.test(k))) return args;
  return [{ $dict: keys.map((k) => [intOf(k), first[k]!]) }];
}

function intOf(key: string): Json {
  const n = BigInt(key.trim());
  return Number.isSafeInteger(Number(n)) ? Number(n) : { $bigint: n.toString() };
}
