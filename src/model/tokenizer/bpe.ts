/**
 * The BPE model: a vocabulary of byte-level token strings and a ranked list of merges. Encoding one
 * pre-token starts from its bytes and repeatedly applies the lowest-ranked merge present, leftmost first,
 * as GPT-2 and Hugging Face `tokenizers` do — with a heap over candidate pairs, so a long piece costs
 * O(n log n) rather than a full rescan per merge.
 */
import { byteToChar, bytesToToken } from "./bytes.js";
import { Heap } from "./heap.js";

/** Ids are below 2^21 (the largest public vocabularies are ~260k), so a pair packs into one exact number. */
const idLimit = 0x200000;

/** One number standing for the ordered pair (a, b). */
export function pairKey(a: number, b: number): number {
  return a * idLimit + b;
}

/** How a sentencepiece-style BPE treats characters outside its vocabulary. */
export interface CharOptions {
  byteFallback: boolean;
  unkId?: number;
  fuseUnk: boolean;
}

/** The token ids of one pre-token and, for each token, the index of its first byte (or symbol). */
export interface Pieces {
  ids: Int32Array;
  firstByte: Int32Array;
}

export class BpeModel {
  /** Token string → id, for the model vocabulary (added tokens that are not in it live elsewhere). */
  readonly vocab: ReadonlyMap<string, number>;
  /** For each byte, the id of its single-byte token, or -1 when the vocabulary lacks it. */
  readonly byteIds = new Int32Array(256).fill(-1);
  private readonly ranks = new Map<number, number>();
  private readonly mergedIds: Int32Array;

  constructor(
    vocab: ReadonlyMap<string, number>,
    /** Merges by rank (rank = index). */
    readonly merges: readonly (readonly [string, string])[],
    /** Hugging Face's ignore_merges (Llama 3): a pre-token that is itself in the vocabulary is one token. */
    readonly ignoreMerges = false,
  ) {
    this.vocab = vocab;
    for (const id of vocab.values())
      if (!Number.isInteger(id) || id < 0 || id >= idLimit) throw new Error(`token id ${id} is out of range`);
    byteToChar.forEach((ch, b) => (this.byteIds[b] = vocab.get(ch) ?? -1));
    this.mergedIds = new Int32Array(merges.length);
    merges.forEach(([a, b], rank) => {
      const left = vocab.get(a);
      const right = vocab.get(b);
      const merged = vocab.get(a + b);
      if (left === undefined || right === undefined || merged === undefined)
        throw new Error(`merge ${rank} ("${a} ${b}") uses or makes a token that is not in the vocabulary`);
      this.ranks.set(pairKey(left, right), rank); // a repeated merge takes its last rank, as in tokenizers
      this.mergedIds[rank] = merged;
    });
  }

  /** The rank of merging (a, b), or undefined when no merge joins them. */
  rank(a: number, b: number): number | undefined {
    return this.ranks.get(pairKey(a, b));
  }

  /** The id a merge of the given rank produces. */
  mergedId(rank: number): number {
    return this.mergedIds[rank];
  }

  /** Splits the bytes of one pre-token into tokens (byte-level BPE). */
  tokenize(bytes: Uint8Array): Pieces {
    const n = bytes.length;
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = this.byteIds[bytes[i]];
      if (ids[i] < 0)
        throw new Error(
          `the vocabulary has no token for byte 0x${bytes[i].toString(16)} ('${byteToChar[bytes[i]]}')`,
        );
    }
    if (n === 1) return { ids, firstByte: new Int32Array(1) };
    if (this.ignoreMerges) {
      const whole = this.vocab.get(bytesToToken(bytes));
      if (whole !== undefined) return { ids: Int32Array.of(whole), firstByte: new Int32Array(1) };
    }
    return this.merge(ids);
  }

  /**
   * Splits one pre-token into tokens, character by character (sentencepiece-style BPE: Llama 2, Mistral).
   * A character outside the vocabulary becomes its UTF-8 bytes as <0xXX> tokens (byte_fallback), else
   * the unknown token (consecutive ones fused into one with fuse_unk). `firstByte` of the result indexes
   * `units`, which gives each initial symbol's [start, end) in the word's UTF-16 units.
   */
  tokenizeChars(word: string, options: CharOptions): Pieces & { units: Int32Array } {
    if (this.ignoreMerges) {
      const whole = this.vocab.get(word);
      if (whole !== undefined)
        return {
          ids: Int32Array.of(whole),
          firstByte: new Int32Array(1),
          units: Int32Array.of(0, word.length),
        };
    }
    const ids: number[] = [];
    const units: number[] = []; // start, end per symbol
    let unkOpen = false;
    for (let i = 0; i < word.length;) {
      const cp = word.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      const ch = word.slice(i, i + width);
      const id = this.vocab.get(ch);
      const bytes = id === undefined && options.byteFallback ? this.fallbackIds(ch) : null;
      if (id !== undefined || bytes !== null) {
        for (const b of bytes ?? [id!]) {
          ids.push(b);
          units.push(i, i + width);
        }
        unkOpen = false;
      } else if (options.unkId === undefined) {
        throw new Error(
          `the character ${JSON.stringify(ch)} is not in the vocabulary and the model has no unk_token or byte fallback`,
        );
      } else if (unkOpen && options.fuseUnk) {
        units[units.length - 1] = i + width;
      } else {
        ids.push(options.unkId);
        units.push(i, i + width);
        unkOpen = true;
      }
      i += width;
    }
    return { ...this.merge(Int32Array.from(ids)), units: Int32Array.from(units) };
  }

  /** The <0xXX> ids of a character's UTF-8 bytes, or null when one is missing. */
  private fallbackIds(ch: string): number[] | null {
    const out: number[] = [];
    for (const b of Buffer.from(ch, "utf8")) {
      const id = this.vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
      if (id === undefined) return null;
      out.push(id);
    }
    return out;
  }

  /** Applies the merges to initial symbols `ids` (changed in place); `firstByte` is each token's first symbol. */
  private merge(ids: Int32Array): Pieces {
    const n = ids.length;
    if (n <= 1) return { ids, firstByte: new Int32Array(n) };
    // Symbols are named by their first byte; next/prev link the live ones, ids[i] = -1 marks a dead one.
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    // A candidate is rank * 2^32 + position: the smallest is the lowest rank, leftmost on ties.
    const candidates = new Heap<number>((x, y) => x < y);
    const consider = (left: number, right: number) => {
      const rank = this.ranks.get(pairKey(ids[left], ids[right]));
      if (rank !== undefined) candidates.push(rank * 0x100000000 + left);
    };
    for (let i = 0; i < n; i++) {
      next[i] = i + 1;
      prev[i] = i - 1;
      if (i + 1 < n) consider(i, i + 1);
    }
    let live = n;
    while (candidates.size > 0) {
      const top = candidates.pop()!;
      const rank = Math.floor(top / 0x100000000);
      const left = top - rank * 0x100000000;
      const right = next[left];
      // Stale: the left symbol was absorbed, or either side changed since this pair was queued.
      if (ids[left] < 0 || right >= n || this.ranks.get(pairKey(ids[left], ids[right])) !== rank) continue;
      ids[left] = this.mergedIds[rank];
      ids[right] = -1;
      next[left] = next[right];
      if (next[right] < n) prev[next[right]] = left;
      live--;
      if (prev[left] >= 0) consider(prev[left], left);
      if (next[left] < n) consider(left, next[left]);
    }
    const out: Pieces = { ids: new Int32Array(live), firstByte: new Int32Array(live) };
    for (let i = 0, k = 0; i < n; i = next[i], k++) {
      out.ids[k] = ids[i];
      out.firstByte[k] = i;
    }
    return out;
  }
}
