/**
 * Turning a candidate's probe results into its test cases, or rejecting the candidate. The rules make the
 * tests worth passing: enough cases, answers that vary, and no stage that the tests cannot see.
 */
import type { Json } from "../types.js";

/** At least this many test cases per problem (issue 5). */
export const minTestCases = 5;

/** Why a candidate was rejected, counted in the build's progress. */
export type Rejection = "too_few_cases" | "constant_answer" | "invisible_step" | "reference_failed";

/** Results of the probe for one argument list: [reference, reference without ablated stage 0, …]. */
export type ProbeResult = Json | undefined;

function isError(v: Json | undefined): boolean {
  return v === undefined || (v !== null && typeof v === "object" && !Array.isArray(v));
}

/** Small enough to survive JSON exactly and to keep the test file readable. */
function withinBounds(v: Json): boolean {
  if (typeof v === "number") return Number.isSafeInteger(v) && Math.abs(v) <= 1e9;
  if (typeof v === "string") return v.length <= 200;
  if (Array.isArray(v)) return v.length <= 64 && v.every(withinBounds);
  return typeof v === "boolean";
}

const same = (a: Json | undefined, b: Json | undefined) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The call cases for a candidate from its probe results, or the reason to reject it. A case is kept when the
 * reference returned an in-bounds value; the candidate needs `minTestCases` of them, at least three distinct
 * answers (two for True/False answers), and, for every ablated stage, a case where leaving it out changes
 * the answer.
 */
export function chooseCases(
  argsList: readonly Json[][],
  probe: readonly ProbeResult[],
  ablations: number,
): { cases: { args: Json[]; expected: Json }[] } | { rejected: Rejection } {
  const kept: { args: Json[]; results: (Json | undefined)[] }[] = [];
  argsList.forEach((args, i) => {
    const results = probe[i];
    if (!Array.isArray(results) || results.length !== ablations + 1) return;
    const reference = results[0];
    if (isError(reference) || !withinBounds(reference!)) return;
    kept.push({ args, results });
  });
  if (kept.length < minTestCases) return { rejected: "too_few_cases" };
  const answers = kept.map((k) => k.results[0]!);
  const distinct = new Set(answers.map((a) => JSON.stringify(a))).size;
  if (distinct < (answers.every((a) => typeof a === "boolean") ? 2 : 3))
    return { rejected: "constant_answer" };
  for (let j = 1; j <= ablations; j++) {
    if (kept.every((k) => same(k.results[j], k.results[0]))) return { rejected: "invisible_step" };
  }
  return { cases: kept.map((k) => ({ args: k.args, expected: k.results[0]! })) };
}
