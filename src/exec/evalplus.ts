/**
 * EvalPlus's judgement of one call (Liu et al. 2023; evalplus/eval/__init__.py `unsafe_execute`, with the
 * oracles of evalplus/eval/_special_oracle.py), on the typed values that came back from the sandbox:
 *
 * 1. `exact = out == exp`, Python's `==` (pyValue.ts);
 * 2. the task's special oracle, when it has one (see `EvalPlusOracle`): set equality replaces `exact`,
 *    not-None tasks compare `out is not None` with the recorded `ref is not None` (a bool `out` compares as
 *    itself), the others widen `exact`; HumanEval/32 passes when |poly(xs, out)| ≤ atol and nothing else;
 * 3. the tolerance `atol` in force (the row's, or 1e-6 once a float output was expected; see `atols`);
 * 4. when `exact` is false and atol ≠ 0: `type(out) == type(exp)`, equal lengths for a list or tuple, and
 *    `np.allclose(out, exp, rtol=1e-7, atol=atol)`; otherwise `exact` decides.
 *
 * `out` is undefined when the program returned an object linewise does not carry: then only the not-None
 * and any-value oracles can pass it, which needs no comparison the program wrote (`is not None`).
 */
import type { Json } from "../problems/types.js";
import type { EvalPlusComparison } from "./limits.js";
import { hashKey, isNumber, pyEqual, pyTypeName, pyValue, toNumber, type PyValue } from "./pyValue.js";

/** EvalPlus's per-input time limit: max(floor, factor × the reference's time) (evalplus/config.py). */
export const evalPlusTimeFactor = 4;
export const evalPlusTimeFloorMs = 4000;
/** EvalPlus's cap on one task's base or plus run (EVALPLUS_TIMEOUT_PER_TASK), plus its 1 s of slack. */
export const evalPlusTaskCapMs = 60_000;
export const evalPlusTaskSlackMs = 1000;

const rtol = 1e-7; // np.allclose's default, which EvalPlus passes explicitly

/** Whether the return value `actual` (undefined: an object not carried) passes case `index`. */
export function evalPlusCase(
  actual: Json | undefined,
  expected: Json,
  args: Json[],
  index: number,
  cmp: EvalPlusComparison,
): boolean {
  const atol = cmp.atols[index] ?? 0;
  const out = actual === undefined ? undefined : pyValue(actual);
  const exp = pyValue(expected);
  if (cmp.oracle === "polyRoot") {
    const x = out && isNumber(out) ? toNumber(out) : undefined;
    const value = x === undefined ? undefined : poly(args[0]!, x);
    return value !== undefined && Math.abs(value) <= atol;
  }
  let exact = out !== undefined && pyEqual(out, exp);
  switch (cmp.oracle) {
    case "any":
      exact = true;
      break;
    case "zero":
      exact ||= out !== undefined && pyEqual(out, { t: "int", v: 0n });
      break;
    case "surfaceArea": {
      const alt = surfaceArea(args);
      const x = out && isNumber(out) ? toNumber(out) : undefined;
      exact ||= alt !== undefined && x !== undefined && Math.abs(x - alt) <= atol;
      break;
    }
    case "digitDistance": {
      const alt = digitDistance(args);
      exact ||= alt !== undefined && out !== undefined && pyEqual(out, { t: "int", v: alt });
      break;
    }
    case "set": {
      const x = out && elementsOf(out);
      const y = elementsOf(exp);
      exact = x !== undefined && y !== undefined && sameSet(x, y);
      break;
    }
    case "notNone":
      exact =
        out?.t === "bool"
          ? pyEqual(out, exp)
          : pyEqual(exp, { t: "bool", v: out === undefined || out.t !== "none" });
      break;
  }
  if (exact || atol === 0) return exact;
  if (out === undefined || pyTypeName(out) !== pyTypeName(exp)) return false;
  return allClose(out, exp, atol);
}

/** EvalPlus's `is_floats`: a float, or a non-empty list or tuple of floats (numpy arrays never come back). */
export function isFloats(v: Json): boolean {
  const x = pyValue(v);
  if (x.t === "float") return true;
  return (x.t === "list" || x.t === "tuple") && x.items.length > 0 && x.items.every((i) => i.t === "float");
}

/** `np.allclose` on numbers and (nested) equal-length lists of numbers; anything else raises in numpy. */
function allClose(a: PyValue, b: PyValue, atol: number): boolean {
  if (
    "items" in a &&
    "items" in b &&
    a.t !== "set" &&
    a.t !== "frozenset" &&
    b.t !== "set" &&
    b.t !== "frozenset"
  )
    return a.items.length === b.items.length && a.items.every((x, i) => allClose(x, b.items[i]!, atol));
  if (!isNumber(a) || !isNumber(b) || a.t === "complex" || b.t === "complex") return false;
  if (a.t === "fraction" || a.t === "decimal" || b.t === "fraction" || b.t === "decimal") return false;
  const x = toNumber(a)!;
  const y = toNumber(b)!;
  if (Number.isNaN(x) || Number.isNaN(y)) return false;
  if (!Number.isFinite(x) || !Number.isFinite(y)) return x === y;
  return Math.abs(x - y) <= atol + rtol * Math.abs(y);
}

/** What `set(v)` iterates over: a sequence's items, a set's, a dict's keys, a string's characters. */
function elementsOf(v: PyValue): PyValue[] | undefined {
  if ("items" in v) return v.items;
  if ("pairs" in v) return v.pairs.map(([k]) => k);
  if (v.t === "str") return [...v.v].map((c) => ({ t: "str", v: c }));
  return undefined;
}

/** `set(x) == set(y)`; an unhashable element raises in Python, which fails the case. */
function sameSet(x: PyValue[], y: PyValue[]): boolean {
  const keys = (items: PyValue[]) => {
    const out = new Set<string>();
    for (const item of items) {
      const k = hashKey(item);
      if (k === undefined) return undefined;
      out.add(k);
    }
    return out;
  };
  const a = keys(x);
  const b = keys(y);
  return a !== undefined && b !== undefined && a.size === b.size && [...a].every((k) => b.has(k));
}

/** HumanEval/32's `_poly(xs, x)`: sum(coeff * math.pow(x, i)), summed left to right as Python 3.11 does. */
function poly(xs: Json, x: number): number | undefined {
  if (!Array.isArray(xs)) return undefined;
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    const c = pyValue(xs[i]!);
    const coeff = isNumber(c) ? toNumber(c) : undefined;
    if (coeff === undefined) return undefined;
    sum += coeff * powInt(x, i);
  }
  return sum;
}

/**
 * x^n for a whole n ≥ 0, correctly rounded, as C's pow (which `math.pow` calls) gives it; V8's Math.pow
 * can be an ulp off, and HumanEval/32's terms cancel (|poly| is 0.0 in Python where an ulp leaves 1e20).
 * The exact power of x = m·2^e is m^n·2^(e·n); Number() of a BigInt rounds to nearest, and scaling by a
 * power of two is exact.
 */
function powInt(x: number, n: number): number {
  if (!Number.isFinite(x) || x === 0 || n === 0) return Math.pow(x, n);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const m = (bits & ((1n << 52n) - 1n)) | (biased === 0 ? 0n : 1n << 52n);
  const e = (biased === 0 ? 1 : biased) - 1075;
  let p = m ** BigInt(n);
  let scale = e * n;
  const length = p.toString(2).length;
  if (length > 1000) {
    // Keep 1000 bits; a sticky low bit keeps the rounding of what was dropped.
    const drop = BigInt(length - 1000);
    const sticky = p & ((1n << drop) - 1n) ? 1n : 0n;
    p = (p >> drop) | sticky;
    scale += length - 1000;
  }
  let value = Number(p);
  for (; scale > 0; scale -= Math.min(scale, 1000)) value *= 2 ** Math.min(scale, 1000);
  for (; scale < 0; scale += Math.min(-scale, 1000)) value /= 2 ** Math.min(-scale, 1000);
  return x < 0 && n % 2 === 1 ? -value : value;
}

/** Python's round() of a float: to the nearest integer, ties to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Mbpp/581's oracle `_surface_Area(base_edge, height)` (the pyramid's slant height from its height). */
function surfaceArea(args: Json[]): number | undefined {
  const [b, h] = args.map((a) => {
    const v = pyValue(a);
    return isNumber(v) && v.t !== "complex" ? toNumber(v) : undefined;
  });
  if (b === undefined || h === undefined) return undefined;
  const half = b / 2;
  const slant = Math.sqrt(half * half + h * h);
  const lateral = (4 * (b * slant)) / 2;
  return roundHalfEven(b * b + lateral);
}

/** Mbpp/558's oracle `_digit_distance_nums`: digit-wise distance after zero-padding; undefined where
 *  Python's version raises (a sign or a non-integer, which `int(digit)` cannot read). */
function digitDistance(args: Json[]): bigint | undefined {
  const digits = args.slice(0, 2).map((a) => {
    const v = pyValue(a);
    return v.t === "int" ? v.v.toString() : v.t === "bool" ? (v.v ? "True" : "False") : undefined;
  });
  if (digits.length !== 2 || digits.some((d) => d === undefined || !/^\d+$/.test(d))) return undefined;
  const width = Math.max(digits[0]!.length, digits[1]!.length);
  const [x, y] = digits.map((d) => d!.padStart(width, "0"));
  let total = 0n;
  for (let i = 0; i < width; i++) total += BigInt(Math.abs(Number(x![i]) - Number(y![i])));
  return total;
}
