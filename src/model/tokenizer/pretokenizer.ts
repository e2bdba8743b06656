/**
 * Pre-tokenization: the text is cut into pieces by regexes before BPE, and merges never cross a piece
 * boundary. Hugging Face chains splits (DeepSeek-Coder has five in a row); each one cuts every piece the
 * one before made. A split keeps its matches and the gaps between them as tokenizers' SplitDelimiterBehavior
 * says (Isolated: both, own pieces; Removed: gaps only; MergedWithPrevious/Next: the match joins the gap
 * before/after it; Contiguous: adjacent matches form one piece).
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

export type SplitBehavior = "Isolated" | "Removed" | "MergedWithPrevious" | "MergedWithNext" | "Contiguous";

export const splitBehaviors: readonly SplitBehavior[] = [
  "Isolated",
  "Removed",
  "MergedWithPrevious",
  "MergedWithNext",
  "Contiguous",
];

/** One regex split of a chain. */
export interface Split {
  /** The Oniguruma pattern as the tokenizer.json writes it. */
  pattern: string;
  behavior: SplitBehavior;
  /** tokenizers' `invert`: the pattern matches the pieces, not the delimiters. */
  invert: boolean;
}

/** Splits text into pieces by a chain of regex splits; no splits leaves the text whole. */
export class PreTokenizer {
  private readonly regexes: RegExp[];

  constructor(
    readonly splits: readonly Split[],
    /** Hugging Face ByteLevel's add_prefix_space: a space is put before text that does not start with one. */
    readonly addPrefixSpace = false,
  ) {
    this.regexes = splits.map((s) => compileOnigPattern(s.pattern));
  }

  /** One Isolated split by `pattern` (null: no split), as the tokenizers linewise trains have. */
  static isolated(pattern: string | null, addPrefixSpace = false): PreTokenizer {
    return new PreTokenizer(
      pattern === null ? [] : [{ pattern, behavior: "Isolated", invert: false }],
      addPrefixSpace,
    );
  }

  /** The single Isolated pattern of a one-split chain, else undefined. */
  get pattern(): string | null | undefined {
    if (this.splits.length === 0) return null;
    const [only] = this.splits;
    return this.splits.length === 1 && only.behavior === "Isolated" && !only.invert
      ? only.pattern
      : undefined;
  }

  /** Calls `piece(start, end)` for each piece of `text`, in order (Removed delimiters leave gaps). */
  forEachPiece(text: string, piece: (start: number, end: number) => void): void {
    if (this.regexes.length === 0) {
      if (text.length > 0) piece(0, text.length);
      return;
    }
    this.cut(0, text, 0, text.length, piece);
  }

  private cut(k: number, text: string, start: number, end: number, piece: (s: number, e: number) => void) {
    if (k === this.regexes.length) return piece(start, end);
    const sub = start === 0 && end === text.length ? text : text.slice(start, end);
    const { behavior, invert } = this.splits[k];
    const marks = matches(this.regexes[k], sub);
    if (behavior === "Isolated") {
      // The common case (every tokenizer linewise trains, Llama 3, Qwen 2): matches and gaps alike.
      let at = 0;
      for (let i = 0; i < marks.length; i += 2) {
        if (marks[i] > at) this.cut(k + 1, text, start + at, start + marks[i], piece);
        this.cut(k + 1, text, start + marks[i], start + marks[i + 1], piece);
        at = marks[i + 1];
      }
      if (at < sub.length) this.cut(k + 1, text, start + at, start + sub.length, piece);
      return;
    }
    // The text as runs [from, to, isMatch]; inverted, the pattern matches the pieces and not the delimiters.
    const runs: [number, number, boolean][] = [];
    let done = 0;
    for (let i = 0; i < marks.length; i += 2) {
      if (marks[i] > done) runs.push([done, marks[i], invert]);
      runs.push([marks[i], marks[i + 1], !invert]);
      done = marks[i + 1];
    }
    if (done < sub.length) runs.push([done, sub.length, invert]);
    // tokenizers' NormalizedString::split, fold for fold: which runs join which.
    const pieces: [number, number][] = [];
    let previousMatch = false;
    if (behavior === "MergedWithNext") runs.reverse();
    for (const [s, e, isMatch] of runs) {
      const last = pieces[pieces.length - 1];
      if (behavior === "Removed") {
        if (!isMatch) pieces.push([s, e]);
      } else if (behavior === "Contiguous" && isMatch === previousMatch && last) last[1] = e;
      else if (behavior === "MergedWithPrevious" && isMatch && !previousMatch && last) last[1] = e;
      else if (behavior === "MergedWithNext" && isMatch && !previousMatch && last) last[0] = s;
      else pieces.push([s, e]);
      previousMatch = isMatch;
    }
    if (behavior === "MergedWithNext") pieces.reverse();
    for (const [s, e] of pieces) if (e > s) this.cut(k + 1, text, start + s, start + e, piece);
  }
}

/** Flat [from, to, from, to, …] of the non-empty matches of `re` (global) in `text`. */
function matches(re: RegExp, text: string): number[] {
  const out: number[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const end = re.lastIndex;
    if (end === m.index) {
      // An empty match: step over one code point so the scan moves on.
      re.lastIndex += (text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1;
      continue;
    }
    out.push(m.index, end);
  }
  return out;
}
