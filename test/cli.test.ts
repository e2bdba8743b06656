import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../src/paths.js";

const cli = join(packageRoot, "bin/linewise.js");

test("linewise --help lists the commands", () => {
  const r = spawnSync(process.execPath, [cli, "--help"], { encoding: "utf8" });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage: linewise <command>/);
});

test("every command's --help sets each option apart from its text", () => {
  const top = spawnSync(process.execPath, [cli, "--help"], { encoding: "utf8" }).stdout;
  const commands = [...top.matchAll(/^  ([a-z][a-z-]+) {2,}/gm)].map((m) => m[1]!);
  assert.ok(commands.length >= 15, `commands found: ${commands.join(", ")}`);
  for (const command of commands) {
    const r = spawnSync(process.execPath, [cli, command, "--help"], { encoding: "utf8" });
    assert.equal(r.status, 0, `${command} --help: ${r.stderr}`);
    // An option line is the option, its argument, then at least two spaces before the text (or nothing).
    const run = r.stdout
      .split("\n")
      .filter((line) => /^ {2}--[a-z]/.test(line) && !/^ {2}\S+( \S+)?( {2,}\S|$)/.test(line));
    assert.deepEqual(run, [], `${command} --help: option lines run into their text`);
  }
});

test("an unknown command is a one-line error with exit code 2", () => {
  const r = spawnSync(process.execPath, [cli, "frobnicate"], { encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.equal(r.stderr.trim().split("\n").length, 1);
});

test("linewise env --json reports the CPU, libtorch, BLAS, threads, CUDA, bubblewrap and python3", () => {
  const r = spawnSync(process.execPath, [cli, "env", "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const facts = JSON.parse(r.stdout);
  assert.match(facts.libtorch, /^\d+\.\d+/);
  assert.match(facts.libtorchPath, /libtorch_cpu\.so/);
  assert.ok(facts.threads >= 1);
  assert.match(facts.cpu, /\S.* \(\d+ logical CPUs\)$/);
  for (const key of ["blas", "openblas", "openblasCore", "cuda", "bubblewrap", "python3"])
    assert.ok(key in facts, key);
});

test("linewise env reports the OpenBLAS kernels in use, and who chose them", (t) => {
  const env = { ...process.env, OPENBLAS_CORETYPE: "Haswell" };
  const r = spawnSync(process.execPath, [cli, "env", "--json"], { encoding: "utf8", env });
  assert.equal(r.status, 0, r.stderr);
  const facts = JSON.parse(r.stdout);
  if (!facts.openblas) return t.skip("the active BLAS is not OpenBLAS");
  assert.equal(facts.openblasCore, "Haswell (OPENBLAS_CORETYPE set by you)");
});

test("OpenBLAS's generic fallback kernels on an AVX2 CPU get a recommended replacement", (t) => {
  const probe = (coretype: string) => {
    const env = { ...process.env, OPENBLAS_CORETYPE: coretype };
    const r = spawnSync("python3", [join(packageRoot, "native/openblas-core.py")], { encoding: "utf8", env });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { core: string | null; recommended: string | null };
  };
  const flags =
    readFileSync("/proc/cpuinfo", "utf8")
      .match(/^flags\s*:(.*)$/m)?.[1]
      ?.split(/\s+/) ?? [];
  if (!flags.includes("avx2")) return t.skip("this CPU has no AVX2");
  const generic = probe("Prescott");
  if (generic.core === null) return t.skip("the active BLAS is not OpenBLAS");
  assert.equal(generic.core, "Prescott");
  const avx512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].every((f) => flags.includes(f));
  assert.equal(generic.recommended, avx512 ? "SkylakeX" : "Haswell");
  assert.deepEqual(probe("Haswell"), { core: "Haswell", recommended: null });
});

test("an unknown option names the option and exits 2", () => {
  const r = spawnSync(process.execPath, [cli, "env", "--frob"], { encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /linewise env: Unknown option '--frob'/);
});
