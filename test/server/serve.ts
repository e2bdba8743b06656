/** Starts `linewise serve-*` commands as real child processes on free ports, for the server and teacher tests. */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Limits, SandboxExecutor, Verdict } from "../../src/exec/index.js";
import type { RemoteExecutor } from "../../src/exec/remote.js";
import { packageRoot } from "../../src/paths.js";
import type { Tests } from "../../src/problems/types.js";

export interface ServedModel {
  /** Base URL ending in /v1, as the command prints it. */
  url: string;
  child: ChildProcess;
  /** Everything the command wrote to stderr so far. */
  stderr: () => string;
  /** Sends `signal` and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Runs `linewise serve-model --model dir --port 0 ...extra` and waits for the URL line on stdout. */
export function serveModel(dir: string, ...extra: string[]): Promise<ServedModel> {
  return serve("serve-model", ["--model", dir, ...extra], /at (http:\/\/\S+\/v1)/);
}

/**
 * Runs `linewise COMMAND --port 0 ...args` and waits for `urlPattern` (its first group: the URL) on stdout;
 * with `prefix`, through that command (e.g. `ip netns exec NS`, which execs node in place).
 */
export async function serve(
  command: string,
  args: string[],
  urlPattern = /at (http:\/\/\S+)/,
  prefix: string[] = [],
): Promise<ServedModel> {
  const linewise = [process.execPath, join(packageRoot, "bin/linewise.js"), command, "--port", "0", ...args];
  const [program, ...programArgs] = [...prefix, ...linewise];
  const child = spawn(program!, programArgs, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LINEWISE_THREADS: "1" },
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      stdout += d;
      const match = urlPattern.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) =>
      reject(new Error(`${command} exited with ${code} before listening: ${stderr}`)),
    );
  });
  return {
    url,
    child,
    stderr: () => stderr,
    stop: (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A verdict without its timings, which differ from run to run. */
export const untimed = ({ cpuMs: _c, wallMs: _w, ...rest }: Verdict) => rest;

/**
 * Runs `jobs`, each made slow enough that servers are still busy, locally and through `remote`; kills
 * `victim` (one of `remote`'s servers) once two verdicts have arrived; checks that every job is answered
 * once, that the victim's unanswered jobs were sent again, and that the verdicts equal the local ones.
 */
export async function killMidBatch(
  remote: RemoteExecutor,
  local: SandboxExecutor,
  victim: ServedModel,
  jobs: { program: string; tests: Tests; limits?: Limits | undefined }[],
): Promise<void> {
  const many = Array.from({ length: 12 }, (_, i) => ({
    ...jobs[i % jobs.length]!,
    program: `import time\ntime.sleep(0.15)\n${jobs[i % jobs.length]!.program}# ${i}\n`,
  }));
  const expected = await Promise.all(many.map((j) => local.run(j.program, j.tests, j.limits)));
  let answered = 0;
  const pending = many.map((j) =>
    remote.run(j.program, j.tests, j.limits).then((v) => {
      answered++;
      return v;
    }),
  );
  while (answered < 2) await new Promise((r) => setTimeout(r, 20));
  assert.notEqual(await victim.stop("SIGKILL"), 0);
  const verdicts = await Promise.all(pending);
  assert.equal(answered, many.length);
  assert.ok(remote.requeued > 0, "the killed server's unanswered jobs were sent again");
  assert.deepEqual(verdicts.map(untimed), expected.map(untimed));
}

/** `linewise exec --no-cache --all-tests` on the loaders' fixture problems with `extra`: the verdicts written, untimed. */
export function execVerdicts(out: string, ...extra: string[]): Record<string, unknown>[] {
  const problems = join(packageRoot, "test/fixtures/loaders/linewise.jsonl");
  const args = ["exec", "--no-cache", "--all-tests", "--problems", problems, "--out", out, ...extra];
  const r = spawnSync(process.execPath, [join(packageRoot, "bin/linewise.js"), ...args], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(out, "utf8")
    .trim()
    .split("\n")
    .map((l) => untimed(JSON.parse(l) as Verdict));
}

/** Tests of each kind for a program `add` (call, assert) or one that reverses a line (stdio). */
export const callTests: Tests = {
  kind: "call",
  fnName: "add",
  cases: [
    { args: [1, 2], expected: 3 },
    { args: [{ $bigint: "123456789012345678901" }, 1], expected: { $bigint: "123456789012345678902" } },
  ],
};
export const assertTests: Tests = {
  kind: "assert",
  asserts: ["assert add(1, 2) == 3", "assert add(2, 2) == 4"],
};
export const stdioTests: Tests = {
  kind: "stdio",
  cases: [
    { input: "abc\n", output: "cba\n" },
    { input: "xy\n", output: "yx\n" },
  ],
};

/** Programs of every kind of test and outcome; the same list runs locally and remotely. */
export const add = "def add(a, b):\n    return a + b\n";
export const execJobs: { program: string; tests: Tests; limits?: { wallMs: number; cpuMs: number } }[] = [
  { program: add, tests: callTests },
  { program: "def add(a, b):\n    return a - b\n", tests: callTests },
  { program: add, tests: assertTests },
  { program: "def add(a, b):\n    return 3\n", tests: assertTests },
  { program: "print(input()[::-1])\n", tests: stdioTests },
  { program: "print(input())\n", tests: stdioTests },
  { program: "def add(a, b)\n    return a + b\n", tests: callTests },
  { program: "def add(a, b):\n    raise KeyError('k')\n", tests: callTests },
  {
    program: "def add(a, b):\n    while True: pass\n",
    tests: callTests,
    // A CPU limit far under the wall-clock one: with 1.5 s of wall time, which limit ended the loop
    // depended on the machine's load, and the verdicts' details with it.
    limits: { wallMs: 6000, cpuMs: 1000 },
  },
];
