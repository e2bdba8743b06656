/**
 * Added tokens (Hugging Face `added_tokens`): strings matched in the raw text before pre-tokenization and
 * given their own id, such as `<|eos|>`. Special ones are dropped by decode's skipSpecial.
 */

/** One entry of tokenizer.json's added_tokens. */
export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
  /** Matched in the normalized text rather than the raw one (tokenizers' `normalized`). */
  normalized?: boolean;
}

export class AddedTokens {
  readonly byId = new Map<number, AddedToken>();
  readonly byContent = new Map<string, AddedToken>();
  private readonly matcher: RegExp | null;

  constructor(readonly list: readonly AddedToken[]) {
    for (const token of list) {
      this.byId.set(token.id, token);
      this.byContent.set(token.content, token);
    }
    // Longest first, so the alternation finds the leftmost-longest match as Hugging Face's does.
    const contents = list.map((t) => t.content).filter((c) => c.length > 0);
    contents.sort((x, y) => y.length - x.length);
    const escaped = contents.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    this.matcher = escaped.length > 0 ? new RegExp(escaped.join("|"), "g") : null;
  }

  /** Walks `text`: `plain(start, end)` for each stretch between added tokens, `added(token, start)` for each one. */
  split(
    text: string,
    plain: (start: number, end: number) => void,
    added: (token: AddedToken, start: number) => void,
  ) {
    let done = 0;
    if (this.matcher !== null) {
      this.matcher.lastIndex = 0;
      for (let m = this.matcher.exec(text); m !== null; m = this.matcher.exec(text)) {
        if (m.index > done) plain(done, m.index);
        added(this.byContent.get(m[0])!, m.index);
        done = this.matcher.lastIndex;
      }
    }
    if (done < text.length) plain(done, text.length);
  }
}
