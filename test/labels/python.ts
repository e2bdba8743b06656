/** Runs a Python program with python3 and returns the repr of each call (or the exception's type name). */
import { spawnSync } from "node:child_process";

export function callAll(program: string, calls: string[]): string[] {
  const script = [
    "import json, sys",
    `exec(compile(${JSON.stringify(program)}, "<program>", "exec"))`,
    "out = []",
    ...calls.map(
      (c) =>
        `try:\n    out.append(repr(${c}))\nexcept Exception as e:\n    out.append("error: " + type(e).__name__)`,
    ),
    "sys.stdout.write(json.dumps(out))",
  ].join("\n");
  const run = spawnSync("python3", ["-c", script], { encoding: "utf8", timeout: 20_000 });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr || run.error?.message}`);
  return JSON.parse(run.stdout) as string[];
}
