/**
 * The RL test-bed: which built-in suite problems SFT learns from, which RL trains on, and where both are
 * measured. RL has to do work that SFT did not already do, so the two see different problems:
 *
 * - **sft**: train-split problems of 1 to `sftMaxSteps` steps, with their reference solutions (the only
 *   split whose references any trainer reads; PRLCoder's mutation labels rewrite them too);
 * - **rl**: train-split problems of `rlMinSteps` to `maxSteps` steps that SFT never saw, carrying tests
 *   only (their references are dropped when written): longer chains, where the SFT policy passes
 *   sometimes but not reliably, and the longest ones are a horizon SFT never showed;
 * - **rl-heldout**: more problems drawn exactly like `rl` and disjoint from it (and from `sft`): the
 *   headline measure, unseen problems of the distribution RL trained on;
 * - **compositional**: the test split, pairs of adjacent steps no train problem has; a separate
 *   measure of generalisation that RL on the train split is not expected to teach.
 *
 * The pools come from independent streams of the suite generator (seed and seed + 1000), and any
 * problem of the RL pool whose prompt SFT saw is dropped, so the splits are disjoint by prompt.
 */
import type { SandboxExecutor } from "../../exec/index.js";
import type { Problem } from "../../problems/types.js";
import { buildSuite, SuiteBuildError, type SuiteOptions } from "../../problems/suite/index.js";
import { ConfigError } from "../../runs/index.js";

export interface TestbedConfig {
  /** SFT problems: train split, 1 to sftMaxSteps steps, with reference solutions. */
  sftProblems: number;
  /** The longest SFT problems, in steps. */
  sftMaxSteps: number;
  /** RL training problems: train split, rlMinSteps to maxSteps steps, tests only. */
  rlProblems: number;
  /** Held-out problems drawn like the RL problems (the headline evaluation). */
  rlHeldoutProblems: number;
  /** The shortest RL problems, in steps. */
  rlMinSteps: number;
  /** The longest problems anywhere (RL and the compositional split), in steps. */
  maxSteps: number;
  /** Compositional test problems: the test split (held-out step pairs), 1 to maxSteps steps. */
  compositionalProblems: number;
}

/** The four problem sets of the test-bed, in the order they are built. */
export interface TestbedSplits {
  sft: Problem[];
  rl: Problem[];
  rlHeldout: Problem[];
  compositional: Problem[];
}

export type TestbedSplitName = keyof TestbedSplits;

/** The splits a policy is evaluated on: unseen problems drawn like the RL problems, and the compositional split. */
export const evalSplits = ["rl-heldout", "compositional"] as const;
export type EvalSplit = (typeof evalSplits)[number];

/** Where the RL pool's stream starts, relative to the demo seed: far from any seed a user would pick next. */
const rlSeedOffset = 1000;

/** Builds the splits; `onProgress(split, built, n)` reports each build. Deterministic for a seed. */
export async function buildTestbed(
  config: TestbedConfig,
  seed: number,
  executor: SandboxExecutor,
  onProgress: (split: string, built: number, n: number) => void = () => {},
): Promise<TestbedSplits> {
  checkTestbedConfig(config);
  const sft = await build("sftProblems", {
    n: config.sftProblems,
    seed,
    split: "train",
    maxSteps: config.sftMaxSteps,
    executor,
    onProgress: (p) => onProgress("sft", p.built, p.n),
  });
  const pool = await rlPool(config, seed, executor, new Set(sft.map((p) => p.prompt)), onProgress);
  const compositional = await build("compositionalProblems", {
    n: config.compositionalProblems,
    seed,
    split: "test",
    maxSteps: config.maxSteps,
    executor,
    onProgress: (p) => onProgress("compositional", p.built, p.n),
  });
  return {
    sft,
    rl: pool.slice(0, config.rlProblems).map(testsOnly),
    rlHeldout: pool.slice(config.rlProblems).map(testsOnly),
    compositional,
  };
}

/** rlProblems + rlHeldoutProblems problems of the RL distribution, none with a prompt SFT saw. */
async function rlPool(
  config: TestbedConfig,
  seed: number,
  executor: SandboxExecutor,
  seen: ReadonlySet<string>,
  onProgress: (split: string, built: number, n: number) => void,
): Promise<Problem[]> {
  const need = config.rlProblems + config.rlHeldoutProblems;
  // The stream is deterministic, so asking for more problems extends the same list: grow until enough survive.
  // About a quarter of 2-3-step prompts also occur among the SFT problems, hence the first ask's margin.
  for (let ask = Math.ceil(need * 1.4); ; ask = Math.ceil(ask * 1.25)) {
    const drawn = await build("rlProblems", {
      n: ask,
      seed: seed + rlSeedOffset,
      split: "train",
      minSteps: config.rlMinSteps,
      maxSteps: config.maxSteps,
      executor,
      onProgress: (p) => onProgress("rl", p.built, p.n),
    });
    const fresh = drawn.filter((p) => !seen.has(p.prompt));
    if (fresh.length >= need) return fresh.slice(0, need);
  }
}

/** buildSuite, with a split that cannot be that large reported as the config field to change. */
async function build(field: keyof TestbedConfig, options: SuiteOptions): Promise<Problem[]> {
  try {
    return await buildSuite(options);
  } catch (e) {
    if (e instanceof SuiteBuildError && /distinct problems/.test(e.message))
      throw new ConfigError(`testbed.${field}: ${e.message}`);
    throw e;
  }
}

/** An RL problem as RL sees it: its tests, never its reference. */
function testsOnly(p: Problem): Problem {
  const rest = { ...p };
  delete rest.solution;
  return rest;
}

/** Checks the sizes and step ranges; the error names the field. */
export function checkTestbedConfig(c: TestbedConfig): void {
  const fail = (field: string, want: string, got: unknown) => {
    throw new ConfigError(`testbed.${field}: expected ${want}, got ${JSON.stringify(got)}`);
  };
  for (const field of ["sftProblems", "rlProblems", "rlHeldoutProblems", "compositionalProblems"] as const)
    if (!Number.isInteger(c[field]) || c[field] < 1) fail(field, "a positive integer", c[field]);
  if (!Number.isInteger(c.maxSteps) || c.maxSteps < 1 || c.maxSteps > 8)
    fail("maxSteps", "1 to 8", c.maxSteps);
  if (!Number.isInteger(c.sftMaxSteps) || c.sftMaxSteps < 1 || c.sftMaxSteps > c.maxSteps)
    fail("sftMaxSteps", `1 to maxSteps (${c.maxSteps})`, c.sftMaxSteps);
  if (!Number.isInteger(c.rlMinSteps) || c.rlMinSteps < 1 || c.rlMinSteps > c.maxSteps)
    fail("rlMinSteps", `1 to maxSteps (${c.maxSteps})`, c.rlMinSteps);
}
