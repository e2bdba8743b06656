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
import type { Comparison, RunOptions } from "./limits.js";
import type { SandboxExecutor } from "./executor.js";
import type { Verdict } from "./types.js";

/** What judging needs of an executor: running one program against tests. */
export type ProgramRunner = Pick<SandboxExecutor, "run">;

/**
 * `limits` plus the comparison `problem.meta.compare` asks for. The problem's mode wins over one in
 * `limits`: it is how the benchmark's own expected values must be read (loaders check its shape).
 */
export function runOptionsFor(problem: Problem, limits: RunOptions = {}): RunOptions {
  const compare = problem.meta?.["compare"];
  return compare ? { ...limits, compare: compare as Comparison } : limits;
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
