import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { lineEndTokens, Tokenizer } from "../../src/model/tokenizer/index.js";

const fixtures = join(packageRoot, "test/fixtures/tokenizer");
const corpus = readFileSync(join(fixtures, "corpus.py"), "utf8");

/** Checks the mapping against its definition, character by character. */
function assertLineEnds(text: string, offsets: [number, number][], ends: number[]) {
  const newlines = [...text.matchAll(/\n/g)].map((m) => m.index);
  const finalLine = text.length > 0 && !text.endsWith("\n");
  assert.equal(ends.length, newlines.length + (finalLine ? 1 : 0));
  newlines.forEach((i, line) => {
    const [start, end] = offsets[ends[line]];
    assert.ok(
      start <= i && i < end,
      `line ${line}: token ${ends[line]} [${start}, ${end}) misses the \\n at ${i}`,
    );
  });
  if (finalLine) assert.equal(ends.at(-1), offsets.length - 1);
  for (let k = 1; k < ends.length; k++) assert.ok(ends[k] >= ends[k - 1]);
}

test("line ends on hand-made offsets: \\n merged with indentation, blank lines sharing a token, CRLF, final line", () => {
  // a ⏎··b ⏎⏎ c\r⏎ d  as tokens: "a", "\n  ", "b", "\n\n", "c", "\r\n", "d"
  const text = "a\n  b\n\nc\r\nd";
  const offsets: [number, number][] = [
    [0, 1],
    [1, 4],
    [4, 5],
    [5, 7],
    [7, 8],
    [8, 10],
    [10, 11],
  ];
  assert.deepEqual(lineEndTokens(text, offsets), [1, 3, 3, 5, 6]);
  assert.deepEqual(lineEndTokens(text + "\n", [...offsets, [11, 12]]), [1, 3, 3, 5, 7]);
  assert.deepEqual(lineEndTokens("", []), []);
  // A trailing end-of-sequence token covers no character and is not a line end.
  assert.deepEqual(
    lineEndTokens("x", [
      [0, 1],
      [1, 1],
    ]),
    [0],
  );
  assert.throws(() => lineEndTokens("a\nb", [[0, 1]]), /no token covers the line end at character 1/);
});

test("line ends on a GPT-2-style tokenizer that merges \\n with the next line's indentation", () => {
  const tokenizer = Tokenizer.load(join(fixtures, "gpt2-tiny.json"));
  const text = "def f(x):\n    return x\n\n\n";
  const { ids, offsets } = tokenizer.encode(text);
  const tokens = ids.map((id) => tokenizer.idToToken(id));
  const ends = lineEndTokens(text, offsets);
  assert.deepEqual(
    ends.map((t) => tokens[t]),
    ["ĊĠĠĠ", "ĊĊ", "ĊĊ", "Ċ"],
  );
  assertLineEnds(text, offsets, ends);
});

test("line ends on trained tokenizers: indentation, blank lines, CRLF, a final line without \\n", () => {
  const texts = [
    corpus,
    corpus.replaceAll("\n", "\r\n"),
    "def f(x):\n    y = x\n\n\n    return y",
    "if x:\n\tpass  \n   \n",
    "é😀\n中\n😀",
    "single line",
  ];
  for (const pattern of ["code", "gpt2"] as const) {
    const tokenizer = Tokenizer.train(corpus.split("\n\n\n"), { vocabSize: 500, pattern });
    for (const text of texts) {
      const { offsets } = tokenizer.encode(text);
      assertLineEnds(text, offsets, lineEndTokens(text, offsets));
    }
  }
});

test("with the code split every line ends on its own token, holding only its \\n (and trailing blanks)", () => {
  const tokenizer = Tokenizer.train(corpus.split("\n\n\n"), { vocabSize: 500 });
  const text = "def f(x):\n    y = x   \n\n\r\n    return y\n";
  const { ids, offsets } = tokenizer.encode(text);
  const ends = lineEndTokens(text, offsets);
  assert.equal(new Set(ends).size, ends.length, "no two lines share a token");
  for (const t of ends) assert.match(tokenizer.decode([ids[t]]), /^[ \t\r]*\n$/);
});

test("sampled ids, split unlike encode would: decodeWithOffsets then lineEndTokens index them as sampled", () => {
  const tokenizer = Tokenizer.load(join(fixtures, "gpt2-tiny.json"));
  const sampled = ["x", "Ċ", "ĠĠ", "Ġ", "Ġx", "ĊĠĠĠ", "Ġ", "re", "t", "urn", "<|endoftext|>"];
  const ids = sampled.map((t) => tokenizer.tokenToId(t)!);
  const { text, offsets } = tokenizer.decodeWithOffsets(ids, { skipSpecial: true });
  assert.equal(text, "x\n    x\n    return");
  assert.deepEqual(lineEndTokens(text, offsets), [1, 5, 9]);
});
