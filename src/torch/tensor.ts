/**
 * `Tensor`: a handle to a libtorch tensor plus the operators a transformer and RL need. Every operator is
 * a call of an ATen operator by name through the dispatcher (native `call`), so autograd records it.
 * Broadcasting, type promotion and error messages are libtorch's own.
 */
import { native, type Handle } from "./native.js";
import { track } from "./scope.js";
import type { DType, Device } from "./dtype.js";

type Arg = unknown;
export type Scalar = number | boolean;
export type TensorLike = Tensor | Scalar;

const operatorIds = new Map<string, number>();

const backwardHooks: ((retainGraph: boolean) => void)[] = [];

/** Registers work to run after every `Tensor.backward` (gradient checkpointing continues the backward there). */
export function onBackward(hook: (retainGraph: boolean) => void): void {
  backwardHooks.push(hook);
}

// Operator results are typed by the wrappers that call them (a Tensor, a Tensor[], a number…): the generic
// entry point itself cannot know, so it returns `any`.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** Returns a function calling ATen operator `name.overload` (looked up once, on first use). */
export function op(name: string, overload = ""): (...args: Arg[]) => any {
  let id = -1;
  return (...args: Arg[]) => {
    if (id < 0) id = operatorId(name, overload);
    return wrap(native.call(id, ...args.map(unwrap)));
  };
}

/** Calls any ATen operator by name and overload, e.g. callOp("aten::add", "Tensor", a, b, { alpha: 2 }). */
export function callOp(name: string, overload: string, ...args: Arg[]): any {
  return wrap(native.call(operatorId(name, overload), ...args.map(unwrap)));
}

/** The schema of an operator, e.g. for checking argument names. */
export function operatorSchema(name: string, overload = ""): string {
  return native.operatorSchema(operatorId(name, overload));
}

/** True when this libtorch registers the operator (newer libtorch versions have more). */
export function hasOperator(name: string, overload = ""): boolean {
  try {
    operatorId(name, overload);
    return true;
  } catch {
    return false;
  }
}

/* eslint-enable @typescript-eslint/no-explicit-any */

function operatorId(name: string, overload: string): number {
  const key = `${name}.${overload}`;
  let id = operatorIds.get(key);
  if (id === undefined) {
    id = native.findOperator(name, overload);
    operatorIds.set(key, id);
  }
  return id;
}

function unwrap(a: Arg): Arg {
  if (a instanceof Tensor) return a.handle;
  if (Array.isArray(a)) return a.map(unwrap);
  if (a !== null && typeof a === "object" && Object.getPrototypeOf(a) === Object.prototype) {
    const out: Record<string, Arg> = {};
    for (const [k, v] of Object.entries(a)) out[k] = unwrap(v);
    return out;
  }
  return a;
}

function wrap(r: unknown): unknown {
  if (Array.isArray(r)) return r.map(wrap);
  if (r !== null && typeof r === "object") return new Tensor(r as Handle);
  return r;
}

const ops = {
  add: op("aten::add", "Tensor"),
  sub: op("aten::sub", "Tensor"),
  mul: op("aten::mul", "Tensor"),
  div: op("aten::div", "Tensor"),
  divMode: op("aten::div", "Tensor_mode"),
  remainder: op("aten::remainder", "Tensor"),
  pow: op("aten::pow", "Tensor_Tensor"),
  powScalar: op("aten::pow", "Tensor_Scalar"),
  neg: op("aten::neg"),
  abs: op("aten::abs"),
  eq: op("aten::eq", "Tensor"),
  ne: op("aten::ne", "Tensor"),
  lt: op("aten::lt", "Tensor"),
  le: op("aten::le", "Tensor"),
  gt: op("aten::gt", "Tensor"),
  ge: op("aten::ge", "Tensor"),
  logicalNot: op("aten::logical_not"),
  logicalAnd: op("aten::logical_and"),
  logicalOr: op("aten::logical_or"),
  maximum: op("aten::maximum"),
  minimum: op("aten::minimum"),
  matmul: op("aten::matmul"),
  bmm: op("aten::bmm"),
  reshape: op("aten::reshape"),
  view: op("aten::view"),
  permute: op("aten::permute"),
  transpose: op("aten::transpose", "int"),
  contiguous: op("aten::contiguous"),
  squeeze: op("aten::squeeze"),
  squeezeDim: op("aten::squeeze", "dim"),
  unsqueeze: op("aten::unsqueeze"),
  expand: op("aten::expand"),
  flatten: op("aten::flatten", "using_ints"),
  repeat: op("aten::repeat"),
  select: op("aten::select", "int"),
  narrow: op("aten::narrow"),
  slice: op("aten::slice", "Tensor"),
  gather: op("aten::gather"),
  scatter: op("aten::scatter", "src"),
  scatterAdd: op("aten::scatter_add"),
  indexSelect: op("aten::index_select"),
  index: op("aten::index", "Tensor"),
  maskedFill: op("aten::masked_fill", "Scalar"),
  split: op("aten::split", "Tensor"),
  splitSizes: op("aten::split_with_sizes"),
  chunk: op("aten::chunk"),
  sumAll: op("aten::sum"),
  sum: op("aten::sum", "dim_IntList"),
  meanAll: op("aten::mean"),
  mean: op("aten::mean", "dim"),
  maxAll: op("aten::max"),
  maxDim: op("aten::max", "dim"),
  minAll: op("aten::min"),
  minDim: op("aten::min", "dim"),
  argmax: op("aten::argmax"),
  logsumexp: op("aten::logsumexp"),
  cumsum: op("aten::cumsum"),
  varDim: op("aten::var", "correction"),
  norm: op("aten::linalg_vector_norm"),
  exp: op("aten::exp"),
  log: op("aten::log"),
  sqrt: op("aten::sqrt"),
  rsqrt: op("aten::rsqrt"),
  tanh: op("aten::tanh"),
  sigmoid: op("aten::sigmoid"),
  relu: op("aten::relu"),
  gelu: op("aten::gelu"),
  silu: op("aten::silu"),
  sin: op("aten::sin"),
  cos: op("aten::cos"),
  softmax: op("aten::softmax", "int"),
  logSoftmax: op("aten::log_softmax", "int"),
  clamp: op("aten::clamp"),
  tril: op("aten::tril"),
  triu: op("aten::triu"),
  multinomial: op("aten::multinomial"),
  topk: op("aten::topk"),
  sort: op("aten::sort"),
  toDtype: op("aten::to", "dtype"),
  toDevice: op("aten::to", "device"),
  clone: op("aten::clone"),
  detach: op("aten::detach"),
  any: op("aten::any"),
  all: op("aten::all"),
  copy_: op("aten::copy_"),
  setData: op("aten::set_data"),
  fill_: op("aten::fill_", "Scalar"),
  zero_: op("aten::zero_"),
};

/** A libtorch tensor. Create with the functions in creation.ts; free with dispose() or inside scope(). */
export class Tensor {
  /** Set by scope bookkeeping: kept tensors outlive every enclosing scope. */
  kept = false;
  private meta: [string, string, ...number[]] | undefined;
  private freed = false;

  constructor(readonly handle: Handle) {
    track(this);
  }

  private info(): [string, string, ...number[]] {
    if (this.freed) throw new Error("tensor: used after dispose()");
    return (this.meta ??= native.meta(this.handle));
  }

  get shape(): number[] {
    return this.info().slice(2) as number[];
  }
  get dtype(): DType {
    return this.info()[0] as DType;
  }
  get device(): Device {
    return this.info()[1];
  }
  get ndim(): number {
    return this.info().length - 2;
  }
  /** Number of elements. */
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  /** Size of dimension `dim` (negative counts from the end). */
  size(dim: number): number {
    const shape = this.shape;
    const d = dim < 0 ? shape.length + dim : dim;
    if (d < 0 || d >= shape.length) throw new Error(`size(${dim}): tensor has ${shape.length} dimensions`);
    return shape[d]!;
  }

  get disposed(): boolean {
    return this.freed;
  }
  /** Frees the native memory now; idempotent. */
  dispose(): void {
    if (this.freed) return;
    this.freed = true;
    native.dispose(this.handle);
  }
  /** Keeps this tensor alive past every enclosing scope. */
  keep(): this {
    this.kept = true;
    return this;
  }

  // ---- autograd
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }
  /** Turns gradient tracking on or off for a leaf tensor; returns this. */
  requiresGrad_(on = true): this {
    native.setRequiresGrad(this.handle, on);
    return this;
  }
  /** The accumulated gradient, or null. A new handle each call: dispose it or read it inside a scope. */
  get grad(): Tensor | null {
    const g = native.grad(this.handle);
    return g === null ? null : new Tensor(g);
  }
  /** Accumulates gradients into the leaves, then continues through checkpointed segments (checkpoint.ts). */
  backward(gradient?: Tensor, options: { retainGraph?: boolean } = {}): void {
    const retainGraph = options.retainGraph ?? false;
    native.backward(this.handle, gradient?.handle ?? null, retainGraph);
    for (const hook of backwardHooks) hook(retainGraph);
  }
  detach(): Tensor {
    return ops.detach(this);
  }

  // ---- arithmetic (broadcasting; a number acts like a Python scalar)
  add(other: TensorLike, alpha = 1): Tensor {
    return ops.add(this, other, alpha);
  }
  sub(other: TensorLike, alpha = 1): Tensor {
    return ops.sub(this, other, alpha);
  }
  mul(other: TensorLike): Tensor {
    return ops.mul(this, other);
  }
  div(other: TensorLike, roundingMode?: "trunc" | "floor"): Tensor {
    return roundingMode ? ops.divMode(this, other, { rounding_mode: roundingMode }) : ops.div(this, other);
  }
  remainder(other: TensorLike): Tensor {
    return ops.remainder(this, other);
  }
  pow(exponent: TensorLike): Tensor {
    return exponent instanceof Tensor ? ops.pow(this, exponent) : ops.powScalar(this, exponent);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  abs(): Tensor {
    return ops.abs(this);
  }
  square(): Tensor {
    return ops.mul(this, this);
  }
  maximum(other: Tensor): Tensor {
    return ops.maximum(this, other);
  }
  minimum(other: Tensor): Tensor {
    return ops.minimum(this, other);
  }
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
  bmm(other: Tensor): Tensor {
    return ops.bmm(this, other);
  }

  // ---- comparisons (bool tensors)
  eq(other: TensorLike): Tensor {
    return ops.eq(this, other);
  }
  ne(other: TensorLike): Tensor {
    return ops.ne(this, other);
  }
  lt(other: TensorLike): Tensor {
    return ops.lt(this, other);
  }
  le(other: TensorLike): Tensor {
    return ops.le(this, other);
  }
  gt(other: TensorLike): Tensor {
    return ops.gt(this, other);
  }
  ge(other: TensorLike): Tensor {
    return ops.ge(this, other);
  }
  logicalNot(): Tensor {
    return ops.logicalNot(this);
  }
  logicalAnd(other: Tensor): Tensor {
    return ops.logicalAnd(this, other);
  }
  logicalOr(other: Tensor): Tensor {
    return ops.logicalOr(this, other);
  }
  any(): Tensor {
    return ops.any(this);
  }
  all(): Tensor {
    return ops.all(this);
  }

  // ---- shape
  reshape(...shape: number[]): Tensor {
    return ops.reshape(this, shape);
  }
  view(...shape: number[]): Tensor {
    return ops.view(this, shape);
  }
  permute(...dims: number[]): Tensor {
    return ops.permute(this, dims);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  contiguous(): Tensor {
    return ops.contiguous(this);
  }
  squeeze(dim?: number): Tensor {
    return dim === undefined ? ops.squeeze(this) : ops.squeezeDim(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return ops.unsqueeze(this, dim);
  }
  expand(...shape: number[]): Tensor {
    return ops.expand(this, shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return ops.flatten(this, startDim, endDim);
  }
  repeat(...times: number[]): Tensor {
    return ops.repeat(this, times);
  }

  // ---- indexing
  select(dim: number, index: number): Tensor {
    return ops.select(this, dim, index);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return ops.narrow(this, dim, start, length);
  }
  /** Python's t[..., start:end:step] along `dim`; null means the end of that side. */
  slice(dim: number, start: number | null, end: number | null, step = 1): Tensor {
    return ops.slice(this, dim, start, end, step);
  }
  gather(dim: number, index: Tensor): Tensor {
    return ops.gather(this, dim, index);
  }
  scatter(dim: number, index: Tensor, src: Tensor): Tensor {
    return ops.scatter(this, dim, index, src);
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return ops.scatterAdd(this, dim, index, src);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return ops.indexSelect(this, dim, index);
  }
  /** Advanced indexing, Python's t[i0, i1, …] with index tensors (null skips a dimension). */
  index(indices: (Tensor | null)[]): Tensor {
    return ops.index(this, indices);
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return ops.maskedFill(this, mask, value);
  }
  split(sizeOrSizes: number | number[], dim = 0): Tensor[] {
    return Array.isArray(sizeOrSizes)
      ? ops.splitSizes(this, sizeOrSizes, dim)
      : ops.split(this, sizeOrSizes, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return ops.chunk(this, chunks, dim);
  }

  // ---- reductions
  sum(dim?: number | number[], keepDim = false): Tensor {
    return dim === undefined ? ops.sumAll(this) : ops.sum(this, dim, keepDim);
  }
  mean(dim?: number | number[], keepDim = false): Tensor {
    return dim === undefined ? ops.meanAll(this) : ops.mean(this, dim, keepDim);
  }
  /** Variance (unbiased by default, as torch.var). */
  var(dim?: number | number[], keepDim = false, unbiased = true): Tensor {
    return ops.varDim(this, dim ?? null, { correction: unbiased ? 1 : 0, keepdim: keepDim });
  }
  max(): Tensor;
  max(dim: number, keepDim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepDim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return ops.maxAll(this);
    const [values, indices] = ops.maxDim(this, dim, keepDim);
    return { values, indices };
  }
  min(): Tensor;
  min(dim: number, keepDim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepDim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return ops.minAll(this);
    const [values, indices] = ops.minDim(this, dim, keepDim);
    return { values, indices };
  }
  argmax(dim?: number, keepDim = false): Tensor {
    return ops.argmax(this, dim ?? null, keepDim);
  }
  logsumexp(dim: number | number[], keepDim = false): Tensor {
    return ops.logsumexp(this, dim, keepDim);
  }
  cumsum(dim: number): Tensor {
    return ops.cumsum(this, dim);
  }
  /** L2 (or `ord`) norm over all elements or `dim`. */
  norm(ord = 2, dim?: number | number[], keepDim = false): Tensor {
    return ops.norm(this, ord, dim ?? null, keepDim);
  }

  // ---- elementwise functions
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  gelu(approximate: "none" | "tanh" = "none"): Tensor {
    return ops.gelu(this, { approximate });
  }
  silu(): Tensor {
    return ops.silu(this);
  }
  sin(): Tensor {
    return ops.sin(this);
  }
  cos(): Tensor {
    return ops.cos(this);
  }
  softmax(dim: number): Tensor {
    return ops.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return ops.logSoftmax(this, dim);
  }
  clamp(min: number | null, max: number | null = null): Tensor {
    return ops.clamp(this, min, max);
  }
  tril(diagonal = 0): Tensor {
    return ops.tril(this, diagonal);
  }
  triu(diagonal = 0): Tensor {
    return ops.triu(this, diagonal);
  }

  // ---- sampling and ordering
  /** Draws `numSamples` indices per row from the (unnormalised) probabilities in the last dimension. */
  multinomial(numSamples: number, replacement = false): Tensor {
    return ops.multinomial(this, numSamples, replacement);
  }
  topk(k: number, dim = -1, largest = true, sorted = true): { values: Tensor; indices: Tensor } {
    const [values, indices] = ops.topk(this, k, dim, largest, sorted);
    return { values, indices };
  }
  sort(dim = -1, descending = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = ops.sort(this, dim, descending);
    return { values, indices };
  }

  // ---- conversion, copies, in-place
  /** Converts to a dtype or moves to a device ("cpu", "cuda", "cuda:1"). */
  to(target: DType | Device): Tensor {
    if (target === "cpu" || target.startsWith("cuda")) return ops.toDevice(this, target, this.dtype);
    return ops.toDtype(this, target);
  }
  float(): Tensor {
    return this.to("float32");
  }
  long(): Tensor {
    return this.to("int64");
  }
  bool(): Tensor {
    return this.to("bool");
  }
  clone(): Tensor {
    return ops.clone(this);
  }
  /** Copies `src` into this tensor in place (broadcasting); returns this. */
  copy_(src: Tensor): this {
    ops.copy_(this, src).dispose();
    return this;
  }
  /**
   * Makes this tensor hold `source`'s data (PyTorch's `param.data = source`): dtype, shape and storage
   * change, while the tensor stays the same leaf, with its requires-grad flag, wherever it is referenced.
   * Mixed precision (src/train/mixed-precision.ts) casts a model's parameters this way.
   */
  setData_(source: Tensor): this {
    ops.setData(this, source);
    this.meta = undefined;
    return this;
  }
  fill_(value: number): this {
    ops.fill_(this, value).dispose();
    return this;
  }
  zero_(): this {
    ops.zero_(this).dispose();
    return this;
  }

  // ---- readback
  /** The single value of a one-element tensor. */
  item(): number {
    const v = native.item(this.handle);
    return typeof v === "boolean" ? Number(v) : v;
  }
  /** The elements in row-major order as a typed array (float16/bfloat16 read as float32). */
  data(): Float32Array | Float64Array | Int32Array | BigInt64Array | Int16Array | Int8Array | Uint8Array {
    const dtype = this.dtype;
    if (dtype === "float16" || dtype === "bfloat16") {
      const f = this.to("float32");
      try {
        return f.data();
      } finally {
        f.dispose();
      }
    }
    const buffer = native.toBuffer(this.handle);
    switch (dtype) {
      case "float32":
        return new Float32Array(buffer);
      case "float64":
        return new Float64Array(buffer);
      case "int64":
        return new BigInt64Array(buffer);
      case "int32":
        return new Int32Array(buffer);
      case "int16":
        return new Int16Array(buffer);
      case "int8":
        return new Int8Array(buffer);
      default:
        return new Uint8Array(buffer);
    }
  }
  /** The elements as plain numbers (booleans as 0/1), flat. */
  toFlatArray(): number[] {
    const d = this.data();
    return d instanceof BigInt64Array ? Array.from(d, Number) : Array.from(d as ArrayLike<number>);
  }
  /** The elements as nested arrays following the shape (a number for a 0-d tensor). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- nesting depth follows the runtime shape
  toArray(): any {
    const flat = this.toFlatArray();
    const shape = this.shape;
    if (shape.length === 0) return flat[0];
    let offset = 0;
    const build = (d: number): unknown[] => {
      const out: unknown[] = [];
      for (let i = 0; i < shape[d]!; i++) out.push(d === shape.length - 1 ? flat[offset++] : build(d + 1));
      return out;
    };
    return build(0);
  }
  toString(): string {
    return this.freed
      ? "Tensor(<disposed>)"
      : `Tensor(${this.dtype}[${this.shape.join(",")}] on ${this.device})`;
  }
}
