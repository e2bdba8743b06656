/** The whole step catalogue of the built-in suite, looked up by the value type a step starts from. */
import { intStages, intTerminals } from "./ints.js";
import { stringStages, stringTerminals, wordStages, wordTerminals } from "./text.js";
import type { Stage, Terminal, ValueType } from "./step.js";

export * from "./step.js";

/** Every stage, in catalogue order (the order matters: sampling picks by index). */
export const allStages: readonly Stage[] = [...intStages, ...stringStages, ...wordStages];

/** Every terminal, in catalogue order. */
export const allTerminals: readonly Terminal[] = [...intTerminals, ...stringTerminals, ...wordTerminals];

/** The stages that read a value of type `t`. */
export function stagesFrom(t: ValueType): Stage[] {
  return allStages.filter((s) => s.from === t);
}

/** The terminals that read a value of type `t`. */
export function terminalsFrom(t: ValueType): Terminal[] {
  return allTerminals.filter((s) => s.from === t);
}
