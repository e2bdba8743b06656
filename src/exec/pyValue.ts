/**
 * Python's `==` on the typed values that cross the sandbox boundary (exactJson.ts lists the tags), in Node,
 * so a program's own comparison never runs (DESIGN.md, "The executor"; issue 15). Numbers of every kind
 * compare exactly as Python compares them (1 == 1.0 == True == Fraction(1) == Decimal("1.0") == 1+0j,
 * Fraction(1, 10) != 0.1); a tuple is not a list, a set equals a frozenset with the same elements, an
 * OrderedDict minds its order only against another OrderedDict, a Counter against a Counter ignores zero
 * counts (Python ≥ 3.10).
 *
 * `lenient` is the rule for expected values written as JSON (APPS, LiveCodeBench, linewise's own files),
 * which cannot say "tuple": there a tuple or list compares with a list, and dict keys compare as JSON's
 * string keys, as they did before values carried their types.
 */
import type { Json } from "../problems/types.js";
import { numericTag } from "./exactJson.js";

/** A rational p/q in lowest terms (q > 0), or one of the special floats. */
type Real = { n: bigint; d: bigint } | "nan" | "inf" | "-inf";

export type PyValue =
  | { t: "none" }
  | { t: "bool"; v: boolean }
  | { t: "int"; v: bigint }
  | { t: "float"; v: number }
  | { t: "complex"; re: number; im: number }
  | { t: "fraction"; n: bigint; d: bigint }
  | { t: "decimal"; v: string }
  | { t: "str"; v: string }
  | { t: "bytes" | "bytearray"; v: string }
  | { t: "list" | "tuple" | "deque"; items: PyValue[] }
  | { t: "set" | "frozenset"; items: PyValue[] }
  | { t: "dict" | "counter" | "ordereddict" | "defaultdict"; pairs: [PyValue, PyValue][] };

export type PyType = PyValue["t"];

const sequenceTags = { $tuple: "tuple", $deque: "deque", $set: "set", $frozenset: "frozenset" } as const;
const mappingTags = {
  $dict: "dict",
  $counter: "counter",
  $ordereddict: "ordereddict",
  $defaultdict: "defaultdict",
} as const;

/** The Python value a Json (with tags) stands for; a malformed tag reads as the plain object it is. */
export function pyValue(json: Json): PyValue {
  if (json === null) return { t: "none" };
  if (typeof json === "boolean") return { t: "bool", v: json };
  if (typeof json === "number")
    return Number.isInteger(json) && !Object.is(json, -0)
      ? { t: "int", v: BigInt(json) }
      : { t: "float", v: json };
  if (typeof json === "string") return { t: "str", v: json };
  if (Array.isArray(json)) return { t: "list", items: json.map(pyValue) };
  const keys = Object.keys(json);
  if (keys.length === 1) {
    const key = keys[0]!;
    const v = json[key]!;
    const tag = tagged(key, v);
    if (tag) return tag;
  }
  return { t: "dict", pairs: keys.map((k) => [{ t: "str", v: k }, pyValue(json[k]!)]) };
}

function tagged(key: string, v: Json): PyValue | undefined {
  if (key === "$bigint" || key === "$float") {
    const n = numericTag({ [key]: v });
    if (n === undefined) return undefined;
    return typeof n === "bigint" ? { t: "int", v: n } : { t: "float", v: n };
  }
  if (key in sequenceTags && Array.isArray(v))
    return { t: sequenceTags[key as keyof typeof sequenceTags], items: v.map(pyValue) };
  if (key in mappingTags && Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2))
    return {
      t: mappingTags[key as keyof typeof mappingTags],
      pairs: (v as Json[][]).map(([k, x]) => [pyValue(k!), pyValue(x!)]),
    };
  if (key === "$numbers" && Array.isArray(v) && v.length === 2) {
    // A list of ints and floats as JSON numbers, with each item's kind ("i" or "f"): 2.0 reads back as 2
    // here, and the kind says it is a float.
    const [values, kinds] = v;
    if (Array.isArray(values) && typeof kinds === "string" && kinds.length === values.length) {
      const items = values.map((x, i) => numberOfKind(x, kinds[i]!));
      if (items.every((x) => x !== undefined)) return { t: "list", items: items as PyValue[] };
    }
  }
  if (key === "$complex" && Array.isArray(v) && v.length === 2) {
    const [re, im] = v.map((part) => {
      const x = pyValue(part);
      return x.t === "float" || x.t === "int" ? Number(x.v) : undefined;
    });
    if (re !== undefined && im !== undefined) return { t: "complex", re, im };
  }
  if ((key === "$bytes" || key === "$bytearray") && typeof v === "string" && /^([0-9a-f]{2})*$/.test(v))
    return { t: key === "$bytes" ? "bytes" : "bytearray", v };
  if (key === "$fraction" && Array.isArray(v) && v.length === 2) {
    const [n, d] = v.map(pyValue);
    if (n?.t === "int" && d?.t === "int" && d.v !== 0n) return { t: "fraction", ...lowest(n.v, d.v) };
  }
  if (key === "$decimal" && typeof v === "string") return { t: "decimal", v };
  return undefined;
}

function numberOfKind(x: Json, kind: string): PyValue | undefined {
  if (kind === "f" && typeof x === "number") return { t: "float", v: x };
  const y = pyValue(x);
  if (kind === "f" && y.t === "float") return y; // a {"$float": "nan"} tag
  if (kind === "i" && y.t === "int") return y;
  return undefined;
}

/** Python's `type(x).__name__` for messages and EvalPlus's `type(out) == type(exp)`. */
export function pyTypeName(v: PyValue): string {
  const names: Partial<Record<PyType, string>> = {
    none: "NoneType",
    counter: "Counter",
    ordereddict: "OrderedDict",
    fraction: "Fraction",
    decimal: "Decimal",
  };
  return names[v.t] ?? v.t;
}

// --- numbers ---

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

function lowest(n: bigint, d: bigint): { n: bigint; d: bigint } {
  const g = gcd(n, d) || 1n;
  const sign = d < 0n ? -1n : 1n;
  return { n: (sign * n) / g, d: (sign * d) / g };
}

/** A finite double's exact value as a rational. */
function floatReal(x: number): Real {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (Number.isInteger(x)) return { n: BigInt(x), d: 1n };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  if (exponent !== 0) mantissa |= 1n << 52n;
  const power = (exponent === 0 ? 1 : exponent) - 1075; // value = mantissa · 2^power
  const sign = x < 0 ? -1n : 1n;
  return lowest(sign * mantissa, 1n << BigInt(-power));
}

/** Decimal's string form as a rational (beyond 10^±4000 it is left out: such Decimals compare by text). */
function decimalReal(text: string): Real | undefined {
  const t = text.trim().toLowerCase();
  if (/^[+-]?s?nan\d*$/.test(t)) return "nan";
  if (/^[+-]?inf(inity)?$/.test(t)) return t.startsWith("-") ? "-inf" : "inf";
  const m = /^([+-])?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/.exec(t);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return undefined;
  const digits = BigInt((m[2] ?? "") + (m[3] ?? "") || "0") * (m[1] === "-" ? -1n : 1n);
  const exponent = Number(m[4] ?? 0) - (m[3] ?? "").length;
  if (Math.abs(exponent) > 4000) return undefined;
  return exponent >= 0
    ? { n: digits * 10n ** BigInt(exponent), d: 1n }
    : lowest(digits, 10n ** BigInt(-exponent));
}

/** A real number's exact value; undefined for what is not a real number. */
function realOf(v: PyValue): Real | undefined {
  switch (v.t) {
    case "bool":
      return { n: v.v ? 1n : 0n, d: 1n };
    case "int":
      return { n: v.v, d: 1n };
    case "float":
      return floatReal(v.v);
    case "fraction":
      return { n: v.n, d: v.d };
    case "decimal":
      return decimalReal(v.v);
    case "complex":
      return v.im === 0 ? floatReal(v.re) : undefined;
    default:
      return undefined;
  }
}

const numberTypes = new Set<PyType>(["bool", "int", "float", "complex", "fraction", "decimal"]);

/** True for the kinds of numbers Python compares with one another. */
export function isNumber(v: PyValue): boolean {
  return numberTypes.has(v.t);
}

function realsEqual(a: Real, b: Real): boolean {
  if (a === "nan" || b === "nan") return false;
  if (typeof a === "string" || typeof b === "string") return a === b;
  return a.n * b.d === b.n * a.d;
}

function numbersEqual(a: PyValue, b: PyValue): boolean {
  if (a.t === "complex" && b.t === "complex") return a.re === b.re && a.im === b.im;
  if (
    a.t === "decimal" &&
    b.t === "decimal" &&
    (decimalReal(a.v) === undefined || decimalReal(b.v) === undefined)
  )
    return a.v === b.v;
  const x = realOf(a);
  const y = realOf(b);
  return x !== undefined && y !== undefined && realsEqual(x, y);
}

/** The value as a JS number (floats, ints, bools, fractions, decimals), for tolerances. */
export function toNumber(v: PyValue): number | undefined {
  switch (v.t) {
    case "bool":
      return v.v ? 1 : 0;
    case "int":
      return Number(v.v);
    case "float":
      return v.v;
    case "fraction":
      return Number(v.n) / Number(v.d);
    case "decimal":
      return Number(v.v);
    default:
      return undefined;
  }
}

// --- equality ---

export interface EqualOptions {
  /** JSON-written expected values: tuple ≡ list, dict keys as strings (see the file comment). */
  lenient?: boolean;
  /** Numbers where a float takes part are equal within atol + rtol·|expected| (NaN equals NaN). */
  tolerance?: { atol?: number; rtol?: number };
}

function withinTolerance(a: PyValue, b: PyValue, tol: { atol?: number; rtol?: number }): boolean | undefined {
  if (a.t !== "float" && b.t !== "float") return undefined;
  const x = toNumber(a);
  const y = toNumber(b);
  if (x === undefined || y === undefined) return undefined;
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  if (x === y) return true;
  return Math.abs(x - y) <= (tol.atol ?? 1e-6) + (tol.rtol ?? 1e-9) * Math.abs(y);
}

const sequences = new Set<PyType>(["list", "tuple", "deque"]);
const sets = new Set<PyType>(["set", "frozenset"]);
const mappings = new Set<PyType>(["dict", "counter", "ordereddict", "defaultdict"]);

/** Python's `actual == expected`. */
export function pyEqual(a: PyValue, b: PyValue, options: EqualOptions = {}): boolean {
  if (isNumber(a) || isNumber(b)) {
    if (!isNumber(a) || !isNumber(b)) return false;
    if (options.tolerance) {
      const close = withinTolerance(a, b, options.tolerance);
      if (close !== undefined) return close;
    }
    return numbersEqual(a, b);
  }
  if (sequences.has(a.t) && sequences.has(b.t)) {
    const same = a.t === b.t || (options.lenient && a.t !== "deque" && b.t !== "deque");
    const x = (a as { items: PyValue[] }).items;
    const y = (b as { items: PyValue[] }).items;
    return !!same && x.length === y.length && x.every((item, i) => pyEqual(item, y[i]!, options));
  }
  if (sets.has(a.t) && sets.has(b.t))
    return setsEqual((a as { items: PyValue[] }).items, (b as { items: PyValue[] }).items);
  if (mappings.has(a.t) && mappings.has(b.t)) return mappingsEqual(a as Mapping, b as Mapping, options);
  switch (a.t) {
    case "none":
      return b.t === "none";
    case "str":
      return b.t === "str" && a.v === b.v;
    case "bytes":
    case "bytearray":
      return (b.t === "bytes" || b.t === "bytearray") && a.v === b.v;
    default:
      return false;
  }
}

type Mapping = Extract<PyValue, { pairs: unknown }>;

function mappingsEqual(a: Mapping, b: Mapping, options: EqualOptions): boolean {
  const keyOf = (k: PyValue) => (options.lenient ? jsonKey(k) : hashKey(k));
  const index = (m: Mapping) => {
    const out = new Map<string | undefined, PyValue>();
    for (const [k, v] of m.pairs) out.set(keyOf(k), v);
    return out;
  };
  const x = index(a);
  const y = index(b);
  if (x.has(undefined) || y.has(undefined)) return false; // an unhashable key: not a real dict
  if (a.t === "counter" && b.t === "counter") {
    // Counter.__eq__ (3.10+): missing elements count as zero.
    const zero: PyValue = { t: "int", v: 0n };
    for (const key of new Set([...x.keys(), ...y.keys()]))
      if (!pyEqual(x.get(key) ?? zero, y.get(key) ?? zero, options)) return false;
    return true;
  }
  if (x.size !== y.size) return false;
  for (const [key, v] of x) {
    const w = y.get(key);
    if (w === undefined || !pyEqual(v, w, options)) return false;
  }
  if (a.t === "ordereddict" && b.t === "ordereddict")
    return a.pairs.every(([k], i) => keyOf(k) === keyOf(b.pairs[i]![0]));
  return true;
}

function setsEqual(x: PyValue[], y: PyValue[]): boolean {
  if (x.length !== y.length) return false;
  const keys = new Set<string | undefined>(x.map(hashKey));
  if (keys.has(undefined) || keys.size !== x.length) return false;
  return y.every((v) => {
    const k = hashKey(v);
    return k !== undefined && keys.has(k);
  });
}

function jsonKey(k: PyValue): string | undefined {
  if (k.t === "str") return hashKey(k);
  if (k.t === "int" || k.t === "bool" || k.t === "float" || k.t === "none")
    return hashKey({ t: "str", v: k.t === "none" ? "null" : k.t === "bool" ? String(k.v) : String(k.v) });
  return hashKey(k);
}

let nanCount = 0;

/**
 * A string that two hashable values share exactly when Python finds them equal (its hash and `==`
 * together), or undefined for an unhashable value. NaN equals nothing, so each gets its own key.
 */
export function hashKey(v: PyValue): string | undefined {
  if (isNumber(v)) {
    if (v.t === "complex" && v.im !== 0)
      return `c:${hashKey({ t: "float", v: v.re })},${hashKey({ t: "float", v: v.im })}`;
    const r = v.t === "decimal" ? decimalReal(v.v) : realOf(v);
    if (r === undefined) return `d:${(v as { v: string }).v}`;
    if (r === "nan") return `nan:${nanCount++}`;
    return typeof r === "string" ? r : `n:${r.n}/${r.d}`;
  }
  switch (v.t) {
    case "none":
      return "none";
    case "str":
      return `s:${JSON.stringify(v.v)}`;
    case "bytes":
    case "bytearray":
      return v.t === "bytes" ? `b:${v.v}` : undefined;
    case "tuple": {
      const keys = v.items.map(hashKey);
      return keys.includes(undefined) ? undefined : `t:(${keys.join(",")})`;
    }
    case "frozenset": {
      const keys = v.items.map(hashKey);
      return keys.includes(undefined) ? undefined : `f:{${keys.sort().join(",")}}`;
    }
    default:
      return undefined;
  }
}

/** A token read as Python's `Decimal(token)` reads it, or undefined where Decimal raises. */
export function decimalValue(token: string): PyValue | undefined {
  const t = token.replace(/_/g, "");
  if (token.startsWith("_") || token.endsWith("_") || token.includes("__")) return undefined;
  return decimalReal(t) === undefined ? undefined : { t: "decimal", v: t };
}
