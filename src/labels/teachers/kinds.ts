/**
 * A small, conservative inference of which expressions are numbers or strings, used to guard the
 * refactorings whose equivalence depends on types: `x += y` ↔ `x = x + y` (in-place on lists, a new
 * object on numbers and strings) and commuted operands (`a + b` = `b + a` for numbers only).
 *
 * Flow-insensitive: a name has a kind when every binding of it in the scope gives that kind (the
 * greatest fixpoint, so `i = 0` … `i = i + 1` is a number). Names bound only in a nested function are
 * not this scope's. Comprehension variables are counted with the scope's: one more binding can only
 * make a name unknown, except for a global the scope reads under a comprehension variable's name (rare,
 * accepted). Parameters, imports, `with … as`,
 * `except … as`, patterns and anything unrecognised make a name unknown. Unknown is always safe.
 */
import { descendants, fieldChild } from "../python/nodes.js";
import type { PyNode, PyTree } from "../python/parser.js";

/** `num` covers int, float and bool (bool is an int subclass); `null` is unknown. */
export type Kind = "num" | "str" | null;

const numericFunctions = new Set([
  "len",
  "int",
  "float",
  "abs",
  "round",
  "ord",
  "sum",
  "pow",
  "bool",
  "hash",
]);
const stringFunctions = new Set(["str", "chr", "repr", "hex", "bin", "oct", "format"]);
const numericMethods = new Set(["count", "find", "rfind", "index", "rindex"]);
const stringMethods = new Set([
  "upper",
  "lower",
  "strip",
  "lstrip",
  "rstrip",
  "replace",
  "title",
  "capitalize",
  "format",
  "join",
  "swapcase",
  "zfill",
  "center",
  "ljust",
  "rjust",
  "casefold",
]);
const nestedScopes = new Set(["function_definition", "class_definition", "lambda"]);
const arithmetic = new Set(["+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<", ">>"]);

/** Value kinds of the expressions in one scope (a function, a lambda, or the module). */
export class ValueKinds {
  private readonly bindings = new Map<string, (PyNode | "unknown" | "num")[]>();
  private readonly names = new Map<string, Kind>();

  constructor(
    private readonly tree: PyTree,
    scope: PyNode,
  ) {
    // Nested functions, lambdas and classes have names of their own: only their names bind here.
    const visit = (n: PyNode): void => {
      this.collectBindings(n);
      for (const c of n.children) {
        if (!nestedScopes.has(c.type)) visit(c);
        else if (fieldChild(c, "name")) this.bind(fieldChild(c, "name")!, "unknown");
      }
    };
    visit(scope);
    this.solve();
  }

  /** The kind of an expression node. */
  kindOf(node: PyNode): Kind {
    return this.kind(node, (name) => this.names.get(name) ?? null);
  }

  private text(node: PyNode): string {
    return this.tree.code.slice(node.start, node.end);
  }

  private bind(name: PyNode, value: PyNode | "unknown" | "num"): void {
    const key = this.text(name);
    const list = this.bindings.get(key) ?? [];
    list.push(value);
    this.bindings.set(key, list);
  }

  private bindAllUnknown(node: PyNode): void {
    for (const n of descendants(node)) if (n.type === "identifier") this.bind(n, "unknown");
  }

  private collectBindings(n: PyNode): void {
    switch (n.type) {
      case "assignment": {
        const left = fieldChild(n, "left");
        const right = fieldChild(n, "right");
        if (!left) return;
        if (left.type === "identifier" && right) return this.bind(left, right);
        const targets = left.children.filter((c) => c.named);
        const values = right ? right.children.filter((c) => c.named) : [];
        const pairwise =
          (left.type === "pattern_list" || left.type === "tuple_pattern") &&
          (right?.type === "expression_list" || right?.type === "tuple") &&
          targets.length === values.length &&
          targets.every((t) => t.type === "identifier");
        if (pairwise) targets.forEach((t, i) => this.bind(t, values[i]!));
        else if (left.type !== "subscript" && left.type !== "attribute") this.bindAllUnknown(left);
        return;
      }
      case "augmented_assignment": {
        const left = fieldChild(n, "left");
        if (left?.type === "identifier") this.bind(left, n);
        return;
      }
      case "for_statement":
      case "for_in_clause":
        return this.bindLoopTarget(fieldChild(n, "left"), fieldChild(n, "right"));
      case "named_expression": {
        const name = fieldChild(n, "name");
        const value = fieldChild(n, "value");
        if (name && value) this.bind(name, value);
        return;
      }
      case "parameters":
      case "lambda_parameters":
      case "as_pattern_target":
      case "import_statement":
      case "import_from_statement":
      case "future_import_statement":
      case "global_statement":
      case "nonlocal_statement":
      case "case_pattern":
        return this.bindAllUnknown(n);
      case "function_definition":
      case "class_definition": {
        const name = fieldChild(n, "name");
        if (name) this.bind(name, "unknown");
        return;
      }
    }
  }

  /** `for i in range(…)` binds a number; `for i, x in enumerate(…)` binds `i` to one. */
  private bindLoopTarget(left: PyNode | null, right: PyNode | null): void {
    if (!left) return;
    const callee = right?.type === "call" ? this.text(fieldChild(right, "function") ?? right) : "";
    if (left.type === "identifier") return this.bind(left, callee === "range" ? "num" : "unknown");
    const targets = left.children.filter((c) => c.named);
    if (callee === "enumerate" && left.type === "pattern_list" && targets[0]?.type === "identifier") {
      this.bind(targets[0], "num");
      for (const t of targets.slice(1)) this.bindAllUnknown(t);
      return;
    }
    this.bindAllUnknown(left);
  }

  /**
   * Greatest fixpoint, once per kind: assume every bound name has the kind, then drop names with a
   * binding of another kind until nothing changes.
   */
  private solve(): void {
    for (const start of ["num", "str"] as const) {
      // The string pass keeps the numbers already found, so `s = "a" * n` can use `n`.
      const guess = new Map<string, Kind>(
        [...this.bindings.keys()].map((n) => [n, this.names.get(n) === "num" ? "num" : start]),
      );
      const lookup = (k: string): Kind => guess.get(k) ?? null;
      for (let changed = true; changed;) {
        changed = false;
        for (const [name, values] of this.bindings) {
          if (guess.get(name) !== start) continue;
          const kinds = values.map((v) =>
            v === "unknown" ? null : v === "num" ? "num" : this.kind(v, lookup),
          );
          if (kinds.some((k) => k !== start)) {
            guess.set(name, null);
            changed = true;
          }
        }
      }
      for (const [name, kind] of guess) if (kind === start) this.names.set(name, kind);
    }
  }

  private kind(node: PyNode, lookup: (name: string) => Kind): Kind {
    const sub = (n: PyNode | null | undefined): Kind => (n ? this.kind(n, lookup) : null);
    const named = node.children.filter((c) => c.named);
    switch (node.type) {
      case "integer":
      case "float":
      case "true":
      case "false":
      case "comparison_operator":
      case "not_operator":
        return "num";
      case "string":
      case "concatenated_string":
        return "str";
      case "identifier":
        return lookup(this.text(node));
      case "parenthesized_expression":
        return named.length === 1 ? sub(named[0]) : null;
      case "unary_operator":
        return sub(fieldChild(node, "argument")) === "num" ? "num" : null;
      case "augmented_assignment":
      case "binary_operator": {
        const op = this.text(fieldChild(node, "operator")!).replace(/=$/, "");
        return binaryKind(op, sub(fieldChild(node, "left")), sub(fieldChild(node, "right")));
      }
      case "boolean_operator":
      case "conditional_expression": {
        const parts =
          node.type === "boolean_operator"
            ? [fieldChild(node, "left"), fieldChild(node, "right")]
            : [named[0], named[2]];
        const kinds = parts.map(sub);
        return kinds[0] === kinds[1] ? kinds[0]! : null;
      }
      case "call":
        return this.callKind(node, sub);
      default:
        return null;
    }
  }

  private callKind(node: PyNode, sub: (n: PyNode | null | undefined) => Kind): Kind {
    const fn = fieldChild(node, "function");
    const args = fieldChild(node, "arguments");
    if (!fn || args?.type !== "argument_list") return null;
    const positional = args.children.filter((c) => c.named && c.type !== "comment");
    if (fn.type === "identifier") {
      const name = this.text(fn);
      if (numericFunctions.has(name)) return "num";
      if (stringFunctions.has(name)) return "str";
      if (
        (name === "min" || name === "max") &&
        positional.length >= 2 &&
        positional.every((a) => sub(a) === "num")
      ) {
        return "num";
      }
      return null;
    }
    if (fn.type !== "attribute") return null;
    const object = fieldChild(fn, "object");
    const method = this.text(fieldChild(fn, "attribute")!);
    if (object?.type === "identifier" && this.text(object) === "math") return "num";
    if (numericMethods.has(method)) return "num";
    if (stringMethods.has(method) && (method === "join" || method === "format" || sub(object) === "str"))
      return "str";
    return null;
  }
}

/** The kind of `a op b` given the operands' kinds. */
function binaryKind(op: string, left: Kind, right: Kind): Kind {
  if (!arithmetic.has(op)) return null;
  if (left === "num" && right === "num") return "num";
  if (op === "+" && left === "str" && right === "str") return "str";
  if (op === "*" && ((left === "str" && right === "num") || (left === "num" && right === "str")))
    return "str";
  if (op === "%" && left === "str") return "str";
  return null;
}
