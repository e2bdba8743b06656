/**
 * Compositions: which steps a problem chains, and the rule that separates the train and test splits.
 *
 * The splits differ in composition, not only in seed (DESIGN.md, "The built-in problem suite"): a fixed
 * quarter of all ordered pairs of adjacent steps — counting the problem's start (`start.ints`, …) as a step,
 * so a one-step problem is the pair (start, terminal) — is held out. A train problem contains no held-out
 * pair; a test problem contains at least one. Every single step still occurs in train, so a test problem asks
 * for steps the model knows, next to neighbours it has never seen them with. The held-out set is a hash of
 * the pair's step ids, independent of the seed, so any train seed and any test seed stay disjoint.
 */
import { hashString, Rng } from "./random.js";
import {
  stagesFrom,
  terminalsFrom,
  type Param,
  type Stage,
  type Terminal,
  type ValueType,
} from "./steps/index.js";

/** One step of a problem with its drawn parameters. */
export interface Chosen<S extends Stage | Terminal> {
  step: S;
  params: Param[];
}

/** A problem's chain: the input type, the stages in order, and the terminal. */
export interface Composition {
  input: ValueType;
  stages: Chosen<Stage>[];
  terminal: Chosen<Terminal>;
}

export type Split = "train" | "test";

/** The share of adjacent step pairs held out for the test split, in percent. */
export const heldOutPercent = 25;

/** The pseudo-step every chain starts from, so the first real step also forms a pair. */
export function startId(t: ValueType): string {
  return `start.${t}`;
}

/** The ordered adjacent pairs of a composition, as `a>b` keys, starting from the start pseudo-step. */
export function pairKeys(c: Composition): string[] {
  const ids = [startId(c.input), ...c.stages.map((s) => s.step.id), c.terminal.step.id];
  return ids.slice(1).map((id, i) => `${ids[i]}>${id}`);
}

/** True when the ordered pair `a>b` is reserved for the test split. */
export function isHeldOutPair(key: string): boolean {
  return hashString(`linewise-suite/pair/${key}`) % 100 < heldOutPercent;
}

/** True when the composition belongs to the split: train has no held-out pair, test has at least one. */
export function inSplit(c: Composition, split: Split): boolean {
  const heldOut = pairKeys(c).some(isHeldOutPair);
  return split === "test" ? heldOut : !heldOut;
}

/** The number of steps, stages plus the terminal: the problem's difficulty level. */
export function stepCount(c: Composition): number {
  return c.stages.length + 1;
}

const inputWeights: [ValueType, number][] = [
  ["ints", 5],
  ["str", 3],
  ["words", 2],
];

function choose<S extends Stage | Terminal>(rng: Rng, step: S): Chosen<S> {
  return { step, params: step.params.map((choices) => rng.pick(choices)) };
}

/** Draws a chain of exactly `steps` steps: stages follow the value's type; no step repeats its predecessor. */
export function sampleChain(rng: Rng, steps: number): Composition {
  const input = rng.weighted(inputWeights);
  let type = input;
  let previous = "";
  const stages: Chosen<Stage>[] = [];
  for (let i = 0; i < steps - 1; i++) {
    const stage = rng.pick(stagesFrom(type).filter((s) => s.id !== previous));
    stages.push(choose(rng, stage));
    previous = stage.id;
    type = stage.to;
  }
  // A one-step problem that returns its input unchanged would be no problem at all.
  const terminals = terminalsFrom(type).filter((t) => stages.length > 0 || t.kind !== "return");
  return { input, stages, terminal: choose(rng, rng.pick(terminals)) };
}

/**
 * Draws a composition of the split with `steps` steps, by rejection (about a quarter of one-step chains and
 * two thirds of four-step chains contain a held-out pair). Null when `tries` draws all fell in the other split.
 */
export function sampleComposition(rng: Rng, split: Split, steps: number, tries = 200): Composition | null {
  for (let i = 0; i < tries; i++) {
    const c = sampleChain(rng, steps);
    if (inSplit(c, split)) return c;
  }
  return null;
}
