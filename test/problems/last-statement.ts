/**
 * Test helper: a reference solution with the last statement of its entry function replaced, to check that
 * the harness notices a wrong program. The statement is found with Python's own parser (`ast`, in one
 * python3 process outside the sandbox: parsing runs no code), which handles what line-based rules get
 * wrong: statements spanning lines, tabs, a body on the `def` line, nested functions and classes.
 */
import { spawnSync } from "node:child_process";

const script = String.raw`
import ast, json, sys

def replace_last(src, name, replacement):
    tree = ast.parse(src)
    fns = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]
    if not fns:
        return None
    last = fns[-1].body[-1]  # the definition that counts is the last one
    lines = src.split("\n")
    # col_offset counts UTF-8 bytes.
    prefix = lines[last.lineno - 1].encode()[: last.col_offset].decode()
    suffix = lines[last.end_lineno - 1].encode()[last.end_col_offset :].decode()
    return "\n".join(lines[: last.lineno - 1] + [prefix + replacement + suffix] + lines[last.end_lineno :])

request = json.load(sys.stdin)
json.dump([replace_last(p["program"], p["fnName"], request["replacement"]) for p in request["programs"]], sys.stdout)
`;

/** Each program with the last statement of its top-level function `fnName` replaced by `replacement` (null when there is no such function). */
export function replaceLastStatement(
  programs: { program: string; fnName: string }[],
  replacement: string,
): (string | null)[] {
  const run = spawnSync("python3", ["-c", script], {
    input: JSON.stringify({ programs, replacement }),
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (run.status !== 0)
    throw new Error(`python3 could not rewrite the programs: ${run.stderr || run.error?.message}`);
  return JSON.parse(run.stdout) as (string | null)[];
}
