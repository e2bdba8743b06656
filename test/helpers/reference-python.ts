// The reference Python (.venv, made by scripts/reference-python): PyTorch, transformers, tokenizers and TRL,
// used only to check linewise against them. Tests that need it skip with this module's message when absent.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const venvPython = resolve(".venv/bin/python");

let cached: string | null | undefined;

/** The reference interpreter's path when it imports torch, transformers, tokenizers and trl; else null. */
export function referencePython(): string | null {
  if (cached !== undefined) return cached;
  cached = null;
  if (existsSync(venvPython)) {
    const probe = spawnSync(venvPython, ["-c", "import torch, transformers, tokenizers, trl"], {
      encoding: "utf8",
    });
    if (probe.status === 0) cached = venvPython;
  }
  return cached;
}

/** The skip reason for node:test when the reference Python is absent, else false (run the test). */
export function skipWithoutReferencePython(): string | false {
  return referencePython() === null
    ? "no reference Python (.venv with torch, transformers, tokenizers, trl): run bash scripts/reference-python"
    : false;
}

/** Runs a Python script with the reference interpreter and returns its stdout; throws with stderr on failure. */
export function runReferencePython(script: string, args: string[] = [], input?: string): string {
  const python = referencePython();
  if (python === null) throw new Error("reference Python missing: run bash scripts/reference-python");
  const run = spawnSync(python, [script, ...args], { encoding: "utf8", input, maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`${script} failed (${run.status}): ${run.stderr.slice(-2000)}`);
  return run.stdout;
}
