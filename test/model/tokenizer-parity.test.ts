// Tokenizer parity with Hugging Face `tokenizers` on a code corpus (the HumanEval and MBPP prompts and
// solutions in ../shared/benchmarks, plus texts that reach the edge cases): one tokenizer.json per family,
// built with `tokenizers` itself by scripts/hf-reference/tokenizers/families.py, which also writes the
// ids, offsets and decoded text `tokenizers` gives. linewise must give the same for every text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot, sharedBenchmarks } from "../../src/paths.js";
import { Tokenizer } from "../../src/model/tokenizer/index.js";
import { runReferencePython, skipWithoutReferencePython } from "../helpers/reference-python.js";

const families = ["llama3", "qwen2", "deepseek-coder", "llama2", "codellama", "mistral"];

/** Texts that exercise what code rarely does: added tokens in text, Unicode forms, emoji, CJK, spaces. */
const edgeTexts = [
  "",
  " ",
  "  leading spaces\n\ttab\r\nCRLF  \n",
  "x = 'IT'S' + \"we'll\"  # 12345678 ÷ ½ ²",
  "café = 'cafe\u0301' # NFC composes e + U+0301; Ω vs \u2126; ﬁ ligature",
  "print('😀 emoji 🐍 snakes')  # 日本語のコメント 한국어 中文",
  "<|begin_of_text|>def f():<|eot_id|> <|im_start|>user\nhi<|im_end|>\n",
  "<s>[INST] fix this [/INST] ok</s> <unk>",
  "▁<PRE> def f(): ▁<SUF> return 1 ▁<MID>",
  "<｜begin▁of▁sentence｜>õ÷Á ý in text<|EOT|>",
  "trailing spaces   \n\n\n   \n",
  "\u0085 next-line, \u00a0 no-break, \u3000 ideographic space",
  "lone surrogate-free control \u0001\u0002 bytes\u007f",
];

function benchmarkCorpus(): string[] {
  const texts: string[] = [];
  const rows = (file: string) =>
    readFileSync(join(sharedBenchmarks, file), "utf8")
      .split("\n")
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const row of rows("humaneval/HumanEval.jsonl"))
    texts.push(row.prompt as string, row.canonical_solution as string);
  for (const row of rows("mbpp/mbpp.jsonl")) texts.push(row.text as string, row.code as string);
  return texts;
}

const skip =
  skipWithoutReferencePython() ||
  (existsSync(join(sharedBenchmarks, "humaneval/HumanEval.jsonl")) &&
  existsSync(join(sharedBenchmarks, "mbpp/mbpp.jsonl"))
    ? false
    : `no benchmark corpus at ${sharedBenchmarks} (HumanEval.jsonl, mbpp.jsonl)`);

interface Expected {
  ids: number[][];
  offsets: [number, number][][];
  decoded: string[];
}

test("six families encode the HumanEval and MBPP corpus to tokenizers' ids and offsets", { skip }, () => {
  const corpus = [...benchmarkCorpus(), ...edgeTexts];
  const dir = mkdtempSync(join(tmpdir(), "linewise-tokenizer-parity-"));
  try {
    writeFileSync(join(dir, "corpus.json"), JSON.stringify(corpus));
    runReferencePython(join(packageRoot, "scripts/hf-reference/tokenizers/families.py"), [
      join(dir, "corpus.json"),
      dir,
    ]);
    for (const family of families) {
      const tokenizer = Tokenizer.load(join(dir, family));
      const expected = JSON.parse(readFileSync(join(dir, family, "expected.json"), "utf8")) as Expected;
      const file = JSON.parse(readFileSync(join(dir, family, "tokenizer.json"), "utf8"));
      const garbling = new Set<number>(
        file.decoder.type === "ByteLevel"
          ? file.added_tokens
              .filter((t: { content: string }) => /[^\x00-\x7f]/.test(t.content))
              .map((t: { id: number }) => t.id)
          : [],
      );
      let tokens = 0;
      corpus.forEach((text, i) => {
        const { ids, offsets } = tokenizer.encode(text);
        const where = `${family}, text ${i} ${JSON.stringify(text.slice(0, 60))}`;
        assert.deepEqual(ids, expected.ids[i], `ids: ${where}`);
        assert.deepEqual(offsets, expected.offsets[i], `offsets: ${where}`);
        // tokenizers' ByteLevel decoder garbles a non-ASCII added token (its characters read as byte-table
        // symbols); linewise gives its text back, so there decode must round-trip instead.
        const garbled = ids.some((id) => garbling.has(id));
        assert.equal(tokenizer.decode(ids), garbled ? text : expected.decoded[i], `decode: ${where}`);
        tokens += ids.length;
      });
      assert.ok(tokens > 50_000, `${family}: ${tokens} tokens compared`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
