/**
 * The labels view's data: every labelled response of every label file, indexed for the page's filters
 * (kind, prompt kind, difficulty, length, method), with its code highlighted and cut into steps in the
 * report-data chunks, beside its labels, the binary search's probes with their K completions, the linear
 * scan's labels, and a mutation's reference step and verdict.
 */
import { readLabels, type LabelRecord } from "../../labels/records.js";
import type { Chunks } from "./chunks.js";
import { highlightLines, highlightPieces, offsetsOf } from "./highlight.js";
import type { ProblemInfo } from "./problems.js";

/** One response in the page's index: what the filters and the list need, and where its detail is. */
export interface LabelEntry {
  /** Index into the view's files. */
  f: number;
  p: string;
  kind: string;
  promptKind: string | null;
  difficulty: string | null;
  steps: number;
  method: string;
  firstError: number | null;
  /** Steps where binary search and the linear scan disagree. */
  disagree: number;
  c: string;
  i: number;
}

export interface LabelsView {
  files: { path: string; records: number }[];
  responses: LabelEntry[];
}

/** Reads the label files and fills `chunks` with their responses' detail. */
export function labelsView(
  files: { path: string; name: string }[],
  problems: Map<string, ProblemInfo>,
  chunks: Chunks,
): LabelsView {
  const view: LabelsView = { files: [], responses: [] };
  files.forEach(({ path, name }, f) => {
    const records = readLabels(path);
    view.files.push({ path: name, records: records.length });
    for (const r of records) {
      const linear = r.linear?.labels;
      const disagree = linear ? linear.filter((l, j) => l !== r.labels[j]).length : 0;
      const at = chunks.add(`labels-${f}`, labelDetail(r));
      view.responses.push({
        f,
        p: r.problemId,
        kind: r.kind,
        promptKind: r.promptKind ?? null,
        difficulty: problems.get(r.problemId)?.difficulty ?? null,
        steps: r.steps.length,
        method: r.method,
        firstError: r.firstError,
        disagree,
        ...at,
      });
    }
  });
  return view;
}

// Runs repeat responses (identical samples of one prompt, the same response in several files): each
// distinct response is highlighted once per process.
const highlighted = new Map<string, string[]>();

/** A response's steps highlighted as one program (so strings and brackets across steps stay right). */
export function highlightSteps(steps: readonly string[]): string[] {
  const key = steps.join("\u0000");
  let pieces = highlighted.get(key);
  if (!pieces) {
    pieces = highlightPieces(steps.join(""), offsetsOf(steps));
    if (highlighted.size > 50_000) highlighted.clear();
    highlighted.set(key, pieces);
  }
  return pieces;
}

function labelDetail(r: LabelRecord) {
  const meta = r.meta ?? {};
  const stepIndex = typeof meta.stepIndex === "number" ? meta.stepIndex : null;
  return {
    prompt: highlightLines(r.prompt.replace(/\n$/, "")),
    steps: highlightSteps(r.steps),
    labels: r.labels,
    firstError: r.firstError,
    passed: r.passed ?? null,
    linear: r.linear ? { labels: r.linear.labels, monotone: r.linear.monotone } : null,
    probes: (r.probes ?? []).map((p) => ({
      step: p.step,
      correct: p.correct,
      completions: p.completions,
      executions: p.executions,
      // The completion continues the prefix: highlighted after it, so it starts in the right context.
      samples: (p.samples ?? []).map((s) => ({
        html: completionHtml(r.steps, p.step, s.text),
        passed: s.passed,
      })),
    })),
    mutation:
      r.method === "mutation"
        ? {
            rewrite: typeof meta.rewrite === "string" ? meta.rewrite : null,
            step: stepIndex,
            reference:
              typeof meta.original === "string" ? highlightLines(meta.original.replace(/\n$/, "")) : null,
            verdict: typeof meta.programStatus === "string" ? meta.programStatus : null,
          }
        : null,
    policy: r.policy,
    cost: r.cost,
  };
}

/** The completion of the prefix through `step`, highlighted in the context of that prefix. */
function completionHtml(steps: readonly string[], step: number, text: string): string {
  const prefix = steps.slice(0, step + 1).join("");
  return highlightPieces(prefix + text, [prefix.length])[1]!;
}
