/**
 * A byte-level BPE tokenizer (GPT-2 style) saved as a Hugging Face tokenizer.json.
 *
 * Exactness: decode(encode(s)) === s for every JavaScript string, lone surrogates included (see utf8.ts),
 * as long as the tokenizer does not add a prefix space (ours never do).
 * Offsets are [start, end) indices into the JavaScript (UTF-16) string. A token that holds only some bytes
 * of a character is given the whole character, so the tokens of a split emoji share one span — the rule
 * Hugging Face applies, which counts in bytes or code points where we count in UTF-16 units.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { AddedTokens } from "./added-tokens.js";
import { BpeModel } from "./bpe.js";
import { byteToChar, tokenToBytes } from "./bytes.js";
import { decodeUtf8, utf8Spans } from "./utf8.js";
import { plainPostProcessor, readTokenizerJson, TokenizerParts, writeTokenizerJson } from "./hf-json.js";
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

export class Tokenizer {
  /** Number of token ids (largest id + 1), added tokens included: the embedding's row count. */
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;

  private readonly model: BpeModel;
  private readonly added: AddedTokens;
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
    this.added = new AddedTokens(parts.added);
    this.preTokenizer = parts.preTokenizer;
    for (const [token, id] of parts.model.vocab) this.tokens[id] = token;
    for (const { id, content } of parts.added) this.tokens[id] = content;
    this.vocabSize = this.tokens.length;
    this.eosId = this.specialId("eos", names.eos);
    this.bosId = this.specialId("bos", names.bos, this.eosId);
    this.padId = this.specialId("pad", names.pad, this.eosId);
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
    const preTokenizer = new PreTokenizer(pattern === "gpt2" ? gpt2Pattern : codePattern);
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
    return new Tokenizer({ model, added, preTokenizer, postProcessor: plainPostProcessor }, ownSpecials);
  }

  /**
   * Builds a tokenizer from a parsed Hugging Face tokenizer.json (BPE with ByteLevel pre-tokenizer and
   * decoder). `names` says which tokens are bos/eos/pad; by default conventional names are looked up.
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
      (start, end) => this.encodePlain(text, start, end, ids, offsets),
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
    // One byte stream for all tokens (as Hugging Face's ByteLevel decoder has it), then one UTF-8 decode.
    const pieces = ids.map((id) => {
      const added = this.added.byId.get(id);
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
    return { text, offsets };
  }

  /** The id of a token, written as in the vocabulary (byte-level form, e.g. "Ġreturn") or an added token. */
  tokenToId(token: string): number | undefined {
    return this.added.byContent.get(token)?.id ?? this.model.vocab.get(token);
  }

  /** The token of an id as the vocabulary writes it, or undefined. */
  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }

  /** Encodes text[start, end) (no added tokens in it), appending to ids and offsets. */
  private encodePlain(text: string, start: number, end: number, ids: number[], offsets: [number, number][]) {
    let src = start === 0 && end === text.length ? text : text.slice(start, end);
    let base = start;
    if (this.preTokenizer.addPrefixSpace && !src.startsWith(" ")) {
      // The added space belongs to no character: its offsets collapse onto the segment start.
      src = " " + src;
      base--;
    }
    this.preTokenizer.forEachPiece(src, (pieceStart, pieceEnd) => {
      const word = src.slice(pieceStart, pieceEnd);
      const encoded = this.cache.get(word) ?? this.encodeWord(word);
      const at = base + pieceStart;
      for (let k = 0; k < encoded.length; k += 3) {
        ids.push(encoded[k]);
        offsets.push([Math.max(start, at + encoded[k + 1]), Math.max(start, at + encoded[k + 2])]);
      }
    });
  }

  /** BPE-encodes one pre-token and caches the result. */
  private encodeWord(word: string): Int32Array {
    const { bytes, charStart, charEnd } = utf8Spans(word);
    const { ids, firstByte } = this.model.tokenize(bytes);
    const encoded = new Int32Array(3 * ids.length);
    for (let k = 0; k < ids.length; k++) {
      const lastByte = (k + 1 < ids.length ? firstByte[k + 1] : bytes.length) - 1;
      encoded[3 * k] = ids[k];
      encoded[3 * k + 1] = charStart[firstByte[k]];
      encoded[3 * k + 2] = charEnd[lastByte];
    }
    if (this.cache.size >= cacheLimit) this.cache.clear();
    this.cache.set(word, encoded);
    return encoded;
  }

  private bytesOf(id: number): Uint8Array {
    let bytes = this.tokenBytes[id];
    if (bytes === undefined) {
      const token = this.tokens[id];
      if (token === undefined || !Number.isInteger(id))
        throw new RangeError(`decode: id ${id} is not in the vocabulary (${this.vocabSize} ids)`);
      const added = this.added.byId.get(id);
      // An added token stands for its content as text (Hugging Face maps its characters through the byte
      // table, which garbles contents such as "é"; literal text round-trips).
      bytes = this.tokenBytes[id] = added ? utf8Spans(added.content).bytes : tokenToBytes(token);
    }
    return bytes;
  }

  /** Resolves a special token's id from its given name, else the conventional names, else `fallback`. */
  private specialId(role: keyof SpecialTokenNames, name: string | undefined, fallback?: number): number {
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
  return { bos: name("bos_token"), eos: name("eos_token"), pad: name("pad_token") };
}
