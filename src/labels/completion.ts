/**
 * Completion labels (PSGPO §3): a prefix of a response is correct when at least one of K completions of it,
 * sampled from the policy, passes every unit test. For a failing response, binary search over its
 * non-neutral steps finds the first prefix that no completion rescues; steps before it are +1, it and
 * every later step −1, neutral steps 0. A passing response is all +1 without probes.
 */
import type { RunOptions, SandboxExecutor } from "../exec/index.js";
import { checkedVerdictFor } from "../exec/judge.js";
import type { CompletionRequest, Generator } from "../generate/types.js";
import type { Problem } from "../problems/types.js";
import { requestSeed } from "./completion-cache.js";
import {
  firstErrorOf,
  responseKind,
  type LabelCost,
  type LabelRecord,
  type LinearLabels,
  type Probe,
  type StepLabel,
} from "./records.js";
import { segmentResponse, type Granularity, type Step } from "./segment.js";

/** How prefixes are completed and judged. */
export interface ProbeOptions {
  /** K: completions per probed prefix; the prefix is correct if any passes. */
  k: number;
  /** Sampling temperature of the completions. */
  temperature: number;
  topP?: number;
  /** Longest completion, in tokens. */
  maxTokens: number;
  /** Generation stops before these strings (where a function body ends). */
  stop?: string[];
  /** Each request's seed derives from this and its prompt, so completions are reproducible and cacheable. */
  seed: number;
  granularity: Granularity;
  /** Also probe every non-neutral prefix and record that scan in `linear` (binary search reuses its probes). */
  linear?: boolean;
  /** Recorded in each record: which model completed the prefixes. */
  policy: string;
  /** Limits for each program run (executor defaults otherwise). */
  limits?: RunOptions;
}

/** What a label run needs besides its options. */
export interface ProbeContext {
  generator: Generator;
  executor: SandboxExecutor;
}

/** Labels one response of `problem` (PSGPO §3); the record has no `promptKind` (that needs its siblings). */
export async function labelResponse(
  problem: Problem,
  response: string,
  context: ProbeContext,
  options: ProbeOptions,
): Promise<LabelRecord> {
  const started = performance.now();
  // Steps are parsed in the context of the code the response continues (the starter), not a prose prompt.
  const { steps, granularity } = await segmentResponse(problem.starter ?? "", response, options.granularity);
  const passed = await passes(problem, response, context.executor, options.limits);
  const outcome: LabelCost = { completions: 0, executions: 1, ms: performance.now() - started };
  const base = {
    problemId: problem.id,
    prompt: problem.prompt,
    response,
    steps: steps.map((s) => s.text),
    method: "completion" as const,
    policy: options.policy,
    passed,
    granularity,
  };
  if (passed) {
    const labels = steps.map((s): StepLabel => (s.neutral ? 0 : 1));
    return { ...base, labels, firstError: null, kind: "correct", cost: outcome, probes: [] };
  }

  const prober = new Prober(problem, steps, context, options);
  const positions = steps.flatMap((s, i) => (s.neutral ? [] : [i]));
  const linear = options.linear ? await linearScan(prober, steps, positions, outcome) : undefined;
  const { first, probes } = await binarySearch(prober, positions);
  const labels = steps.map((s, i): StepLabel => (s.neutral ? 0 : first === null || i < first ? 1 : -1));
  return {
    ...base,
    labels,
    firstError: first,
    kind: responseKind(false, labels),
    cost: plus(outcome, probes),
    probes,
    ...(linear ? { linear } : {}),
  };
}

/**
 * The first position whose prefix is incorrect, assuming correctness is monotone (once a prefix cannot be
 * rescued, no longer one can): a lower-bound search over the non-neutral steps, ⌈log2(L + 1)⌉ probes.
 */
async function binarySearch(
  prober: Prober,
  positions: number[],
): Promise<{ first: number | null; probes: Probe[] }> {
  const probes: Probe[] = [];
  let lo = 0;
  let hi = positions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const probe = await prober.probe(positions[mid]!);
    probes.push(probe);
    if (probe.correct) lo = mid + 1;
    else hi = mid;
  }
  return { first: lo < positions.length ? positions[lo]! : null, probes };
}

/** Probes every non-neutral prefix: each step's label is its own prefix's verdict, monotone or not. */
async function linearScan(
  prober: Prober,
  steps: Step[],
  positions: number[],
  outcome: LabelCost,
): Promise<LinearLabels> {
  const probes: Probe[] = [];
  for (const at of positions) probes.push(await prober.probe(at));
  const correct = new Map(probes.map((p) => [p.step, p.correct]));
  const labels = steps.map((s, i): StepLabel => (s.neutral ? 0 : correct.get(i) ? 1 : -1));
  const firstError = firstErrorOf(labels);
  const monotone = firstError === null || !labels.slice(firstError).includes(1);
  return { labels, firstError, monotone, cost: plus(outcome, probes) };
}

/** A cost plus that of some probes: each counts in full, as if it had run for this method alone. */
function plus(cost: LabelCost, probes: Probe[]): LabelCost {
  return probes.reduce(
    (sum, p) => ({
      completions: sum.completions + p.completions,
      executions: sum.executions + p.executions,
      ms: sum.ms + p.ms,
    }),
    { ...cost },
  );
}

/** Probes prefixes of one response, each at most once (binary search reuses a linear scan's probes). */
class Prober {
  private readonly done = new Map<number, Probe>();

  constructor(
    private readonly problem: Problem,
    private readonly steps: Step[],
    private readonly context: ProbeContext,
    private readonly options: ProbeOptions,
  ) {}

  /** Whether the prefix through step `at` can be completed to a passing program. */
  async probe(at: number): Promise<Probe> {
    let probe = this.done.get(at);
    if (!probe) {
      probe = await this.run(at);
      this.done.set(at, probe);
    }
    return probe;
  }

  private async run(at: number): Promise<Probe> {
    const started = performance.now();
    const { problem, options } = this;
    const prefix = this.steps
      .slice(0, at + 1)
      .map((s) => s.text)
      .join("");
    const prompt = problem.prompt + prefix;
    const [completions] = await this.context.generator.complete([
      samplingRequest(prompt, options.k, options),
    ]);
    let executions = 0;
    let correct = false;
    const samples = completions!.map((c) => ({ text: c.text, passed: null as boolean | null }));
    // One at a time, stopping at the first pass: a correct prefix usually costs one or two runs.
    for (const sample of samples) {
      executions++;
      sample.passed = await passes(problem, prefix + sample.text, this.context.executor, options.limits);
      if (sample.passed) {
        correct = true;
        break;
      }
    }
    return {
      step: at,
      correct,
      executions,
      completions: completions!.length,
      ms: performance.now() - started,
      samples,
    };
  }
}

/** A request for `n` samples continuing `prompt` with the run's sampling options, seeded by its text. */
export function samplingRequest(prompt: string, n: number, options: ProbeOptions): CompletionRequest {
  return {
    prompt,
    n,
    maxTokens: options.maxTokens,
    temperature: options.temperature,
    ...(options.topP !== undefined ? { topP: options.topP } : {}),
    ...(options.stop ? { stop: options.stop } : {}),
    seed: requestSeed(options.seed, prompt),
  };
}

/** Whether `response` passes every test of `problem`; a sandbox failure is an error, never a label. */
async function passes(
  problem: Problem,
  response: string,
  executor: SandboxExecutor,
  limits?: RunOptions,
): Promise<boolean> {
  return (await checkedVerdictFor(problem, response, executor, limits)).status === "pass";
}
