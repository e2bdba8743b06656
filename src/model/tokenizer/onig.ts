/**
 * Hugging Face `tokenizers` compiles Split patterns with Oniguruma. JavaScript's RegExp reads the same
 * syntax for the patterns tokenizers use, with two differences we translate:
 * - `\s` is Unicode White_Space in Oniguruma (it includes U+0085, and not U+FEFF as JavaScript's does);
 * - scoped case-insensitivity `(?i:…)` (Llama 3, Qwen 2) is not in Node 20's RegExp;
 * - `^` and `$` match at every line start and end (Ruby syntax), as JavaScript's do only with the m flag.
 * Anything else JavaScript cannot compile (possessive quantifiers, nested classes) is reported, not guessed.
 */

/** Oniguruma's `\s` (Unicode White_Space), as the inside of a JavaScript character class. */
const whiteSpaceItems = [
  "\\t",
  "\\n",
  "\\v",
  "\\f",
  "\\r",
  " ",
  "\\x85",
  "\\xa0",
  "\\u1680",
  "\\u2000-\\u200a",
  "\\u2028",
  "\\u2029",
  "\\u202f",
  "\\u205f",
  "\\u3000",
];
const whiteSpace = whiteSpaceItems.join("");

/** Characters other than the ASCII letter that Unicode simple case folding maps onto it. */
const extraFolds: Record<string, string> = { s: "\\u017f", k: "\\u212a" };

/** Compiles an Oniguruma pattern from a tokenizer.json Split into a global, Unicode JavaScript RegExp. */
export function compileOnigPattern(pattern: string): RegExp {
  let out = "";
  const groups: boolean[] = []; // per open group: does it start a (?i:…) scope
  let caseless = 0;
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`pattern ${JSON.stringify(pattern)}: ${why}`);
  };
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "\\") {
      const e = pattern[i + 1];
      const escape = pattern.slice(i, i + escapeLength(pattern, i));
      if (e === "s") out += `[${whiteSpace}]`;
      else if (e === "S") out += `[^${whiteSpace}]`;
      else out += escape.startsWith("\\x{") ? "\\u" + escape.slice(2) : escape; // JavaScript spells it \u{…}
      i += escape.length;
    } else if (c === "[") {
      const end = classEnd(pattern, i, fail);
      if (caseless > 0) fail("character classes inside (?i:…) are not supported");
      out += translateClass(pattern.slice(i + 1, end));
      i = end + 1;
    } else if (c === "(") {
      if (pattern.startsWith("(?i:", i)) {
        groups.push(true);
        caseless++;
        out += "(?:";
        i += 4;
        continue;
      }
      if (pattern[i + 1] === "?" && !/^\(\?(?::|=|!|<=|<!)/.test(pattern.slice(i, i + 4)))
        fail(`the group '${pattern.slice(i, i + 4)}…' has no JavaScript equivalent`);
      groups.push(false);
      out += c;
      i++;
    } else if (c === ")") {
      if (groups.pop()) caseless--;
      out += c;
      i++;
    } else if ((c === "+" || c === "*" || c === "?" || c === "}") && pattern[i + 1] === "+") {
      fail("possessive quantifiers are not supported by JavaScript regexes");
    } else if (c === "$" || c === "^") {
      // Oniguruma's Ruby syntax (what tokenizers compiles) anchors at line ends, not only at the text's ends.
      out += c === "$" ? "(?![^\\n])" : "(?<![^\\n])";
      i++;
    } else if (caseless > 0 && /[a-zA-Z]/.test(c)) {
      const lower = c.toLowerCase();
      out += `[${lower}${lower.toUpperCase()}${extraFolds[lower] ?? ""}]`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  try {
    return new RegExp(out, "gu");
  } catch (err) {
    return fail(`does not compile as a JavaScript regex (${(err as Error).message})`);
  }
}

/** Length of the escape at `i` (`\\p{L}`, `\\x85`, `\\u2028` and `\\x{…}` are kept whole, so (?i:…) leaves them be). */
function escapeLength(pattern: string, i: number): number {
  const e = pattern[i + 1];
  const close = pattern[i + 2] === "{" ? pattern.indexOf("}", i) : -1;
  if ("pPx".includes(e) && close > 0) return close + 1 - i;
  if (e === "x") return 4;
  if (e === "u") return 6;
  return 2;
}

/** Index of the `]` closing the class opened at `open`. */
function classEnd(pattern: string, open: number, fail: (why: string) => never): number {
  let i = open + 1;
  if (pattern[i] === "^") i++;
  if (pattern[i] === "]") i++; // a leading ] is a literal
  for (; i < pattern.length; i++) {
    if (pattern[i] === "\\") i++;
    else if (pattern[i] === "[") fail("nested character classes are not supported");
    else if (pattern[i] === "]") return i;
  }
  return fail("unterminated character class");
}

/** A class body with `\s`/`\S` rewritten; `\S` cannot sit inside a JavaScript class, so it becomes a group. */
function translateClass(body: string): string {
  const negated = body.startsWith("^");
  const parts: string[] = [];
  let hasNonSpace = false;
  for (let i = negated ? 1 : 0; i < body.length; i++) {
    if (body[i] !== "\\") parts.push(body[i]);
    else if (body[i + 1] === "s") parts.push(whiteSpace);
    else if (body[i + 1] === "S") hasNonSpace = true;
    else if (body[i + 1] === "x" && body[i + 2] === "{") {
      // Oniguruma's \x{…} is JavaScript's \u{…}.
      const close = body.indexOf("}", i);
      parts.push("\\u" + body.slice(i + 2, close + 1));
      i = close;
    } else parts.push(body[i] + body[i + 1]);
    if (body[i] === "\\") i++;
  }
  const items = parts.join("");
  if (!hasNonSpace) return `[${negated ? "^" : ""}${items}]`;
  // [^\S X] is white space that is not X; [\S X] is non-space or X.
  if (!negated) return items ? `(?:[^${whiteSpace}]|[${items}])` : `[^${whiteSpace}]`;
  if (parts.every((p) => whiteSpaceItems.includes(p)))
    return `[${whiteSpaceItems.filter((w) => !parts.includes(w)).join("")}]`; // [^\S\n]: blanks but \n
  return `(?:(?![${items}])[${whiteSpace}])`;
}
