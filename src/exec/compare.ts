/**
 * Comparing a program's outputs with expected ones, in Node (expected values never enter the sandbox).
 * Return values compare as Python's `==` would (pyValue.ts: 1 == 1.0 == True, dicts ignore key order,
 * integers of any size exactly, every typed value by its type); stdout compares exactly, line-wise trimmed, or with a float
 * tolerance (DESIGN.md, "The executor").
 */
import type { Json } from "../problems/types.js";
import type { Comparison } from "./limits.js";
import { decimalValue, pyEqual, pyValue } from "./pyValue.js";

/**
 * Python-style equality of two values under `cmp` (`lines` means exact here). Expected values written as
 * JSON compare leniently (a tuple equals a list, see pyValue.ts); EvalPlus's mode is judged in evalplus.ts.
 */
export function valuesEqual(actual: Json, expected: Json, cmp: Comparison = { mode: "exact" }): boolean {
  return pyEqual(pyValue(actual), pyValue(expected), {
    lenient: true,
    ...(cmp.mode === "float" ? { tolerance: cmp } : {}),
  });
}

function floatsClose(x: number, y: number, cmp: { atol?: number; rtol?: number }): boolean {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  if (x === y) return true;
  return Math.abs(x - y) <= (cmp.atol ?? 1e-6) + (cmp.rtol ?? 1e-9) * Math.abs(y);
}

/** Lines trimmed of surrounding whitespace, without the trailing empty ones. */
function trimmedLines(text: string): string[] {
  const lines = text.split("\n").map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

const numberLike = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i;

function parseNumber(t: string): number {
  return /nan/i.test(t) ? NaN : /inf/i.test(t) ? (t.startsWith("-") ? -Infinity : Infinity) : Number(t);
}

function tokensClose(a: string, b: string, cmp: { atol?: number; rtol?: number }): boolean {
  if (a === b) return true;
  if (!numberLike.test(a) || !numberLike.test(b)) return false;
  return floatsClose(parseNumber(a), parseNumber(b), cmp);
}

/** Whether a program's stdout matches the expected output under `cmp`. */
export function outputsEqual(actual: string, expected: string, cmp: Comparison = { mode: "lines" }): boolean {
  if (cmp.mode === "exact") return actual === expected;
  if (cmp.mode === "apps") return appsEqual(actual, expected);
  if (cmp.mode === "lcb") return lcbEqual(actual, expected);
  const a = trimmedLines(actual);
  const b = trimmedLines(expected);
  if (a.length !== b.length) return false;
  if (cmp.mode !== "float") return a.every((line, i) => line === b[i]);
  const tolerance = cmp;
  return a.every((line, i) => {
    const x = line.split(/\s+/);
    const y = b[i]!.split(/\s+/);
    return x.length === y.length && x.every((t, j) => tokensClose(t, y[j]!, tolerance));
  });
}

/** The first line where two outputs differ under `cmp`, for a verdict's detail. */
export function firstDifference(actual: string, expected: string): string {
  const a = trimmedLines(actual);
  const b = trimmedLines(expected);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      return `line ${i + 1}: expected ${JSON.stringify(b[i] ?? "<end>")}, got ${JSON.stringify(a[i] ?? "<end>")}`;
    }
  }
  return "outputs differ in whitespace";
}

/**
 * APPS (hendrycks/apps eval/testing_util.py, standard input): the outputs match when, with every line
 * trimmed and blank lines dropped, the lines are equal; or when every line holds one number and
 * `np.allclose` (rtol 1e-5, atol 1e-8) holds line by line. Its last-resort checks, which compare sets of
 * tokens against sets of characters, are not followed (README, "APPS and LiveCodeBench").
 */
function appsEqual(actual: string, expected: string): boolean {
  const lines = (text: string) =>
    text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "");
  const a = lines(actual);
  const b = lines(expected);
  if (a.length === b.length && a.every((line, i) => line === b[i])) return true;
  const number = (t: string) => (numberLike.test(t) ? parseNumber(t) : undefined);
  const x = a.map(number);
  const y = b.map(number);
  if (a.length !== b.length || x.includes(undefined) || y.includes(undefined)) return false;
  return x.every((v, i) => {
    const w = y[i]!;
    if (Number.isNaN(v!) || Number.isNaN(w)) return false;
    if (!Number.isFinite(v!) || !Number.isFinite(w)) return v === w;
    return Math.abs(v! - w) <= 1e-8 + 1e-5 * Math.abs(w);
  });
}

/**
 * LiveCodeBench (lcb_runner/evaluation/testing_util.py, `grade_stdio`): the whole output stripped, split
 * into lines, each stripped; the same number of lines; each line equal, or its whitespace-separated tokens
 * all decimal numbers equal by value (`Decimal`), so "1.50" matches "1.5" but 0.333 does not match 0.3333.
 */
function lcbEqual(actual: string, expected: string): boolean {
  const lines = (text: string) =>
    text
      .trim()
      .split("\n")
      .map((l) => l.trim());
  const a = lines(actual);
  const b = lines(expected);
  if (a.length !== b.length) return false;
  return a.every((line, i) => {
    if (line === b[i]) return true;
    const x = line.split(/\s+/);
    const y = b[i]!.split(/\s+/);
    if (x.length !== y.length) return false;
    return x.every((t, j) => {
      const u = decimalValue(t);
      const v = decimalValue(y[j]!);
      return u !== undefined && v !== undefined && pyEqual(u, v);
    });
  });
}
