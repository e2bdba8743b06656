/** The steps over a list of integers (`xs`): stages that rewrite the list, and terminals that answer. */
import { fixed, type Family, type Param, type Stage, type StepKind, type Terminal } from "./step.js";

const n = (p: readonly Param[], i = 0): number => p[i] as number;

/** `xs = [x for x in xs if COND]`. */
function keep(name: string, kind: StepKind, params: Param[][], describe: (p: readonly Param[]) => string, cond: (p: readonly Param[]) => string): Stage {
  return { id: `ints.${name}`, kind, from: "ints", to: "ints", params, describe, code: (p) => [`xs = [x for x in xs if ${cond(p)}]`] };
}

/** `xs = [EXPR for x in xs]`. */
function each(name: string, params: Param[][], describe: (p: readonly Param[]) => string, expr: (p: readonly Param[]) => string): Stage {
  return { id: `ints.${name}`, kind: "transform", from: "ints", to: "ints", params, describe, code: (p) => [`xs = [${expr(p)} for x in xs]`] };
}

/** A stage with a fixed body. */
function stage(name: string, kind: StepKind, line: string, body: string[]): Stage {
  return { id: `ints.${name}`, kind, from: "ints", to: "ints", ...fixed(line, body) };
}

/** A terminal with a fixed body. */
function answer(name: string, kind: StepKind, family: Family, fnName: string, line: string, body: string[]): Terminal {
  return { id: `ints.${name}`, kind, family, fnName, from: "ints", ...fixed(line, body) };
}

export const intStages: Stage[] = [
  keep("keep_greater", "filter", [[-2, 0, 1, 2, 3, 4, 5]], (p) => `Keep the numbers greater than ${n(p)}.`, (p) => `x > ${n(p)}`),
  keep("keep_less", "filter", [[-1, 0, 2, 3, 4, 6]], (p) => `Keep the numbers less than ${n(p)}.`, (p) => `x < ${n(p)}`),
  keep("keep_even", "filter", [], () => "Keep the even numbers.", () => "x % 2 == 0"),
  keep("keep_odd", "filter", [], () => "Keep the odd numbers.", () => "x % 2 == 1"),
  keep("remove_equal", "filter", [[0, 1, 2, 3, 5]], (p) => `Remove the numbers equal to ${n(p)}.`, (p) => `x != ${n(p)}`),
  each("add", [[1, 2, 3, 5]], (p) => `Add ${n(p)} to each number.`, (p) => `x + ${n(p)}`),
  each("subtract", [[1, 2, 3, 4]], (p) => `Subtract ${n(p)} from each number.`, (p) => `x - ${n(p)}`),
  each("multiply", [[2, 3, 4]], (p) => `Multiply each number by ${n(p)}.`, (p) => `x * ${n(p)}`),
  each("modulo", [[2, 3, 4, 5]], (p) => `Replace each number by its remainder modulo ${n(p)}.`, (p) => `x % ${n(p)}`),
  each("square", [], () => "Square each number.", () => "x * x"),
  each("negate", [], () => "Negate each number.", () => "-x"),
  each("absolute", [], () => "Replace each number by its absolute value.", () => "abs(x)"),
  each("halve", [], () => "Halve each number, rounding down.", () => "x // 2"),
  {
    id: "ints.raise_to",
    kind: "branch",
    from: "ints",
    to: "ints",
    params: [[0, 1, 2, 3]],
    describe: (p) => `Replace each number less than ${n(p)} by ${n(p)}.`,
    code: (p) => ["out = []", "for x in xs:", `    if x < ${n(p)}:`, `        out.append(${n(p)})`, "    else:", "        out.append(x)", "xs = out"],
  },
  stage("zero_odd", "branch", "Replace each odd number by 0.", ["out = []", "for x in xs:", "    if x % 2 == 1:", "        out.append(0)", "    else:", "        out.append(x)", "xs = out"]),
  stage("sign", "branch", "Replace each number by its sign: 1, -1 or 0.", [
    "out = []",
    "for x in xs:",
    "    if x > 0:",
    "        out.append(1)",
    "    elif x < 0:",
    "        out.append(-1)",
    "    else:",
    "        out.append(0)",
    "xs = out",
  ]),
  stage("before_negative", "loop", "Keep the numbers before the first negative number.", ["out = []", "for x in xs:", "    if x < 0:", "        break", "    out.append(x)", "xs = out"]),
  {
    id: "ints.before_greater",
    kind: "loop",
    from: "ints",
    to: "ints",
    params: [[3, 4, 5, 6]],
    describe: (p) => `Keep the numbers before the first number greater than ${n(p)}.`,
    code: (p) => ["out = []", "for x in xs:", `    if x > ${n(p)}:`, "        break", "    out.append(x)", "xs = out"],
  },
  stage("running_total", "accumulate", "Replace each number by the running total up to it.", ["total = 0", "out = []", "for x in xs:", "    total += x", "    out.append(total)", "xs = out"]),
  stage("unique", "loop", "Remove repeated numbers, keeping the first of each.", ["out = []", "for x in xs:", "    if x not in out:", "        out.append(x)", "xs = out"]),
  stage("collapse_runs", "loop", "Remove each number equal to the one before it.", ["out = []", "for x in xs:", "    if not out or out[-1] != x:", "        out.append(x)", "xs = out"]),
  stage("differences", "loop", "Replace the numbers by the differences between neighbours.", ["out = []", "for i in range(1, len(xs)):", "    out.append(xs[i] - xs[i - 1])", "xs = out"]),
  stage("reverse", "reorder", "Reverse the numbers.", ["xs = xs[::-1]"]),
  stage("sort", "reorder", "Sort the numbers in increasing order.", ["xs = sorted(xs)"]),
  stage("sort_decreasing", "reorder", "Sort the numbers in decreasing order.", ["xs = sorted(xs, reverse=True)"]),
  stage("even_positions", "slice", "Keep the numbers at even positions.", ["xs = xs[::2]"]),
  {
    id: "ints.first_k",
    kind: "slice",
    from: "ints",
    to: "ints",
    params: [[2, 3, 4]],
    describe: (p) => `Keep the first ${n(p)} numbers.`,
    code: (p) => [`xs = xs[:${n(p)}]`],
  },
  {
    id: "ints.drop_k",
    kind: "slice",
    from: "ints",
    to: "ints",
    params: [[1, 2, 3]],
    describe: (p) => `Remove the first ${n(p)} numbers.`,
    code: (p) => [`xs = xs[${n(p)}:]`],
  },
];

export const intTerminals: Terminal[] = [
  answer("return_list", "return", "lists", "transform_numbers", "Return the numbers.", ["return xs"]),
  answer("sum", "accumulate", "accumulation", "sum_numbers", "Return the sum of the numbers.", ["return sum(xs)"]),
  answer("product", "accumulate", "accumulation", "product_numbers", "Return the product of the numbers.", ["product = 1", "for x in xs:", "    product *= x", "return product"]),
  answer("alternating_sum", "branch", "accumulation", "alternating_sum", "Return the sum of the numbers at even positions minus the sum of the numbers at odd positions.", [
    "total = 0",
    "for i in range(len(xs)):",
    "    if i % 2 == 0:",
    "        total += xs[i]",
    "    else:",
    "        total -= xs[i]",
    "return total",
  ]),
  answer("count", "count", "counting", "count_numbers", "Return how many numbers there are.", ["return len(xs)"]),
  {
    id: "ints.count_greater",
    kind: "count",
    family: "counting",
    fnName: "count_greater",
    from: "ints",
    params: [[0, 1, 2, 3, 4]],
    describe: (p) => `Return how many numbers are greater than ${n(p)}.`,
    code: (p) => ["count = 0", "for x in xs:", `    if x > ${n(p)}:`, "        count += 1", "return count"],
  },
  answer("count_rises", "count", "counting", "count_rises", "Return how many numbers are larger than the number before them.", [
    "count = 0",
    "for i in range(1, len(xs)):",
    "    if xs[i] > xs[i - 1]:",
    "        count += 1",
    "return count",
  ]),
  answer("longest_run", "count", "counting", "longest_run", "Return the length of the longest run of equal neighbouring numbers.", [
    "best = 0",
    "run = 0",
    "prev = None",
    "for x in xs:",
    "    if x == prev:",
    "        run += 1",
    "    else:",
    "        run = 1",
    "    prev = x",
    "    best = max(best, run)",
    "return best",
  ]),
  answer("largest", "select", "selection", "largest_number", "Return the largest number, or 0 if there are none.", ["if not xs:", "    return 0", "return max(xs)"]),
  answer("smallest", "select", "selection", "smallest_number", "Return the smallest number, or 0 if there are none.", ["if not xs:", "    return 0", "return min(xs)"]),
  answer("last", "select", "selection", "last_number", "Return the last number, or 0 if there are none.", ["if not xs:", "    return 0", "return xs[-1]"]),
  {
    id: "ints.first_greater",
    kind: "early_return",
    family: "search",
    fnName: "first_greater",
    from: "ints",
    params: [[0, 1, 2, 3, 4]],
    describe: (p) => `Return the first number greater than ${n(p)}, or -1 if there is none.`,
    code: (p) => ["for x in xs:", `    if x > ${n(p)}:`, "        return x", "return -1"],
  },
  answer("index_even", "early_return", "search", "index_of_even", "Return the position of the first even number, or -1 if there is none.", [
    "for i in range(len(xs)):",
    "    if xs[i] % 2 == 0:",
    "        return i",
    "return -1",
  ]),
  answer("any_negative", "early_return", "search", "has_negative", "Return True if some number is negative, and False otherwise.", ["for x in xs:", "    if x < 0:", "        return True", "return False"]),
  answer("all_even", "early_return", "search", "all_even", "Return True if every number is even, and False otherwise.", ["for x in xs:", "    if x % 2 != 0:", "        return False", "return True"]),
  answer("is_increasing", "early_return", "search", "is_increasing", "Return True if each number is larger than the one before it, and False otherwise.", [
    "for i in range(1, len(xs)):",
    "    if xs[i] <= xs[i - 1]:",
    "        return False",
    "return True",
  ]),
];
