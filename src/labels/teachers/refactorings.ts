/**
 * Refactoring rules (PRLCoder §3.1, "refactor"): rewrites of one step meant to keep the program's
 * behaviour. Only the step is replaced, so every rule must be safe *locally*: it may not rely on changing
 * code outside the step. What makes each one safe:
 *
 * - augmented-assignment (`x += y` ↔ `x = x + y`): equal for immutable values only; on a list `+=`
 *   extends in place (visible through aliases, and accepts any iterable). Applied when the target is
 *   known to be a number or string (kinds.ts), or the right side is a number and the operator is not `*`
 *   (then a list or set target fails either way). A subscript/attribute target must be pure, as it is
 *   evaluated twice.
 * - commute-operands (`a + b` → `b + a`, `a < b` → `b > a`): `+` and `*` only on numbers (`+` joins
 *   strings and lists in order), `&`, `|`, `^` only on numbers (a set's iteration order may change);
 *   both operands pure, since their evaluation order flips.
 * - rename-local: a name bound in the step whose every occurrence in its function is inside the step
 *   (e.g. a loop variable not used after the loop), or a comprehension's variable (its own scope); never
 *   at module level (tests may read globals), never when the program calls `locals`/`vars`/`eval`.
 * - loop-to-comprehension (`for x in xs: r.append(e)` → `r.extend([e for x in xs])`, with nested `for`/
 *   `if`): the loop variables must not be used outside the loop (a comprehension does not leak them), `r`
 *   must not be read inside the loop (it fills all at once), and the loop must not be inside a `try`
 *   (an exception would leave `r` partly filled in one version and untouched in the other).
 * - comprehension-to-loop (`r = [e for x in xs]` or `return [...]` → a loop appending): the loop
 *   variables must be unused elsewhere in the scope (the loop leaks them), `r` unused inside the
 *   comprehension (the loop empties it first), clause headers on one line.
 * - extract-temporary (`return e` → `t = e; return t`, `if c:` → `t = c; if t:`, `x = a op b` →
 *   `t = a; x = t op b`, `x = f(a, …)` → `t = a; x = f(t, …)`): the extracted expression is the one
 *   evaluated first anyway (a called name's lookup aside, which has no effect); `t` is a fresh name.
 */
import { binaryParts, fieldChild, isWithin, statementsOf } from "../python/nodes.js";
import type { PyNode } from "../python/parser.js";
import { isStatement, leaves, type Edit, type StepSite } from "./site.js";
import type { Rule } from "./mutations.js";

const augmentable = new Set(["+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<", ">>"]);
/** Binding strength of binary operators (higher binds tighter), for parenthesising moved operands. */
const precedence: Record<string, number> = {
  "|": 1,
  "^": 2,
  "&": 3,
  "<<": 4,
  ">>": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
  "//": 6,
  "%": 6,
  "@": 6,
  "**": 8,
};
const mirrored: Record<string, string> = {
  "<": ">",
  ">": "<",
  "<=": ">=",
  ">=": "<=",
  "==": "==",
  "!=": "!=",
};

function replace(node: PyNode, text: string): Edit {
  return { start: node.start, end: node.end, text };
}

function namedChildren(node: PyNode): PyNode[] {
  return node.children.filter((c) => c.named && c.type !== "comment");
}

/** Whether `x op= y` and `x = x op y` are the same program here (see the file comment). */
function augmentationIsSafe(site: StepSite, target: PyNode, op: string, value: PyNode): boolean {
  if (!augmentable.has(op)) return false;
  if (
    target.type !== "identifier" &&
    !(["subscript", "attribute"].includes(target.type) && site.isPure(target))
  ) {
    return false;
  }
  const kinds = site.kinds(target);
  const targetKind = kinds.kindOf(target);
  if (targetKind === "num" || (targetKind === "str" && (op === "+" || op === "*" || op === "%"))) return true;
  return op !== "*" && kinds.kindOf(value) === "num" && site.isPure(value);
}

/** `x += y` ↔ `x = x + y`. */
const augmentedAssignment: Rule = {
  name: "augmented-assignment",
  candidates(site) {
    const out: Edit[][] = [];
    for (const n of site.ofType("augmented_assignment")) {
      const parts = binaryParts(n);
      if (!parts || n.parent?.type !== "expression_statement") continue;
      const { left: target, op, right: value } = parts;
      const bare = site.text(op).slice(0, -1);
      if (!augmentationIsSafe(site, target, bare, value)) continue;
      out.push([replace(n, `${site.text(target)} = ${site.text(target)} ${bare} ${site.operand(value)}`)]);
    }
    for (const n of site.ofType("assignment")) {
      const [target, value] = [fieldChild(n, "left"), fieldChild(n, "right")];
      if (!target || value?.type !== "binary_operator" || fieldChild(n, "type")) continue;
      if (n.parent?.type !== "expression_statement") continue;
      const parts = binaryParts(value);
      if (!parts || site.text(parts.left) !== site.text(target)) continue;
      const { op, right } = parts;
      if (!augmentationIsSafe(site, target, site.text(op), right)) continue;
      out.push([replace(n, `${site.text(target)} ${site.text(op)}= ${site.text(right)}`)]);
    }
    return out;
  },
};

/** `a + b` → `b + a` on numbers; `a < b` → `b > a`. */
const commuteOperands: Rule = {
  name: "commute-operands",
  candidates(site) {
    const out: Edit[][] = [];
    for (const n of site.ofType("binary_operator")) {
      const parts = binaryParts(n);
      if (!parts || !["+", "*", "&", "|", "^"].includes(site.text(parts.op))) continue;
      const { left, op, right } = parts;
      const kinds = site.kinds(n);
      if (kinds.kindOf(left) !== "num" || kinds.kindOf(right) !== "num") continue;
      if (!site.isPure(left) || !site.isPure(right)) continue;
      const p = precedence[site.text(op)]!;
      // The old left operand now sits right of a left-associative operator: same strength needs parentheses.
      const leftOp = left.type === "binary_operator" ? fieldChild(left, "operator") : null;
      const moved = leftOp && precedence[site.text(leftOp)]! <= p ? `(${site.text(left)})` : site.text(left);
      out.push([replace(n, `${site.text(right)} ${site.text(op)} ${moved}`)]);
    }
    for (const n of site.ofType("comparison_operator")) {
      const operands = namedChildren(n).filter((c) => c.field !== "operators");
      const ops = n.children.filter((c) => c.field === "operators");
      if (operands.length !== 2 || ops.length !== 1) continue;
      const flipped = mirrored[site.text(ops[0]!)];
      if (!flipped || !operands.every((o) => site.isPure(o))) continue;
      out.push([replace(n, `${site.text(operands[1]!)} ${flipped} ${site.text(operands[0]!)}`)]);
    }
    return out;
  },
};

/** A fresh name in the spirit of the old one. */
function renamed(site: StepSite, name: string): string {
  return site.freshName(name.length === 1 ? name + name : `${name}_`, `${name}_`, `new_${name}`);
}

/** Whether an f-string in `node` prints a name with `{x=}` (then renaming changes the output). */
function printsNames(site: StepSite, node: PyNode): boolean {
  return site.nodes.some(
    (n) => n.type === "interpolation" && isWithin(n, node) && n.children.some((c) => c.type === "="),
  );
}

/** A local bound and used only inside the step, or a comprehension variable, renamed consistently. */
const renameLocal: Rule = {
  name: "rename-local",
  candidates(site) {
    if (site.inspectsLocals) return [];
    const out: Edit[][] = [];
    const seen = new Set<string>();
    const bound: PyNode[] = [];
    for (const n of site.nodes) {
      const target =
        n.type === "for_statement" || n.type === "assignment"
          ? fieldChild(n, "left")
          : n.type === "as_pattern_target"
            ? n.children.find((c) => c.named)
            : n.type === "named_expression"
              ? fieldChild(n, "name")
              : null;
      if (target) bound.push(...site.targetNames(target));
    }
    for (const name of bound) {
      const scope = site.scopeOf(name);
      if (scope?.type !== "function_definition") continue;
      const text = site.text(name);
      const key = `${text}@${scope.start}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const uses = site.occurrences(text, scope);
      if (!uses.every((u) => site.inside(u) && !u.parent?.type.endsWith("global_statement"))) continue;
      if (uses.some((u) => u.parent?.type === "nonlocal_statement") || printsNames(site, scope)) continue;
      const fresh = renamed(site, text);
      out.push(uses.map((u) => replace(u, fresh)));
    }
    for (const c of site.ofType(
      "list_comprehension",
      "set_comprehension",
      "dictionary_comprehension",
      "generator_expression",
    )) {
      if (site.nodes.some((n) => n.type === "named_expression" && isWithin(n, c)) || printsNames(site, c))
        continue;
      const clauses = c.children.filter((x) => x.type === "for_in_clause");
      // The first iterable is evaluated in the enclosing scope: names there are not the comprehension's.
      const outer = clauses[0] ? fieldChild(clauses[0], "right") : null;
      const names = new Set(
        clauses.flatMap((cl) => site.targetNames(fieldChild(cl, "left")!).map((t) => site.text(t))),
      );
      for (const name of names) {
        const uses = site.occurrences(name, c).filter((u) => !(outer && isWithin(u, outer)));
        const fresh = renamed(site, name);
        out.push(uses.map((u) => replace(u, fresh)));
      }
    }
    return out;
  },
};

/** Whether `node` sits inside a `try` of its own scope (partial effects before an exception matter). */
function insideTry(node: PyNode, scope: PyNode): boolean {
  for (let n = node.parent; n && n !== scope; n = n.parent) if (n.type === "try_statement") return true;
  return false;
}

/** Whether every use of the names bound by `targets` in `scope` lies inside `within`. */
function confinedTo(site: StepSite, targets: PyNode[], scope: PyNode, within: PyNode): boolean {
  return targets.every((t) => site.occurrences(site.text(t), scope).every((u) => isWithin(u, within)));
}

/** Text for an expression placed after `in`/`if` in a comprehension clause. */
function clauseExpression(site: StepSite, node: PyNode): string {
  const loose = ["conditional_expression", "lambda", "expression_list", "named_expression"].includes(
    node.type,
  );
  return loose ? `(${site.text(node)})` : site.text(node);
}

/** `for x in xs: [if c:] r.append(e)` (nested `for`/`if` too) → `r.extend([e for x in xs if c])`. */
const loopToComprehension: Rule = {
  name: "loop-to-comprehension",
  candidates(site) {
    const out: Edit[][] = [];
    for (const loop of site.ofType("for_statement")) {
      const scope = site.scopeOf(loop);
      if (!scope || insideTry(loop, scope) || site.text(loop).startsWith("async")) continue;
      const clauses: string[] = [];
      const targets: PyNode[] = [];
      let node: PyNode = loop;
      let append: PyNode | null = null;
      while (!append) {
        if (node.type === "for_statement" && !fieldChild(node, "alternative")) {
          const [left, right] = [fieldChild(node, "left")!, fieldChild(node, "right")!];
          clauses.push(`for ${site.text(left)} in ${clauseExpression(site, right)}`);
          targets.push(...site.targetNames(left));
          if (site.targetNames(left).length === 0) break;
        } else if (node.type === "if_statement" && !fieldChild(node, "alternative")) {
          clauses.push(`if ${clauseExpression(site, fieldChild(node, "condition")!)}`);
        } else if (node.type === "expression_statement") {
          append = appendCall(site, node);
          break;
        } else break;
        const body = statementsOf(fieldChild(node, node.type === "if_statement" ? "consequence" : "body")!);
        if (body.length !== 1) break;
        node = body[0]!;
      }
      if (!append) continue;
      const [list, element] = [
        fieldChild(fieldChild(append, "function")!, "object")!,
        appendArgument(append)!,
      ];
      if (site.occurrences(site.text(list), loop).length !== 1 || !confinedTo(site, targets, scope, loop))
        continue;
      if (
        site.nodes.some((n) => isWithin(n, loop) && ["named_expression", "yield", "await"].includes(n.type))
      )
        continue;
      out.push([replace(loop, `${site.text(list)}.extend([${site.text(element)} ${clauses.join(" ")}])`)]);
    }
    return out;
  },
};

/** The `r.append(e)` call of an expression statement, with `r` a plain name; else null. */
function appendCall(site: StepSite, statement: PyNode): PyNode | null {
  const parts = namedChildren(statement);
  const call = parts.length === 1 && parts[0]!.type === "call" ? parts[0]! : null;
  const fn = call ? fieldChild(call, "function") : null;
  if (!call || fn?.type !== "attribute") return null;
  const object = fieldChild(fn, "object");
  if (object?.type !== "identifier" || site.text(fieldChild(fn, "attribute")!) !== "append") return null;
  return appendArgument(call) ? call : null;
}

function appendArgument(call: PyNode): PyNode | null {
  const args = fieldChild(call, "arguments");
  if (args?.type !== "argument_list") return null;
  const parts = namedChildren(args);
  const only = parts.length === 1 ? parts[0]! : null;
  return only && !["keyword_argument", "list_splat", "dictionary_splat"].includes(only.type) ? only : null;
}

/** `r = [e for x in xs if c]` or `return [...]` → a loop appending to `r` (or to a fresh list). */
const comprehensionToLoop: Rule = {
  name: "comprehension-to-loop",
  candidates(site) {
    const out: Edit[][] = [];
    for (const statement of site.topStatements()) {
      const found = listComprehensionOf(statement);
      if (!found || !site.opensLine(statement) || !site.closesLine(statement)) continue;
      const { comprehension, list } = found;
      const scope = site.scopeOf(statement);
      if (!scope || insideTry(statement, scope) || site.text(comprehension).includes("async")) continue;
      if (
        site.nodes.some(
          (n) => isWithin(n, comprehension) && ["named_expression", "yield", "await"].includes(n.type),
        )
      ) {
        continue;
      }
      const clauses = namedChildren(comprehension).filter(
        (c) => c.type === "for_in_clause" || c.type === "if_clause",
      );
      const targets = clauses.flatMap((c) =>
        c.type === "for_in_clause" ? site.targetNames(fieldChild(c, "left")!) : [],
      );
      if (!confinedTo(site, targets, scope, comprehension)) continue;
      if (list && site.occurrences(site.text(list), comprehension).length > 0) continue;
      if (clauses.some((c) => site.text(c).includes("\n"))) continue;
      const name = list ? site.text(list) : site.freshName("result", "res", "output");
      const indent = site.indentOf(statement);
      const lines = [`${name} = []`];
      let inner = indent;
      for (const c of clauses) {
        lines.push(
          c.type === "for_in_clause"
            ? `${inner}for ${site.text(fieldChild(c, "left")!)} in ${site.text(fieldChild(c, "right")!)}:`
            : `${inner}if ${site.text(namedChildren(c)[0]!)}:`,
        );
        inner = site.deeper(inner);
      }
      lines.push(`${inner}${name}.append(${site.text(fieldChild(comprehension, "body")!)})`);
      if (!list) lines.push(`${indent}return ${name}`);
      out.push([replace(statement, lines.join(site.eol))]);
    }
    return out;
  },
};

/** The list comprehension assigned to a plain name, or returned, by a statement. */
function listComprehensionOf(statement: PyNode): { comprehension: PyNode; list: PyNode | null } | null {
  const parts = namedChildren(statement);
  if (statement.type === "return_statement") {
    return parts.length === 1 && parts[0]!.type === "list_comprehension"
      ? { comprehension: parts[0]!, list: null }
      : null;
  }
  const assignment = statement.type === "expression_statement" && parts.length === 1 ? parts[0]! : null;
  if (assignment?.type !== "assignment" || fieldChild(assignment, "type")) return null;
  const [left, right] = [fieldChild(assignment, "left"), fieldChild(assignment, "right")];
  if (left?.type !== "identifier" || right?.type !== "list_comprehension") return null;
  return { comprehension: right, list: left };
}

/** `return e` → `result = e; return result`, `if c:` → `condition = c; if condition:`, `x = a op b` → `temp = a; …`. */
const extractTemporary: Rule = {
  name: "extract-temporary",
  candidates(site) {
    const out: Edit[][] = [];
    for (const statement of allStatementsStartingIn(site)) {
      if (!site.opensLine(statement)) continue;
      let extracted: PyNode | null = null;
      let name = "";
      if (statement.type === "return_statement") {
        extracted = namedChildren(statement)[0] ?? null;
        name = site.freshName("result", "res", "value");
      } else if (statement.type === "if_statement") {
        extracted = fieldChild(statement, "condition");
        name = site.freshName("condition", "cond", "flag");
      } else if (statement.type === "expression_statement") {
        const assignment = namedChildren(statement)[0];
        const value =
          assignment?.type === "assignment" && !fieldChild(assignment, "type")
            ? fieldChild(assignment, "right")
            : null;
        extracted = value ? evaluatedFirst(site, value) : null;
        name = site.freshName("temp", "tmp", "part");
      }
      if (!extracted || leaves.has(extracted.type) || !site.inside(extracted)) continue;
      if (!site.scopeOf(statement)) continue;
      const indent = site.indentOf(statement);
      out.push([
        {
          start: statement.start,
          end: statement.start,
          text: `${name} = ${continued(site.text(extracted))}${site.eol}${indent}`,
        },
        replace(extracted, name),
      ]);
    }
    return out;
  },
};

/** An expression moved out of the brackets that let it run over several lines keeps brackets of its own. */
function continued(text: string): string {
  return text.includes("\n") ? `(${text})` : text;
}

/**
 * The part of an assigned value that Python evaluates before anything else in it: the left operand of a
 * binary operator, or the first argument of a call to a plain or dotted name (looking the name up has
 * no effect, so computing the argument first is unobservable).
 */
function evaluatedFirst(site: StepSite, value: PyNode): PyNode | null {
  if (value.type === "binary_operator") return fieldChild(value, "left");
  if (value.type !== "call") return null;
  const fn = fieldChild(value, "function");
  const args = fieldChild(value, "arguments");
  if (!fn || !/^[A-Za-z_][\w.]*$/.test(site.text(fn)) || args?.type !== "argument_list") return null;
  const first = namedChildren(args)[0];
  return first && !["keyword_argument", "list_splat", "dictionary_splat"].includes(first.type) ? first : null;
}

/** Statements whose first line lies in the step (a compound statement's header may be all of a line step). */
function allStatementsStartingIn(site: StepSite): PyNode[] {
  const out: PyNode[] = [];
  const visit = (n: PyNode): void => {
    if (n.end <= site.start || n.start >= site.end) return;
    if (isStatement(n) && n.start >= site.start) out.push(n);
    for (const c of n.children) visit(c);
  };
  visit(site.tree.root);
  return out;
}

/** Every refactoring rule, in the order the seeded choice indexes them. */
export const refactoringRules: Rule[] = [
  augmentedAssignment,
  commuteOperands,
  renameLocal,
  loopToComprehension,
  comprehensionToLoop,
  extractTemporary,
];
