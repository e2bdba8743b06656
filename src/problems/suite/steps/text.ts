/** The steps over a string (`s`) and over a list of words (`words`), with the conversions between them. */
import {
  fixed,
  py,
  type Family,
  type Param,
  type Stage,
  type StepKind,
  type Terminal,
  type ValueType,
} from "./step.js";

/** A stage with a fixed body. */
function stage(
  from: ValueType,
  to: ValueType,
  name: string,
  kind: StepKind,
  line: string,
  body: string[],
): Stage {
  return { id: `${from}.${name}`, kind, from, to, ...fixed(line, body) };
}

/** A terminal with a fixed body. */
function answer(
  from: ValueType,
  name: string,
  kind: StepKind,
  family: Family,
  fnName: string,
  line: string,
  body: string[],
): Terminal {
  return { id: `${from}.${name}`, kind, family, fnName, from, ...fixed(line, body) };
}

/** A string stage that keeps the characters for which COND holds, written as a loop. */
function keepChars(name: string, line: string, cond: string): Stage {
  return stage("str", "str", name, "filter", line, [
    'out = ""',
    "for c in s:",
    `    if ${cond}:`,
    "        out += c",
    "s = out",
  ]);
}

export const stringStages: Stage[] = [
  stage("str", "str", "lower", "transform", "Make the string lower case.", ["s = s.lower()"]),
  stage("str", "str", "upper", "transform", "Make the string upper case.", ["s = s.upper()"]),
  stage("str", "str", "swap_case", "transform", "Swap the case of each letter.", ["s = s.swapcase()"]),
  stage("str", "str", "reverse", "reorder", "Reverse the string.", ["s = s[::-1]"]),
  stage("str", "str", "remove_spaces", "filter", "Remove the spaces.", ['s = s.replace(" ", "")']),
  {
    id: "str.replace",
    kind: "transform",
    from: "str",
    to: "str",
    params: [
      ["a", "e", "o", "s", "t"],
      ["*", "-", "_", "#"],
    ],
    describe: (p: readonly Param[]) => `Replace every '${p[0]}' by '${p[1]}'.`,
    code: (p: readonly Param[]) => [`s = s.replace(${py(p[0]!)}, ${py(p[1]!)})`],
  },
  keepChars("keep_letters", "Keep only the letters.", "c.isalpha()"),
  keepChars("keep_digits", "Keep only the digits.", "c.isdigit()"),
  keepChars("remove_vowels", "Remove the vowels.", 'c.lower() not in "aeiou"'),
  stage("str", "str", "collapse_runs", "loop", "Remove each character equal to the one before it.", [
    'out = ""',
    "for c in s:",
    "    if not out or out[-1] != c:",
    "        out += c",
    "s = out",
  ]),
  stage("str", "str", "double", "loop", "Repeat each character twice.", [
    'out = ""',
    "for c in s:",
    "    out += c + c",
    "s = out",
  ]),
  stage("str", "str", "before_space", "loop", "Keep the characters before the first space.", [
    'out = ""',
    "for c in s:",
    '    if c == " ":',
    "        break",
    "    out += c",
    "s = out",
  ]),
  {
    id: "str.first_k",
    kind: "slice",
    from: "str",
    to: "str",
    params: [[2, 3, 4, 5]],
    describe: (p: readonly Param[]) => `Keep the first ${p[0]} characters.`,
    code: (p: readonly Param[]) => [`s = s[:${p[0]}]`],
  },
  stage("str", "words", "split", "convert", "Split the string into words.", ["words = s.split()"]),
];

export const stringTerminals: Terminal[] = [
  answer("str", "return_string", "return", "strings", "transform_string", "Return the string.", ["return s"]),
  answer("str", "length", "count", "counting", "string_length", "Return the length of the string.", [
    "return len(s)",
  ]),
  answer(
    "str",
    "count_vowels",
    "count",
    "counting",
    "count_vowels",
    "Return how many vowels the string contains.",
    ["count = 0", "for c in s:", '    if c.lower() in "aeiou":', "        count += 1", "return count"],
  ),
  answer(
    "str",
    "count_upper",
    "count",
    "counting",
    "count_upper",
    "Return how many upper case letters the string contains.",
    ["count = 0", "for c in s:", "    if c.isupper():", "        count += 1", "return count"],
  ),
  answer(
    "str",
    "index_digit",
    "early_return",
    "search",
    "index_of_digit",
    "Return the position of the first digit, or -1 if there is none.",
    ["for i in range(len(s)):", "    if s[i].isdigit():", "        return i", "return -1"],
  ),
  answer(
    "str",
    "is_palindrome",
    "select",
    "search",
    "is_palindrome",
    "Return True if the string reads the same backwards, and False otherwise.",
    ["return s == s[::-1]"],
  ),
];

export const wordStages: Stage[] = [
  {
    id: "words.keep_longer",
    kind: "filter",
    from: "words",
    to: "words",
    params: [[1, 2, 3, 4]],
    describe: (p: readonly Param[]) => `Keep the words longer than ${p[0]} letters.`,
    code: (p: readonly Param[]) => [`words = [w for w in words if len(w) > ${p[0]}]`],
  },
  stage("words", "words", "keep_capitalised", "filter", "Keep the words that start with a capital letter.", [
    "words = [w for w in words if w[0].isupper()]",
  ]),
  stage("words", "words", "capitalise", "transform", "Capitalise each word.", [
    "words = [w.capitalize() for w in words]",
  ]),
  stage("words", "words", "reverse_each", "transform", "Reverse each word.", [
    "words = [w[::-1] for w in words]",
  ]),
  stage("words", "words", "reverse", "reorder", "Reverse the order of the words.", ["words = words[::-1]"]),
  stage("words", "words", "sort", "reorder", "Sort the words alphabetically.", ["words = sorted(words)"]),
  stage("words", "words", "unique", "loop", "Remove repeated words, keeping the first of each.", [
    "out = []",
    "for w in words:",
    "    if w not in out:",
    "        out.append(w)",
    "words = out",
  ]),
  {
    id: "words.join",
    kind: "convert",
    from: "words",
    to: "str",
    params: [[" ", "-", ","]],
    describe: (p: readonly Param[]) => `Join the words with '${p[0]}'.`,
    code: (p: readonly Param[]) => [`s = ${py(p[0]!)}.join(words)`],
  },
  stage("words", "ints", "lengths", "convert", "Replace each word by its length.", [
    "xs = [len(w) for w in words]",
  ]),
];

export const wordTerminals: Terminal[] = [
  answer("words", "return_words", "return", "lists", "transform_words", "Return the words.", [
    "return words",
  ]),
  answer("words", "count", "count", "counting", "count_words", "Return how many words there are.", [
    "return len(words)",
  ]),
  answer(
    "words",
    "total_letters",
    "accumulate",
    "accumulation",
    "total_letters",
    "Return the total number of letters in the words.",
    ["total = 0", "for w in words:", "    total += len(w)", "return total"],
  ),
  answer(
    "words",
    "longest",
    "select",
    "selection",
    "longest_word",
    "Return the longest word, or the empty string if there are none.",
    ['best = ""', "for w in words:", "    if len(w) > len(best):", "        best = w", "return best"],
  ),
  answer(
    "words",
    "first_capitalised",
    "early_return",
    "search",
    "first_capitalised",
    "Return the first word that starts with a capital letter, or the empty string if there is none.",
    ["for w in words:", "    if w[0].isupper():", "        return w", 'return ""'],
  ),
];
