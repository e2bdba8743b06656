/** Small helpers over `PyNode` trees and over the lines of a source text. */
import type { PyNode, PyTree } from "./parser.js";

/** The node's source text. */
export function textOf(tree: PyTree, node: PyNode): string {
  return tree.code.slice(node.start, node.end);
}

/** The first child filling `field` (`condition`, `left`, `body`, …), or null. */
export function fieldChild(node: PyNode, field: string): PyNode | null {
  return node.children.find((c) => c.field === field) ?? null;
}

/** The `left`, `operator` and `right` children of a binary operator or (augmented) assignment, if all there. */
export function binaryParts(node: PyNode): { left: PyNode; op: PyNode; right: PyNode } | null {
  const [left, op, right] = [
    fieldChild(node, "left"),
    fieldChild(node, "operator"),
    fieldChild(node, "right"),
  ];
  return left && op && right ? { left, op, right } : null;
}

/** Every node under `node` (itself included), parents before children, in source order. */
export function* descendants(node: PyNode): Generator<PyNode> {
  yield node;
  for (const c of node.children) yield* descendants(c);
}

/** The named children that are statements (comments are extras, not statements). */
export function statementsOf(body: PyNode): PyNode[] {
  return body.children.filter((c) => c.named && c.type !== "comment");
}

/** Whether `inner` lies inside `outer` (or is it). */
export function isWithin(inner: PyNode, outer: PyNode): boolean {
  for (let n: PyNode | null = inner; n; n = n.parent) if (n === outer) return true;
  return false;
}

/** The nearest enclosing node of one of `types`, excluding `node` itself. */
export function enclosing(node: PyNode, types: readonly string[]): PyNode | null {
  for (let n = node.parent; n; n = n.parent) if (types.includes(n.type)) return n;
  return null;
}

/** The docstring statement of a module / function / class body: a string expression that comes first. */
export function docstringOf(body: PyNode): PyNode | null {
  const first = statementsOf(body)[0];
  if (!first || first.type !== "expression_statement") return null;
  const parts = first.children.filter((c) => c.named);
  if (parts.length !== 1) return null;
  return parts[0]!.type === "string" || parts[0]!.type === "concatenated_string" ? first : null;
}

/** Bodies that may open with a docstring: the module and the blocks of `def` and `class`. */
export function docstringBodies(root: PyNode): PyNode[] {
  const bodies: PyNode[] = [root];
  for (const n of descendants(root)) {
    if (n.type === "function_definition" || n.type === "class_definition") {
      const body = fieldChild(n, "body");
      if (body) bodies.push(body);
    }
  }
  return bodies;
}

/** Start offsets of each line of `code` and the offset just past each line's `\n` (or the end). */
export class Lines {
  readonly starts: number[] = [];
  readonly ends: number[] = [];

  constructor(readonly code: string) {
    let start = 0;
    while (start < code.length) {
      const nl = code.indexOf("\n", start);
      const end = nl < 0 ? code.length : nl + 1;
      this.starts.push(start);
      this.ends.push(end);
      start = end;
    }
  }

  get count(): number {
    return this.starts.length;
  }

  /** The index of the line holding `offset` (offsets at the very end belong to the last line). */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** The whitespace that opens the line holding `offset`. */
export function indentAt(code: string, offset: number): string {
  const lineStart = code.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(code.slice(lineStart))![0];
}

/** The line ending used in `text` (`\r\n` when its first line ends so, else `\n`). */
export function lineEndingOf(text: string): string {
  const nl = text.indexOf("\n");
  return nl > 0 && text[nl - 1] === "\r" ? "\r\n" : "\n";
}
