/**
 * Comparing a program's outputs with expected ones, in Node (expected values never enter the sandbox).
 * Return values compare as Python's `==` would on plain data (1 == 1.0 == True, dicts ignore key
 * order, integers of any size exactly); stdout compares exactly, line-wise trimmed, or with a float
 * tolerance (DESIGN.md, "The executor").
 */
import type { Json } from "../problems/types.js";
import { numericTag } from "./exactJson.js";
import type { Comparison } from "./limits.js";

type Numeric = { int: bigint } | { float: number };

function numeric(v: Json): Numeric | undefined {
  if (typeof v === "boolean") return { int: v ? 1n : 0n };
  if (typeof v === "number") return Number.isInteger(v) ? { int: BigInt(v) } : { float: v };
  const tag = numericTag(v);
  if (tag === undefined) return undefined;
  return typeof tag === "bigint" ? { int: tag } : { float: tag };
}

function numbersEqual(a: Numeric, b: Numeric, cmp: Comparison): boolean {
  if ("int" in a && "int" in b) return a.int === b.int;
  const x = "int" in a ? Number(a.int) : a.float;
  const y = "int" in b ? Number(b.int) : b.float;
  if (cmp.mode === "float") return floatsClose(x, y, cmp);
  // Python compares an int and a float exactly: only an integral float can equal an int.
  if ("int" in a && "float" in b) return Number.isInteger(y) && BigInt(y) === a.int;
  if ("float" in a && "int" in b) return Number.isInteger(x) && BigInt(x) === b.int;
  return x === y;
}

function floatsClose(x: number, y: number, cmp: { atol?: number; rtol?: number }): boolean {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  if (x === y) return true;
  return Math.abs(x - y) <= (cmp.atol ?? 1e-6) + (cmp.rtol ?? 1e-9) * Math.abs(y);
}

/** Python-style equality of two plain values under `cmp` (`lines` means exact here). */
export function valuesEqual(actual: Json, expected: Json, cmp: Comparison = { mode: "exact" }): boolean {
  const a = numeric(actual);
  const b = numeric(expected);
  if (a || b) return a !== undefined && b !== undefined && numbersEqual(a, b, cmp);
  if (actual === null || expected === null || typeof actual !== "object" || typeof expected !== "object") {
    return actual === expected;
  }
  if (Array.isArray(actual) || Array.isArray(expected)) {
    if (!Array.isArray(actual) || !Array.isArray(expected) || actual.length !== expected.length) return false;
    return actual.every((x, i) => valuesEqual(x, expected[i]!, cmp));
  }
  const keys = Object.keys(actual);
  if (keys.length !== Object.keys(expected).length) return false;
  return keys.every((k) => Object.hasOwn(expected, k) && valuesEqual(actual[k]!, expected[k]!, cmp));
}

/** Lines trimmed of surrounding whitespace, without the trailing empty ones. */
function trimmedLines(text: string): string[] {
  const lines = text.split("\n").map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

const numberLike = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i;

function tokensClose(a: string, b: string, cmp: { atol?: number; rtol?: number }): boolean {
  if (a === b) return true;
  if (!numberLike.test(a) || !numberLike.test(b)) return false;
  const parse = (t: string) =>
    /nan/i.test(t) ? NaN : /inf/i.test(t) ? (t.startsWith("-") ? -Infinity : Infinity) : Number(t);
  return floatsClose(parse(a), parse(b), cmp);
}

/** Whether a program's stdout matches the expected output under `cmp`. */
export function outputsEqual(actual: string, expected: string, cmp: Comparison = { mode: "lines" }): boolean {
  if (cmp.mode === "exact") return actual === expected;
  const a = trimmedLines(actual);
  const b = trimmedLines(expected);
  if (a.length !== b.length) return false;
  if (cmp.mode === "lines") return a.every((line, i) => line === b[i]);
  return a.every((line, i) => {
    const x = line.split(/\s+/);
    const y = b[i]!.split(/\s+/);
    return x.length === y.length && x.every((t, j) => tokensClose(t, y[j]!, cmp));
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
