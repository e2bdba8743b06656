/** Typed access to the fields of a raw benchmark row; a missing or ill-typed field is a RowError naming it. */
import { parseJsonExact } from "../../exec/exactJson.js";
import type { Json } from "../types.js";
import { RowError } from "./rows.js";

/** A JSON object row. */
export type Row = { [k: string]: Json };

/** The row as an object, or a RowError when it is an array, a string, … */
export function asRow(value: Json): Row {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new RowError(`expected a JSON object, got ${describe(value)}`);
  return value;
}

/** A required string field. */
export function text(row: Row, key: string): string {
  const v = row[key];
  if (typeof v !== "string") throw new RowError(`field '${key}' must be a string, got ${describe(v)}`);
  return v;
}

/** An optional string field: absent, null and "" all read as undefined. */
export function optionalText(row: Row, key: string): string | undefined {
  const v = row[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw new RowError(`field '${key}' must be a string, got ${describe(v)}`);
  return v;
}

/** A required list-of-strings field (an absent optional list reads as [] when `optional`). */
export function textList(row: Row, key: string, optional = false): string[] {
  const v = row[key];
  if (optional && (v === undefined || v === null)) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string"))
    throw new RowError(`field '${key}' must be a list of strings, got ${describe(v)}`);
  return v as string[];
}

/** An id field that datasets store as a number or a string (MBPP's task_id, APPS's problem_id). */
export function idField(row: Row, key: string): string {
  const v = row[key];
  if (typeof v === "number" && Number.isInteger(v)) return String(v);
  if (typeof v === "string" && v !== "") return v;
  throw new RowError(`field '${key}' must be an id (integer or non-empty string), got ${describe(v)}`);
}

/**
 * A field that holds JSON, either encoded as a string (how APPS and LiveCodeBench ship `input_output`,
 * `metadata`, `public_test_cases`) or already decoded (how a datasets export may write it).
 */
export function jsonField(row: Row, key: string): Json {
  const v = row[key];
  if (v === undefined) throw new RowError(`field '${key}' is missing`);
  if (typeof v !== "string") return v;
  try {
    return parseJsonExact(v);
  } catch (e) {
    throw new RowError(`field '${key}' is not valid JSON (${(e as Error).message})`);
  }
}

/** A short description of a value's type for messages. */
export function describe(v: Json | undefined): string {
  if (v === undefined) return "nothing (missing)";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/** Python sources in MBPP use CRLF line ends; programs are stored with LF so line-level labels see one convention. */
export function lf(source: string): string {
  return source.replace(/\r\n?/g, "\n");
}

/** A required field naming a Python function: it is spliced into test code, so it must be an identifier. */
export function identifier(row: Row, key: string): string {
  const v = text(row, key);
  if (!IDENTIFIER.test(v))
    throw new RowError(`field '${key}' must be a Python identifier, got '${v.slice(0, 40)}'`);
  return v;
}

/** True for an ASCII Python identifier (the function names benchmarks use). */
export function isIdentifier(v: Json | undefined): v is string {
  return typeof v === "string" && IDENTIFIER.test(v);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
