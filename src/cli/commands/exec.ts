/** `linewise exec`: runs reference solutions (or given programs) against a benchmark's tests in the sandbox. */
import { createWriteStream, mkdirSync, openSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import { cpus } from "node:os";
import { type Limits, type SandboxExecutor, type Status, type Verdict } from "../../exec/index.js";
import { evalPlusColumns, runOptionsFor } from "../../exec/judge.js";
import {
  loadProblems,
  MalformedRowError,
  ProblemFileError,
  problemFormats,
  type ProblemFormat,
} from "../../problems/loaders/index.js";
import { asRow, text } from "../../problems/loaders/fields.js";
import { readRows, RowError } from "../../problems/loaders/rows.js";
import type { Problem } from "../../problems/types.js";
import { numberOption, parseOptions, requiredOption } from "../args.js";
import { UsageError, type Command } from "../command.js";
import { execUrls, executorHelp, executorOptions, openExecutor } from "../executor-option.js";

const name = "exec";

const help = `Usage: linewise exec --problems FILE [--format FORMAT] [--solutions FILE] [--out FILE]
                     [--all-tests] [--strict] [--skip-bad] [--timeout SECONDS] [--slots N] [--no-cache]
                     [--exec-url URL…] [--exec-token T]

Runs programs against a benchmark's tests in the sandbox and writes one verdict per program. Without
--solutions it runs each problem's reference solution (a check that the benchmark and the sandbox agree);
with --solutions it runs the given programs instead (e.g. model samples). Progress goes to stderr; a summary
by status goes to stdout and ends with the line 'N passed, M failed'.

Options:
  --problems FILE   the problems: JSONL (or .jsonl.gz, or a JSON array) in one of the formats below
  --format FORMAT   ${problemFormats.join(" | ")}
                    (default: detected from the first row's fields)
  --solutions FILE  JSONL rows {"problemId": ID, "program": PYTHON}; several rows may share a problem
  --out FILE        write the verdicts as JSONL, one per program in input order:
                    {problemId, status, base, passed, total, firstFailed, cpuMs, wallMs, detail}
                    (base: "pass" or "fail" on EvalPlus's base inputs alone, null for other benchmarks)
  --all-tests       run every test case (default: stop at the first failure, as rewards do)
  --strict          a fresh sandboxed interpreter per program (slower; default: forked workers)
  --skip-bad        warn about malformed rows (with file and line) and go on, instead of stopping
  --timeout SECONDS
                    CPU-time limit per program (default 10; wall-clock limit is twice that plus 2 s;
                    EvalPlus problems: each input's own limit, at most the wall-clock limit)
  --slots N         programs run at once (default: the number of cores)
  --no-cache        run every program again (default: verdicts are cached by program, tests and limits
                    in .cache/exec, so a repeated run is instant)
${executorHelp(20)}

Formats: humaneval (openai/human-eval), mbpp and mbpp-sanitized (google-research mbpp), apps
(codeparrot/apps), livecodebench (code_generation_lite), evalplus (HumanEval+ / MBPP+: expected outputs
are computed by running each canonical solution in the sandbox first, and judged by EvalPlus's rules;
the summary adds the base-only and base + plus counts), linewise (Problem JSONL).
Statuses: pass, wrong_answer, runtime_error, timeout, syntax_error, memory_limit, output_limit,
sandbox_error (the sandbox failed, not the program).

Examples:
  linewise exec --problems HumanEval.jsonl.gz
  linewise exec --problems mbpp.jsonl --solutions samples.jsonl --out verdicts.jsonl --all-tests`;

/** The order statuses are listed in the summary. */
const statuses: Status[] = [
  "pass",
  "wrong_answer",
  "runtime_error",
  "timeout",
  "syntax_error",
  "memory_limit",
  "output_limit",
  "sandbox_error",
];

interface Job {
  problem: Problem;
  program: string;
}

export const execCommand: Command = {
  name,
  summary: "run reference solutions or given programs against a benchmark's tests; write verdicts",
  help,
  async run(argv) {
    const { values } = parseOptions(name, argv, {
      problems: { type: "string" },
      format: { type: "string" },
      solutions: { type: "string" },
      out: { type: "string" },
      "all-tests": { type: "boolean" },
      strict: { type: "boolean" },
      "skip-bad": { type: "boolean" },
      timeout: { type: "string" },
      slots: { type: "string" },
      "no-cache": { type: "boolean" },
      ...executorOptions,
    });
    const problemsFile = requiredOption(name, "problems", values.problems);
    const format = values.format;
    if (format !== undefined && !(problemFormats as readonly string[]).includes(format))
      throw new UsageError(
        `linewise ${name}: --format expects one of ${problemFormats.join(", ")}; got '${format}'`,
      );
    const timeout = numberOption(name, "timeout", values.timeout, 10);
    if (timeout <= 0)
      throw new UsageError(
        `linewise ${name}: --timeout expects a positive number of seconds, got '${values.timeout}'`,
      );
    const slots = numberOption(name, "slots", values.slots, cpus().length);
    if (!Number.isInteger(slots) || slots < 1)
      throw new UsageError(`linewise ${name}: --slots expects a positive integer, got '${values.slots}'`);
    const skipBad = values["skip-bad"] ?? false;
    const limits: Limits = {
      cpuMs: timeout * 1000,
      wallMs: timeout * 2000 + 2000,
      stopOnFirstFailure: !values["all-tests"],
    };

    // Started on first use, so that a user error in the files costs no sandbox start-up.
    let executor: SandboxExecutor | undefined;
    const sandbox = () =>
      (executor ??= openExecutor(name, values, {
        slots,
        strict: values.strict ?? false,
        ...(values["no-cache"] ? { cacheDir: null } : {}),
      }));
    // Remote servers hold many programs each: keep enough in flight to fill them.
    const concurrency = execUrls(name, values).length > 0 ? 1024 : slots * 2;
    const out = values.out ? openOut(values.out) : undefined;
    const closeOnInterrupt = () =>
      void (executor?.close() ?? Promise.resolve()).finally(() => process.exit(130));
    process.once("SIGINT", closeOnInterrupt);
    try {
      // EvalPlus's expected outputs come from its canonical solutions, which EvalPlus runs without a limit
      // (HumanEval/15's takes over 40 s on a loaded 2-core machine): give them ten minutes at least.
      const captureLimits: Limits = {
        ...limits,
        cpuMs: Math.max(limits.cpuMs!, 600_000),
        wallMs: Math.max(limits.wallMs!, 1_200_000),
      };
      const { problems, bad } = await userErrors(() =>
        loadProblems(problemsFile, format as ProblemFormat | undefined, {
          skipBad,
          capture: (program, fnName, argsList, options) =>
            sandbox().capture(program, fnName, argsList, { ...captureLimits, ...options }),
        }),
      );
      const solutions = values.solutions
        ? readSolutions(values.solutions, problems, skipBad)
        : { jobs: referenceJobs(problems), bad: [] };
      const { jobs } = solutions;
      bad.push(...solutions.bad);
      warnBad(bad);
      if (jobs.length === 0)
        throw new UsageError(
          `linewise ${name}: nothing to run (no programs for the ${problems.length} problems)`,
        );

      const counts = new Map<Status, number>();
      const evalPlus = { programs: 0, base: 0, plus: 0 };
      const progress = progressReporter(jobs.length);
      await runInOrder(
        jobs,
        concurrency,
        (job) => sandbox().run(job.program, job.problem.tests, runOptionsFor(job.problem, limits)),
        (job, verdict) => {
          counts.set(verdict.status, (counts.get(verdict.status) ?? 0) + 1);
          const columns = evalPlusColumns(job.problem, verdict);
          if (columns) {
            evalPlus.programs++;
            if (columns.base) evalPlus.base++;
            if (columns.plus) evalPlus.plus++;
          }
          out?.write(verdictLine(job.problem.id, verdict, columns?.base));
          progress(counts);
        },
      );
      if (out)
        await new Promise<void>((resolve, reject) =>
          out.end((e?: Error | null) => (e ? reject(e) : resolve())),
        );

      const width = Math.max(...statuses.map((s) => s.length));
      for (const s of statuses) if (counts.get(s)) console.log(`${s.padEnd(width)}  ${counts.get(s)}`);
      if (evalPlus.programs)
        console.log(
          `EvalPlus: base tests ${evalPlus.base}/${evalPlus.programs} passed; base + plus tests ${evalPlus.plus}/${evalPlus.programs}`,
        );
      if (bad.length) console.log(`(${bad.length} malformed row${bad.length === 1 ? "" : "s"} skipped)`);
      const passed = counts.get("pass") ?? 0;
      console.log(`${passed} passed, ${jobs.length - passed} failed`);
    } finally {
      process.removeListener("SIGINT", closeOnInterrupt);
      if (out && !out.closed) out.destroy();
      await executor?.close();
    }
  },
};

/** Loader errors a user can fix become one-line UsageErrors. */
async function userErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof MalformedRowError)
      throw new UsageError(`${e.message} (--skip-bad skips malformed rows)`);
    if (e instanceof ProblemFileError) throw new UsageError(e.message);
    throw e;
  }
}

function warnBad(bad: Error[]): void {
  const shown = 10;
  for (const e of bad.slice(0, shown)) console.error(`warning: ${e.message}`);
  if (bad.length > shown) console.error(`warning: … and ${bad.length - shown} more malformed rows`);
}

/** Each problem's reference solution; problems without one are reported and left out. */
function referenceJobs(problems: Problem[]): Job[] {
  const without = problems.filter((p) => p.solution === undefined);
  if (without.length)
    console.error(
      `warning: ${without.length} of ${problems.length} problems have no reference solution and are not run (give programs with --solutions)`,
    );
  return problems
    .filter((p) => p.solution !== undefined)
    .map((problem) => ({ problem, program: problem.solution! }));
}

/** The rows `{problemId, program}` of a solutions file, each with its problem, and the rows skipped. */
function readSolutions(
  file: string,
  problems: Problem[],
  skipBad: boolean,
): { jobs: Job[]; bad: MalformedRowError[] } {
  const byId = new Map(problems.map((p) => [p.id, p]));
  const jobs: Job[] = [];
  const bad: MalformedRowError[] = [];
  for (const row of userErrorsSync(() => readRows(file))) {
    try {
      if (row.parseError !== undefined) throw new RowError(row.parseError);
      const fields = asRow(row.value!);
      const problemId = text(fields, "problemId");
      const problem = byId.get(problemId);
      if (!problem) throw new RowError(`problemId '${problemId}' is not in the problems file`);
      jobs.push({ problem, program: text(fields, "program") });
    } catch (e) {
      if (!(e instanceof RowError)) throw e;
      const error = new MalformedRowError(row, `solution row: ${e.message}`);
      if (!skipBad) throw new UsageError(`${error.message} (--skip-bad skips malformed rows)`);
      bad.push(error);
    }
  }
  return { jobs, bad };
}

function userErrorsSync<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ProblemFileError) throw new UsageError(e.message);
    throw e;
  }
}

/** The verdicts file, opened now so that an unwritable path is a one-line error before any work. */
function openOut(file: string): WriteStream {
  try {
    mkdirSync(dirname(file), { recursive: true });
    return createWriteStream("", { fd: openSync(file, "w") });
  } catch (e) {
    throw new UsageError(
      `linewise ${name}: cannot write --out ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

/** One verdict as a JSONL line with a fixed set of keys (absent values as null; `base` for EvalPlus). */
function verdictLine(problemId: string, v: Verdict, base?: boolean): string {
  const { status, passed, total, firstFailed, cpuMs, wallMs, detail } = v;
  return (
    JSON.stringify({
      problemId,
      status,
      base: base === undefined ? null : base ? "pass" : "fail",
      passed,
      total,
      firstFailed: firstFailed ?? null,
      cpuMs,
      wallMs,
      detail: detail ?? null,
    }) + "\n"
  );
}

/**
 * Runs `work` on every item with at most `concurrency` in flight and hands each result to `done` in input
 * order, so the verdict file lines up with the problems (or solutions) file.
 */
async function runInOrder<T, R>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
  done: (item: T, result: R) => void,
): Promise<void> {
  const results = new Map<number, R>();
  let next = 0;
  let emitted = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results.set(i, await work(items[i]!));
      while (results.has(emitted)) {
        done(items[emitted]!, results.get(emitted)!);
        results.delete(emitted++);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Progress on stderr: one updating line on a terminal, a log line per tenth otherwise. */
function progressReporter(total: number): (counts: Map<Status, number>) => void {
  let lastTenth = 0;
  let lastDraw = 0;
  return (counts) => {
    const done = [...counts.values()].reduce((a, b) => a + b, 0);
    const passed = counts.get("pass") ?? 0;
    const line = `exec: ${done}/${total} programs, ${passed} passed, ${done - passed} failed`;
    if (process.stderr.isTTY) {
      const now = Date.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      process.stderr.write(`\r${line}${done === total ? "\n" : ""}`);
      return;
    }
    const tenth = Math.floor((10 * done) / total);
    if (tenth > lastTenth) console.error(line);
    lastTenth = tenth;
  };
}
