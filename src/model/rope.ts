/**
 * Rotary position embeddings (Su et al., RoFormer §3.4) in Hugging Face Llama's layout: the head is split
 * in halves rather than interleaved pairs (`rotate_half`), and cos/sin repeat the frequencies twice, so
 * q_proj/k_proj weights from Hugging Face checkpoints work unchanged. The inverse frequencies and their
 * scalings are computed with the same float32 tensor operations, in the same order, as transformers'
 * `modeling_rope_utils`, so the angles agree to the last bit wherever the two libtorch kernels do.
 */
import { Tensor, arange, cat, keep, noGrad, scope, tensor, where, type DType } from "../torch/index.js";
import type { LlamaConfig } from "./config.js";

/** θ^(−2i/d) for i < d/2, float32: `1 / (base ** (arange(0, d, 2).float() / d))` as transformers. */
function defaultFrequencies(base: Tensor | number, dim: number): Tensor {
  return scope(() => {
    const exponents = arange(0, dim, 2, { dtype: "int64" }).float().div(dim); // (dim/2)
    const b = typeof base === "number" ? tensor([base]) : base;
    return tensor([1]).div(b.pow(exponents));
  });
}

/**
 * The inverse frequencies (headDim/2) for the config's rope type (transformers' ROPE_INIT_FUNCTIONS).
 * `seqLen` matters only to `dynamic` scaling: the length of the sequence being computed.
 */
export function inverseFrequencies(config: LlamaConfig, seqLen?: number): Tensor {
  const dim = config.headDim;
  const s = config.ropeScaling;
  return noGrad(() =>
    scope(() => {
      if (!s) return defaultFrequencies(config.ropeTheta, dim);
      if (s.type === "linear") return defaultFrequencies(config.ropeTheta, dim).div(s.factor);
      if (s.type === "dynamic") {
        // Dynamic NTK (bloc97, emozilla): θ · (factor·L/Lmax − (factor − 1))^(d/(d−2)) once L > Lmax.
        const maxPositions = config.maxPositions;
        const length = Math.max(seqLen ?? maxPositions, maxPositions);
        const base = tensor([length])
          .mul(s.factor)
          .div(maxPositions)
          .sub(s.factor - 1)
          .pow(dim / (dim - 2))
          .mul(config.ropeTheta);
        return defaultFrequencies(base, dim);
      }
      // llama3: wavelengths longer than the original context / lowFreqFactor are divided by `factor`, shorter
      // than context / highFreqFactor kept, and the band between interpolated smoothly.
      const inv = defaultFrequencies(config.ropeTheta, dim);
      const lowWavelength = s.originalMaxPositions / s.lowFreqFactor;
      const highWavelength = s.originalMaxPositions / s.highFreqFactor;
      const wavelength = tensor([1])
        .div(inv)
        .mul(2 * Math.PI); // Python's 2π / t is t.reciprocal() * 2π
      let scaled = where(wavelength.gt(lowWavelength), inv.div(s.factor), inv);
      const smooth = tensor([1])
        .div(wavelength)
        .mul(s.originalMaxPositions)
        .sub(s.lowFreqFactor)
        .div(s.highFreqFactor - s.lowFreqFactor);
      const smoothed = tensor([1]).sub(smooth).mul(scaled).div(s.factor).add(smooth.mul(scaled));
      const medium = wavelength
        .lt(highWavelength)
        .logicalNot()
        .logicalAnd(wavelength.gt(lowWavelength).logicalNot());
      scaled = where(medium, smoothed, scaled);
      return scaled;
    }),
  );
}

/**
 * The rotary angles of one model. `at(positions)` gives cos and sin for any positions; with `dynamic` scaling
 * the frequencies depend on the longest position of the call, as transformers recomputes them when a sequence
 * outgrows `max_position_embeddings` (transformers also remembers the longest length seen; this does not).
 */
export class Rotary {
  private invFreq: Tensor;

  constructor(private readonly config: LlamaConfig) {
    this.invFreq = keep(inverseFrequencies(config));
  }

  /**
   * positions (B, T) int64 → cos, sin (B, 1, T, headDim), broadcast over heads. The angles are always
   * computed in float32; cos and sin are then cast to the model's compute `dtype`, as transformers'
   * rotary embedding returns `cos.to(x.dtype)`.
   */
  at(positions: Tensor, dtype: DType = "float32"): { cos: Tensor; sin: Tensor } {
    return noGrad(() =>
      scope(() => {
        if (this.invFreq.device !== positions.device) {
          const moved = keep(this.invFreq.to(positions.device));
          this.invFreq.dispose();
          this.invFreq = moved;
        }
        let invFreq = this.invFreq;
        if (this.config.ropeScaling?.type === "dynamic") {
          const length = positions.max().item() + 1;
          if (length > this.config.maxPositions)
            invFreq = inverseFrequencies(this.config, length).to(positions.device);
        }
        const angles = positions.float().unsqueeze(-1).mul(invFreq); // (B, T, headDim/2)
        const doubled = cat([angles, angles], -1).unsqueeze(1); // (B, 1, T, headDim)
        const [cos, sin] = [doubled.cos(), doubled.sin()];
        return dtype === "float32" ? { cos, sin } : { cos: cos.to(dtype), sin: sin.to(dtype) };
      }),
    );
  }

  dispose(): void {
    this.invFreq.dispose();
  }
}

/** (x1, x2) → (−x2, x1) over the last dimension's halves. */
function rotateHalf(x: Tensor): Tensor {
  return scope(() => {
    const [x1, x2] = x.chunk(2, -1);
    return cat([x2!.neg(), x1!], -1);
  });
}

/** Rotates queries or keys (B, heads, T, headDim) by their positions' angles. */
export function applyRotary(x: Tensor, rotary: { cos: Tensor; sin: Tensor }): Tensor {
  return scope(() => x.mul(rotary.cos).add(rotateHalf(x).mul(rotary.sin)));
}
