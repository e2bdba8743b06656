/**
 * Hugging Face normalizers: rewrites of the text before pre-tokenization (Unicode forms, Llama 2's
 * Prepend("▁") and Replace(" ", "▁"), …) that keep, for every character of the result, the span of the
 * input it came from, so token offsets still index the caller's text (tokenizers' NormalizedString).
 */

/** A rewritten text; `starts[j]`/`ends[j]` give the input span of its unit j (null: unchanged, unit j is input j). */
export interface Normalized {
  text: string;
  starts: Int32Array | null;
  ends: Int32Array | null;
}

/** One rewrite step over a whole text. */
export type NormalizeStep = (text: string) => Chunk[] | null;

/**
 * A piece of a step's output: `out` replaces input[from, to). How its characters align follows tokenizers'
 * NormalizedString::transform: "pairwise" (Unicode forms, lowercasing, Prepend) gives output character k
 * the span of input character k, and characters beyond the input's count the span of the one before;
 * otherwise (Replace) every output character takes the span of the last character replaced.
 */
interface Chunk {
  out: string;
  from: number;
  to: number;
  pairwise?: boolean;
}

/** The identity, unaligned: the text as given. */
export function unchanged(text: string): Normalized {
  return { text, starts: null, ends: null };
}

/** The input span [start, end) of output units [a, b) (b > a). */
export function sourceSpan(n: Normalized, a: number, b: number): [number, number] {
  return n.starts === null ? [a, b] : [n.starts[a], n.ends![b - 1]];
}

/** Applies `steps` in order to `text` (already rewritten as `from`, when given), composing the alignments. */
export function normalize(steps: readonly NormalizeStep[], text: string, from?: Normalized): Normalized {
  let n = from ?? unchanged(text);
  for (const step of steps) {
    const chunks = step(n.text);
    if (chunks !== null) n = rewrite(n, chunks);
  }
  return n;
}

/** Output of `chunks` over n.text, each unit aligned to the original input through n's own alignment. */
function rewrite(n: Normalized, chunks: Chunk[]): Normalized {
  const length = chunks.reduce((sum, c) => sum + c.out.length, 0);
  const starts = new Int32Array(length);
  const ends = new Int32Array(length);
  let j = 0;
  for (const { out, from, to, pairwise } of chunks) {
    if (to - from === out.length && n.text.startsWith(out, from)) {
      // Unchanged: each unit keeps its own span.
      for (let k = 0; k < out.length; k++, j++) [starts[j], ends[j]] = sourceSpan(n, from + k, from + k + 1);
      continue;
    }
    const inputs = codePointSpans(n, from, to); // [start, end] per input character, in original offsets
    let k = 0;
    for (const ch of out) {
      const [s, e] = pairwise ? inputs[Math.min(k, inputs.length - 1)] : inputs[inputs.length - 1];
      for (let u = 0; u < ch.length; u++, j++) [starts[j], ends[j]] = [s, e];
      k++;
    }
  }
  return { text: chunks.map((c) => c.out).join(""), starts, ends };
}

/** The original span of each character (code point) of n.text[from, to). */
function codePointSpans(n: Normalized, from: number, to: number): [number, number][] {
  const spans: [number, number][] = [];
  for (let i = from; i < to;) {
    const width = n.text.codePointAt(i)! > 0xffff ? 2 : 1;
    spans.push(sourceSpan(n, i, i + width));
    i += width;
  }
  return spans;
}

/** Chunks for a rewrite of each match of `re` (global) by `replace(match)`, the gaps kept. */
function replaceMatches(
  text: string,
  re: RegExp,
  replace: (match: string) => string,
  pairwise = false,
): Chunk[] | null {
  const chunks: Chunk[] = [];
  let done = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    if (m.index > done) chunks.push({ out: text.slice(done, m.index), from: done, to: m.index });
    chunks.push({ out: replace(m[0]), from: m.index, to: m.index + m[0].length, pairwise });
    done = m.index + m[0].length;
  }
  if (chunks.length === 0) return null;
  if (done < text.length) chunks.push({ out: text.slice(done), from: done, to: text.length });
  return chunks;
}

/** A Unicode normal form, per base character and its combining marks (they compose only with each other). */
export function unicodeForm(form: "NFC" | "NFD" | "NFKC" | "NFKD"): NormalizeStep {
  return (text) =>
    text.normalize(form) === text
      ? null
      : replaceMatches(text, /\P{M}\p{M}*|\p{M}+/gu, (cluster) => cluster.normalize(form), true);
}

/** Lowercase, one character at a time as tokenizers does (so a final Σ becomes σ, not ς). */
export const lowercase: NormalizeStep = (text) =>
  text.toLowerCase() === text ? null : replaceMatches(text, /[^]/gu, (c) => c.toLowerCase(), true);

/** Replace every occurrence of a pattern (a literal or a compiled Oniguruma regex) by `content`. */
export function replace(pattern: string | RegExp, content: string): NormalizeStep {
  const re =
    typeof pattern === "string" ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gu") : pattern;
  return (text) => replaceMatches(text, re, () => content);
}

/**
 * Prepend `prefix` to a non-empty text. As in tokenizers, the prefix takes the first character's span:
 * Llama 2's "▁Hello" is offsets [0, 5) of "Hello".
 */
export function prepend(prefix: string): NormalizeStep {
  return (text) => {
    if (text.length === 0) return null;
    const first = text.codePointAt(0)! > 0xffff ? 2 : 1;
    return [
      { out: prefix + text.slice(0, first), from: 0, to: first, pairwise: true },
      { out: text.slice(first), from: first, to: text.length },
    ];
  };
}

/** Strip white space from the left and/or right end. */
export function strip(left: boolean, right: boolean): NormalizeStep {
  return (text) => {
    const from = left ? text.length - text.trimStart().length : 0;
    const to = right ? text.trimEnd().length : text.length;
    if (from === 0 && to === text.length) return null;
    return [{ out: text.slice(from, Math.max(from, to)), from, to: Math.max(from, to) }].filter(
      (c) => c.out.length > 0,
    );
  };
}

/** Remove nonspacing marks (accents once NFD has split them off). */
export const stripAccents: NormalizeStep = (text) =>
  replaceMatches(text, /\p{Mn}+/gu, () => "")?.filter((c) => c.out.length > 0) ?? null;
