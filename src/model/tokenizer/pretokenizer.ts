/**
 * Pre-tokenization: the text is cut into pieces by a regex before BPE, and merges never cross a piece
 * boundary. Pieces are the regex's matches and the gaps between them (Hugging Face's "Isolated" split).
 */
import { compileOnigPattern } from "./onig.js";

/** GPT-2's split, which Hugging Face's ByteLevel pre-tokenizer applies when `use_regex` is true. */
export const gpt2Pattern =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/**
 * GPT-2's split with each line end its own piece: trailing blanks plus one `\n` (so `\r\n` stays
 * together). No token can then hold two line ends or a line end and the next line's indentation, so a
 * line's reward token never sees the next line, and the tokens of a text cut after any `\n` are a prefix of
 * the whole text's tokens — a prefix continued by binary-search labelling (PSGPO §3.2) tokenizes as it
 * would inside the full response.
 */
export const codePattern =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|[^\\S\\n]*\\n|[^\\S\\n]+(?!\\S)|[^\\S\\n]+";

/** Splits text into pieces; `pattern` is Oniguruma syntax as in tokenizer.json, null for no split. */
export class PreTokenizer {
  private readonly regex: RegExp | null;

  constructor(
    readonly pattern: string | null,
    /** Hugging Face ByteLevel's add_prefix_space: a space is put before text that does not start with one. */
    readonly addPrefixSpace = false,
  ) {
    this.regex = pattern === null ? null : compileOnigPattern(pattern);
  }

  /** Calls `piece(start, end)` for each piece of `text`, in order; the pieces cover the text exactly. */
  forEachPiece(text: string, piece: (start: number, end: number) => void): void {
    const re = this.regex;
    if (re === null) {
      if (text.length > 0) piece(0, text.length);
      return;
    }
    let done = 0;
    re.lastIndex = 0;
    for (let match = re.exec(text); match !== null; match = re.exec(text)) {
      const start = match.index;
      const end = re.lastIndex;
      if (end === start) {
        // An empty match: step over one code point so the scan moves on.
        re.lastIndex += (text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1;
        continue;
      }
      if (start > done) piece(done, start);
      piece(start, end);
      done = end;
    }
    if (done < text.length) piece(done, text.length);
  }
}
