/**
 * Reading and writing Hugging Face `tokenizer.json` for byte-level BPE: a BPE model, a ByteLevel
 * pre-tokenizer (alone, or after a regex Split as Llama 3 and Qwen 2 have it), a ByteLevel decoder.
 * What we cannot reproduce exactly (normalizers, dropout, word prefixes, stripping added tokens) is refused
 * with the field's name rather than silently encoded differently.
 */
import { AddedToken } from "./added-tokens.js";
import { BpeModel } from "./bpe.js";
import { gpt2Pattern, PreTokenizer } from "./pretokenizer.js";

/** Everything a tokenizer.json describes that encode and decode use, plus the post-processor we keep as is. */
export interface TokenizerParts {
  model: BpeModel;
  added: AddedToken[];
  preTokenizer: PreTokenizer;
  /** Written back unchanged; encode never adds tokens itself (callers add bos/eos). */
  postProcessor: unknown;
}

/** The post-processor of a tokenizer we train: GPT-2's, which adds nothing and leaves offsets untrimmed. */
export const plainPostProcessor = {
  type: "ByteLevel",
  add_prefix_space: false,
  trim_offsets: false,
  use_regex: true,
};

/** The tokenizer.json object for `parts`. */
export function writeTokenizerJson(parts: TokenizerParts): Record<string, unknown> {
  // A null-prototype object, so a token spelled "__proto__" is an ordinary key.
  const vocab: Record<string, number> = Object.create(null);
  for (const [token, id] of parts.model.vocab) vocab[token] = id;
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: parts.added.map((t) => ({
      id: t.id,
      content: t.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: t.special,
    })),
    normalizer: null,
    pre_tokenizer: preTokenizerJson(parts.preTokenizer),
    post_processor: parts.postProcessor,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: parts.model.ignoreMerges,
      vocab,
      // Byte-level tokens never contain a space (it is written Ġ), so the "a b" form is unambiguous and is
      // the one every version of tokenizers and transformers.js reads.
      merges: parts.model.merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

function preTokenizerJson(pre: PreTokenizer): Record<string, unknown> {
  const byteLevel = (useRegex: boolean) => ({
    type: "ByteLevel",
    add_prefix_space: pre.addPrefixSpace,
    trim_offsets: true,
    use_regex: useRegex,
  });
  if (pre.pattern === gpt2Pattern) return byteLevel(true);
  if (pre.pattern === null) return byteLevel(false);
  const split = { type: "Split", pattern: { Regex: pre.pattern }, behavior: "Isolated", invert: false };
  return { type: "Sequence", pretokenizers: [split, byteLevel(false)] };
}

type Obj = Record<string, unknown>;

function isObject(x: unknown): x is Obj {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** A one-line error naming the tokenizer.json field at fault. */
function invalid(field: string, problem: string): never {
  throw new Error(`tokenizer.json: ${field}: ${problem}`);
}

/** Parses a tokenizer.json object (already JSON-parsed), refusing what linewise would encode differently. */
export function readTokenizerJson(json: unknown): TokenizerParts {
  if (!isObject(json)) invalid("(top level)", "expected an object");
  if (json.normalizer != null)
    invalid(
      "normalizer",
      `'${(json.normalizer as Obj).type}' is not supported (only null: text is encoded as is)`,
    );
  const decoderType = isObject(json.decoder) ? json.decoder.type : json.decoder;
  if (decoderType !== "ByteLevel")
    invalid("decoder", `expected ByteLevel, found ${JSON.stringify(decoderType)}`);
  return {
    model: readModel(json.model),
    added: readAddedTokens(json.added_tokens ?? []),
    preTokenizer: readPreTokenizer(json.pre_tokenizer),
    postProcessor: json.post_processor ?? null,
  };
}

function readModel(model: unknown): BpeModel {
  if (!isObject(model)) invalid("model", "expected an object");
  if ((model.type ?? "BPE") !== "BPE")
    invalid("model.type", `expected BPE, found ${JSON.stringify(model.type)}`);
  if (model.dropout != null && model.dropout !== 0) invalid("model.dropout", "BPE dropout is not supported");
  for (const field of ["continuing_subword_prefix", "end_of_word_suffix"])
    if (model[field] != null && model[field] !== "")
      invalid(`model.${field}`, "not supported by byte-level BPE");
  if (model.byte_fallback === true) invalid("model.byte_fallback", "not supported by byte-level BPE");
  if (!isObject(model.vocab)) invalid("model.vocab", "expected an object of token → id");
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(model.vocab)) {
    if (!Number.isInteger(id) || (id as number) < 0) invalid(`model.vocab["${token}"]`, "expected an id ≥ 0");
    vocab.set(token, id as number);
  }
  if (!Array.isArray(model.merges)) invalid("model.merges", "expected an array");
  const merges = model.merges.map((merge, i): [string, string] => {
    // Two encodings exist: "a b" (tokenizers < 0.20) and ["a", "b"] (later).
    const pair = typeof merge === "string" ? merge.split(" ") : merge;
    if (!Array.isArray(pair) || pair.length !== 2 || pair.some((p) => typeof p !== "string"))
      invalid(`model.merges[${i}]`, `expected "a b" or ["a", "b"], found ${JSON.stringify(merge)}`);
    return [pair[0], pair[1]];
  });
  try {
    return new BpeModel(vocab, merges, model.ignore_merges === true);
  } catch (err) {
    return invalid("model", (err as Error).message);
  }
}

function readAddedTokens(list: unknown): AddedToken[] {
  if (!Array.isArray(list)) invalid("added_tokens", "expected an array");
  return list.map((t, i) => {
    const at = `added_tokens[${i}]`;
    if (!isObject(t) || !Number.isInteger(t.id) || typeof t.content !== "string")
      invalid(at, "expected {id, content, special, …}");
    for (const flag of ["single_word", "lstrip", "rstrip"])
      if (t[flag] === true)
        invalid(`${at}.${flag}`, "is not supported (added tokens match their exact content)");
    return { id: t.id as number, content: t.content, special: t.special === true };
  });
}

function readPreTokenizer(pre: unknown): PreTokenizer {
  if (!isObject(pre)) invalid("pre_tokenizer", "expected ByteLevel, or a Sequence of Split and ByteLevel");
  if (pre.type === "ByteLevel") {
    // use_regex defaults to true in tokenizers, which then splits with GPT-2's pattern.
    return new PreTokenizer(pre.use_regex === false ? null : gpt2Pattern, pre.add_prefix_space === true);
  }
  const steps = pre.type === "Sequence" && Array.isArray(pre.pretokenizers) ? pre.pretokenizers : [];
  const [split, byteLevel] = steps as Obj[];
  if (steps.length !== 2 || split?.type !== "Split" || byteLevel?.type !== "ByteLevel")
    invalid("pre_tokenizer", "expected ByteLevel, or a Sequence of Split and ByteLevel");
  if (byteLevel.use_regex !== false || byteLevel.add_prefix_space === true)
    invalid(
      "pre_tokenizer.pretokenizers[1]",
      "after a Split, ByteLevel must have use_regex and add_prefix_space false",
    );
  if (split.behavior !== "Isolated" || split.invert === true)
    invalid(
      "pre_tokenizer.pretokenizers[0]",
      "only Split with behavior Isolated and invert false is supported",
    );
  const pattern = split.pattern as Obj | undefined;
  const source =
    typeof pattern?.Regex === "string"
      ? pattern.Regex
      : typeof pattern?.String === "string"
        ? pattern.String.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
        : invalid("pre_tokenizer.pretokenizers[0].pattern", 'expected {"Regex": …} or {"String": …}');
  try {
    return new PreTokenizer(source);
  } catch (err) {
    return invalid("pre_tokenizer.pretokenizers[0].pattern", (err as Error).message);
  }
}
