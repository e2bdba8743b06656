import { test } from "node:test";
import assert from "node:assert/strict";
import { segmentResponse, segmentSteps, type Granularity } from "../../src/labels/segment.js";
import { RuleTeacher, ruleNames, type RewriteKind } from "../../src/labels/teachers/rules.js";
import { withStepReplaced, type TeacherContext } from "../../src/labels/teachers/teacher.js";
import { callAll } from "./python.js";

/** The context for the first step of `program` whose text contains `marker`. */
async function contextFor(
  program: string,
  marker: string,
  granularity: Granularity,
  seed = 0,
): Promise<TeacherContext> {
  const steps = await segmentSteps(program, granularity);
  const index = steps.findIndex((s) => s.text.includes(marker));
  assert.ok(index >= 0, `no step contains ${JSON.stringify(marker)}`);
  return { prompt: "", program, steps, index, seed };
}

/** Rewrites the step with one rule only; returns the new program (null when the rule does not apply). */
async function rewriteWith(
  rule: string,
  kind: RewriteKind,
  program: string,
  marker: string,
  granularity: Granularity = "block",
): Promise<string | null> {
  const ctx = await contextFor(program, marker, granularity);
  const rewrite = await new RuleTeacher({ only: [rule] }).rewrite(ctx, kind);
  if (!rewrite) return null;
  assert.equal(rewrite.rule, rule);
  assert.notEqual(rewrite.text, ctx.steps[ctx.index]!.text, "the step changed");
  return withStepReplaced(ctx, rewrite.text);
}

/** Mutation examples: the step changes and so does the result of `call`. */
const mutations: {
  rule: string;
  program: string;
  marker: string;
  call: string;
  granularity?: Granularity;
}[] = [
  { rule: "swap-operator", program: "def f(a, b):\n    return a + b\n", marker: "return", call: "f(2, 3)" },
  {
    rule: "swap-comparison",
    program: "def f(x):\n    if x < 3:\n        return 1\n    return 0\n",
    marker: "if x",
    call: "f(3)",
    granularity: "line",
  },
  { rule: "constant-off-by-one", program: "def f(x):\n    return x * 10\n", marker: "return", call: "f(1)" },
  {
    rule: "range-bound",
    program: "def f(n):\n    s = 0\n    for i in range(n):\n        s += i\n    return s\n",
    marker: "for",
    call: "f(5)",
  },
  {
    rule: "negate-condition",
    program: "def f(x):\n    if x > 0:\n        return 'pos'\n    return 'neg'\n",
    marker: "if",
    call: "f(1)",
  },
  {
    rule: "negate-condition",
    program: "def f(n):\n    k = 0\n    while n > 1:\n        n //= 2\n        k += 1\n    return k\n",
    marker: "while",
    call: "f(8)",
    granularity: "line",
  },
  {
    rule: "swap-arguments",
    program: "def f(a, b):\n    return pow(a, b)\n",
    marker: "return",
    call: "f(2, 3)",
  },
  { rule: "swap-arguments", program: "def f(a, b):\n    return a - b\n", marker: "def", call: "f(5, 2)" },
  {
    rule: "delete-statement",
    program: "def f(x):\n    x = x * 2\n    return x\n",
    marker: "x = x",
    call: "f(3)",
  },
  { rule: "wrong-return", program: "def f(x):\n    return x + 1\n", marker: "return", call: "f(1)" },
];

for (const m of mutations) {
  test(`mutation ${m.rule} changes the step and the behaviour`, async () => {
    const mutant = await rewriteWith(m.rule, "mutation", m.program, m.marker, m.granularity);
    assert.ok(mutant, "the rule applies");
    const [before] = callAll(m.program, [m.call]);
    const [after] = callAll(mutant, [m.call]);
    assert.notEqual(after, before, `${m.call} on\n${mutant}`);
  });
}

test("delete-statement keeps the indentation and the line ending", async () => {
  const ctx = await contextFor("def f(x):\r\n\tx = x * 2\r\n\treturn x\r\n", "x = x", "line");
  const rewrite = await new RuleTeacher({ only: ["delete-statement"] }).rewrite(ctx, "mutation");
  assert.deepEqual(rewrite, { rule: "delete-statement", text: "\tpass\r\n" });
});

test("delete-statement deletes a statement ended by ';'", async () => {
  const ctx = await contextFor("def f(n):\n    m = n * 2; \n    return n\n", "m =", "line");
  const rewrite = await new RuleTeacher({ only: ["delete-statement"] }).rewrite(ctx, "mutation");
  assert.deepEqual(rewrite, { rule: "delete-statement", text: "    pass\n" });
});

test("delete-statement does not apply to a compound statement's header line", async () => {
  const program = "def f(xs):\n    for x in xs:\n        print(x)\n";
  assert.equal(await rewriteWith("delete-statement", "mutation", program, "for", "line"), null);
});

/** Refactoring examples: the step changes and every call keeps its result. */
const refactorings: {
  rule: string;
  program: string;
  marker: string;
  calls: string[];
  granularity?: Granularity;
}[] = [
  {
    rule: "augmented-assignment",
    program: "def f(n):\n    s = 0\n    for i in range(n):\n        s += i * i\n    return s\n",
    marker: "s += i",
    calls: ["f(0)", "f(5)"],
    granularity: "line",
  },
  {
    rule: "augmented-assignment",
    program: "def f(n):\n    s = 1.5\n    for i in range(n):\n        s = s * (i + 1)\n    return s\n",
    marker: "s = s *",
    calls: ["f(6)"],
    granularity: "line",
  },
  {
    rule: "commute-operands",
    program: "def f(xs):\n    n = len(xs)\n    return n * 2 + 1\n",
    marker: "return",
    calls: ["f([1, 2, 3])", "f([])"],
  },
  {
    rule: "rename-local",
    program: "def f(n):\n    s = 0\n    for i in range(n):\n        s += i\n    return s\n",
    marker: "for",
    calls: ["f(4)"],
  },
  {
    rule: "rename-local",
    program: "def f(xs):\n    return [x * 2 for x in xs if x]\n",
    marker: "return",
    calls: ["f([0, 1, 2])"],
  },
  {
    rule: "loop-to-comprehension",
    program:
      "def f(xs):\n    out = []\n    for x in xs:\n        if x % 2:\n            out.append(x * x)\n    return out\n",
    marker: "for",
    calls: ["f([1, 2, 3, 4, 5])", "f([])"],
  },
  {
    rule: "comprehension-to-loop",
    program: "def f(rows):\n    return [x * 2 for row in rows for x in row if x]\n",
    marker: "return",
    calls: ["f([[1, 0], [3]])"],
  },
  {
    rule: "extract-temporary",
    program: "def f(a, b):\n    return a * b + 1\n",
    marker: "return",
    calls: ["f(2, 3)"],
  },
  {
    rule: "extract-temporary",
    program: "def f(x):\n    if(x > 2):\n        return 'big'\n    return 'small'\n",
    marker: "if",
    calls: ["f(1)", "f(3)"],
    granularity: "line",
  },
  {
    rule: "extract-temporary",
    program: "def f(a, b):\n    m = int(a +\n            b / 2)\n    return m\n",
    marker: "m = int",
    calls: ["f(3, 4)"],
  },
];

for (const r of refactorings) {
  test(`refactoring ${r.rule} changes the step and keeps the behaviour (${r.marker})`, async () => {
    const refactored = await rewriteWith(r.rule, "refactoring", r.program, r.marker, r.granularity);
    assert.ok(refactored, "the rule applies");
    assert.deepEqual(callAll(refactored, r.calls), callAll(r.program, r.calls), refactored);
  });
}

test("refactorings that would change behaviour are not proposed", async () => {
  const refuse = async (rule: string, program: string, marker: string, granularity: Granularity = "block") =>
    assert.equal(
      await rewriteWith(rule, "refactoring", program, marker, granularity),
      null,
      `${rule} on ${program}`,
    );
  // `ys += [1]` extends the list xs aliases; `ys = ys + [1]` would not.
  await refuse(
    "augmented-assignment",
    "def f(xs):\n    ys = xs\n    ys += [1]\n    return xs\n",
    "ys +=",
    "line",
  );
  // `+` on strings (or lists) is not commutative.
  await refuse("commute-operands", "def f(s):\n    t = 'a'\n    return t + s\n", "return");
  // The loop variable is read after the loop, outside the step.
  await refuse("rename-local", "def f(n):\n    for i in range(n):\n        pass\n    return i\n", "for");
  await refuse(
    "loop-to-comprehension",
    "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n    return out, x\n",
    "for",
  );
  // The list is read while it is being built.
  await refuse(
    "loop-to-comprehension",
    "def f(xs):\n    out = [0]\n    for x in xs:\n        out.append(out[-1] + x)\n    return out\n",
    "for",
  );
  // A module-level name may be read by the tests.
  await refuse("rename-local", "total = 0\nfor i in range(3):\n    total += i\n", "for");
});

test("the words around a replaced expression stay apart: return(x) becomes return result", async () => {
  const program = "def f(x):\n    return(x + 1)\n";
  const refactored = await rewriteWith("extract-temporary", "refactoring", program, "return");
  assert.equal(refactored, "def f(x):\n    result = (x + 1)\n    return result\n");
  assert.deepEqual(callAll(refactored!, ["f(1)"]), ["2"]);
});

test("neutral steps are never rewritten", async () => {
  const ctx = await contextFor('def f(x):\n    """Doc."""\n    # x = x + 1\n    return x\n', "# x", "line");
  const teacher = new RuleTeacher();
  assert.equal(await teacher.mutate(ctx), null);
  assert.equal(await teacher.refactor(ctx), null);
});

test("the choice is a function of the seed, and seeds reach several rules", async () => {
  const program =
    "def f(xs, k):\n    out = []\n    for i in range(len(xs)):\n        if xs[i] > k:\n            out.append(xs[i] + 1)\n    return out\n";
  const teacher = new RuleTeacher();
  const rules = new Set<string>();
  for (let seed = 0; seed < 24; seed++) {
    const ctx = await contextFor(program, "for", "block", seed);
    const first = await teacher.rewrite(ctx, "mutation");
    assert.deepEqual(await teacher.rewrite(ctx, "mutation"), first);
    rules.add(first!.rule);
  }
  assert.ok(rules.size >= 4, [...rules].join(", "));
});

test("an unknown rule name is refused with the list of rules", () => {
  assert.throws(
    () => new RuleTeacher({ only: ["swap-everything"] }),
    /unknown teacher rule 'swap-everything'.*swap-operator/,
  );
  assert.equal(ruleNames.mutation.length, 8);
  assert.equal(ruleNames.refactoring.length, 6);
});

test("a step whose text is not at its offsets is an error, not a silent rewrite", async () => {
  const ctx = await contextFor("def f(x):\n    return x\n", "return", "line");
  await assert.rejects(
    new RuleTeacher().mutate({ ...ctx, program: "def g(y):\n    return y\n" }),
    /not at its offsets/,
  );
});

test("a response continuing a prompt is rewritten in the prompt's context", async () => {
  const prompt = 'def f(xs):\n    """Sum of the squares."""\n';
  const response = "    total = 0\n    for x in xs:\n        total += x * x\n    return total\n";
  const { steps } = await segmentResponse(prompt, response, "block");
  const ctx: TeacherContext = { prompt, program: prompt + response, steps, index: 1, seed: 3 };
  const teacher = new RuleTeacher();
  const refactored = withStepReplaced(ctx, (await teacher.refactor(ctx))!);
  const mutated = withStepReplaced(ctx, (await teacher.mutate(ctx))!);
  assert.ok(refactored.startsWith(prompt) && mutated.startsWith(prompt));
  assert.deepEqual(callAll(refactored, ["f([1, 2, 3])"]), ["14"]);
  assert.notDeepEqual(callAll(mutated, ["f([1, 2, 3])"]), ["14"]);
});

test("one seed over many programs does not repeat the same choice at the same step index", async () => {
  const teacher = new RuleTeacher();
  const rules = new Set<string>();
  for (let k = 2; k < 26; k++) {
    const ctx = await contextFor(`def f(a, b):\n    return a + b * ${k}\n`, "return", "line", 0);
    rules.add((await teacher.rewrite(ctx, "mutation"))!.rule);
  }
  assert.ok(rules.size >= 3, [...rules].join(", "));
});
