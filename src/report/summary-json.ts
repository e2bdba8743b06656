/**
 * summary.json: the headline figures of `demo` and `compare` for scripts. One row per arm and evaluation
 * split: pass@1 over the arm's seeds (mean, sample sd), and its difference from the SFT policy and from the
 * RL baseline with Welch's t and two-sided p. pass@1 and deltas are in percentage points; t and p are null
 * when either side has fewer than two seeds, and the comparison is null where it does not apply (the SFT
 * policy against itself, the baseline against itself).
 */
import type { EvalSummary } from "../eval/summary.js";
import { meanSpread, tTwoSidedP, welchT } from "./seed-stats.js";

/** One arm on one split: its evaluation summaries, one per seed. */
export interface ArmSplitEvals {
  arm: string;
  split: string;
  summaries: readonly EvalSummary[];
}

export interface Difference {
  /** Mean pass@1 of the arm minus the other's, in percentage points. */
  delta: number;
  t: number | null;
  p: number | null;
}

export interface SummaryRow {
  arm: string;
  split: string;
  seeds: number;
  passAt1: { mean: number; sd: number | null };
  vsSft: Difference | null;
  vsBaseline: Difference | null;
}

/** pass@1 of each seed's summary, in percentage points. */
function passAt1(summaries: readonly EvalSummary[]): number[] {
  return summaries.map((s) => 100 * (s.overall.passAtK.find((p) => p.k === 1)?.value ?? NaN));
}

/** The arm's pass@1 against another's: the mean difference, and Welch's t where both have two seeds. */
export function difference(arm: readonly number[], other: readonly number[]): Difference {
  const delta = meanSpread(arm).mean - meanSpread(other).mean;
  const welch = welchT(arm, other);
  if (!welch) return { delta, t: null, p: null };
  return { delta, t: welch.t, p: tTwoSidedP(welch.t, welch.df) };
}

/**
 * The rows of summary.json; `sft` and `baseline` name the arms the others are measured against (`baseline`
 * may depend on the arm: compare measures GRPO arms against GRPO's outcome-only arm).
 */
export function headlineSummary(
  evals: readonly ArmSplitEvals[],
  baseline: string | ((arm: string) => string),
  sft = "sft",
): { arms: SummaryRow[] } {
  const find = (arm: string, split: string) => evals.find((e) => e.arm === arm && e.split === split);
  return {
    arms: evals.map((e) => {
      const values = passAt1(e.summaries);
      const stats = meanSpread(values);
      const against = (other: string) => {
        const o = find(other, e.split);
        return o && other !== e.arm ? difference(values, passAt1(o.summaries)) : null;
      };
      return {
        arm: e.arm,
        split: e.split,
        seeds: e.summaries.length,
        passAt1: { mean: stats.mean, sd: stats.sd },
        vsSft: against(sft),
        vsBaseline: e.arm === sft ? null : against(typeof baseline === "string" ? baseline : baseline(e.arm)),
      };
    }),
  };
}
