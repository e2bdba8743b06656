/**
 * Choosing the next token for every row of a batch at once, each row with its own temperature, top-k and
 * top-p (Holtzman et al., nucleus sampling), as tensors: no JavaScript loop over rows or vocabulary.
 * Top-k is applied first, then top-p over the renormalised remainder (as vLLM and Hugging Face do).
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

/** Top-p rows first try this many candidates: a partial selection costs a fraction of sorting the vocabulary. */
const nucleusCandidates = 256;

interface Row {
  greedy: boolean;
  temperature: number;
  /** vocabSize when unlimited. */
  topK: number;
  /** 1 when unlimited. */
  topP: number;
}

interface Settings {
  temperature: Tensor; // (R, 1) float; 1 for greedy rows
  greedy: Tensor; // (R) bool
  topK: Tensor; // (R, 1) int64
  topP: Tensor; // (R, 1) float
  /** (R, 1): probability the candidates must hold for the row's nucleus to lie among them (0: no need). */
  coverage: Tensor;
}

/** The rows' settings as tensors, made once per batch and rebuilt when finished rows are dropped. */
export class RowSampler {
  private rows: Row[];
  private settings!: Settings;
  private allGreedy = false;
  private anyGreedy = false;
  private anyTopP = false;
  private truncate = false;
  private checkCoverage = false;
  /** Most likely tokens to select per row before truncating; vocabSize means a full sort. */
  private candidates = 0;

  constructor(
    params: readonly SamplingParams[],
    private readonly vocabSize: number,
    private readonly device = "cpu",
  ) {
    this.rows = params.map((p) => {
      const greedy = !(p.temperature && p.temperature > 0);
      return {
        greedy,
        temperature: greedy ? 1 : p.temperature!,
        topK: p.topK && p.topK > 0 && p.topK < vocabSize ? p.topK : vocabSize,
        topP: p.topP !== undefined && p.topP < 1 ? Math.max(0, p.topP) : 1,
      };
    });
    this.build();
  }

  /** Keeps rows `index` (positions in the current batch), in that order. */
  select(index: readonly number[]): void {
    this.rows = index.map((i) => this.rows[i]!);
    this.dispose();
    this.build();
  }

  private build(): void {
    const sampled = this.rows.filter((r) => !r.greedy);
    this.allGreedy = sampled.length === 0;
    this.anyGreedy = sampled.length < this.rows.length;
    this.anyTopP = sampled.some((r) => r.topP < 1);
    this.truncate = this.anyTopP || sampled.some((r) => r.topK < this.vocabSize);
    this.candidates = Math.max(
      0,
      ...sampled.map((r) => (r.topP < 1 ? Math.min(r.topK, nucleusCandidates) : r.topK)),
    );
    const needs = this.rows.map((r) => (!r.greedy && r.topP < 1 && r.topK > this.candidates ? r.topP : 0));
    this.checkCoverage = needs.some((p) => p > 0);
    const device = this.device;
    const column = (values: number[], dtype: "float32" | "int64") =>
      keep(scope(() => tensor(values, { dtype, device }).unsqueeze(1)));
    this.settings = {
      temperature: column(
        this.rows.map((r) => r.temperature),
        "float32",
      ),
      greedy: keep(
        tensor(
          this.rows.map((r) => r.greedy),
          { device },
        ),
      ),
      topK: column(
        this.rows.map((r) => r.topK),
        "int64",
      ),
      topP: column(
        this.rows.map((r) => r.topP),
        "float32",
      ),
      coverage: column(needs, "float32"),
    };
  }

  /**
   * logits (R, V) → the chosen tokens (R) int64 and their log-probabilities (R) under the tempered,
   * untruncated distribution softmax(logits / T) (T = 1 for greedy rows): what a trainer recomputes.
   */
  sample(logits: Tensor): { tokens: Tensor; logprobs: Tensor } {
    return noGrad(() =>
      scope(() => {
        const logp = (this.allGreedy ? logits : logits.div(this.settings.temperature)).logSoftmax(-1); // (R, V)
        let tokens: Tensor;
        if (this.allGreedy) tokens = logits.argmax(-1);
        else {
          tokens = this.truncate ? this.sampleTruncated(logp) : logp.exp().multinomial(1).squeeze(1);
          if (this.anyGreedy) tokens = where(this.settings.greedy, logits.argmax(-1), tokens);
        }
        return { tokens, logprobs: logp.gather(1, tokens.unsqueeze(1)).squeeze(1) };
      }),
    );
  }

  /** Draws from each row's top-k, then top-p, set: from the most likely candidates, most likely first. */
  private sampleTruncated(logp: Tensor): Tensor {
    const { topK, topP, coverage } = this.settings;
    let c = this.candidates;
    let { values, indices } = c < this.vocabSize ? logp.topk(c) : logp.sort(-1, true); // (R, c)
    if (c < this.vocabSize && this.checkCoverage && values.exp().sum(-1, true).lt(coverage).any().item()) {
      // Some row's nucleus reaches past the candidates (a flat distribution): sort the whole vocabulary.
      ({ values, indices } = logp.sort(-1, true));
      c = this.vocabSize;
    }
    let remove = arange(0, c, 1, { device: logp.device }).unsqueeze(0).ge(topK); // (R, c): rank ≥ k
    if (this.anyTopP) {
      const probs = values.maskedFill(remove, -Infinity).softmax(-1);
      // A token goes when the tokens before it already reach p; the first token always stays.
      remove = remove.logicalOr(probs.cumsum(-1).sub(probs).gt(topP));
    }
    const rank = values.maskedFill(remove, -Infinity).softmax(-1).multinomial(1); // (R, 1)
    return indices.gather(1, rank).squeeze(1);
  }

  dispose(): void {
    for (const t of Object.values(this.settings)) t.dispose();
  }
}
