import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../src/paths.js";

const cli = join(packageRoot, "bin/linewise.js");

test("linewise --help lists the commands", () => {
  const r = spawnSync(process.execPath, [cli, "--help"], { encoding: "utf8" });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage: linewise <command>/);
});

test("an unknown command is a one-line error with exit code 2", () => {
  const r = spawnSync(process.execPath, [cli, "frobnicate"], { encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.equal(r.stderr.trim().split("\n").length, 1);
});

test("linewise env --json reports libtorch, BLAS, threads, CUDA, bubblewrap and python3", () => {
  const r = spawnSync(process.execPath, [cli, "env", "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const facts = JSON.parse(r.stdout);
  assert.match(facts.libtorch, /^\d+\.\d+/);
  assert.match(facts.libtorchPath, /libtorch_cpu\.so/);
  assert.ok(facts.threads >= 1);
  for (const key of ["blas", "openblas", "cuda", "bubblewrap", "python3"]) assert.ok(key in facts, key);
});

test("an unknown option names the option and exits 2", () => {
  const r = spawnSync(process.execPath, [cli, "env", "--frob"], { encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /linewise env: Unknown option '--frob'/);
});
