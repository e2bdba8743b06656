/**
 * The textbook byte-level BPE encoder, as GPT-2's encoder.py writes it: for each pre-token, scan every
 * adjacent pair for the lowest-ranked merge, apply it throughout, scan again; no cache. It shares only the
 * pre-tokenizer and the byte table with Tokenizer, so it serves as the baseline bench/tokenizer.ts
 * measures against and as an independent check of Tokenizer.encode in the tests (it does not model
 * ignore_merges, which tokenizers we train never set).
 */
import { AddedTokens } from "./added-tokens.js";
import { bytesToToken } from "./bytes.js";
import { utf8Spans } from "./utf8.js";
import { readTokenizerJson } from "./hf-json.js";
import { PreTokenizer } from "./pretokenizer.js";

export class ReferenceEncoder {
  private readonly added: AddedTokens;
  private readonly preTokenizer: PreTokenizer;
  private readonly vocab: ReadonlyMap<string, number>;
  private readonly ranks = new Map<string, number>(); // "a b" → rank

  /** Builds from a tokenizer.json object (e.g. `tokenizer.toJSON()`). */
  constructor(json: unknown) {
    const { model, added, preTokenizer } = readTokenizerJson(json);
    this.added = new AddedTokens(added);
    this.preTokenizer = preTokenizer;
    this.vocab = model.vocab;
    model.merges.forEach(([a, b], rank) => this.ranks.set(`${a} ${b}`, rank));
  }

  /** Token ids of `text`. */
  encode(text: string): number[] {
    const ids: number[] = [];
    this.added.split(
      text,
      (from, to) => {
        const plain = text.slice(from, to);
        this.preTokenizer.forEachPiece(plain, (start, end) => {
          const { bytes } = utf8Spans(plain.slice(start, end));
          for (const token of this.bpe(Array.from(bytes, (b) => bytesToToken([b]))))
            ids.push(this.vocab.get(token)!);
        });
      },
      (token) => ids.push(token.id),
    );
    return ids;
  }

  private bpe(word: string[]): string[] {
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < word.length; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < bestRank) [best, bestRank] = [i, rank];
      }
      if (best < 0) break;
      const [first, second] = [word[best], word[best + 1]];
      const merged: string[] = [];
      for (let i = 0; i < word.length;) {
        if (i + 1 < word.length && word[i] === first && word[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else merged.push(word[i++]);
      }
      word = merged;
    }
    return word;
  }
}
