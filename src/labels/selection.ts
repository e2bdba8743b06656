/**
 * Which labelled responses train the PRM (PSGPO §4.3, data selection). Prompts are easy (every response
 * passes), medium (some do) or hard (none does); responses are correct, revised (fail, but a non-empty
 * prefix can still be completed to pass) or wrong.
 *
 * - full: every response;
 * - remove-hard: drop hard prompts' responses (all wrong or revised, labels from a policy that never solves them);
 * - medium-only: keep only medium prompts' responses;
 * - revised-only: keep only revised responses, the ones whose labels hold both +1 and −1 steps
 *   (the paper's best setting).
 */
import {
  groupByProblem,
  promptKind,
  type LabelRecord,
  type PromptKind,
  type ResponseKind,
} from "./records.js";

export const selectionStrategies = ["full", "remove-hard", "medium-only", "revised-only"] as const;
export type SelectionStrategy = (typeof selectionStrategies)[number];

/** Whether `strategy` keeps a response of kind `response` to a prompt of kind `prompt`. */
export function keeps(strategy: SelectionStrategy, prompt: PromptKind, response: ResponseKind): boolean {
  switch (strategy) {
    case "full":
      return true;
    case "remove-hard":
      return prompt !== "hard";
    case "medium-only":
      return prompt === "medium";
    case "revised-only":
      return response === "revised";
  }
}

/** The records of one problem with their prompt kind set, and those `strategy` keeps. */
export function selectProblem(
  records: LabelRecord[],
  strategy: SelectionStrategy,
): { all: LabelRecord[]; kept: LabelRecord[] } {
  const kind = promptKind(records.map((r) => r.kind));
  const all = records.map((r) => ({ ...r, promptKind: kind }));
  return { all, kept: all.filter((r) => keeps(strategy, kind, r.kind)) };
}

/** Applies `strategy` to records of many problems (prompt kinds computed per problemId), keeping their order. */
export function selectRecords(records: LabelRecord[], strategy: SelectionStrategy): LabelRecord[] {
  const byProblem = groupByProblem(records);
  const kinds = new Map([...byProblem].map(([id, rs]) => [id, promptKind(rs.map((r) => r.kind))]));
  return records.filter((r) => keeps(strategy, kinds.get(r.problemId)!, r.kind));
}
