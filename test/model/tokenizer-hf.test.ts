// Loading Hugging Face tokenizer.json files. The expected tokens and offsets below were checked against
// Hugging Face `tokenizers` 0.23 (its Node binding) on the same fixture files; the binding reports
// offsets in code points, which equal our UTF-16 offsets on these texts except around the emoji.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { Tokenizer } from "../../src/model/tokenizer/index.js";
import { compileOnigPattern } from "../../src/model/tokenizer/onig.js";
import { encodePrompt } from "../../src/model/prompt.js";

const fixtures = join(packageRoot, "test/fixtures/tokenizer");
const gpt2File = join(fixtures, "gpt2-tiny.json");
const gpt2Json = () => JSON.parse(readFileSync(gpt2File, "utf8"));

function tokens(tokenizer: Tokenizer, text: string): (string | undefined)[] {
  return tokenizer.encode(text).ids.map((id) => tokenizer.idToToken(id));
}

test('a GPT-2-style tokenizer.json (ByteLevel split, "a b" merges) loads and encodes as tokenizers does', () => {
  const gpt2 = Tokenizer.load(gpt2File);
  assert.equal(gpt2.vocabSize, 292);
  // GPT-2 has one special token, <|endoftext|>, which serves as bos, eos and pad.
  assert.deepEqual([gpt2.bosId, gpt2.eosId, gpt2.padId], [291, 291, 291]);
  assert.deepEqual(tokens(gpt2, "the cat sat on the mat"), [
    "t",
    "he",
    "Ġcat",
    "Ġsat",
    "Ġ",
    "on",
    "Ġthe",
    "Ġmat",
  ]);
  assert.deepEqual(gpt2.encode("the cat sat on the mat").ids, [83, 257, 268, 269, 220, 262, 260, 272]);
  assert.deepEqual(tokens(gpt2, "it's"), ["i", "t", "'s"]);

  const text = "café 😀!<|endoftext|>the";
  const { ids, offsets } = gpt2.encode(text);
  assert.deepEqual(ids, [285, 220, 286, 246, 222, 0, 291, 83, 257]);
  assert.deepEqual(tokens(gpt2, text), ["cafÃ©", "Ġ", "ðŁ", "ĺ", "Ģ", "!", "<|endoftext|>", "t", "he"]);
  // The emoji is two UTF-16 units and three tokens; each token gets the whole character.
  assert.deepEqual(offsets, [
    [0, 4],
    [4, 5],
    [5, 7],
    [5, 7],
    [5, 7],
    [7, 8],
    [8, 21],
    [21, 22],
    [22, 24],
  ]);
  assert.equal(gpt2.decode(ids), text);
  assert.equal(gpt2.decode(ids, { skipSpecial: true }), "café 😀!the");
});

test("merges load from both encodings, and a repeated merge takes its last rank as in tokenizers", () => {
  const json = gpt2Json();
  const asStrings = Tokenizer.fromJSON(json);
  json.model.merges = json.model.merges.map((m: string) => m.split(" "));
  const asPairs = Tokenizer.fromJSON(json);
  const text = "def f(x):\n    return x\n\n\nthe café";
  assert.deepEqual(asPairs.encode(text), asStrings.encode(text));

  json.model.merges = [
    ["o", "n"],
    ["Ġ", "o"],
    ["o", "n"],
  ];
  assert.deepEqual(tokens(Tokenizer.fromJSON(json), " on"), ["Ġo", "n"]);
});

test("a Llama-3-style checkpoint folder: Split + ByteLevel, [a, b] merges, ignore_merges, tokenizer_config.json", () => {
  const dir = join(fixtures, "llama3-tiny");
  const llama = Tokenizer.load(dir);
  // bos and eos come from tokenizer_config.json (eos <|eot_id|> as in Llama 3 Instruct); pad falls back to eos.
  assert.deepEqual([llama.bosId, llama.eosId, llama.padId], [270, 272, 272]);
  assert.equal(llama.tokenToId("<|begin_of_text|>"), 270);
  assert.equal(llama.vocabSize, 274);
  // (?i:'s|…) matches "'S"; digits go in threes; "Ġhello" has no merges but is whole in the vocabulary.
  assert.deepEqual(tokens(llama, "IT'S the 12345 hello"), [
    "I",
    "T",
    "'S",
    "Ġthe",
    "Ġ",
    "123",
    "4",
    "5",
    "Ġhello",
  ]);
  assert.deepEqual(tokens(llama, "def f(x):\n    return x\n\n").slice(6, 10), [":", "Ċ", "ĠĠĠ", "Ġ"]);
  const text = "<|begin_of_text|>if x<|python_tag|> hello<|eot_id|>";
  const { ids, offsets } = llama.encode(text);
  assert.deepEqual(ids, [270, 259, 260, 273, 269, 272]);
  assert.deepEqual(offsets, [
    [0, 17],
    [17, 19],
    [19, 21],
    [21, 35],
    [35, 41],
    [41, 51],
  ]);
  // <|python_tag|> is an added token but not a special one, so skipSpecial keeps it.
  assert.equal(llama.decode(ids, { skipSpecial: true }), "if x<|python_tag|> hello");
  // Names passed in win over tokenizer_config.json.
  assert.equal(Tokenizer.load(dir, { eos: "<|end_of_text|>" }).eosId, 271);
});

test("a loaded tokenizer saves back to an equivalent tokenizer.json", () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-tokenizer-"));
  try {
    const original = Tokenizer.load(join(fixtures, "llama3-tiny", "tokenizer.json"));
    original.save(join(dir, "tokenizer.json"));
    const copy = Tokenizer.load(join(dir, "tokenizer.json"), { eos: "<|eot_id|>" });
    const text = "IT'S <|begin_of_text|>def f(x):\n    return 12345 hello 😀\n";
    assert.deepEqual(copy.encode(text), original.encode(text));
    const json = JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8"));
    const originalJson = JSON.parse(readFileSync(join(fixtures, "llama3-tiny", "tokenizer.json"), "utf8"));
    assert.deepEqual(json.pre_tokenizer.pretokenizers[0], originalJson.pre_tokenizer.pretokenizers[0]);
    assert.equal(json.post_processor.type, "TemplateProcessing", "the post-processor is kept as it was");
    assert.equal(json.model.ignore_merges, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("what would encode differently is refused with the field's name", () => {
  const refuse = (edit: (json: ReturnType<typeof gpt2Json>) => void, message: RegExp) => {
    const json = gpt2Json();
    edit(json);
    assert.throws(() => Tokenizer.fromJSON(json), message);
  };
  refuse(
    (j) => (j.normalizer = { type: "Precompiled", precompiled_charsmap: "" }),
    /tokenizer.json: normalizer.type: 'Precompiled' is not supported \(supported: NFC/,
  );
  refuse(
    (j) => (j.normalizer = { type: "Sequence", normalizers: [{ type: "NFC" }, { type: "BertNormalizer" }] }),
    /normalizer.normalizers\[1\].type: 'BertNormalizer'/,
  );
  refuse((j) => (j.truncation = { max_length: 8 }), /truncation: is not supported/);
  refuse((j) => (j.post_processor.trim_offsets = true), /post_processor.trim_offsets: true is not supported/);
  refuse((j) => (j.model.byte_fallback = true), /model.byte_fallback: not supported by byte-level BPE/);
  refuse((j) => (j.model.type = "WordPiece"), /model.type: expected BPE/);
  refuse((j) => (j.model.dropout = 0.1), /model.dropout/);
  refuse((j) => (j.model.merges = ["a b c"]), /model.merges\[0\]: expected "a b" or \["a", "b"\]/);
  refuse(
    (j) => (j.model.merges = ["Ġ zz"]),
    /merge 0 \("Ġ zz"\) uses or makes a token that is not in the vocabulary/,
  );
  refuse((j) => (j.added_tokens[0].lstrip = true), /added_tokens\[0\].lstrip/);
  refuse((j) => (j.decoder = { type: "WordPiece" }), /decoder: expected ByteLevel/);
  refuse(
    (j) => (j.pre_tokenizer = { type: "Whitespace" }),
    /pre_tokenizer.type: 'Whitespace' is not supported/,
  );
  // Without ByteLevel the tokenizer is sentencepiece-style, whose decoder must be the sentencepiece chain.
  refuse(
    (j) => (j.pre_tokenizer = { type: "Metaspace", replacement: "▁", prepend_scheme: "first", split: false }),
    /decoder: expected Metaspace, or a Sequence of Replace/,
  );
  refuse((j) => {
    j.pre_tokenizer = null;
    j.decoder = { type: "Sequence", decoders: [{ type: "Strip", content: " ", start: 1, stop: 0 }] };
  }, /decoder.decoders\[0\]: Strip is supported only after Fuse/);
  refuse(
    (j) =>
      (j.pre_tokenizer = {
        type: "Sequence",
        pretokenizers: [
          { type: "Split", pattern: { Regex: "\\p{L}++" }, behavior: "Isolated", invert: false },
          { type: "ByteLevel", add_prefix_space: false, use_regex: false },
        ],
      }),
    /possessive quantifiers/,
  );
  refuse((j) => delete j.model.vocab["<|endoftext|>"] && (j.added_tokens = []), /no eos token found/);
});

test("load reports a missing or malformed file in one line naming it", () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-tokenizer-"));
  try {
    assert.throws(() => Tokenizer.load(join(dir, "nope.json")), /nope.json: no such file/);
    assert.throws(() => Tokenizer.load(dir), /tokenizer.json: no such file/);
    writeFileSync(join(dir, "tokenizer.json"), "{ not json");
    assert.throws(() => Tokenizer.load(dir), /tokenizer.json: not valid JSON/);
    writeFileSync(
      join(dir, "tokenizer.json"),
      JSON.stringify({ ...gpt2Json(), normalizer: { type: "Precompiled" } }),
    );
    assert.throws(
      () => Tokenizer.load(dir),
      (err: Error) => err.message.startsWith(join(dir, "tokenizer.json") + ": "),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Oniguruma patterns: \\s is Unicode White_Space, (?i:…) folds case including ſ and K", () => {
  const space = compileOnigPattern("^\\s$");
  assert.ok(space.test("\u0085"));
  space.lastIndex = 0;
  assert.ok(!space.test("\ufeff"));
  const caseless = compileOnigPattern("^(?i:'s|'ll)\\p{L}$");
  for (const s of ["'sx", "'Sx", "'ſx", "'LLx", "'lLx"]) {
    caseless.lastIndex = 0;
    assert.ok(caseless.test(s), s);
  }
  assert.ok(compileOnigPattern("^(?i:k)$").test("\u212a"));
  const notSpace = compileOnigPattern("[^\\S\\n]+");
  assert.deepEqual(" \t\n\u0085x".match(notSpace), [" \t", "\u0085"]);
  assert.throws(() => compileOnigPattern("(?<name>x)"), /has no JavaScript equivalent/);
});

test("encodePrompt puts bos first once, and not at all for a tokenizer without one (Qwen 2)", () => {
  const gpt2 = Tokenizer.load(gpt2File);
  const bos = gpt2.bosId;
  assert.deepEqual(encodePrompt(gpt2, "the"), [bos, ...gpt2.encode("the").ids]);
  // A chat template writes bos itself: it is not doubled.
  assert.deepEqual(encodePrompt(gpt2, "<|endoftext|>the"), [bos, ...gpt2.encode("the").ids]);
  const dir = mkdtempSync(join(tmpdir(), "linewise-tokenizer-"));
  try {
    writeFileSync(join(dir, "tokenizer.json"), readFileSync(gpt2File));
    writeFileSync(
      join(dir, "tokenizer_config.json"),
      JSON.stringify({ bos_token: null, eos_token: "<|endoftext|>" }),
    );
    const qwenLike = Tokenizer.load(dir);
    assert.equal(qwenLike.addBos, false);
    assert.deepEqual(encodePrompt(qwenLike, "the"), qwenLike.encode("the").ids);
    assert.deepEqual(encodePrompt(qwenLike, ""), [bos], "an empty prompt still gets something to continue");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
