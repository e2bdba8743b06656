/** Reading a benchmark file as numbered rows: JSONL (optionally gzipped, as HumanEval ships) or a JSON array. */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { parseJsonExact } from "../../exec/exactJson.js";
import type { Json } from "../types.js";

/** One row of a problems file, or the reason it could not be parsed. */
export interface RawRow {
  /** 1-based line of a JSONL file, or 1-based element of a JSON array. */
  line: number;
  /** Where the row is, for messages: `FILE:LINE`, or `FILE element N` for a JSON array. */
  where: string;
  value?: Json;
  parseError?: string;
}

/** A user error about a whole file (missing, unreadable, empty): one line naming the file. */
export class ProblemFileError extends Error {
  override name = "ProblemFileError";
}

/** A row that does not have the shape its format needs; the loader adds the file and line. */
export class RowError extends Error {
  override name = "RowError";
}

/** A malformed row, with the file and line that a user needs to find it. */
export class MalformedRowError extends Error {
  override name = "MalformedRowError";
  constructor(
    readonly row: RawRow,
    readonly reason: string,
  ) {
    super(`${row.where}: ${reason}`);
  }
}

/** Reads `file` into rows: JSON Lines (blank lines skipped), or one top-level JSON array (e.g. sanitized-mbpp.json). */
export function readRows(file: string): RawRow[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new ProblemFileError(
      `${file}: cannot read the problems file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new ProblemFileError(`${file}: looks gzipped but does not decompress (${(e as Error).message})`);
    }
  }
  const text = bytes.toString("utf8");
  if (text.trimStart().startsWith("[")) return arrayRows(file, text);
  const rows: RawRow[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    try {
      rows.push({ line: i + 1, where: `${file}:${i + 1}`, value: parseJsonExact(raw) });
    } catch (e) {
      rows.push({
        line: i + 1,
        where: `${file}:${i + 1}`,
        parseError: `not valid JSON (${(e as Error).message})`,
      });
    }
  });
  return rows;
}

function arrayRows(file: string, text: string): RawRow[] {
  let parsed: unknown;
  try {
    parsed = parseJsonExact(text);
  } catch (e) {
    throw new ProblemFileError(
      `${file}: starts with '[' but is not a valid JSON array (${(e as Error).message})`,
    );
  }
  if (!Array.isArray(parsed)) throw new ProblemFileError(`${file}: expected a JSON array of rows`);
  return (parsed as Json[]).map((value, i) => ({ line: i + 1, where: `${file} element ${i + 1}`, value }));
}
