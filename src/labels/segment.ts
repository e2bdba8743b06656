/**
 * Splitting a response into steps: lines (PSGPO) or blocks (PRLCoder §3.1, "line or block").
 *
 * A step is always a run of whole lines (clipped to the response), so steps concatenate exactly to the
 * response and every step ends at a line end, where rewards and labels sit (DESIGN.md, "Line ends").
 * Neutral steps (blank lines, comment-only lines, docstrings) get label 0 and are never probe points:
 * PSGPO's guard against padding a response with comments to collect per-line reward.
 */
import {
  Lines,
  descendants,
  docstringBodies,
  docstringOf,
  fieldChild,
  statementsOf,
} from "./python/nodes.js";
import { parsePython, type PyNode, type PyTree } from "./python/parser.js";

/** `line`: one step per line. `block`: one step per statement, a compound statement with its whole body. */
export type Granularity = "line" | "block";

/** One step of a response; `start`/`end` are offsets into the response, `text` its slice. */
export interface Step {
  text: string;
  start: number;
  end: number;
  /** Blank, comment-only or docstring: label 0, never a probe point. */
  neutral: boolean;
}

/** Steps, and whether the program failed to parse (then block granularity falls back to lines). */
export interface Segmentation {
  steps: Step[];
  /** The granularity actually used: `line` when `block` was asked for but the program does not parse. */
  granularity: Granularity;
  syntaxError: boolean;
}

/**
 * Segments `response` in the context of `prompt`: the two are parsed together (a response is usually a
 * function body continuing the prompt's signature and docstring) and only the response's steps returned.
 */
export async function segmentResponse(
  prompt: string,
  response: string,
  granularity: Granularity,
): Promise<Segmentation> {
  return segmentTree(await parsePython(prompt + response), prompt.length, granularity);
}

/** Segments a whole program. */
export async function segmentSteps(code: string, granularity: Granularity): Promise<Step[]> {
  return (await segmentResponse("", code, granularity)).steps;
}

/** Segments the part of a parsed program from offset `from` on; step offsets are relative to `from`. */
export function segmentTree(tree: PyTree, from: number, granularity: Granularity): Segmentation {
  const lines = new Lines(tree.code);
  const used: Granularity = tree.hasError ? "line" : granularity;
  const units = used === "line" ? lineUnits(lines) : blockUnits(tree.root, lines);
  const neutral = neutralSpans(tree);
  const steps: Step[] = [];
  for (const [first, last] of units) {
    const start = Math.max(lines.starts[first]!, from);
    const end = lines.ends[last]!;
    if (end <= start) continue;
    steps.push({
      text: tree.code.slice(start, end),
      start: start - from,
      end: end - from,
      neutral: isNeutral(tree.code, start, end, neutral),
    });
  }
  return { steps, granularity: used, syntaxError: tree.hasError };
}

/** Line ranges [first, last] (inclusive), one per line. */
function lineUnits(lines: Lines): [number, number][] {
  return lines.starts.map((_, i) => [i, i]);
}

/**
 * Line ranges of blocks: each statement's lines, merged where statements share a line; lines no
 * statement covers (blank, comments between statements) are single-line units.
 */
function blockUnits(root: PyNode, lines: Lines): [number, number][] {
  const ranges: [number, number][] = [];
  collectStatementRanges(root, lines, ranges);
  ranges.sort((a, b) => a[0] - b[0]);
  const units: [number, number][] = [];
  let line = 0;
  let r = 0;
  while (line < lines.count) {
    if (r < ranges.length && ranges[r]![0] <= line) {
      let last = ranges[r++]![1];
      while (r < ranges.length && ranges[r]![0] <= last) last = Math.max(last, ranges[r++]![1]);
      units.push([line, last]);
      line = last + 1;
    } else {
      units.push([line, line]);
      line++;
    }
  }
  return units;
}

const definitions = ["function_definition", "class_definition", "decorated_definition"];

/**
 * Definitions at module level and in class bodies are containers, not blocks: their header (through the
 * `:`) is one step and each statement of their body is split further. Anything else, including a def
 * nested in a function body, is one block.
 */
function collectStatementRanges(body: PyNode, lines: Lines, out: [number, number][]): void {
  const splitsDefinitions = body.type === "module" || body.parent?.type === "class_definition";
  for (const statement of statementsOf(body)) {
    const definition =
      statement.type === "decorated_definition" ? fieldChild(statement, "definition") : statement;
    const inner =
      splitsDefinitions && definition && definitions.includes(definition.type)
        ? fieldChild(definition, "body")
        : null;
    const colon = definition?.children.find((c) => c.type === ":");
    if (inner && colon) {
      out.push([lines.lineOf(statement.start), lines.lineOf(colon.start)]);
      collectStatementRanges(inner, lines, out);
    } else {
      out.push([lines.lineOf(statement.start), lines.lineOf(Math.max(statement.start, statement.end - 1))]);
    }
  }
}

/** Character spans that count as neutral: comments and docstrings. */
function neutralSpans(tree: PyTree): [number, number][] {
  const spans: [number, number][] = [];
  for (const n of descendants(tree.root)) if (n.type === "comment") spans.push([n.start, n.end]);
  for (const body of docstringBodies(tree.root)) {
    const doc = docstringOf(body);
    if (doc) spans.push([doc.start, doc.end]);
  }
  return spans.sort((a, b) => a[0] - b[0]);
}

/** Whether every non-whitespace character of code[start, end) lies in a neutral span. */
function isNeutral(code: string, start: number, end: number, spans: [number, number][]): boolean {
  let i = start;
  let s = 0;
  while (i < end) {
    if (/\s/.test(code[i]!)) {
      i++;
      continue;
    }
    while (s < spans.length && spans[s]![1] <= i) s++;
    const span = spans[s];
    if (!span || span[0] > i) return false;
    i = span[1];
  }
  return true;
}
