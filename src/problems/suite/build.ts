/**
 * Builds the built-in suite (DESIGN.md, "The built-in problem suite"): draws candidates from the seeded
 * stream, computes their expected outputs by running the reference through the executor, keeps those whose
 * tests are worth passing, and checks that every reference passes its own tests.
 */
import type { SandboxExecutor } from "../../exec/index.js";
import type { Limits } from "../../exec/types.js";
import type { Json, Problem } from "../types.js";
import { captureBatch, passBatch } from "./batch.js";
import { chooseCases, type Rejection } from "./cases.js";
import { candidates, difficultyOf, type Candidate } from "./candidates.js";
import { isHeldOutPair, pairKeys, type Split } from "./compose.js";
import { probeFunction, probeProgram } from "./probe.js";

/** Defaults of the generator's knobs. */
export const suiteDefaults = {
  /** The hardest level: a problem has 1 to 4 steps. */
  maxSteps: 4,
  /** Test calls drawn per candidate; those whose reference raises or overflows are dropped. */
  argsPerProblem: 10,
};

/** Generous limits: the references are tiny, and a spurious timeout would make the suite depend on load. */
const buildLimits: Limits = { wallMs: 20_000, cpuMs: 10_000 };

/** Candidates drawn per round; they run as `chunksPerRound` batched programs, queued on the executor's slots. */
const batchSize = 96;
const chunksPerRound = 4;

/** How the build is going, reported after each batch. */
export interface SuiteProgress {
  built: number;
  n: number;
  /** Candidates tried so far. */
  candidates: number;
  rejected: Record<Rejection, number>;
}

export interface SuiteOptions {
  /** Problems to build. */
  n: number;
  seed: number;
  split: Split;
  executor: SandboxExecutor;
  /** The hardest difficulty level (number of steps); default 4. */
  maxSteps?: number;
  /** The easiest difficulty level; default 1. A pool of only longer problems (the RL split) sets it higher. */
  minSteps?: number;
  onProgress?: (progress: SuiteProgress) => void;
}

/** A stopped build: the executor failed, not a candidate. */
export class SuiteBuildError extends Error {
  override name = "SuiteBuildError";
}

/** The sandbox failed: the build stops (a candidate's rejection never depends on the machine). */
function sandboxFailed(detail: string | undefined): SuiteBuildError {
  return new SuiteBuildError(`the sandbox failed while building the suite: ${detail ?? "no detail"}`);
}

/** A candidate's probe: its expected outputs and ablation results, one capture of its own. */
async function probeAlone(c: Candidate, executor: SandboxExecutor): Promise<(Json | undefined)[]> {
  const probe = probeProgram(c.composition, c.prompt, c.response, c.fnName);
  const captured = await executor.capture(probe.program, probeFunction, c.argsList, buildLimits);
  if (captured.status === "sandbox_error") throw sandboxFailed(captured.detail);
  return captured.values;
}

/** Whether the reference passes its own tests, in a run of its own. */
async function checkAlone(c: Candidate, tests: CallTests, executor: SandboxExecutor): Promise<boolean> {
  const verdict = await executor.run(c.prompt + c.response, tests, buildLimits);
  if (verdict.status === "sandbox_error") throw sandboxFailed(verdict.detail);
  return verdict.status === "pass";
}

type CallTests = Extract<Problem["tests"], { kind: "call" }>;

/** The problem of a candidate whose reference passed its tests. */
function problemOf(c: Candidate, tests: CallTests, split: Split, seed: number): Problem {
  const { input, stages, terminal } = c.composition;
  const steps = [...stages, terminal];
  return {
    id: `suite/${split}/${seed}/${c.index}`,
    source: "suite",
    prompt: c.prompt,
    // The prompt is code that responses continue (types.ts): starter === prompt, solution a whole program.
    starter: c.prompt,
    solution: c.prompt + c.response,
    tests,
    difficulty: difficultyOf(c.composition),
    meta: {
      family: input === "ints" ? terminal.step.family : "strings",
      input,
      steps: steps.map((s) => s.step.id),
      kinds: steps.map((s) => s.step.kind),
      params: steps.map((s) => s.params),
      lines: c.response.split("\n").length - 1,
      heldOutPairs: pairKeys(c.composition).filter(isHeldOutPair),
    },
  };
}

/**
 * The problems of a chunk of candidates, or why each was rejected: their probes run as one batched
 * program, then the kept references' checks as another (batch.ts). A batch that does not run cleanly is
 * run again candidate by candidate, so the result is the same as running each alone.
 */
async function realiseChunk(
  chunk: Candidate[],
  split: Split,
  seed: number,
  executor: SandboxExecutor,
): Promise<(Problem | Rejection)[]> {
  const probes = chunk.map((c) => probeProgram(c.composition, c.prompt, c.response, c.fnName));
  const batched = await captureBatch(
    executor,
    chunk.map((c, i) => ({ program: probes[i]!.program, fnName: probeFunction, argsList: c.argsList })),
    buildLimits,
  );
  const values = batched ?? (await Promise.all(chunk.map((c) => probeAlone(c, executor))));
  const chosen = chunk.map((c, i) => chooseCases(c.argsList, values[i]!, probes[i]!.ablated.length));
  const tests = chosen.map((r, i): CallTests | undefined =>
    "cases" in r ? { kind: "call", fnName: chunk[i]!.fnName, cases: r.cases } : undefined,
  );
  const kept = chunk.flatMap((c, i) => (tests[i] ? [{ c, tests: tests[i] }] : []));
  const allPass =
    kept.length > 0 &&
    (await passBatch(
      executor,
      kept.map(({ c, tests }) => ({ program: c.prompt + c.response, fnName: c.fnName, cases: tests.cases })),
      buildLimits,
    ));
  return Promise.all(
    chunk.map(async (c, i): Promise<Problem | Rejection> => {
      const r = chosen[i]!;
      if ("rejected" in r) return r.rejected;
      if (!allPass && !(await checkAlone(c, tests[i]!, executor))) return "reference_failed";
      return problemOf(c, tests[i]!, split, seed);
    }),
  );
}

/** Builds `n` problems of a split; the same seed gives the same problems on every machine. */
export async function buildSuite(options: SuiteOptions): Promise<Problem[]> {
  const { n, seed, split, executor } = options;
  const stream = candidates({
    seed,
    split,
    maxSteps: options.maxSteps ?? suiteDefaults.maxSteps,
    minSteps: options.minSteps ?? 1,
    argsPerProblem: suiteDefaults.argsPerProblem,
  });
  const problems: Problem[] = [];
  const progress: SuiteProgress = {
    built: 0,
    n,
    candidates: 0,
    rejected: { too_few_cases: 0, constant_answer: 0, invisible_step: 0, reference_failed: 0 },
  };
  while (problems.length < n) {
    const batch: Candidate[] = [];
    // next() rather than for-of: breaking out of for-of would close the generator.
    for (let next = stream.next(); !next.done; next = stream.next()) {
      batch.push(next.value);
      if (batch.length === batchSize) break;
    }
    if (batch.length === 0)
      throw new SuiteBuildError(
        `the ${split} split has only ${problems.length} distinct problems with at most ${options.maxSteps ?? suiteDefaults.maxSteps} steps; ask for fewer or allow more steps`,
      );
    // Results are taken in stream order, so the suite does not depend on which run finishes first.
    const size = Math.ceil(batch.length / chunksPerRound);
    const chunks = Array.from({ length: Math.ceil(batch.length / size) }, (_, k) =>
      batch.slice(k * size, (k + 1) * size),
    );
    const results = (await Promise.all(chunks.map((c) => realiseChunk(c, split, seed, executor)))).flat();
    for (const r of results) {
      if (problems.length === n) break;
      progress.candidates++;
      if (typeof r === "string") progress.rejected[r]++;
      else problems.push(r);
    }
    progress.built = problems.length;
    options.onProgress?.(progress);
  }
  return problems;
}
