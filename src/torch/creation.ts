/** Creating tensors: from (nested) arrays and typed arrays, constants, ranges and random draws. */
import { native } from "./native.js";
import { Tensor, op } from "./tensor.js";
import { checkDType, type DType, type Device } from "./dtype.js";

export interface CreateOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

type Nested = number | boolean | Nested[];

const ops = {
  zeros: op("aten::zeros"),
  ones: op("aten::ones"),
  full: op("aten::full"),
  arange: op("aten::arange", "start_step"),
  rand: op("aten::rand"),
  randn: op("aten::randn"),
  randint: op("aten::randint", "low"),
  eye: op("aten::eye"),
};

function finish(t: Tensor, options: CreateOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

function factory(options: CreateOptions, fallback: DType = "float32") {
  return { dtype: options.dtype ?? fallback, device: options.device ?? "cpu" };
}

/** A tensor from nested arrays (numbers or booleans) or from a typed array with a shape. */
export function tensor(
  data: Nested | ArrayBufferView,
  options: CreateOptions & { shape?: number[] } = {},
): Tensor {
  if (ArrayBuffer.isView(data)) return fromTypedArray(data, options.shape ?? [elementCount(data)], options);
  const shape: number[] = [];
  for (let d: Nested = data; Array.isArray(d); d = d[0] ?? 0) shape.push(d.length);
  if (options.shape) {
    // A flat array with an explicit shape, as for a typed array.
    if (shape.length !== 1) throw new Error("tensor(): the shape option goes with a flat array");
    shape.splice(0, 1, ...options.shape);
  }
  const flat: (number | boolean)[] = [];
  const visit = (d: Nested): void => {
    if (Array.isArray(d)) d.forEach(visit);
    else flat.push(d);
  };
  visit(data);
  if (flat.length !== shape.reduce((a, b) => a * b, 1)) throw new Error("tensor(): ragged nested array");
  const dtype = checkDType(options.dtype ?? (typeof flat[0] === "boolean" ? "bool" : "float32"));
  return fromTypedArray(typedArrayFor(dtype, flat), shape, { ...options, dtype });
}

function elementCount(view: ArrayBufferView): number {
  return (view as unknown as { length: number }).length;
}

function typedArrayFor(dtype: DType, flat: (number | boolean)[]): ArrayBufferView {
  const nums = flat.map(Number);
  switch (dtype) {
    case "float32":
      return Float32Array.from(nums);
    case "float64":
      return Float64Array.from(nums);
    case "int64":
      return BigInt64Array.from(nums, (n) => BigInt(Math.trunc(n)));
    case "int32":
      return Int32Array.from(nums);
    case "int16":
      return Int16Array.from(nums);
    case "int8":
      return Int8Array.from(nums);
    case "uint8":
    case "bool":
      return Uint8Array.from(nums, (n) => (dtype === "bool" ? (n ? 1 : 0) : n));
    case "float16":
    case "bfloat16":
      return Float32Array.from(nums); // converted by the caller below
  }
}

/** A tensor holding a copy of a typed array's elements. */
export function fromTypedArray(data: ArrayBufferView, shape: number[], options: CreateOptions = {}): Tensor {
  const inferred = dtypeOfArray(data);
  const wanted = options.dtype ?? inferred;
  let t = new Tensor(native.fromBuffer(data, shape, inferred));
  if (wanted !== t.dtype) {
    const converted = t.to(wanted);
    t.dispose();
    t = converted;
  }
  if (options.device && options.device !== "cpu") {
    const moved = t.to(options.device);
    t.dispose();
    t = moved;
  }
  return finish(t, options);
}

function dtypeOfArray(data: ArrayBufferView): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Int16Array) return "int16";
  if (data instanceof Int8Array) return "int8";
  if (data instanceof Uint8Array) return "uint8";
  throw new Error(`tensor(): unsupported typed array ${data.constructor.name}`);
}

/** Raw float16/bfloat16 bits (a Uint16Array) as a tensor: how safetensors files are read. */
export function fromHalfBits(bits: Uint16Array, shape: number[], dtype: "float16" | "bfloat16"): Tensor {
  return new Tensor(native.fromBuffer(bits, shape, dtype));
}

export function zeros(shape: number[], options: CreateOptions = {}): Tensor {
  return finish(ops.zeros(shape, factory(options)), options);
}
export function ones(shape: number[], options: CreateOptions = {}): Tensor {
  return finish(ops.ones(shape, factory(options)), options);
}
export function full(shape: number[], value: number | boolean, options: CreateOptions = {}): Tensor {
  return finish(
    ops.full(shape, value, factory(options, typeof value === "boolean" ? "bool" : "float32")),
    options,
  );
}
/** Values start, start+step, … below end (int64 unless a dtype is given). */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  const [from, to] = end === undefined ? [0, start] : [start, end];
  return finish(ops.arange(from, to, step, factory(options, "int64")), options);
}
/** Uniform on [0, 1). */
export function rand(shape: number[], options: CreateOptions = {}): Tensor {
  return finish(ops.rand(shape, factory(options)), options);
}
/** Standard normal. */
export function randn(shape: number[], options: CreateOptions = {}): Tensor {
  return finish(ops.randn(shape, factory(options)), options);
}
/** Integers uniform on [low, high). */
export function randint(low: number, high: number, shape: number[], options: CreateOptions = {}): Tensor {
  return finish(ops.randint(low, high, shape, factory(options, "int64")), options);
}
export function eye(n: number, options: CreateOptions = {}): Tensor {
  return finish(ops.eye(n, factory(options)), options);
}
