/**
 * Sample efficiency (issue 12, item 4): a learning curve of held-out pass rate against rollouts for every RL
 * arm, and the rollouts each arm needs to reach its comparison's outcome-only baseline. The training pass
 * rate cannot say this (it is measured on the problems being trained on, at training temperature), so the
 * arm's checkpoints are evaluated on the held-out RL problems after training: greedy decoding, one response
 * per problem, the cheap and deterministic half of the final evaluation. The curve starts at the SFT policy
 * (0 rollouts) and ends at the arm's final evaluation, so only the checkpoints in between are decoded here;
 * they are deleted once the curve is written.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { SandboxExecutor } from "../../exec/index.js";
import type { Problem } from "../../problems/types.js";
import { writeFileAtomic } from "../../runs/index.js";
import { meanSpread } from "../../report/seed-stats.js";
import { evaluateCheckpoint, type EvalSettings } from "../demo/arms.js";

/** A point of the curve: greedy pass@1 on the held-out RL problems after `rollouts` rollouts. */
export interface CurvePoint {
  iteration: number;
  rollouts: number;
  greedyPass1: number;
}

/** The iterations probed between the start and the end: every `every`-th, short of the last. */
export function probeIterations(iterations: number, every: number): number[] {
  if (every <= 0) return [];
  const probes: number[] = [];
  for (let i = every; i < iterations; i += every) probes.push(i);
  return probes;
}

/** What the curve of one arm × seed needs. */
export interface CurveInputs {
  /** The trainer's run folder (its checkpoints/step-N are kept until the curve is written). */
  runDir: string;
  iterations: number;
  every: number;
  rolloutsPerIteration: number;
  /** Greedy pass@1 of the SFT policy and of the arm's final checkpoint on the same problems. */
  startGreedy: number;
  finalGreedy: number;
  problems: Problem[];
  /** The arm × seed folder: the probes' evaluations go to curve/step-N, the curve to curve.json. */
  dir: string;
  settings: EvalSettings;
  executor: SandboxExecutor;
  label: string;
  signal?: AbortSignal;
}

/** Decodes the probed checkpoints (resumable per problem), writes `dir/curve.json`, and deletes them. */
export async function writeHeldoutCurve(c: CurveInputs): Promise<CurvePoint[]> {
  const point = (iteration: number, greedyPass1: number): CurvePoint => ({
    iteration,
    rollouts: iteration * c.rolloutsPerIteration,
    greedyPass1,
  });
  const points = [point(0, c.startGreedy)];
  for (const iteration of probeIterations(c.iterations, c.every)) {
    const checkpoint = join(c.runDir, "checkpoints", `step-${iteration}`);
    if (!existsSync(checkpoint))
      throw new Error(
        `${checkpoint}: missing, so the held-out curve cannot be drawn; the arm's run was trained without keeping its checkpoints (set "heldoutCurve": {"every": 0} to skip the curve)`,
      );
    const summary = await evaluateCheckpoint(
      checkpoint,
      c.problems,
      join(c.dir, "curve", `step-${iteration}`),
      { ...c.settings, samples: 0, ks: [1] },
      c.executor,
      `${c.label} step ${iteration}`,
      c.signal,
    );
    points.push(point(iteration, summary.greedyPass1 ?? NaN));
  }
  points.push(point(c.iterations, c.finalGreedy));
  writeFileAtomic(join(c.dir, "curve.json"), JSON.stringify(points, null, 2) + "\n");
  pruneCheckpoints(join(c.runDir, "checkpoints"), c.iterations);
  return points;
}

/** Deletes every checkpoint before the final one: the curve kept them, and at 12 MB each they add up. */
function pruneCheckpoints(dir: string, final: number): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const step = /^step-(\d+)$/.exec(name);
    if (step && Number(step[1]) < final) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** Mean and sample sd of the seeds' curves at each rollout count they share. */
export function meanCurve(
  curves: readonly CurvePoint[][],
): { rollouts: number; mean: number; sd: number | null }[] {
  if (curves.length === 0) return [];
  const shared = curves[0]!
    .map((p) => p.rollouts)
    .filter((r) => curves.every((c) => c.some((p) => p.rollouts === r)));
  return shared.map((rollouts) => {
    const { mean, sd } = meanSpread(curves.map((c) => c.find((p) => p.rollouts === rollouts)!.greedyPass1));
    return { rollouts, mean, sd };
  });
}

/** The first rollout count at which a mean curve reaches `target` (null: never within the budget). */
export function rolloutsToReach(
  curve: readonly { rollouts: number; mean: number }[],
  target: number,
): number | null {
  return curve.find((p) => p.mean >= target)?.rollouts ?? null;
}
