/**
 * The GRPO policy loss (Shao et al. 2024, DeepSeekMath eq. 3), as TRL's GRPOTrainer `_compute_loss`
 * computes it, so test/train/grpo-trl.test.ts can compare the two:
 *
 *   per-token loss ℓ_t = −min(ρ_t·A_t, clip(ρ_t, 1 − ε, 1 + ε)·A_t) + β·k3_t,   ρ_t = exp(log π − log π_old)
 *   k3_t = exp(log π_ref − log π) − (log π_ref − log π) − 1   (Schulman's unbiased, non-negative KL estimator)
 *
 * With `klRatio` the KL term is ρ_t·k3_t instead: the samples come from π_old, so weighting by ρ makes the
 * KL estimate (and its gradient) that of π (TRL's use_bias_correction_kl, its default; DeepSeek-V3.2 §3.1's
 * unbiased KL estimate). At ρ = 1 the value is the same; the gradient gains k3·∇ρ.
 *
 * averaged over the minibatch in one of three ways:
 * - `sequence`: the mean over responses of each response's token mean (GRPO's 1/|o_i|; TRL loss_type "grpo"),
 *   which weighs a token of a short response more than one of a long response;
 * - `token`: the mean over all the minibatch's tokens (DAPO's token-level loss; TRL "bnpo", and "dapo" for
 *   one minibatch per batch);
 * - `constant`: the sum over tokens divided by responses × maxNewTokens (Dr. GRPO's length-unbiased
 *   constant normaliser; TRL "dr_grpo" with max_completion_length = maxNewTokens).
 */
import { scope, type Tensor } from "../torch/index.js";
import { maskedMean } from "./rollout.js";

export type LossAveraging = "sequence" | "token" | "constant";

export interface GrpoLossOptions {
  /** ε of the clipped ratio. */
  clipRange: number;
  /** β of the k3 KL term in the loss; 0 leaves it out (and `refLogprobs` may be null). */
  beta: number;
  /** Weight the k3 term by the ratio ρ_t (TRL use_bias_correction_kl). */
  klRatio: boolean;
  averaging: LossAveraging;
  /** The `constant` averaging's per-response length (the longest response generation allows). */
  maxNewTokens: number;
}

/**
 * The loss and its diagnostics from (B, R) tensors with `mask` 1 at real response tokens; `advantages` is
 * (B, R) (per-token advantages; a sequence advantage repeated). Also CleanRL's approx KL, the share of
 * clipped ratios and the mean k3 KL to the reference (0 without `refLogprobs`).
 */
export function grpoPolicyLoss(
  logprobs: Tensor,
  oldLogprobs: Tensor,
  refLogprobs: Tensor | null,
  advantages: Tensor,
  mask: Tensor,
  options: GrpoLossOptions,
): { loss: Tensor; approxKl: Tensor; clipFrac: Tensor; refKl: Tensor } {
  return scope(() => {
    const { clipRange, beta, averaging, maxNewTokens } = options;
    const logRatio = logprobs.sub(oldLogprobs).mul(mask); // 0 at padding, so exp gives 1 there
    const ratio = logRatio.exp();
    const unclipped = advantages.mul(ratio);
    const clipped = advantages.mul(ratio.clamp(1 - clipRange, 1 + clipRange));
    let perToken = unclipped.minimum(clipped).neg();
    let refKl: Tensor | null = null;
    if (refLogprobs) {
      const d = refLogprobs.sub(logprobs).mul(mask); // log π_ref − log π
      const k3 = d.exp().sub(d).sub(1);
      refKl = maskedMean(k3.detach(), mask);
      if (beta > 0) perToken = perToken.add((options.klRatio ? k3.mul(ratio) : k3).mul(beta));
    }
    const masked = perToken.mul(mask);
    const responses = mask.shape[0]!;
    const loss =
      averaging === "sequence"
        ? masked
            .sum([1])
            .div(mask.sum([1]).clamp(1, Infinity))
            .mean()
        : averaging === "token"
          ? masked.sum().div(mask.sum().clamp(1, Infinity))
          : masked.sum().div(responses * maxNewTokens);
    const r = ratio.detach();
    const approxKl = maskedMean(r.sub(1).sub(logRatio.detach()), mask);
    const clipFrac = maskedMean(r.sub(1).abs().gt(clipRange).float(), mask);
    return { loss, approxKl, clipFrac, refKl: refKl ?? mask.sum().mul(0) };
  });
}
