/**
 * Many of the suite's own generated programs run as one sandboxed program (issue 16): each keeps its own
 * namespace, and one entry point, `_lw_batch(i, *args)`, calls program i's function. Still sandboxed and
 * still under the build's limits, but one fork, one interpreter warm-up and one `import copy` for the
 * lot instead of one each. Only generated code runs this way, never a model's: programs in one process
 * could reach each other.
 *
 * A batch gives an answer only when it ran cleanly (every call returned plain data, or every test
 * passed); otherwise the caller runs its programs one by one, so the result never depends on batching.
 */
import type { SandboxExecutor } from "../../exec/index.js";
import type { Limits } from "../../exec/types.js";
import type { Json } from "../types.js";

/** The batch's entry point. */
const entry = "_lw_batch";

export interface BatchItem {
  program: string;
  /** The function of `program` that the batch calls. */
  fnName: string;
}

/**
 * The program that defines every item in a namespace of its own and `_lw_batch(i, *args)`. A JSON string
 * is also a Python string literal for this text (generated code: no lone surrogates).
 */
export function batchProgram(items: readonly BatchItem[]): string {
  return [
    `_lw_sources = [${items.map((it) => JSON.stringify(it.program)).join(", ")}]`,
    `_lw_names = [${items.map((it) => JSON.stringify(it.fnName)).join(", ")}]`,
    "_lw_functions = []",
    "for _lw_i, _lw_source in enumerate(_lw_sources):",
    '    _lw_namespace = {"__name__": "solution"}',
    '    exec(compile(_lw_source, "<program %d>" % _lw_i, "exec"), _lw_namespace)',
    "    _lw_functions.append(_lw_namespace[_lw_names[_lw_i]])",
    "del _lw_sources",
    `def ${entry}(_lw_index, *args):`,
    "    return _lw_functions[_lw_index](*args)",
    "",
  ].join("\n");
}

/**
 * `capture` of every item's calls in one run: each item's return values, in order; null when some call
 * did not return plain data (the caller then captures item by item).
 */
export async function captureBatch(
  executor: SandboxExecutor,
  items: readonly (BatchItem & { argsList: Json[][] })[],
  limits: Limits,
): Promise<(Json | undefined)[][] | null> {
  const calls = items.flatMap((it, i) => it.argsList.map((args) => [i, ...args]));
  const captured = await executor.capture(batchProgram(items), entry, calls, limits);
  if (captured.status !== "pass") return null;
  let at = 0;
  return items.map((it) => captured.values.slice(at, (at += it.argsList.length)));
}

/** Whether every item passes its call tests, in one run; false sends the caller back to item by item. */
export async function passBatch(
  executor: SandboxExecutor,
  items: readonly (BatchItem & { cases: { args: Json[]; expected: Json }[] })[],
  limits: Limits,
): Promise<boolean> {
  const cases = items.flatMap((it, i) =>
    it.cases.map((c) => ({ args: [i, ...c.args], expected: c.expected })),
  );
  const verdict = await executor.run(batchProgram(items), { kind: "call", fnName: entry, cases }, limits);
  return verdict.status === "pass";
}
