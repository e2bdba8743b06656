/**
 * The probe program run once per candidate: the reference function, one copy of it per stage with that
 * stage left out, and `_suite_probe(*args)` returning all their results for one argument list. One capture
 * then gives both the expected outputs and the evidence that every stage changes some output (a stage the
 * tests cannot see would let a model that skips it pass, and would blur line labels).
 */
import type { Composition } from "./compose.js";
import { joinBlocks, stepBlocks } from "./render.js";
import { variableOf } from "./steps/index.js";

/** The probe's entry point. */
export const probeFunction = "_suite_probe";

/** The probe program, and the stage indices it leaves out one at a time (conversions cannot be left out). */
export function probeProgram(
  c: Composition,
  prompt: string,
  response: string,
  fnName: string,
): { program: string; ablated: number[] } {
  const parameter = variableOf[c.input];
  const blocks = stepBlocks(c);
  const ablated = c.stages.flatMap((s, i) => (s.step.from === s.step.to ? [i] : []));
  const copies = ablated.map(
    (i) => `def _without_step_${i}(${parameter}):\n${joinBlocks(blocks.filter((_, j) => j !== i))}`,
  );
  const callees = [fnName, ...ablated.map((i) => `_without_step_${i}`)];
  const probe = [
    `def ${probeFunction}(*args):`,
    "    import copy",
    "    results = []",
    `    for f in [${callees.join(", ")}]:`,
    "        try:",
    "            results.append(f(*copy.deepcopy(args)))",
    "        except Exception as e:",
    '            results.append({"error": type(e).__name__})',
    "    return results",
  ].join("\n");
  return { program: [prompt + response, ...copies, probe].join("\n\n") + "\n", ablated };
}
