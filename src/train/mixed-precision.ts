/**
 * Training in bfloat16 with float32 master weights (Micikevicius et al., "Mixed Precision Training", ICLR
 * 2018, §3.1): the models compute forward and backward in bfloat16 — half the memory for weights,
 * activations and gradients, and the bf16 matrix kernels of recent CPUs and GPUs — while AdamW updates a
 * float32 copy of every trained weight, so updates smaller than bfloat16's 8-bit mantissa can resolve
 * are not rounded away; after each step the copy is rounded into the model. bfloat16 has float32's
 * exponent range, so no loss scaling (their §3.2) is needed. Logits and scalar-head outputs are widened to
 * float32 before any loss (Llama.logits / values), norms and the attention softmax run in float32 inside
 * (functional.ts), as transformers does for a bf16 model.
 *
 * With precision "float32" every method is a no-op and `params` are the trained weights themselves, so a
 * trainer has one code path: gradientsToMasters → clip → optimiser step → mastersToModel. Checkpoints are
 * written from the master weights (`withMasterWeights`), so they stay float32 and a resumed run continues
 * exactly where it stopped.
 */
import { dropGrads, keep, noGrad, scope, type Module, type Tensor } from "../torch/index.js";

/** The trainer configs' `precision` field. */
export type Precision = "float32" | "bfloat16";

export const precisions: readonly Precision[] = ["float32", "bfloat16"];

/** Casts frozen models (a reference policy, a PRM) to the compute dtype, so they score as the trained ones do. */
export function computeIn(precision: Precision, models: Module[]): void {
  MixedPrecision.setUp(precision, models, []).dispose();
}

export class MixedPrecision {
  private constructor(
    /** The models' trained weights (bfloat16 under mixed precision). */
    private readonly trained: Tensor[],
    /** Their float32 masters, in the same order; null in float32. */
    private readonly masters: Tensor[] | null,
  ) {}

  /**
   * Casts every parameter of `models` (trained or frozen: a LoRA base, a reference model) and every
   * `trained` weight to the compute dtype, and keeps float32 masters of the trained ones. Call it after
   * loading the weights (and restoring a checkpoint) and before making the optimiser over `params`.
   */
  static setUp(precision: Precision, models: Module[], trained: Tensor[]): MixedPrecision {
    if (precision === "float32") return new MixedPrecision(trained, null);
    const masters = trained.map((p) =>
      keep(noGrad(() => scope(() => p.float().clone()))).requiresGrad_(true),
    );
    const all = new Set([...models.flatMap((m) => m.parameters()), ...trained]);
    noGrad(() => {
      for (const p of all) if (p.dtype !== precision) scope(() => void p.setData_(p.to(precision)));
    });
    dropGrads([...all]);
    return new MixedPrecision(trained, masters);
  }

  /** What the optimiser updates and the gradient clip measures: the float32 masters, else the weights. */
  get params(): Tensor[] {
    return this.masters ?? this.trained;
  }

  /** Moves the models' bfloat16 gradients onto the masters as float32 (call after backward, before clipping). */
  gradientsToMasters(): void {
    const masters = this.masters;
    if (!masters) return;
    this.trained.forEach((p, i) =>
      scope(() => {
        const g = p.grad;
        if (!g) return;
        masters[i]!.backward(g.float()); // a leaf's backward adds the gradient to its .grad
        dropGrads([p]); // one at a time, so the bf16 and float32 gradients never coexist in full
      }),
    );
  }

  /** Rounds the updated masters into the models' weights (call after the optimiser step). */
  mastersToModel(): void {
    const masters = this.masters;
    if (!masters) return;
    noGrad(() => this.trained.forEach((p, i) => p.copy_(masters[i]!)));
  }

  /** Runs `fn` (saving a checkpoint) with the trained weights holding their float32 masters. */
  withMasterWeights<T>(fn: () => T): T {
    const masters = this.masters;
    if (!masters) return fn();
    const low = this.trained.map((p) => p.detach());
    try {
      this.trained.forEach((p, i) => scope(() => void p.setData_(masters[i]!.detach())));
      return fn();
    } finally {
      this.trained.forEach((p, i) => p.setData_(low[i]!));
      for (const t of low) t.dispose();
    }
  }

  dispose(): void {
    for (const m of this.masters ?? []) m.dispose();
  }
}
