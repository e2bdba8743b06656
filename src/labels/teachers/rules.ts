/**
 * The rule-based teacher (PRLCoder §3.1 with rules in place of the LLM): it parses the program, lists
 * the applicable syntax-tree rewrites inside the step (mutations.ts, refactorings.ts), and picks one with
 * a seeded generator — first a rule, uniformly among those that apply, then a site of it. A rewrite
 * counts as applicable only when the program still parses afterwards and the step's text changed.
 */
import { Rng } from "../../problems/suite/random.js";
import { loadPython, parseWith } from "../python/parser.js";
import { mutationRules, type Rule } from "./mutations.js";
import { refactoringRules } from "./refactorings.js";
import { StepSite, type Edit } from "./site.js";
import { stepRange, type Teacher, type TeacherContext } from "./teacher.js";

export type RewriteKind = "mutation" | "refactoring";

/** A rewritten step and the rule that produced it. */
export interface Rewrite {
  rule: string;
  text: string;
}

/** Names of the rules of each kind, for reports. */
export const ruleNames: Record<RewriteKind, string[]> = {
  mutation: mutationRules.map((r) => r.name),
  refactoring: refactoringRules.map((r) => r.name),
};

/** A teacher that rewrites steps with syntax-tree rules; no model, no network. */
export class RuleTeacher implements Teacher {
  private readonly rules: Record<RewriteKind, Rule[]>;

  /** `only`: restrict the teacher to the rules named (see `ruleNames`); default all. */
  constructor(options: { only?: string[] } = {}) {
    const only = options.only;
    for (const name of only ?? []) {
      if (!ruleNames.mutation.includes(name) && !ruleNames.refactoring.includes(name)) {
        throw new Error(
          `unknown teacher rule '${name}'; the rules are ${[...ruleNames.mutation, ...ruleNames.refactoring].join(", ")}`,
        );
      }
    }
    const keep = (rules: Rule[]) => rules.filter((r) => !only || only.includes(r.name));
    this.rules = { mutation: keep(mutationRules), refactoring: keep(refactoringRules) };
  }

  async mutate(ctx: TeacherContext): Promise<string | null> {
    return (await this.rewrite(ctx, "mutation"))?.text ?? null;
  }

  async refactor(ctx: TeacherContext): Promise<string | null> {
    return (await this.rewrite(ctx, "refactoring"))?.text ?? null;
  }

  /** A seeded rewrite of the step with the rule named, or null when no rule applies (or the step is neutral). */
  async rewrite(ctx: TeacherContext, kind: RewriteKind): Promise<Rewrite | null> {
    const { start, end } = stepRange(ctx);
    if (ctx.steps[ctx.index]!.neutral) return null;
    const parser = await loadPython();
    const tree = parseWith(parser, ctx.program);
    if (tree.hasError) return null;
    const site = new StepSite(tree, start, end);
    // One stream per (seed, program, step, kind): the same inputs always pick the same rewrite, and
    // one seed over many programs does not repeat one pattern of choices by step index.
    const random = new Rng(`${ctx.seed}/${kind}/${ctx.index}/${ctx.program}`);
    const pending: Rule[] = [...this.rules[kind]];
    const original = ctx.program.slice(start, end);
    while (pending.length > 0) {
      const [rule] = pending.splice(random.int(0, pending.length - 1), 1);
      const candidates = rule!.candidates(site);
      for (const edits of shuffled(candidates, random)) {
        const text = applyEdits(ctx.program, start, end, edits);
        if (text === original) continue;
        if (parseWith(parser, ctx.program.slice(0, start) + text + ctx.program.slice(end)).hasError) continue;
        return { rule: rule!.name, text };
      }
    }
    return null;
  }
}

/** program[start, end) with non-overlapping `edits` (inside that range) applied. */
export function applyEdits(program: string, start: number, end: number, edits: Edit[]): string {
  let text = "";
  let at = start;
  for (const e of [...edits].sort((a, b) => a.start - b.start || a.end - b.end)) {
    if (e.start < at || e.end > end)
      throw new Error(`rewrite edit [${e.start}, ${e.end}) overlaps or leaves the step`);
    // `return(x)` → `return result`, not `returnresult`: keep words that become adjacent apart.
    const before = /\w/.test(program[e.start - 1] ?? "") && /^\w/.test(e.text) ? " " : "";
    const after = /\w/.test(program[e.end] ?? "") && /\w$/.test(e.text) ? " " : "";
    text += program.slice(at, e.start) + before + e.text + after;
    at = e.end;
  }
  return text + program.slice(at, end);
}

function shuffled<T>(items: T[], random: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
