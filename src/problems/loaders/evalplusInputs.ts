/**
 * MBPP+'s input deserialisation (evalplus/data/mbpp.py, `mbpp_deserialize_inputs`): JSON cannot say
 * "tuple", "set" or "complex", so EvalPlus turns some tasks' argument lists back into those types before
 * calling, task by task. The same rules, producing the tagged values (exactJson.ts) the sandbox turns into
 * Python tuples, sets and complex numbers. Tasks not listed keep their JSON arguments.
 */
import type { Json } from "../types.js";
import { RowError } from "./rows.js";

const eachArgTuple = new Set([
  2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596, 616, 630, 726, 740, 744, 809,
]);
const eachArgTuples = new Set([63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780]);
const firstArgTuplesThenSecond = new Set([75, 413, 444, 753]);
const secondArgTuple = new Set([106, 750]);
const firstArgTupleThenSecond = new Set([250, 405, 446, 617, 720, 763, 808]);
const eachArgTupleOfTuples = new Set([259, 401, 445]);
const allTuples = new Set([580, 615, 791]);

/** Python's `tuple(x)` of a JSON value: a list's items, a string's characters, a dict's keys. */
function tuple(x: Json | undefined): Json {
  if (Array.isArray(x)) return { $tuple: x };
  if (typeof x === "string") return { $tuple: [...x] };
  if (x !== null && typeof x === "object") return { $tuple: Object.keys(x) };
  throw new RowError(
    `an input that EvalPlus turns into a tuple is ${x === undefined ? "missing" : JSON.stringify(x)}`,
  );
}

function items(x: Json | undefined): Json[] {
  if (!Array.isArray(x)) throw new RowError(`an input that EvalPlus reads as a list is ${JSON.stringify(x)}`);
  return x;
}

const deepTuple = (x: Json): Json => (Array.isArray(x) ? { $tuple: x.map(deepTuple) } : x);

/** One argument list of an MBPP+ task as EvalPlus passes it; `task` is the number in "Mbpp/N". */
export function mbppPlusArgs(task: number, inp: Json[]): Json[] {
  if (eachArgTuple.has(task)) return inp.map(tuple);
  if (eachArgTuples.has(task)) return inp.map((arg) => items(arg).map(tuple));
  if (firstArgTuplesThenSecond.has(task)) return [items(inp[0]).map(tuple), inp[1]!];
  if (secondArgTuple.has(task)) return [inp[0]!, tuple(inp[1])];
  if (task === 115)
    return [items(inp[0]).map((item): Json => (Array.isArray(item) && item.length ? { $set: item } : {}))];
  if (task === 124) return [{ $float: String(inp[0]) }, { $complex: String(inp[1]) }];
  if (firstArgTupleThenSecond.has(task)) return [tuple(inp[0]), inp[1]!];
  if (eachArgTupleOfTuples.has(task)) return inp.map((arg) => tuple(items(arg).map(tuple)));
  if (task === 278) return [tuple(items(inp[0]).map((item) => (Array.isArray(item) ? tuple(item) : item)))];
  if (task === 307) return [tuple(inp[0]), inp[1]!, inp[2]!];
  if (task === 722) {
    const table = inp[0];
    if (table === null || typeof table !== "object" || Array.isArray(table))
      throw new RowError(`Mbpp/722's first input must be an object, got ${JSON.stringify(table)}`);
    const typed: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(table)) typed[k] = tuple(v);
    return [typed, ...inp.slice(1)];
  }
  if (task === 252) return [{ $complex: String(inp[0]) }];
  if (allTuples.has(task)) return inp.map(deepTuple);
  return inp;
}
