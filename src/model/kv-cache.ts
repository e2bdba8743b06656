/**
 * The key/value cache for incremental decoding. Buffers are allocated once at full capacity and written in
 * place, so a decoding step neither concatenates nor reallocates: each step costs attention over the
 * cached length, not a recomputation of the prefix. All rows share one length because prompts are
 * left-padded (padding keys are masked out).
 */
import { Tensor, zeros, keep, noGrad, scope, type DType } from "../torch/index.js";
import { headDim, type LlamaConfig } from "./config.js";

export class KVCache {
  /** Positions written so far (the same for every row). */
  length = 0;
  private keys: Tensor[];
  private values: Tensor[];

  constructor(
    config: LlamaConfig,
    batch: number,
    readonly capacity: number,
    device = "cpu",
    /** The model's compute dtype (Llama.dtype): the keys and values are kept in it. */
    dtype: DType = "float32",
  ) {
    const shape = [batch, config.nKvHead, capacity, headDim(config)]; // (B, nKvHead, capacity, headDim)
    const buffer = () => keep(zeros(shape, { device, dtype }));
    this.keys = Array.from({ length: config.nLayer }, buffer);
    this.values = Array.from({ length: config.nLayer }, buffer);
  }

  get batch(): number {
    return this.keys[0]!.size(0);
  }

  /**
   * Writes layer `layer`'s new keys and values (B, nKvHead, T, headDim) at [length, length + T) and returns
   * views of everything cached for that layer, (B, nKvHead, length + T, headDim). Call `advance(T)` once all
   * layers are written.
   */
  update(layer: number, k: Tensor, v: Tensor): { k: Tensor; v: Tensor } {
    const t = k.size(2);
    const end = this.length + t;
    if (end > this.capacity)
      throw new Error(`KVCache: ${end} positions exceed the capacity ${this.capacity}`);
    const keys = this.keys[layer]!;
    const values = this.values[layer]!;
    noGrad(() =>
      scope(() => {
        keys.narrow(2, this.length, t).copy_(k);
        values.narrow(2, this.length, t).copy_(v);
      }),
    );
    return { k: keys.narrow(2, 0, end), v: values.narrow(2, 0, end) };
  }

  advance(t: number): void {
    this.length += t;
  }

  /**
   * Rebuilds the cache from rows `index` (int64, may repeat): repeating a prompt's row K times shares its
   * prefix across K samples; dropping finished rows shrinks the batch.
   */
  selectRows(index: Tensor): void {
    const pick = (buffers: Tensor[]) =>
      buffers.map((b) => {
        const picked = keep(noGrad(() => b.indexSelect(0, index)));
        b.dispose();
        return picked;
      });
    this.keys = pick(this.keys);
    this.values = pick(this.values);
  }

  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t.dispose();
  }
}
