import { test } from "node:test";
import assert from "node:assert/strict";
import * as T from "../../src/torch/index.js";

test("a shape mismatch names the operator and the shapes, and the process goes on", () => {
  T.scope(() => {
    const a = T.ones([2, 3]);
    assert.throws(
      () => a.matmul(T.ones([2, 3])),
      /aten::matmul\(float32\[2,3\], float32\[2,3\]\): mat1 and mat2 shapes cannot be multiplied/,
    );
    assert.throws(
      () => a.add(T.ones([4])),
      /aten::add\.Tensor\(float32\[2,3\], float32\[4\], 1\): The size of tensor a/,
    );
    assert.equal(a.add(1).sum().item(), 12);
  });
});

test("a wrong dtype is a clear error", () => {
  T.scope(() => {
    const w = T.ones([4, 2]);
    assert.throws(
      () => T.F.embedding(T.tensor([0.5, 1]), w),
      /aten::embedding\(float32\[4,2\], float32\[2\]\).*(Long|Int)/,
    );
    assert.throws(() => T.tensor([1, 2], { dtype: "complex" as never }), /unknown dtype 'complex'/);
    assert.throws(() => T.ones([2]).gather(0, T.tensor([0])), /aten::gather.*int64|Long/);
  });
});

test("an unknown operator or overload is a clear error", () => {
  assert.throws(() => T.callOp("aten::does_not_exist", ""), /unknown operator aten::does_not_exist/);
  assert.throws(() => T.callOp("aten::add", "NoSuchOverload"), /unknown operator aten::add\.NoSuchOverload/);
  assert.equal(T.hasOperator("aten::add", "Tensor"), true);
  assert.equal(T.hasOperator("aten::nope"), false);
});

test("bad arguments to the generic entry point are clear errors", () => {
  T.scope(() => {
    const a = T.ones([2]);
    assert.throws(() => T.callOp("aten::add", "Tensor", a), /missing argument 'other'/);
    assert.throws(
      () => T.callOp("aten::add", "Tensor", a, "x"),
      /argument 'other' expects a tensor, got 'x'/,
    );
    assert.throws(() => T.callOp("aten::sum", "dim_IntList", a, [0.5]), /expects an integer/);
    assert.throws(() => T.callOp("aten::add", "Tensor", a, a, { beta: 2 }), /unknown keyword argument/);
    assert.equal(T.callOp("aten::add", "Tensor", a, a, { alpha: 3 }).sum().item(), 8);
  });
});

test("a creation error from libtorch is thrown, not fatal", () => {
  assert.throws(() => T.zeros([-1]), /aten::zeros.*negative/i);
  assert.throws(() => T.tensor(new Float32Array(3), { shape: [2, 2] }), /3 bytes|12 bytes but shape/);
  assert.equal(T.ones([1]).item(), 1);
});
