/**
 * Rotary position embeddings (Su et al., RoFormer §3.4) in Hugging Face Llama's layout: the head is split
 * in halves rather than interleaved pairs (`rotate_half`), and cos/sin repeat the frequencies twice, so
 * q_proj/k_proj weights from Hugging Face checkpoints work unchanged.
 */
import { Tensor, arange, cat, scope, tensor, F } from "../torch/index.js";

/** cos and sin tables (maxPositions, headDim): angle p·θ^(−2i/headDim) for position p and frequency i. */
export function rotaryTables(
  maxPositions: number,
  headDim: number,
  theta: number,
): { cos: Tensor; sin: Tensor } {
  return scope(() => {
    const frequencies = Float32Array.from(
      { length: headDim / 2 },
      (_, i) => 1 / theta ** ((2 * i) / headDim),
    );
    const invFreq = tensor(frequencies); // (headDim/2)
    const angles = arange(0, maxPositions, 1, { dtype: "float32" }).unsqueeze(1).mul(invFreq.unsqueeze(0)); // (P, headDim/2)
    const doubled = cat([angles, angles], 1); // (P, headDim)
    return { cos: doubled.cos(), sin: doubled.sin() };
  });
}

/** The tables' rows for each position: (B, T) int64 → cos, sin (B, 1, T, headDim), broadcast over heads. */
export function rotaryAt(
  tables: { cos: Tensor; sin: Tensor },
  positions: Tensor,
): { cos: Tensor; sin: Tensor } {
  return scope(() => ({
    cos: F.embedding(positions, tables.cos).unsqueeze(1),
    sin: F.embedding(positions, tables.sin).unsqueeze(1),
  }));
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
