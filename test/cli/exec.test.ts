import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";

const cli = join(packageRoot, "bin/linewise.js");
const fixture = (name: string) => join(packageRoot, "test/fixtures/loaders", name);

function linewise(...args: string[]) {
  return spawnSync(process.execPath, [cli, "exec", "--no-cache", ...args], {
    encoding: "utf8",
    timeout: 120_000,
  });
}

function withTemp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "linewise-exec-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const lastLine = (s: string) => s.trimEnd().split("\n").at(-1);
const readVerdicts = (file: string) =>
  readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test("--help explains the options and the formats", () => {
  const r = linewise("--help");
  assert.equal(r.status, 0);
  for (const word of [
    "--problems FILE",
    "--solutions FILE",
    "--all-tests",
    "--strict",
    "--skip-bad",
    "livecodebench",
    "N passed, M failed",
  ])
    assert.ok(r.stdout.includes(word), `help mentions ${word}`);
});

test("reference solutions of a linewise file pass; one verdict line per program with fixed keys", () => {
  withTemp((dir) => {
    const out = join(dir, "verdicts.jsonl");
    const r = linewise("--problems", fixture("linewise.jsonl"), "--out", out, "--all-tests");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(lastLine(r.stdout), "3 passed, 0 failed");
    assert.match(r.stdout, /^pass +3$/m);
    const verdicts = readVerdicts(out);
    assert.deepEqual(
      verdicts.map((v) => [v["problemId"], v["status"], v["passed"], v["total"]]),
      [
        ["demo/stdio", "pass", 2, 2],
        ["demo/call", "pass", 2, 2],
        ["demo/assert", "pass", 2, 2],
      ],
    );
    assert.deepEqual(Object.keys(verdicts[0]!), [
      "problemId",
      "status",
      "base",
      "passed",
      "total",
      "firstFailed",
      "cpuMs",
      "wallMs",
      "detail",
    ]);
    assert.equal(verdicts[0]!["firstFailed"], null);
    assert.equal(verdicts[0]!["base"], null, "base is EvalPlus's alone");
  });
});

test("APPS: a malformed row stops the run with file:line; --skip-bad warns, counts it and runs the rest", () => {
  const stopped = linewise("--problems", fixture("apps.jsonl"));
  assert.equal(stopped.status, 2);
  assert.equal(
    stopped.stderr.trim(),
    `${fixture("apps.jsonl")}:5: apps row: field 'input_output' is empty: this APPS problem has no tests (--skip-bad skips malformed rows)`,
  );
  const r = linewise("--problems", fixture("apps.jsonl"), "--skip-bad");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: .*apps\.jsonl:5: apps row: field 'input_output' is empty/);
  assert.match(r.stdout, /\(1 malformed row skipped\)/);
  assert.equal(lastLine(r.stdout), "4 passed, 0 failed");
});

test("LiveCodeBench: programs from --solutions, LeetCode's class Solution, a wrong program fails", () => {
  withTemp((dir) => {
    const out = join(dir, "v.jsonl");
    const r = linewise(
      "--problems",
      fixture("livecodebench.jsonl"),
      "--solutions",
      fixture("livecodebench-solutions.jsonl"),
      "--out",
      out,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(lastLine(r.stdout), "2 passed, 1 failed");
    const verdicts = readVerdicts(out);
    assert.deepEqual(
      verdicts.map((v) => [v["problemId"], v["status"], v["firstFailed"]]),
      [
        ["livecodebench/abc900_a", "pass", null],
        ["livecodebench/9001", "pass", null],
        ["livecodebench/9001", "wrong_answer", 0],
      ],
    );
    // No reference solutions in LiveCodeBench: without --solutions there is nothing to run.
    const none = linewise("--problems", fixture("livecodebench.jsonl"));
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no reference solution/);
  });
});

test("EvalPlus: expected outputs come from the canonical solutions, which then pass", () => {
  const r = linewise("--problems", fixture("evalplus.jsonl"), "--format", "evalplus", "--all-tests");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(lastLine(r.stdout), "2 passed, 0 failed");
});

test("user errors are one line with exit code 2: unknown format, unknown problem id, unwritable output, missing file", () => {
  const format = linewise("--problems", fixture("apps.jsonl"), "--format", "codex");
  assert.equal(format.status, 2);
  assert.match(
    format.stderr.trim(),
    /^linewise exec: --format expects one of humaneval, mbpp, .*; got 'codex'$/,
  );
  withTemp((dir) => {
    const solutions = join(dir, "s.jsonl");
    writeFileSync(
      solutions,
      `${JSON.stringify({ problemId: "demo/call", program: "def double(x): return x + x" })}\n${JSON.stringify({ problemId: "demo/nope", program: "" })}\n`,
    );
    const unknown = linewise("--problems", fixture("linewise.jsonl"), "--solutions", solutions);
    assert.equal(unknown.status, 2);
    assert.equal(
      unknown.stderr.trim(),
      `${solutions}:2: solution row: problemId 'demo/nope' is not in the problems file (--skip-bad skips malformed rows)`,
    );
    const skipped = linewise("--problems", fixture("linewise.jsonl"), "--solutions", solutions, "--skip-bad");
    assert.equal(lastLine(skipped.stdout), "1 passed, 0 failed");
  });
  const unwritable = linewise("--problems", fixture("linewise.jsonl"), "--out", "/dev/null/verdicts.jsonl");
  assert.equal(unwritable.status, 2);
  assert.match(
    unwritable.stderr.trim(),
    /^linewise exec: cannot write --out \/dev\/null\/verdicts\.jsonl \(E[A-Z]+\)$/,
  );
  const missing = linewise("--problems", join(packageRoot, "no-such-file.jsonl"));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr.trim(), /no-such-file\.jsonl: cannot read the problems file \(ENOENT\)$/);
});
