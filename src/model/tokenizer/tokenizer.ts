/**
 * A BPE tokenizer saved as a Hugging Face tokenizer.json: byte-level (GPT-2 style; what linewise trains,
 * and Llama 3, Qwen 2, DeepSeek-Coder) or sentencepiece-style (Llama 2, CodeLlama, Mistral); see hf-json.ts.
 *
 * Encoding follows tokenizers' pipeline: added tokens matched in the raw text, the normalizer, added
 * tokens matched in the normalized text, the pre-tokenizer (Metaspace's rewrite, then the splits), BPE on
 * each piece. Offsets always index the caller's text, through the normalizer's alignments.
 *
 * Exactness: decode(encode(s)) === s for every JavaScript string, lone surrogates included (see utf8.ts),
 * for byte-level tokenizers that do not add a prefix space (ours never do).
 * Offsets are [start, end) indices into the JavaScript (UTF-16) string. A token that holds only some bytes
 * of a character is given the whole character, so the tokens of a split emoji share one span — the rule
 * Hugging Face applies, which counts in bytes or code points where we count in UTF-16 units.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { AddedTokens } from "./added-tokens.js";
import { BpeModel } from "./bpe.js";
import { byteToChar } from "./bytes.js";
import { decodeToken, stripDecoded } from "./decoder.js";
import { decodeUtf8, utf8Spans } from "./utf8.js";
import { plainPostProcessor, readTokenizerJson, TokenizerParts, writeTokenizerJson } from "./hf-json.js";
import { normalize, prepend, replace, sourceSpan, unchanged, type Normalized } from "./normalizer.js";
import { codePattern, gpt2Pattern, PreTokenizer } from "./pretokenizer.js";
import { trainBpe } from "./trainer.js";

/** Options of Tokenizer.train. */
export interface TrainOptions {
  /** Total vocabulary: 3 special tokens + 256 bytes + merged tokens (fewer if the corpus runs out of pairs). */
  vocabSize: number;
  /** A pair seen fewer times than this is never merged (default 2: a merge seen once only memorises). */
  minFrequency?: number;
  /**
   * The pre-tokenizer split: "code" (default) keeps each line end its own piece, so line-end tokens never
   * hold the next line's indentation (see pretokenizer.ts); "gpt2" is GPT-2's split.
   */
  pattern?: "code" | "gpt2";
}

/** Which tokens begin, end and pad sequences, when a tokenizer.json comes from elsewhere. */
export interface SpecialTokenNames {
  bos?: string;
  eos?: string;
  pad?: string;
  /**
   * Whether a prompt starts with the bos token (default true). tokenizer_config.json's add_bos_token: false
   * or bos_token: null (Qwen 2) turn it off.
   */
  addBos?: boolean;
}

/** The special tokens of tokenizers we train. */
const ownSpecials = { bos: "<|bos|>", eos: "<|eos|>", pad: "<|pad|>" };

/** Conventional names, tried in order when none is given (GPT-2 uses <|endoftext|> for all three). */
const conventionalNames = {
  bos: ["<|bos|>", "<s>", "<|begin_of_text|>", "<|endoftext|>"],
  eos: ["<|eos|>", "</s>", "<|end_of_text|>", "<|endoftext|>"],
  pad: ["<|pad|>", "<pad>", "<|finetune_right_pad_id|>"],
};

/** Pre-tokens remembered with their encodings; code repeats its words, so hits dominate. */
const cacheLimit = 1 << 17;
/** Longer pre-tokens (a whole line when nothing splits, as in Llama 2) are not worth remembering. */
const cachedLength = 256;

export class Tokenizer {
  /** Number of token ids (largest id + 1), added tokens included: the embedding's row count. */
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** Whether encodePrompt puts bosId first (false for tokenizers without one, such as Qwen 2's). */
  readonly addBos: boolean;

  private readonly model: BpeModel;
  /** Added tokens matched in the raw text, and those matched after normalization. */
  private readonly added: AddedTokens;
  private readonly normalizedAdded: AddedTokens;
  private readonly allAdded: AddedTokens;
  private readonly preTokenizer: PreTokenizer;
  private readonly tokens: (string | undefined)[] = [];
  private readonly tokenBytes: (Uint8Array | undefined)[] = [];
  /** Pre-token → flat [id, start, end, id, start, end, …], offsets relative to the pre-token. */
  private readonly cache = new Map<string, Int32Array>();

  private constructor(
    private readonly parts: TokenizerParts,
    names: SpecialTokenNames,
  ) {
    this.model = parts.model;
    this.added = new AddedTokens(parts.added.filter((t) => !t.normalized));
    this.normalizedAdded = new AddedTokens(
      parts.added
        .filter((t) => t.normalized)
        .map((t) => ({ ...t, content: normalize(parts.normalizer, t.content).text })),
    );
    this.allAdded = new AddedTokens(parts.added);
    this.preTokenizer = parts.preTokenizer;
    for (const [token, id] of parts.model.vocab) this.tokens[id] = token;
    for (const { id, content } of parts.added) this.tokens[id] = content;
    this.vocabSize = this.tokens.length;
    this.eosId = this.specialId("eos", names.eos);
    this.bosId = this.specialId("bos", names.bos, this.eosId);
    this.padId = this.specialId("pad", names.pad, this.eosId);
    this.addBos = names.addBos ?? true;
  }

  /** Trains a byte-level BPE on `corpus` (documents); adds <|bos|>, <|eos|> and <|pad|> as ids 0, 1, 2. */
  static train(corpus: Iterable<string>, options: TrainOptions): Tokenizer {
    const specials = [ownSpecials.bos, ownSpecials.eos, ownSpecials.pad];
    const { vocabSize, minFrequency = 2, pattern = "code" } = options;
    if (!Number.isInteger(vocabSize) || vocabSize < specials.length + 256 || vocabSize > 1 << 20)
      throw new RangeError(
        `vocabSize must be an integer from ${specials.length + 256} to ${1 << 20}, got ${vocabSize}`,
      );
    const added = specials.map((content, id) => ({ id, content, special: true }));
    const splitter = new AddedTokens(added);
    const preTokenizer = PreTokenizer.isolated(pattern === "gpt2" ? gpt2Pattern : codePattern);
    const wordCounts = new Map<string, number>();
    for (const document of corpus) {
      splitter.split(
        document,
        (start, end) => {
          const text = document.slice(start, end);
          preTokenizer.forEachPiece(text, (s, e) => {
            const word = text.slice(s, e);
            wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
          });
        },
        () => {},
      );
    }
    const { tokens, merges } = trainBpe(wordCounts, {
      tokens: [...specials, ...byteToChar],
      byteIds: byteToChar.map((_, b) => specials.length + b),
      vocabSize,
      minFrequency,
    });
    const model = new BpeModel(new Map(tokens.map((t, id) => [t, id])), merges);
    return new Tokenizer(
      {
        model,
        chars: null,
        added,
        normalizer: [],
        metaspace: null,
        preTokenizer,
        decoder: { type: "ByteLevel" },
        postProcessor: plainPostProcessor,
        source: null,
      },
      ownSpecials,
    );
  }

  /**
   * Builds a tokenizer from a parsed Hugging Face tokenizer.json (byte-level or sentencepiece-style BPE,
   * see hf-json.ts). `names` says which tokens are bos/eos/pad; by default conventional names are looked up.
   */
  static fromJSON(json: unknown, names: SpecialTokenNames = {}): Tokenizer {
    return new Tokenizer(readTokenizerJson(json), names);
  }

  /**
   * Reads a tokenizer.json (or the one inside a checkpoint folder). Special-token names come from `names`,
   * else from a tokenizer_config.json beside it (bos_token, eos_token, pad_token), else by convention.
   */
  static load(path: string, names?: SpecialTokenNames): Tokenizer {
    const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "tokenizer.json") : path;
    try {
      return Tokenizer.fromJSON(
        readJson(file),
        names ?? configuredNames(join(dirname(file), "tokenizer_config.json")),
      );
    } catch (err) {
      const message = (err as Error).message.replace(/^tokenizer\.json: /, "");
      throw new Error(message.startsWith(file) ? message : `${file}: ${message}`);
    }
  }

  /** The Hugging Face tokenizer.json object (JSON.stringify(tokenizer) gives the file's text). */
  toJSON(): object {
    return writeTokenizerJson(this.parts);
  }

  /** Writes tokenizer.json to `path`. */
  save(path: string): void {
    writeFileSync(path, JSON.stringify(this.toJSON(), null, 2) + "\n");
  }

  /**
   * Token ids of `text` and each token's [start, end) in it. Added tokens written in the text (such as
   * "<|eos|>") become their ids, as in Hugging Face; nothing is added around the text.
   */
  encode(text: string): { ids: number[]; offsets: [number, number][] } {
    const ids: number[] = [];
    const offsets: [number, number][] = [];
    this.added.split(
      text,
      (start, end) => this.encodeSegment(text, start, end, ids, offsets),
      (token, start) => {
        ids.push(token.id);
        offsets.push([start, start + token.content.length]);
      },
    );
    return { ids, offsets };
  }

  /** The text of `ids`; skipSpecial drops special tokens (bos, eos, pad, …). Unknown ids throw. */
  decode(ids: readonly number[], options: { skipSpecial?: boolean } = {}): string {
    return this.decodeWithOffsets(ids, options).text;
  }

  /**
   * decode, plus each id's [start, end) in the decoded text, by the rule encode uses (a token holding part
   * of a character gets the whole character; a dropped special token gets an empty span). For sampled ids,
   * which need not be how encode would split the text: lineEndTokens(text, offsets) then indexes them.
   */
  decodeWithOffsets(
    ids: readonly number[],
    options: { skipSpecial?: boolean } = {},
  ): { text: string; offsets: [number, number][] } {
    // One byte stream for all tokens (as Hugging Face's ByteLevel and ByteFallback decoders have it), then
    // one UTF-8 decode.
    const pieces = ids.map((id) => {
      const added = this.allAdded.byId.get(id);
      return added?.special && options.skipSpecial ? new Uint8Array(0) : this.bytesOf(id);
    });
    const bytes = new Uint8Array(pieces.reduce((n, piece) => n + piece.length, 0));
    const firstByte = new Int32Array(pieces.length + 1);
    pieces.forEach((piece, k) => {
      bytes.set(piece, firstByte[k]);
      firstByte[k + 1] = firstByte[k] + piece.length;
    });
    const { text, charStart, charEnd } = decodeUtf8(bytes);
    const offsets = pieces.map((piece, k): [number, number] => {
      const from = firstByte[k];
      if (piece.length > 0) return [charStart[from], charEnd[from + piece.length - 1]];
      const at = from < bytes.length ? charStart[from] : text.length;
      return [at, at];
    });
    return stripDecoded(this.parts.decoder, text, offsets);
  }

  /** The id of a token, written as in the vocabulary (byte-level form, e.g. "Ġreturn") or an added token. */
  tokenToId(token: string): number | undefined {
    return this.allAdded.byContent.get(token)?.id ?? this.model.vocab.get(token);
  }

  /** The token of an id as the vocabulary writes it, or undefined. */
  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }

  /** Encodes text[start, end) (no raw-matched added tokens in it), appending to ids and offsets. */
  private encodeSegment(
    text: string,
    start: number,
    end: number,
    ids: number[],
    offsets: [number, number][],
  ) {
    const raw = start === 0 && end === text.length ? text : text.slice(start, end);
    const n = this.parts.normalizer.length > 0 ? normalize(this.parts.normalizer, raw) : unchanged(raw);
    this.normalizedAdded.split(
      n.text,
      (s, e) => this.encodeNormalized(restrict(n, s, e), start, ids, offsets),
      (token, s) => {
        const [from, to] = sourceSpan(n, s, s + token.content.length);
        ids.push(token.id);
        offsets.push([start + from, start + to]);
      },
    );
  }

  /** Pre-tokenizes and BPE-encodes one stretch of normalized text; `base` + its alignment index the text. */
  private encodeNormalized(n: Normalized, base: number, ids: number[], offsets: [number, number][]) {
    const steps = [];
    const meta = this.parts.metaspace;
    if (meta) {
      // tokenizers' Metaspace: spaces become "▁", then "▁" goes first unless the text starts with one
      // (prepend_scheme first: only for text at the very start of the input, not after an added token).
      steps.push(replace(" ", meta.replacement));
      const atStart = base + sourceSpan(n, 0, 1)[0] === 0;
      const startsWith = n.text.startsWith(" ") || n.text.startsWith(meta.replacement);
      if (!startsWith && (meta.prependScheme === "always" || (meta.prependScheme === "first" && atStart)))
        steps.push(prepend(meta.replacement));
    } else if (this.preTokenizer.addPrefixSpace && !n.text.startsWith(" ")) steps.push(prepend(" "));
    const m = steps.length > 0 ? normalize(steps, n.text, n) : n;
    const src = m.text;
    this.preTokenizer.forEachPiece(src, (pieceStart, pieceEnd) => {
      const word = src.slice(pieceStart, pieceEnd);
      const encoded = this.cache.get(word) ?? this.encodeWord(word);
      for (let k = 0; k < encoded.length; k += 3) {
        const [from, to] = sourceSpan(m, pieceStart + encoded[k + 1], pieceStart + encoded[k + 2]);
        ids.push(encoded[k]);
        offsets.push([base + from, base + to]);
      }
    });
  }

  /** BPE-encodes one pre-token: flat [id, start, end, …] with offsets in the word; cached. */
  private encodeWord(word: string): Int32Array {
    let encoded: Int32Array;
    if (this.parts.chars) {
      const { ids, firstByte, units } = this.model.tokenizeChars(word, this.parts.chars);
      const symbols = units.length / 2;
      encoded = new Int32Array(3 * ids.length);
      for (let k = 0; k < ids.length; k++) {
        const lastSymbol = (k + 1 < ids.length ? firstByte[k + 1] : symbols) - 1;
        encoded[3 * k] = ids[k];
        encoded[3 * k + 1] = units[2 * firstByte[k]];
        encoded[3 * k + 2] = units[2 * lastSymbol + 1];
      }
    } else {
      const { bytes, charStart, charEnd } = utf8Spans(word);
      const { ids, firstByte } = this.model.tokenize(bytes);
      encoded = new Int32Array(3 * ids.length);
      for (let k = 0; k < ids.length; k++) {
        const lastByte = (k + 1 < ids.length ? firstByte[k + 1] : bytes.length) - 1;
        encoded[3 * k] = ids[k];
        encoded[3 * k + 1] = charStart[firstByte[k]];
        encoded[3 * k + 2] = charEnd[lastByte];
      }
    }
    if (word.length <= cachedLength) {
      if (this.cache.size >= cacheLimit) this.cache.clear();
      this.cache.set(word, encoded);
    }
    return encoded;
  }

  private bytesOf(id: number): Uint8Array {
    let bytes = this.tokenBytes[id];
    if (bytes === undefined) {
      const token = this.tokens[id];
      if (token === undefined || !Number.isInteger(id))
        throw new RangeError(`decode: id ${id} is not in the vocabulary (${this.vocabSize} ids)`);
      const added = this.allAdded.byId.get(id);
      const decoder = this.parts.decoder;
      // A byte-level added token stands for its content as text (Hugging Face maps its characters through
      // the byte table, which garbles contents such as "é"; literal text round-trips). Sentencepiece's
      // decoder treats added tokens as any other ("▁<PRE>" is " <PRE>").
      bytes = this.tokenBytes[id] =
        added && decoder.type === "ByteLevel" ? utf8Spans(added.content).bytes : decodeToken(decoder, token);
    }
    return bytes;
  }

  /** Resolves a special token's id from its given name, else the conventional names, else `fallback`. */
  private specialId(role: "bos" | "eos" | "pad", name: string | undefined, fallback?: number): number {
    if (name !== undefined) {
      const id = this.tokenToId(name);
      if (id === undefined) throw new Error(`the ${role} token '${name}' is not in the vocabulary`);
      return id;
    }
    for (const candidate of conventionalNames[role]) {
      const id = this.tokenToId(candidate);
      if (id !== undefined) return id;
    }
    if (fallback !== undefined) return fallback;
    throw new Error(
      `no ${role} token found (tried ${conventionalNames[role].join(", ")}); name it explicitly`,
    );
  }
}

function readJson(file: string): unknown {
  if (!existsSync(file))
    throw new Error(`${file}: no such file (expected a tokenizer.json or a folder holding one)`);
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** bos/eos/pad names from a Hugging Face tokenizer_config.json, when there is one. */
function configuredNames(configFile: string): SpecialTokenNames {
  if (!existsSync(configFile)) return {};
  const config = readJson(configFile) as Record<string, unknown>;
  const name = (field: string) => {
    const value = config[field];
    if (typeof value === "string") return value;
    const content = (value as { content?: unknown } | null)?.content;
    return typeof content === "string" ? content : undefined;
  };
  const addBos = config["add_bos_token"] === false || config["bos_token"] === null ? false : undefined;
  return { bos: name("bos_token"), eos: name("eos_token"), pad: name("pad_token"), addBos };
}

/** The units [s, e) of `n` as a Normalized of their own (alignments still index n's input). */
function restrict(n: Normalized, s: number, e: number): Normalized {
  if (s === 0 && e === n.text.length) return n;
  if (n.starts === null) {
    // Identity alignment: spell the offset out so the slice still points into the input.
    const starts = new Int32Array(e - s);
    for (let j = 0; j < starts.length; j++) starts[j] = s + j;
    return { text: n.text.slice(s, e), starts, ends: starts.map((x) => x + 1) };
  }
  return { text: n.text.slice(s, e), starts: n.starts.subarray(s, e), ends: n.ends!.subarray(s, e) };
}
