/**
 * Reading and writing Hugging Face `tokenizer.json` for the BPE families of code models:
 * - byte-level BPE (GPT-2, Llama 3, Qwen 2/2.5, DeepSeek-Coder): a ByteLevel pre-tokenizer, alone or after a
 *   chain of regex Splits and Digits, an optional normalizer (Qwen's NFC), a ByteLevel decoder;
 * - sentencepiece-style BPE (Llama 2, CodeLlama, Mistral): characters as symbols, "▁" for a space put in by
 *   a Prepend/Replace normalizer or a Metaspace pre-tokenizer, <0xXX> byte fallback, and the decoder chain
 *   Replace/ByteFallback/Fuse/Strip (or Metaspace).
 * Whatever else a file holds that changes encoding or decoding (another model type, dropout, word
 * prefixes, stripped added tokens, offset trimming, other normalizers, pre-tokenizers or decoders) is
 * refused with the field's name rather than silently encoded differently.
 */
import { AddedToken } from "./added-tokens.js";
import { BpeModel, type CharOptions } from "./bpe.js";
import type { Decoder } from "./decoder.js";
import * as norm from "./normalizer.js";
import { compileOnigPattern } from "./onig.js";
import { gpt2Pattern, PreTokenizer, splitBehaviors, type Split, type SplitBehavior } from "./pretokenizer.js";

/** Metaspace's rewrite of each piece of text: spaces become `replacement`, which is also put in front. */
export interface Metaspace {
  replacement: string;
  /** always: every piece; first: only text at the very start (not after an added token); never. */
  prependScheme: "always" | "first" | "never";
}

/** Everything a tokenizer.json describes that encode and decode use. */
export interface TokenizerParts {
  model: BpeModel;
  /** How characters become symbols in sentencepiece-style BPE; null for byte-level BPE. */
  chars: CharOptions | null;
  added: AddedToken[];
  /** The normalizer's steps, in order (none: text is encoded as is). */
  normalizer: norm.NormalizeStep[];
  metaspace: Metaspace | null;
  preTokenizer: PreTokenizer;
  decoder: Decoder;
  /** Written back unchanged; encode never adds tokens itself (callers add bos/eos). */
  postProcessor: unknown;
  /** The file as read, written back unchanged by save (null for a tokenizer linewise trained). */
  source: unknown;
}

/** The post-processor of a tokenizer we train: GPT-2's, which adds nothing and leaves offsets untrimmed. */
export const plainPostProcessor = {
  type: "ByteLevel",
  add_prefix_space: false,
  trim_offsets: false,
  use_regex: true,
};

/** The tokenizer.json object for `parts` (the file it came from, or a byte-level BPE linewise trained). */
export function writeTokenizerJson(parts: TokenizerParts): Record<string, unknown> {
  if (parts.source !== null) return parts.source as Record<string, unknown>;
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
  const pattern = pre.pattern;
  if (pattern === gpt2Pattern) return byteLevel(true);
  if (pattern === null) return byteLevel(false);
  if (pattern === undefined) throw new Error("only a tokenizer with one Isolated split can be written");
  const split = { type: "Split", pattern: { Regex: pattern }, behavior: "Isolated", invert: false };
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
  for (const field of ["truncation", "padding"])
    if (json[field] != null)
      invalid(
        field,
        "is not supported (linewise neither truncates nor pads in the tokenizer; set it to null)",
      );
  const pre = readPreTokenizer(json.pre_tokenizer);
  const byteLevel = pre.byteLevel;
  const { model, chars } = readModel(json.model, byteLevel);
  const decoder = readDecoder(json.decoder, byteLevel);
  checkPostProcessor(json.post_processor);
  return {
    model,
    chars,
    added: readAddedTokens(json.added_tokens ?? []),
    normalizer: readNormalizer(json.normalizer, "normalizer"),
    metaspace: pre.metaspace,
    preTokenizer: pre.preTokenizer,
    decoder,
    postProcessor: json.post_processor ?? null,
    source: json,
  };
}

function readModel(model: unknown, byteLevel: boolean): { model: BpeModel; chars: CharOptions | null } {
  if (!isObject(model)) invalid("model", "expected an object");
  if ((model.type ?? "BPE") !== "BPE")
    invalid(
      "model.type",
      `expected BPE, found ${JSON.stringify(model.type)} (linewise reads BPE tokenizers only)`,
    );
  if (model.dropout != null && model.dropout !== 0) invalid("model.dropout", "BPE dropout is not supported");
  for (const field of ["continuing_subword_prefix", "end_of_word_suffix"])
    if (model[field] != null && model[field] !== "") invalid(`model.${field}`, "is not supported");
  if (byteLevel && model.byte_fallback === true)
    invalid("model.byte_fallback", "not supported by byte-level BPE (every byte is a token already)");
  if (!isObject(model.vocab)) invalid("model.vocab", "expected an object of token → id");
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(model.vocab)) {
    if (!Number.isInteger(id) || (id as number) < 0) invalid(`model.vocab["${token}"]`, "expected an id ≥ 0");
    vocab.set(token, id as number);
  }
  if (!Array.isArray(model.merges)) invalid("model.merges", "expected an array");
  const merges = model.merges.map((merge, i): [string, string] => {
    // Two encodings exist: "a b" (tokenizers < 0.20) and ["a", "b"] (later). Sentencepiece vocabularies
    // hold no token with an inner space ("▁" stands for it), so the first form splits unambiguously.
    const pair = typeof merge === "string" ? merge.split(" ") : merge;
    if (!Array.isArray(pair) || pair.length !== 2 || pair.some((p) => typeof p !== "string"))
      invalid(`model.merges[${i}]`, `expected "a b" or ["a", "b"], found ${JSON.stringify(merge)}`);
    return [pair[0], pair[1]];
  });
  let chars: CharOptions | null = null;
  if (!byteLevel) {
    const unk = model.unk_token;
    if (unk != null && (typeof unk !== "string" || !vocab.has(unk)))
      invalid("model.unk_token", `${JSON.stringify(unk)} is not in the vocabulary`);
    chars = {
      byteFallback: model.byte_fallback === true,
      unkId: typeof unk === "string" ? vocab.get(unk) : undefined,
      fuseUnk: model.fuse_unk === true,
    };
  }
  try {
    return { model: new BpeModel(vocab, merges, model.ignore_merges === true), chars };
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
    // tokenizers' default: an added token is matched in normalized text unless it is special.
    const normalized = typeof t.normalized === "boolean" ? t.normalized : t.special !== true;
    return { id: t.id as number, content: t.content, special: t.special === true, normalized };
  });
}

function readNormalizer(n: unknown, at: string): norm.NormalizeStep[] {
  if (n == null) return [];
  if (!isObject(n)) invalid(at, "expected an object or null");
  switch (n.type) {
    case "Sequence":
      if (!Array.isArray(n.normalizers)) invalid(`${at}.normalizers`, "expected an array");
      return n.normalizers.flatMap((step, i) => readNormalizer(step, `${at}.normalizers[${i}]`));
    case "NFC":
    case "NFD":
    case "NFKC":
    case "NFKD":
      return [norm.unicodeForm(n.type)];
    case "Lowercase":
      return [norm.lowercase];
    case "StripAccents":
      return [norm.stripAccents];
    case "Strip":
      return [norm.strip(n.strip_left === true, n.strip_right === true)];
    case "Prepend":
      if (typeof n.prepend !== "string") invalid(`${at}.prepend`, "expected a string");
      return [norm.prepend(n.prepend)];
    case "Replace":
      if (typeof n.content !== "string") invalid(`${at}.content`, "expected a string");
      return [norm.replace(readPattern(n.pattern, `${at}.pattern`), n.content)];
    default:
      return invalid(
        `${at}.type`,
        `'${String(n.type)}' is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Strip, Prepend, Replace, Sequence)`,
      );
  }
}

/** A Split or Replace pattern: {"Regex": oniguruma} or {"String": literal}. */
function readPattern(pattern: unknown, at: string): string | RegExp {
  if (isObject(pattern) && typeof pattern.String === "string") return pattern.String;
  if (!isObject(pattern) || typeof pattern.Regex !== "string")
    invalid(at, 'expected {"Regex": …} or {"String": …}');
  try {
    return compileOnigPattern(pattern.Regex);
  } catch (err) {
    return invalid(at, (err as Error).message);
  }
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const preTokenizerHelp =
  "supported: ByteLevel, Split, Digits and Metaspace, alone or in a Sequence (Metaspace first, ByteLevel last)";

/** The pre-tokenizer: its splits, and whether it is byte-level (ByteLevel) or sentencepiece-style. */
function readPreTokenizer(pre: unknown): {
  preTokenizer: PreTokenizer;
  metaspace: Metaspace | null;
  byteLevel: boolean;
} {
  // No pre-tokenizer: the sentencepiece style of a Prepend/Replace normalizer (Llama 2 as first converted).
  if (pre == null) return { preTokenizer: new PreTokenizer([]), metaspace: null, byteLevel: false };
  if (!isObject(pre)) invalid("pre_tokenizer", `expected an object or null (${preTokenizerHelp})`);
  const sequence = pre.type === "Sequence";
  if (sequence && !Array.isArray(pre.pretokenizers))
    invalid("pre_tokenizer.pretokenizers", "expected an array");
  const steps = (sequence ? pre.pretokenizers : [pre]) as unknown[];
  const splits: Split[] = [];
  let metaspace: Metaspace | null = null;
  let byteLevel = false;
  let addPrefixSpace = false;
  steps.forEach((step, i) => {
    const at = sequence ? `pre_tokenizer.pretokenizers[${i}]` : "pre_tokenizer";
    if (!isObject(step)) invalid(at, "expected an object");
    if (byteLevel) invalid(at, "nothing may follow ByteLevel (it turns text into bytes)");
    switch (step.type) {
      case "Split": {
        const behavior = step.behavior as SplitBehavior;
        if (!splitBehaviors.includes(behavior))
          invalid(
            `${at}.behavior`,
            `expected one of ${splitBehaviors.join(", ")}, found ${JSON.stringify(step.behavior)}`,
          );
        const pattern = readPattern(step.pattern, `${at}.pattern`);
        const source =
          typeof pattern === "string" ? escapeRegex(pattern) : ((step.pattern as Obj).Regex as string);
        splits.push({ pattern: source, behavior, invert: step.invert === true });
        break;
      }
      case "Digits":
        // tokenizers' Digits splits on char::is_numeric, Unicode's N categories.
        splits.push(
          step.individual_digits === true
            ? { pattern: "\\p{N}", behavior: "Isolated", invert: false }
            : { pattern: "\\p{N}+", behavior: "Isolated", invert: false },
        );
        break;
      case "ByteLevel":
        byteLevel = true;
        addPrefixSpace = step.add_prefix_space === true;
        if (addPrefixSpace && steps.length > 1)
          invalid(`${at}.add_prefix_space`, "is supported only when ByteLevel is the whole pre-tokenizer");
        // use_regex defaults to true in tokenizers, which then splits with GPT-2's pattern.
        if (step.use_regex !== false)
          splits.push({ pattern: gpt2Pattern, behavior: "Isolated", invert: false });
        break;
      case "Metaspace": {
        if (i > 0) invalid(at, "Metaspace is supported only as the first pre-tokenizer");
        if (typeof step.replacement !== "string" || [...step.replacement].length !== 1)
          invalid(`${at}.replacement`, "expected one character");
        // tokenizers < 0.19 wrote add_prefix_space (true: always) instead of prepend_scheme.
        const scheme = step.prepend_scheme ?? (step.add_prefix_space === false ? "never" : "always");
        if (scheme !== "always" && scheme !== "first" && scheme !== "never")
          invalid(`${at}.prepend_scheme`, `expected always, first or never, found ${JSON.stringify(scheme)}`);
        metaspace = { replacement: step.replacement, prependScheme: scheme };
        // split (default true) cuts before each replacement character, which joins the piece after it.
        if (step.split !== false)
          splits.push({ pattern: escapeRegex(step.replacement), behavior: "MergedWithNext", invert: false });
        break;
      }
      default:
        invalid(`${at}.type`, `'${String(step.type)}' is not supported (${preTokenizerHelp})`);
    }
  });
  try {
    return { preTokenizer: new PreTokenizer(splits, addPrefixSpace), metaspace, byteLevel };
  } catch (err) {
    return invalid("pre_tokenizer", (err as Error).message);
  }
}

/** The decoder, which must undo the pre-tokenizer's encoding (ByteLevel) or be the sentencepiece chain. */
function readDecoder(d: unknown, byteLevel: boolean): Decoder {
  const type = isObject(d) ? d.type : d;
  if (byteLevel) {
    if (type !== "ByteLevel")
      invalid("decoder", `expected ByteLevel for a ByteLevel pre-tokenizer, found ${JSON.stringify(type)}`);
    return { type: "ByteLevel" };
  }
  const expected =
    'expected Metaspace, or a Sequence of Replace("▁", " "), ByteFallback, Fuse, Strip(" ", n, 0) in that order';
  if (!isObject(d)) return invalid("decoder", `${expected}, found ${JSON.stringify(type)}`);
  if (d.type === "Metaspace") {
    const scheme = d.prepend_scheme ?? (d.add_prefix_space === false ? "never" : "always");
    if (typeof d.replacement !== "string") invalid("decoder.replacement", "expected a string");
    return {
      type: "Sentencepiece",
      replacement: d.replacement,
      byteFallback: false,
      stripLeading: scheme === "never" ? 0 : 1,
    };
  }
  if (d.type !== "Sequence" || !Array.isArray(d.decoders))
    return invalid("decoder", `${expected}, found ${JSON.stringify(type)}`);
  const out: Decoder = { type: "Sentencepiece", replacement: null, byteFallback: false, stripLeading: 0 };
  const order = ["Replace", "ByteFallback", "Fuse", "Strip"];
  let last = -1;
  let fused = false;
  d.decoders.forEach((step, i) => {
    const at = `decoder.decoders[${i}]`;
    const kind = order.indexOf(isObject(step) ? (step.type as string) : "");
    if (!isObject(step) || kind <= last)
      invalid(at, `${expected}, found ${JSON.stringify(isObject(step) ? step.type : step)}`);
    last = kind;
    if (step.type === "Replace") {
      const pattern = step.pattern as Obj | undefined;
      if (typeof pattern?.String !== "string" || step.content !== " ")
        invalid(at, 'only Replace of a literal {"String": …} by " " is supported');
      out.replacement = pattern.String as string;
    } else if (step.type === "ByteFallback") out.byteFallback = true;
    else if (step.type === "Fuse") fused = true;
    else {
      if (step.content !== " " || step.stop !== 0 || !Number.isInteger(step.start))
        invalid(at, 'only Strip(content " ", start n, stop 0) is supported');
      if (!fused) invalid(at, "Strip is supported only after Fuse (it would strip every token)");
      out.stripLeading = step.start as number;
    }
  });
  return out;
}

/** Offset trimming by a ByteLevel post-processor changes encode's offsets, which linewise does not do. */
function checkPostProcessor(p: unknown, at = "post_processor"): void {
  if (!isObject(p)) return;
  if (p.type === "Sequence" && Array.isArray(p.processors))
    p.processors.forEach((q, i) => checkPostProcessor(q, `${at}.processors[${i}]`));
  if (p.type === "ByteLevel" && p.trim_offsets === true)
    invalid(
      `${at}.trim_offsets`,
      "true is not supported (linewise's offsets keep their spaces); set it to false",
    );
}
