"""Builds one tokenizer.json per model family with Hugging Face `tokenizers` itself, and encodes a corpus.

No real tokenizer file can be downloaded here, so each family's file is made the way its publisher made
it: the same model type, normalizer, pre-tokenizer (with the family's own split patterns), decoder,
post-processor and kinds of added tokens, with a small vocabulary trained on the corpus. linewise must
then encode every corpus text to the same ids and offsets as `tokenizers` does.

usage: families.py CORPUS.json OUT_DIR
  CORPUS.json: a JSON list of strings
  writes OUT_DIR/<family>/tokenizer.json, tokenizer_config.json and expected.json:
    {"ids": [[...], ...], "offsets": [[[start, end], ...], ...]} with offsets in UTF-16 units (JavaScript's)
"""

import json
import os

# One thread: rayon's workers spin when the machine is busy, which costs far more than they save here.
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["RAYON_NUM_THREADS"] = "1"
import sys

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

# The split patterns as the published tokenizer.json files write them.
LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
QWEN2_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
# DeepSeek-Coder (and DeepSeek LLM): five splits then Digits and ByteLevel. The letter class is abridged
# from the published one (Latin, Greek, Cyrillic, Armenian, Georgian, Cherokee and fullwidth ranges).
DEEPSEEK_SPLITS = [
    r"[\r\n]",
    r"\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\x{1F7D}ᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-\x{1FD3}ῖ-\x{1FDB}ῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ]+",
    r"\s?[!-/:-~！-／：-～‘-‟　-。]+",
    r"\s+$",
    r"[一-龥ࠀ-一가-퟿]+",
]


def byte_level(pre_tokenizer, normalizer, specials, vocab_size, corpus, ignore_merges=False, extra_added=()):
    """A byte-level BPE trained on `corpus` through the family's own normalizer and pre-tokenizer."""
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer)
    if ignore_merges:
        spec = json.loads(tok.to_str())
        spec["model"]["ignore_merges"] = True
        tok = Tokenizer.from_str(json.dumps(spec))
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    tok.add_tokens(list(extra_added))
    return tok


def sentencepiece_bpe(corpus, vocab_size, specials):
    """A sentencepiece-style BPE (Llama 2's layout): <unk> <s> </s>, the 256 <0xXX> byte tokens, then pieces."""
    trainer_tok = Tokenizer(models.BPE())
    # Training splits before each run of "▁" so pieces never straddle words (sentencepiece's rule); the
    # families below encode without that split, as the converted Llama 2 and Mistral files do.
    trainer_tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    trainer_tok.pre_tokenizer = pre_tokenizers.Split(Regex("▁+[^▁]*|[^▁]+"), "isolated")
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, limit_alphabet=120, show_progress=False)
    trainer_tok.train_from_iterator(corpus, trainer)
    spec = json.loads(trainer_tok.to_str())
    learned = sorted(spec["model"]["vocab"].items(), key=lambda kv: kv[1])
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for token, _ in learned:
        vocab.setdefault(token, len(vocab))
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in spec["model"]["merges"]]
    tok = Tokenizer(models.BPE(vocab, merges, unk_token="<unk>", fuse_unk=True, byte_fallback=True))
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok


def sentencepiece_decoder():
    return decoders.Sequence(
        [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)]
    )


def bos_template(tok, bos):
    """The post-processor that puts bos first (unused by encode without special tokens, kept for realism)."""
    return processors.TemplateProcessing(
        single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, tok.token_to_id(bos))]
    )


def families(corpus):
    """name → (Tokenizer, tokenizer_config.json fields)."""
    out = {}

    llama3 = byte_level(
        pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(LLAMA3_PATTERN), "isolated", invert=False),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ]
        ),
        None,
        ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|python_tag|>"],
        3000,
        corpus,
        ignore_merges=True,
    )
    bos = "<|begin_of_text|>"
    llama3.post_processor = processors.Sequence(
        [
            processors.ByteLevel(add_prefix_space=True, trim_offsets=False, use_regex=True),
            bos_template(llama3, bos),
        ]
    )
    out["llama3"] = (llama3, {"bos_token": bos, "eos_token": "<|eot_id|>"})

    qwen2 = byte_level(
        pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(QWEN2_PATTERN), "isolated", invert=False),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ]
        ),
        normalizers.NFC(),
        ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>"],
        3000,
        corpus,
    )
    qwen2.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    out["qwen2"] = (qwen2, {"bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"})

    deepseek = byte_level(
        pre_tokenizers.Sequence(
            [pre_tokenizers.Split(Regex(p), "isolated", invert=False) for p in DEEPSEEK_SPLITS]
            + [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
        ),
        normalizers.Sequence([]),
        ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜fim▁hole｜>", "<｜fim▁begin｜>", "<｜fim▁end｜>", "<|EOT|>"],
        3000,
        corpus,
        # DeepSeek-Coder adds single characters as ordinary (normalized, not special) tokens.
        extra_added=[AddedToken(c, special=False, normalized=True) for c in "õ÷Áý"],
    )
    bos = "<｜begin▁of▁sentence｜>"
    deepseek.post_processor = bos_template(deepseek, bos)
    out["deepseek-coder"] = (
        deepseek,
        {"bos_token": bos, "eos_token": "<|EOT|>", "pad_token": "<｜end▁of▁sentence｜>", "add_bos_token": True},
    )

    # Llama 2 and CodeLlama as transformers first converted them: Prepend + Replace normalizer, no pre-tokenizer.
    for name, extra in [("llama2", []), ("codellama", ["▁<PRE>", "▁<MID>", "▁<SUF>", "▁<EOT>"])]:
        tok = sentencepiece_bpe(corpus, 2500, ["<unk>", "<s>", "</s>"] + extra)
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
        tok.pre_tokenizer = None
        tok.decoder = sentencepiece_decoder()
        tok.post_processor = bos_template(tok, "<s>")
        out[name] = (tok, {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "add_bos_token": True})

    # Mistral as converted later (and Llama 2 with legacy=False): Metaspace pre-tokenizer, prepend_scheme first.
    mistral = sentencepiece_bpe(corpus, 2500, ["<unk>", "<s>", "</s>", "[INST]", "[/INST]"])
    mistral.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    mistral.decoder = sentencepiece_decoder()
    mistral.post_processor = bos_template(mistral, "<s>")
    out["mistral"] = (mistral, {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "add_bos_token": True})
    return out


def utf16_offsets(text, offsets):
    """Code-point offsets (Python's) → UTF-16 unit offsets (JavaScript's)."""
    units = [0]
    for ch in text:
        units.append(units[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return [[units[s], units[e]] for s, e in offsets]


def main():
    corpus_file, out_dir = sys.argv[1], sys.argv[2]
    with open(corpus_file, encoding="utf-8") as f:
        corpus = json.load(f)
    for name, (tok, config) in families(corpus).items():
        folder = os.path.join(out_dir, name)
        os.makedirs(folder, exist_ok=True)
        tok.save(os.path.join(folder, "tokenizer.json"))
        with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f, ensure_ascii=False, indent=1)
        encodings = tok.encode_batch(corpus, add_special_tokens=False)
        expected = {
            "ids": [e.ids for e in encodings],
            "offsets": [utf16_offsets(t, e.offsets) for t, e in zip(corpus, encodings)],
            "decoded": tok.decode_batch([e.ids for e in encodings], skip_special_tokens=False),
        }
        with open(os.path.join(folder, "expected.json"), "w", encoding="utf-8") as f:
            json.dump(expected, f, ensure_ascii=False)
        print(name)


if __name__ == "__main__":
    main()
