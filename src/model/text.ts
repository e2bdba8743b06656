/**
 * What the model layer needs from a tokenizer. `Tokenizer` (src/model/tokenizer/) satisfies it; generation
 * and checkpoints depend only on this shape.
 */
export interface TextTokenizer {
  readonly vocabSize: number;
  readonly bosId: number | null | undefined;
  readonly eosId: number | null | undefined;
  readonly padId: number | null | undefined;
  encode(text: string): { ids: ArrayLike<number> };
  decode(ids: ArrayLike<number>): string;
  /** Writes a Hugging Face tokenizer.json. */
  save(path: string): void;
}
