/** Operators over several tensors: concatenation, stacking, element-wise choice. */
import { Tensor, op, type TensorLike } from "./tensor.js";

const ops = {
  cat: op("aten::cat"),
  stack: op("aten::stack"),
  where: op("aten::where", "self"),
};

/** Joins tensors along an existing dimension. */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  return ops.cat(tensors, dim);
}

/** Joins tensors along a new dimension. */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  return ops.stack(tensors, dim);
}

/** Element-wise `condition ? a : b`, broadcasting. */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  return ops.where(condition, a, b);
}
