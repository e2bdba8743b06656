/**
 * Choosing the next token for every row of a batch at once, each row with its own temperature, top-k and
 * top-p (Holtzman et al., nucleus sampling), as tensors: no JavaScript loop over rows or vocabulary.
 */
import { Tensor, arange, keep, noGrad, scope, tensor, where } from "../torch/index.js";

export interface SamplingParams {
  /** 0 (the default) picks the most likely token; otherwise logits are divided by it. */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 or absent keeps all. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p; 1 or absent keeps all. */
  topP?: number;
}

/** The rows' settings as (R, 1) tensors, made once per batch and re-indexed when finished rows are dropped. */
export class RowSampler {
  private constructor(
    private temperature: Tensor, // (R, 1) float; 1 for greedy rows
    private greedy: Tensor, // (R) bool
    private topK: Tensor, // (R, 1) int64; vocabSize when unlimited
    private topP: Tensor, // (R, 1) float; 1 when unlimited
    private readonly flags: { allGreedy: boolean; anyGreedy: boolean; anyTopK: boolean; anyTopP: boolean },
  ) {}

  static create(rows: SamplingParams[], vocabSize: number, device = "cpu"): RowSampler {
    const greedy = rows.map((r) => !(r.temperature && r.temperature > 0));
    const topK = rows.map((r) => (r.topK && r.topK > 0 && r.topK < vocabSize ? r.topK : vocabSize));
    const topP = rows.map((r) => (r.topP !== undefined && r.topP < 1 ? Math.max(0, r.topP) : 1));
    const sampled = (values: number[]) => values.filter((_, i) => !greedy[i]);
    const column = (values: number[], dtype: "float32" | "int64") => keep(scope(() => tensor(values, { dtype, device }).unsqueeze(1)));
    return new RowSampler(
      column(rows.map((r, i) => (greedy[i] ? 1 : r.temperature!)), "float32"),
      keep(tensor(greedy, { device })),
      column(topK, "int64"),
      column(topP, "float32"),
      {
        allGreedy: greedy.every(Boolean),
        anyGreedy: greedy.some(Boolean),
        anyTopK: sampled(topK).some((k) => k < vocabSize),
        anyTopP: sampled(topP).some((p) => p < 1),
      },
    );
  }

  /**
   * logits (R, V) → the chosen tokens (R) int64 and their log-probabilities (R) under the tempered,
   * untruncated distribution softmax(logits / T) (T = 1 for greedy rows): what a trainer recomputes.
   */
  sample(logits: Tensor): { tokens: Tensor; logprobs: Tensor } {
    return noGrad(() =>
      scope(() => {
        const { allGreedy, anyGreedy, anyTopK, anyTopP } = this.flags;
        const scaled = allGreedy ? logits : logits.div(this.temperature); // (R, V)
        const logp = scaled.logSoftmax(-1); // (R, V)
        let tokens: Tensor;
        if (allGreedy) tokens = logits.argmax(-1);
        else {
          tokens = anyTopK || anyTopP ? this.sampleTruncated(scaled, anyTopK, anyTopP) : scaled.softmax(-1).multinomial(1).squeeze(1);
          if (anyGreedy) tokens = where(this.greedy, logits.argmax(-1), tokens);
        }
        return { tokens, logprobs: logp.gather(1, tokens.unsqueeze(1)).squeeze(1) };
      }),
    );
  }

  private sampleTruncated(scaled: Tensor, anyTopK: boolean, anyTopP: boolean): Tensor {
    const { values: sorted, indices: order } = scaled.sort(-1, true); // (R, V), most likely first
    let remove: Tensor | null = null;
    if (anyTopK) remove = arange(0, sorted.size(1), 1, { device: sorted.device }).unsqueeze(0).ge(this.topK); // rank ≥ k
    if (anyTopP) {
      const probs = sorted.softmax(-1);
      // A token goes when the tokens before it already reach p; the first token always stays.
      const beyond = probs.cumsum(-1).sub(probs).gt(this.topP);
      remove = remove ? remove.logicalOr(beyond) : beyond;
    }
    const rank = sorted.maskedFill(remove!, -Infinity).softmax(-1).multinomial(1); // (R, 1)
    return order.gather(1, rank).squeeze(1);
  }

  /** Keeps rows `index` (int64) of every setting. */
  select(index: Tensor): void {
    const pick = (t: Tensor) => {
      const picked = keep(t.indexSelect(0, index));
      t.dispose();
      return picked;
    };
    this.temperature = pick(this.temperature);
    this.greedy = pick(this.greedy);
    this.topK = pick(this.topK);
    this.topP = pick(this.topP);
  }

  dispose(): void {
    for (const t of [this.temperature, this.greedy, this.topK, this.topP]) t.dispose();
  }
}
