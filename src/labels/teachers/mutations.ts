/**
 * Mutation rules (PRLCoder §3.1, "mutate"): small syntax-tree edits inside one step that are meant to
 * change what the program does — the kinds of slip a model makes. Whether a mutant really changes
 * behaviour is decided by running the tests, not here; a rule only has to produce valid, different code.
 */
import { binaryParts, fieldChild } from "../python/nodes.js";
import type { PyNode } from "../python/parser.js";
import type { Edit, StepSite } from "./site.js";

/** A named rewrite: every way it applies inside the step, each as a list of edits. */
export interface Rule {
  name: string;
  candidates(site: StepSite): Edit[][];
}

const binarySwaps: Record<string, string> = {
  "+": "-",
  "-": "+",
  "*": "/",
  "/": "*",
  "//": "*",
  "%": "*",
  "**": "*",
  "&": "|",
  "|": "&",
  "^": "&",
  "<<": ">>",
  ">>": "<<",
};
const booleanSwaps: Record<string, string> = { and: "or", or: "and" };
const comparisonSwaps: Record<string, string> = {
  "<": "<=",
  "<=": "<",
  ">": ">=",
  ">=": ">",
  "==": "!=",
  "!=": "==",
  in: "not in",
  "not in": "in",
  is: "is not",
  "is not": "is",
};

function replace(node: PyNode, text: string): Edit {
  return { start: node.start, end: node.end, text };
}

/** `a + b` → `a - b`, `and` → `or`, `+=` → `-=`, … */
const swapOperator: Rule = {
  name: "swap-operator",
  candidates(site) {
    const out: Edit[][] = [];
    for (const n of site.ofType("binary_operator", "boolean_operator", "augmented_assignment")) {
      const op = fieldChild(n, "operator");
      if (!op) continue;
      const text = site.text(op);
      const swapped =
        n.type === "augmented_assignment"
          ? (binarySwaps[text.slice(0, -1)] ?? "") + "="
          : n.type === "boolean_operator"
            ? booleanSwaps[text]
            : binarySwaps[text];
      if (swapped && swapped !== "=") out.push([replace(op, swapped)]);
    }
    return out;
  },
};

/** `<` ↔ `<=`, `>` ↔ `>=`, `==` ↔ `!=`, `in` ↔ `not in`, `is` ↔ `is not`. */
const swapComparison: Rule = {
  name: "swap-comparison",
  candidates(site) {
    return site
      .ofType("comparison_operator")
      .flatMap((n) => n.children.filter((c) => c.field === "operators"))
      .flatMap((op) => {
        const swapped = comparisonSwaps[site.text(op).replace(/\s+/g, " ")];
        return swapped ? [[replace(op, swapped)]] : [];
      });
  },
};

/** An integer literal ± 1. */
const constantOffByOne: Rule = {
  name: "constant-off-by-one",
  candidates(site) {
    return site
      .ofType("integer")
      .filter((n) => /^\d+$/.test(site.text(n)))
      .flatMap((n) => [1, -1].map((d) => [replace(n, String(Number(site.text(n)) + d))]));
  },
};

/** `expr` shifted by ±1, folding into a trailing `+ k` / `- k` when there is one. */
export function shifted(site: StepSite, node: PyNode, delta: number): string {
  const text = site.text(node);
  if (node.type === "integer" && /^\d+$/.test(text)) return String(Number(text) + delta);
  const parts = node.type === "binary_operator" ? binaryParts(node) : null;
  if (parts && parts.right.type === "integer" && /^\d+$/.test(site.text(parts.right))) {
    const sign = site.text(parts.op);
    if (sign === "+" || sign === "-") {
      const k = (sign === "+" ? 1 : -1) * Number(site.text(parts.right)) + delta;
      return k === 0 ? site.text(parts.left) : `${site.text(parts.left)} ${k > 0 ? "+" : "-"} ${Math.abs(k)}`;
    }
  }
  // Operators binding at least as tightly as `+`, left-associative: `a * b + 1` needs no parentheses.
  const tight = parts !== null && /^(\+|-|\*|\/|\/\/|%|\*\*)$/.test(site.text(parts.op));
  const bare = node.type === "unary_operator" || tight;
  return `${bare ? text : site.operand(node)} ${delta > 0 ? "+" : "-"} 1`;
}

/** Off-by-one bounds: the start or stop of a `range(…)` call or of a slice, ± 1. */
const rangeBound: Rule = {
  name: "range-bound",
  candidates(site) {
    const bounds: PyNode[] = [];
    for (const call of site.ofType("call")) {
      const fn = fieldChild(call, "function");
      const args = fieldChild(call, "arguments");
      if (fn?.type !== "identifier" || site.text(fn) !== "range" || args?.type !== "argument_list") continue;
      const positional = args.children.filter((c) => c.named && c.type !== "comment");
      if (positional.length === 0 || positional.length > 3) continue;
      if (positional.some((a) => a.type.endsWith("splat") || a.type === "keyword_argument")) continue;
      bounds.push(...positional.slice(0, positional.length === 1 ? 1 : 2));
    }
    for (const slice of site.ofType("slice")) {
      let colons = 0;
      for (const c of slice.children) {
        if (c.type === ":") colons++;
        else if (c.named && colons < 2 && c.type !== "comment") bounds.push(c);
      }
    }
    return bounds.flatMap((b) => [1, -1].map((d) => [replace(b, shifted(site, b, d))]));
  },
};

/** The condition of an `if`, `elif`, `while`, conditional expression or comprehension `if`, negated. */
const negateCondition: Rule = {
  name: "negate-condition",
  candidates(site) {
    const conditions: PyNode[] = [];
    for (const n of site.nodes) {
      // A line step may hold an `if`/`while` header without the statement's body: look from the condition.
      if (
        n.field === "condition" &&
        ["if_statement", "elif_clause", "while_statement"].includes(n.parent!.type)
      ) {
        conditions.push(n);
      } else if (n.type === "conditional_expression" || n.type === "if_clause") {
        const c = n.children.filter((x) => x.named)[n.type === "if_clause" ? 0 : 1];
        if (c) conditions.push(c);
      }
    }
    return conditions.filter((c) => site.inside(c)).map((c) => [replace(c, negated(site, c))]);
  },
};

function negated(site: StepSite, c: PyNode): string {
  if (c.type === "not_operator") return site.text(fieldChild(c, "argument")!);
  const loose = ["boolean_operator", "conditional_expression", "lambda", "named_expression"].includes(c.type);
  return loose ? `not (${site.text(c)})` : `not ${site.text(c)}`;
}

/** Two neighbouring positional arguments of a call, or plain parameters of a `def`, exchanged. */
const swapArguments: Rule = {
  name: "swap-arguments",
  candidates(site) {
    const lists: PyNode[][] = [];
    for (const call of site.ofType("call")) {
      const args = fieldChild(call, "arguments");
      if (args?.type !== "argument_list") continue;
      lists.push(
        args.children.filter(
          (c) =>
            c.named && !["comment", "keyword_argument", "list_splat", "dictionary_splat"].includes(c.type),
        ),
      );
    }
    for (const parameters of site.ofType("parameters")) {
      const plain = parameters.children.filter((c) => c.named && c.type !== "comment");
      // Only the leading plain names: a default or a `*args` fixes what may follow.
      const firstOther = plain.findIndex((c) => c.type !== "identifier");
      lists.push(firstOther < 0 ? plain : plain.slice(0, firstOther));
    }
    const out: Edit[][] = [];
    for (const list of lists) {
      for (let i = 0; i + 1 < list.length; i++) {
        const [a, b] = [list[i]!, list[i + 1]!];
        if (site.text(a) !== site.text(b)) out.push([replace(a, site.text(b)), replace(b, site.text(a))]);
      }
    }
    return out;
  },
};

/** The whole step, when it is made of complete statements, replaced by `pass` at the same indentation. */
const deleteStatement: Rule = {
  name: "delete-statement",
  candidates(site) {
    const tops = site.topStatements();
    if (tops.length === 0 || (tops.length === 1 && tops[0]!.type === "pass_statement")) return [];
    const covered = [...tops, ...site.ofType("comment")].sort((a, b) => a.start - b.start);
    let i = site.start;
    // Between the statements only blanks and the `;` that separates statements on one line.
    for (const n of covered) {
      if (/[^\s;]/.test(site.code.slice(i, Math.max(i, n.start)))) return [];
      i = Math.max(i, n.end);
    }
    if (/[^\s;]/.test(site.code.slice(i, site.end))) return [];
    const step = site.code.slice(site.start, site.end);
    if (site.start > 0 && site.code[site.start - 1] !== "\n") return [];
    const ending = /\r?\n$/.exec(step)?.[0] ?? "";
    return [[{ start: site.start, end: site.end, text: `${site.indentOf(tops[0]!)}pass${ending}` }]];
  },
};

/** `return x` → `return None`; `return True` ↔ `return False`; a bare `return` / `return None` → `return 0`. */
const wrongReturn: Rule = {
  name: "wrong-return",
  candidates(site) {
    return site.ofType("return_statement").map((r) => {
      const value = r.children.find((c) => c.named && c.type !== "comment");
      if (!value) return [{ start: r.end, end: r.end, text: " 0" }];
      const wrong = { true: "False", false: "True", none: "0" }[value.type] ?? "None";
      return [replace(value, wrong)];
    });
  },
};

/** Every mutation rule, in the order the seeded choice indexes them. */
export const mutationRules: Rule[] = [
  swapOperator,
  swapComparison,
  constantOffByOne,
  rangeBound,
  negateCondition,
  swapArguments,
  deleteStatement,
  wrongReturn,
];
