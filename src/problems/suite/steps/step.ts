/**
 * What a step of a built-in suite problem is. A problem is a chain of steps over one running value: zero or
 * more stages that each rewrite the value (filter, transform, …), then one terminal that returns the answer.
 * Every step is one line of the docstring and one block of the body, and a block reads and writes only the
 * variable of its value type (`xs`, `s`, `words`), so the code of a step never depends on its neighbours:
 * a model that has learned each step can compose a chain it has never seen (the held-out test split).
 */

/** The running value's type; each has one variable name in the generated code. */
export type ValueType = "ints" | "str" | "words";

/** The Python variable holding a value of each type (also the function's parameter name). */
export const variableOf: Record<ValueType, string> = { ints: "xs", str: "s", words: "words" };

/** The docstring's first line, naming the input. */
export const inputLine: Record<ValueType, string> = {
  ints: "Start from the list of integers xs.",
  str: "Start from the string s.",
  words: "Start from the list of words words.",
};

/** The programming construct a step exercises, recorded in `meta.kinds` for analysis; "return" hands back the value as it is. */
export type StepKind =
  | "filter"
  | "transform"
  | "branch"
  | "loop"
  | "accumulate"
  | "early_return"
  | "reorder"
  | "slice"
  | "convert"
  | "count"
  | "select"
  | "return";

/** The problem family, named after the terminal step (what the problem computes). */
export type Family = "lists" | "accumulation" | "counting" | "selection" | "search" | "strings";

/** A step parameter: a small integer or a one-character string. */
export type Param = number | string;

interface StepBase {
  /** Unique across the catalogue: `type.name`, e.g. `ints.keep_greater`. Held-out pairs are keyed by it. */
  id: string;
  kind: StepKind;
  from: ValueType;
  /** The choices for each parameter, in order; a step without parameters has none. */
  params: readonly (readonly Param[])[];
  /** The docstring line, a full English sentence. */
  describe(p: readonly Param[]): string;
  /** The body lines, without the function's 4-space indentation. */
  code(p: readonly Param[]): string[];
}

/** A step that rewrites the running value (possibly into another type). */
export interface Stage extends StepBase {
  to: ValueType;
}

/** The last step: it returns the answer. */
export interface Terminal extends StepBase {
  family: Family;
  /** The generated function's name. */
  fnName: string;
}

/** A Python literal for a parameter. */
export function py(p: Param): string {
  return typeof p === "number" ? String(p) : JSON.stringify(p);
}

/** A step without parameters. */
export function fixed(line: string, body: string[]): Pick<StepBase, "params" | "describe" | "code"> {
  return { params: [], describe: () => line, code: () => body };
}
