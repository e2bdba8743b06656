/**
 * BPE training (Sennrich et al. 2016, byte-level as in GPT-2): start from single bytes and repeatedly add
 * the most frequent adjacent pair as a new token. Pair counts are kept up to date incrementally — a merge
 * only revisits the words that hold the pair (an index from pair to words) — and the best pair comes from
 * a heap whose stale entries are re-queued when popped, as Hugging Face's BpeTrainer does. Cost per merge
 * is proportional to the words it touches, not to the corpus.
 */
import { utf8Spans } from "./utf8.js";
import { Heap } from "./heap.js";
import { pairKey } from "./bpe.js";

interface Candidate {
  count: number;
  a: number;
  b: number;
}

/** What training needs beyond the word counts. */
export interface TrainSetup {
  /** The starting vocabulary (special tokens and the 256 byte tokens); merged tokens are appended. */
  tokens: string[];
  /** Id of each byte's token in `tokens`. */
  byteIds: ArrayLike<number>;
  /** Stop when the vocabulary has this many tokens. */
  vocabSize: number;
  /** Stop when the best pair occurs fewer times than this. */
  minFrequency: number;
}

/** Learns merges from pre-token counts; returns the grown token list and the merges in rank order. */
export function trainBpe(
  wordCounts: ReadonlyMap<string, number>,
  setup: TrainSetup,
): { tokens: string[]; merges: [string, string][] } {
  const tokens = setup.tokens.slice();
  const idOf = new Map(tokens.map((t, id) => [t, id]));
  const merges: [string, string][] = [];

  const words: Int32Array[] = [];
  const lengths: number[] = [];
  const counts: number[] = [];
  for (const [word, count] of wordCounts) {
    const { bytes } = utf8Spans(word);
    words.push(Int32Array.from(bytes, (b) => setup.byteIds[b]));
    lengths.push(bytes.length);
    counts.push(count);
  }

  const pairCounts = new Map<number, number>();
  const wordsWith = new Map<number, number[]>(); // pair → words that hold (or once held) it
  const addPair = (key: number, delta: number) => {
    const count = (pairCounts.get(key) ?? 0) + delta;
    if (count === 0) pairCounts.delete(key);
    else pairCounts.set(key, count);
  };
  const noteWord = (key: number, w: number) => {
    const list = wordsWith.get(key);
    if (list === undefined) wordsWith.set(key, [w]);
    else if (list[list.length - 1] !== w) list.push(w);
  };
  words.forEach((symbols, w) => {
    for (let i = 0; i + 1 < lengths[w]; i++) {
      const key = pairKey(symbols[i], symbols[i + 1]);
      addPair(key, counts[w]);
      noteWord(key, w);
    }
  });

  // Most frequent first; ties go to the smaller ids, so training is deterministic.
  const queue = new Heap<Candidate>(
    (x, y) => x.count > y.count || (x.count === y.count && (x.a < y.a || (x.a === y.a && x.b < y.b))),
  );
  const idBits = pairKey(1, 0);
  for (const [key, count] of pairCounts) queue.push({ count, a: Math.floor(key / idBits), b: key % idBits });

  const visited = new Int32Array(words.length).fill(-1);
  while (tokens.length < setup.vocabSize && queue.size > 0) {
    const best = queue.pop()!;
    const key = pairKey(best.a, best.b);
    const current = pairCounts.get(key) ?? 0;
    if (current !== best.count) {
      if (current > 0) queue.push({ ...best, count: current });
      continue;
    }
    if (current < setup.minFrequency) break;

    const merged = tokens[best.a] + tokens[best.b];
    let id = idOf.get(merged);
    if (id === undefined) {
      id = tokens.push(merged) - 1;
      idOf.set(merged, id);
    }
    merges.push([tokens[best.a], tokens[best.b]]);

    const fresh = new Set<number>(); // pairs that contain the new token
    for (const w of wordsWith.get(key) ?? []) {
      if (visited[w] === merges.length) continue;
      visited[w] = merges.length;
      const symbols = words[w];
      const n = lengths[w];
      if (!holdsPair(symbols, n, best.a, best.b)) continue; // the index also lists words that lost the pair
      // Take the word's pairs out, merge left to right, put its new pairs in.
      for (let i = 0; i + 1 < n; i++) addPair(pairKey(symbols[i], symbols[i + 1]), -counts[w]);
      let m = 0;
      for (let i = 0; i < n; m++) {
        if (i + 1 < n && symbols[i] === best.a && symbols[i + 1] === best.b) {
          symbols[m] = id;
          i += 2;
        } else symbols[m] = symbols[i++];
      }
      lengths[w] = m;
      for (let i = 0; i + 1 < m; i++) {
        const pair = pairKey(symbols[i], symbols[i + 1]);
        addPair(pair, counts[w]);
        if (symbols[i] === id || symbols[i + 1] === id) {
          fresh.add(pair);
          noteWord(pair, w);
        }
      }
    }
    pairCounts.delete(key);
    wordsWith.delete(key);
    for (const pair of fresh) {
      const count = pairCounts.get(pair);
      if (count !== undefined) queue.push({ count, a: Math.floor(pair / idBits), b: pair % idBits });
    }
  }
  return { tokens, merges };
}

/** Whether a appears directly before b in the first n symbols. */
function holdsPair(symbols: Int32Array, n: number, a: number, b: number): boolean {
  for (let i = 0; i + 1 < n; i++) if (symbols[i] === a && symbols[i + 1] === b) return true;
  return false;
}
