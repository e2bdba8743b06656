/**
 * One step of a parsed program, as the rewrite rules see it: the nodes inside the step, and the facts
 * about the rest of the program that decide whether a rewrite local to the step is safe (where else a
 * name occurs, which names are free, value kinds, indentation).
 */
import { descendants, enclosing, fieldChild, indentAt, lineEndingOf } from "../python/nodes.js";
import type { PyNode, PyTree } from "../python/parser.js";
import { ValueKinds } from "./kinds.js";

/** A replacement of program[start, end) by `text`; the edits of one rewrite never overlap. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

const statementParents = new Set(["module", "block"]);
const scopes = ["function_definition", "lambda", "class_definition"];
/** Names and literals: single tokens, never worth extracting into a temporary. */
export const leaves = new Set([
  "identifier",
  "integer",
  "float",
  "string",
  "concatenated_string",
  "true",
  "false",
  "none",
]);
/** Expressions that never need parentheses when spliced into another expression. */
const atoms = new Set([
  ...leaves,
  "call",
  "subscript",
  "attribute",
  "parenthesized_expression",
  "list",
  "tuple",
  "dictionary",
  "set",
  "list_comprehension",
  "set_comprehension",
  "dictionary_comprehension",
  "generator_expression",
]);
/** Names a fresh name must not take: keywords and the builtins a solution may call. */
const reserved = new Set([
  "False",
  "None",
  "True",
  "and",
  "as",
  "assert",
  "async",
  "await",
  "break",
  "class",
  "continue",
  "def",
  "del",
  "elif",
  "else",
  "except",
  "finally",
  "for",
  "from",
  "global",
  "if",
  "import",
  "in",
  "is",
  "lambda",
  "nonlocal",
  "not",
  "or",
  "pass",
  "raise",
  "return",
  "try",
  "while",
  "with",
  "yield",
  "match",
  "case",
  "type",
  "abs",
  "all",
  "any",
  "bin",
  "bool",
  "chr",
  "dict",
  "divmod",
  "enumerate",
  "filter",
  "float",
  "format",
  "hash",
  "hex",
  "id",
  "input",
  "int",
  "isinstance",
  "iter",
  "len",
  "list",
  "map",
  "max",
  "min",
  "next",
  "object",
  "oct",
  "ord",
  "pow",
  "print",
  "range",
  "repr",
  "reversed",
  "round",
  "set",
  "slice",
  "sorted",
  "str",
  "sum",
  "tuple",
  "zip",
  "math",
  "re",
  "sys",
]);

export class StepSite {
  readonly code: string;
  /** The nodes lying wholly inside the step, in source order. */
  readonly nodes: PyNode[];
  private readonly identifiers: Set<string>;
  private readonly kindsByScope = new Map<PyNode, ValueKinds>();

  constructor(
    readonly tree: PyTree,
    readonly start: number,
    readonly end: number,
  ) {
    this.code = tree.code;
    const all = [...descendants(tree.root)];
    this.nodes = all.filter((n) => this.inside(n));
    this.identifiers = new Set(all.filter((n) => n.type === "identifier").map((n) => this.text(n)));
  }

  text(node: PyNode): string {
    return this.code.slice(node.start, node.end);
  }

  /** Whether a (non-empty) node lies wholly inside the step. */
  inside(node: PyNode): boolean {
    return node.start >= this.start && node.end <= this.end && node.end > node.start;
  }

  ofType(...types: string[]): PyNode[] {
    return this.nodes.filter((n) => types.includes(n.type));
  }

  /** Statements inside the step that are not part of another statement inside the step. */
  topStatements(): PyNode[] {
    return this.nodes.filter((n) => {
      if (!isStatement(n)) return false;
      for (let a = n.parent; a; a = a.parent) if (isStatement(a) && this.inside(a)) return false;
      return true;
    });
  }

  /** The text as an operand: parenthesised unless it is an atom. */
  operand(node: PyNode): string {
    return atoms.has(node.type) ? this.text(node) : `(${this.text(node)})`;
  }

  /** Whether `node` is the first thing on its line (only indentation before it). */
  opensLine(node: PyNode): boolean {
    const lineStart = this.code.lastIndexOf("\n", node.start - 1) + 1;
    return /^[ \t]*$/.test(this.code.slice(lineStart, node.start));
  }

  /** Whether only whitespace or a comment follows `node` on its last line. */
  closesLine(node: PyNode): boolean {
    const nl = this.code.indexOf("\n", node.end);
    return /^[ \t\r]*(#.*)?$/.test(this.code.slice(node.end, nl < 0 ? this.code.length : nl));
  }

  indentOf(node: PyNode): string {
    return indentAt(this.code, node.start);
  }

  /** One more level of indentation than `indent`, in the program's own style. */
  deeper(indent: string): string {
    if (indent.includes("\t")) return indent + "\t";
    const first = /\n([ \t]+)\S/.exec(this.code)?.[1] ?? "    ";
    return indent + (first.includes("\t") ? "    " : first);
  }

  get eol(): string {
    return lineEndingOf(this.code);
  }

  /** The first of `preferred` (then `preferred[0]` numbered) that is no identifier of the program. */
  freshName(...preferred: string[]): string {
    const ok = (n: string) =>
      !this.identifiers.has(n) && !reserved.has(n) && !new RegExp(`\\b${n}\\b`).test(this.code);
    for (const name of preferred) if (ok(name)) return name;
    for (let i = 1; ; i++) if (ok(`${preferred[0]}_${i}`)) return `${preferred[0]}_${i}`;
  }

  /** The function whose local variables `node` can bind; the module when at top level; null in a class body. */
  scopeOf(node: PyNode): PyNode | null {
    const scope = enclosing(node, scopes);
    if (!scope) return this.tree.root;
    return scope.type === "class_definition" ? null : scope;
  }

  /** Identifiers in `within` that name the variable `name` (not attribute names, not keyword names). */
  occurrences(name: string, within: PyNode): PyNode[] {
    return [...descendants(within)].filter(
      (n) => n.type === "identifier" && this.text(n) === name && isVariable(n),
    );
  }

  /** The names bound by an assignment / loop target (identifiers, also inside tuple patterns). */
  targetNames(target: PyNode): PyNode[] {
    if (target.type === "identifier") return [target];
    if (!["pattern_list", "tuple_pattern", "list_pattern"].includes(target.type)) return [];
    return target.children.flatMap((c) => (c.named ? this.targetNames(c) : []));
  }

  /** Value kinds in the function (or lambda, or module) around `node`. */
  kinds(node: PyNode): ValueKinds {
    const scope = enclosing(node, ["function_definition", "lambda"]) ?? this.tree.root;
    let kinds = this.kindsByScope.get(scope);
    if (!kinds) this.kindsByScope.set(scope, (kinds = new ValueKinds(this.tree, scope)));
    return kinds;
  }

  /**
   * Whether evaluating `node` has no effect but its value: no calls except to pure builtins and `math`,
   * no assignment expressions, no `yield`/`await`. Reordering such operands cannot be observed.
   */
  isPure(node: PyNode): boolean {
    return [...descendants(node)].every((n) => {
      if (n.type === "named_expression" || n.type === "yield" || n.type === "await") return false;
      if (n.type !== "call") return true;
      const fn = fieldChild(n, "function");
      if (fn?.type === "identifier") return pureFunctions.has(this.text(fn));
      return fn?.type === "attribute" && this.text(fieldChild(fn, "object") ?? fn) === "math";
    });
  }

  /** Whether the program can look up local variables by name (then no local may be renamed). */
  get inspectsLocals(): boolean {
    return ["locals", "vars", "eval", "exec", "globals"].some((n) => this.identifiers.has(n));
  }
}

const pureFunctions = new Set([
  "len",
  "abs",
  "int",
  "float",
  "str",
  "min",
  "max",
  "sum",
  "round",
  "ord",
  "chr",
  "bool",
  "sorted",
  "pow",
]);

/** A statement: a named child of the module or of a block (comments are extras, not statements). */
export function isStatement(n: PyNode): boolean {
  return n.named && n.type !== "comment" && statementParents.has(n.parent?.type ?? "");
}

/** An identifier that names a variable, not an attribute after `.` or the name in `f(name=…)`. */
function isVariable(n: PyNode): boolean {
  const parent = n.parent;
  if (parent?.type === "attribute" && n.field === "attribute") return false;
  if (parent?.type === "keyword_argument" && n.field === "name") return false;
  return true;
}
