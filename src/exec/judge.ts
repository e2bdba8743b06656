/**
 * Judging one response of one problem: the program `programFor` makes of it, run against the problem's
 * tests with the comparison mode the problem asks for in `meta.compare` (EvalPlus's float tolerance).
 * Every caller that judges a response (eval, completion and mutation labels, PPO rollouts, `linewise exec`)
 * goes through here, so a response is judged the same way wherever it is judged.
 *
 * It lives in src/exec, not src/problems, because it needs the executor's types and src/problems imports
 * nothing; src/exec already depends on src/problems for `Tests`, and `programFor` is a dependency-free
 * convention of that layer, so the dependency keeps its direction.
 */
import { programFor } from "../problems/program.js";
import type { Problem } from "../problems/types.js";
import { evalPlusTaskCapMs, evalPlusTaskSlackMs } from "./evalplus.js";
import { defaultLimits, type Comparison, type RunOptions } from "./limits.js";
import type { SandboxExecutor } from "./executor.js";
import type { Verdict } from "./types.js";

/** What judging needs of an executor: running one program against tests. */
export type ProgramRunner = Pick<SandboxExecutor, "run">;

/**
 * `limits` plus what the problem asks for: the comparison in `meta.compare` (it wins over one in `limits`:
 * it is how the benchmark's own expected values must be read; loaders check its shape), and for EvalPlus
 * problems their per-input time limits (`meta.timeLimitsMs`), each capped by this run's wall-clock limit
 * (linewise's ceiling), with the run's limits sized as EvalPlus sizes its base and plus runs: each
 * min(60 s, the sum of its inputs' limits) + 1 s (evalplus/eval/__init__.py, `untrusted_check`), and a
 * larger memory limit where the problem asks for one (`meta.memoryBytes`).
 */
export function runOptionsFor(problem: Problem, limits: RunOptions = {}): RunOptions {
  const compare = problem.meta?.["compare"];
  let options = compare ? { ...limits, compare: compare as Comparison } : limits;
  // A problem whose canonical solution needs more memory than the default (EvalPlus's Mbpp/255) says how
  // much in `meta.memoryBytes`; it only ever raises the limit.
  const memory = problem.meta?.["memoryBytes"];
  if (typeof memory === "number" && memory > (limits.memoryBytes ?? defaultLimits.memoryBytes))
    options = { ...options, memoryBytes: memory };
  const perCase = problem.meta?.["timeLimitsMs"];
  const cases = problem.tests.kind === "call" ? problem.tests.cases.length : -1;
  if (!Array.isArray(perCase) || perCase.length !== cases) return options;
  const ceiling = limits.wallMs ?? defaultLimits.wallMs;
  const caseWallMs = (perCase as number[]).map((ms) => Math.min(ceiling, ms));
  const baseTests = typeof problem.meta?.["baseTests"] === "number" ? problem.meta["baseTests"] : cases;
  const section = (ms: number[]) =>
    ms.length === 0
      ? 0
      : Math.min(
          evalPlusTaskCapMs,
          ms.reduce((a, b) => a + b, 0),
        ) + evalPlusTaskSlackMs;
  const runMs = section(caseWallMs.slice(0, baseTests)) + section(caseWallMs.slice(baseTests));
  return { ...options, caseWallMs, wallMs: runMs, cpuMs: runMs };
}

/** The verdict of `response` (the code after the problem's starter) on `problem`'s tests. */
export function verdictFor(
  problem: Problem,
  response: string,
  executor: ProgramRunner,
  limits?: RunOptions,
): Promise<Verdict> {
  return executor.run(programFor(problem, response), problem.tests, runOptionsFor(problem, limits));
}

/**
 * `verdictFor` where a sandbox failure throws instead of returning: for labels, which must never record
 * a failure of the sandbox as one of the program. The message says to rerun (label runs resume).
 */
export async function checkedVerdictFor(
  problem: Problem,
  response: string,
  executor: ProgramRunner,
  limits?: RunOptions,
): Promise<Verdict> {
  const verdict = await verdictFor(problem, response, executor, limits);
  if (verdict.status === "sandbox_error")
    throw new Error(
      `the sandbox failed on problem ${problem.id}: ${verdict.detail ?? "no detail"}; rerun to resume`,
    );
  return verdict;
}

/**
 * EvalPlus's two columns for one verdict: whether the base inputs all passed (the HumanEval / MBPP
 * column) and whether base and plus inputs did (HumanEval+ / MBPP+; the verdict itself). Undefined for a
 * problem without `meta.baseTests`. The base inputs come first, so they passed when no test before
 * `baseTests` failed.
 */
export function evalPlusColumns(
  problem: Problem,
  verdict: Verdict,
): { base: boolean; plus: boolean } | undefined {
  const baseTests = problem.meta?.["baseTests"];
  if (typeof baseTests !== "number") return undefined;
  const plus = verdict.status === "pass";
  return { base: plus || (verdict.firstFailed !== undefined && verdict.firstFailed >= baseTests), plus };
}
