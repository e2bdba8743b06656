import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../../src/paths.js";
import type { Problem } from "../../../src/problems/types.js";
import { UsageError } from "../../../src/cli/command.js";
import { suiteCommand } from "../../../src/cli/commands/suite.js";

const cli = join(packageRoot, "bin/linewise.js");
const linewise = (...args: string[]) =>
  spawnSync(process.execPath, [cli, "suite", ...args], { encoding: "utf8" });

test("linewise suite writes n problems as JSONL and says where", () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-suite-"));
  try {
    const out = join(dir, "nested", "test.jsonl");
    const r = linewise("--out", out, "--n", "6", "--split", "test", "--seed", "4");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /wrote 6 test problems to .*test\.jsonl/);
    const problems = readFileSync(out, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Problem);
    assert.equal(problems.length, 6);
    assert.ok(problems.every((p) => p.source === "suite" && p.id.startsWith("suite/test/4/")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad options are usage errors naming the option", async () => {
  for (const [args, pattern] of [
    [["--n", "3"], /--out is required/],
    [["--out", "x.jsonl", "--split", "dev"], /--split expects 'train' or 'test', got 'dev'/],
    [["--out", "x.jsonl", "--n", "2.5"], /--n expects an integer/],
    [["--out", "x.jsonl", "--max-steps", "9"], /--max-steps expects an integer from 1 to 8/],
    [["--out", "x.jsonl", "--frobnicate"], /frobnicate/],
  ] as const) {
    await assert.rejects(
      suiteCommand.run([...args]),
      (e: Error) => e instanceof UsageError && pattern.test(e.message) && !e.message.includes("\n"),
    );
  }
});
