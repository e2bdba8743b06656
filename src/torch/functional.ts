/** Functional building blocks for transformers and their losses (the torch.nn.functional subset we need). */
import { Tensor, op } from "./tensor.js";
import { attentionPath, type AttentionPath } from "./attentionPath.js";
import { ones } from "./creation.js";
import { scope } from "./scope.js";

const ops = {
  embedding: op("aten::embedding"),
  linear: op("aten::linear"),
  layerNorm: op("aten::layer_norm"),
  dropout: op("aten::dropout"),
  crossEntropy: op("aten::cross_entropy_loss"),
  mseLoss: op("aten::mse_loss"),
  bceWithLogits: op("aten::binary_cross_entropy_with_logits"),
};

export type Reduction = "none" | "mean" | "sum";
const reductionCode: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };

/** Rows of `weight` picked by integer `indices`. */
export function embedding(indices: Tensor, weight: Tensor): Tensor {
  return ops.embedding(weight, indices);
}

/** x · Wᵀ + b */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return ops.linear(x, weight, bias ?? null);
}

export function layerNorm(
  x: Tensor,
  normalizedShape: number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  return ops.layerNorm(x, normalizedShape, weight ?? null, bias ?? null, eps);
}

/**
 * RMSNorm (Zhang & Sennrich 2019, as in Llama): x / sqrt(mean(x²) + eps) · weight, over the last dimension.
 * A half-precision x is normalised in float32 and cast back before the weight, as transformers' LlamaRMSNorm.
 */
export function rmsNorm(x: Tensor, weight: Tensor, eps = 1e-6): Tensor {
  return scope(() => roundedOnce(x, (y) => y.mul(y.square().mean(-1, true).add(eps).rsqrt())).mul(weight));
}

/**
 * `f(x)` computed in float32 and rounded once to x's dtype when x is bfloat16 or float16 (else `f(x)`):
 * what libtorch 2.x's half-precision kernels and transformers' bf16 casts do, where libtorch 1.13 rounds
 * some intermediate results too (SiLU's sigmoid, a scalar factor).
 */
export function roundedOnce(x: Tensor, f: (wide: Tensor) => Tensor): Tensor {
  if (x.dtype !== "bfloat16" && x.dtype !== "float16") return f(x);
  return scope(() => f(x.float()).to(x.dtype));
}

/** Zeroes elements with probability p and rescales the rest, when `training`. */
export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  return ops.dropout(x, p, training && p > 0);
}

/**
 * Cross-entropy of `logits` (N, C) against class indices `targets` (N); positions equal to `ignoreIndex`
 * count for nothing (prompt and padding tokens in SFT).
 */
export function crossEntropy(
  logits: Tensor,
  targets: Tensor,
  options: { ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } = {},
): Tensor {
  return ops.crossEntropy(
    logits,
    targets,
    null,
    reductionCode[options.reduction ?? "mean"],
    options.ignoreIndex ?? -100,
    options.labelSmoothing ?? 0,
  );
}

export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  return ops.mseLoss(input, target, reductionCode[reduction]);
}

/** Binary cross-entropy on logits, numerically stable (PRLCoder's chosen/rejected PRM loss). */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  target: Tensor,
  reduction: Reduction = "mean",
): Tensor {
  return ops.bceWithLogits(logits, target, null, null, reductionCode[reduction]);
}

/**
 * Attention softmax(q·kᵀ/√d + mask)·v over (B, nHead, T, headDim) inputs.
 * `causal`: query i (the last Tq of Tk positions) sees keys up to its own position, so it also serves a KV
 * cache where Tq < Tk. `mask`: bool (true = may attend), broadcast to (B, nHead, Tq, Tk). Runs libtorch's
 * fused kernel or matmul and softmax, whichever was measured faster for this libtorch and device
 * (attentionPath.ts; `path` forces one, for benchmarks and tests); both give the same result.
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: { causal?: boolean; mask?: Tensor | null; path?: AttentionPath } = {},
): Tensor {
  const causal = options.causal ?? false;
  const mask = options.mask ?? null;
  const tq = q.size(-2);
  const tk = k.size(-2);
  const path = options.path ?? attentionPath(q.device).path;
  // The fused kernel's causal mask is aligned top-left, so a KV cache step (Tq < Tk) takes the matmul path.
  if (path === "fused" && !(causal && (mask || tq !== tk))) {
    return fusedAttention(q, k, v, mask, 0, causal);
  }
  return scope(() => {
    const scale = 1 / Math.sqrt(q.size(-1));
    const products = q.matmul(k.transpose(-2, -1)); // (B, nHead, Tq, Tk)
    let scores = roundedOnce(products, (p) => p.mul(scale)); // libtorch 1.13 rounds the bf16 scale first
    // A large finite negative, not -inf: a row with every key masked (padding) then gives a uniform
    // softmax instead of NaNs that would poison gradients.
    const negative = q.dtype === "float16" ? -65504 : -1e30;
    if (causal) {
      const allowed = ones([tq, tk], { dtype: "bool", device: q.device }).tril(tk - tq);
      scores = scores.maskedFill(allowed.logicalNot(), negative);
    }
    if (mask) scores = scores.maskedFill(mask.logicalNot(), negative);
    // Half precision: the softmax in float32, as transformers' eager attention does.
    return roundedOnce(scores, (s) => s.softmax(-1)).matmul(v); // (B, nHead, Tq, headDim)
  });
}

// libtorch ≥ 2.0 only; attentionPath() says whether to use it (looked up on first call).
const fusedAttention = op("aten::scaled_dot_product_attention");
