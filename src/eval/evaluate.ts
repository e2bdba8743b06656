/**
 * Evaluation: sample responses for every problem, run them against the tests in the sandbox, and keep
 * one result row per problem. Rows are appended to a JSONL file as problems finish, so an interrupted run
 * loses at most the problems in flight and a rerun resumes with the rest.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Generator } from "../generate/types.js";
import type { SandboxExecutor } from "../exec/index.js";
import { evalPlusColumns, verdictFor } from "../exec/judge.js";
import type { Status } from "../exec/types.js";
import type { Problem } from "../problems/types.js";

export interface EvalOptions {
  /** Samples per problem for pass@k (0: greedy only). */
  n: number;
  /** Sampling temperature for the n samples. */
  temperature: number;
  topP?: number;
  /** Also decode one greedy response per problem (greedy pass@1). */
  greedy: boolean;
  /** Longest response, in tokens. */
  maxTokens: number;
  /** Generation stops before these strings (a function body ends where the next top-level statement starts). */
  stop?: string[];
  seed?: number;
  /** Problems whose samples are requested together (a local model batches them). */
  batchProblems?: number;
  /** Stops before the next batch of problems when it fires (Ctrl-C); the rows written so far stay. */
  signal?: AbortSignal;
}

export interface SampleResult {
  response: string;
  status: Status;
  passed: boolean;
  /** Response length in tokens (the generator's count; characters / 4 when it gives none). */
  tokens: number;
  /** EvalPlus problems only: whether the base inputs alone passed (the HumanEval / MBPP column; `passed`
   *  is the HumanEval+ / MBPP+ one). */
  base?: boolean;
}

/** One evaluated problem: the row written to results.jsonl. */
export interface ProblemResult {
  problemId: string;
  difficulty?: string;
  samples: SampleResult[];
  greedy?: SampleResult;
}

/** The stop strings that end a generated function body or program (as the Codex/HumanEval harness uses). */
export const defaultStops = ["\ndef ", "\nclass ", "\nif __name__", "\nprint(", "\n#", "\nassert "];

/** Reads the rows of an earlier, possibly interrupted, run (a torn last line is ignored). */
export function readResults(path: string): ProblemResult[] {
  if (!existsSync(path)) return [];
  const rows: ProblemResult[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      rows.push(JSON.parse(line) as ProblemResult);
    } catch {
      // the line a killed run was writing
    }
  }
  return rows;
}

/**
 * Evaluates the problems not yet in `resultsPath`, appending a row per problem; returns every row (old and
 * new) in problem order. `onProblem` is called after each problem.
 */
export async function evaluate(
  problems: Problem[],
  generator: Generator,
  executor: SandboxExecutor,
  options: EvalOptions,
  resultsPath: string,
  onProblem?: (done: number, total: number, result: ProblemResult) => void,
): Promise<ProblemResult[]> {
  const earlier = readResults(resultsPath);
  // Drop the torn line a killed run may have left, so new rows start on a line of their own.
  if (existsSync(resultsPath))
    writeFileSync(resultsPath, earlier.map((r) => JSON.stringify(r) + "\n").join(""));
  const done = new Map(earlier.map((r) => [r.problemId, r]));
  const todo = problems.filter((p) => !done.has(p.id));
  const batch = Math.max(1, options.batchProblems ?? 8);
  let finished = problems.length - todo.length;
  for (let start = 0; start < todo.length && !options.signal?.aborted; start += batch) {
    const chunk = todo.slice(start, start + batch);
    const requests = chunk.flatMap((p) => [
      ...(options.n > 0
        ? [
            {
              prompt: p.prompt,
              n: options.n,
              maxTokens: options.maxTokens,
              temperature: options.temperature,
              topP: options.topP,
              stop: options.stop,
              seed: options.seed,
            },
          ]
        : []),
      ...(options.greedy
        ? [
            {
              prompt: p.prompt,
              n: 1,
              maxTokens: options.maxTokens,
              temperature: 0,
              stop: options.stop,
              seed: options.seed,
            },
          ]
        : []),
    ]);
    const completions = await generator.complete(requests);
    let next = 0;
    const parts = chunk.map((problem) => ({
      problem,
      sampled: options.n > 0 ? completions[next++]! : [],
      greedy: options.greedy ? completions[next++]![0]! : undefined,
    }));
    // The sandbox queues every program of the chunk at once, so all slots stay busy.
    const results = await Promise.all(
      parts.map(async ({ problem, sampled, greedy }): Promise<ProblemResult> => {
        const judge = async (c: { text: string; tokens?: number[] }): Promise<SampleResult> => {
          const verdict = await verdictFor(problem, c.text, executor);
          const columns = evalPlusColumns(problem, verdict);
          return {
            response: c.text,
            status: verdict.status,
            passed: verdict.status === "pass",
            tokens: c.tokens?.length ?? Math.ceil(c.text.length / 4),
            ...(columns ? { base: columns.base } : {}),
          };
        };
        return {
          problemId: problem.id,
          ...(problem.difficulty !== undefined ? { difficulty: problem.difficulty } : {}),
          samples: await Promise.all(sampled.map(judge)),
          ...(greedy ? { greedy: await judge(greedy) } : {}),
        };
      }),
    );
    for (const result of results) {
      appendFileSync(resultsPath, JSON.stringify(result) + "\n");
      done.set(result.problemId, result);
      onProblem?.(++finished, problems.length, result);
    }
  }
  return problems.map((p) => done.get(p.id)!).filter((r) => r !== undefined);
}
