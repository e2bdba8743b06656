/**
 * JSON for values JavaScript numbers cannot hold exactly. Python ints have any size and Python's json
 * writes NaN/Infinity; linewise keeps them as tagged objects inside `Json`:
 *   {"$bigint": "123456789012345678901"}   an integer beyond ±(2^53 − 1)
 *   {"$bigint": "0x1d6329f1c35ca4bfabb…"} one of over 10 000 digits, which the sandbox writes in hex
 *                                          (values.py: decimal would take quadratic time)
 *   {"$float": "nan" | "inf" | "-inf"}      a non-finite float (also accepted: any float literal)
 *   {"$numbers": [[1, 2.0, NaN], "iff"]}   a list of ints and floats, each item's kind in the string
 *                                          (values.py writes these without a Python loop)
 * and, for arguments sent to Python only, {"$tuple": [...]} and {"$set": [...]}. An expected value too
 * large to send back (a capture's `digestOver`) is recorded as {"$sha256": [HEX, BYTES]}: the SHA-256 of
 * its canonical encoding and that encoding's size (values.py `digest`); see `digestTag`.
 * Loaders should read expected values with `parseJsonExact` so that big integers compare exactly.
 */
import type { Json } from "../problems/types.js";

export type BigIntTag = { $bigint: string };
export type FloatTag = { $float: string };

/** The tag's value when `value` is a {"$bigint"} or {"$float"} object, else undefined. */
export function numericTag(value: Json): bigint | number | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const v = value[keys[0]!];
  if (typeof v !== "string") return undefined;
  if (keys[0] === "$bigint" && /^-?\d+$/.test(v)) return BigInt(v);
  if (keys[0] === "$bigint" && /^-?0x[0-9a-f]+$/.test(v))
    return v.startsWith("-") ? -BigInt(v.slice(1)) : BigInt(v);
  if (keys[0] === "$float") {
    const f = v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v);
    return Number.isNaN(f) && v !== "nan" ? undefined : f;
  }
  return undefined;
}

/** A JS number as Json, tagged when JSON cannot carry it. */
function tagNumber(n: number): Json {
  if (Number.isNaN(n)) return { $float: "nan" };
  if (!Number.isFinite(n)) return { $float: n > 0 ? "inf" : "-inf" };
  return n;
}

/** A JSON.stringify replacer that tags non-finite numbers instead of turning them into null. */
export function exactReplacer(_key: string, value: unknown): unknown {
  return typeof value === "number" ? tagNumber(value) : value;
}

/** JSON.stringify, with non-finite numbers tagged. */
export function stringifyExact(value: Json): string {
  return JSON.stringify(value, exactReplacer);
}

const needsCare = /\d{16}|NaN|Infinity/;

/** JSON.parse, plus NaN/Infinity literals and integers beyond 2^53 kept exactly as tags. */
export function parseJsonExact(text: string): Json {
  if (!needsCare.test(text)) return JSON.parse(text) as Json;
  return new ExactParser(text).parseDocument();
}

class ExactParser {
  private at = 0;
  constructor(private readonly text: string) {}

  parseDocument(): Json {
    const value = this.value();
    this.space();
    if (this.at !== this.text.length) this.fail("unexpected text after the value");
    return value;
  }

  private fail(what: string): never {
    throw new SyntaxError(`JSON: ${what} at position ${this.at}`);
  }

  private space(): void {
    while (this.at < this.text.length && " \t\n\r".includes(this.text[this.at]!)) this.at++;
  }

  private value(): Json {
    this.space();
    const c = this.text[this.at];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    for (const [word, v] of literals) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return v;
      }
    }
    return this.number();
  }

  private object(): Json {
    const out: { [k: string]: Json } = {};
    this.at++;
    this.space();
    if (this.text[this.at] === "}") {
      this.at++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') this.fail("expected a key");
      const key = this.string();
      this.space();
      if (this.text[this.at++] !== ":") this.fail("expected ':'");
      out[key] = this.value();
      this.space();
      const c = this.text[this.at++];
      if (c === "}") return out;
      if (c !== ",") this.fail("expected ',' or '}'");
    }
  }

  private array(): Json {
    const out: Json[] = [];
    this.at++;
    this.space();
    if (this.text[this.at] === "]") {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.space();
      const c = this.text[this.at++];
      if (c === "]") return out;
      if (c !== ",") this.fail("expected ',' or ']'");
    }
  }

  private string(): string {
    const start = this.at;
    this.at++;
    while (this.at < this.text.length) {
      const c = this.text[this.at];
      if (c === "\\") this.at += 2;
      else if (c === '"') {
        this.at++;
        return JSON.parse(this.text.slice(start, this.at)) as string;
      } else this.at++;
    }
    return this.fail("unterminated string");
  }

  private number(): Json {
    numberToken.lastIndex = this.at;
    const match = numberToken.exec(this.text);
    if (!match) this.fail("unexpected character");
    const token = match[0];
    this.at += token.length;
    const n = Number(token);
    if (match[1] === undefined && match[2] === undefined && !Number.isSafeInteger(n)) {
      return { $bigint: BigInt(token).toString() };
    }
    return n;
  }
}

const numberToken = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

const literals: [string, Json][] = [
  ["true", true],
  ["false", false],
  ["null", null],
  ["NaN", { $float: "nan" }],
  ["Infinity", { $float: "inf" }],
  ["-Infinity", { $float: "-inf" }],
];

/** What values.py's `digest` reports of a value: its canonical encoding's SHA-256 and size. */
export interface Digest {
  sha256: string;
  bytes: number;
}

/** The digest an expected value {"$sha256": [HEX, BYTES]} stands for, else undefined. */
export function digestTag(value: Json): Digest | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const v = value["$sha256"];
  if (keys.length !== 1 || !Array.isArray(v) || v.length !== 2) return undefined;
  const [sha256, bytes] = v;
  if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256)) return undefined;
  if (typeof bytes !== "number" || !Number.isSafeInteger(bytes) || bytes < 0) return undefined;
  return { sha256, bytes };
}

/** The expected-value form of a digest (see `digestTag`). */
export function digestValue(d: Digest): Json {
  return { $sha256: [d.sha256, d.bytes] };
}
