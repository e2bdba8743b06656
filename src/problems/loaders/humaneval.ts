/**
 * HumanEval (Chen et al. 2021, "Evaluating Large Language Models Trained on Code"; openai/human-eval,
 * `data/HumanEval.jsonl.gz`, MIT). One row per problem:
 * - `task_id`: "HumanEval/0" … "HumanEval/163";
 * - `prompt`: the code the model continues: imports, the signature and a docstring with examples;
 * - `canonical_solution`: the reference function body (it continues `prompt`);
 * - `test`: Python defining `check(candidate)`, a function of asserts (and sometimes `METADATA`);
 * - `entry_point`: the name of the function under test.
 * The original harness runs `prompt + completion + test + "check(entry_point)"`; here `test` is the assert
 * setup and the one assert is `check(entry_point)`, so `solution` is the whole program `prompt + canonical_solution`.
 */
import type { Problem } from "../types.js";
import { identifier, text, type Row } from "./fields.js";

/** True when a row has HumanEval's fields (and not EvalPlus's extra inputs). */
export function isHumanEvalRow(row: Row): boolean {
  return (
    ["task_id", "prompt", "canonical_solution", "test", "entry_point"].every((k) => k in row) &&
    !("base_input" in row)
  );
}

/** Converts one HumanEval row. */
export function humanEvalProblem(row: Row): Problem {
  const prompt = text(row, "prompt");
  const entryPoint = identifier(row, "entry_point");
  return {
    id: text(row, "task_id"),
    source: "humaneval",
    prompt,
    starter: prompt,
    solution: prompt + text(row, "canonical_solution"),
    tests: { kind: "assert", setup: text(row, "test"), asserts: [`check(${entryPoint})`] },
    meta: { entryPoint },
  };
}
