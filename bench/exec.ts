/**
 * The executor benchmark (issues 3 and 16): HumanEval's reference solutions with their tests, through the
 * sandboxed executor's fast path (a warm fork server per slot) and its strict mode (a fresh sandbox per
 * program), against baselines in the same run: one plain `python3` per program, as the original HumanEval
 * harness runs samples, and the floor (exec-floor.py: a warm Python that forks a child which only compiles
 * and runs each program and its tests). Rounds alternate so that load on the machine hits them all.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { createExecutor } from "../src/exec/index.js";
import { findInterpreter, harnessDir } from "../src/exec/sandbox.js";
import { packageRoot, sharedBenchmarks } from "../src/paths.js";
import type { Tests } from "../src/problems/types.js";

export interface Sample {
  program: string;
  tests: Extract<Tests, { kind: "assert" }>;
  /** The whole file the original harness would run: program, tests, check(entry_point). */
  script: string;
}

const limits = { wallMs: 10_000, cpuMs: 10_000 };

export function readHumanEval(file: string): Sample[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const row = JSON.parse(line) as {
        prompt: string;
        canonical_solution: string;
        test: string;
        entry_point: string;
      };
      const program = row.prompt + row.canonical_solution;
      const check = `check(${row.entry_point})`;
      return {
        program,
        tests: { kind: "assert", setup: row.test, asserts: [check] },
        script: `${program}\n${row.test}\n${check}\n`,
      };
    });
}

/** Runs `jobs` with at most `width` at a time. */
export async function pool<T>(width: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

/** The baseline: one `python3` process per program; passes when it exits with 0. */
function runPlainPython(python: string, flags: string[], script: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(python, [...flags, "-c", script], { stdio: "ignore", timeout: limits.wallMs });
    child.on("close", (code) => resolve(code === 0));
    child.on("error", () => resolve(false));
  });
}

/** The floor's process (exec-floor.py), holding the samples; `round` runs them all once. */
function startFloor(python: string, samples: Sample[]) {
  const child = spawn(
    python,
    ["-I", "-S", "-B", "-X", "utf8", join(packageRoot, "bench", "exec-floor.py"), harnessDir],
    { stdio: ["pipe", "pipe", "inherit"], env: {} },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  for (const s of samples)
    child.stdin.write(
      JSON.stringify({ program: s.program, setup: s.tests.setup, asserts: s.tests.asserts }) + "\n",
    );
  child.stdin.write("\n");
  return {
    pid: child.pid ?? 0,
    async round(width: number): Promise<{ cpuMs: number; seconds: number; passed: number }> {
      child.stdin.write(`go ${width}\n`);
      const line = await lines.next();
      if (line.done) throw new Error("bench exec: the floor's process ended early");
      return JSON.parse(line.value) as { cpuMs: number; seconds: number; passed: number };
    },
    close(): void {
      child.stdin.end();
    },
  };
}

/** The fields of /proc/PID/stat after the command name: [0] is the state, [1] the parent, [11..14] CPU ticks. */
function statFields(pid: number | "self"): string[] {
  return readFileSync(`/proc/${pid}/stat`, "utf8")
    .replace(/^.*\) /, "")
    .split(" ");
}

/** CPU milliseconds of this process plus its children that have been waited for (/proc/self/stat). */
function cpuMsSoFar(): number {
  const fields = statFields("self");
  const ticks = Number(fields[13]) + Number(fields[14]); // cutime + cstime, at 100 ticks per second
  const self = process.cpuUsage();
  return ticks * 10 + (self.user + self.system) / 1000;
}

/**
 * CPU milliseconds used so far by this process's live descendants (and by the children they have reaped:
 * /proc/PID/stat's utime, stime, cutime and cstime), except `skip` and its descendants. Read around the fast
 * path's rounds, so that its sandboxes' CPU while programs run is counted and their start-up is not, as the
 * floor's start-up is not.
 */
function descendantsCpuMs(skip: number): number {
  const procs = new Map<number, { parent: number; ticks: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(Number(entry));
      const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
      procs.set(Number(entry), { parent: Number(fields[1]), ticks });
    } catch {
      // the process ended while the table was read: its CPU moved to its parent's cutime
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = pid; p > 1 && p !== skip; p = procs.get(p)?.parent ?? 0)
      if (procs.get(p)?.parent === process.pid) return true;
    return false;
  };
  let ticks = 0;
  for (const [pid, proc] of procs) if (ours(pid)) ticks += proc.ticks;
  return ticks * 10; // at 100 ticks per second
}

/** Seconds and CPU milliseconds taken by `fn`. */
async function timed(fn: () => Promise<void>): Promise<{ s: number; cpuMs: number }> {
  const start = performance.now();
  const cpu = cpuMsSoFar();
  await fn();
  return { s: (performance.now() - start) / 1000, cpuMs: cpuMsSoFar() - cpu };
}

export async function benchExec(options: { rounds?: number } = {}): Promise<Record<string, unknown>> {
  const file = join(sharedBenchmarks, "humaneval", "HumanEval.jsonl");
  if (!existsSync(file)) {
    console.error(`bench exec: skipped, ${file} is absent`);
    return { skipped: `${file} is absent` };
  }
  const samples = readHumanEval(file);
  const rounds = options.rounds ?? 3;
  const slots = cpus().length;
  const python = findInterpreter().executable;
  const fast = createExecutor({ cacheDir: null, slots, limits });
  const strict = createExecutor({ cacheDir: null, slots, strict: true, limits });
  const floor = startFloor(python, samples);
  type Method = "fast" | "strict" | "baseline" | "noSite" | "floor";
  const zero = (): Record<Method, number> => ({ fast: 0, strict: 0, baseline: 0, noSite: 0, floor: 0 });
  const seconds = zero();
  // CPU of everything each method ran (Node, bwrap, Python); the fast path's sandboxes are read from
  // /proc around its rounds, so neither its start-up nor the floor's counts.
  const cpuMs = zero();
  const passed = zero();
  const counted = zero();
  let startupCpuMs = 0;
  // The fast path's CPU split: Node's own, the programs' children (each verdict's cpuMs), and the rest
  // (fork servers, bwrap), which is the total less those two.
  let fastNodeMs = 0;
  let fastChildMs = 0;
  const passes: Record<Exclude<Method, "floor">, (s: Sample, tag: string) => Promise<boolean>> = {
    fast: (s, tag) =>
      fast.run(s.program + tag, s.tests).then((v) => {
        fastChildMs += v.cpuMs;
        return v.status === "pass";
      }),
    strict: (s, tag) => strict.run(s.program + tag, s.tests).then((v) => v.status === "pass"),
    baseline: (s) => runPlainPython(python, [], s.script),
    // python3 -S skips `site` and its .pth files: the cheapest a fresh interpreter can start.
    noSite: (s) => runPlainPython(python, ["-S"], s.script),
  };
  // The executors queue every program at once; the baselines run `slots` processes at a time.
  const width: Record<Exclude<Method, "floor">, number> = {
    fast: samples.length,
    strict: samples.length,
    baseline: slots,
    noSite: slots,
  };
  const measure = async (method: Method, tag: string) => {
    if (method === "floor") {
      const r = await floor.round(slots);
      seconds.floor += r.seconds;
      cpuMs.floor += r.cpuMs;
      passed.floor += r.passed;
      counted.floor += samples.length;
      return;
    }
    const sandboxes = method === "fast" ? descendantsCpuMs(floor.pid) : 0;
    const node = process.cpuUsage();
    const t = await timed(async () => {
      const ok = await pool(
        width[method],
        samples.map((s) => () => passes[method](s, tag)),
      );
      passed[method] += ok.filter(Boolean).length;
    });
    seconds[method] += t.s;
    cpuMs[method] += t.cpuMs;
    counted[method] += samples.length;
    if (method === "fast") {
      const used = process.cpuUsage(node);
      fastNodeMs += (used.user + used.system) / 1000;
      // The sandboxes' CPU: they have not exited, so the window's own reading (cutime) did not see it.
      cpuMs.fast += descendantsCpuMs(floor.pid) - sandboxes;
    }
  };
  try {
    // Warm up: the fast path's workers start with the executor; count from their first answers on.
    await Promise.all(samples.slice(0, slots).map((s, i) => passes.fast(s, `\n# warm-up ${i}\n`)));
    fastChildMs = 0;
    startupCpuMs = descendantsCpuMs(floor.pid) / slots;
    for (let round = 0; round < rounds; round++) {
      // A comment makes each round's programs new to the result cache: every one really runs.
      const tag = `\n# round ${round}\n`;
      await measure("fast", tag);
      await measure("baseline", tag);
      await measure("noSite", tag);
      await measure("floor", tag);
      if (round === 0) await measure("strict", tag);
      console.error(`bench exec: round ${round + 1}/${rounds} done`);
    }
  } finally {
    floor.close();
    await Promise.all([fast.close(), strict.close()]);
  }
  const perSec = (k: Method) => Math.round((counted[k] / seconds[k]) * 10) / 10;
  const cpuPerProgram = (k: Method) => Math.round((cpuMs[k] / counted[k]) * 100) / 100;
  const figures = {
    programs: samples.length,
    rounds,
    slots,
    programsPerSec: perSec("fast"),
    baselinePerSec: perSec("baseline"),
    ratio: Math.round((perSec("fast") / perSec("baseline")) * 100) / 100,
    strictPerSec: perSec("strict"),
    noSitePerSec: perSec("noSite"),
    floorPerSec: perSec("floor"),
    ratioNoSite: Math.round((perSec("fast") / perSec("noSite")) * 100) / 100,
    /** CPU per program, all processes included: what the rates would be on idle cores is slots × 1000 / this. */
    cpuMsPerProgram: {
      fast: cpuPerProgram("fast"),
      strict: cpuPerProgram("strict"),
      baseline: cpuPerProgram("baseline"),
      noSite: cpuPerProgram("noSite"),
      floor: cpuPerProgram("floor"),
    },
    /** Where the fast path's CPU per program goes: Node, the fork servers (and bwrap), the programs' children. */
    fastSplitMs: {
      node: Math.round((fastNodeMs / counted.fast) * 100) / 100,
      server: Math.round(((cpuMs.fast - fastNodeMs - fastChildMs) / counted.fast) * 100) / 100,
      child: Math.round((fastChildMs / counted.fast) * 100) / 100,
    },
    /** A fast-path sandbox's CPU to start and run its warm-up program: not in the per-program figures. */
    fastStartupCpuMs: Math.round(startupCpuMs),
    floorCpuMsPerProgram: cpuPerProgram("floor"),
    /** The fast path's CPU per program over the floor's (issue 16 asks for at most 1.3). */
    floorRatio: Math.round((cpuPerProgram("fast") / cpuPerProgram("floor")) * 100) / 100,
    passed: Object.fromEntries(
      Object.keys(passed).map((k) => [
        k,
        `${passed[k as keyof typeof passed]}/${counted[k as keyof typeof counted]}`,
      ]),
    ),
  };
  console.log(`fast path:        ${figures.programsPerSec} programs/s (${figures.passed.fast} passed)`);
  console.log(`strict mode:      ${figures.strictPerSec} programs/s (${figures.passed.strict} passed)`);
  console.log(`plain python3:    ${figures.baselinePerSec} programs/s (${figures.passed.baseline} passed)`);
  console.log(`python3 -S:       ${figures.noSitePerSec} programs/s (${figures.passed.noSite} passed)`);
  console.log(
    `fast / baseline:  ${figures.ratio}x on ${slots} slots (${figures.ratioNoSite}x against python3 -S)`,
  );
  const c = figures.cpuMsPerProgram;
  console.log(
    `CPU per program:  fast ${c.fast} ms, strict ${c.strict} ms, python3 ${c.baseline} ms, python3 -S ${c.noSite} ms (all processes)`,
  );
  const split = figures.fastSplitMs;
  console.log(
    `fast path split:  Node ${split.node} ms, server ${split.server} ms, child ${split.child} ms per program`,
  );
  console.log(
    `fast path start:  ${figures.fastStartupCpuMs} ms CPU per sandbox (start-up and a warm-up program, counted apart)`,
  );
  console.log(
    `floor:            ${c.floor} ms per program (warm python3 forking bare children, ${figures.passed.floor} passed); fast / floor ${figures.floorRatio}x`,
  );
  return figures;
}
