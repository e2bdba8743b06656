/**
 * `Module`: named parameters, buffers and sub-modules, with train/eval mode and state dicts, as PyTorch's
 * nn.Module. Parameters and buffers are `keep()`-ed: they live until the module is disposed.
 */
import { Tensor } from "../tensor.js";
import { noGrad } from "../autograd.js";
import { keep } from "../scope.js";

export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly bufs = new Map<string, Tensor>();
  /** Buffers derived from the config (not saved), still freed by dispose(). */
  private readonly transientBufs: Tensor[] = [];
  private readonly children = new Map<string, Module>();

  /** Registers a trainable tensor under `name` (requires grad, kept alive). */
  protected parameter(name: string, t: Tensor): Tensor {
    keep(t).requiresGrad_(true);
    this.params.set(name, t);
    return t;
  }

  /** Registers a non-trainable tensor that is saved with the state (e.g. rotary tables). */
  protected buffer(name: string, t: Tensor, persistent = true): Tensor {
    keep(t);
    if (persistent) this.bufs.set(name, t);
    else this.transientBufs.push(t);
    return t;
  }

  protected module<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** Replaces a registered parameter's tensor (e.g. to tie weights); the old one is not disposed. */
  protected replaceParameter(name: string, t: Tensor): void {
    this.params.set(name, t);
  }

  /** All parameters with dotted names, as PyTorch's named_parameters(). Shared tensors appear once. */
  namedParameters(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const visit = (m: Module, p: string) => {
      for (const [n, t] of m.params) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([p + n, t]);
      }
      for (const [n, c] of m.children) visit(c, `${p}${n}.`);
    };
    visit(this, prefix);
    return out;
  }

  /** Every sub-module with its dotted name, this one first (named ""), as PyTorch's named_modules(). */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [[prefix.replace(/\.$/, ""), this]];
    for (const [n, c] of this.children) out.push(...c.namedModules(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.bufs].map(([n, t]) => [prefix + n, t] as [string, Tensor]);
    for (const [n, c] of this.children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** Parameter count. */
  numParameters(): number {
    return this.parameters().reduce((a, t) => a + t.numel, 0);
  }

  train(on = true): this {
    this.training = on;
    for (const c of this.children.values()) c.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Parameters and persistent buffers by name (the tensors themselves, not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies tensors into this module's parameters and buffers by name. `strict`: every name must match
   * both ways and shapes must agree; the error lists what is missing or unexpected.
   */
  loadStateDict(state: Map<string, Tensor>, options: { strict?: boolean } = {}): void {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !state.has(k));
    const unexpected = [...state.keys()].filter((k) => !own.has(k));
    if (strict && (missing.length || unexpected.length)) {
      throw new Error(
        `loadStateDict: missing [${missing.join(", ")}], unexpected [${unexpected.join(", ")}]`,
      );
    }
    noGrad(() => {
      for (const [name, target] of own) {
        const src = state.get(name);
        if (!src) continue;
        if (src.shape.join() !== target.shape.join()) {
          throw new Error(
            `loadStateDict: ${name} has shape [${src.shape}] but the module expects [${target.shape}]`,
          );
        }
        target.copy_(src);
      }
    });
  }

  /** Frees every parameter and buffer, this module's and its sub-modules' (their own dispose() runs too). */
  dispose(): void {
    for (const t of this.params.values()) t.dispose();
    for (const t of this.bufs.values()) t.dispose();
    for (const t of this.transientBufs) t.dispose();
    for (const c of this.children.values()) c.dispose();
  }
}
