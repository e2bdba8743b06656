import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { Tokenizer } from "../../src/model/tokenizer/index.js";
import { ReferenceEncoder } from "../../src/model/tokenizer/reference.js";
import { decodeUtf8 } from "../../src/model/tokenizer/utf8.js";

const corpus = readFileSync(join(packageRoot, "test/fixtures/tokenizer/corpus.py"), "utf8");
const documents = corpus.split("\n\n\n");
const code = Tokenizer.train(documents, { vocabSize: 450 });
const gpt2 = Tokenizer.train(documents, { vocabSize: 450, pattern: "gpt2" });

/** A deterministic generator (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random strings over pieces that stress the byte and split logic. */
function randomStrings(count: number, seed: number): string[] {
  const pieces = [
    "a",
    "Z",
    "def",
    " ",
    "    ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "é",
    "ß",
    "中文",
    "😀",
    "👍🏽",
    "\ud800",
    "\udfff",
    "\ufeff",
    "\u0085",
    "\u00a0",
    "\u2028",
    "\u0000",
    "'s",
    "'LL",
    "42",
    "٣",
    "==",
    "):",
    "<|eos|>",
    "<|bos",
    "|>",
    "ſ",
    "\u0301",
  ];
  const next = random(seed);
  return Array.from({ length: count }, () => {
    let s = "";
    for (let n = Math.floor(next() * 24); n > 0; n--) s += pieces[Math.floor(next() * pieces.length)];
    return s;
  });
}

const tricky = [
  "",
  "\n",
  "\r\n",
  "\ud800",
  "\udc00x",
  "x\ud83d",
  "😀",
  "\ufeff",
  "\ufeffdef",
  "a\u0085b",
  "\u0000",
  "<|eos|>",
  "<|eos|><|bos|><|pad|>",
  "<|eos",
  " ".repeat(3000),
  "x".repeat(50000),
  "\n".repeat(100),
  corpus,
];

test("decode(encode(s)) === s for random and tricky strings, with both splits", () => {
  for (const tokenizer of [code, gpt2])
    for (const s of [...tricky, ...randomStrings(500, 1)])
      assert.equal(tokenizer.decode(tokenizer.encode(s).ids), s);
});

test("offsets are ordered, cover the text, and a token's own span decodes to that token", () => {
  for (const s of [...randomStrings(300, 2), corpus]) {
    const { ids, offsets } = code.encode(s);
    assert.equal(offsets.length, ids.length);
    let covered = 0;
    offsets.forEach(([start, end], t) => {
      assert.ok(start < end, `token ${t} of ${JSON.stringify(s)} is empty`);
      // No gaps; an overlap with the previous token is only ever one character that both hold bytes of.
      assert.ok(
        start === covered || (start < covered && covered - start <= 2 && s.codePointAt(start)! >= 0x80),
      );
      assert.ok(end >= covered);
      covered = end;
      const shared = (t > 0 && offsets[t - 1][1] > start) || (t + 1 < ids.length && offsets[t + 1][0] < end);
      if (!shared) assert.equal(code.decode([ids[t]]), s.slice(start, end));
    });
    assert.equal(covered, s.length);
  }
});

test("a token holding part of a character gets the whole character's span", () => {
  const s = "a😀b";
  const { ids, offsets } = code.encode(s);
  const emoji = offsets.filter(([start]) => start === 1);
  assert.ok(emoji.length >= 1);
  for (const span of emoji) assert.deepEqual(span, [1, 3]);
  assert.equal(code.decode(ids), s);
});

test("decodeWithOffsets gives back encode's offsets, so sampled ids map to characters the same way", () => {
  for (const s of [...randomStrings(300, 6), corpus]) {
    const { ids, offsets } = code.encode(s);
    assert.deepEqual(code.decodeWithOffsets(ids), { text: s, offsets });
  }
  const framed = [code.bosId, ...code.encode("x\n").ids, code.eosId];
  assert.deepEqual(code.decodeWithOffsets(framed, { skipSpecial: true }).offsets.at(-1), [2, 2]);
});

test("decoding any bytes follows TextDecoder's replacement rules, and reads WTF-8 surrogates back", () => {
  const reference = new TextDecoder("utf-8", { ignoreBOM: true });
  const next = random(5);
  const interesting = [
    0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f, 0xef, 0xf0, 0x90, 0xf4, 0x8f,
    0xf5, 0xff, 0xbb, 0xef,
  ];
  for (let k = 0; k < 3000; k++) {
    const bytes = Uint8Array.from({ length: Math.floor(next() * 12) }, () =>
      next() < 0.7 ? interesting[Math.floor(next() * interesting.length)] : Math.floor(next() * 256),
    );
    const { text, charStart, charEnd } = decodeUtf8(bytes);
    if (!/\xed[\xa0-\xbf][\x80-\xbf]/.test(String.fromCharCode(...bytes)))
      assert.equal(text, reference.decode(bytes), `bytes ${Buffer.from(bytes).toString("hex")}`);
    for (let i = 0; i < bytes.length; i++) {
      assert.ok(charStart[i] < charEnd[i] && charEnd[i] <= text.length);
      if (i > 0) assert.ok(charStart[i] >= charStart[i - 1]);
    }
  }
  assert.equal(decodeUtf8(Uint8Array.of(0x61, 0xed, 0xa0, 0x80, 0x62)).text, "a\ud800b");
  assert.equal(decodeUtf8(Uint8Array.of(0xed, 0xa0, 0x41)).text, "\ufffd\ufffdA"); // as TextDecoder
});

test("encode matches the textbook rescan-per-merge encoder", () => {
  for (const tokenizer of [code, gpt2]) {
    const reference = new ReferenceEncoder(tokenizer.toJSON());
    for (const s of [...randomStrings(300, 3), corpus, "x".repeat(2000), "    ".repeat(500)]) {
      assert.deepEqual(tokenizer.encode(s).ids, reference.encode(s), JSON.stringify(s.slice(0, 80)));
    }
  }
});

test("training learns merges that shrink token counts, and more merges shrink them further", () => {
  const heldOut =
    "def count_evens(values):\n    total = 0\n    for value in values:\n        if value % 2 == 0:\n" +
    "            total += 1\n    return total\n";
  const bytes = Buffer.byteLength(heldOut);
  const counts = [259, 300, 450].map(
    (vocabSize) => Tokenizer.train(documents, { vocabSize }).encode(heldOut).ids.length,
  );
  assert.equal(counts[0], bytes); // no merges: one token per byte
  assert.ok(counts[1] < counts[0] && counts[2] < counts[1], `token counts ${counts}`);
  assert.equal(code.vocabSize, 450);
  assert.ok(code.tokenToId("Ġreturn") !== undefined, "a frequent word became one token");
});

test("training is deterministic and stops when no pair reaches minFrequency", () => {
  assert.deepEqual(Tokenizer.train(documents, { vocabSize: 450 }).toJSON(), code.toJSON());
  const unique = Tokenizer.train(["abcdefg"], { vocabSize: 1000 });
  assert.equal(unique.vocabSize, 259, "every pair occurs once, so nothing merges");
  assert.equal(Tokenizer.train(["abcdefg"], { vocabSize: 1000, minFrequency: 1 }).vocabSize, 265);
  assert.throws(
    () => Tokenizer.train(documents, { vocabSize: 100 }),
    /vocabSize must be an integer from 259/,
  );
});

test("special tokens: ids 0-2, not added by encode, matched in text, dropped by skipSpecial", () => {
  assert.deepEqual([code.bosId, code.eosId, code.padId], [0, 1, 2]);
  assert.deepEqual(
    [0, 1, 2].map((id) => code.idToToken(id)),
    ["<|bos|>", "<|eos|>", "<|pad|>"],
  );
  const { ids, offsets } = code.encode("x = 1<|eos|>");
  assert.ok(!ids.includes(code.bosId));
  assert.equal(ids.at(-1), code.eosId);
  assert.deepEqual(offsets.at(-1), [5, 12]);
  const framed = [code.bosId, ...code.encode("return x").ids, code.eosId, code.padId];
  assert.equal(code.decode(framed), "<|bos|>return x<|eos|><|pad|>");
  assert.equal(code.decode(framed, { skipSpecial: true }), "return x");
  assert.throws(() => code.decode([code.vocabSize]), /not in the vocabulary/);
});

test("the code split never joins a line end with what follows, so prefixes cut at a line end encode alike", () => {
  const text = "def f(x):\n    if x:\n\n        return 1\r\n    return 2\n";
  const whole = code.encode(text).ids;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) {
    const prefix = code.encode(text.slice(0, i + 1)).ids;
    assert.deepEqual(whole.slice(0, prefix.length), prefix, `cut after character ${i}`);
  }
  for (const [start, end] of code.encode(text).offsets) {
    const newline = text.indexOf("\n", start);
    assert.ok(newline < 0 || newline >= end - 1, "a newline is the last character of its token");
  }
});

test("save → load gives the same tokenizer, written in Hugging Face's tokenizer.json layout", () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-tokenizer-"));
  try {
    for (const tokenizer of [code, gpt2]) {
      const file = join(dir, "tokenizer.json");
      tokenizer.save(file);
      const loaded = Tokenizer.load(dir);
      for (const s of [...randomStrings(100, 4), corpus])
        assert.deepEqual(loaded.encode(s), tokenizer.encode(s));
      assert.deepEqual([loaded.bosId, loaded.eosId, loaded.padId, loaded.vocabSize], [0, 1, 2, 450]);
      const json = JSON.parse(readFileSync(file, "utf8"));
      assert.deepEqual(Object.keys(json).sort(), [
        "added_tokens",
        "decoder",
        "model",
        "normalizer",
        "padding",
        "post_processor",
        "pre_tokenizer",
        "truncation",
        "version",
      ]);
      assert.equal(json.model.type, "BPE");
      assert.equal(json.decoder.type, "ByteLevel");
      assert.equal(Object.keys(json.model.vocab).length, 450);
      assert.ok(json.model.merges.length >= 450 - 259);
      assert.match(json.model.merges[0], /^\S+ \S+$/);
      assert.deepEqual(
        json.added_tokens.map((t: { content: string; special: boolean }) => [t.content, t.special]),
        [
          ["<|bos|>", true],
          ["<|eos|>", true],
          ["<|pad|>", true],
        ],
      );
    }
    assert.equal(JSON.stringify(code), JSON.stringify(code.toJSON()));
    assert.equal((gpt2.toJSON() as { pre_tokenizer: { type: string } }).pre_tokenizer.type, "ByteLevel");
    const split = (code.toJSON() as { pre_tokenizer: { pretokenizers: { type: string }[] } }).pre_tokenizer;
    assert.deepEqual(
      split.pretokenizers.map((p) => p.type),
      ["Split", "ByteLevel"],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
