/**
 * LiveCodeBench code generation (Jain et al. 2024, "LiveCodeBench: Holistic and Contamination Free Evaluation
 * of Large Language Models for Code"; Hugging Face `livecodebench/code_generation_lite`, one JSONL file per
 * release). One row per contest problem from LeetCode, AtCoder or Codeforces:
 * - `question_id`, `question_title`, `question_content` (the statement), `platform`, `contest_id`,
 *   `contest_date`, `difficulty` ("easy" | "medium" | "hard");
 * - `starter_code`: for LeetCode, the `class Solution:` stub with the method's signature; else "";
 * - `public_test_cases`: a JSON string, a list of `{input, output, testtype}` with testtype "stdin" or
 *   "functional";
 * - `private_test_cases`: the same list, either as plain JSON or, in the released files, as
 *   base64 → zlib → pickle of the JSON string (decoded by ./pickle.ts in TypeScript, never by `pickle.loads`);
 * - `metadata`: a JSON string; for functional problems `{"func_name": "..."}`.
 * Functional tests call a method of LeetCode's `class Solution`: each input line is one JSON-encoded argument
 * and the output is JSON. Stdin tests are raw text. There is no reference solution in the dataset.
 */
import { inflateSync } from "node:zlib";
import { parseJsonExact } from "../../exec/exactJson.js";
import type { Json, Problem, Tests } from "../types.js";
import { asRow, describe, idField, isIdentifier, jsonField, optionalText, text, type Row } from "./fields.js";
import { unpickleString } from "./pickle.js";
import { RowError } from "./rows.js";

interface TestCase {
  input: string;
  output: string;
  testtype: "stdin" | "functional";
}

/** True when a row has LiveCodeBench's test-case fields. */
export function isLiveCodeBenchRow(row: Row): boolean {
  return "public_test_cases" in row && "question_content" in row;
}

/** Converts one LiveCodeBench row; public tests come first, `meta.publicTests` says how many. */
export function liveCodeBenchProblem(row: Row): Problem {
  const publicCases = testCases(jsonField(row, "public_test_cases"), "public_test_cases");
  const privateCases =
    "private_test_cases" in row ? testCases(privateTestCases(row), "private_test_cases") : [];
  const cases = [...publicCases, ...privateCases];
  if (cases.length === 0) throw new RowError("no test cases in 'public_test_cases' or 'private_test_cases'");
  const kinds = new Set(cases.map((c) => c.testtype));
  if (kinds.size > 1) throw new RowError("mixes 'stdin' and 'functional' test cases");
  const metadata = "metadata" in row ? jsonField(row, "metadata") : {};
  const starter = optionalText(row, "starter_code");
  const platform = optionalText(row, "platform");
  const difficulty = optionalText(row, "difficulty");
  return {
    id: `livecodebench/${idField(row, "question_id")}`,
    source: "livecodebench",
    prompt: text(row, "question_content"),
    tests: kinds.has("functional")
      ? functionalTests(cases, metadata)
      : { kind: "stdio", cases: cases.map(({ input, output }) => ({ input, output })) },
    ...(starter ? { starter } : {}),
    ...(difficulty ? { difficulty } : {}),
    meta: {
      title: text(row, "question_title"),
      publicTests: publicCases.length,
      // lcb_runner's stdout rule (compare.ts, "lcb"); functional tests compare as Python's == on JSON.
      ...(kinds.has("functional") ? {} : { compare: { mode: "lcb" } }),
      ...(platform ? { platform } : {}),
      ...(optionalText(row, "contest_date") ? { contestDate: text(row, "contest_date") } : {}),
    },
  };
}

/** Plain JSON, or the released encoding base64 → zlib → pickle → JSON (LiveCodeBench's `lcb_runner` decodes both). */
function privateTestCases(row: Row): Json {
  const v = row["private_test_cases"];
  if (typeof v !== "string") return jsonField(row, "private_test_cases");
  try {
    return parseJsonExact(v);
  } catch {
    // Not JSON: the compressed form.
  }
  let json: string;
  try {
    json = unpickleString(inflateSync(Buffer.from(v, "base64")));
  } catch (e) {
    throw new RowError(
      `field 'private_test_cases' is neither JSON nor base64/zlib/pickle (${(e as Error).message})`,
    );
  }
  try {
    return parseJsonExact(json);
  } catch (e) {
    throw new RowError(
      `field 'private_test_cases' decodes to text that is not JSON (${(e as Error).message})`,
    );
  }
}

function testCases(list: Json, field: string): TestCase[] {
  if (!Array.isArray(list))
    throw new RowError(`field '${field}' must be a list of test cases, got ${describe(list)}`);
  return list.map((item, i) => {
    const c = asRow(item);
    const { input, output, testtype } = c;
    if (
      typeof input !== "string" ||
      typeof output !== "string" ||
      (testtype !== "stdin" && testtype !== "functional")
    )
      throw new RowError(
        `${field}[${i}] must be {input: string, output: string, testtype: "stdin"|"functional"}`,
      );
    return { input, output, testtype };
  });
}

/** LeetCode tests: one JSON argument per input line, a JSON output, the method named by `metadata.func_name`. */
function functionalTests(cases: TestCase[], metadata: Json): Tests {
  const fnName =
    metadata !== null && typeof metadata === "object" && !Array.isArray(metadata)
      ? metadata["func_name"]
      : undefined;
  if (!isIdentifier(fnName))
    throw new RowError("functional tests need 'metadata.func_name', a Python identifier");
  return {
    kind: "call",
    fnName,
    cases: cases.map((c, i) => {
      try {
        const lines = c.input.split("\n").filter((line) => line.trim() !== "");
        return {
          args: lines.map((line) => parseJsonExact(line)),
          expected: parseJsonExact(c.output),
        };
      } catch (e) {
        throw new RowError(`functional test ${i} is not one JSON value per line (${(e as Error).message})`);
      }
    }),
  };
}
