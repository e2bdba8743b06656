/** Range checks shared by the trainers' configs; each error names the trainer and the field. */
import { ConfigError } from "../runs/index.js";
import { precisions } from "./mixed-precision.js";

/** Throws a ConfigError: "<trainer> config: <field> must be <expected>, got <value>". */
export type FieldFailure = (field: string, expected: string, value: unknown) => never;

/** The failure for `trainer`'s config (its name as the error's prefix). */
export function configFailure(trainer: string): FieldFailure {
  return (field, expected, value) => {
    throw new ConfigError(`${trainer} config: ${field} must be ${expected}, got ${JSON.stringify(value)}`);
  };
}

/** Each field's value must be a positive integer (checked in the object's order). */
export function checkPositiveIntegers(fields: Record<string, number>, fail: FieldFailure): void {
  for (const [field, value] of Object.entries(fields))
    if (!Number.isInteger(value) || value < 1) fail(field, "a positive integer", value);
}

/**
 * The settings the step-based trainers (SFT, PRM, DPO) share: how often the run evaluates, checkpoints
 * (and how many checkpoints it keeps) and logs, the learning-rate schedule, and AdamW.
 */
export function checkStepTrainerSettings(
  c: {
    evalEvery: number;
    checkpointEvery: number;
    keepCheckpoints: number;
    logEvery: number;
    warmupSteps: number;
    lr: number;
    minLrRatio: number;
    weightDecay: number;
    betas: readonly number[];
    gradClip: number;
  },
  fail: FieldFailure,
): void {
  checkPositiveIntegers(
    {
      evalEvery: c.evalEvery,
      checkpointEvery: c.checkpointEvery,
      keepCheckpoints: c.keepCheckpoints,
      logEvery: c.logEvery,
    },
    fail,
  );
  checkSchedule(c, fail);
  checkOptimiser(c, fail);
}

/** The learning-rate schedule: linear warmup, then cosine decay from `lr` to `lr · minLrRatio`. */
function checkSchedule(c: { warmupSteps: number; lr: number; minLrRatio: number }, fail: FieldFailure): void {
  if (!Number.isInteger(c.warmupSteps) || c.warmupSteps < 0)
    fail("warmupSteps", "an integer ≥ 0", c.warmupSteps);
  if (!(c.lr > 0)) fail("lr", "positive", c.lr);
  if (!(c.minLrRatio >= 0 && c.minLrRatio <= 1)) fail("minLrRatio", "in [0, 1]", c.minLrRatio);
}

/** AdamW's weight decay and betas, and the gradient-norm clip. */
export function checkOptimiser(
  c: { weightDecay: number; betas: readonly number[]; gradClip: number },
  fail: FieldFailure,
): void {
  if (!(c.weightDecay >= 0)) fail("weightDecay", "≥ 0", c.weightDecay);
  if (!c.betas.every((x) => x >= 0 && x < 1)) fail("betas", "two numbers in [0, 1)", c.betas);
  if (!(c.gradClip >= 0)) fail("gradClip", "≥ 0 (0: no clipping)", c.gradClip);
}

/** `precision`: the dtype the models compute in (mixed-precision.ts). */
export function checkPrecision(c: { precision: string }, fail: FieldFailure): void {
  if (!(precisions as readonly string[]).includes(c.precision))
    fail("precision", precisions.map((p) => `"${p}"`).join(" or "), c.precision);
}
